#!/usr/bin/env bash
# The GPU rows of docs/benchmarks.md in one prepared run (sized for under 8 minutes on one GPU with 16 cores):
#   1. augmentation: ours on CUDA vs the DINO reference pipeline on every CPU core (and the decode-only floor);
#   2. training step: the paper's ViT-S/8 step with bf16 and one pass per resolution vs the fp32 per-view reference.
# Usage: bash benchmarks/gpu.sh [OUT_DIR]     (each table is also saved under OUT_DIR, default runs/gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/gpu}"
mkdir -p "$out"
workers="$(nproc)"
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: run this on a GPU machine')"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$out/gpu.txt" || true
python benchmarks/augment_throughput.py --device cuda --images 1024 --workers "$workers" --skip B --threads 1 \
    2>&1 | tee "$out/augment_cuda.md"
python benchmarks/train_throughput.py --device cuda --amp bf16 --arch vit_small_patch8_224 \
    --global-size 224 --low-size 96 --n-low 8 --warmup 3 --steps 10 --repeats 2 \
    2>&1 | tee "$out/train_cuda.md"
