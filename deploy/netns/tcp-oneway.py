#!/usr/bin/env python3
# tcp-oneway.py: one-way time of a bare TCP message (no ZeroMQ, no protobuf) between two namespaces of one host,
# and the bulk throughput a link achieves.
"""server HOST COUNT BYTES: accept one connection, receive COUNT messages of BYTES, print the p50/p10/p90 of
(arrival of the last byte - sender's stamp) in µs, dropping the first 5 (connection warm-up).
client HOST COUNT BYTES [GAP_S]: connect, send COUNT messages stamped with CLOCK_MONOTONIC, GAP_S apart (0.04).
Both ends read one host's monotonic clock, so the difference is the one-way time.
bulk-server HOST 0 BYTES / bulk-client HOST 0 BYTES: send BYTES at once; the server prints Gbit/s from its first
to its last received byte."""
import socket, statistics, struct, sys, time

PORT = 7000


def server(host, count, size):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, PORT))
    listener.listen(1)
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times = []
    for _ in range(count):
        buf = bytearray()
        while len(buf) < size:
            chunk = conn.recv(size - len(buf))
            if not chunk:
                sys.exit("tcp-oneway: connection closed early")
            buf += chunk
        times.append((time.monotonic_ns() - struct.unpack("q", buf[:8])[0]) / 1000)
    times = sorted(times[5:])
    print(f"{statistics.median(times):.1f} {times[len(times) // 10]:.1f} {times[9 * len(times) // 10]:.1f}")


def client(host, count, size, gap):
    for _ in range(100):  # the server may still be starting
        try:
            conn = socket.create_connection((host, PORT))
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = bytearray(size)
    for _ in range(count):
        payload[:8] = struct.pack("q", time.monotonic_ns())
        conn.sendall(payload)
        time.sleep(gap)


def bulk_server(host, size):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, PORT + 1))
    listener.listen(1)
    conn, _ = listener.accept()
    received, start = 0, None
    while received < size:
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        start = start or time.monotonic()
        received += len(chunk)
    print(f"{received * 8 / (time.monotonic() - start) / 1e9:.3f}")


def bulk_client(host, size):
    for _ in range(100):
        try:
            conn = socket.create_connection((host, PORT + 1))
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    conn.sendall(bytes(size))


if __name__ == "__main__":
    role, host, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if role == "server":
        server(host, count, size)
    elif role == "client":
        client(host, count, size, float(sys.argv[5]) if len(sys.argv) > 5 else 0.04)
    elif role == "bulk-server":
        bulk_server(host, size)
    else:
        bulk_client(host, size)
