# syntax=docker/dockerfile:1.7
# GPU worker image: CUDA 12 + cuDNN 9 runtime (what onnxruntime-node 1.30's CUDA provider links
# against) with Node 20, and onnxruntime-node's CUDA execution provider installed by its postinstall
# (ONNXRUNTIME_NODE_INSTALL=cuda12; the build needs to reach the provider's package feed).
#   docker build -f deploy/docker/gpu.Dockerfile -t emo-fleet/worker-gpu:local .
# Run with the NVIDIA container toolkit (`--gpus all`, or nvidia.com/gpu in Kubernetes). With no GPU
# the worker logs one warning and serves on the CPU provider.
ARG NODE_VERSION=20.19.5
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

FROM node:${NODE_VERSION}-bookworm-slim AS node

# --- deps: all npm dependencies; then onnxruntime-node's install script fetches the CUDA provider ---
FROM node AS deps
WORKDIR /src
ENV CI=true NX_NO_CLOUD=true
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node \
 && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so

# --- build: bundle, production dependencies only, linux/x64 binaries only ---------------------------
FROM deps AS build
COPY tsconfig.base.json tsconfig.json ./
COPY tools/build tools/build
COPY apps apps
COPY libs libs
RUN node tools/build/build.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && ORT_BIN=node_modules/onnxruntime-node/bin/napi-v6 \
 && find "$ORT_BIN" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
 && find "$ORT_BIN/linux" -mindepth 1 -maxdepth 1 ! -name x64 -exec rm -rf {} + \
 && rm -f "$ORT_BIN/linux/x64/libonnxruntime_providers_tensorrt.so" \
 && rm -rf node_modules/.cache

# --- worker-gpu: CUDA runtime base + the node binary of the official image; non-root ----------------
FROM ${CUDA_IMAGE} AS worker-gpu
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN groupadd --gid 1000 emo && useradd --uid 1000 --gid 1000 --no-create-home --shell /usr/sbin/nologin emo
ENV NODE_ENV=production \
    METRICS_PORT=9464 \
    EXECUTION_PROVIDERS=cuda,cpu \
    ALLOW_CPU_FALLBACK=false \
    OPTIMIZED_MODEL_CACHE_DIR=/app/.emo-cache/ort \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build --chown=1000:1000 /src/package.json ./package.json
COPY --from=build --chown=1000:1000 /src/node_modules ./node_modules
COPY --from=build --chown=1000:1000 /src/dist ./dist
COPY --chown=1000:1000 bin ./bin
COPY --chown=1000:1000 models/goemotions-mini ./models/goemotions-mini
RUN mkdir -p /app/.emo-cache/ort && chown -R 1000:1000 /app/.emo-cache
USER 1000:1000
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/emo.js"]
CMD ["serve", "worker"]
