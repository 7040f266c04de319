# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY engine engine
COPY connectors connectors
COPY workers workers
COPY api api
COPY bench bench
COPY config config
COPY cli cli
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled JS and production dependencies only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LIFELINE_API_HOST=0.0.0.0 \
    LIFELINE_LMDB_PATH=/data/lmdb \
    LIFELINE_CITY_DATA_DIR=/data/city
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/package.json package.json
COPY api/dashboard/public api/dashboard/public
RUN groupadd --system lifeline && useradd --system --gid lifeline --home /app lifeline \
    && mkdir -p /data && chown lifeline:lifeline /data
USER lifeline
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.LIFELINE_API_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli/lifeline.js"]
CMD ["start"]
