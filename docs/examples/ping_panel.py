#!/usr/bin/env python3
"""ping_panel.py: ping a running panel-node over its data socket and print its Pong (docs/WIRE.md, "Ping and Pong").

What it does is what `chain-controller check` does to reach a panel: a ZeroMQ DEALER connects to the panel's data
endpoint (the panel's ROUTER, `panel-node run --bind ...`), sends one protobuf Envelope of type PING with a Ping
body (sequence number, send time, payload), and waits for the Envelope of type PONG the panel sends back to the
same DEALER. The Pong echoes `seq` and `sent_ns` and adds the panel's own receive and send stamps (`node_recv_ns`,
`node_send_ns`, its monotonic clock), from which the example prints the panel clock's offset to this machine's
monotonic clock and its bound (half the round trip without the panel's turnaround); its header carries the panel's protocol version, its index
(`sender`) and its current run id (0 before a controller configured it); its payload is the text
"dmimo-chain <software version> panel <index> run-id <run id>".

The Pong carries no process id. With --hello-bind the example also plays the controller's control endpoint for a
panel that was started without a controller (`panel-node run --controller <that endpoint> ...`): it binds a ROUTER
there and waits for the panel's Hello, which does carry the pid, host, software version and data endpoint. The
panel repeats Hello with every heartbeat until it is configured, so it may arrive at any time; nothing is sent
back to the panel (it stays unconfigured and keeps running).

The Python protobuf module is generated at run time by `protoc --python_out` from the repository's
proto/dmimo.proto into a temporary directory (nothing is written into the repository).

Exit status: 0 when every Ping got a valid Pong (and the Hello arrived, with --hello-bind); 1 when no answer came
within the time-out; 2 for bad options or a missing protoc / .proto / key file; 3 when a reply came that is not the
expected Pong (other protocol version, wrong sequence number, another panel index than --index).
"""
import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO = os.path.normpath(os.path.join(HERE, "..", "..", "proto", "dmimo.proto"))
PROTOCOL_VERSION = 2
CONTROLLER_SENDER = -1

EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, EXIT_BAD_REPLY = 0, 1, 2, 3


def fail(status, text):
    print(f"ping_panel: {text}", file=sys.stderr)
    sys.exit(status)


def clock_exchange(sent_ns, node_recv_ns, node_send_ns, received_ns):
    """The offset (node clock - ours) and its bound from one stamped Ping/Pong, in µs; {} when not stamped."""
    if node_recv_ns == 0:
        return {}
    offset_ns = ((node_recv_ns - sent_ns) + (node_send_ns - received_ns)) / 2
    round_trip_ns = max(0, (received_ns - sent_ns) - (node_send_ns - node_recv_ns))
    return {"clock_offset_us": round(offset_ns / 1000, 1), "clock_bound_us": round(round_trip_ns / 2000, 1)}


def load_protobuf_module(proto_path, protoc, out_dir):
    """Runs protoc on proto_path into out_dir and imports the generated dmimo_pb2."""
    if not os.path.isfile(proto_path):
        fail(EXIT_USAGE, f"no such .proto file: {proto_path}")
    protoc_path = shutil.which(protoc)
    if protoc_path is None:
        fail(EXIT_USAGE, f"protoc not found ('{protoc}'); install protobuf-compiler (scripts/setup.sh does)")
    proto_dir, proto_file = os.path.split(os.path.abspath(proto_path))
    result = subprocess.run([protoc_path, f"-I{proto_dir}", f"--python_out={out_dir}", proto_file],
                            capture_output=True, text=True)
    if result.returncode != 0:
        fail(EXIT_USAGE, f"protoc failed on {proto_path}: {result.stderr.strip()}")
    sys.path.insert(0, out_dir)
    module_name = os.path.splitext(proto_file)[0] + "_pb2"
    return importlib.import_module(module_name)


def read_key_file(path):
    """The fields of a dmimo key file: lines '<name> <value>', '#' comments."""
    fields = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                if len(parts) == 2:
                    fields[parts[0]] = parts[1]
    except OSError as e:
        fail(EXIT_USAGE, f"cannot read {path}: {e.strerror}")
    return fields


def curve_keys(keys_dir, own_name, server_name):
    """(own public, own secret, server public) as Z85 bytes from a `chain-controller keys` directory."""
    own = read_key_file(os.path.join(keys_dir, f"{own_name}.key"))
    public = read_key_file(os.path.join(keys_dir, "public.keys"))
    if "public" not in own or "secret" not in own:
        fail(EXIT_USAGE, f"{keys_dir}/{own_name}.key has no 'public' and 'secret' lines")
    if server_name not in public:
        fail(EXIT_USAGE, f"{keys_dir}/public.keys lists no key for {server_name}")
    for key in (own["public"], own["secret"], public[server_name]):
        if len(key) != 40:
            fail(EXIT_USAGE, f"a key in {keys_dir} is not 40 Z85 characters")
    return own["public"].encode(), own["secret"].encode(), public[server_name].encode()


def software_of(payload):
    """The software version in a Pong payload: bare ("0.1.0") or "dmimo-chain <version> ..."."""
    words = payload.split()
    if len(words) >= 2 and words[0] == "dmimo-chain":
        return words[1]
    return payload


def parse_args():
    parser = argparse.ArgumentParser(
        prog="ping_panel.py",
        description="Ping a running panel-node on its data endpoint (as `chain-controller check` does) and print "
                    "the decoded Pong: protocol version, panel index, run id, sequence number, echoed send time, "
                    "software version, round trip. Optionally also receive the panel's Hello (pid, host, ...).",
        epilog="Example: panel-node run --index 0 --controller tcp://127.0.0.1:47100 --bind tcp://127.0.0.1:47101 & "
               "scripts/python docs/examples/ping_panel.py tcp://127.0.0.1:47101 --index 0 "
               "--hello-bind tcp://127.0.0.1:47100")
    parser.add_argument("endpoint", help="the panel's data endpoint, tcp://HOST:PORT (what panel-node --bind bound, "
                                         "or its --advertise endpoint)")
    parser.add_argument("--index", type=int, default=None,
                        help="expected panel index k (0-based): a Pong from another index is an error (exit 3). "
                             "Needed with --keys-dir (it selects the server key panel-<k>).")
    parser.add_argument("--count", type=int, default=1, help="number of Pings, one at a time (default 1)")
    parser.add_argument("--interval-ms", type=float, default=100.0,
                        help="pause between Pings, in milliseconds (default 100)")
    parser.add_argument("--timeout-ms", type=float, default=2000.0,
                        help="longest wait for each Pong, and for the Hello with --hello-bind, in milliseconds "
                             "(default 2000)")
    parser.add_argument("--hello-bind", metavar="ENDPOINT", default=None,
                        help="also bind a ROUTER at ENDPOINT (the --controller endpoint the panel was started with; "
                             "no controller may hold it) and wait for the panel's Hello")
    parser.add_argument("--routing-id", default=None,
                        help="routing id of the DEALER, 1-255 bytes (default ping-<pid>); never 'controller' or "
                             "'panel-<k>', which would take over a chain link (the panel's ROUTER hands a known id "
                             "over to the newest connection)")
    parser.add_argument("--keys-dir", metavar="DIR", default=None,
                        help="CURVE on: key directory made by `chain-controller keys`; the DEALER uses the key pair "
                             "DIR/<--key-name>.key and checks the panel against panel-<index> of DIR/public.keys. "
                             "Default: CURVE off (plain text), for a panel started without --keys-dir.")
    parser.add_argument("--key-name", default="controller",
                        help="whose key pair to use with --keys-dir (default controller; any node of public.keys is "
                             "admitted by the panel)")
    parser.add_argument("--proto", default=DEFAULT_PROTO,
                        help="the .proto to generate the Python module from (default: the repository's "
                             "proto/dmimo.proto)")
    parser.add_argument("--protoc", default="protoc", help="protoc executable (default: protoc from PATH)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (pongs, hello) instead of text lines")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.timeout_ms <= 0 or args.interval_ms < 0:
        parser.error("--timeout-ms must be > 0 and --interval-ms >= 0")
    if not re.fullmatch(r"tcp://(\[[0-9A-Fa-f:.]+\]|[^:/\[\]*]+):[0-9]{1,5}", args.endpoint):
        parser.error(f"endpoint must be tcp://HOST:PORT, got '{args.endpoint}'")
    if args.keys_dir is not None and args.index is None:
        parser.error("--keys-dir needs --index (the panel's key is panel-<index>)")
    if args.routing_id is None:
        args.routing_id = f"ping-{os.getpid()}"
    if args.routing_id == "controller" or re.fullmatch(r"panel-[0-9]+", args.routing_id) or \
            not 1 <= len(args.routing_id.encode()) <= 255 or args.routing_id.startswith("\0"):
        parser.error(f"--routing-id '{args.routing_id}' is reserved for chain nodes or not 1-255 bytes")
    return args


def wait_for_hello(pb, router, deadline_ns):
    """The first Hello on `router` before the deadline (heartbeats and other messages are skipped), or None."""
    while True:
        left_ms = (deadline_ns - time.monotonic_ns()) / 1e6
        if left_ms <= 0 or not router.poll(max(1, int(left_ms))):
            return None
        frames = router.recv_multipart()
        if len(frames) != 2:
            continue
        envelope = pb.Envelope()
        try:
            envelope.ParseFromString(frames[1])
        except Exception:
            continue
        if envelope.type == pb.HELLO and envelope.WhichOneof("body") == "hello":
            return frames[0], envelope


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="dmimo-pb2-") as generated:
        pb = load_protobuf_module(args.proto, args.protoc, generated)
        context = zmq.Context()
        try:
            return run(args, pb, context)
        finally:
            context.destroy(linger=0)


def run(args, pb, context):
    security = None
    if args.keys_dir is not None:
        if not zmq.has("curve"):
            fail(EXIT_USAGE, "this libzmq has no CURVE support")
        security = curve_keys(args.keys_dir, args.key_name, f"panel-{args.index}")

    router = None
    if args.hello_bind is not None:
        router = context.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        if security is not None:
            # the panel's control DEALER is a CURVE client of the controller key: we serve with that key pair
            if args.key_name != "controller":
                fail(EXIT_USAGE, "--hello-bind with --keys-dir needs the controller key pair (--key-name controller)")
            router.curve_server = True
            router.curve_secretkey = security[1]
        try:
            router.bind(args.hello_bind)
        except zmq.ZMQError as e:
            fail(EXIT_USAGE, f"cannot bind {args.hello_bind}: {e} (is a controller running there?)")

    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.ROUTING_ID, args.routing_id.encode())
    dealer.setsockopt(zmq.MAXMSGSIZE, 1 << 20)
    if security is not None:
        dealer.curve_publickey, dealer.curve_secretkey, dealer.curve_serverkey = security
    dealer.connect(args.endpoint)

    hello_deadline = time.monotonic_ns() + int(args.timeout_ms * 1e6)
    pongs = []
    for i in range(args.count):
        if i > 0 and args.interval_ms > 0:
            time.sleep(args.interval_ms / 1000)
        seq = i + 1
        ping = pb.Envelope(type=pb.PING, protocol_version=PROTOCOL_VERSION, sender=CONTROLLER_SENDER)
        # run_id, run, step, attempt stay 0: a panel answers a Ping whatever run it is in
        sent_ns = time.monotonic_ns()
        ping.ping.sent_ns = sent_ns
        ping.ping.seq = seq
        ping.ping.payload = b"ping_panel.py"
        dealer.send(ping.SerializeToString())
        deadline_ns = sent_ns + int(args.timeout_ms * 1e6)
        reply = None
        while reply is None:
            left_ms = (deadline_ns - time.monotonic_ns()) / 1e6
            if left_ms <= 0 or not dealer.poll(max(1, int(left_ms))):
                curve_hint = " or CURVE keys that do not match" if security else \
                    " or a panel that runs CURVE (then pass --keys-dir)"
                fail(EXIT_TIMEOUT, f"no Pong from {args.endpoint} within {args.timeout_ms:g} ms for Ping {seq} "
                                   f"(no panel-node listening there, a link that drops packets{curve_hint})")
            frames = dealer.recv_multipart()
            received_ns = time.monotonic_ns()
            envelope = pb.Envelope()
            try:
                envelope.ParseFromString(frames[-1])
            except Exception as e:
                fail(EXIT_BAD_REPLY, f"undecodable reply from {args.endpoint}: {e}")
            if envelope.protocol_version != PROTOCOL_VERSION:
                fail(EXIT_BAD_REPLY, f"{args.endpoint} speaks protocol version {envelope.protocol_version}, "
                                     f"this example {PROTOCOL_VERSION}")
            if envelope.type != pb.PONG or envelope.WhichOneof("body") != "ping":
                fail(EXIT_BAD_REPLY, f"{args.endpoint} sent a {pb.MessageType.Name(envelope.type)} message "
                                     f"instead of a Pong")
            if envelope.ping.seq < seq:
                continue  # a late Pong of an earlier Ping that timed out: not possible here, but harmless
            if envelope.ping.seq != seq or envelope.ping.sent_ns != sent_ns:
                fail(EXIT_BAD_REPLY, f"Pong for sequence {envelope.ping.seq} (sent_ns {envelope.ping.sent_ns}), "
                                     f"expected {seq} ({sent_ns})")
            reply = envelope
        if args.index is not None and reply.sender != args.index:
            fail(EXIT_BAD_REPLY, f"{args.endpoint} answered as panel {reply.sender}, expected panel {args.index}")
        payload = reply.ping.payload.decode("utf-8", errors="replace")
        pongs.append({
            "type": pb.MessageType.Name(reply.type),
            "protocol_version": reply.protocol_version,
            "sender": reply.sender,
            "run_id": reply.run_id,
            "seq": reply.ping.seq,
            "sent_ns": reply.ping.sent_ns,
            "payload": payload,
            "software": software_of(payload),
            "round_trip_us": round((received_ns - sent_ns) / 1000, 1),
            # the panel's own stamps make each Ping a clock exchange (docs/WIRE.md, "Clocks across hosts"):
            # its clock - this machine's monotonic clock, within +- half the round trip without its turnaround
            "node_recv_ns": reply.ping.node_recv_ns,
            "node_send_ns": reply.ping.node_send_ns,
            **clock_exchange(sent_ns, reply.ping.node_recv_ns, reply.ping.node_send_ns, received_ns),
        })

    hello = None
    if router is not None:
        got = wait_for_hello(pb, router, max(hello_deadline, time.monotonic_ns() + int(args.timeout_ms * 1e6)))
        if got is None:
            fail(EXIT_TIMEOUT, f"no Hello on {args.hello_bind} within {args.timeout_ms:g} ms (was the panel started "
                               f"with --controller {args.hello_bind}?)")
        routing_id, envelope = got
        h = envelope.hello
        hello = {"routing_id": routing_id.decode("utf-8", errors="replace"), "sender": envelope.sender,
                 "protocol_version": envelope.protocol_version, "node": h.node, "index": h.index, "pid": h.pid,
                 "version": h.version, "data_endpoint": h.data_endpoint, "host": h.host}

    if args.json:
        print(json.dumps({"endpoint": args.endpoint, "curve": security is not None, "pongs": pongs, "hello": hello}))
    else:
        for p in pongs:
            print(f"pong: seq={p['seq']} sender={p['sender']} protocol_version={p['protocol_version']} "
                  f"run_id={p['run_id']} software={p['software']} round_trip_us={p['round_trip_us']} "
                  f"sent_ns={p['sent_ns']} payload={p['payload']!r}"
                  + (f" clock_offset_us={p['clock_offset_us']} clock_bound_us={p['clock_bound_us']}"
                     if "clock_offset_us" in p else ""))
        if hello is not None:
            print(f"hello: routing_id={hello['routing_id']} node={hello['node']} index={hello['index']} "
                  f"pid={hello['pid']} version={hello['version']} data_endpoint={hello['data_endpoint']} "
                  f"host={hello['host']}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
