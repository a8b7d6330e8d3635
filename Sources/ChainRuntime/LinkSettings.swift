// LinkSettings: the liveness settings every chain link shares — ZMTP heartbeats, reconnect back-off, Hello heartbeats.
import ZeroMQ

/// Settings of the chain's ZeroMQ links (panel ↔ panel, controller ↔ panel), in one place.
public enum LinkSettings {
    /// ZMTP PING interval on every link, ms.
    public static let zmtpHeartbeatIntervalMs: Int32 = 200
    /// A link without traffic this long after a PING is closed, ms (3 intervals).
    public static let zmtpHeartbeatTimeoutMs: Int32 = 600
    /// How long the peer waits for our traffic before closing, ms.
    public static let zmtpHeartbeatTTLMs: Int32 = 600
    /// First reconnect delay and its ceiling after a lost connection, ms.
    public static let reconnectIntervalMs: Int32 = 100
    public static let reconnectMaxMs: Int32 = 2000
    /// A panel's heartbeat interval towards the controller (panel-node --heartbeat-ms default), ms; the controller
    /// counts a panel heard within three of them as alive.
    public static let panelHeartbeatIntervalMs = 200
}

extension ZMQSocket {
    /// ZMTP heartbeats with the chain's interval, timeout and TTL.
    func setChainHeartbeat() throws(ZMQError) {
        try setHeartbeat(intervalMs: LinkSettings.zmtpHeartbeatIntervalMs, timeoutMs: LinkSettings.zmtpHeartbeatTimeoutMs,
                         ttlMs: LinkSettings.zmtpHeartbeatTTLMs)
    }

    /// The chain's reconnect back-off.
    func setChainReconnect() throws(ZMQError) {
        try setReconnect(intervalMs: LinkSettings.reconnectIntervalMs, maxMs: LinkSettings.reconnectMaxMs)
    }
}
