# syntax=docker/dockerfile:1
# The production image: `docker build -t partner-graph .` (see docs/deployment.md). The build
# stage has the dev dependencies (TypeScript, tsx); the runtime stage only dist/, package.json
# ("type": "module") and the production dependencies, owned by root so the server cannot change them.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
# tini as PID 1 reaps zombies and passes SIGTERM on to node, which then drains (SHUTDOWN_GRACE_MS).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=4000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Numeric, so Kubernetes' runAsNonRoot can verify it: the base image's `node` user.
USER 1000:1000
EXPOSE 4000
# Liveness through node itself: the slim image has no curl or wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 4000}/health`, { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.status === 200 ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# node itself, never npm: npm would stand between the signal and the server. The two V8 flags are
# explained in docs/deployment.md.
CMD ["node", "--max-semi-space-size=8", "--liftoff-only", "dist/main.js"]
