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
# In a container the listeners must bind every interface to be reachable through published ports;
# vigil still refuses to start with a webhook route that has no auth unless the config says so.
ENV NODE_ENV=production VIGIL_DATA_DIR=/data VIGIL_HOST=0.0.0.0
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
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
# 9098: the admin listener (health, readiness, metrics), plain HTTP whatever the webhooks use.
EXPOSE 8080 9098 5514/tcp 5514/udp 6514
# GET /healthz on the admin listener that this container's configuration (file and environment) runs.
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD ["node", "dist/src/admin/healthcheck.js"]
# The same node flags and entry as `npm start` (package.json).
CMD ["node", "--initial-old-space-size=64", "--max-semi-space-size=6", "--max-old-space-size=192", "dist/src/cli/vigil.js", "start"]
