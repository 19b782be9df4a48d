"""The PyTorch server a user would write for the same model, for Tools/serve_load.sh to compare
`strata serve` against: FastAPI + uvicorn + torch, one worker, the KServe v2 JSON infer endpoint
for one model (`input` FP32 [-1, 1, 28, 28] -> `probabilities` and `class`), the weights read from
the same model.safetensors with safetensors.torch (Strata's state dictionary names are PyTorch's).
It does what such servers do: parse the JSON body, build a tensor, run the model in inference mode,
answer JSON; compute on torch's threads (one per core unless --threads).

    python Tools/serve_torch_server.py --weights models/fashion/1/model.safetensors --model lenet --port 8001
"""
import argparse

import torch
import uvicorn
from fastapi import FastAPI, HTTPException
from safetensors.torch import load_file

from torch_models import lenet, small_resnet

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--model", choices=["lenet", "resnet"], default="lenet")
    parser.add_argument("--name", default="fashion")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's, one per core)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = {"lenet": lenet, "resnet": small_resnet}[args.model]()
    # Strata saves no `num_batches_tracked` (used only in training with momentum None); every
    # other tensor must be there.
    missing, unexpected = model.load_state_dict(load_file(args.weights), strict=False)
    if unexpected or any(not name.endswith("num_batches_tracked") for name in missing):
        raise SystemExit(f"{args.weights} does not fit {args.model}: missing {missing}, unexpected {unexpected}")
    model.eval()
    app = FastAPI()

    @app.post(f"/v2/models/{args.name}/infer")
    def infer(request: dict):
        try:
            tensor = request["inputs"][0]
            images = torch.tensor(tensor["data"], dtype=torch.float32).reshape(tensor["shape"])
        except (KeyError, IndexError, RuntimeError, TypeError, ValueError) as error:
            raise HTTPException(status_code=400, detail=str(error))
        with torch.inference_mode():
            probabilities = torch.softmax(model(images), dim=1)
        best = probabilities.argmax(dim=1).tolist()
        return {"model_name": args.name, "outputs": [
            {"name": "probabilities", "datatype": "FP32", "shape": list(probabilities.shape),
             "data": probabilities.flatten().tolist()},
            {"name": "class", "datatype": "BYTES", "shape": [len(best)], "data": [CLASSES[i] for i in best]}]}

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
