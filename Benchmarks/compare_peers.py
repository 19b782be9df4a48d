#!/usr/bin/env python3
"""Strata against PyTorch, TensorFlow and JAX on the peer workloads, in one run, with peak memory.

Every (framework, workload) pair runs in a process of its own: StrataBench --workloads W, and the
peers' scripts in ../shared/bench/peers (bench_torch.py at 2 threads, bench_tf.py, bench_jax.py).
Within a round each workload runs on every framework in turn, Strata first in odd rounds and last
in even ones, for --rounds rounds (at least 2). Each process prints its samples/s (GFLOP/s for
sgemm) in the peers' JSON schema; this script reads the child's peak resident memory from the
kernel (ru_maxrss of os.wait4, the same measurement for every framework; StrataBench's own
`peak_rss_mb`, from VmHWM, is kept in the raw records as a cross-check).

Workloads the peers do not define (wide_deep_train, transformer_train, bert_infer, gru_train) have
twins of ours in Benchmarks/ for each peer (TWINS): PyTorch's in *_torch.py, TensorFlow's in
tf_twins.py, JAX's in jax_twins.py, each written as the peers' script of its framework writes the
five standard workloads. A twin that is missing is reported as absent. A framework that fails, or
has no script for a workload, is reported as such in the table, never left out. bert_infer's
PyTorch twin needs `transformers`, which the peers' virtualenv lacks: install it into a folder of
its own and pass it on PYTHONPATH (below), or that cell reads "error".

The table gives, per workload, each framework's median over rounds and its spread (min-max of the
rounds), the best peer, Strata / best peer, and the peak RSS of each beside Strata / PyTorch.

    swift build -c release --product StrataBench
    ../shared/bench/peers/setup.sh          # once: the peers' virtualenv (PyTorch, TensorFlow, JAX)
    python3 Benchmarks/compare_peers.py                        # every workload, 2 rounds
    python3 Benchmarks/compare_peers.py --rounds 3 --workloads mlp_train,lenet_train --markdown
    python3 Benchmarks/compare_peers.py --frameworks strata,pytorch --workloads wide_deep_train

On a loaded machine shorten the quiet waits: PEERS_QUIET_WAIT_S=2 PEERS_MAX_ATTEMPTS=1.

    ~/.cache/strata-peers/venv/bin/pip install --target ~/.cache/tf-pkgs transformers   # then delete the numpy it brought along
    PYTHONPATH=~/.cache/tf-pkgs python3 Benchmarks/compare_peers.py --workloads bert_infer
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "StrataBench")
PEERS = os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers")
PYTHON = os.environ.get("PEERS_PY", os.path.expanduser("~/.cache/strata-peers/venv/bin/python"))

FRAMEWORKS = ["strata", "pytorch", "tensorflow", "jax"]
PEER_SCRIPTS = {"pytorch": ("bench_torch.py", ["--threads", "2"]), "tensorflow": ("bench_tf.py", []),
                "jax": ("bench_jax.py", [])}
# The peers' workloads, and the name each script takes for them (sgemm_2048 comes from "sgemm").
PEER_WORKLOADS = {"mlp_train": "mlp_train", "lenet_train": "lenet_train", "lstm_train": "lstm_train",
                  "resnet_train": "resnet_train", "lenet_infer": "lenet_infer", "sgemm_2048": "sgemm"}
# Workloads outside the peers' set, each with a twin script of ours in Benchmarks/ per peer
# framework, run with that framework's flags (PyTorch at 2 threads, as bench_torch.py is).
TWINS = {"wide_deep_train": {"pytorch": "wide_deep_torch.py", "tensorflow": "tf_twins.py", "jax": "jax_twins.py"},
         "transformer_train": {"pytorch": "transformer_torch.py", "tensorflow": "tf_twins.py", "jax": "jax_twins.py"},
         "bert_infer": {"pytorch": "transformer_torch.py", "tensorflow": "tf_twins.py", "jax": "jax_twins.py"},
         "gru_train": {"pytorch": "gru_torch.py", "tensorflow": "tf_twins.py", "jax": "jax_twins.py"}}
TWIN_FLAGS = {"pytorch": ["--threads", "2"], "tensorflow": [], "jax": []}
WORKLOADS = list(PEER_WORKLOADS) + list(TWINS)
# Variables that force a slow OpenBLAS kernel on this machine; every side runs without them.
DROPPED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class Outcome:
    """One framework on one workload in one round: a rate, or why there is none."""

    def __init__(self, rate=None, peak_mb=None, problem=None, record=None):
        self.rate = rate
        self.peak_mb = peak_mb
        self.problem = problem
        self.record = record or {}


def strata_workloads():
    """The workloads this StrataBench knows (its --list), or None when it is not built."""
    if not os.access(BENCH, os.X_OK):
        return None
    listing = subprocess.run([BENCH, "--list"], capture_output=True, text=True)
    return set(listing.stdout.split()) if listing.returncode == 0 else None


def command_for(framework, workload, known_to_strata, timing):
    """(command, cwd) running `workload` on `framework`, or a string saying why there is none."""
    if framework == "strata":
        if known_to_strata is None:
            return f"absent: no StrataBench at {os.path.relpath(BENCH, ROOT)} (swift build -c release --product StrataBench)"
        if workload not in known_to_strata:
            return "absent: StrataBench has no such workload"
        return [BENCH, "--workloads", workload] + timing, ROOT
    if not os.access(PYTHON, os.X_OK):
        return f"absent: no peer virtualenv ({PYTHON}; run ../shared/bench/peers/setup.sh)"
    if workload in PEER_WORKLOADS:
        script, extra = PEER_SCRIPTS[framework]
        return [PYTHON, script, "--workloads", PEER_WORKLOADS[workload]] + extra + timing, PEERS
    script = TWINS[workload].get(framework)
    if script is None:
        return f"absent: no {framework} twin of {workload} in Benchmarks/"
    twin = os.path.join(ROOT, "Benchmarks", script)
    if not os.path.exists(twin):
        return f"absent: no Benchmarks/{script} yet"
    return [PYTHON, twin, "--workloads", workload] + TWIN_FLAGS[framework] + timing, ROOT


def run(command, cwd, workload, log):
    """Runs one child, waits for it with os.wait4 for its own peak RSS, and reads its JSON line."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    log.write(f"# {' '.join(command)} (exit {child.returncode}, ru_maxrss {usage.ru_maxrss} KiB)\n{stdout}")
    peak_mb = usage.ru_maxrss / 1024  # Linux gives KiB
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("workload") != workload:
            continue
        if record.get("status") == "ok":
            rate = record.get("samples_per_s", record.get("gflops"))
            return Outcome(rate=rate, peak_mb=peak_mb, record=record)
        return Outcome(problem=f"{record.get('status')}: {record.get('reason', '?')}"[:300], record=record)
    tail = stderr.strip().splitlines()[-1:] or ["no output"]
    return Outcome(problem=f"error: exit {child.returncode}, no record; {tail[0][:240]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds, at least 2 (default 2)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="strata and any of pytorch,tensorflow,jax")
    parser.add_argument("--window", help="seconds per timed window, passed to every side (default theirs: 0.5)")
    parser.add_argument("--windows", help="timed windows per run, passed to every side (default theirs: 5)")
    parser.add_argument("--warmup", help="warm-up seconds, passed to every side (default theirs: 1.0)")
    parser.add_argument("--out", help="a directory for the raw JSON lines and the summary "
                                      "(default $TMPDIR/compare-peers/<time>)")
    parser.add_argument("--markdown", action="store_true", help="also print the tables in Markdown")
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds: at least 2 (the issue asks for two alternating rounds)")
    workloads = [w for w in args.workloads.split(",") if w]
    frameworks = [f for f in args.frameworks.split(",") if f]
    unknown = [w for w in workloads if w not in WORKLOADS] + [f for f in frameworks if f not in FRAMEWORKS]
    if unknown or "strata" not in frameworks:
        parser.error(f"unknown {unknown}; workloads {WORKLOADS}, frameworks {FRAMEWORKS} (strata among them)")
    timing = []
    for flag in ("window", "windows", "warmup"):
        if getattr(args, flag) is not None:
            timing += [f"--{flag}", getattr(args, flag)]
    out_dir = args.out or os.path.join(tempfile.gettempdir(), "compare-peers", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    os.makedirs(out_dir, exist_ok=True)
    known_to_strata = strata_workloads()
    results = {(f, w): [] for f in frameworks for w in workloads}
    with open(os.path.join(out_dir, "runs.log"), "a") as log:
        for round_index in range(args.rounds):
            order = frameworks if round_index % 2 == 0 else list(reversed(frameworks))
            for workload in workloads:
                line = f"round {round_index + 1} {workload}:"
                for framework in order:
                    how = command_for(framework, workload, known_to_strata, timing)
                    outcome = Outcome(problem=how) if isinstance(how, str) else run(*how, workload, log)
                    results[(framework, workload)].append(outcome)
                    line += f" {framework} " + (f"{outcome.rate:,.0f} ({outcome.peak_mb:,.0f} MiB)"
                                                if outcome.rate is not None else outcome.problem.split(":")[0])
                print(line, flush=True)
    summary = summarize(results, frameworks, workloads)
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump({"rounds": args.rounds, "frameworks": frameworks, "rows": summary,
                   "records": [{"framework": f, "workload": w, "round": i + 1, "rate": o.rate, "peak_rss_mb": o.peak_mb,
                                "problem": o.problem, "record": o.record}
                               for (f, w), outcomes in results.items() for i, o in enumerate(outcomes)]}, f, indent=1)
    print_tables(summary, frameworks, args.rounds, markdown=False)
    if args.markdown:
        print_tables(summary, frameworks, args.rounds, markdown=True)
    print_findings(summary, frameworks, args.rounds)
    print(f"\nraw records and summary: {out_dir}")


def summarize(results, frameworks, workloads):
    """Per workload: each framework's median, spread and peak, or its problem; best peer; ratios."""
    rows = []
    for workload in workloads:
        row = {"workload": workload, "unit": "GFLOP/s" if workload.startswith("sgemm") else "samples/s", "cells": {}}
        for framework in frameworks:
            outcomes = results[(framework, workload)]
            rates = [o.rate for o in outcomes if o.rate is not None]
            peaks = [o.peak_mb for o in outcomes if o.rate is not None]
            problems = sorted({o.problem for o in outcomes if o.rate is None})
            cell = {"problems": problems}
            if rates:
                cell.update(median=statistics.median(rates), low=min(rates), high=max(rates), rounds=len(rates),
                            peak_mb=max(peaks))
            row["cells"][framework] = cell
        peers = [(c["median"], f) for f, c in row["cells"].items() if f != "strata" and "median" in c]
        strata = row["cells"]["strata"]
        if peers:
            best_rate, best = max(peers)
            row["best_peer"] = best
            if "median" in strata:
                row["ratio_to_best"] = strata["median"] / best_rate
        torch = row["cells"].get("pytorch", {})
        if "peak_mb" in strata and "peak_mb" in torch:
            row["peak_ratio_to_pytorch"] = strata["peak_mb"] / torch["peak_mb"]
        rows.append(row)
    return rows


def print_tables(rows, frameworks, rounds, markdown):
    peers = [f for f in frameworks if f != "strata"]

    def rate_cell(cell):
        if "median" not in cell:
            return cell["problems"][0].split(":")[0] if cell["problems"] else "-"
        text = f"{cell['median']:,.0f} ({cell['low']:,.0f}-{cell['high']:,.0f})"
        return text + ("" if cell["rounds"] == rounds else f" {cell['rounds']}/{rounds} rounds")

    def peak_cell(cell):
        return f"{cell['peak_mb']:,.0f}" if "peak_mb" in cell else rate_cell(cell)

    throughput = [["workload"] + [f"{f} median (min-max)" for f in frameworks] + ["best peer", "Strata / best"]]
    memory = [["workload"] + [f"{f} peak RSS MiB" for f in frameworks] + ["Strata / PyTorch"]]
    for row in rows:
        name = row["workload"] + (" (GFLOP/s)" if row["unit"] == "GFLOP/s" else "")
        cells = row["cells"]
        ratio = f"{row['ratio_to_best']:.2f}" if "ratio_to_best" in row else "-"
        throughput.append([name] + [rate_cell(cells[f]) for f in frameworks] + [row.get("best_peer", "-"), ratio])
        peak_ratio = row.get("peak_ratio_to_pytorch")
        memory.append([row["workload"]] + [peak_cell(cells[f]) for f in frameworks]
                      + [f"{peak_ratio:.2f}" + (" (above PyTorch)" if peak_ratio > 1 else "") if peak_ratio else "-"])
    print()
    for table in (throughput, memory):
        if markdown:
            print("| " + " | ".join(table[0]) + " |\n|" + "---|" * len(table[0]))
            for line in table[1:]:
                print("| " + " | ".join(line) + " |")
        else:
            widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
            for line in table:
                print("  ".join(text.ljust(width) if i == 0 else text.rjust(width)
                                for i, (text, width) in enumerate(zip(line, widths))))
        print()


def print_findings(rows, frameworks, rounds):
    """What the tables mean for the issue's goals, and every framework that gave no number and why."""
    peers = [f for f in frameworks if f != "strata"]
    print(f"medians of {rounds} alternating rounds; peers: {', '.join(peers)}; peak RSS: each child's ru_maxrss, "
          "the largest over the rounds")
    print("Strata behind the best peer on: "
          + (", ".join(f"{r['workload']} ({r['ratio_to_best']:.2f}x {r['best_peer']})"
                       for r in rows if r.get("ratio_to_best", 1) < 1) or "none"))
    print("Strata's peak RSS above PyTorch's on: "
          + (", ".join(f"{r['workload']} ({r['peak_ratio_to_pytorch']:.2f}x)"
                       for r in rows if r.get("peak_ratio_to_pytorch", 0) > 1) or "none"))
    unmeasured = [r["workload"] for r in rows if "median" not in r["cells"]["strata"]]
    if unmeasured:
        print("Strata not measured on: " + ", ".join(unmeasured))
    for row in rows:
        for framework in frameworks:
            for problem in row["cells"][framework]["problems"]:
                print(f"  {row['workload']} / {framework}: {problem}")


if __name__ == "__main__":
    sys.exit(main())
