import Foundation
import Hummingbird
@testable import StrataServe
import Testing

/// `/v2/openapi.yaml` documents exactly the routes the server has.
@Suite struct OpenAPIDocumentTests {
    /// "GET /v2/models/{name}" for each path and method in the document.
    static func documentedRoutes() -> Set<String> {
        var routes: Set<String> = []
        var path: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n") {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("components:") {
                path = nil
            } else if let path, let method = ["get", "post", "put", "delete"].first(where: { line == "    \($0):" }) {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
        let routes = InferenceRoutes(repository: ModelRepository(entries: []), batchers: [:], configuration: ServerConfiguration(),
                                     metrics: ServeMetrics(), logger: .init(label: "test"), isReady: { true })
        let router = Router()
        routes.add(to: router)
        // Hummingbird writes a parameter as ":name", OpenAPI as "{name}".
        let served = Set(router.routes.map { route in
            "\(route.method) " + route.path.description.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        })
        #expect(served.count == 11)
        #expect(served == Self.documentedRoutes())
    }
}
