# vigil's image: Node.js 24 runs the TypeScript sources directly (type stripping), no build step.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production VIGIL_DATA_DIR=/data
COPY package.json package-lock.json ./
# Production dependencies only; the image's own Node.js 24 replaces the node@24 dev dependency.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY config ./config
COPY parsers ./parsers
COPY src ./src
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 5514/tcp 5514/udp 6514
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.VIGIL_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same node flags as `npm start` (package.json).
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=192", "src/cli/vigil.ts", "start"]
