#!/usr/bin/env bash
# key-secrets.sh: the chain's CURVE keys as three Kubernetes Secrets, each holding only what its pods need:
#   dmimo-keys-controller  public.keys, controller.key               (Job chain-controller)
#   dmimo-keys-downlink    public.keys, downlink.key                 (Deployment dmimo-downlink)
#   dmimo-keys-panels      public.keys, panel-0.key … panel-<J-1>.key (StatefulSet panel)
#
#   deploy/k8s/key-secrets.sh DIR [--print]
#
# DIR: a key directory from `chain-controller keys --out DIR --panels J` (J = the StatefulSet's replicas).
# Creates or replaces the Secrets with kubectl in the current namespace; --print only prints the commands.
set -euo pipefail
[ $# -ge 1 ] && [ "${1:-}" != -h ] && [ "${1:-}" != --help ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dir=${1%/}
print=0; [ "${2:-}" = --print ] && print=1
for f in public.keys controller.key downlink.key panel-0.key; do
  [ -f "$dir/$f" ] || { echo "key-secrets.sh: $dir/$f missing (make the keys: chain-controller keys --out $dir --panels J)" >&2; exit 1; }
done
panel_files=()
for (( k = 0; ; k++ )); do [ -f "$dir/panel-$k.key" ] || break; panel_files+=("--from-file=$dir/panel-$k.key"); done
secret() {  # secret NAME FILE-OPTIONS…: create or replace Secret NAME
  local name=$1; shift
  local create=(kubectl create secret generic "$name" "--from-file=$dir/public.keys" "$@" --dry-run=client -o yaml)
  if [ $print -eq 1 ]; then
    printf '%s | kubectl apply -f -\n' "$(printf '%q ' "${create[@]}" | sed 's/ $//')"
  else
    "${create[@]}" | kubectl apply -f -
  fi
}
secret dmimo-keys-controller "--from-file=$dir/controller.key"
secret dmimo-keys-downlink "--from-file=$dir/downlink.key"
secret dmimo-keys-panels "${panel_files[@]}"
