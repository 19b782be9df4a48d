#!/usr/bin/env bash
# `strata train` against StrataBench on the same model, optimizer and batch size, alternating, so
# the CLI's data pipeline, metrics and logging can be seen to cost (or not) against the bare step:
#   lenet: `strata train --model lenet --optimizer momentum --lr 0.01 --batch-size 64` against
#          StrataBench's lenet_train (LeNet, SGD momentum 0.9, lr 0.01, batch 64);
#   mlp:   `strata train --model mlp --optimizer adam --lr 0.001 --batch-size 128` against
#          StrataBench's cli_mlp_train (the CLI's mlp, flatten 784-256-10, Adam lr 1e-3, batch 128).
# The CLI's rate is its epoch line's training samples/s (ProgressReporter: samples over the time
# from the epoch's start to its last step, validation excluded), the median of the epochs after
# the first (which pays for warm-up); StrataBench's is its median window on one fixed batch.
# The goal (issue 18): the CLI within 5% of StrataBench.
#
#   swift build -c release --product StrataBench && swift build -c release --product strata
#   ROUNDS=3 Benchmarks/cli_vs_bench.sh          # run from the repository root
# Knobs: ROUNDS (3), EPOCHS (3), LENET_LIMIT (12000 images, a tenth held out for validation),
# MLP_LIMIT (0: all 60,000), DATASET (fashion-mnist), MODELS ("lenet mlp"), THREADS (both sides'
# STRATA_NUM_THREADS; default one per core), BENCH_ARGS (extra StrataBench flags, e.g.
# "--window 0.3 --windows 3"; set PEERS_QUIET_WAIT_S=0 on a loaded machine).
set -u
ROUNDS=${ROUNDS:-3}
EPOCHS=${EPOCHS:-3}
LENET_LIMIT=${LENET_LIMIT:-12000}
MLP_LIMIT=${MLP_LIMIT:-0}
DATASET=${DATASET:-fashion-mnist}
MODELS=${MODELS:-lenet mlp}
if [ -n "${THREADS:-}" ]; then export STRATA_NUM_THREADS=$THREADS; fi
BENCH=.build/release/StrataBench
CLI=.build/release/strata
[ -x "$BENCH" ] || { echo "no $BENCH: swift build -c release --product StrataBench"; exit 2; }
[ -x "$CLI" ] || { echo "no $CLI: swift build -c release --product strata"; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cli-vs-bench.XXXXXX")
RESULTS=$WORK/results.txt
: > "$RESULTS"

bench_rate() {  # workload -> samples/s of StrataBench's JSON line
  # shellcheck disable=SC2086
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$BENCH" --workloads "$1" ${BENCH_ARGS:-} \
    | python3 -c 'import json, sys; print(next(json.loads(l)["samples_per_s"] for l in sys.stdin if l.startswith("{")))'
}

cli_rate() {  # model -> median training samples/s of the epochs after the first
  local model=$1 limit optimizer lr batch
  case $model in
    lenet) optimizer=momentum lr=0.01 batch=64 limit=$LENET_LIMIT ;;
    mlp) optimizer=adam lr=0.001 batch=128 limit=$MLP_LIMIT ;;
  esac
  local flags=(--model "$model" --dataset "$DATASET" --optimizer "$optimizer" --lr "$lr" --batch-size "$batch"
               --epochs "$EPOCHS" --seed 7 --output "$WORK/run-$model")
  [ "$limit" -gt 0 ] && flags+=(--limit "$limit")
  rm -rf "$WORK/run-$model"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$CLI" train "${flags[@]}" > "$WORK/cli-$model.out" 2>&1 \
    || { echo "strata train --model $model failed:" >&2; tail -3 "$WORK/cli-$model.out" >&2; echo nan; return; }
  python3 - "$WORK/cli-$model.out" <<'PY'
import re, statistics, sys
rates = [float(m.group(1)) for m in re.finditer(r"^epoch \d+/\d+: .*?, ([0-9.]+) samples/s, ", open(sys.argv[1]).read(), re.M)]
print(statistics.median(rates[1:] or rates) if rates else "nan")
PY
}

for round in $(seq 1 "$ROUNDS"); do
  for model in $MODELS; do
    case $model in lenet) workload=lenet_train ;; mlp) workload=cli_mlp_train ;; *) echo "unknown model $model"; exit 2 ;; esac
    if [ $((round % 2)) -eq 1 ]; then
      b=$(bench_rate $workload); c=$(cli_rate "$model")
    else
      c=$(cli_rate "$model"); b=$(bench_rate $workload)
    fi
    echo "round $round $model: StrataBench $workload $b, strata train $c samples/s"
    echo "$model $b $c" >> "$RESULTS"
  done
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    model, bench, cli = line.split()
    rows.setdefault(model, ([], []))
    rows[model][0].append(float(bench))
    rows[model][1].append(float(cli))
print("\nmodel   StrataBench (min-max)        strata train (min-max)       CLI / bench")
for model, (bench, cli) in rows.items():
    b, c = statistics.median(bench), statistics.median(cli)
    verdict = "within 5%" if c >= 0.95 * b else "MORE THAN 5% SLOWER"
    print(f"{model:<7} {b:>9,.0f} ({min(bench):,.0f}-{max(bench):,.0f})   {c:>9,.0f} ({min(cli):,.0f}-{max(cli):,.0f})   "
          f"{c / b:.3f} {verdict}")
PY
echo "CLI outputs: $WORK"
