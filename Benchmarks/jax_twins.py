#!/usr/bin/env python3
"""JAX (jax.jit, CPU/XLA) twins of StrataBench's extra workloads, as ../shared/bench/peers/bench_jax.py
writes the peers' five: hand-written pure functions (no flax; optax is not in the peers' venv, so
Adam and AdamW are written out with PyTorch's formulas), the whole train step (forward, backward and
every optimizer update) in one jax.jit with the parameters and optimizer state donated, steps
dispatched asynchronously and blocked on at the end of every timed window.

- transformer_train: transformer_torch.py's GPT (token + learned position embeddings, 2 pre-norm
  blocks of causal self-attention through jax.nn.dot_product_attention(is_causal=True) and an exact
  GELU MLP 128-512-128, final LayerNorm, head to 65), 32 random sequences of 128 codes,
  cross-entropy over all positions, AdamW lr 1e-3 weight decay 0.01 (PyTorch's decoupled rule).
- bert_infer: BERT with all-MiniLM-L6-v2's configuration (6 post-norm layers, hidden 384, 12 heads,
  intermediate 1536, exact GELU, LayerNorm eps 1e-12, pooler weights included), random weights,
  32 x 128 random ids and an all-ones attention mask passed as arguments, mean pooling and L2
  normalization, one jitted function. The pooler's output is unused (as in Strata's and the
  PyTorch twin's mean pooling), so XLA drops its matmul as Strata never computes it.
- gru_train: gru_torch.py's CharGRU (embedding 65 -> 128, PyTorch's GRU cell with two biases under
  lax.scan over the precomputed input projections, linear 256 -> 65), Adam lr 1e-3.
- wide_deep_train: wide_deep_torch.py's Wide & Deep (wide ids summed from a width-1 table by
  jnp.take, the bag being 16 ids a row; one table per categorical column; MLP 64-32-1; one bias),
  BCE with logits, Adam for the deep part and the same dense FTRL-proximal for the wide table.

Prints JSON lines in the peers' schema (../shared/bench/peers/common.py, imported from there) with
`params`, to compare with the PyTorch twins' counts.

    ~/.cache/strata-peers/venv/bin/python Benchmarks/jax_twins.py --workloads transformer_train
"""
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers"))
import common  # noqa: E402  (first: it re-executes without the OPENBLAS_* variables)
import twin_workloads  # noqa: E402
from twin_workloads import (WORKLOADS, VOCAB, CONTEXT, D_MODEL, HEADS, LAYERS, BATCH, BERT_VOCAB, HIDDEN,  # noqa: E402
                            BERT_LAYERS, BERT_HEADS, INTERMEDIATE, POSITIONS, SEQ_LEN, GRU_HIDDEN, WIDE_BATCH,
                            WIDE_FIELD_SIZES, CATEGORY_COUNTS, NUMERIC_COUNT, ROWS)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

_key = [jax.random.PRNGKey(0)]


def key():
    _key[0], k = jax.random.split(_key[0])
    return k


def uniform(shape, bound):
    return jax.random.uniform(key(), shape, jnp.float32, -bound, bound)


def normal(shape, scale=1.0):
    return scale * jax.random.normal(key(), shape, jnp.float32)


def linear_init(fin, fout, bias=True):
    bound = 1.0 / math.sqrt(fin)
    p = {"w": uniform((fin, fout), bound)}
    if bias:
        p["b"] = uniform((fout,), bound)
    return p


def linear(p, x):
    y = x @ p["w"]
    return y + p["b"] if "b" in p else y


def norm_init(size):
    return {"g": jnp.ones((size,), jnp.float32), "b": jnp.zeros((size,), jnp.float32)}


def layer_norm(p, x, eps):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) * lax.rsqrt(var + eps) * p["g"] + p["b"]


def gelu(x):
    return jax.nn.gelu(x, approximate=False)


def cross_entropy(logits, labels):
    log_probs = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=1))


def count(tree):
    return int(sum(x.size for x in jax.tree.leaves(tree)))


# ---------------------------------------------------------------- optimizers (PyTorch's rules)
def adam_init(params):
    zeros = lambda: jax.tree.map(jnp.zeros_like, params)  # noqa: E731
    return {"m": zeros(), "v": zeros(), "t": jnp.zeros((), jnp.float32)}


def adam_update(params, grads, state, lr=1e-3, weight_decay=0.0, b1=0.9, b2=0.999, eps=1e-8):
    """torch.optim.Adam; with weight_decay, torch.optim.AdamW (p -= lr * wd * p before the step)."""
    t = state["t"] + 1
    m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, state["m"], grads)
    v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, state["v"], grads)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t

    def move(p, m, v):
        p = p * (1 - lr * weight_decay) if weight_decay else p
        return p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps)
    return jax.tree.map(move, params, m, v), {"m": m, "v": v, "t": t}


def ftrl_update(w, g, state, alpha=0.2, beta=0.01, l1=0.3, l2=0.1):
    """wide_deep_torch.py's FTRLProximal (Strata's rule), dense."""
    n, z = state
    new_n = n + g * g
    root_n = jnp.sqrt(new_n)
    z = z + g - (root_n - jnp.sqrt(n)) / alpha * w
    shrunk = jnp.sign(z) * jnp.maximum(jnp.abs(z) - l1, 0)
    return -shrunk / ((root_n + beta) / alpha + l2), (new_n, z)


# ---------------------------------------------------------------- running
def run_train(step_fn, state, inputs, batch, args, params_of=lambda state: state[0]):
    """Jits step_fn(state, *inputs(i)) -> (state, loss) with the state donated; inputs(i) is step i's data."""
    params = count(params_of(state))
    step = jax.jit(step_fn, donate_argnums=(0,))
    box = [state, None, 0]

    def one():
        box[0], box[1] = step(box[0], *inputs(box[2]))
        box[2] += 1

    first_losses = []
    for _ in range(5):  # correctness check, cheap: the loss on the first steps' data must fall
        one()
        first_losses.append(float(box[1]))
    result = common.measure(one, lambda: jax.block_until_ready(box[0]), batch, args.window, args.windows, args.warmup)
    result["params"] = params
    result["batch"] = batch
    result["first_losses"] = [round(x, 4) for x in first_losses]
    return result


def ints(shape, high, seed):
    return jax.random.randint(jax.random.PRNGKey(seed), shape, 0, high)


# ---------------------------------------------------------------- transformer_train


def gpt_init():
    block = lambda: {"ln_1": norm_init(D_MODEL), "c_attn": linear_init(D_MODEL, 3 * D_MODEL),  # noqa: E731
                     "c_proj": linear_init(D_MODEL, D_MODEL), "ln_2": norm_init(D_MODEL),
                     "c_fc": linear_init(D_MODEL, 4 * D_MODEL), "mlp_proj": linear_init(4 * D_MODEL, D_MODEL)}
    return {"wte": normal((VOCAB, D_MODEL), 0.02), "wpe": normal((CONTEXT, D_MODEL), 0.02),
            "h": [block() for _ in range(LAYERS)], "ln_f": norm_init(D_MODEL), "lm_head": linear_init(D_MODEL, VOCAB)}


def gpt_forward(p, codes):
    b, t = codes.shape
    x = jnp.take(p["wte"], codes, axis=0) + p["wpe"][:t]
    for block in p["h"]:
        q, k, v = jnp.split(linear(block["c_attn"], layer_norm(block["ln_1"], x, 1e-5)).reshape(b, t, 3 * HEADS, -1),
                            3, axis=2)
        attended = jax.nn.dot_product_attention(q, k, v, is_causal=True)  # [b, t, heads, head size]
        x = x + linear(block["c_proj"], attended.reshape(b, t, D_MODEL))
        x = x + linear(block["mlp_proj"], gelu(linear(block["c_fc"], layer_norm(block["ln_2"], x, 1e-5))))
    return linear(p["lm_head"], layer_norm(p["ln_f"], x, 1e-5))


def train_character_model(forward, params, length, args, **adam):
    """Trains `forward` (codes [BATCH, length] -> logits [BATCH, length, VOCAB]) with cross
    entropy over every position and Adam (`adam`: adam_update's settings), on one fixed batch."""
    inputs, targets = ints((BATCH, length), VOCAB, 1), ints((BATCH * length,), VOCAB, 2)

    def step(state, codes, labels):
        p, opt = state
        loss, grads = jax.value_and_grad(lambda p: cross_entropy(forward(p, codes).reshape(-1, VOCAB), labels))(p)
        return adam_update(p, grads, opt, **adam), loss

    return run_train(step, (params, adam_init(params)), lambda i: (inputs, targets), BATCH, args)


def w_transformer_train(args):
    return train_character_model(gpt_forward, gpt_init(), CONTEXT, args, lr=1e-3, weight_decay=0.01)


# ---------------------------------------------------------------- bert_infer


def bert_init():
    layer = lambda: {"query": linear_init(HIDDEN, HIDDEN), "key": linear_init(HIDDEN, HIDDEN),  # noqa: E731
                     "value": linear_init(HIDDEN, HIDDEN), "attention_output": linear_init(HIDDEN, HIDDEN),
                     "attention_norm": norm_init(HIDDEN), "intermediate": linear_init(HIDDEN, INTERMEDIATE),
                     "output": linear_init(INTERMEDIATE, HIDDEN), "output_norm": norm_init(HIDDEN)}
    return {"word": normal((BERT_VOCAB, HIDDEN), 0.02), "position": normal((POSITIONS, HIDDEN), 0.02),
            "token_type": normal((2, HIDDEN), 0.02), "embedding_norm": norm_init(HIDDEN),
            "layers": [layer() for _ in range(BERT_LAYERS)], "pooler": linear_init(HIDDEN, HIDDEN)}


def bert_sentence_embeddings(p, ids, mask):
    b, t = ids.shape
    x = jnp.take(p["word"], ids, axis=0) + p["position"][:t] + p["token_type"][0]
    x = layer_norm(p["embedding_norm"], x, 1e-12)
    keep = (mask != 0)[:, None, None, :]  # [b, 1 (heads), 1 (queries), t (keys)]
    heads = lambda layer, name: linear(layer[name], x).reshape(b, t, BERT_HEADS, -1)  # noqa: E731
    for layer in p["layers"]:
        attended = jax.nn.dot_product_attention(heads(layer, "query"), heads(layer, "key"), heads(layer, "value"),
                                                mask=keep)
        x = layer_norm(layer["attention_norm"], x + linear(layer["attention_output"], attended.reshape(b, t, HIDDEN)),
                       1e-12)
        x = layer_norm(layer["output_norm"], x + linear(layer["output"], gelu(linear(layer["intermediate"], x))), 1e-12)
    weights = mask[:, :, None].astype(x.dtype)
    means = (x * weights).sum(axis=1) / jnp.maximum(weights.sum(axis=1), 1e-9)
    return means / jnp.maximum(jnp.linalg.norm(means, axis=1, keepdims=True), 1e-12)


def w_bert_infer(args):
    params = bert_init()
    ids, mask = ints((BATCH, CONTEXT), BERT_VOCAB, 1), jnp.ones((BATCH, CONTEXT), jnp.int32)
    embed = jax.jit(bert_sentence_embeddings)
    box = [None]

    def one():
        box[0] = embed(params, ids, mask)

    result = common.measure(one, lambda: jax.block_until_ready(box[0]), BATCH, args.window, args.windows, args.warmup)
    result["params"] = count(params)
    result["batch"] = BATCH
    norms = jnp.linalg.norm(box[0], axis=1)
    result["embedding_norms"] = [round(float(jnp.min(norms)), 5), round(float(jnp.max(norms)), 5)]
    return result


# ---------------------------------------------------------------- gru_train


def gru_init():
    bound = 1.0 / math.sqrt(GRU_HIDDEN)
    return {"emb": normal((VOCAB, 128)), "w_ih": uniform((128, 3 * GRU_HIDDEN), bound),
            "w_hh": uniform((GRU_HIDDEN, 3 * GRU_HIDDEN), bound), "b_ih": uniform((3 * GRU_HIDDEN,), bound),
            "b_hh": uniform((3 * GRU_HIDDEN,), bound), "fc": linear_init(GRU_HIDDEN, VOCAB)}


def gru_forward(p, codes):
    x = jnp.take(p["emb"], codes, axis=0)                                   # [b, t, 128]
    projected = jnp.einsum("btd,dg->tbg", x, p["w_ih"]) + p["b_ih"]        # every step's input projection

    def cell(h, xt):
        hp = h @ p["w_hh"] + p["b_hh"]
        xr, xz, xn = jnp.split(xt, 3, axis=-1)
        hr, hz, hn = jnp.split(hp, 3, axis=-1)
        r, z = jax.nn.sigmoid(xr + hr), jax.nn.sigmoid(xz + hz)
        h = (1 - z) * jnp.tanh(xn + r * hn) + z * h
        return h, h

    _, hs = lax.scan(cell, jnp.zeros((codes.shape[0], GRU_HIDDEN), jnp.float32), projected)
    return linear(p["fc"], jnp.transpose(hs, (1, 0, 2)))                   # [b, t, 65]


def w_gru_train(args):
    result = train_character_model(gru_forward, gru_init(), SEQ_LEN, args)
    result["tokens_per_s"] = round(result["samples_per_s"] * SEQ_LEN, 1)
    return result


# ---------------------------------------------------------------- wide_deep_train


def embedding_size(count):
    """WideDeepConfiguration.embeddingSize(forCategoryCount:): min(16, round(1.6 n^0.56))."""
    return max(1, min(16, round(1.6 * count ** 0.56)))


def wide_deep_init():
    width = sum(embedding_size(c) for c in CATEGORY_COUNTS) + NUMERIC_COUNT
    return {"wide": jnp.zeros((sum(WIDE_FIELD_SIZES), 1), jnp.float32),
            "deep": {"embeddings": [normal((c, embedding_size(c))) for c in CATEGORY_COUNTS],
                     "l1": linear_init(width, 64), "l2": linear_init(64, 32), "l3": linear_init(32, 1, bias=False),
                     "bias": jnp.zeros((1,), jnp.float32)}}


def wide_deep_forward(p, wide, categorical, numeric):
    d = p["deep"]
    columns = [jnp.take(table, categorical[:, i], axis=0) for i, table in enumerate(d["embeddings"])]
    hidden = jax.nn.relu(linear(d["l1"], jnp.concatenate(columns + [numeric], axis=1)))
    deep = linear(d["l3"], jax.nn.relu(linear(d["l2"], hidden)))
    bag = jnp.take(p["wide"], wide, axis=0).sum(axis=1)                    # embedding bag (sum) of 16 ids a row
    return (d["bias"] + bag + deep).reshape(-1)


def bce_with_logits(logits, labels):
    return jnp.mean(jnp.maximum(logits, 0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits))))


def synthetic_batches():
    return [tuple(jnp.asarray(t) for t in batch) for batch in twin_workloads.synthetic_wide_deep_batches()]


def w_wide_deep_train(args):
    params = wide_deep_init()
    batches = synthetic_batches()
    state = (params, adam_init(params["deep"]), (jnp.zeros_like(params["wide"]), jnp.zeros_like(params["wide"])))

    def step(state, wide, categorical, numeric, labels):
        p, adam, ftrl = state
        loss, grads = jax.value_and_grad(lambda p: bce_with_logits(wide_deep_forward(p, wide, categorical, numeric),
                                                                   labels))(p)
        deep, adam = adam_update(p["deep"], grads["deep"], adam)
        wide_table, ftrl = ftrl_update(p["wide"], grads["wide"], ftrl)
        return ({"wide": wide_table, "deep": deep}, adam, ftrl), loss

    # The loss check's first 5 steps repeat batch 0, so that a falling loss means learning.
    result = run_train(step, state, lambda i: batches[0 if i < 5 else i % len(batches)], WIDE_BATCH, args)
    result["data"] = "synthetic ids, shapes of data/adult.csv"
    return result


def main():
    parser = common.base_args("Strata's extra workloads, JAX jit CPU")
    parser.set_defaults(workloads=",".join(WORKLOADS))
    args = parser.parse_args()
    import jaxlib
    table = {"transformer_train": w_transformer_train, "bert_infer": w_bert_infer, "gru_train": w_gru_train,
             "wide_deep_train": w_wide_deep_train}
    common.run_workloads("jax", "jax-jit", f"{jax.__version__}/jaxlib {jaxlib.__version__}", table, args,
                         {"devices": str(jax.devices())})


if __name__ == "__main__":
    main()
