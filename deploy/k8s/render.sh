#!/usr/bin/env bash
# render.sh: the manifests of deploy/k8s (kustomize) for J panels, without editing them: on stdout or into a file.
#   deploy/k8s/render.sh [--panels J] [--out FILE]
#   deploy/k8s/render.sh --panels 8 | kubectl apply -f -
# J: the number of panels, an integer 2 … 4096 (scenario.panels); it sets the StatefulSet's replicas and the
# controller's DMIMO_PANELS (--set scenario.panels) through kustomization.yaml's `replicas`, the one place of J.
# Without --panels: the J of kustomization.yaml (what `kubectl apply -k deploy/k8s` deploys). Needs kubectl (its
# built-in kustomize) or kustomize; no cluster. Make the CURVE keys for the same J: chain-controller keys --panels J.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
panels="" given=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --panels) [ $# -ge 2 ] || { echo "render.sh: --panels needs a value (J, 2 … 4096)" >&2; exit 2; }; panels=$2; given=1; shift 2 ;;
    --panels=*) panels=${1#--panels=}; given=1; shift ;;
    --out) [ $# -ge 2 ] || { echo "render.sh: --out needs a file" >&2; exit 2; }; out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "render.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
# the bounds of scenario.panels (Sources/Config/ConfigKeys.swift; scripts/tests/k8s-render.sh checks they agree)
min_panels=2 max_panels=4096
if [ $given -eq 1 ]; then
  if ! [[ $panels =~ ^[1-9][0-9]*$ ]] || [ ${#panels} -gt 4 ] || [ "$panels" -lt $min_panels ] || [ "$panels" -gt $max_panels ]; then
    echo "render.sh: --panels '$panels': J must be an integer $min_panels … $max_panels (the number of panels, scenario.panels)" >&2
    exit 2
  fi
fi
if command -v kubectl > /dev/null; then build=(kubectl kustomize)
elif command -v kustomize > /dev/null; then build=(kustomize build)
else echo "render.sh: needs kubectl (kubectl kustomize) or kustomize on PATH" >&2; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here"/*.yaml "$tmp/"
if [ $given -eq 1 ]; then
  # the `count:` of the panel StatefulSet's entry under `replicas:` (the only `count:` of the file)
  [ "$(grep -c '^ *count: [0-9][0-9]*' "$tmp/kustomization.yaml")" -eq 1 ] \
    || { echo "render.sh: $here/kustomization.yaml does not have exactly one 'count:' (the replicas of panel)" >&2; exit 1; }
  sed -i -E "s/^( *count: )[0-9]+/\1$panels/" "$tmp/kustomization.yaml"
fi
if [ -n "$out" ]; then "${build[@]}" "$tmp" > "$out"; else "${build[@]}" "$tmp"; fi
