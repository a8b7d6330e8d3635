#!/usr/bin/env bash
# prometheus.sh: a real Prometheus server (Debian's `prometheus` package, installed when missing) scrapes a running
# 8-panel chain's --metrics-listen endpoint every second; the test then asks Prometheus's HTTP API for the step
# counter (must equal the steps run and summary.json's steps_injected) and the end-to-end latency histogram (must be
# non-empty, with a p50 inside its observed range), and checks the per-panel series (8 panels) and node counters
# arrived. Needs root (it may apt-get install); skips with exit 77 otherwise. Loopback only, free ports picked at run
# time, Prometheus's storage in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "prometheus: skipped: needs root (installs and runs Debian's prometheus package)"; exit 77; }
bin=${DMIMO_BIN:-.build/release}
for exe in chain-controller panel-node; do
  [ -x "$bin/$exe" ] || { echo "prometheus: FAIL: $bin/$exe missing (run scripts/build.sh, or set DMIMO_BIN)"; exit 1; }
done
if ! command -v prometheus > /dev/null; then
  echo "prometheus: apt-get install prometheus" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus > /dev/null; }; then
    echo "prometheus: skipped: the prometheus package cannot be installed here (no Debian archive reachable)"; exit 77
  fi
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mport=$(free_port); pport=$(free_port)
steps=400
cat > "$tmp/prometheus.yml" <<YML
global: {scrape_interval: 2s, scrape_timeout: 2s}
scrape_configs:
  - job_name: dmimo-controller
    static_configs: [{targets: ["127.0.0.1:$mport"]}]
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$pport" > "$tmp/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$pport"
for _ in $(seq 100); do curl -sf "$api/-/ready" > /dev/null && break; sleep 0.1; done
curl -sf "$api/-/ready" > /dev/null || { echo "prometheus: FAIL: Prometheus did not become ready"; tail -5 "$tmp/prometheus.log"; exit 1; }
version=$(prometheus --version 2>&1 | head -1)
# the chain: J=8, N_p=1024, served until 20 s after the run set ends (Prometheus applies new targets only every
# 5 s; the last scrapes see the final counts). Once Prometheus holds the final count the test goes on.
query() { curl -sfG "$api/api/v1/query" --data-urlencode "query=$1"; }
"$bin/chain-controller" run --steps $steps --set scenario.panels=8 --set filter.particles=1024 \
  --metrics-listen "127.0.0.1:$mport" --metrics-hold-s 20 --out "$tmp/run" > "$tmp/run.log" 2>&1 &
controller=$!
pids+=($controller)
for _ in $(seq 600); do
  [ -f "$tmp/run/summary.json" ] && query 'sum(dmimo_steps_total)' | grep -q "\"$steps\"\]" && break
  kill -0 $controller 2>/dev/null || break
  sleep 0.1
done
kill -INT $controller 2>/dev/null || true   # ends the hold early (the run set is complete)
wait $controller || [ $? -eq 130 ] || { echo "prometheus: FAIL: the chain run failed"; tail -5 "$tmp/run.log"; exit 1; }
{
  query 'sum(max_over_time(dmimo_steps_total[10m]))'; echo
  query 'max_over_time(dmimo_step_latency_seconds_count[10m])'; echo
  query 'histogram_quantile(0.5, max_over_time(dmimo_step_latency_seconds_bucket[10m]))'; echo
  query 'count(max_over_time(dmimo_panel_compute_seconds_count[10m]) > 0)'; echo
  query 'sum(max_over_time(dmimo_node_received_total[10m]))'; echo
  query 'count_over_time(up{job="dmimo-controller"}[10m])'; echo
} > "$tmp/answers.jsonl" || { echo "prometheus: FAIL: the HTTP API did not answer"; exit 1; }
python3 - "$tmp/answers.jsonl" "$tmp/run/summary.json" "$steps" "$version" <<'PY'
import json, sys
answers = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
summary = json.load(open(sys.argv[2]))
steps = int(sys.argv[3])
def value(a):
    r = a["data"]["result"]
    return float(r[0]["value"][1]) if r else None
total, count, p50, panels, received, scrapes = map(value, answers)
lat = summary["latency_us"]
problems = []
if total != steps or summary["steps_injected"] != steps:
    problems.append(f"step counter {total}, summary steps_injected {summary['steps_injected']}, steps run {steps}")
if not count or count != summary["steps_delivered"] + summary["steps_degraded"]:
    problems.append(f"latency histogram count {count}, delivered+degraded {summary['steps_delivered'] + summary['steps_degraded']}")
if p50 is None or not (p50 > 0 and p50 * 1e6 <= lat["max"] * 1.5):
    problems.append(f"latency p50 from Prometheus {p50} s not within (0, max {lat['max']} µs]")
if panels != 8: problems.append(f"{panels} panels with compute samples, expected 8")
if not received: problems.append(f"node counters: received {received}")
if problems:
    print("prometheus: FAIL: " + "; ".join(problems)); sys.exit(1)
print(f"prometheus: ok: {sys.argv[4]} scraped {int(scrapes)} times; dmimo_steps_total = {int(total)} = steps run; "
      f"latency histogram n = {int(count)}, p50 {p50 * 1e6:.0f} µs (summary.json p50 {lat['p50']:.0f} µs); "
      f"8 panels' compute histograms; panels received {int(received)} messages")
PY
