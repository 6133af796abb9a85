#!/usr/bin/env bash
# The GPU check of the training step (issue 4), for a session that is lent a device machine.
# There, python3 holds a CUDA build of torch; call it through the device tool as
#     run(command="bash scripts/device_bench.sh", timeout_s=540)
# and report the card (card.txt) with every number (bench_<device>.txt), both under $OUT.
# Extra arguments go to `python -m pinnlib bench`; DEVICE and PYTHON override the defaults
# (the test runs it on the CPU with --quick).
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
