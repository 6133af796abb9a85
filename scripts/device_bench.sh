#!/usr/bin/env bash
# Time one training step on a GPU: nested autograd against the Taylor-mode fast path,
# eager and under torch.compile (`python -m pinnlib bench`, Allen-Cahn by default), at the
# paper's 6 x 128 network on 4,096 and 25,600 collocation points, 50 timed steps after 10
# warm-up steps each: ms per step, speed-up, peak step memory and the matmul floor.
#
# Run it from the repository root on a machine whose python3 has a CUDA build of torch:
#     bash scripts/device_bench.sh                      # all variants, on cuda
#     bash scripts/device_bench.sh --problem cavity     # any other `bench` option is passed on
#     DEVICE=cpu PYTHON=.venv/bin/python bash scripts/device_bench.sh --quick   # a smoke test
# Results go to $OUT (default /tmp/device_bench): card.txt (date, GPU name, memory, driver,
# torch version) and bench_<device>.txt (every number the bench prints, also shown on the
# terminal). With --quick the sizes above are not imposed, so --quick's own small ones apply.
set -euo pipefail
OUT=${OUT:-/tmp/device_bench}
DEVICE=${DEVICE:-cuda}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
{
    date -u
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
    fi
    "$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
} >"$OUT/card.txt"
export PYTHONUNBUFFERED=1
SIZES=(--points 4096 25600 --steps 50 --warmup 10)
if [[ " $* " == *" --quick "* ]]; then
    SIZES=()  # --quick keeps sizes it is given, so give none
fi
"$PYTHON" -m pinnlib bench --device "$DEVICE" "${SIZES[@]}" "$@" \
    2>&1 | tee "$OUT/bench_$DEVICE.txt"
