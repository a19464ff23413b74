# syntax=docker/dockerfile:1
# Đồng Hành service image: one image, two roles. SERVICE_ROLE=api (migrations, digest schedule,
# HTTP API, codec server) or SERVICE_ROLE=worker (the journey worker); see docs/deployment.md.
#
#   docker build -t dong-hanh:$(git rev-parse --short HEAD) .
#
# Stages: `build` compiles with the dev dependencies (TypeScript, Prisma CLI); `prod-deps`
# installs the runtime dependencies only (`npm ci --omit=dev`, with the compilers a native module
# may need); `runtime` gets those node_modules and the compiled code, no compilers, no dev
# dependencies, and runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
# The Prisma clients (src/db/generated) are generated, never committed; offline, no engines.
RUN node scripts/prisma-generate.mjs --force && npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The migration runner finds prisma/migrations above dist/src/db; policies for JOURNEY_POLICY=<file>.
COPY --chown=root:root prisma/migrations ./prisma/migrations
COPY --chown=root:root policies ./policies
# Code stays root-owned and read-only to the service; only DATA_DIR is its own.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0700 /app/data
USER node
# Two malloc arenas instead of one per thread: a worker holding many journeys keeps less memory.
ENV DATA_DIR=/app/data SERVICE_ROLE=api MALLOC_ARENA_MAX=2
EXPOSE 3000 8080
# The worker loads the workflow bundle the build made; both roles exit 0 on SIGTERM (the worker after its grace period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
