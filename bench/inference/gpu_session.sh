#!/usr/bin/env bash
# One device session: the GPU tests, then bench/inference with the full DenseNet-121 at 224 px.
# Run from the repository root; monai and pydicom wheels in .whl/ when the machine lacks them.
# Logs go to ${OUT:-/tmp/bench-out}.
set -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/bench-out}; mkdir -p "$OUT"
W=${WORK:-/tmp/bench-work}
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import os, torch, monai, numpy, PIL; print('torch', torch.__version__, 'monai', monai.__version__, 'numpy', numpy.__version__, 'pillow', PIL.__version__, 'cpus', os.cpu_count())" | tee -a "$OUT/device.txt"
timeout 150 python3 -m pytest --noconftest -p no:cacheprovider -q -rs tests/ml/nets/test_inference.py -m gpu 2>&1 | tee "$OUT/gpu_tests.log"
SRC="--source-size 1024 --distinct 256 --workdir $W"
{
  echo "## decode probe: 16 threads"; timeout 90 python3 -m bench.inference --decode-only --n 2000 $SRC
  echo "## decode probe: 16 threads, MALLOC_MMAP_THRESHOLD_=256 MiB"
  MALLOC_MMAP_THRESHOLD_=268435456 timeout 60 python3 -m bench.inference --decode-only --n 2000 $SRC
  echo "## decode probe: 1 thread"; timeout 60 python3 -m bench.inference --decode-only --n 200 --workers 1 $SRC
} 2>&1 | grep -v "^ratios" | tee "$OUT/decode_probe.log"
timeout ${BENCH_TIMEOUT:-300} python3 -m bench.inference --size full --n ${N:-20000} --n-cold ${N_COLD:-4000} \
  --batch-size 256 --compile $SRC --json "$OUT/bench_gpu_full.json" 2>&1 | tee "$OUT/bench_gpu.log"
