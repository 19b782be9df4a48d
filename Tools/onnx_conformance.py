#!/usr/bin/env python3
"""Runs onnx's backend node tests through StrataONNX and tallies them per operator.

The onnx wheel ships the tests on disk (onnx/backend/test/data/node/*/model.onnx with
test_data_set_0/input_*.pb and output_*.pb; onnx 1.22.0 has 1,765). Each test runs in its own
onnx-conformance process, so a trap is counted (CRASH) instead of ending the run.

Usage (from the repository root, after `swift build --product onnx-conformance`):
    python3 Tools/onnx_conformance.py \
        [--binary .build/debug/onnx-conformance] [--write-passing Tools/onnx_conformance_passing.txt] \
        [--copy-fixtures N]

--write-passing rewrites the committed list of passing tests; --copy-fixtures N copies the N
smallest passing tests (model and test_data_set_0) into Tests/StrataONNXTests/Fixtures/ONNX/node,
which the Swift suite runs without Python.
"""
import argparse
import collections
import concurrent.futures
import os
import shutil
import subprocess
import sys

import onnx


def operators(folder):
    """The operators of a test's model (a test of one operator usually has one node)."""
    try:
        model = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
        return sorted({node.op_type for node in model.graph.node}) or ["(none)"]
    except Exception:  # a test whose model onnx itself cannot read
        return ["(unreadable)"]


def run(binary, folder):
    try:
        result = subprocess.run([binary, folder], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "FAIL", "timeout"
    line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0 or not line:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return "CRASH", detail[:200]
    status, _, rest = line.partition(" ")
    return status, rest.partition(": ")[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/onnx-conformance")
    parser.add_argument("--tests", default=os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/node"))
    parser.add_argument("--write-passing")
    parser.add_argument("--copy-fixtures", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    folders = sorted(os.path.join(args.tests, name) for name in os.listdir(args.tests))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda folder: run(args.binary, folder), folders))

    tally = collections.defaultdict(collections.Counter)
    passing = []
    for folder, (status, detail) in zip(folders, results):
        name = os.path.basename(folder)
        for op in operators(folder):
            tally[op][status] += 1
        if status == "PASS":
            passing.append(name)
        elif args.verbose or status == "CRASH":
            print(f"{status} {name}: {detail}")

    print(f"{'operator':28} passed failed unsupported crashed")
    for op in sorted(tally):
        counts = tally[op]
        print(f"{op:28} {counts['PASS']:6} {counts['FAIL']:6} {counts['UNSUPPORTED']:11} {counts['CRASH']:7}")
    totals = collections.Counter(status for status, _ in results)
    print(f"onnx {onnx.__version__}: {len(folders)} tests, {totals['PASS']} passed, {totals['FAIL']} failed, "
          f"{totals['UNSUPPORTED']} unsupported, {totals['CRASH']} crashed")

    if args.write_passing:
        with open(args.write_passing, "w") as file:
            file.write(f"# onnx {onnx.__version__} backend node tests that StrataONNX passes "
                       f"(Tools/onnx_conformance.py): {len(passing)} of {len(folders)}\n")
            file.write("\n".join(passing) + "\n")
    if args.copy_fixtures:
        target = os.path.join("Tests", "StrataONNXTests", "Fixtures", "ONNX", "node")
        shutil.rmtree(target, ignore_errors=True)
        def size(name):
            folder = os.path.join(args.tests, name)
            return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)
        chosen = sorted(passing, key=lambda name: (size(name), name))[: args.copy_fixtures]
        for name in sorted(chosen):
            source = os.path.join(args.tests, name)
            shutil.copytree(source, os.path.join(target, name),
                            ignore=lambda directory, names: [n for n in names if n.startswith("test_data_set_") and n != "test_data_set_0"])
        print(f"copied {len(chosen)} passing tests to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
