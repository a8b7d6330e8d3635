#!/usr/bin/env bash
# k8s-render.sh: J is set in one place of deploy/k8s — deploy/k8s/render.sh --panels J (kubectl's kustomize, no
# cluster) gives, for several J, a StatefulSet of J replicas and a controller Job whose check and run both take
# scenario.panels = J (DMIMO_PANELS), with no other J in the manifests; without --panels it renders what
# `kubectl apply -k deploy/k8s` deploys; a bad J (not an integer in 2 … 4096, the bounds of scenario.panels in
# Sources/Config/ConfigKeys.swift) is refused with a clear error and no output.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v kubectl > /dev/null || command -v kustomize > /dev/null \
  || { echo "k8s-render: SKIP: neither kubectl nor kustomize is installed"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "k8s-render: FAIL: $*"; failures=$(( failures + 1 )); }
pass() { echo "k8s-render: ok: $*"; }

# the manifests themselves hold no J: no replicas in panels.yaml, no scenario.panels in the ConfigMap
grep -q '^ *replicas:' deploy/k8s/panels.yaml && fail "deploy/k8s/panels.yaml sets replicas (J belongs in kustomization.yaml)"
grep -q 'panels: *[0-9]' deploy/k8s/controller.yaml && fail "deploy/k8s/controller.yaml sets scenario.panels (J belongs in kustomization.yaml)"
[ "$(grep -c '^ *count: [0-9]' deploy/k8s/kustomization.yaml)" -eq 1 ] || fail "kustomization.yaml has not exactly one replicas count"

# consistent(FILE J): the rendered manifests carry J in the StatefulSet and both controller containers, nowhere else
consistent() {
  scripts/python - "$1" "$2" <<'PY'
import sys, yaml
path, j = sys.argv[1], int(sys.argv[2])
docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(path)) if d}
errors = []
def expect(cond, what):
    if not cond: errors.append(what)
expect(docs[("StatefulSet", "panel")]["spec"].get("replicas") == j,
       f"StatefulSet replicas {docs[('StatefulSet', 'panel')]['spec'].get('replicas')!r}, not {j}")
job = docs[("Job", "chain-controller")]["spec"]["template"]["spec"]
for c in job["initContainers"] + job["containers"]:
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    expect(env.get("DMIMO_PANELS") == str(j), f"{c['name']}: DMIMO_PANELS {env.get('DMIMO_PANELS')!r}, not '{j}'")
run = job["containers"][0]["args"]
expect("scenario.panels=$(DMIMO_PANELS)" in run and run[run.index("scenario.panels=$(DMIMO_PANELS)") - 1] == "--set",
       "controller run does not --set scenario.panels=$(DMIMO_PANELS)")
expect('--set "scenario.panels=$DMIMO_PANELS"' in job["initContainers"][0]["args"][0],
       "controller check does not --set scenario.panels=$DMIMO_PANELS")
experiment = yaml.safe_load(docs[("ConfigMap", "dmimo-experiment")]["data"]["experiment.yaml"])
expect("panels" not in (experiment.get("scenario") or {}), "the ConfigMap sets scenario.panels")
expect(docs[("Deployment", "dmimo-downlink")]["spec"].get("replicas") == 1, "downlink replicas")
if errors:
    print("; ".join(errors)); sys.exit(1)
PY
}

for j in 2 8 48 4096; do
  if ! deploy/k8s/render.sh --panels $j > "$tmp/j$j.yaml" 2> "$tmp/j$j.err"; then
    fail "render.sh --panels $j: $(cat "$tmp/j$j.err")"
  elif why=$(consistent "$tmp/j$j.yaml" $j); then
    pass "--panels $j: StatefulSet panel has $j replicas; controller check and run take scenario.panels=$j"
  else
    fail "--panels $j: $why"
  fi
done
# without --panels: kustomization.yaml's J, the same manifests as kubectl apply -k deploy/k8s, and the same as --panels 24
deploy/k8s/render.sh > "$tmp/default.yaml"
deploy/k8s/render.sh --out "$tmp/j24.yaml" --panels 24
if command -v kubectl > /dev/null; then kubectl kustomize deploy/k8s > "$tmp/apply-k.yaml"; else kustomize build deploy/k8s > "$tmp/apply-k.yaml"; fi
if ! why=$(consistent "$tmp/default.yaml" 24); then fail "default render: $why"
elif ! cmp -s "$tmp/default.yaml" "$tmp/apply-k.yaml"; then fail "render.sh without --panels differs from kubectl kustomize deploy/k8s"
elif ! cmp -s "$tmp/default.yaml" "$tmp/j24.yaml"; then fail "render.sh --panels 24 differs from the default (J = 24)"
else pass "default: J = 24 from kustomization.yaml, identical to kubectl kustomize deploy/k8s and to --panels 24 (--out)"
fi
# two J differ only where J is
diff "$tmp/j8.yaml" "$tmp/j48.yaml" | grep '^[<>]' | sed 's/^[<>] *//' | sort -u > "$tmp/diff.txt" || true
[ "$(tr '\n' '|' < "$tmp/diff.txt")" = 'replicas: 48|replicas: 8|value: "48"|value: "8"|' ] \
  && pass "J = 8 and J = 48 differ in the StatefulSet's replicas and DMIMO_PANELS only" \
  || fail "J = 8 and J = 48 differ in more than J: $(tr '\n' '|' < "$tmp/diff.txt")"

# bad J: a clear error, exit 2, nothing on stdout
before=$failures
for bad in 0 1 4097 -3 8.5 abc "" 08 " 8" 123456789012345678901234567890; do
  status=0
  deploy/k8s/render.sh --panels "$bad" > "$tmp/bad.out" 2> "$tmp/bad.err" || status=$?
  if [ $status -ne 2 ] || [ -s "$tmp/bad.out" ] || ! grep -q "J must be an integer 2 … 4096" "$tmp/bad.err"; then
    fail "--panels '$bad': exit $status, stderr '$(cat "$tmp/bad.err")', $(wc -c < "$tmp/bad.out") bytes on stdout"
  fi
done
status=0; deploy/k8s/render.sh --panels > /dev/null 2> "$tmp/bad.err" || status=$?
[ $status -eq 2 ] && grep -q "needs a value" "$tmp/bad.err" || fail "--panels without a value: exit $status, '$(cat "$tmp/bad.err")'"
status=0; deploy/k8s/render.sh --replicas 8 > /dev/null 2> "$tmp/bad.err" || status=$?
[ $status -eq 2 ] && grep -q "unknown argument '--replicas'" "$tmp/bad.err" || fail "unknown argument: exit $status, '$(cat "$tmp/bad.err")'"
[ $failures -eq $before ] && pass "bad J (0, 1, 4097, -3, 8.5, abc, empty, 08, ' 8', 30 digits), a missing value and an unknown argument: exit 2 with the reason"
# render.sh's bounds are scenario.panels's
grep -q '\.integer("scenario.panels", \\.scenario.panels, 2\.\.\.4096,' Sources/Config/ConfigKeys.swift \
  && grep -q '^min_panels=2 max_panels=4096$' deploy/k8s/render.sh \
  && pass "render.sh's bounds 2 … 4096 are scenario.panels's (Sources/Config/ConfigKeys.swift)" \
  || fail "render.sh's J bounds differ from scenario.panels's in Sources/Config/ConfigKeys.swift"

[ $failures -eq 0 ] || { echo "k8s-render: $failures failure(s)"; exit 1; }
echo "k8s-render: all passed"
