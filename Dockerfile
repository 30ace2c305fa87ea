# One image for every Portico app; the command picks the app:
#   docker run portico auth | client-registry | event-consumer | sync-orchestrator | mail-relay | migrate
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.base.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY migrations migrations
COPY bench bench
COPY scripts scripts
RUN node scripts/build.js

FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to Node and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --chown=node:node --from=prod-deps /app/node_modules node_modules
COPY --chown=node:node --from=build /app/dist dist
COPY --chown=node:node scripts/container.js scripts/migrate.js scripts/build.js scripts/
USER node
EXPOSE 3000 3001 3002 3003 3004 2525
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 \
  CMD ["node", "scripts/container.js", "healthcheck"]
ENTRYPOINT ["tini", "--", "node", "scripts/container.js"]
CMD ["auth"]
