#!/usr/bin/env bash
# One device session: GPU tests + bench/inference (full DenseNet-121 at 224 px) + a CPU reference.
# Run from the repository root; monai and pydicom wheels in .whl/ when the machine lacks them.
# Logs go to ${OUT:-/tmp/bench-out}.
set -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/bench-out}; mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch, monai, numpy, PIL; print('torch', torch.__version__, 'monai', monai.__version__, 'numpy', numpy.__version__, 'pillow', PIL.__version__, 'cpus', __import__('os').cpu_count())" | tee -a "$OUT/device.txt"
timeout 150 python3 -m pytest --noconftest -p no:cacheprovider -q -rs tests/ml/models/test_inference.py -m gpu 2>&1 | tee "$OUT/gpu_tests.log"
timeout ${BENCH_TIMEOUT:-330} python3 -m bench.inference --size full --n ${N:-20000} --batch-size 256 --source-size 1024 \
  --distinct 256 --compile --json "$OUT/bench_gpu_full.json" 2>&1 | tee "$OUT/bench_gpu.log"
timeout 90 python3 -m bench.inference --device cpu --size full --n 512 --batch-size 64 --source-size 1024 \
  --distinct 64 --json "$OUT/bench_cpu_full.json" 2>&1 | tee "$OUT/bench_cpu.log"
