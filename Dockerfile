# One image for every Switchyard process; docker-compose.yml picks the process
# with `command` (npm run start:gateway | start:dispatcher | ...).

# --- build: full install (the Nest CLI and tsc are dev deps), build, prune ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: a lockfile made on linux-x64 lacks other
# platforms' optional binaries and `npm ci` rejects it (see TOOLCHAIN.md).
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled output and production deps only ---
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The official image ships the unprivileged `node` user (uid 1000).
USER node
EXPOSE 3000
CMD ["npm", "run", "start:gateway"]
