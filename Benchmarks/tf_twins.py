#!/usr/bin/env python3
"""TensorFlow twins of StrataBench's extra workloads, written as ../shared/bench/peers/bench_tf.py
writes the peers' five: Keras 3 layers on the TensorFlow backend, a custom train step (GradientTape
and the optimizers' apply_gradients) in one tf.function(jit_compile=False), i.e. TensorFlow's
graph executor without XLA (--xla 1 turns XLA on, as bench_tf.py's flag does). Keras's Adam is
given epsilon 1e-8, PyTorch's; LayerNorm epsilons are PyTorch's and BERT's, not Keras's 1e-3.

- transformer_train: transformer_torch.py's GPT with keras.layers.MultiHeadAttention
  (use_causal_mask=True; its separate query, key and value projections have as many weights as
  the fused c_attn), learned positions, exact GELU, keras.optimizers.AdamW(1e-3, weight decay
  0.01), whose decay is PyTorch's decoupled p -= lr * wd * p.
- bert_infer: all-MiniLM-L6-v2's configuration (6 post-norm layers of MultiHeadAttention with the
  all-ones attention mask and an exact GELU feed-forward, hidden 384, 12 heads, intermediate 1536,
  LayerNorm eps 1e-12; the pooler is built, so the weights count matches, but unused as in Strata),
  random weights, 32 x 128 random ids, mean pooling and L2 normalization in one tf.function.
- gru_train: bench_tf.py's char LSTM with keras.layers.GRU(256) in its place (reset_after=True, the
  default: PyTorch's cell with two biases), Adam lr 1e-3.
- wide_deep_train: wide_deep_torch.py's Wide & Deep (a width-1 wide table gathered and summed over
  each row's 16 ids, one Embedding per categorical column, MLP 64-32-1, one bias), BCE with logits,
  Adam for the deep part and keras.optimizers.Ftrl for the wide table with the parameters that make
  Keras's rule Strata's (alpha 0.2, beta 0.01, l1 0.3, l2 0.1: Keras adds 2 * l2, and starts its
  accumulator at 0 here, as Strata does).

Prints JSON lines in the peers' schema (../shared/bench/peers/common.py, imported from there) with
`params`, to compare with the PyTorch twins' counts, and the first losses on repeated data.

    ~/.cache/strata-peers/venv/bin/python Benchmarks/tf_twins.py --workloads gru_train
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers"))
import common  # noqa: E402  (first: it re-executes without the OPENBLAS_* variables)
import twin_workloads  # noqa: E402
from twin_workloads import (WORKLOADS, VOCAB, CONTEXT, D_MODEL, HEADS, LAYERS, BATCH, BERT_VOCAB, HIDDEN,  # noqa: E402
                            BERT_LAYERS, BERT_HEADS, INTERMEDIATE, POSITIONS, SEQ_LEN, GRU_HIDDEN, WIDE_BATCH,
                            WIDE_FIELD_SIZES, CATEGORY_COUNTS, NUMERIC_COUNT, ROWS)

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402



def gelu(x):
    return keras.activations.gelu(x, approximate=False)


def count(variables):
    return int(sum(int(tf.size(v)) for v in variables))


def adam():
    return keras.optimizers.Adam(1e-3, epsilon=1e-8)


def ints(shape, high, seed):
    return tf.random.stateless_uniform(shape, seed=(seed, 0), minval=0, maxval=high, dtype=tf.int32)


def run_train(model, loss_of, apply, batches, batch, args):
    """One tf.function: loss_of(model, *data) under a GradientTape, then apply(grads); batches(i) is step i's data."""
    @tf.function(jit_compile=bool(args.xla))
    def step(*data):
        with tf.GradientTape() as tape:
            loss = loss_of(model, *data)
        apply(tape.gradient(loss, model.trainable_variables))
        return loss

    box = [None, 0]

    def one():
        box[0] = step(*batches(box[1]))
        box[1] += 1

    first_losses = []
    for _ in range(5):  # correctness check, cheap: the loss on the first steps' data must fall
        one()
        first_losses.append(round(float(box[0]), 4))
    result = common.measure(one, lambda: box[0].numpy(), batch, args.window, args.windows, args.warmup)
    result.update(params=count(model.trainable_variables), batch=batch, first_losses=first_losses)
    return result


def apply_all(optimizer, model):
    return lambda grads: optimizer.apply_gradients(zip(grads, model.trainable_variables))


# ---------------------------------------------------------------- transformer_train


class Block(keras.layers.Layer):
    def __init__(self, size, heads, inner, epsilon, causal):
        super().__init__()
        self.causal = causal
        self.attention = L.MultiHeadAttention(heads, size // heads)
        self.norm1, self.norm2 = L.LayerNormalization(epsilon=epsilon), L.LayerNormalization(epsilon=epsilon)
        self.fc, self.proj = L.Dense(inner), L.Dense(size)

    def call(self, x, keep=None):
        if self.causal:  # GPT: pre-norm
            h = self.norm1(x)
            x = x + self.attention(h, h, use_causal_mask=True)
            return x + self.proj(gelu(self.fc(self.norm2(x))))
        x = self.norm1(x + self.attention(x, x, attention_mask=keep))  # BERT: post-norm
        return self.norm2(x + self.proj(gelu(self.fc(x))))


class GPT(keras.Model):
    def __init__(self):
        super().__init__()
        self.wte = L.Embedding(VOCAB, D_MODEL)
        self.wpe = self.add_weight(shape=(CONTEXT, D_MODEL), initializer=keras.initializers.RandomNormal(0, 0.02))
        self.blocks = [Block(D_MODEL, HEADS, 4 * D_MODEL, 1e-5, causal=True) for _ in range(LAYERS)]
        self.ln_f = L.LayerNormalization(epsilon=1e-5)
        self.lm_head = L.Dense(VOCAB)

    def call(self, codes):
        x = self.wte(codes) + self.wpe[:codes.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def w_transformer_train(args):
    keras.utils.set_random_seed(0)
    model = GPT()
    inputs, targets = ints((BATCH, CONTEXT), VOCAB, 1), ints((BATCH * CONTEXT,), VOCAB, 2)
    model(inputs)
    optimizer = keras.optimizers.AdamW(1e-3, weight_decay=0.01, epsilon=1e-8)
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def loss_of(model, codes, labels):
        return cross_entropy(labels, tf.reshape(model(codes, training=True), (-1, VOCAB)))

    return run_train(model, loss_of, apply_all(optimizer, model), lambda i: (inputs, targets), BATCH, args)


# ---------------------------------------------------------------- bert_infer


class Bert(keras.Model):
    def __init__(self):
        super().__init__()
        normal = keras.initializers.RandomNormal(0, 0.02)
        self.word = self.add_weight(shape=(BERT_VOCAB, HIDDEN), initializer=normal)
        self.position = self.add_weight(shape=(POSITIONS, HIDDEN), initializer=normal)
        self.token_type = self.add_weight(shape=(2, HIDDEN), initializer=normal)
        self.embedding_norm = L.LayerNormalization(epsilon=1e-12)
        self.encoder = [Block(HIDDEN, BERT_HEADS, INTERMEDIATE, 1e-12, causal=False) for _ in range(BERT_LAYERS)]
        self.pooler = L.Dense(HIDDEN, activation="tanh")
        self.pooler.build((None, HIDDEN))

    def call(self, ids, mask):
        length = ids.shape[1]
        x = self.embedding_norm(tf.gather(self.word, ids) + self.position[:length] + self.token_type[0])
        keep = tf.cast(mask, tf.bool)[:, None, :]  # [batch, 1 (queries), keys]
        for layer in self.encoder:
            x = layer(x, keep=keep)
        weights = tf.cast(mask, x.dtype)[:, :, None]
        means = tf.reduce_sum(x * weights, axis=1) / tf.maximum(tf.reduce_sum(weights, axis=1), 1e-9)
        return means / tf.maximum(tf.norm(means, axis=1, keepdims=True), 1e-12)


def w_bert_infer(args):
    keras.utils.set_random_seed(0)
    model = Bert()
    ids, mask = ints((BATCH, CONTEXT), BERT_VOCAB, 1), tf.ones((BATCH, CONTEXT), tf.int32)
    embed = tf.function(lambda ids, mask: model(ids, mask, training=False), jit_compile=bool(args.xla))
    box = [None]

    def one():
        box[0] = embed(ids, mask)

    result = common.measure(one, lambda: box[0].numpy(), BATCH, args.window, args.windows, args.warmup)
    norms = tf.norm(box[0], axis=1)
    result.update(params=count(model.trainable_variables), batch=BATCH,
                  embedding_norms=[round(float(tf.reduce_min(norms)), 5), round(float(tf.reduce_max(norms)), 5)])
    return result


# ---------------------------------------------------------------- gru_train


def w_gru_train(args):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((SEQ_LEN,), dtype="int32"), L.Embedding(VOCAB, 128),
                              L.GRU(256, return_sequences=True), L.Dense(VOCAB)])
    inputs, targets = ints((BATCH, SEQ_LEN), VOCAB, 1), ints((BATCH, SEQ_LEN), VOCAB, 2)
    optimizer = adam()
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def loss_of(model, codes, labels):
        return cross_entropy(labels, model(codes, training=True))

    result = run_train(model, loss_of, apply_all(optimizer, model), lambda i: (inputs, targets), BATCH, args)
    result["tokens_per_s"] = round(result["samples_per_s"] * SEQ_LEN, 1)
    return result


# ---------------------------------------------------------------- wide_deep_train


def embedding_size(count):
    """WideDeepConfiguration.embeddingSize(forCategoryCount:): min(16, round(1.6 n^0.56))."""
    return max(1, min(16, round(1.6 * count ** 0.56)))


class WideDeep(keras.Model):
    def __init__(self):
        super().__init__()
        self.wide = self.add_weight(shape=(sum(WIDE_FIELD_SIZES), 1), initializer="zeros")
        self.embeddings = [L.Embedding(c, embedding_size(c)) for c in CATEGORY_COUNTS]
        self.deep = keras.Sequential([L.Dense(64, activation="relu"), L.Dense(32, activation="relu"),
                                      L.Dense(1, use_bias=False)])
        self.bias = self.add_weight(shape=(1,), initializer="zeros")

    def call(self, wide, categorical, numeric):
        columns = [embedding(categorical[:, i]) for i, embedding in enumerate(self.embeddings)]
        deep = self.deep(tf.concat(columns + [numeric], axis=1))
        bag = tf.reduce_sum(tf.gather(self.wide, wide), axis=1)  # embedding bag (sum) of 16 ids a row
        return tf.reshape(self.bias + bag + deep, (-1,))


def synthetic_batches():
    return [tuple(tf.constant(t) for t in batch) for batch in twin_workloads.synthetic_wide_deep_batches()]


def w_wide_deep_train(args):
    keras.utils.set_random_seed(0)
    model = WideDeep()
    batches = synthetic_batches()
    model(*batches[0][:3])
    deep_adam = adam()
    ftrl = keras.optimizers.Ftrl(0.2, learning_rate_power=-0.5, initial_accumulator_value=0.0,
                                 l1_regularization_strength=0.3, l2_regularization_strength=0.05, beta=0.01)
    binary_cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    wide_index = [i for i, v in enumerate(model.trainable_variables) if v is model.wide]

    def loss_of(model, wide, categorical, numeric, labels):
        return binary_cross_entropy(labels, model(wide, categorical, numeric, training=True))

    def apply(grads):
        pairs = list(zip(grads, model.trainable_variables))
        ftrl.apply_gradients([pairs[i] for i in wide_index])
        deep_adam.apply_gradients([p for i, p in enumerate(pairs) if i not in wide_index])

    # The loss check's first 5 steps repeat batch 0, so that a falling loss means learning.
    result = run_train(model, loss_of, apply, lambda i: batches[0 if i < 5 else i % len(batches)], WIDE_BATCH, args)
    result["data"] = "synthetic ids, shapes of data/adult.csv"
    return result


def main():
    parser = common.base_args("Strata's extra workloads, TensorFlow CPU")
    parser.set_defaults(workloads=",".join(WORKLOADS))
    parser.add_argument("--xla", type=int, default=0, help="tf.function(jit_compile=True)")
    args = parser.parse_args()
    table = {"transformer_train": w_transformer_train, "bert_infer": w_bert_infer, "gru_train": w_gru_train,
             "wide_deep_train": w_wide_deep_train}
    common.run_workloads("tensorflow", "tf-function-xla" if args.xla else "tf-function", tf.__version__, table, args,
                         {"keras": keras.__version__,
                          "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads()})


if __name__ == "__main__":
    main()
