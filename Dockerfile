# syntax=docker/dockerfile:1
# One image for all six apps. They share every dependency and most of their code, so one image is
# one build, one layer cache and one digest to pin per release; the Deployment's args choose the
# app (dist/services/<app>/main.js), as `npm start` does locally.
#
#   docker build -t ghcr.io/meridian/meridian:0.1.0 .        (or podman/buildah; `npm run images`)
#
# NODE_VERSION is versions.json's node.version (a test keeps them equal).
ARG NODE_VERSION=20.19.5

FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: nothing the compiler needs runs one. The optional `npm-ca` secret is for
# builders behind a TLS-intercepting proxy (`--secret id=npm-ca,src=<CA bundle>`); the image
# never keeps it.
RUN --mount=type=secret,id=npm-ca,required=false \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi; \
    npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.image.json versions.json ./
COPY platform platform
COPY services services
RUN npx tsc -p tsconfig.image.json

FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm-ca,required=false \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi; \
    npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# package.json for "type": "module"; compiled JavaScript and runtime dependencies only.
COPY package.json ./
COPY --from=deps /src/node_modules node_modules
COPY --from=build /src/dist dist
# A numeric user, so `runAsNonRoot` can verify it; nothing is written outside /tmp, so the root
# filesystem can be read-only.
USER 10001:10001
# node runs as PID 1 with no init: the services install their own SIGTERM handler (drain, flush
# spans, exit), which is all PID 1 needs; they start no child processes to reap.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node"]
CMD ["dist/services/gateway/main.js"]
