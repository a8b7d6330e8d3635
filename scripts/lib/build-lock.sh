# build-lock.sh (sourced): dm_build_lock CMD... runs CMD under the one lock every build, test and timing run of a
# machine shares, $DMIMO_LOCK (default /tmp/dmimo-swift-build.lock; set empty for no lock). When a process this shell
# descends from already holds that lock (`flock /tmp/dmimo-swift-build.lock bash scripts/bench-panel.sh`), CMD runs
# as it is: taking the lock again would wait for ever. Without flock(1) on PATH, CMD runs without a lock.

# Whether an ancestor of this shell (or the shell itself) holds an flock on file $1 (from /proc/locks).
dm_build_lock_held() {
  local inode holders pid
  inode=$(stat -c %i "$1" 2>/dev/null) || return 1
  # /proc/locks: "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF"; waiters' lines ("N: -> FLOCK ...") are not holders
  holders=" $(awk -v inode="$inode" '$2 == "FLOCK" { split($6, id, ":"); if (id[3] == inode) printf "%s ", $5 }' \
    /proc/locks 2>/dev/null)"
  [ "$holders" != " " ] || return 1
  pid=$BASHPID
  while [ "${pid:-0}" -gt 1 ]; do
    [[ $holders == *" $pid "* ]] && return 0
    pid=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f2)   # the parent (field 4; comm may hold spaces)
  done
  return 1
}

dm_build_lock() {
  local file=${DMIMO_LOCK-/tmp/dmimo-swift-build.lock}
  if [ -z "$file" ] || ! command -v flock >/dev/null || dm_build_lock_held "$file"; then "$@"; else flock "$file" "$@"; fi
}
