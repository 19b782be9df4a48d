"""The weights of the generated-weight fixture models: every state_dict entry drawn from its own
SplitMix64 stream seeded by the FNV-1a hash of its name, the same streams Strata's tests compute,
so the Swift side rebuilds the weights instead of reading them from a file. Used by
make_cnn_fixtures.py (a sibling script)."""
import math

import numpy as np
import torch

MASK = (1 << 64) - 1


def splitmix64(state):
    """SplitMix64 (Steele, Lea and Flood, 2014): returns (next state, output); exact integers."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def fnv1a(text):
    """64-bit FNV-1a of the UTF-8 bytes: the seed of a tensor's stream."""
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001B3) & MASK
    return value


def uniform_stream(seed, count):
    """`count` doubles in [0, 1): the top 53 bits of each SplitMix64 output times 2^-53 (vectorised)."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    states = (np.arange(1, count + 1, dtype=np.uint64) * golden + np.uint64(seed))  # wraps mod 2^64
    z = states
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


# The vectorised stream equals the sequential definition.
_state, _first = splitmix64(12345)
_state, _second = splitmix64(_state)
assert list(uniform_stream(12345, 2)) == [(_first >> 11) * 2.0 ** -53, (_second >> 11) * 2.0 ** -53]


def generated_tensor(name, shape):
    """The value of state_dict entry `name` in the generated-weight models: uniform in a range
    chosen from the name and shape, computed in float64 as low + (high - low) * u and rounded to
    float32. Weights get variance 1 / fan in (LeCun uniform): with Kaiming's 2 / fan in the
    residual sums of resnet18 grow its logits to ~100, where float32 cannot hold 1e-5 absolute.
    Returns None for `num_batches_tracked`, which stays 0."""
    if name.endswith("num_batches_tracked"):
        return None
    if name.endswith("running_mean") or name.endswith("bias"):
        low, high = -0.2, 0.2
    elif name.endswith("running_var") or (len(shape) == 1 and name.endswith("weight")):
        low, high = 0.5, 1.5
    else:
        fan_in = int(np.prod(shape[1:]))
        # sqrt(3 / fan in) for convolutions; 1 / sqrt(fan in) (PyTorch's default) for linear layers.
        bound = math.sqrt(3.0 / fan_in) if len(shape) == 4 else 1.0 / math.sqrt(fan_in)
        low, high = -bound, bound
    u = uniform_stream(fnv1a(name), int(np.prod(shape)))
    return torch.from_numpy((low + (high - low) * u).astype(np.float32)).reshape(shape)


def load_generated(module, rename=lambda name: name):
    """Fills `module` with `generated_tensor`, seeded by each entry's name after `rename`."""
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            value = generated_tensor(rename(name), list(tensor.shape))
            if value is not None:
                tensor.copy_(value)
    return module
