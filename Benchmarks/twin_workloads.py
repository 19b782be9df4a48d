"""What the TensorFlow and JAX twins (tf_twins.py, jax_twins.py) share: the sizes of Strata's
four extra workloads (Benchmarks/StrataBench) and the synthetic Wide & Deep rows, so both twins
build the same models from the same data."""
import numpy as np

WORKLOADS = ["transformer_train", "bert_infer", "gru_train", "wide_deep_train"]

# transformer_train: StrataNN's GPT layout.
VOCAB, CONTEXT, D_MODEL, HEADS, LAYERS, BATCH = 65, 128, 128, 4, 2, 32
# bert_infer: all-MiniLM-L6-v2's configuration.
BERT_VOCAB, HIDDEN, BERT_LAYERS, BERT_HEADS, INTERMEDIATE, POSITIONS = 30522, 384, 6, 12, 1536, 512
# gru_train: lstm_train's character model with a GRU (VOCAB and BATCH as above).
SEQ_LEN, GRU_HIDDEN = 64, 256
# wide_deep_train: Examples/WideDeep's sizes (StrataBench's syntheticAdultShapes).
WIDE_BATCH = 256
WIDE_FIELD_SIZES = [10, 18, 9, 16, 8, 7, 4, 43, 11, 7, 3, 3, 7, 206, 1000, 1000]
CATEGORY_COUNTS = [10, 18, 9, 16, 8, 7, 4, 43]
NUMERIC_COUNT, ROWS = 5, 34189


def synthetic_wide_deep_batches():
    """Uniform ids in each field's range (wide ids offset into one shared space), N(0, 1) numbers
    and fair-coin labels, shuffled once and cut into full batches of WIDE_BATCH rows: a list of
    (wide, categorical, numeric, labels) numpy tuples."""
    rng = np.random.default_rng(0)

    def ids(sizes, offsets):
        values = np.minimum((rng.random((ROWS, len(sizes))) * sizes).astype(np.int64), np.array(sizes) - 1)
        return (values + np.array(offsets)).astype(np.int32)
    wide = ids(WIDE_FIELD_SIZES, [sum(WIDE_FIELD_SIZES[:i]) for i in range(len(WIDE_FIELD_SIZES))])
    categorical = ids(CATEGORY_COUNTS, [0] * len(CATEGORY_COUNTS))
    numeric = rng.standard_normal((ROWS, NUMERIC_COUNT)).astype(np.float32)
    labels = (rng.random(ROWS) >= 0.5).astype(np.float32)
    order = rng.permutation(ROWS)
    return [tuple(t[order[s:s + WIDE_BATCH]] for t in (wide, categorical, numeric, labels))
            for s in range(0, ROWS - WIDE_BATCH + 1, WIDE_BATCH)]
