// hop-bench: heap allocations of a real panel's thread per hop (γ in over ZeroMQ → forward → acknowledgements).
import ArgumentParser
import ChainRuntime
import CMallocCounter
import Foundation
import Wire
import ZeroMQ

/// Drives one in-process ``PanelNode`` (panel 1 of a 3-panel route) over real TCP-loopback ZeroMQ sockets: this
/// process plays the controller (control ROUTER), panel 0 (a DEALER sending γ into panel 1's data ROUTER) and
/// panel 2 (a ROUTER receiving panel 1's γ and acknowledging it). Every allocation made on the panel's thread
/// during a hop in steady state is counted by the malloc interposer (CMallocCounter, thread-tracked): receive,
/// decode, checksum, update, encode, send (in place), acknowledge, the successor's acknowledgement and the link
/// report (carried in the next γ), and the poll loop around them. libzmq's own I/O thread (which allocates the bodies of received messages) is a
/// different thread and is not counted; allocations libzmq makes on the panel's thread (zmq_send copying a frame
/// larger than 33 bytes into a malloc'd body, zmq_msg_init_data's reference count) are counted.
@main
struct HopBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hop-bench",
        abstract: "Heap allocations per hop of a real panel's thread over real ZeroMQ sockets (probe mode).")

    @Option(help: "Particles per γ (count).")
    var particles: Int = 4096
    @Option(help: "Hops counted after warm-up (count).")
    var hops: Int = 200
    @Option(help: "Hops run before counting starts (count).")
    var warmup: Int = 20
    @Option(help: "Fail (exit 1) if the counted hops allocate more than this many times per hop on average (count).")
    var maxAllocationsPerHop: Double?
    @Flag(help: "Print the call stack of every allocation counted in the first counted hop (stderr).")
    var trace = false

    func validate() throws {
        guard particles > 0, particles <= 1 << 20 else { throw ValidationError("--particles must be in 1...1048576") }
        guard hops > 0 else { throw ValidationError("--hops must be > 0") }
        guard warmup >= 1 else { throw ValidationError("--warmup must be >= 1 (the first hop connects and sizes buffers)") }
        if let m = maxAllocationsPerHop, m < 0 { throw ValidationError("--max-allocations-per-hop must be >= 0") }
    }

    func run() throws {
        let rig = try HopRig(particles: particles)
        var counted: UInt64 = 0
        var perHop: [UInt64] = []
        for step in 0..<(warmup + hops) {
            let before = dmimo_malloc_tracked_count()
            if trace && step == warmup { dmimo_malloc_trace_tracked(1) }
            try rig.hop(step: UInt32(step))
            if trace && step == warmup { dmimo_malloc_trace_tracked(0) }
            let used = dmimo_malloc_tracked_count() - before
            if step >= warmup { counted += used; perHop.append(used) }
        }
        rig.stop()
        let mean = Double(counted) / Double(hops)
        let sorted = perHop.sorted()
        print("hop-bench: N_p=\(particles) hops=\(hops) warmup=\(warmup)")
        print("panel 1's frames of the last hop, bytes: γ \(rig.frameBytes.gamma) (sent in place), acknowledgement "
              + "\(rig.frameBytes.ack) (libzmq allocates a body for frames over 33 bytes); link reports in γ: "
              + "\(rig.frameBytes.linkReport)")
        print(String(format: "panel thread allocations per hop: mean %.2f  min %llu  median %llu  max %llu  total %llu",
                     mean, sorted.first ?? 0, sorted[sorted.count / 2], sorted.last ?? 0, counted))
        if let limit = maxAllocationsPerHop, mean > limit {
            print(String(format: "hop-bench: FAIL: %.2f allocations per hop > %.2f", mean, limit))
            throw ExitCode(1)
        }
    }
}
