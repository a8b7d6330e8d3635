// WireArena: reusable C memory for protobuf-c pack and unpack — a bump allocator that stops allocating once sized.
import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// C memory for encoding and decoding messages, reused from one message to the next: a bump allocator over one
/// block, also handed to protobuf-c's unpack as its `ProtobufCAllocator`. What does not fit goes to `malloc` and
/// makes the block grow at the next ``reset()``, so after the first messages of a given size no call allocates.
/// Not thread-safe: one arena per thread (a panel's socket thread owns one).
public final class WireArena {
    private var block: UnsafeMutableRawPointer
    private var capacity: Int
    private var used = 0
    /// Allocations that did not fit in the block, freed at the next reset.
    private var overflow: [UnsafeMutableRawPointer] = []
    private var overflowBytes = 0
    /// protobuf-c's view of this arena (its `free` does nothing: memory is released by ``reset()``).
    let allocator: UnsafeMutablePointer<ProtobufCAllocator>

    /// - Parameter capacity: initial block size, bytes (grows as needed).
    public init(capacity: Int = 64 << 10) {
        self.capacity = max(capacity, 1024)
        block = malloc(self.capacity)!
        allocator = .allocate(capacity: 1)
        allocator.initialize(to: ProtobufCAllocator(alloc: wireArenaAlloc, free: wireArenaFree, allocator_data: nil))
        allocator.pointee.allocator_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        for p in overflow { free(p) }
        free(block)
        allocator.deallocate()
    }

    /// `bytes` of memory aligned to 16, valid until the next ``reset()``.
    public func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = (max(bytes, 1) + 15) & ~15
        if used + size <= capacity {
            defer { used += size }
            return block + used
        }
        let p = malloc(size)!
        overflow.append(p)
        overflowBytes += size
        return p
    }

    /// Releases everything allocated since the last reset; grows the block if it overflowed.
    public func reset() {
        if overflowBytes > 0 {
            for p in overflow { free(p) }
            overflow.removeAll(keepingCapacity: true)
            let needed = used + overflowBytes
            free(block)
            capacity = max(capacity * 2, needed + needed / 2)
            block = malloc(capacity)!
            overflowBytes = 0
        }
        used = 0
    }

    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(bytes: max(1, count) * MemoryLayout<T>.stride).bindMemory(to: T.self, capacity: max(1, count))
    }

    func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        if values.isEmpty { return nil }
        let p = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: values.count) }
        return p
    }

    /// A C array of `values.count` pointers, element i made by `make(values[i])` (no Swift array in between).
    func pointers<T, U>(_ values: [T], _ make: (T) -> UnsafeMutablePointer<U>) -> UnsafeMutablePointer<UnsafeMutablePointer<U>?>? {
        if values.isEmpty { return nil }
        let p = allocate(UnsafeMutablePointer<U>?.self, count: values.count)
        for (i, v) in values.enumerated() { (p + i).initialize(to: make(v)) }
        return p
    }

    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(s.utf8)  // control messages only (Hello, Configure): not the data path
        let p = allocate(CChar.self, count: utf8.count + 1)
        for (i, b) in utf8.enumerated() { p[i] = CChar(bitPattern: b) }
        p[utf8.count] = 0
        return p
    }

    func message<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let p = allocate(T.self, count: 1)
        p.initialize(to: value)
        return p
    }
}

/// protobuf-c's allocation callback for a ``WireArena`` (called on the decoding thread; nonisolated by design).
private func wireArenaAlloc(_ data: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
    guard let data else { return nil }
    return Unmanaged<WireArena>.fromOpaque(data).takeUnretainedValue().allocate(bytes: size)
}

/// protobuf-c's free callback for a ``WireArena``: nothing (the arena's ``WireArena/reset()`` releases all).
private func wireArenaFree(_ data: UnsafeMutableRawPointer?, _ pointer: UnsafeMutableRawPointer?) {}
