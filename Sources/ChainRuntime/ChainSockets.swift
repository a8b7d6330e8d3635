// ChainSockets: the one place that makes every ZeroMQ socket of the chain, by role, with its options and CURVE keys.
import Wire
import ZeroMQ

/// What a socket of the chain is for. Each role fixes the socket type, options (heartbeats, reconnect back-off,
/// high-water marks, routing id, message-size limit) and which side of CURVE it is.
public enum ChainSocketRole: Sendable, Equatable, CustomStringConvertible {
    /// A panel's data ROUTER, bound: γ in, acknowledgements and Pongs back.
    case panelData
    /// Panel `from`'s DEALER to its successor `to` (γ out, acknowledgements in).
    case panelToSuccessor(from: Int, to: Int)
    /// Panel `panel`'s control DEALER to the controller (Hello, heartbeats, results).
    case panelControl(panel: Int)
    /// The controller's control ROUTER, bound: every panel's control DEALER connects to it.
    case controllerControl
    /// The controller's live-fault ROUTER, bound (`chain-controller fault`; plain text, a local admin link).
    case controllerAdmin
    /// The controller's data DEALER into panel `panel` (the first hop of a step, Pings).
    case controllerToPanel(panel: Int)
    /// The controller's DEALER to the downlink node.
    case downlinkLink
    /// The downlink node's ROUTER, bound.
    case downlinkServer
    /// A reachability pinger (`chain-controller check`) to panel `target` (``downlinkSender``: the downlink node).
    case pinger(id: String, target: Int)
    /// The DEALER of `chain-controller fault` to a controller's admin endpoint (plain text).
    case faultClient
    /// A ROUTER bound and released at once, to test whether an endpoint can be bound.
    case bindCheck

    /// The role as a log and error message names it.
    public var description: String {
        switch self {
        case .panelData: "panel data"
        case .panelToSuccessor(let from, let to): "panel \(from) → panel \(to)"
        case .panelControl(let panel): "panel \(panel) control"
        case .controllerControl: "controller control"
        case .controllerAdmin: "controller live-fault"
        case .controllerToPanel(let panel): "controller → panel \(panel)"
        case .downlinkLink: "controller → downlink"
        case .downlinkServer: "downlink node"
        case .pinger(_, let target): target == Int(downlinkSender) ? "check → downlink" : "check → panel \(target)"
        case .faultClient: "fault command"
        case .bindCheck: "bind check"
        }
    }

    /// The name of the CURVE server a client of this role connects to (nil: not a CURVE client).
    var curveServer: String? {
        switch self {
        case .panelToSuccessor(_, let to): panelKeyName(to)
        case .panelControl: controllerKeyName
        case .controllerToPanel(let k): panelKeyName(k)
        case .downlinkLink: downlinkKeyName
        case .pinger(_, let target): target == Int(downlinkSender) ? downlinkKeyName : panelKeyName(target)
        default: nil
        }
    }

    /// Whether a socket of this role binds a CURVE server.
    var isCurveServer: Bool {
        switch self {
        case .panelData, .controllerControl, .downlinkServer: true
        default: false
        }
    }
}

/// Makes the chain's sockets in one ZeroMQ context, with one node's CURVE keys (nil: plain-text links).
/// γ messages a panel's data socket queues in and a panel's successor socket queues out: two steps of the most
/// islands a distributed run takes (64 each, filter.islands) and a few resends. A send that would exceed it is not
/// queued (the hop's deadline resends it: at 16, B = 16 lost ~250 ms a step that way).
let gammaQueueMessages = 2 * 64 + 16

public struct ChainSockets {
    public let context: ZMQContext
    public let security: NodeSecurity?

    public init(context: ZMQContext, security: NodeSecurity?) {
        self.context = context
        self.security = security
    }

    /// A socket of `role` with all its options set (not yet bound or connected).
    public func make(_ role: ChainSocketRole) throws(RuntimeError) -> ZMQSocket {
        let socket: ZMQSocket
        do {
            switch role {
            case .panelData:
                socket = try ZMQSocket(context, .router)
                try socket.setRouterMandatory(true)
                // a predecessor that reconnects (after a stop or a cut link) reclaims its routing id
                try socket.setRouterHandover(true)
                // room for two steps of the most islands (2 · 64) and their resends: a full queue drops a γ
                try socket.setReceiveHighWaterMark(Int32(gammaQueueMessages))
                try socket.setMaxMessageSize(Int64(maxMessageBytes))
                try socket.setChainHeartbeat()
            case .panelToSuccessor(let from, _):
                socket = try ZMQSocket(context, .dealer)
                try socket.setRoutingID("panel-\(from)")
                try socket.setSendHighWaterMark(Int32(gammaQueueMessages))
                try socket.setChainReconnect()
                try socket.setChainHeartbeat()
            case .panelControl(let panel):
                socket = try ZMQSocket(context, .dealer)
                try socket.setRoutingID("panel-\(panel)")
                try socket.setChainReconnect()
                try socket.setChainHeartbeat()
                try socket.setMaxMessageSize(Int64(maxMessageBytes))
            case .controllerControl:
                socket = try ZMQSocket(context, .router)
                try socket.setRouterMandatory(true)
                try socket.setRouterHandover(true)
                try socket.setMaxMessageSize(Int64(maxMessageBytes))
                try socket.setChainHeartbeat()
                try socket.setSendHighWaterMark(100_000)
                try socket.setReceiveHighWaterMark(100_000)
            case .controllerAdmin, .bindCheck:
                socket = try ZMQSocket(context, .router)
            case .controllerToPanel:
                socket = try ZMQSocket(context, .dealer)
                try socket.setRoutingID("controller")
                try socket.setChainReconnect()
                try socket.setChainHeartbeat()
            case .downlinkLink:
                socket = try ZMQSocket(context, .dealer)
                try socket.setRoutingID("controller")
            case .downlinkServer:
                socket = try ZMQSocket(context, .router)
                try socket.setMaxMessageSize(Int64(maxMessageBytes))
            case .pinger(let id, _):
                socket = try ZMQSocket(context, .dealer)
                try socket.setRoutingID(id)
                try socket.setMaxMessageSize(1 << 20)
            case .faultClient:
                socket = try ZMQSocket(context, .dealer)
            }
            if role.isCurveServer { try security?.makeServer(socket) }
        } catch {
            throw RuntimeError("cannot create the \(role) socket: \(error)")
        }
        if let security, let server = role.curveServer {
            do { try security.makeClient(socket, server: server) } catch {
                socket.close()
                throw error
            }
        }
        return socket
    }
}
