"""Writing PyTorch tensors as Swift literals for the generated fixture files: shared by
make_nn_fixtures.py, make_cnn_fixtures.py and make_rnn_fixtures.py."""
import numpy as np
import torch


def swift_float(value):
    """The shortest decimal that reads back as this float32, in a form Swift accepts."""
    value = np.float32(value)
    if value == 0:
        return "-0.0" if np.signbit(value) else "0"
    magnitude = abs(float(value))
    if 1e-4 <= magnitude < 1e7:
        return np.format_float_positional(value, unique=True, trim="-")
    return np.format_float_scientific(value, unique=True, trim="-")


def swift_tensor(tensor):
    tensor = tensor.detach()
    shape = "[" + ", ".join(str(d) for d in tensor.shape) + "]"
    flat = tensor.reshape(-1)
    if tensor.dtype == torch.int64:
        return f".int64({shape}, [{', '.join(str(int(v)) for v in flat)}])"
    assert tensor.dtype == torch.float32, tensor.dtype
    values = flat.numpy()
    assert np.all(np.isfinite(values)), "fixtures must be finite"
    return f".float32({shape}, [{', '.join(swift_float(v) for v in values)}])"
