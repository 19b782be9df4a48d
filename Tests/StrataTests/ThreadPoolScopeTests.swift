import Foundation
import Strata
import Synchronization
import Testing

// `withoutThreadPool` keeps a thread's parallel loops on that thread, so a data loader's prefetch
// thread never holds the pool while the training step wants it.

@Suite("Thread pool: loops confined to the calling thread")
struct ThreadPoolScopeTests {
    /// The distinct threads that ran the chunks of one large `parallelChunks` loop.
    static func threadsRunning() -> Int {
        let threads = Mutex<Set<UInt>>([])
        parallelChunks(of: 1 << 20, minimumChunk: 1) { _ in
            let id = UInt(bitPattern: Int(bitPattern: pthread_self()))
            threads.withLock { _ = $0.insert(id) }
        }
        return threads.withLock { $0.count }
    }

    @Test("inside withoutThreadPool every chunk runs on the caller, nested scopes included")
    func confined() {
        withoutThreadPool {
            #expect(Self.threadsRunning() == 1)
            withoutThreadPool { #expect(Self.threadsRunning() == 1) }
            #expect(Self.threadsRunning() == 1, "leaving the inner scope must not end the outer one")
        }
    }

    @Test("the scope ends with its closure: the pool splits loops again afterwards")
    func scopeEnds() {
        withoutThreadPool { _ = Self.threadsRunning() }
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else { return }
        // Other tests may hold the pool (some run hundreds of loops back to back); then a loop
        // runs on its caller. Try for up to five seconds.
        let deadline = ContinuousClock.now + .seconds(5)
        var split = false
        while !split && ContinuousClock.now < deadline { split = Self.threadsRunning() > 1 }
        #expect(split, "after the scope, some loop must run on more than one thread")
    }
}
