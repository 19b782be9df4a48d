#!/usr/bin/env bash
# Throughput and latency of `strata serve` against the PyTorch server users write
# (Tools/serve_torch_server.py: FastAPI + uvicorn + torch), same model and weights, same machine,
# same run: wrk (Debian's package) at concurrency 1, 16 and 64 against 127.0.0.1 only, one image
# per request in JSON, strata with dynamic batching (--max-batch-size 64) and without (1).
#
#   Tools/serve_load.sh runs/lenet/model.safetensors lenet [seconds per point, default 10]
#
# Needs: apt-get install wrk; a venv ($VENV, default .venv-serve-load) with torch, fastapi, uvicorn,
# safetensors. Numbers taken on a machine shared with other work are noisy: say so beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
WEIGHTS=$1
MODEL=${2:-lenet}
SECONDS_PER_POINT=${3:-10}
VENV=${VENV:-.venv-serve-load}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q torch fastapi uvicorn safetensors numpy
fi
swift build -c release --product strata-serve
BIN=$(swift build -c release --show-bin-path)
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/models/fashion/1"
cp "$WEIGHTS" "$WORK/models/fashion/1/model.safetensors"
"$VENV/bin/python" - "$WORK/request.lua" <<'PY'
import json, random, sys
random.seed(0)
body = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 28, 28],
                               "data": [round(random.random(), 4) for _ in range(784)]}]})
with open(sys.argv[1], "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = " + json.dumps(body) + "\n")
    f.write('done = function(summary, latency, requests)\n'
            '  io.write(string.format("RESULT %.1f %.2f %.2f %d\\n", summary.requests / (summary.duration / 1e6),'
            ' latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))\nend\n')
PY

measure() {  # name port
    for c in 1 16 64; do
        local line
        line=$(wrk -t 2 -c "$c" -d "${SECONDS_PER_POINT}s" --latency -s "$WORK/request.lua" \
            "http://127.0.0.1:$2/v2/models/fashion/infer" | grep RESULT)
        read -r _ rps p50 p99 errors <<< "$line"
        printf "| %-28s | %3d | %9s | %8s | %8s | %s |\n" "$1" "$c" "$rps" "$p50" "$p99" "$errors"
    done
}

echo "| server | concurrency | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
for batch in 64 1; do
    "$BIN/strata-serve" "$WORK/models" --port 8010 --max-batch-size $batch --log-level error &
    pid=$!
    for _ in $(seq 100); do curl -sf http://127.0.0.1:8010/v2/health/ready > /dev/null && break; sleep 0.1; done
    measure "strata serve (batch $batch)" 8010
    kill -TERM $pid; wait $pid
done
"$VENV/bin/python" Tools/serve_torch_server.py --weights "$WEIGHTS" --model "$MODEL" --port 8011 &
pid=$!
for _ in $(seq 300); do curl -s -o /dev/null http://127.0.0.1:8011/docs && break; sleep 0.1; done
measure "FastAPI + uvicorn + torch" 8011
kill $pid
