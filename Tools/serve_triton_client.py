"""Checks `strata-serve` with a client no one here wrote: the KServe v2 HTTP client of NVIDIA's
`tritonclient[http]` (PyPI). Usage (Tools/serve_check.sh starts the server and runs this):

    python Tools/serve_triton_client.py --url 127.0.0.1:8000 [--image-model fashion] [--table-model adult] \
        [--onnx-model fashion-onnx] [--token-model tokens]

The image model is asked for the probabilities of four random images twice, once with the
inputs and outputs in the binary tensor data extension (tritonclient's default) and once in
JSON; the two answers must agree, each row must sum to 1, and the class must be the most
probable one. The table model gets three rows as BYTES and FP32 columns. The ONNX model (the
image model exported by `strata export`) must report the graph's input and output, with -1 for
the batch, and give logits whose softmax is the image model's probabilities. The token model (an
ONNX graph taking INT64 tokens) gets two rows in binary and in JSON. Exits 1 on any mismatch.
"""
import argparse
import sys

import numpy as np
import tritonclient.http as httpclient


def check(condition, message):
    if not condition:
        print("FAIL:", message)
        sys.exit(1)
    print("ok:", message)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="127.0.0.1:8000")
    parser.add_argument("--image-model", default="fashion")
    parser.add_argument("--table-model", default=None)
    parser.add_argument("--onnx-model", default=None)
    parser.add_argument("--token-model", default=None)
    args = parser.parse_args()
    client = httpclient.InferenceServerClient(url=args.url)
    check(client.is_server_live(), "server live")
    check(client.is_server_ready(), "server ready")
    metadata = client.get_server_metadata()
    check(metadata["name"] == "strata", f"server metadata {metadata}")
    model = client.get_model_metadata(args.image_model)
    shape = model["inputs"][0]["shape"]
    check(model["inputs"][0]["datatype"] == "FP32" and shape[0] == -1, f"model metadata {model['inputs']}")
    check(client.is_model_ready(args.image_model), "model ready")

    images = np.random.default_rng(7).random([4] + shape[1:], dtype=np.float32)
    answers = []
    for binary in (True, False):
        tensor = httpclient.InferInput("input", list(images.shape), "FP32")
        tensor.set_data_from_numpy(images, binary_data=binary)
        outputs = [httpclient.InferRequestedOutput("probabilities", binary_data=binary),
                   httpclient.InferRequestedOutput("class", binary_data=binary)]
        result = client.infer(args.image_model, [tensor], outputs=outputs, request_id="triton-check")
        answers.append((result.as_numpy("probabilities"), result.as_numpy("class")))
    (binary_p, binary_c), (json_p, json_c) = answers
    check(binary_p.shape == (4, model["outputs"][0]["shape"][1]), f"probabilities shape {binary_p.shape}")
    check(np.allclose(binary_p, json_p, atol=1e-6), "binary and JSON answers agree")
    check(np.allclose(binary_p.sum(axis=1), 1, atol=1e-5), "each row of probabilities sums to 1")
    # tritonclient gives BYTES as bytes from binary data and as str from JSON.
    names = [[c.decode() if isinstance(c, bytes) else c for c in classes] for classes in (binary_c, json_c)]
    check(names[0] == names[1], f"classes agree: {names[0]}")

    try:
        client.infer(args.image_model, [_bad_input()])
        check(False, "a wrong shape is refused")
    except httpclient.InferenceServerException as error:
        check("expected" in str(error), f"a wrong shape is refused: {error}")

    if args.table_model:
        table = client.get_model_metadata(args.table_model)
        inputs = []
        for spec in table["inputs"]:
            if spec["datatype"] == "BYTES":
                values = np.array([b"red", b"blue", b"green"], dtype=np.object_)
            else:
                values = np.array([0.25, 0.5, 0.9], dtype=np.float32)
            tensor = httpclient.InferInput(spec["name"], [3], spec["datatype"])
            tensor.set_data_from_numpy(values)
            inputs.append(tensor)
        result = client.infer(args.table_model, inputs)
        probability = result.as_numpy("probability")
        check(probability.shape == (3,) and np.all((probability >= 0) & (probability <= 1)), f"table probabilities {probability}")
        check(len(result.as_numpy("label")) == 3, f"table labels {result.as_numpy('label')}")
    if args.onnx_model:
        check_onnx_image_model(client, args.onnx_model, images, binary_p)
    if args.token_model:
        check_token_model(client, args.token_model)
    print("tritonclient: all checks passed")


def check_onnx_image_model(client, name, images, probabilities):
    model = client.get_model_metadata(name)
    check(model["platform"] == "onnx", f"{name} platform {model['platform']}")
    check([(t["name"], t["datatype"], t["shape"]) for t in model["inputs"]] == [("input", "FP32", [-1] + list(images.shape[1:]))],
          f"{name} inputs {model['inputs']}")
    check([(t["name"], t["datatype"], t["shape"][0]) for t in model["outputs"]] == [("output", "FP32", -1)],
          f"{name} outputs {model['outputs']}")
    answers = []
    for binary in (True, False):
        tensor = httpclient.InferInput("input", list(images.shape), "FP32")
        tensor.set_data_from_numpy(images, binary_data=binary)
        result = client.infer(name, [tensor], outputs=[httpclient.InferRequestedOutput("output", binary_data=binary)])
        answers.append(result.as_numpy("output"))
    check(np.allclose(answers[0], answers[1], atol=1e-6), f"{name}: binary and JSON answers agree")
    logits = answers[0].astype(np.float64)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    check(np.allclose(softmax, probabilities, atol=1e-5), f"{name}: softmax of the logits is the safetensors model's probabilities")


def check_token_model(client, name):
    model = client.get_model_metadata(name)
    (spec,) = model["inputs"]
    check(spec["datatype"] == "INT64" and spec["shape"][0] == -1, f"{name} input {spec}")
    tokens = np.random.default_rng(3).integers(0, 30, size=[2] + spec["shape"][1:], dtype=np.int64)
    answers = []
    for binary in (True, False):
        tensor = httpclient.InferInput(spec["name"], list(tokens.shape), "INT64")
        tensor.set_data_from_numpy(tokens, binary_data=binary)
        output = model["outputs"][0]["name"]
        result = client.infer(name, [tensor], outputs=[httpclient.InferRequestedOutput(output, binary_data=binary)])
        answers.append(result.as_numpy(output))
    check(answers[0].shape == (2, model["outputs"][0]["shape"][1]), f"{name} output shape {answers[0].shape}")
    check(np.allclose(answers[0], answers[1], atol=1e-6), f"{name}: INT64 inputs, binary and JSON answers agree")


def _bad_input():
    tensor = httpclient.InferInput("input", [1, 3], "FP32")
    tensor.set_data_from_numpy(np.zeros([1, 3], np.float32))
    return tensor


if __name__ == "__main__":
    main()
