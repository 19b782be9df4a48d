#!/usr/bin/env bash
# Trains a small LeNet and a Wide & Deep model, exports the LeNet to ONNX (`strata export`), serves
# them with strata-serve on a loopback port beside an ONNX graph with INT64 inputs (StrataONNXTests'
# GRU fixture) and two broken folders, and checks the server with two programs no one here wrote:
# tritonclient[http]'s KServe v2 client (Tools/serve_triton_client.py) and schemathesis fuzzing
# from /v2/openapi.yaml (zero 5xx answers; it reports the requests tried).
#
#   Tools/serve_check.sh            # needs dataset-fashion-mnist (Tools/install-system-packages.sh)
#   VENV=path/to/venv Tools/serve_check.sh   # a venv that has the packages already
#
# The Python packages go into $VENV (default .venv-serve), created if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-serve}
PORT=${PORT:-8765}
EXAMPLES=${EXAMPLES:-200}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "tritonclient[http]" schemathesis numpy
fi
swift build --product strata
swift build --product strata-serve
BIN=$(swift build --show-bin-path)
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/strata" train --model lenet --epochs 1 --limit 2000 --seed 7 --output "$WORK/lenet" > /dev/null
mkdir -p "$WORK/models/fashion/1" "$WORK/models/adult/1" "$WORK/models/broken/1"
cp "$WORK/lenet/model.safetensors" "$WORK/models/fashion/1/"
"$VENV/bin/python" - "$WORK/table.csv" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    f.write("color,shape,x,label\n")
    for _ in range(400):
        color, shape = random.choice(["red", "green", "blue"]), random.choice(["circle", "square"])
        label = "yes" if (color == "red") != (shape == "square") else "no"
        f.write(f"{color},{shape},{random.random():.3f},{label}\n")
PY
"$BIN/strata" train --model wide-deep --dataset "$WORK/table.csv" --target label --epochs 2 --seed 3 \
    --output "$WORK/wide" > /dev/null
cp "$WORK/wide/model.safetensors" "$WORK/models/adult/1/"
echo "not safetensors" > "$WORK/models/broken/1/model.safetensors"
mkdir -p "$WORK/models/fashion-onnx/1" "$WORK/models/tokens/1" "$WORK/models/broken-onnx/1"
"$BIN/strata" export --model lenet --weights "$WORK/lenet/model.safetensors" --format onnx \
    --output "$WORK/models/fashion-onnx/1/model.onnx" > /dev/null
cp Tests/StrataONNXTests/Fixtures/ONNX/models/gru/model.onnx "$WORK/models/tokens/1/"
echo "not onnx" > "$WORK/models/broken-onnx/1/model.onnx"

"$BIN/strata" serve "$WORK/models" --port "$PORT" --log-level warning &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/v2/health/ready" > /dev/null && break; sleep 0.1; done

"$VENV/bin/python" Tools/serve_triton_client.py --url "127.0.0.1:$PORT" --image-model fashion --table-model adult \
    --onnx-model fashion-onnx --token-model tokens

# Property-based fuzzing of every operation in the OpenAPI document: no 5xx, and status codes,
# content types, headers and bodies as documented. (Not `--checks all`: positive_data_acceptance
# expects a schema-valid infer request to succeed, but the schema cannot say which model names and
# tensor shapes exist; unsupported_method expects 405 where the router answers 404.)
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/v2/openapi.yaml" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "$EXAMPLES" --phases examples,coverage,fuzzing --seed 1 2>&1 | tee "$WORK/schemathesis.out" | tail -30
# Again with the path parameters held to the served models and versions, so that the fuzzed
# bodies reach the request parser and the models instead of a 404.
curl -sf "http://127.0.0.1:$PORT/v2/openapi.yaml" |
    sed -e '/^    name:$/,/schema:/s/schema: {type: string}/schema: {type: string, enum: [fashion, adult, fashion-onnx, tokens]}/' \
        -e '/^    version:$/,/schema:/s/schema: {type: string}/schema: {type: string, enum: ["1"]}/' > "$WORK/served.yaml"
"$VENV/bin/schemathesis" run "$WORK/served.yaml" --url "http://127.0.0.1:$PORT" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "$EXAMPLES" --phases examples,coverage,fuzzing --seed 2 2>&1 | tee "$WORK/schemathesis-served.out" | grep -v "^ *$" | tail -60
curl -sf "http://127.0.0.1:$PORT/v2/health/live" > /dev/null && echo "server still live after fuzzing"

kill -TERM $SERVER
wait $SERVER && echo "strata-serve exited 0 on SIGTERM"
