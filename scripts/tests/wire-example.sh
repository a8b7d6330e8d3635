#!/usr/bin/env bash
# wire-example.sh: the Python example of docs/WIRE.md works against a real panel-node. A panel is started
# standalone on loopback (its --controller endpoint is one nobody holds, so it stays unconfigured), and
# docs/examples/ping_panel.py (pyzmq + a protobuf module protoc generates from proto/dmimo.proto) must get a decoded
# Pong per Ping — sequence numbers and send times echoed, sender = the panel's index, protocol version 2, run id 0
# (idle), software = `panel-node --version` — and the panel's Hello on the control endpoint with the pid of the
# started process. It must also fail the right way: no listener = exit 1 with a "no Pong" message, a Pong from
# another panel index = exit 3. With CURVE (keys from `chain-controller keys`): the Pong and Hello again over an
# encrypted link, while plain text and keys of another deployment get no answer. Finally the panel ends on SIGTERM
# with status 0 and no process of the test is left. Loopback only, on free ports picked at run time.
set -euo pipefail
cd "$(dirname "$0")/../.."
failures=0
fail() { echo "wire-example: FAIL: $*"; failures=$(( failures + 1 )); }
pass() { echo "wire-example: ok: $*"; }
bin=${DMIMO_BIN:-.build/release}
example=docs/examples/ping_panel.py
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for exe in panel-node chain-controller; do
  [ -x "$bin/$exe" ] || { echo "wire-example: FAIL: $bin/$exe missing (run scripts/build.sh, or set DMIMO_BIN)"; exit 1; }
done
command -v protoc >/dev/null || { echo "wire-example: FAIL: protoc missing (scripts/setup.sh installs protobuf-compiler)"; exit 1; }
version=$("$bin/panel-node" --version)

# free loopback ports (bound to port 0 and released; a collision in between only makes the panel fail to start)
read -r -a ports <<<"$(scripts/python - <<'PY'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
)"
[ "${#ports[@]}" -eq 5 ] || { echo "wire-example: FAIL: could not pick free loopback ports"; exit 1; }
index=5

# start_panel NAME CONTROL_PORT DATA_PORT [panel-node options...]: starts a panel, sets $panel_pid
start_panel() {
  local name=$1 control=$2 data=$3; shift 3
  "$bin/panel-node" run --index "$index" --controller "tcp://127.0.0.1:$control" --bind "tcp://127.0.0.1:$data" \
    "$@" >"$tmp/$name.log" 2>&1 &
  panel_pid=$!
  pids+=("$panel_pid")
}

# check_reply FILE PID DATA_PORT COUNT: the example's JSON has COUNT valid Pongs and the Hello of process PID
check_reply() {
  scripts/python - "$@" "$index" "$version" <<'PY'
import json, sys
path, pid, port, count, index, version = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
r = json.load(open(path))
errors = []
pongs, hello = r["pongs"], r["hello"]
if len(pongs) != count:
    errors.append(f"{len(pongs)} Pongs, expected {count}")
for i, p in enumerate(pongs):
    want = {"type": "PONG", "seq": i + 1, "sender": index, "protocol_version": 2, "run_id": 0, "software": version,
            "payload": f"dmimo-chain {version} panel {index} run-id 0"}
    for k, v in want.items():
        if p[k] != v:
            errors.append(f"Pong {i + 1}: {k} = {p[k]!r}, expected {v!r}")
    if p["sent_ns"] <= 0 or not p["round_trip_us"] > 0:
        errors.append(f"Pong {i + 1}: sent_ns {p['sent_ns']}, round trip {p['round_trip_us']} µs")
    # the panel stamps its Pong: one host, one clock, so the true offset 0 lies within the estimate's bound
    if "clock_offset_us" not in p or abs(p["clock_offset_us"]) > p["clock_bound_us"] + 0.1:
        errors.append(f"Pong {i + 1}: clock offset {p.get('clock_offset_us')} µs, bound ± {p.get('clock_bound_us')} µs "
                      f"(node stamps {p['node_recv_ns']}, {p['node_send_ns']})")
if len({p["sent_ns"] for p in pongs}) != len(pongs):
    errors.append("two Pongs echo the same sent_ns")
if hello is None:
    errors.append("no Hello")
else:
    want = {"pid": pid, "index": index, "sender": index, "node": "panel", "version": version,
            "routing_id": f"panel-{index}", "data_endpoint": f"tcp://127.0.0.1:{port}", "protocol_version": 2}
    for k, v in want.items():
        if hello[k] != v:
            errors.append(f"Hello: {k} = {hello[k]!r}, expected {v!r}")
if errors:
    print("; ".join(errors))
    sys.exit(1)
rtt = max(p["round_trip_us"] for p in pongs)
print(f"{count} Pongs (seq 1..{count}, sender {index}, protocol 2, run id 0, dmimo {version}, round trip max {rtt} µs), "
      f"Hello from pid {hello['pid']} on {hello['host']}")
PY
}

# 1. plain text: Pongs and Hello
start_panel plain "${ports[0]}" "${ports[1]}"
plain_pid=$panel_pid
status=0
scripts/python "$example" "tcp://127.0.0.1:${ports[1]}" --index "$index" --count 3 --timeout-ms 5000 \
  --hello-bind "tcp://127.0.0.1:${ports[0]}" --json >"$tmp/plain.json" 2>"$tmp/plain.err" || status=$?
if [ $status -ne 0 ]; then
  fail "plain text: ping_panel.py exited $status: $(cat "$tmp/plain.err") (panel log: $(tail -3 "$tmp/plain.log"))"
elif out=$(check_reply "$tmp/plain.json" "$plain_pid" "${ports[1]}" 3); then
  pass "plain text: $out = the started panel-node"
else
  fail "plain text: $out"
fi
status=0
text=$(scripts/python "$example" "tcp://127.0.0.1:${ports[1]}" --index "$index" --timeout-ms 5000 2>&1) || status=$?
if [ $status -eq 0 ] && [[ $text == "pong: seq=1 sender=$index protocol_version=2 run_id=0 software=$version "* ]]; then
  pass "plain text, text output: ${text%% sent_ns=*}"
else
  fail "plain text, text output (exit $status): $text"
fi

# 2. failures: nobody listening (exit 1), another panel index (exit 3)
status=0
start=$(date +%s%N)
err=$(scripts/python "$example" "tcp://127.0.0.1:${ports[2]}" --timeout-ms 400 2>&1 >/dev/null) || status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $status -eq 1 ] && [[ $err == *"no Pong from tcp://127.0.0.1:${ports[2]} within 400 ms"* ]]; then
  pass "nobody listening: exit 1 after $elapsed_ms ms with \"${err#ping_panel: }\""
else
  fail "nobody listening: exit $status, message: $err"
fi
status=0
err=$(scripts/python "$example" "tcp://127.0.0.1:${ports[1]}" --index $(( index + 1 )) --timeout-ms 5000 2>&1 >/dev/null) || status=$?
if [ $status -eq 3 ] && [[ $err == *"answered as panel $index, expected panel $(( index + 1 ))"* ]]; then
  pass "wrong panel index: exit 3 with \"${err#ping_panel: }\""
else
  fail "wrong panel index: exit $status, message: $err"
fi

# 3. the panel ends on SIGTERM with status 0
kill -TERM "$plain_pid"
status=0
for _ in $(seq 50); do kill -0 "$plain_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$plain_pid" 2>/dev/null; then
  fail "panel-node (pid $plain_pid) still running 5 s after SIGTERM"
else
  wait "$plain_pid" || status=$?
  [ $status -eq 0 ] && pass "panel-node pid $plain_pid ended on SIGTERM with status 0" \
    || fail "panel-node ended on SIGTERM with status $status: $(tail -3 "$tmp/plain.log")"
fi

# 4. CURVE: keys of this deployment answer, plain text and another deployment's keys get silence
if "$bin/chain-controller" keys --out "$tmp/keys" --panels $(( index + 1 )) >/dev/null 2>"$tmp/keys.err" \
   && "$bin/chain-controller" keys --out "$tmp/other-keys" --panels $(( index + 1 )) >/dev/null 2>>"$tmp/keys.err"; then
  start_panel curve "${ports[3]}" "${ports[4]}" --keys-dir "$tmp/keys"
  curve_pid=$panel_pid
  status=0
  scripts/python "$example" "tcp://127.0.0.1:${ports[4]}" --index "$index" --count 2 --timeout-ms 5000 \
    --keys-dir "$tmp/keys" --hello-bind "tcp://127.0.0.1:${ports[3]}" --json >"$tmp/curve.json" 2>"$tmp/curve.err" || status=$?
  if [ $status -ne 0 ]; then
    fail "CURVE: ping_panel.py exited $status: $(cat "$tmp/curve.err") (panel log: $(tail -3 "$tmp/curve.log"))"
  elif ! scripts/python -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["curve"] is not True)' "$tmp/curve.json"; then
    fail "CURVE: the example did not use CURVE"
  elif out=$(check_reply "$tmp/curve.json" "$curve_pid" "${ports[4]}" 2); then
    pass "CURVE: $out over an encrypted link (controller key pair, server key panel-$index)"
  else
    fail "CURVE: $out"
  fi
  status=0
  scripts/python "$example" "tcp://127.0.0.1:${ports[4]}" --index "$index" --timeout-ms 700 >/dev/null 2>&1 || status=$?
  [ $status -eq 1 ] && pass "CURVE panel, plain-text Ping: no answer (exit 1)" || fail "CURVE panel answered a plain-text Ping (exit $status)"
  status=0
  scripts/python "$example" "tcp://127.0.0.1:${ports[4]}" --index "$index" --timeout-ms 700 --keys-dir "$tmp/other-keys" \
    >/dev/null 2>&1 || status=$?
  [ $status -eq 1 ] && pass "CURVE panel, keys of another deployment: no answer (exit 1)" \
    || fail "CURVE panel answered a Ping with another deployment's keys (exit $status)"
  kill -TERM "$curve_pid"
  status=0
  wait "$curve_pid" || status=$?
  if [ $status -ne 0 ]; then
    fail "CURVE panel-node ended on SIGTERM with status $status"
  elif refused=$(grep -o 'CURVE: [0-9]* handshakes admitted, [0-9]* refused' "$tmp/curve.log"); then
    pass "CURVE panel-node ended with status 0 ($refused)"
  else
    fail "CURVE panel-node log has no handshake count: $(tail -3 "$tmp/curve.log")"
  fi
else
  fail "chain-controller keys failed: $(cat "$tmp/keys.err")"
fi

# 5. nothing left
left=""
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left+=" $p"; done
[ -z "$left" ] && pass "no panel-node of the test left running" || fail "processes left:$left"

[ $failures -eq 0 ] || { echo "wire-example: $failures failure(s)"; exit 1; }
echo "wire-example: all passed"
