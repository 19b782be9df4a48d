#!/usr/bin/env python3
"""Data-parallel benchmarks of issue 14, ready to run on a quiet machine (build first:
`swift build -c release --product strata-mpi-check`; needs Open MPI's mpirun and mpicc).

1. Training throughput, alternating in the same run (--rounds times): `lenet_train` and
   `resnet_train` (float32, global batch 64, SGD momentum 0.9) as 2 ranks x 1 thread
   (`mpirun -np 2 strata-mpi-check train-benchmark`, 32 samples per rank) against 1 process x 2
   threads (the same command alone). Prints each side's median samples/s over the rounds, and for
   2 ranks the median communication per step without overlap, the exposed wait with overlap and
   the hidden fraction 1 - exposed / communication.
2. Allreduce latency and bus bandwidth, 4 KB to 64 MB of float32: `MPIProcessGroup.allReduceSum`
   (`strata-mpi-check allreduce-benchmark`) against the same loop in C straight against Open MPI
   (Benchmarks/mpi_allreduce_bench.c), one table, medians over --rounds alternating runs.

    python3 Benchmarks/mpi_benchmarks.py [--rounds 5] [--steps 20] [--build .build/release]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def mpirun(ranks, threads):
    command = ["mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "none"]
    if os.geteuid() == 0:
        command.append("--allow-run-as-root")
    for name in ("STRATA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        command += ["-x", f"{name}={threads}"]
    return command


def environment(threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(STRATA_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    return env


def json_lines(command, threads):
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=environment(threads)).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def training(check, rounds, steps):
    print("## Training: 2 ranks x 1 thread against 1 process x 2 threads (global batch 64)\n")
    print("| workload | 1 process x 2 threads, samples/s | 2 ranks x 1 thread, samples/s | ratio | "
          "communication ms/step (no overlap) | exposed ms/step (overlap) | hidden fraction |")
    print("|---|---|---|---|---|---|---|")
    for model in ("lenet", "resnet"):
        single, parallel = [], []
        for _ in range(rounds):
            arguments = ["train-benchmark", "--model", model, "--steps", str(steps)]
            single += json_lines([check] + arguments, 2)
            parallel += json_lines(mpirun(2, 1) + [check] + arguments, 1)
        one = statistics.median(r["samples_per_s"] for r in single)
        two = statistics.median(r["samples_per_s"] for r in parallel)
        communication = statistics.median(r["communication_ms"] for r in parallel)
        exposed = statistics.median(r["exposed_ms"] for r in parallel)
        hidden = statistics.median(r["hidden_fraction"] for r in parallel)
        print(f"| {model}_train | {one:,.0f} | {two:,.0f} | {two / one:.2f} | {communication:.2f} | {exposed:.2f} | {hidden:.2f} |")
    print()


def allreduce(check, build, rounds):
    binary = os.path.join(build, "mpi_allreduce_bench")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_allreduce_bench.c")
    subprocess.run(["mpicc", "-O2", source, "-o", binary], check=True)
    strata, c = {}, {}
    for _ in range(rounds):
        for record in json_lines(mpirun(2, 1) + [check, "allreduce-benchmark"], 1):
            strata.setdefault(record["bytes"], []).append(record["latency_us"])
        for record in json_lines(mpirun(2, 1) + [binary, "20"], 1):
            c.setdefault(record["bytes"], []).append(record["latency_us"])
    sizes = sorted(strata)
    print("## Allreduce, 2 ranks, float32 in place: median latency in us (bus bandwidth GB/s)\n")
    print("| bytes | " + " | ".join(f"{s // 1024:,} KB" if s < 1 << 20 else f"{s >> 20} MB" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name, table in (("C against Open MPI", c), ("`MPIProcessGroup.allReduceSum`", strata)):
        cells = []
        for s in sizes:
            latency = statistics.median(table[s])
            cells.append(f"{latency:,.1f} ({s / latency / 1e3:.2f})")  # bus bytes for 2 ranks: 2 (N-1)/N x bytes = bytes
        print(f"| {name} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per mode in each train-benchmark run")
    parser.add_argument("--build", default=".build/release")
    parser.add_argument("--only", choices=["training", "allreduce"])
    options = parser.parse_args()
    check = os.path.join(options.build, "strata-mpi-check")
    if not os.access(check, os.X_OK):
        sys.exit(f"{check} not found: swift build -c release --product strata-mpi-check")
    if options.only != "allreduce":
        training(check, options.rounds, options.steps)
    if options.only != "training":
        allreduce(check, options.build, options.rounds)


if __name__ == "__main__":
    main()
