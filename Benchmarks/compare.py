#!/usr/bin/env python3
"""Strata against numpy on one machine, in one run: StrataBench and numpy_reference.py run
alternately (numpy, Strata, numpy, Strata, ...) for --rounds rounds, at 2 threads and at 1,
and the median of each side's per-round medians is compared.

    swift build -c release --product StrataBench
    python3 Benchmarks/compare.py                 # 3 rounds, ~6 minutes
    python3 Benchmarks/compare.py --rounds 1 --workloads tiny_add,add_16M

The machine is shared and noisy: both programs wait for a quiet machine before each timing
and redo windows disturbed by other processes (the peers' policy); alternating the two keeps
slow drift from favouring either side. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from
both children's environment (they force OpenBLAS's Haswell kernel here); the OpenBLAS core each
side uses is printed with the table. Raw JSON lines go to --out (default $TMPDIR/strata-compare).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "StrataBench")
NUMPY_SCRIPT = os.path.join(ROOT, "Benchmarks", "numpy_reference.py")
PEERS_PYTHON = os.path.expanduser("~/.cache/strata-peers/venv/bin/python")  # has threadpoolctl
SHARED = ["sgemm_1024", "sgemm_2048", "add_16M", "relu_16M", "exp_16M", "sigmoid_16M", "tanh_16M", "tiny_add"]
STRATA_ONLY = ["tiny_add_grad"]
NUMPY_ONLY = ["copy_16M", "membw_copy_512MiB"]
METRICS = ("gflops", "gb_per_s", "elements_per_s", "ns_per_op")


def child_env(threads, framework, args):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["PEERS_QUIET_WAIT_S"] = str(args.quiet_wait)
    env["PEERS_MAX_ATTEMPTS"] = str(args.max_attempts)
    if framework == "numpy":
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    else:
        env["STRATA_NUM_THREADS"] = str(threads)
        env["STRATA_BENCH_VERSION"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                                     capture_output=True, text=True).stdout.strip() or "dev"
    return env


def run(framework, threads, workloads, args, log):
    if framework == "numpy":
        python = PEERS_PYTHON if os.path.exists(PEERS_PYTHON) else sys.executable
        cmd = [python, NUMPY_SCRIPT]
    else:
        cmd = [BENCH, "--threads", str(threads)]
    cmd += ["--workloads", ",".join(workloads), "--window", str(args.window), "--windows", str(args.windows),
            "--warmup", str(args.warmup), "--run-id", args.run_id]
    proc = subprocess.run(cmd, env=child_env(threads, framework, args), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(f"{framework} t{threads} failed ({proc.returncode}): {proc.stderr[-2000:]}\n")
    records = []
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            log.write(line + "\n")
            records.append(json.loads(line))
    log.flush()
    return records


def value(record):
    return next(record[m] for m in METRICS if m in record)


def metric(record):
    return next(m for m in METRICS if m in record)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", default="2,1", help="comma list of thread counts")
    p.add_argument("--workloads", default=",".join(SHARED + STRATA_ONLY + NUMPY_ONLY))
    p.add_argument("--window", type=float, default=0.3)
    p.add_argument("--windows", type=int, default=5)
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--quiet-wait", type=float, default=15, help="max seconds to wait for a quiet machine per try")
    p.add_argument("--max-attempts", type=int, default=3, help="tries when other processes disturb the windows")
    p.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "strata-compare"))
    args = p.parse_args()
    if not os.path.exists(BENCH):
        sys.exit(f"{BENCH} is missing: run `swift build -c release --product StrataBench` first")
    wanted = [w for w in args.workloads.split(",") if w]
    strata_set = [w for w in wanted if w in SHARED + STRATA_ONLY]
    numpy_set = [w for w in wanted if w in SHARED + NUMPY_ONLY]
    threads = [int(t) for t in args.threads.split(",")]
    args.run_id = time.strftime("compare-%Y%m%d-%H%M%S")
    os.makedirs(args.out, exist_ok=True)
    raw_path = os.path.join(args.out, args.run_id + ".jsonl")

    # results[(framework, threads, workload)] = [per-round median, ...]
    results, blas = {}, {}
    with open(raw_path, "w") as log:
        for round_index in range(args.rounds):
            for t in threads:
                # A B in even rounds, B A in odd ones, so neither side always runs first.
                order = [("numpy", numpy_set), ("strata", strata_set)]
                if round_index % 2:
                    order.reverse()
                for framework, workloads in order:
                    if not workloads:
                        continue
                    for r in run(framework, t, workloads, args, log):
                        if r.get("status") != "ok":
                            continue
                        results.setdefault((framework, t, r["workload"]), []).append((value(r), r))
                        if "blas" in r:
                            blas[(framework, t)] = r["blas"]
            print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    def med(framework, t, w):
        runs = results.get((framework, t, w))
        return statistics.median(v for v, _ in runs) if runs else None

    print(f"\nStrata vs numpy, median of {args.rounds} alternating rounds (each round: median of "
          f"{args.windows} windows of {args.window} s); raw lines: {raw_path}")
    print("speed ratio = Strata speed / numpy speed (>1: Strata faster; for ns_per_op, numpy ns / Strata ns)")
    print("busy% = the most CPU other processes used during a row's windows (50 = a whole core of two)\n")
    print(f"{'workload':<18} {'thr':>3} {'metric':<15} {'strata':>14} {'numpy':>14} {'ratio':>7} {'busy%':>6}  per-round ratios")
    for t in threads:
        for w in wanted:
            s, n = med("strata", t, w), med("numpy", t, w)
            runs = results.get(("strata", t, w)) or results.get(("numpy", t, w))
            if not runs:
                continue
            m = metric(runs[0][1])
            ratio, rounds = "", ""
            if s is not None and n is not None:
                ratio = f"{(n / s if m == 'ns_per_op' else s / n):.3f}"
                pairs = zip((v for v, _ in results[("strata", t, w)]), (v for v, _ in results[("numpy", t, w)]))
                rounds = " ".join(f"{(b / a if m == 'ns_per_op' else a / b):.2f}" for a, b in pairs)
            fmt = (lambda x: "-" if x is None else (f"{x / 1e9:.3f} G" if m == "elements_per_s" else f"{x:.2f}"))
            # The most CPU other processes took during any of this row's timed windows.
            busy = max(r.get("foreign_cpu_pct", 0) for f in ("strata", "numpy") for _, r in results.get((f, t, w), []))
            print(f"{w:<18} {t:>3} {m:<15} {fmt(s):>14} {fmt(n):>14} {ratio:>7} {busy:>6.1f}  {rounds}")
    print("\nOpenBLAS in use:")
    for (framework, t), b in sorted(blas.items()):
        print(f"  {framework} t{t}: {json.dumps(b)}")

    print("\nTargets:")
    copy = med("numpy", 1, "membw_copy_512MiB") or med("numpy", threads[0], "membw_copy_512MiB")
    for t in threads:
        for w in ("sgemm_1024", "sgemm_2048"):
            s, n = med("strata", t, w), med("numpy", t, w)
            if s and n:
                print(f"  {w} t{t}: {s / n:.3f} of numpy (target >= 0.90): {'met' if s / n >= 0.9 else 'MISSED'}")
        for w in ("add_16M", "relu_16M"):
            s = med("strata", t, w)
            if s and copy:
                print(f"  {w} t{t}: {s:.1f} GB/s = {s / copy:.2f} of numpy copy {copy:.1f} GB/s (target >= 0.80): "
                      f"{'met' if s / copy >= 0.8 else 'MISSED'}")
    for w in ("exp_16M", "sigmoid_16M", "tanh_16M"):
        s = med("strata", 1, w)
        if s:
            print(f"  {w} t1: {s / 1e9:.2f} G elements/s on one core (target >= 3): {'met' if s >= 3e9 else 'MISSED'}")
    for w in ("tiny_add", "tiny_add_grad"):
        s = med("strata", threads[0], w)
        if s:
            note = "target < 1000 ns" if w == "tiny_add" else "no target; with recording"
            print(f"  {w}: {s:.0f} ns ({note}){'' if w != 'tiny_add' else (': met' if s < 1000 else ': MISSED')}")


if __name__ == "__main__":
    main()
