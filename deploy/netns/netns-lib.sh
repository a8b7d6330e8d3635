# netns-lib.sh: build, shape, cut and tear down a dmimo-chain test cluster of network namespaces (source it).
#
# Layout of cluster RID with N panels (every name starts with "dm<RID>-", so parallel runs never collide):
#   dm<RID>-sw     the switch: bridge br0 and one veth port per node (nothing else lives here)
#   dm<RID>-c      controller      10.X.Y.1    host name "controller"
#   dm<RID>-d      downlink node   10.X.Y.2    host name "downlink"
#   dm<RID>-p<k>   panel k         10.X.Y.(10+k), host name "panel-<k>"   (k < 240)
# Every node namespace has lo and eth0 (its veth end); the switch side of node n's veth is "v<n>" (vc, vd, vp<k>).
# 10.X.Y.0/24 is derived from RID (X in 64..191, Y in 0..255); the addresses exist only inside these namespaces,
# no namespace has a default route, and nothing is created in the caller's namespace: veth pairs are created
# inside the switch namespace with their peer moved straight into the node namespace.
# Host names: /etc/netns/<ns>/hosts (bind-mounted over /etc/hosts by `ip netns exec`) lists every node;
# /etc/netns/<ns>/resolv.conf points at 127.0.0.1 so an unknown name fails locally and never leaves the host.
# State (subnet, N, shaping) is kept in /run/dmimo-netns/<RID>/ so other commands (cut, heal, down) find it.
#
# Requires root and iproute2 (ip, tc). Functions return non-zero on failure; dm_down never fails.

DM_STATE_ROOT=${DM_STATE_ROOT:-/run/dmimo-netns}
DM_PANEL_PORT=${DM_PANEL_PORT:-5550}
DM_CONTROLLER_PORT=${DM_CONTROLLER_PORT:-5500}
DM_DOWNLINK_PORT=${DM_DOWNLINK_PORT:-5600}

dm_log() { echo "netns: $*" >&2; }

# dm_check_environment: explains and fails when namespaces cannot be built here.
dm_check_environment() {
  if [ "$(id -u)" -ne 0 ]; then echo "not root (network namespaces need root)"; return 1; fi
  if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then echo "iproute2 (ip, tc) is not installed"; return 1; fi
  if ! ip netns list >/dev/null 2>&1; then echo "'ip netns' is unavailable"; return 1; fi
  return 0
}

# dm_new_run_id: a run id unique among the runs on this host: the hex pid of the calling script ($$, unique among
# live processes, so two scripts running at once never draw the same id) and 16 random bits (several runs of one
# script); an id whose namespaces or state still exist is never handed out. At most 11 characters.
dm_new_run_id() {
  local id tries
  for (( tries = 0; tries < 100; tries++ )); do
    id=$(printf '%x%04x' "$$" "$(( (RANDOM << 1 ^ RANDOM) & 0xffff ))")
    [ -e "$(dm_state_dir "$id")" ] && continue
    [ -n "$(dm_ns_of_run "$id")" ] && continue
    echo "$id"; return 0
  done
  dm_log "no free run id"; return 1
}

# dm_validate_run_id RID: 1–12 characters of [a-z0-9] (namespace names stay short).
dm_validate_run_id() {
  [[ "$1" =~ ^[a-z0-9]{1,12}$ ]] || { dm_log "run id '$1' must be 1-12 characters of [a-z0-9]"; return 1; }
}

# dm_ns_of_run RID: the existing namespaces of run RID, one a line (exact names: dm<RID>-sw|c|d|p<k>).
dm_ns_of_run() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^dm$1-(sw|c|d|p[0-9]+)\$" || true
}

# dm_subnet RID: prints the /24 prefix "10.X.Y" of run RID.
dm_subnet() {
  local h
  h=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  echo "10.$(( 64 + h % 128 )).$(( (h / 128) % 256 ))"
}

dm_ns() { # dm_ns RID NODE   (NODE: sw | c | d | p<k>)
  echo "dm$1-$2"
}

# dm_ip RID NODE: the node's address (c, d, p<k>).
dm_ip() {
  local net; net=$(dm_subnet "$1")
  case "$2" in
    c) echo "$net.1" ;;
    d) echo "$net.2" ;;
    p*) echo "$net.$(( 10 + ${2#p} ))" ;;
    *) return 1 ;;
  esac
}

# dm_nodes RID: every node of the cluster (c d p0 … p<N-1>), from its state.
dm_nodes() {
  local n; n=$(dm_state_get "$1" panels) || return 1
  local out="c d" k
  for (( k = 0; k < n; k++ )); do out+=" p$k"; done
  echo "$out"
}

dm_state_dir() { echo "$DM_STATE_ROOT/$1"; }
dm_state_get() { # dm_state_get RID KEY
  local f; f="$(dm_state_dir "$1")/$2"
  [ -f "$f" ] && cat "$f"
}
dm_state_set() { mkdir -p "$(dm_state_dir "$1")" && printf '%s\n' "$3" > "$(dm_state_dir "$1")/$2"; }

# dm_claim RID: records this shell ($$) as the owner of run id RID; fails when a live process other than this
# shell owns it (a parallel run with the same id: its cluster must not be touched).
dm_claim() {
  local rid=$1 owner
  owner=$(dm_state_get "$rid" owner || true)
  if [ -n "$owner" ] && [ "$owner" != "$$" ] && kill -0 "$owner" 2>/dev/null; then
    dm_log "run id $rid is in use by the live process $owner; choose another"; return 1
  fi
  dm_state_set "$rid" owner "$$"
}

# dm_up RID N [MTU]: builds the cluster. Idempotent: a leftover of the same RID (a run that was SIGKILLed) is
# removed first, but a run id owned by another live process is refused (dm_claim), so a run can never tear down
# a parallel one.
dm_up() {
  local rid=$1 n=$2 mtu=${3:-1500} net sw node ns port k hosts
  dm_validate_run_id "$rid" || return 1
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 240 ] || { dm_log "panels must be 1..240, got '$n'"; return 1; }
  dm_claim "$rid" || return 1
  dm_down "$rid"
  dm_claim "$rid" || return 1
  net=$(dm_subnet "$rid")
  sw=$(dm_ns "$rid" sw)
  dm_state_set "$rid" panels "$n" && dm_state_set "$rid" subnet "$net" && dm_state_set "$rid" mtu "$mtu" || return 1
  ip netns add "$sw" || return 1
  ip -n "$sw" link set lo up
  ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0 || return 1
  ip -n "$sw" link set br0 mtu "$mtu" up || return 1
  hosts="127.0.0.1 localhost"$'\n'"$(dm_ip "$rid" c) controller"$'\n'"$(dm_ip "$rid" d) downlink"
  for (( k = 0; k < n; k++ )); do hosts+=$'\n'"$(dm_ip "$rid" "p$k") panel-$k"; done
  for node in c d $(seq -f 'p%g' 0 $(( n - 1 ))); do
    ns=$(dm_ns "$rid" "$node")
    port="v$node"
    ip netns add "$ns" || return 1
    mkdir -p "/etc/netns/$ns"
    printf '%s\n' "$hosts" > "/etc/netns/$ns/hosts"
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "/etc/netns/$ns/resolv.conf"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip -n "$ns" link set lo up || return 1
    ip -n "$sw" link add "$port" mtu "$mtu" type veth peer name eth0 netns "$ns" || return 1
    ip -n "$sw" link set "$port" master br0 || return 1
    ip -n "$sw" link set "$port" up || return 1
    ip -n "$ns" link set eth0 mtu "$mtu" || return 1
    ip -n "$ns" addr add "$(dm_ip "$rid" "$node")/24" dev eth0 || return 1
    ip -n "$ns" link set eth0 up || return 1
  done
  dm_log "cluster $rid up: $(( n + 2 )) namespaces on bridge $sw/br0, subnet $net.0/24, mtu $mtu"
}

# dm_self_pids: " pid pid … ": this shell, its parent shells and their ancestors up to init.
dm_self_pids() {
  local p=${BASHPID:-$$} out=" $$ " guard=0
  while [ -n "$p" ] && [ "$p" -gt 1 ] && [ $guard -lt 64 ]; do
    out+="$p "
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || true)
    guard=$(( guard + 1 ))
  done
  echo "$out"
}

# dm_ns_pids NS…: the processes inside the namespaces NS… (`ip netns pids`), one a line, never the calling shell
# or one of its ancestors (should the caller itself run inside NS, it must not kill itself).
dm_ns_pids() {
  local ns pid self=${dm_self:-$(dm_self_pids)}
  for ns in "$@"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
      [[ "$self" == *" $pid "* ]] || echo "$pid"
    done
  done
}

# dm_wait_ns_empty SECONDS NS…: waits until no process is left in NS… (polls every 50 ms); fails on time-out.
dm_wait_ns_empty() {
  local deadline=$(( SECONDS + $1 )); shift
  while [ -n "$(dm_ns_pids "$@")" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# dm_down RID: stops every process inside the cluster's namespaces (SIGTERM, SIGKILL after DM_DOWN_GRACE_S
# seconds, default 5), waits until they are gone, deletes the namespaces (which deletes the bridge and the veth
# pairs: nothing lives outside them) and the /etc/netns and state entries. Processes are found by namespace
# (`ip netns pids`), never by name. Safe to call any number of times, under `set -e` or not, also for a cluster
# that was never (fully) built; it never fails.
dm_down() {
  local rid=$1 pid ns names dm_self
  [ -n "$rid" ] || return 0
  names=$(dm_ns_of_run "$rid")
  if [ -n "$names" ]; then
    dm_self=$(dm_self_pids)
    # shellcheck disable=SC2086  # names: one word per namespace
    for pid in $(dm_ns_pids $names); do kill -TERM "$pid" 2>/dev/null || true; done
    # shellcheck disable=SC2086
    if ! dm_wait_ns_empty "${DM_DOWN_GRACE_S:-5}" $names; then
      for pid in $(dm_ns_pids $names); do kill -KILL "$pid" 2>/dev/null || true; done
      dm_wait_ns_empty 5 $names || dm_log "cluster $rid: processes $(dm_ns_pids $names | tr '\n' ' ')outlived SIGKILL"
    fi
    for ns in $names; do ip netns del "$ns" 2>/dev/null || true; done
  fi
  rm -rf /etc/netns/dm"$rid"-sw /etc/netns/dm"$rid"-c /etc/netns/dm"$rid"-d /etc/netns/dm"$rid"-p[0-9]* 2>/dev/null || true
  rm -rf "$(dm_state_dir "$rid")" 2>/dev/null || true
  rmdir /etc/netns "$DM_STATE_ROOT" 2>/dev/null || true  # only when empty (no other cluster)
  return 0
}

# dm_wait_listening RID NODE PORT [TIMEOUT_S]: waits until a TCP socket listens on PORT inside NODE's namespace
# (default time-out 30 s); fails on time-out.
dm_wait_listening() {
  local rid=$1 node=$2 port=$3 deadline=$(( SECONDS + ${4:-30} ))
  until ip netns exec "$(dm_ns "$rid" "$node")" ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# dm_exec RID NODE CMD…: runs CMD inside the node's namespace (exec: $! of a background call is CMD's pid).
dm_exec() {
  local rid=$1 node=$2; shift 2
  ip netns exec "$(dm_ns "$rid" "$node")" "$@"
}

# dm_shape_device NS DEV QDISC RATE BURST: egress shaping of one device (tbf or htb; "none" removes it).
# RATE in tc units (1gbit, 10gbit); BURST in bytes: the token bucket's depth. A message of S bytes after an idle
# link leaves in about max(0, S - BURST)/RATE: keep BURST a few MTUs so serialization is what is measured.
dm_shape_device() {
  local ns=$1 dev=$2 qdisc=$3 rate=$4 burst=$5
  tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
  case "$qdisc" in
    none) return 0 ;;
    tbf) tc -n "$ns" qdisc add dev "$dev" root tbf rate "$rate" burst "$burst" latency 100ms ;;
    htb)
      tc -n "$ns" qdisc add dev "$dev" root handle 1: htb default 10 &&
        tc -n "$ns" class add dev "$dev" parent 1: classid 1:10 htb rate "$rate" ceil "$rate" \
          burst "$burst" cburst "$burst" quantum 60000 ;;  # one class: quantum only silences the r2q warning
    *) dm_log "unknown qdisc '$qdisc' (tbf, htb or none)"; return 1 ;;
  esac
}

# dm_default_burst RATE: a token bucket of 2 MTUs or 20 µs at RATE, whichever is larger (bytes).
dm_default_burst() {
  local rate=$1 mtu=${2:-1500} bps
  case "$rate" in
    *[gG]bit) bps=$(( ${rate%[gG]bit} * 1000000000 )) ;;
    *[mM]bit) bps=$(( ${rate%[mM]bit} * 1000000 )) ;;
    *) bps=1000000000 ;;
  esac
  local b=$(( bps / 8 / 50000 )) m=$(( 2 * (mtu + 14) ))
  echo $(( b > m ? b : m ))
}

# dm_shape RID TARGET QDISC RATE [BURST]: shapes both directions of TARGET's link (TARGET: all, c, d or p<k>):
# egress of eth0 in the node and egress of its port on the bridge. QDISC none removes the shaping.
dm_shape() {
  local rid=$1 target=$2 qdisc=$3 rate=${4:-1gbit} burst=${5:-} mtu node nodes
  mtu=$(dm_state_get "$rid" mtu) || { dm_log "no cluster $rid"; return 1; }
  [ -n "$burst" ] || burst=$(dm_default_burst "$rate" "$mtu")
  if [ "$target" = all ]; then nodes=$(dm_nodes "$rid"); else nodes=$target; fi
  for node in $nodes; do
    dm_shape_device "$(dm_ns "$rid" "$node")" eth0 "$qdisc" "$rate" "$burst" || return 1
    dm_shape_device "$(dm_ns "$rid" sw)" "v$node" "$qdisc" "$rate" "$burst" || return 1
  done
  [ "$target" = all ] && dm_state_set "$rid" shaping "$qdisc $rate burst $burst"
  return 0
}

# dm_cut RID NODE [MODE]: cuts NODE's link. MODE "down": its bridge port goes down (carrier lost on both ends);
# "blackhole": blackhole routes — in NODE for the rest of the subnet, in every other node for NODE's address —
# so packets are dropped without the link state changing.
dm_cut() {
  local rid=$1 node=$2 mode=${3:-down} net other
  net=$(dm_state_get "$rid" subnet) || { dm_log "no cluster $rid"; return 1; }
  case "$mode" in
    down) ip -n "$(dm_ns "$rid" sw)" link set "v$node" down ;;
    blackhole)
      ip -n "$(dm_ns "$rid" "$node")" route replace blackhole "$net.0/25" &&
        ip -n "$(dm_ns "$rid" "$node")" route replace blackhole "$net.128/25" || return 1
      for other in $(dm_nodes "$rid"); do
        [ "$other" = "$node" ] && continue
        ip -n "$(dm_ns "$rid" "$other")" route replace blackhole "$(dm_ip "$rid" "$node")/32" || return 1
      done ;;
    *) dm_log "unknown cut mode '$mode' (down or blackhole)"; return 1 ;;
  esac
  dm_state_set "$rid" "cut-$node" "$mode"
}

# dm_heal RID NODE: undoes dm_cut (whichever mode was used).
dm_heal() {
  local rid=$1 node=$2 net other mode
  net=$(dm_state_get "$rid" subnet) || { dm_log "no cluster $rid"; return 1; }
  mode=$(dm_state_get "$rid" "cut-$node" || echo down)
  case "$mode" in
    down) ip -n "$(dm_ns "$rid" sw)" link set "v$node" up ;;
    blackhole)
      ip -n "$(dm_ns "$rid" "$node")" route del blackhole "$net.0/25" 2>/dev/null
      ip -n "$(dm_ns "$rid" "$node")" route del blackhole "$net.128/25" 2>/dev/null
      for other in $(dm_nodes "$rid"); do
        [ "$other" = "$node" ] && continue
        ip -n "$(dm_ns "$rid" "$other")" route del blackhole "$(dm_ip "$rid" "$node")/32" 2>/dev/null
      done ;;
  esac
  rm -f "$(dm_state_dir "$rid")/cut-$node"
  return 0
}

# dm_status RID: one line per namespace: address, link state, qdisc, processes.
dm_status() {
  local rid=$1 node ns
  echo "cluster $rid: subnet $(dm_state_get "$rid" subnet).0/24, $(dm_state_get "$rid" panels) panels, mtu $(dm_state_get "$rid" mtu), shaping: $(dm_state_get "$rid" shaping || echo none)"
  for node in $(dm_nodes "$rid"); do
    ns=$(dm_ns "$rid" "$node")
    printf '%-14s %-14s port %-5s qdisc %-5s pids %s\n' "$ns" "$(dm_ip "$rid" "$node")" \
      "$(ip -n "$(dm_ns "$rid" sw)" -br link show "v$node" 2>/dev/null | awk '{print $2}')" \
      "$(tc -n "$ns" qdisc show dev eth0 2>/dev/null | awk 'NR==1{print $2}')" \
      "$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
  done
}
