#!/usr/bin/env python3
"""TensorBoard event-file interop fixtures for Tests/StrataIOTests/TensorBoardTests.swift.

Run with the `tensorboard` package (2.21.0 was used) installed:

    ~/.cache/strata-peers/venv/bin/pip install tensorboard
    ~/.cache/strata-peers/venv/bin/python Tools/make_tensorboard_fixture.py

It does two things:

1. Reads Tools/fixtures/events.out.tfevents.1700000000.strata, written by Strata's
   `TensorBoardWriter` with `fixtureScalars()` and a fixed clock (regenerate it with
   `STRATA_TENSORBOARD_FIXTURE_OUT=$PWD/Tools/fixtures/events.out.tfevents.1700000000.strata
   swift test --filter TensorBoard`), with TensorBoard's own
   `event_accumulator.EventAccumulator`, and asserts its file version, tags, steps, values and
   wall times. It also parses each record with `event_pb2.Event` and checks that re-serializing
   gives Strata's bytes exactly. The bytes are embedded as `strataWrittenEvents`; the Swift test
   checks Strata still writes exactly those bytes.
2. Writes `python_events()` with TensorBoard's `EventFileWriter` (the writer PyTorch's
   `SummaryWriter` wraps) and embeds the file as `pythonWrittenEvents`; the Swift test reads it
   with `TensorBoardEvents.read` and expects `expected_python_scalars()`.

The output is Tests/StrataIOTests/TensorBoardFixture.swift.
"""
import struct
import tempfile
from pathlib import Path

import tensorboard
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

ROOT = Path(__file__).resolve().parent.parent
STRATA_FILE = ROOT / "Tools/fixtures/events.out.tfevents.1700000000.strata"
OUTPUT = ROOT / "Tests/StrataIOTests/TensorBoardFixture.swift"

# Keep in sync with `fixtureScalars()` and `fixtureWallTime` in TensorBoardTests.swift.
STRATA_WALL_TIME = 1700000000.5
STRATA_SCALARS = [
    ("loss/train", 2.5, 0),
    ("loss/train", 1.25, 1),
    ("loss/validation", 1.5, 1),
    ("accuracy", 0.875, 10),
    ("loss/train", -0.5, 2**40),
]


def float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def python_events():
    """(wall_time, step, [(tag, simple_value)]) plus one tensor-valued entry Strata must skip."""
    def scalar_event(wall_time, step, values):
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in values])
        return event_pb2.Event(wall_time=wall_time, step=step, summary=summary)

    events = [
        scalar_event(1600000001.0, 0, [("train/loss", 0.75)]),
        scalar_event(1600000002.0, 7, [("train/loss", 0.1), ("train/accuracy", 0.5)]),
        scalar_event(1600000003.5, 300000, [("val/loss", -2.0)]),
    ]
    # A new-style scalar (a rank-0 tensor, no simple_value): not a simple scalar, Strata skips it.
    tensor = tensor_pb2.TensorProto(dtype=1, float_val=[9.0])
    events.append(event_pb2.Event(wall_time=1600000004.0, step=8,
                                  summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="tensor", tensor=tensor)])))
    events.append(scalar_event(1600000005.0, 9, [("train/loss", 0.0)]))
    return events


def expected_python_scalars():
    result = []
    for event in python_events():
        for value in event.summary.value:
            if value.HasField("simple_value"):
                result.append((value.tag, event.step, float32(value.simple_value), event.wall_time))
    return result


def read_records(data):
    """Record payloads; CRCs are checked by TensorBoard's reader in `verify_strata_file`."""
    records, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack_from("<Q", data, offset)
        records.append(data[offset + 12:offset + 12 + length])
        offset += 16 + length
    return records


def verify_strata_file(path):
    accumulator = EventAccumulator(str(path), size_guidance={"scalars": 0})
    accumulator.Reload()
    assert accumulator.file_version == 2.0, accumulator.file_version
    expected_tags = sorted({tag for tag, _, _ in STRATA_SCALARS})
    assert sorted(accumulator.Tags()["scalars"]) == expected_tags, accumulator.Tags()
    for tag in expected_tags:
        got = [(e.step, e.value, e.wall_time) for e in accumulator.Scalars(tag)]
        want = [(step, float32(value), STRATA_WALL_TIME) for t, value, step in STRATA_SCALARS if t == tag]
        assert got == want, (tag, got, want)
    records = read_records(path.read_bytes())
    assert len(records) == 1 + len(STRATA_SCALARS), len(records)
    for record in records:
        event = event_pb2.Event.FromString(record)
        assert event.SerializeToString() == record, event
    first = event_pb2.Event.FromString(records[0])
    assert first.file_version == "brain.Event:2" and first.wall_time == STRATA_WALL_TIME, first


def swift_bytes(name, data, comment):
    rows = [", ".join(f"0x{b:02x}" for b in data[i:i + 16]) for i in range(0, len(data), 16)]
    body = ",\n".join("    " + row for row in rows)
    return f"/// {comment}\nlet {name}: [UInt8] = [\n{body}\n]\n"


def swift_scalars(name, scalars):
    rows = "\n".join(f'    (tag: "{tag}", step: {step}, value: {value!r}, wallTime: {wall_time!r}),'
                     for tag, step, value, wall_time in scalars)
    return (f"/// The simple scalars of `pythonWrittenEvents` in file order (values rounded to float32).\n"
            f"let {name}: [(tag: String, step: Int, value: Float, wallTime: Double)] = [\n{rows}\n]\n")


def main():
    with tempfile.TemporaryDirectory() as directory:
        writer = EventFileWriter(directory, filename_suffix=".python")
        for event in python_events():
            writer.add_event(event)
        writer.close()
        (path,) = Path(directory).iterdir()
        python_bytes = path.read_bytes()

    parts = [
        f"// Generated by Tools/make_tensorboard_fixture.py (tensorboard {tensorboard.__version__}); do not edit.\n",
        swift_bytes("pythonWrittenEvents", python_bytes,
                    "`python_events()` written by TensorBoard's `EventFileWriter`."),
        swift_scalars("pythonWrittenScalars", expected_python_scalars()),
    ]
    if STRATA_FILE.exists():
        verify_strata_file(STRATA_FILE)
        parts.append(swift_bytes("strataWrittenEvents", STRATA_FILE.read_bytes(),
                                 "`fixtureScalars()` written by Strata, read and checked by TensorBoard's `EventAccumulator`."))
        print(f"verified {STRATA_FILE.relative_to(ROOT)} with EventAccumulator")
    else:
        print(f"warning: {STRATA_FILE} is missing; run the Swift test with STRATA_TENSORBOARD_FIXTURE_OUT first")
        parts.append("/// Placeholder until Strata has written the fixture.\nlet strataWrittenEvents: [UInt8] = []\n")
    OUTPUT.write_text("\n".join(parts))
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
