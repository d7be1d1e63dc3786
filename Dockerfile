# syntax=docker/dockerfile:1
# IAM Immune: multi-stage, production dependencies only, runs as a non-root user.

# Build stage: compiles better-sqlite3's native addon against this image's Node.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
# WEB_PROCESSES=1: one process answers the requests, the first one works the inbox, so
# webhooks are acknowledged on the second vCPU while events are analysed on the first.
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    WEB_PROCESSES=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY bot ./bot
COPY detection ./detection
COPY handlers ./handlers
COPY integrations ./integrations
COPY remediation ./remediation
COPY manifest.json* ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# tsx runs the TypeScript directly (no build step to drift from the tested code).
# exec form: the server is PID 1 and receives SIGTERM for its graceful stop; it stops its web
# processes first (their requests finish and commit), then finishes its own batch.
# --max-old-space-size: a heap limit below 2 GiB also makes V8 collect at ~2x the live heap
# instead of ~4x, so resident memory follows what the server holds (bench/loadRig.ts runs the
# server with the same flag; deploy/terraform/gcp sizes the instance for it).
CMD ["node", "--max-old-space-size=1536", "--import", "tsx", "bin/immune.ts", "start"]
