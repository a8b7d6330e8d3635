// FaultCommandClient: `chain-controller fault` — send one live fault to a running controller and wait for its answer.
import Wire
import ZeroMQ

/// Sends a fault to the controller listening at `endpoint`; returns its one-line answer.
public func sendLiveFault(endpoint: String, action: ControlAction, panel: Int, durationMs: Int, delayUs: Int,
                          timeoutMs: Int = 3000) throws(RuntimeError) -> String {
    do {
        let context = try ZMQContext()
        let socket = try ChainSockets(context: context, security: nil).make(.faultClient)
        try socket.connect(endpoint)
        let envelope = Envelope(header: Header(runID: 0, sender: controllerSender),
                                body: .control(Control(action: action, panel: Int32(panel), durationMs: UInt32(durationMs),
                                                       delayUs: UInt32(delayUs))))
        try socket.send(WireCodec.encode(envelope), dontWait: false)
        try socket.setReceiveTimeout(milliseconds: Int32(timeoutMs))
        guard let answer = try socket.receive() else {
            throw RuntimeError("no answer from the controller at \(endpoint) within \(timeoutMs) ms (is a run going on?)")
        }
        guard let reply = try? WireCodec.decode(answer.bytes), case .ping(let p) = reply.body else {
            throw RuntimeError("unreadable answer from \(endpoint)")
        }
        let text = String(decoding: p.payload, as: UTF8.self)
        if p.sentNs == 0 { throw RuntimeError(text) }
        return text
    } catch let error as RuntimeError {
        throw error
    } catch {
        throw RuntimeError("controller at \(endpoint): \(error)")
    }
}
