/// The OpenAPI 3 description of the server's API, served at `/v2/openapi.yaml`. The schemas are
/// those of the Open Inference Protocol's REST specification (kserve/open-inference-protocol,
/// `specification/protocol/inference_rest.md`); `OpenAPIDocumentTests` checks that every route
/// the server has is documented and every documented path answers as documented.
public enum OpenAPIDocument {
    public static let yaml = """
openapi: 3.0.3
info:
  title: Strata inference server (Open Inference Protocol, KServe v2)
  version: \(InferenceRoutes.serverVersion)
paths:
  /v2/health/live:
    get:
      operationId: serverLive
      responses:
        '200': {description: The server is live.}
  /v2/health/ready:
    get:
      operationId: serverReady
      responses:
        '200': {description: The server is ready for inference.}
        '503': {description: The server is shutting down.}
  /v2:
    get:
      operationId: serverMetadata
      responses:
        '200':
          description: Server metadata.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ServerMetadata'}
  /v2/models/{name}:
    parameters: [{$ref: '#/components/parameters/name'}]
    get:
      operationId: modelMetadata
      responses:
        '200': {$ref: '#/components/responses/ModelMetadata'}
        '404': {$ref: '#/components/responses/Error'}
  /v2/models/{name}/versions/{version}:
    parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
    get:
      operationId: modelVersionMetadata
      responses:
        '200': {$ref: '#/components/responses/ModelMetadata'}
        '404': {$ref: '#/components/responses/Error'}
  /v2/models/{name}/ready:
    parameters: [{$ref: '#/components/parameters/name'}]
    get:
      operationId: modelReady
      responses:
        '200': {description: The model is ready.}
        '404': {$ref: '#/components/responses/Error'}
        '503': {description: The server is shutting down.}
  /v2/models/{name}/versions/{version}/ready:
    parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
    get:
      operationId: modelVersionReady
      responses:
        '200': {description: The model version is ready.}
        '404': {$ref: '#/components/responses/Error'}
        '503': {description: The server is shutting down.}
  /v2/models/{name}/infer:
    parameters: [{$ref: '#/components/parameters/name'}]
    post:
      operationId: modelInfer
      requestBody: {$ref: '#/components/requestBodies/Inference'}
      responses:
\(inferenceResponses)
  /v2/models/{name}/versions/{version}/infer:
    parameters: [{$ref: '#/components/parameters/name'}, {$ref: '#/components/parameters/version'}]
    post:
      operationId: modelVersionInfer
      requestBody: {$ref: '#/components/requestBodies/Inference'}
      responses:
\(inferenceResponses)
  /v2/openapi.yaml:
    get:
      operationId: openAPIDocument
      responses:
        '200':
          description: This document.
          content:
            application/yaml:
              schema: {description: 'This YAML text, which a client may read as text or parse.'}
  /metrics:
    get:
      operationId: metrics
      responses:
        '200':
          description: Prometheus text exposition of the server's metrics.
          content:
            text/plain:
              schema: {type: string}
components:
  parameters:
    name:
      name: name
      in: path
      required: true
      schema: {type: string}
    version:
      name: version
      in: path
      required: true
      schema: {type: string}
  requestBodies:
    Inference:
      required: true
      content:
        application/json:
          schema: {$ref: '#/components/schemas/InferenceRequest'}
        application/octet-stream:
          schema: {type: string, format: binary}
  responses:
    Error:
      description: The error, in one line.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
    ModelMetadata:
      description: Model metadata.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/ModelMetadata'}
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error: {type: string}
    ServerMetadata:
      type: object
      required: [name, version, extensions]
      properties:
        name: {type: string}
        version: {type: string}
        extensions: {type: array, items: {type: string}}
    TensorMetadata:
      type: object
      required: [name, datatype, shape]
      properties:
        name: {type: string}
        datatype: {$ref: '#/components/schemas/Datatype'}
        shape: {type: array, items: {type: integer}}
    ModelMetadata:
      type: object
      required: [name, platform, inputs, outputs]
      properties:
        name: {type: string}
        versions: {type: array, items: {type: string}}
        platform: {type: string}
        inputs: {type: array, items: {$ref: '#/components/schemas/TensorMetadata'}}
        outputs: {type: array, items: {$ref: '#/components/schemas/TensorMetadata'}}
    Datatype:
      type: string
      enum: [BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES]
    Parameters:
      type: object
      additionalProperties: true
    RequestInput:
      type: object
      required: [name, shape, datatype]
      properties:
        name: {type: string}
        shape: {type: array, items: {type: integer, minimum: 0}}
        datatype: {$ref: '#/components/schemas/Datatype'}
        parameters: {$ref: '#/components/schemas/Parameters'}
        data: {type: array}
    RequestOutput:
      type: object
      required: [name]
      properties:
        name: {type: string}
        parameters: {$ref: '#/components/schemas/Parameters'}
    InferenceRequest:
      type: object
      required: [inputs]
      properties:
        id: {type: string}
        parameters: {$ref: '#/components/schemas/Parameters'}
        inputs: {type: array, items: {$ref: '#/components/schemas/RequestInput'}}
        outputs: {type: array, items: {$ref: '#/components/schemas/RequestOutput'}}
    ResponseOutput:
      type: object
      required: [name, shape, datatype]
      properties:
        name: {type: string}
        shape: {type: array, items: {type: integer}}
        datatype: {$ref: '#/components/schemas/Datatype'}
        parameters: {$ref: '#/components/schemas/Parameters'}
        data: {type: array}
    InferenceResponse:
      type: object
      required: [model_name, outputs]
      properties:
        model_name: {type: string}
        model_version: {type: string}
        id: {type: string}
        parameters: {$ref: '#/components/schemas/Parameters'}
        outputs: {type: array, items: {$ref: '#/components/schemas/ResponseOutput'}}

"""

    /// The answers of both infer paths.
    private static let inferenceResponses = """
        '200':
          description: The outputs; with binary outputs, the JSON is followed by their bytes (Inference-Header-Content-Length gives the JSON's length).
          content:
            application/json:
              schema: {$ref: '#/components/schemas/InferenceResponse'}
            application/octet-stream:
              schema: {type: string, format: binary}
        '400': {$ref: '#/components/responses/Error'}
        '404': {$ref: '#/components/responses/Error'}
        '413': {$ref: '#/components/responses/Error'}
        '503':
          description: The model's queue is full, the request waited past its timeout, or the server is shutting down; Retry-After says when to retry.
          headers:
            Retry-After: {schema: {type: integer}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Error'}
"""
}
