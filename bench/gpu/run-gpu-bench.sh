#!/usr/bin/env bash
# Benchmarks CUDA fp32 vs CUDA fp16 vs CPU (fp32, int8) on the default model and the
# benchmark-only RoBERTa-base-shaped model, checks the fp16 variant against fp32 on the GPU, and
# records everything under bench/results/gpu-<UTC timestamp>/. Meant for a lent GPU machine;
# see docs/onnx-optimizer.md ("GPU") for the CUDA install path it relies on.
#
#   bash bench/gpu/run-gpu-bench.sh            # full default grid (~5-8 min on one H100)
#   QUICK=1 bash bench/gpu/run-gpu-bench.sh    # batch 32 only, one level (~2-3 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${RESULTS_DIR:-$ROOT/bench/results/gpu-$STAMP}
mkdir -p "$OUT"
log() { echo "[gpu-bench] $*" >&2; }

# 1. The machine: GPU, driver/CUDA, node.
{ nvidia-smi || echo "nvidia-smi: not available"; } > "$OUT/nvidia-smi.txt" 2>&1
{ echo "node $(node --version)"; uname -a; nproc; } > "$OUT/env.txt"
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  log "no NVIDIA GPU visible; aborting (results so far in $OUT)"; exit 3
fi

# 2. Dependencies. onnxruntime-node's npm tarball has the CPU binaries only; its postinstall
#    downloads the CUDA 12 execution provider (Microsoft.ML.OnnxRuntime.Gpu.Linux from NuGet)
#    into node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ unless ONNXRUNTIME_NODE_INSTALL=skip.
EP_DIR=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ ! -d node_modules ]; then
  log "installing dependencies with the CUDA 12 provider (needs network)"
  ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci --no-audit --no-fund
fi
if [ ! -f "$EP_DIR/libonnxruntime_providers_cuda.so" ]; then
  log "CUDA provider missing in $EP_DIR: installing it (needs network to api.nuget.org)"
  node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12 \
    || { log "could not install the CUDA provider; see docs/onnx-optimizer.md (GPU)"; exit 4; }
fi
ls -la "$EP_DIR" > "$OUT/ort-binaries.txt"

# 3. Inputs from ../shared (datasets, RoBERTa tokenizer). A device copy may carry them as ./shared.
if [ ! -d ../shared ] && [ -d shared ]; then ln -s "$ROOT/shared" ../shared; fi
[ -d ../shared/tokenizers/roberta-base ] || { log "../shared/tokenizers/roberta-base missing"; exit 5; }
node tools/build/build.mjs

# 4. Does CUDA load? (ORT does not fall back by itself; fail loudly here rather than benchmark the CPU twice.)
node -e "
const ort = require('onnxruntime-node');
ort.InferenceSession.create('test/fixtures/models/tiny-softmax/model.onnx', { executionProviders: ['cuda'] })
  .then(() => console.error('[gpu-bench] CUDA provider loads'))
  .catch((e) => { console.error('[gpu-bench] CUDA provider does not load: ' + e.message.split('\n')[0]); process.exit(6); });
" 2>&1 | tee "$OUT/cuda-check.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 6

MODELS=${MODELS:-default,roberta-base-shaped}
[ -f models/goemotions-mini/model.onnx ] || MODELS=roberta-base-shaped
if [ -n "${QUICK:-}" ]; then GRID=(--levels all --batches 32 --threads 1); else GRID=(--levels basic,all --batches 1,32,128); fi

# 5. Benchmarks: CUDA fp32 vs fp16, then the CPU baseline (fp32 vs int8) on the same machine.
log "CUDA: fp32 vs fp16"
node bin/emo.js bench model --provider cuda --variants fp32,fp16 --models "$MODELS" "${GRID[@]}" --threads 1 --json \
  > "$OUT/cuda-fp32-fp16.json" 2> "$OUT/cuda-fp32-fp16.log"
log "CPU: fp32 vs int8"
node bin/emo.js bench model --provider cpu --variants fp32,int8 --models "$MODELS" --levels all --batches 1,32 --threads "$(nproc)" --json \
  > "$OUT/cpu-fp32-int8.json" 2> "$OUT/cpu-fp32-int8.log"

# 6. fp16 accuracy on the GPU: the quantize gate evaluated under CUDA (fp32 vs fp16 scores within 1e-2).
if [ -f models/goemotions-mini/model.onnx ]; then
  log "fp16 gate on CUDA (default model, GoEmotions dev)"
  EXECUTION_PROVIDERS=cuda,cpu node bin/emo.js quantize --model models/goemotions-mini --out "$ROOT/.emo-cache/gpu-fp16-goemotions-mini" \
    --mode fp16 --force --json > "$OUT/fp16-gate-default.json" 2> "$OUT/fp16-gate-default.log" || log "fp16 gate run failed (see log)"
fi

# 7. A summary of the headline figures.
node -e "
const fs = require('fs');
const last = (f) => JSON.parse(fs.readFileSync(f, 'utf8').trim().split('\n').pop());
const cuda = last('$OUT/cuda-fp32-fp16.json');
const cpu = last('$OUT/cpu-fp32-int8.json');
const best = (rows, variant, model) => Math.max(...rows.filter((r) => r.variant === variant && r.model === model && r.batch === 32).map((r) => r.texts_per_s));
const models = [...new Set(cuda.rows.map((r) => r.model))];
const summary = Object.fromEntries(models.flatMap((m) => [
  [m + '_cuda_fp32_texts_per_s', best(cuda.rows, 'fp32', m)],
  [m + '_cuda_fp16_texts_per_s', best(cuda.rows, 'fp16', m)],
  [m + '_cpu_fp32_texts_per_s', best(cpu.rows, 'fp32', m)],
  [m + '_cpu_int8_texts_per_s', best(cpu.rows, 'int8', m)],
]));
let gate; try { gate = JSON.parse(fs.readFileSync('$OUT/fp16-gate-default.json', 'utf8')).gate.metrics; } catch {}
fs.writeFileSync('$OUT/summary.json', JSON.stringify({ ...summary, fp16_gate_default: gate ?? null }, null, 2) + '\n');
console.log(JSON.stringify({ ...summary, fp16_gate_default: gate ?? null }));
"
log "results in $OUT"
