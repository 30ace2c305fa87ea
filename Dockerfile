# One image for every Portico app; the command picks the app:
#   docker run portico auth | client-registry | event-consumer | sync-orchestrator | mail-relay | migrate
# The `demo` target is another image: local fakes of Discogs, Gmail and Outlook for the compose
# demo profile (scripts/demo-fakes.js). It is never what a plain `docker build` produces.
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

# What the app image ships of the build. The benchmarks, and the test helpers and fakes they
# pull into the compilation, stay out.
FROM build AS app-dist
RUN rm -rf dist/bench dist/libs/testing

FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS base
# tini is PID 1: it forwards SIGTERM to Node and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --chown=node:node --from=prod-deps /app/node_modules node_modules

FROM base AS demo
# The fakes are compiled from libs/testing (with the libs it uses); no app code.
COPY --chown=node:node --from=build /app/dist/libs dist/libs
COPY --chown=node:node scripts/demo-fakes.js scripts/
COPY --chown=node:node scripts/demo/dist.js scripts/demo/
# The mail relay's accounts file is written here, on a volume the relay mounts read-only: an
# empty volume takes this directory's owner when it is first mounted.
RUN mkdir /demo && chown node:node /demo
USER node
ENTRYPOINT ["tini", "--", "node", "scripts/demo-fakes.js"]

# Last, so that a build without --target gives the app image.
FROM base AS runtime
COPY --chown=node:node --from=app-dist /app/dist dist
COPY --chown=node:node scripts/container.js scripts/migrate.js scripts/build.js scripts/
USER node
EXPOSE 3000 3001 3002 3003 3004 2525
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 \
  CMD ["node", "scripts/container.js", "healthcheck"]
ENTRYPOINT ["tini", "--", "node", "scripts/container.js"]
CMD ["auth"]
