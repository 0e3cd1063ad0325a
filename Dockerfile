# syntax=docker/dockerfile:1
# hookd: built with the development toolchain, run with production dependencies only, as a
# numeric non-root user, with no simulated cluster (the @hookd/kube-sim workspace package is
# a devDependency and is never copied in).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --workspaces=false: hookd alone; the sim package is not part of the image's build.
RUN npm ci --workspaces=false --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# The build bundles the part of @kubernetes/client-node hookd uses (tools/bundle-client-node.ts).
COPY tools/bundle-client-node.ts ./tools/
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOOKD_HOST=0.0.0.0 \
    HOOKD_PORT=8080 \
    HOOKD_AUTH=kubernetes \
    HOOKD_KUBE=in-cluster \
    HOOKD_REDIS_EMBEDDED=never
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund && npm cache clean --force \
    && rm -rf node_modules/@hookd
COPY --from=build /app/dist ./dist
COPY openapi ./openapi
# A numeric UID and GID, so a cluster's runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HOOKD_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The flag turns off a V8 optimization under which a worker parking 100,000 pods stopped for
# good in about one run in four (deploy/helm/hookd/values.yaml, worker.nodeOptions, says more);
# the API runs the same Redis client code.
CMD ["node", "--no-turboshaft-string-concat-escape-analysis", "dist/main.js"]
