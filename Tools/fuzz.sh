#!/usr/bin/env bash
# Long fuzzing runs of Strata's file readers with strata-fuzz (Sources/StrataFuzzing).
#
#   Tools/fuzz.sh [--target csv|idx|npy|predict-csv|safetensors|checkpoint|settings|image|onnx|all] [--cases N] [--seed S]
#                 [--case-timeout SECONDS] [--binary PATH]
#
# Each target runs in a child process from case 0; when the child crashes (it prints
# "strata-fuzz: crash in case K" and dies by a signal) or hangs (a case runs past the time limit:
# "strata-fuzz: hang in case K", exit 124), the crash or hang is counted and a new child goes on
# from case K + 1. Silent acceptances (an accepted input holding an invalid value, by the
# target's own independent check) and unexpected (untyped) errors are counted from the child's
# tally lines. Every finding names its case: `strata-fuzz --target T --seed S --dump-case K`
# writes that input to a file to reproduce it. Exits 1 when anything was found.
set -euo pipefail

target=all cases=100000 seed=1 case_timeout=10 binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --target) target=$2; shift 2 ;;
        --cases) cases=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --case-timeout) case_timeout=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "fuzz.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
if [ -z "$binary" ]; then
    # A debug build checks overflow and bounds everywhere, as the tests do.
    swift build --product strata-fuzz >&2
    binary="$(swift build --show-bin-path)/strata-fuzz"
fi
if [ "$target" = all ]; then
    targets=$("$binary" --list-targets)
else
    targets=$target
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The Swift runtime's backtracer would spend seconds on each crash; the case number is enough.
export SWIFT_BACKTRACE=enable=no
found=0
printf '%-12s %8s %8s %8s %8s %8s %8s %10s\n' target cases accepted rejected crashes hangs silent unexpected
for name in $targets; do
    start=0 crashes=0 hangs=0 accepted=0 rejected=0 silent=0 unexpected=0
    while [ "$start" -lt "$cases" ]; do
        status=0
        "$binary" --target "$name" --cases "$cases" --start "$start" --seed "$seed" \
            --case-timeout "$case_timeout" >"$log" 2>&1 || status=$?
        grep -E "case [0-9]+: |crash in case|hang in case" "$log" | sed "s/^/  /" >&2 || true
        # Findings of this child, counted from the lines it printed before it ended.
        silent=$((silent + $(grep -c "silentAcceptance" "$log" || true)))
        unexpected=$((unexpected + $(grep -c "unexpectedError" "$log" || true)))
        if tally=$(grep -o "accepted=[0-9]* rejected=[0-9]*" "$log"); then
            accepted=$((accepted + $(echo "$tally" | sed 's/accepted=\([0-9]*\).*/\1/')))
            rejected=$((rejected + $(echo "$tally" | sed 's/.*rejected=\([0-9]*\)/\1/')))
        fi
        if [ "$status" -eq 0 ]; then
            break
        elif crashed=$(grep -o "crash in case [0-9]*" "$log" | grep -o "[0-9]*$"); then
            crashes=$((crashes + 1))
            start=$((crashed + 1))
        elif hung=$(grep -o "hang in case [0-9]*" "$log" | grep -o "[0-9]*$"); then
            hangs=$((hangs + 1))
            start=$((hung + 1))
        else
            echo "fuzz.sh: strata-fuzz --target $name ended with status $status outside any case:" >&2
            cat "$log" >&2
            exit 2
        fi
    done
    printf '%-12s %8d %8d %8d %8d %8d %8d %10d\n' "$name" "$cases" "$accepted" "$rejected" "$crashes" "$hangs" "$silent" "$unexpected"
    [ $((crashes + hangs + silent + unexpected)) -eq 0 ] || found=1
done
exit $found
