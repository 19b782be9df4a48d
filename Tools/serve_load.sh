#!/usr/bin/env bash
# Throughput and latency of `strata serve` against the PyTorch server users write
# (Tools/serve_torch_server.py: FastAPI + uvicorn + torch), same models and weights, same machine,
# same run: wrk (Debian's package) against 127.0.0.1 only, one image per request in JSON, for
# LeNet and the small ResNet at concurrency 1, 16 and 64, strata with dynamic batching
# (--max-batch-size 64) and without (1). The three servers of a model run side by side and are
# measured in turn at each concurrency (strata batched, strata unbatched, torch; the order rotates
# from one concurrency to the next), so slow drift of a shared machine falls on all of them.
# Prints a markdown table: requests/s, p50 and p99 latency (wrk --latency's HdrHistogram
# percentiles, from every request of the run), and the requests that failed (non-2xx, timeouts).
#
#   Tools/serve_load.sh                                 # trains both models briefly first
#   DURATION=30 Tools/serve_load.sh                     # seconds per measurement (default 10)
#   LENET=runs/lenet/model.safetensors RESNET=runs/resnet/model.safetensors Tools/serve_load.sh
#
# Settings (environment): DURATION, WARMUP (seconds of load before each measurement, default 2),
# MODELS ("lenet resnet"), CONCURRENCY ("1 16 64"), BATCH_DELAY_MS (strata's --batch-delay-ms for
# the batched server, default its own default), THREADS (compute threads of every server:
# STRATA_NUM_THREADS and torch.set_num_threads; default unset, each library's own default of one
# per core), WRK_THREADS (default 2), VENV (default .venv-serve-load: a venv with torch, torchvision (Tools/torch_models.py), fastapi,
# uvicorn and safetensors, created with them if missing). Training needs dataset-fashion-mnist
# (Tools/install-system-packages.sh) unless LENET and RESNET name weights. Needs `wrk`
# (apt-get install wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
MODELS=${MODELS:-lenet resnet}
CONCURRENCY=${CONCURRENCY:-1 16 64}
WRK_THREADS=${WRK_THREADS:-2}
VENV=${VENV:-.venv-serve-load}
command -v wrk > /dev/null || { echo "serve_load.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q torch torchvision fastapi uvicorn safetensors numpy
fi
swift build -c release --product strata > /dev/null
swift build -c release --product strata-serve > /dev/null
BIN=$(swift build -c release --show-bin-path)
WORK=$(mktemp -d)
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
if [ -n "${THREADS:-}" ]; then
    export STRATA_NUM_THREADS=$THREADS
    TORCH_THREADS=(--threads "$THREADS")
else
    TORCH_THREADS=()
fi
BATCHED=(--max-batch-size 64)
[ -n "${BATCH_DELAY_MS:-}" ] && BATCHED+=(--batch-delay-ms "$BATCH_DELAY_MS")

# One request body: a 28 x 28 image of values in [0, 1] (both models take Fashion-MNIST images).
"$VENV/bin/python" - "$WORK/request.lua" <<'PY'
import json, random, sys
random.seed(0)
body = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 28, 28],
                               "data": [round(random.random(), 4) for _ in range(784)]}]})
with open(sys.argv[1], "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = " + json.dumps(body) + "\n")
    f.write('done = function(summary, latency, requests)\n'
            '  local e = summary.errors\n'
            '  io.write(string.format("RESULT %.1f %.2f %.2f %d\\n", summary.requests / (summary.duration / 1e6),'
            ' latency:percentile(50) / 1000, latency:percentile(99) / 1000,'
            ' e.status + e.connect + e.read + e.write + e.timeout))\nend\n')
PY

wait_ready() {  # url pid
    for _ in $(seq 600); do
        curl -s -o /dev/null "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "serve_load.sh: the server for $1 exited" >&2; exit 1; }
        sleep 0.1
    done
    echo "serve_load.sh: $1 did not answer in 60 s" >&2
    exit 1
}

run_wrk() {  # concurrency seconds url
    local threads=$WRK_THREADS
    [ "$1" -lt "$threads" ] && threads=$1
    wrk -t "$threads" -c "$1" -d "${2}s" --timeout 30s --latency -s "$WORK/request.lua" "$3"
}

weights_for() {  # model
    local given
    given=$([ "$1" = lenet ] && echo "${LENET:-}" || echo "${RESNET:-}")
    if [ -n "$given" ]; then
        echo "$given"
        return
    fi
    local limit
    limit=$([ "$1" = lenet ] && echo 2000 || echo 1000)
    "$BIN/strata" train --model "$1" --epochs 1 --limit "$limit" --seed 7 --output "$WORK/run-$1" > /dev/null
    echo "$WORK/run-$1/model.safetensors"
}

echo "| model | concurrency | server | requests/s | p50 ms | p99 ms | failed |"
echo "|---|---|---|---|---|---|---|"
port=8010
for model in $MODELS; do
    weights=$(weights_for "$model")
    mkdir -p "$WORK/models-$model/fashion/1"
    cp "$weights" "$WORK/models-$model/fashion/1/model.safetensors"
    names=("strata serve, dynamic batching" "strata serve, no batching" "FastAPI + uvicorn + torch")
    urls=()
    "$BIN/strata-serve" "$WORK/models-$model" --port $port "${BATCHED[@]}" --log-level error &
    PIDS+=($!)
    wait_ready "http://127.0.0.1:$port/v2/health/ready" $!
    urls+=("http://127.0.0.1:$port/v2/models/fashion/infer")
    "$BIN/strata-serve" "$WORK/models-$model" --port $((port + 1)) --max-batch-size 1 --log-level error &
    PIDS+=($!)
    wait_ready "http://127.0.0.1:$((port + 1))/v2/health/ready" $!
    urls+=("http://127.0.0.1:$((port + 1))/v2/models/fashion/infer")
    "$VENV/bin/python" Tools/serve_torch_server.py --weights "$weights" --model "$model" --port $((port + 2)) \
        "${TORCH_THREADS[@]}" &
    PIDS+=($!)
    wait_ready "http://127.0.0.1:$((port + 2))/docs" $!
    urls+=("http://127.0.0.1:$((port + 2))/v2/models/fashion/infer")
    rotation=0
    for c in $CONCURRENCY; do
        lines=()
        for step in 0 1 2; do
            server=$(( (step + rotation) % 3 ))
            run_wrk "$c" "$WARMUP" "${urls[$server]}" > /dev/null
            result=$(run_wrk "$c" "$DURATION" "${urls[$server]}" | grep '^RESULT')
            read -r _ rps p50 p99 failed <<< "$result"
            lines[$server]=$(printf "| %s | %d | %s | %s | %s | %s | %s |" "$model" "$c" "${names[$server]}" "$rps" "$p50" "$p99" "$failed")
        done
        printf "%s\n" "${lines[@]}"
        rotation=$((rotation + 1))
    done
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    port=$((port + 3))
done
