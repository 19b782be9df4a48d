#!/usr/bin/env python3
"""Strata against the peer frameworks on the training workloads of ../shared/bench, in one run.

StrataBench and the peers' own scripts (bench_torch.py, and bench_tf.py with --tensorflow) run
alternately for --rounds rounds on the same machine; each prints samples/s per workload, and the
table shows the median over rounds of each and Strata's ratio to each peer. Workloads the peers
do not define have PyTorch twins of our own here (TWINS: wide_deep_train -> wide_deep_torch.py,
transformer_train and bert_infer -> transformer_torch.py),
which run as the torch-t2 side.

    swift build -c release --product StrataBench
    ../shared/bench/peers/setup.sh          # once: the peers' virtualenv
    python3 Benchmarks/compare_peers.py --rounds 2 --workloads mlp_train,lenet_train
    python3 Benchmarks/compare_peers.py --rounds 3 --workloads wide_deep_train
"""
import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "StrataBench")
PEERS = os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers")
PYTHON = os.environ.get("PEERS_PY", os.path.expanduser("~/.cache/strata-peers/venv/bin/python"))
WORKLOADS = ["mlp_train", "lenet_train", "lstm_train", "resnet_train", "lenet_infer"]
# Workloads outside the peers' set, each with a PyTorch script of ours in Benchmarks/.
TWINS = {"wide_deep_train": "wide_deep_torch.py", "transformer_train": "transformer_torch.py",
         "bert_infer": "transformer_torch.py"}
TWINS["gru_train"] = "gru_torch.py"  # GRU character model (Benchmarks/StrataBench/GRUWorkload.swift)


def run_all(commands):
    """Runs each (command, cwd) in turn and merges their rates."""
    rates = {}
    for command, cwd in commands:
        rates.update(run(command, cwd))
    return rates


def run(command, cwd):
    # Both sides drop the variables that force OpenBLAS's Haswell kernel here (as common.py does).
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    rates = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("status") == "ok" and "samples_per_s" in record:
                rates[record["workload"]] = record["samples_per_s"]
    if proc.returncode != 0:
        print(f"  {' '.join(command[:2])} exited {proc.returncode}: {proc.stderr[-500:]}")
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--tensorflow", action="store_true", help="also run bench_tf.py")
    args = parser.parse_args()
    workloads = args.workloads
    shared = ",".join(w for w in workloads.split(",") if w not in TWINS)
    twins = [w for w in workloads.split(",") if w in TWINS]
    torch_commands = [([PYTHON, "bench_torch.py", "--workloads", shared, "--threads", "2"], PEERS)] if shared else []
    torch_commands += [([PYTHON, os.path.join(ROOT, "Benchmarks", TWINS[w]), "--workloads", w, "--threads", "2"], ROOT)
                       for w in twins]
    sides = {"strata": [([BENCH, "--workloads", workloads], ROOT)], "torch-t2": torch_commands}
    if args.tensorflow and shared:
        sides["tensorflow"] = [([PYTHON, "bench_tf.py", "--workloads", shared], PEERS)]
    results = {name: {} for name in sides}
    for round_index in range(args.rounds):
        order = list(sides) if round_index % 2 == 0 else list(reversed(sides))
        for name in order:
            rates = run_all(sides[name])
            print(f"round {round_index + 1} {name}: " + ", ".join(f"{w} {r:,.0f}" for w, r in rates.items()), flush=True)
            for workload, rate in rates.items():
                results[name].setdefault(workload, []).append(rate)
    peers = [name for name in sides if name != "strata"]
    print("\nworkload (samples/s, median)  strata   " + "   ".join(f"{p:>10}  ratio" for p in peers))
    for workload in workloads.split(","):
        strata = results["strata"].get(workload)
        if not strata:
            continue
        line = f"{workload:<29} {statistics.median(strata):>7,.0f}"
        for peer in peers:
            values = results[peer].get(workload)
            if values:
                median = statistics.median(values)
                line += f"   {median:>10,.0f}  {statistics.median(strata) / median:5.2f}"
            else:
                line += f"   {'-':>10}  {'-':>5}"
        print(line)


if __name__ == "__main__":
    main()
