# One image for the worker, the ingress and the sandbox; docker-compose.yml picks the command.
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Compiled JavaScript plus the prebundled workflow code the worker loads (WORKFLOW_BUNDLE_PATH).
RUN npm run build && node dist/scripts/bundle-workflows.js dist/workflow-bundle.js && npm prune --omit=dev

FROM node:20.19-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/workers/main.js"]
