# vigil's image, in two stages: the build compiles the TypeScript sources (tsc, a dev
# dependency); the runtime keeps Node.js 24, production dependencies and the compiled code.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY parsers ./parsers
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production VIGIL_DATA_DIR=/data
# As in `npm start`: two malloc arenas keep the worker threads from fragmenting resident memory,
# and batch-sized buffers are always mapped on their own, so freeing one returns it to the system.
ENV MALLOC_ARENA_MAX=2
ENV MALLOC_MMAP_THRESHOLD_=131072
COPY package.json package-lock.json ./
# The image's own Node.js 24 replaces the node@24 dev dependency.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Only the embedded default: config/ also holds the deployment files (compose, Kubernetes, dashboards).
COPY config/default.yaml ./config/default.yaml
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 5514/tcp 5514/udp 6514
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.VIGIL_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same node flags and entry as `npm start` (package.json).
CMD ["node", "--initial-old-space-size=64", "--max-semi-space-size=6", "--max-old-space-size=192", "dist/src/cli/vigil.js", "start"]
