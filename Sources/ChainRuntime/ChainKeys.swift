// ChainKeys: the chain's CURVE keys — a key directory per deployment, one key pair per node, and their use on sockets.
import Foundation
import ZeroMQ

/// Name of the controller's key pair.
public let controllerKeyName = "controller"
/// Name of the downlink node's key pair.
public let downlinkKeyName = "downlink"
/// Name of panel k's key pair.
public func panelKeyName(_ index: Int) -> String { "panel-\(index)" }

/// The CURVE keys of a chain, as a directory:
/// - `public.keys`: one line per node, `<name> <public key>` (Z85); the same file on every host;
/// - `<name>.key`: that node's key pair (`public <key>`, `secret <key>`), mode 0600, only on that node's host.
///
/// Every node admits exactly the public keys of `public.keys` (a peer holding no configured secret key cannot
/// complete a handshake), encrypts every link, and checks the server it connects to by that server's key.
public struct ChainKeyRing: Sendable {
    /// File of public keys inside the directory.
    public static let publicFileName = "public.keys"

    /// The key directory.
    public let directory: String
    /// Public key (Z85) of every node, by name.
    public let publicKeys: [String: String]

    /// Writes a fresh key directory for a chain of `panels` panels: `controller`, `downlink`, `panel-0…J−1`.
    /// - Parameter overwrite: replace existing key files (else an existing `public.keys` is an error).
    /// - Returns: the node names, in file order.
    @discardableResult
    public static func generate(directory: String, panels: Int, overwrite: Bool = false) throws(RuntimeError) -> [String] {
        guard zmqHasCurve() else { throw RuntimeError("this libzmq has no CURVE support (built without libsodium)") }
        guard panels >= 1 && panels <= 4096 else { throw RuntimeError("keys: panels must be in 1...4096, got \(panels)") }
        let fm = FileManager.default
        let publicPath = directory + "/" + publicFileName
        if fm.fileExists(atPath: publicPath) && !overwrite {
            throw RuntimeError("\(publicPath) exists: refusing to replace the keys of a deployment (use --force)")
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
        } catch { throw RuntimeError("cannot create key directory \(directory): \(error.localizedDescription)") }
        let names = [controllerKeyName, downlinkKeyName] + (0..<panels).map(panelKeyName)
        var publicText = "# dmimo-chain CURVE public keys: <node> <public key, Z85>. The same file on every host.\n"
        for name in names {
            let pair: CurveKeyPair
            do { pair = try CurveKeyPair.generate() } catch { throw RuntimeError("cannot generate a key pair: \(error)") }
            publicText += "\(name) \(pair.publicKey)\n"
            let secretText = "# dmimo-chain CURVE key pair of \(name): keep it secret, only on that node's host.\n"
                + "public \(pair.publicKey)\nsecret \(pair.secretKey)\n"
            try write(secretText, to: directory + "/\(name).key", mode: 0o600)
        }
        try write(publicText, to: publicPath, mode: 0o644)
        return names
    }

    /// Reads `public.keys` of a key directory.
    public init(directory: String) throws(RuntimeError) {
        self.directory = directory
        let path = directory + "/" + ChainKeyRing.publicFileName
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RuntimeError("cannot read \(path) (make the keys with `chain-controller keys --out \(directory)`)")
        }
        var keys: [String: String] = [:]
        for (number, fields) in ChainKeyRing.fieldLines(text) {
            guard fields.count == 2, curveKeyBytes(fields[1]) != nil else {
                throw RuntimeError("\(path):\(number): expected '<node> <public key of 40 Z85 characters>'")
            }
            guard keys[fields[0]] == nil else { throw RuntimeError("\(path):\(number): node \(fields[0]) listed twice") }
            keys[fields[0]] = fields[1]
        }
        guard !keys.isEmpty else { throw RuntimeError("\(path) lists no keys") }
        publicKeys = keys
    }

    /// The public key of node `name`.
    public func publicKey(of name: String) throws(RuntimeError) -> String {
        guard let key = publicKeys[name] else {
            throw RuntimeError("no public key for \(name) in \(directory)/\(ChainKeyRing.publicFileName)")
        }
        return key
    }

    /// The key pair of node `name` from `<name>.key`, checked against its secret and `public.keys`.
    public func keyPair(of name: String) throws(RuntimeError) -> CurveKeyPair {
        let path = directory + "/\(name).key"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RuntimeError("cannot read the key pair of \(name) at \(path)")
        }
        var fields: [String: String] = [:]
        for (_, parts) in ChainKeyRing.fieldLines(text) where parts.count == 2 { fields[parts[0]] = parts[1] }
        guard let secret = fields["secret"], curveKeyBytes(secret) != nil else {
            throw RuntimeError("\(path): no 'secret <40 Z85 characters>' line")
        }
        let derived: String
        do { derived = try CurveKeyPair.publicKey(forSecret: secret) } catch { throw RuntimeError("\(path): \(error)") }
        if let stated = fields["public"], stated != derived {
            throw RuntimeError("\(path): the public key does not belong to the secret key")
        }
        guard try publicKey(of: name) == derived else {
            throw RuntimeError("\(path) does not match the key of \(name) in \(ChainKeyRing.publicFileName) (keys from another deployment?)")
        }
        return CurveKeyPair(publicKey: derived, secretKey: secret)
    }

    /// The CURVE settings of node `name`.
    public func security(for name: String) throws(RuntimeError) -> NodeSecurity {
        NodeSecurity(name: name, own: try keyPair(of: name), ring: self)
    }

    /// The non-blank, non-comment lines of a key file as (1-based line number, whitespace-separated fields).
    private static func fieldLines(_ text: String) -> [(Int, [String])] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { return nil }
            return (index + 1, line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
        }
    }

    private static func write(_ text: String, to path: String, mode: Int) throws(RuntimeError) {
        let fm = FileManager.default
        try? fm.removeItem(atPath: path)
        guard fm.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw RuntimeError("cannot write \(path)")
        }
    }
}

/// One node's CURVE settings: its own key pair and the ring of admitted keys.
public struct NodeSecurity: Sendable {
    /// The node's name in the key ring (`controller`, `panel-3`, `downlink`).
    public let name: String
    let own: CurveKeyPair
    let ring: ChainKeyRing

    /// The key directory, to pass on to processes this node starts.
    public var directory: String { ring.directory }

    /// Starts the ZAP handler of `context` admitting every key of the ring. Call before binding servers.
    public func startAuthenticator(_ context: ZMQContext) throws(RuntimeError) -> CurveAuthenticator {
        do { return try CurveAuthenticator(context: context, allowedPublicKeys: Array(ring.publicKeys.values)) }
        catch { throw RuntimeError("\(name): cannot start the CURVE authenticator: \(error)") }
    }

    /// Makes a socket that binds a CURVE server holding this node's key.
    public func makeServer(_ socket: ZMQSocket) throws(ZMQError) {
        try socket.setZAPDomain("dmimo-chain")
        try socket.setCurveServer(secretKey: own.secretKey)
    }

    /// Makes a socket that connects to node `server` a CURVE client holding this node's key.
    public func makeClient(_ socket: ZMQSocket, server: String) throws(RuntimeError) {
        let serverKey = try ring.publicKey(of: server)
        do { try socket.setCurveClient(publicKey: own.publicKey, secretKey: own.secretKey, serverPublicKey: serverKey) }
        catch { throw RuntimeError("\(name): cannot set CURVE keys for the link to \(server): \(error)") }
    }
}
