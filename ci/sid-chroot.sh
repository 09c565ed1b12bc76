#!/usr/bin/env bash
# A Debian sid chroot that provides the CPython versions pyenv cannot install here
# (python3.14-dev, python3.15-dev), for `make test-sid`, `make test-matrix` and .ci/run.
#
#   ci/sid-chroot.sh ensure       create the chroot, or finish one that is incomplete
#                                 (needs root, debootstrap and the network; ~1 min)
#   ci/sid-chroot.sh run CMD...   run CMD inside it as root, in the current directory of
#                                 this checkout (or its top), with the host's Rust toolchain
#   ci/sid-chroot.sh check        exit 0 if the chroot is complete, 1 (with the reason) if not
#   ci/sid-chroot.sh shell        an interactive shell inside it
#
# Environment:
#   SID_ROOT     where the chroot lives (default /var/cache/gilstuff-sid); it is kept,
#                so the second run is fast. Delete the directory to start over.
# Variables passed into the chroot: RUST_*, RUSTFLAGS, RUSTUP_TOOLCHAIN, CARGO_TERM_*,
# CARGO_PROFILE_*, GILSTUFF_*, PROPTEST_*, ASAN_/LSAN_/UBSAN_*, PYTHONUNBUFFERED.
#   SID_MIRROR   Debian mirror (default: the host's own Debian mirror from
#                /etc/apt/sources.list{,.d}, else http://deb.debian.org/debian)
#   SID_NO_CHECK_GPG=1   debootstrap without checking the Release signature (only if the
#                host's debian-archive-keyring lacks sid's current signing key)
#
# How `run` works: in a private mount namespace (unshare -m: every mount disappears with
# the process, even if it is killed) it mounts /proc, binds /dev, the host's RUSTUP_HOME
# (read-only) and CARGO_HOME (read-write, so the registry cache is shared and crates are
# not downloaded twice) and this checkout at the same paths, then chroots. Without
# unshare it mounts in the current namespace and unmounts on exit (trap).
# Build products land in the checkout (target/py3.14, build/py3.14, …): they link against
# sid's glibc and only run inside the chroot.
set -euo pipefail

SID_ROOT=${SID_ROOT:-/var/cache/gilstuff-sid}
PACKAGES="python3.14-dev python3.15-dev gcc make libc6-dev pkg-config libasan8 libubsan1 ca-certificates"
STAMP=$SID_ROOT/.gilstuff-ready
SELF=$(readlink -f "$0")
# The checkout to bind: this script's own, or, when run from elsewhere (another git
# worktree: `/work/main/ci/sid-chroot.sh run make test-core PYTHON=python3.15`), the
# current directory's git top level. SID_PROJECT overrides both.
PROJECT=$(cd "$(dirname "$SELF")/.." && pwd -P)
case "$(pwd -P)/" in
  "$PROJECT"/*) ;;
  *) PROJECT=$(git rev-parse --show-toplevel 2>/dev/null || echo "$PROJECT") ;;
esac
PROJECT=$(cd "${SID_PROJECT:-$PROJECT}" && pwd -P)
RUSTUP_DIR=${RUSTUP_HOME:-$HOME/.rustup}
CARGO_DIR=${CARGO_HOME:-$HOME/.cargo}
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 -q)

say() { echo "sid-chroot: $*" >&2; }
die() { say "$*"; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount and chroot need it)"
}

host_mirror() {
  local m=""
  if [ -n "${SID_MIRROR:-}" ]; then echo "$SID_MIRROR"; return; fi
  # deb822 files: the first URIs line of a plain Debian archive (not -security).
  m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
      | awk '{for (i = 2; i <= NF; i++) print $i}' | grep -v security | grep '/debian/\?$' | head -n 1 || true)
  if [ -z "$m" ]; then
    m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
        | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp):/) {print $i; break}}' \
        | grep -v security | grep '/debian/\?$' | head -n 1 || true)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

# Refuse to delete a directory that has anything mounted below it.
assert_unmounted() {
  local dir=$1
  if awk -v d="$dir/" 'index($5 "/", d) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
    die "something is still mounted under $dir; unmount it (findmnt -R $dir) and retry"
  fi
}

# The mounts a build needs, then CMD in the chroot. Called inside the private namespace
# (or with cleanup armed by the caller when there is none).
mount_all() {
  local r=$SID_ROOT
  mkdir -p "$r/proc" "$r/dev" "$r$PROJECT"
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount --make-rslave "$r/dev"
  if [ -d "$RUSTUP_DIR" ]; then
    mkdir -p "$r$RUSTUP_DIR"
    mount --bind "$RUSTUP_DIR" "$r$RUSTUP_DIR"
    mount -o remount,bind,ro "$r$RUSTUP_DIR"
  fi
  if [ -d "$CARGO_DIR" ]; then
    mkdir -p "$r$CARGO_DIR"
    mount --bind "$CARGO_DIR" "$r$CARGO_DIR"
  fi
  mount --bind "$PROJECT" "$r$PROJECT"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
}

umount_all() {
  local r=$SID_ROOT m
  # Deepest first; only what we mounted (under the chroot).
  for m in $(awk -v d="$r/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

in_chroot() {
  local cwd
  cwd=$(pwd -P)
  case "$cwd/" in "$PROJECT"/*) ;; *) cwd=$PROJECT ;; esac
  local envs=(
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}"
    PATH="$CARGO_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    RUSTUP_HOME="$RUSTUP_DIR" CARGO_HOME="$CARGO_DIR" DEBIAN_FRONTEND=noninteractive
    PYTHONDONTWRITEBYTECODE=1  # no __pycache__ of sid's Pythons in the checkout
  )
  local v
  # Pass through the knobs a developer may set for a test run.
  for v in $(compgen -e | grep -E '^(RUST_|RUSTUP_TOOLCHAIN$|RUSTFLAGS$|CARGO_TERM_|CARGO_PROFILE_|GILSTUFF_|PROPTEST_|ASAN_|LSAN_|UBSAN_|PYTHONUNBUFFERED$)' || true); do
    envs+=("$v=${!v}")
  done
  chroot "$SID_ROOT" /usr/bin/env -i "${envs[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$cwd" "$@"
}

# Runs inside `unshare -m`: a fresh private copy of the mount table.
inner() {
  mount --make-rprivate / 2>/dev/null || true
  mount_all
  in_chroot "$@"
}

with_mounts() {
  if [ -z "${SID_NO_UNSHARE:-}" ] && unshare -m true 2>/dev/null; then
    unshare -m -- "$SELF" __inner "$@"
  else
    say "unshare -m is not available: mounting in this namespace, unmounting on exit"
    trap umount_all EXIT INT TERM HUP
    mount_all
    local rc=0
    in_chroot "$@" || rc=$?
    umount_all
    trap - EXIT INT TERM HUP
    return $rc
  fi
}

check() {
  [ -d "$SID_ROOT" ] || { say "no chroot at $SID_ROOT (create it: ci/sid-chroot.sh ensure)"; return 1; }
  [ -f "$STAMP" ] || { say "the chroot at $SID_ROOT is incomplete (finish it: ci/sid-chroot.sh ensure)"; return 1; }
  [ "$(cat "$STAMP")" = "$PACKAGES" ] || { say "the chroot at $SID_ROOT lacks packages added since it was made (ci/sid-chroot.sh ensure)"; return 1; }
  return 0
}

ensure_locked() {
  if check 2>/dev/null; then return 0; fi
  need_root
  local t0=$SECONDS
  if [ ! -x "$SID_ROOT/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
    local mirror new=$SID_ROOT.new
    mirror=$(host_mirror)
    local gpg=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
    [ -z "${SID_NO_CHECK_GPG:-}" ] || gpg=(--no-check-gpg)
    if [ -e "$new" ]; then assert_unmounted "$new"; rm -rf "$new"; fi
    say "debootstrap sid from $mirror into $SID_ROOT (minbase)"
    mkdir -p "$(dirname "$SID_ROOT")"
    # In a private mount namespace if possible, so the /proc and /sys debootstrap mounts
    # cannot outlive it.
    local ns=(unshare -m --)
    unshare -m true 2>/dev/null || ns=()
    if ! "${ns[@]}" debootstrap --variant=minbase "${gpg[@]}" sid "$new" "$mirror" > "$new.log" 2>&1; then
      tail -n 30 "$new.log" >&2
      die "debootstrap failed (full log: $new.log)"
    fi
    rm -f "$new.log"
    if [ -e "$SID_ROOT" ]; then assert_unmounted "$SID_ROOT"; rm -rf "$SID_ROOT"; fi
    mv "$new" "$SID_ROOT"
  fi
  # sid's Release file may be past its Valid-Until date: let apt inside accept it.
  printf 'Acquire::Check-Valid-Until "false";\n' > "$SID_ROOT/etc/apt/apt.conf.d/99gilstuff-valid-until"
  say "apt-get install $PACKAGES"
  # shellcheck disable=SC2086
  with_mounts sh -c "apt-get ${APT_OPTS[*]} update && apt-get ${APT_OPTS[*]} install -y --no-install-recommends $PACKAGES && apt-get clean" \
    > "$SID_ROOT.apt.log" 2>&1 || { tail -n 30 "$SID_ROOT.apt.log" >&2; die "apt-get inside the chroot failed (log: $SID_ROOT.apt.log)"; }
  rm -f "$SID_ROOT.apt.log"
  echo "$PACKAGES" > "$STAMP"
  say "ready in $((SECONDS - t0)) s: $(with_mounts sh -c 'for p in python3.14 python3.15; do $p -c "import sys; print(sys.version.split()[0], end=\" \")"; done; gcc -dumpfullversion')"
}

ensure() {
  mkdir -p "$(dirname "$SID_ROOT")"
  # One creator at a time; others wait, then find it ready.
  exec 9> "$SID_ROOT.lock"
  flock 9
  ensure_locked
  flock -u 9
  exec 9>&-
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  ensure) ensure ;;
  check) check ;;
  run)
    [ $# -gt 0 ] || die "usage: ci/sid-chroot.sh run CMD..."
    need_root
    check || die "cannot run: the chroot is not ready"
    with_mounts "$@" ;;
  shell) need_root; check || exit 1; with_mounts /bin/bash ;;
  __inner) inner "$@" ;;
  *) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$SELF"; exit 2 ;;
esac
