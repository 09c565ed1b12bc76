#!/usr/bin/env bash
# `make test-matrix`: the core suite (`make test-core`) against every CPython of the matrix,
# each in its own target/py<LDVERSION>, then the free-threaded `cargo check`.
#   MATRIX_HOST    versions found on this machine: pyenv's newest X.Y.*, else python3.X on PATH
#   MATRIX_SID     versions run inside the Debian sid chroot (ci/sid-chroot.sh)
#   MATRIX_SKIP    versions to leave out, counted as skipped ("3.14t" leaves out the
#                  free-threaded check)
#   MATRIX_STRICT  1: a host version that is not installed counts as failed, not skipped
#   TEST_TIMEOUT   seconds before a test process is killed (see the Makefile)
# A version that fails does not stop the others. A sid version whose chroot cannot be made
# counts as failed. Prints a summary with each leg's time; the last line is
# `test-matrix: N passed, N failed, N skipped`; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
MAKE=${MAKE:-make}
MATRIX_HOST=${MATRIX_HOST-3.10 3.11 3.12 3.13}
MATRIX_SID=${MATRIX_SID-3.14 3.15}
MATRIX_SKIP=${MATRIX_SKIP:-}
MATRIX_STRICT=${MATRIX_STRICT:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-60}

passed=0 failed=0 skipped=0
summary=()
record() { # record passed|failed|skipped "leg" "detail"
  case $1 in
    passed) passed=$((passed + 1)) ;;
    failed) failed=$((failed + 1)) ;;
    skipped) skipped=$((skipped + 1)) ;;
  esac
  summary+=("$(printf '  %-8s %-7s %s' "$2" "$1" "$3")")
}
skipping() { case " $MATRIX_SKIP " in *" $1 "*) return 0 ;; esac; return 1; }

find_python() { # newest pyenv X.Y.* (stable releases only), else pythonX.Y on PATH
  local v=$1 root py=""
  root=$(pyenv root 2>/dev/null || true)
  if [ -n "$root" ]; then
    py=$(ls -d "$root"/versions/"$v".*/bin/python"$v" 2>/dev/null \
         | grep -E "/versions/$v\.[0-9]+/bin/" | sort -V | tail -n 1 || true)
  fi
  [ -n "$py" ] || py=$(command -v "python$v" || true)
  echo "$py"
}

run_leg() { # run_leg "leg" cmd... : runs, records passed/failed with the time taken
  local leg=$1 t0=$SECONDS rc=0
  shift
  "$@" || rc=$?
  local dt=$((SECONDS - t0))
  local took="$((dt / 60))m$(printf '%02d' $((dt % 60)))s"
  if [ $rc -eq 0 ]; then
    record passed "$leg" "$took"
  else
    record failed "$leg" "$took, exit status $rc"
  fi
  echo "== python $leg: $([ $rc -eq 0 ] && echo passed || echo FAILED) in $took"
}

for v in $MATRIX_HOST; do
  if skipping "$v"; then echo "== python $v: skipped (MATRIX_SKIP)"; record skipped "$v" "MATRIX_SKIP"; continue; fi
  py=$(find_python "$v")
  if [ -z "$py" ]; then
    if [ -n "$MATRIX_STRICT" ]; then
      echo "== python $v: NOT INSTALLED (counted as failed: MATRIX_STRICT)"; record failed "$v" "not installed"
    else
      echo "== python $v: not installed, skipped"; record skipped "$v" "not installed"
    fi
    continue
  fi
  echo "== python $v ($py)"
  run_leg "$v" "$MAKE" -k --no-print-directory test-core PYTHON="$py" TEST_TIMEOUT="$TEST_TIMEOUT"
done

sid_wanted=""
for v in $MATRIX_SID; do
  if skipping "$v"; then echo "== python $v: skipped (MATRIX_SKIP)"; record skipped "$v" "MATRIX_SKIP"
  else sid_wanted="$sid_wanted $v"; fi
done
if [ -n "$sid_wanted" ]; then
  echo "== Debian sid chroot for python$sid_wanted"
  t0=$SECONDS
  log=$(mktemp)
  "$ROOT"/ci/sid-chroot.sh ensure 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  chroot_err=$(tail -n 1 "$log")
  rm -f "$log"
  if [ "$rc" -eq 0 ]; then
    echo "== sid chroot ready ($((SECONDS - t0)) s)"
    for v in $sid_wanted; do
      echo "== python $v (Debian sid chroot)"
      run_leg "$v" "$ROOT"/ci/sid-chroot.sh run make -k --no-print-directory test-core \
        PYTHON="python$v" TEST_TIMEOUT="$TEST_TIMEOUT"
    done
  else
    for v in $sid_wanted; do
      echo "== python $v: FAILED: the sid chroot could not be set up (see above)"
      record failed "$v" "sid chroot unavailable: $chroot_err"
    done
  fi
fi

if skipping 3.14t; then
  echo "== 3.14t check: skipped (MATRIX_SKIP)"; record skipped "3.14t" "MATRIX_SKIP"
else
  echo "== free-threaded 3.14t: cargo check with Py_GIL_DISABLED"
  run_leg "3.14t" "$MAKE" --no-print-directory check-freethreaded FT_VERSION=3.14
fi

echo
echo "test-matrix summary:"
printf '%s\n' "${summary[@]}"
echo "test-matrix: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
