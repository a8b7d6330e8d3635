# reference.sh (sourced): the optional reference folder (numpy reference, C baseline, reference specification).
# It is not part of the repository: $DMIMO_SHARED if set, else a folder named `shared` beside the repository.
# Checks that need it call dm_reference_or_skip; a test script that skips exits 77 (counted as skipped).
dm_reference_dir() {
  local repo dir
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  dir=${DMIMO_SHARED:-$(dirname "$repo")/shared}
  if [ -d "$dir/ref" ]; then (cd "$dir" && pwd); else return 1; fi
}
# dm_reference_or_skip NAME WHAT: prints the folder, or one line saying what NAME skips and exits 77
dm_reference_or_skip() {
  local dir
  if dir=$(dm_reference_dir); then echo "$dir"; return 0; fi
  echo "$1: SKIP: $2 needs the optional reference folder (\$DMIMO_SHARED, or 'shared' beside the repository), not found" >&2
  exit 77
}
