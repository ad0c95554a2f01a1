import Foundation

/// Results of `count` jobs filled in from several threads: workers take job indices in
/// turn and store each job's result at its index, so the results come out in job order
/// whatever the order the jobs finished in.
public final class ResultBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]
    private var done = 0
    private var handedOut = 0

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The index of the next job no worker has taken, or nil when all are taken.
    public func nextJob() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard handedOut < slots.count else { return nil }
        handedOut += 1
        return handedOut - 1
    }

    /// Stores one job's result and returns how many are done.
    public func store(_ result: Result<Value, Error>, at index: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = result
        done += 1
        return done
    }

    /// Every job's value in job order, once all are stored.
    /// - Throws: the error of the first job, in job order, that failed.
    public func values() throws -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return try slots.enumerated().map { index, slot in
            guard let slot else { preconditionFailure("job \(index) of \(slots.count) was never run") }
            return try slot.get()
        }
    }

    /// `body` applied to each of `items` on every core, in `items`' order.
    /// - Throws: the error of the first item, in order, whose `body` threw (every item is run).
    public static func map<Item: Sendable>(_ items: [Item], _ body: @Sendable (Item) throws -> Value) throws -> [Value] {
        let box = ResultBox(count: items.count)
        let workers = max(1, min(items.count, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = box.nextJob() { _ = box.store(Result { try body(items[i]) }, at: i) }
        }
        return try box.values()
    }
}
