import Foundation

/// A bounded first-in first-out queue between one producer thread and one consumer.
///
/// The producer blocks while `capacity` items wait; the consumer blocks while none do. `cancel`
/// (when the consumer stops early) wakes the producer and makes its next `put` return false.
final class PrefetchBuffer<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []  // at most `capacity`, so removeFirst stays cheap
    private var finished = false
    private var cancelled = false
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "PrefetchBuffer: capacity must be positive, got \(capacity)")
        self.capacity = capacity
    }

    /// Waits for room, then appends `item`; false when the consumer cancelled instead.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Marks that no more items will come.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the next item; nil once the producer finished and the queue is empty.
    func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if items.isEmpty { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Stops the producer at its next `put`.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
