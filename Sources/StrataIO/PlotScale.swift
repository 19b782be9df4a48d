/// How a plot axis spaces its values: evenly (`linear`) or by decades (`logarithmic`, for data
/// that spans orders of magnitude, such as throughput against batch size from 1 to 1024).
public enum PlotScale: Sendable {
    case linear
    /// Equal distances are equal ratios; only positive values can be drawn.
    case logarithmic
}
