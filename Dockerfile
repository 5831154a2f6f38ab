# hearsay agent image. Gossip on 7946 (UDP + TCP), HTTP API on 8080.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HEARSAY_BIND=0.0.0.0 HEARSAY_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
# The store's lmdb files live here; the unprivileged user must own it.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 7946/udp 7946/tcp 8080/tcp
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["agent"]
