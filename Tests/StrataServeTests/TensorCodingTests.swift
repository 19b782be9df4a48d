@testable import StrataServe
import Testing

/// The JSON and binary tensor codings of the Open Inference Protocol, without a server.
@Suite struct TensorCodingTests {
    @Test func nestedJSONDataIsReadInRowMajorOrder() throws {
        let body = #"{"inputs": [{"name": "a", "datatype": "INT32", "shape": [2, 2], "data": [[1, 2], [3, 4]]}, {"name": "b", "datatype": "BOOL", "shape": [2], "data": [true, false]}]}"#
        let request = try InferenceRequest(body: Array(body.utf8), jsonLength: nil)
        #expect(request.inputs.map(\.data) == [.numbers([1, 2, 3, 4]), .numbers([1, 0])])
        #expect(request.outputs == nil && !request.binaryOutputs)
        // 1 is a number, not a BOOL; 1.5 is not an INT32.
        for bad in [#"{"inputs": [{"name": "b", "datatype": "BOOL", "shape": [1], "data": [1]}]}"#,
                    #"{"inputs": [{"name": "a", "datatype": "INT32", "shape": [1], "data": [1.5]}]}"#] {
            #expect(throws: InferenceError.self) { try InferenceRequest(body: Array(bad.utf8), jsonLength: nil) }
        }
    }

    @Test func binaryBytesAndNumbersRoundTrip() throws {
        let strings = TensorData.strings(["", "red", "naïve"])
        let encoded = BinaryTensorCoding.encode(strings, datatype: .bytes)
        // Each element: a 4-byte little-endian length, then its UTF-8 bytes (0 + 4 + 3 + 4 + 6).
        #expect(encoded.count == 21)
        #expect(try BinaryTensorCoding.decode(encoded[...], datatype: .bytes, count: 3, name: "s") == strings)
        #expect(throws: InferenceError.self) { try BinaryTensorCoding.decode(encoded.dropLast(), datatype: .bytes, count: 3, name: "s") }
        for datatype in [TensorDatatype.fp32, .fp64, .int8, .uint16, .int64] {
            let numbers = TensorData.numbers([0, 1, 2, 100])
            let bytes = BinaryTensorCoding.encode(numbers, datatype: datatype)
            #expect(bytes.count == 4 * datatype.elementSize!)
            #expect(try BinaryTensorCoding.decode(bytes[...], datatype: datatype, count: 4, name: "n") == numbers)
        }
    }

    @Test func responsesWriteFP32InShortestFormAndBinaryAfterTheJSON() {
        let response = InferenceResponse(modelName: "m", modelVersion: "1", id: "a\"b", outputs: [
            NamedTensor(name: "p", datatype: .fp32, shape: [2], data: .numbers([Double(Float(0.1)), 2])),
            NamedTensor(name: "c", datatype: .bytes, shape: [1], data: .strings(["x"])),
        ])
        let json = response.encoded(binary: [])
        #expect(json.jsonLength == nil)
        #expect(String(decoding: json.body, as: UTF8.self) == #"{"model_name":"m","model_version":"1","id":"a\"b","outputs":[{"name":"p","datatype":"FP32","shape":[2],"data":[0.1,2]},{"name":"c","datatype":"BYTES","shape":[1],"data":["x"]}]}"#)
        let binary = response.encoded(binary: ["c"])
        // "x" as BYTES: length 1 (4 bytes) and the byte itself, after the JSON.
        #expect(binary.jsonLength == binary.body.count - 5)
        #expect(Array(binary.body.suffix(5)) == [1, 0, 0, 0, UInt8(ascii: "x")])
    }
}
