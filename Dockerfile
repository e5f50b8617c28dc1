# syntax=docker/dockerfile:1
# mail-ingest: multi-stage build; the runtime image has production dependencies only,
# runs as a non-root user, reads /etc/mail-ingest/config.yaml and reports health on /healthz.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MAIL_INGEST_CONFIG=/etc/mail-ingest/config.yaml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The config (and secrets it names with passwordFile/apiKeyFile) are mounted read-only here.
RUN mkdir -p /etc/mail-ingest && chown root:root /etc/mail-ingest
USER node
EXPOSE 9464
# /healthz answers on http.listen (default 127.0.0.1:9464, reachable from inside the container;
# set http.listen: 0.0.0.0:9464 for Prometheus to scrape /metrics from outside).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM/SIGINT itself (drain, then exit 0); exec form so signals reach it.
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
