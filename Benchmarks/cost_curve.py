#!/usr/bin/env python3
"""The cost curve: samples/s against batch size for lenet_infer and mlp_train, Strata beside PyTorch.

For each workload and each batch (1, 2, 4, ..., 1024) StrataBench (`--workloads W --batch B`) and
PyTorch (this script's --torch-point mode, run in the peers' virtualenv: the models and the timing
of ../shared/bench/peers/bench_torch.py and common.py, 2 threads) each run in a process of their
own, alternating which goes first. The rates go to a CSV of `series,x,y` rows, which StrataBench
draws with Strata's own SVGPlot (`StrataBench --plot`) on log-log axes. Where a curve flattens, the
per-call overhead has stopped mattering and arithmetic sets the pace.

    swift build -c release --product StrataBench
    python3 Benchmarks/cost_curve.py                  # quiet machine: the peers' timing (~10 minutes)
    python3 Benchmarks/cost_curve.py --quick          # loaded machine: short windows, no quiet waits
"""
import argparse
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "StrataBench")
PEERS = os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers")
PYTHON = os.environ.get("PEERS_PY", os.path.expanduser("~/.cache/strata-peers/venv/bin/python"))
BATCHES = [2 ** k for k in range(11)]
WORKLOADS = ["lenet_infer", "mlp_train"]
DROPPED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def torch_point(workload, batch, args):
    """PyTorch's side of one point, in the peers' virtualenv: prints the peers' JSON line."""
    sys.path.insert(0, PEERS)
    import common  # noqa: F401  (first: it re-executes without the OPENBLAS_* variables)
    import bench_torch
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(0)
    if workload == "mlp_train":
        model = bench_torch.mlp()
        result = bench_torch._train(model, torch.optim.Adam(model.parameters(), lr=1e-3),
                                    torch.randn(batch, 784), torch.randint(0, 10, (batch,)), batch, args)
    else:
        model = bench_torch.lenet().eval()
        x = torch.randn(batch, 1, 28, 28)

        def step():
            with torch.inference_mode():
                model(x)

        result = common.measure(step, lambda: None, batch, args.window, args.windows, args.warmup)
    record = {"framework": "torch", "variant": "torch-t2", "version": torch.__version__, "workload": workload,
              "batch": batch, "status": "ok", **result}
    print(json.dumps(record), flush=True)


def rate(command, cwd, workload):
    """The samples/s of the JSON line `command` prints for `workload`, or None (with a message)."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("workload") == workload and record.get("status") == "ok":
                return record["samples_per_s"]
    print(f"  {' '.join(command)}: exit {proc.returncode}, no rate; {proc.stderr.strip()[-300:]}", flush=True)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--batches", default=",".join(map(str, BATCHES)))
    parser.add_argument("--window", type=float, default=0.5, help="seconds per timed window (default 0.5)")
    parser.add_argument("--windows", type=int, default=5, help="timed windows, median reported (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds (default 1.0)")
    parser.add_argument("--quick", action="store_true",
                        help="loaded machine: windows of 0.2 s, 3 of them, 0.3 s warm-up, no waiting for quiet")
    parser.add_argument("--csv", default=os.path.join(ROOT, "Benchmarks", "cost_curve.csv"))
    parser.add_argument("--svg", default=os.path.join(ROOT, "Benchmarks", "cost_curve.svg"))
    parser.add_argument("--torch-point", nargs=2, metavar=("WORKLOAD", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_point:
        return torch_point(args.torch_point[0], int(args.torch_point[1]), args)
    if args.quick:
        args.window, args.windows, args.warmup = 0.2, 3, 0.3
        os.environ.update(PEERS_QUIET_WAIT_S="0", PEERS_MAX_ATTEMPTS="1")
    if not os.access(BENCH, os.X_OK):
        sys.exit(f"no StrataBench at {BENCH}: swift build -c release --product StrataBench")
    timing = ["--window", str(args.window), "--windows", str(args.windows), "--warmup", str(args.warmup)]
    rows = []
    flip = False
    for workload in args.workloads.split(","):
        for batch in map(int, args.batches.split(",")):
            sides = [("Strata", [BENCH, "--workloads", workload, "--batch", str(batch)] + timing, ROOT),
                     ("PyTorch", [PYTHON, os.path.abspath(__file__), "--torch-point", workload, str(batch)] + timing,
                      ROOT)]
            flip = not flip
            results = {}
            for name, command, cwd in (sides if flip else reversed(sides)):
                results[name] = rate(command, cwd, workload)
            for name in ("Strata", "PyTorch"):
                if results[name] is not None:
                    rows.append((f"{name} {workload}", batch, results[name]))
            print(f"{workload} batch {batch}: " + ", ".join(
                f"{name} {value:,.0f}" if value is not None else f"{name} failed" for name, value in results.items()),
                flush=True)
    with open(args.csv, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["series", "x", "y"])
        for name, batch, value in sorted(rows, key=lambda row: (row[0].split()[1], row[0].split()[0] != "Strata", row[1])):
            writer.writerow([name, batch, round(value, 1)])
    title = "samples/s against batch size (2 threads" + (", quick windows on a loaded machine)" if args.quick else ")")
    plot = subprocess.run([BENCH, "--plot", args.csv, "--svg", args.svg, "--title", title], capture_output=True, text=True)
    if plot.returncode != 0:
        sys.exit(f"StrataBench --plot failed: {plot.stderr.strip()}")
    print(f"wrote {os.path.relpath(args.csv)} and {os.path.relpath(args.svg)}")


if __name__ == "__main__":
    main()
