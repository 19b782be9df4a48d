#!/usr/bin/env python3
"""resnet18 inference from ONNX: StrataONNX (onnx-bench) against onnxruntime, batch 1 and 32,
same machine, same thread count, alternating rounds; prints images/s and Strata's ratio.

    PYTHONPATH=.build-torchvision python3 Tools/make_onnx_fixtures.py --resnet18-only
    swift build -c release --product onnx-bench
    python3 Benchmarks/onnx_resnet18.py --threads 4 --rounds 3

The model is torchvision's resnet18 (10 classes) exported by Tools/make_onnx_fixtures.py to
.build-onnx/resnet18/model.onnx. onnxruntime runs with intra_op_num_threads = --threads and
inter_op_num_threads = 1; Strata with STRATA_NUM_THREADS = --threads. Each round runs both
engines at each batch size for --seconds seconds after a warm-up; the table shows the medians.
Before timing, each batch size's output is checked against onnxruntime's on the same images
(`onnx-bench --check`, within 1e-5 relative to the largest output; needs the onnx package).
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
import onnxruntime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def onnxruntime_throughput(path, batch, threads, seconds, warmup=3):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    images = np.random.default_rng(1).standard_normal((batch, 3, 224, 224), dtype=np.float32)
    for _ in range(warmup):
        session.run(None, {name: images})
    runs, start = 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - start < seconds:
        session.run(None, {name: images})
        runs += 1
    return runs * batch / (time.perf_counter() - start)


def strata_throughput(binary, path, batch, threads, seconds):
    environment = dict(os.environ, STRATA_NUM_THREADS=str(threads))
    result = subprocess.run([binary, path, "--batch", str(batch), "--seconds", str(seconds)], env=environment,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["images_per_second"]


def check_outputs(binary, path, batch, threads):
    """Strata's output on normal images against onnxruntime's: the relative error (raises above 1e-5)."""
    import tempfile
    from onnx import numpy_helper
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    images = np.random.default_rng(2).standard_normal((batch, 3, 224, 224), dtype=np.float32)
    expected = session.run(None, {session.get_inputs()[0].name: images})[0]
    with tempfile.TemporaryDirectory() as folder:
        files = [os.path.join(folder, name) for name in ("input.pb", "expected.pb")]
        for file, array in zip(files, (images, expected)):
            with open(file, "wb") as handle:
                handle.write(numpy_helper.from_array(array).SerializeToString())
        environment = dict(os.environ, STRATA_NUM_THREADS=str(threads))
        result = subprocess.run([binary, path, "--check", *files], env=environment, capture_output=True, text=True, check=True)
    error = json.loads(result.stdout.strip().splitlines()[-1])["relative_error"]
    if error > 1e-5:
        raise SystemExit(f"batch {batch}: Strata's output differs from onnxruntime's by {error:.2e} relative")
    return error


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=os.path.join(ROOT, ".build-onnx", "resnet18", "model.onnx"))
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "onnx-bench"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batches", default="1,32")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    for batch in batches:
        error = check_outputs(args.binary, args.model, batch, args.threads)
        print(f"batch {batch:3} output within {error:.1e} relative of onnxruntime's", flush=True)
    results = {(engine, batch): [] for engine in ("strata", "onnxruntime") for batch in batches}
    for round_index in range(args.rounds):
        for batch in batches:
            # Alternate which engine goes first, so neither always runs on a warmer machine.
            order = ["strata", "onnxruntime"] if round_index % 2 == 0 else ["onnxruntime", "strata"]
            for engine in order:
                if engine == "strata":
                    value = strata_throughput(args.binary, args.model, batch, args.threads, args.seconds)
                else:
                    value = onnxruntime_throughput(args.model, batch, args.threads, args.seconds)
                results[(engine, batch)].append(value)
                print(f"round {round_index + 1} batch {batch:3} {engine:12} {value:9.1f} images/s", flush=True)
    print(f"\nresnet18, {args.threads} threads, onnxruntime {onnxruntime.__version__}, median of {args.rounds} rounds")
    print(f"{'batch':>5} {'strata':>10} {'onnxruntime':>12} {'ratio':>6}")
    for batch in batches:
        strata = statistics.median(results[("strata", batch)])
        ort = statistics.median(results[("onnxruntime", batch)])
        print(f"{batch:5} {strata:10.1f} {ort:12.1f} {strata / ort:6.2f}")


if __name__ == "__main__":
    main()
