#!/usr/bin/env bash
# Regenerates Sources/StrataONNX/Generated/onnx.pb.swift from the onnx.proto shipped in the onnx
# wheel. Run once by hand; the output is committed so builds never run the protobuf plugin.
#
# Generated with: onnx 1.22.0 (pip install onnx==1.22.0), protoc 3.21.12 (Debian's
# protobuf-compiler), protoc-gen-swift 1.39.0 (apple/swift-protobuf at tag 1.39.0,
# `swift build -c release --product protoc-gen-swift`).
#
# Usage: Tools/generate_onnx_swift.sh PYTHON PROTOC_GEN_SWIFT
#   PYTHON            a python with onnx==1.22.0 installed
#   PROTOC_GEN_SWIFT  the built plugin (.build/release/protoc-gen-swift of swift-protobuf 1.39.0)
set -euo pipefail
python=${1:?python with onnx installed}
plugin=${2:?path to protoc-gen-swift}
here=$(cd "$(dirname "$0")/.." && pwd)
onnx_dir=$("$python" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
version=$("$python" -c 'import onnx; print(onnx.__version__)')
[ "$version" = "1.22.0" ] || echo "warning: onnx $version, the committed file came from 1.22.0" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$onnx_dir/onnx.proto" "$work/onnx.proto"
protoc --plugin=protoc-gen-swift="$plugin" --swift_out="$work" --swift_opt=Visibility=Public \
    --proto_path="$work" "$work/onnx.proto"
cp "$work/onnx.pb.swift" "$here/Sources/StrataONNX/Generated/onnx.pb.swift"
echo "wrote Sources/StrataONNX/Generated/onnx.pb.swift from onnx $version"
