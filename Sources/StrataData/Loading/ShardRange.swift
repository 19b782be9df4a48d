/// Rank `rank`'s contiguous share of `count` items split over `size` ranks, for data-parallel
/// training: the ranks' ranges in rank order cover `0..<count` once, their sizes differ by at
/// most one, and the first `count % size` ranks take the larger size (7 over 2 ranks: 0..<4 and
/// 4..<7).
public func shardRange(count: Int, rank: Int, size: Int) -> Range<Int> {
    precondition(size >= 1 && (0..<size).contains(rank), "shardRange: rank \(rank) outside a world of \(size)")
    precondition(count >= 0, "shardRange: count must be >= 0, got \(count)")
    let (base, extra) = count.quotientAndRemainder(dividingBy: size)
    let start = rank * base + Swift.min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
