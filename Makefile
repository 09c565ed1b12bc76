# gilstuff build, demo, tests and benchmarks.
#   make demo          build and run the threaded counter (8 threads)
#   make test          every test: Rust, C (under ASan), header, bindings
#   make test-matrix   the core suite against CPython 3.10–3.13 (pyenv) and 3.14/3.15 (sid
#                      chroot), plus a free-threaded `cargo check`; see ci/matrix.sh
#   make test-sid PYV=3.15   the core suite against sid's CPython 3.14/3.15 (ci/sid-chroot.sh)
#   make bench         benchmarks that print ratios against the raw C API
#   make install PREFIX=/usr/local
# PYTHON picks the CPython to build against (default: python3 on PATH).

PYTHON ?= python3
PY_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
PY_VER := $(shell $(PY_EXE) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PY_INC := $(shell $(PY_EXE) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
PY_LIBDIR := $(shell $(PY_EXE) -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
PY_LDLIB := $(shell $(PY_EXE) -c 'import sysconfig; print(sysconfig.get_config_var("LDVERSION"))')
PY_LIBS := -L$(PY_LIBDIR) -Wl,-rpath,$(PY_LIBDIR) -lpython$(PY_LDLIB)

ifeq ($(PY_LDLIB),)
$(error PYTHON=$(PYTHON) is not a working CPython (no sysconfig LDVERSION))
endif

ROOT := $(abspath .)
# Each CPython ABI builds into directories of its own, named by LDVERSION (py3.12, py3.14t
# for a free-threaded build, py3.13d for a debug build), so that builds never mix.
PY_ABI := py$(PY_LDLIB)
TARGET_DIR := $(ROOT)/target/$(PY_ABI)
LIBDIR := $(TARGET_DIR)/release
BUILD := $(ROOT)/build/$(PY_ABI)
PREFIX ?= /usr/local

CARGO_ENV := PYO3_PYTHON=$(PY_EXE) CARGO_TARGET_DIR=$(TARGET_DIR)
CC ?= cc
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -I$(ROOT)/include -I$(PY_INC)
ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer
LINK_GILSTUFF := -L$(LIBDIR) -Wl,-rpath,$(LIBDIR) -lgilstuff $(PY_LIBS) -lpthread -lm

C_TESTS := $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(wildcard tests/c/test_*.c))
C_EXAMPLES := $(patsubst examples/c/%.c,$(BUILD)/examples/%,$(wildcard examples/c/*.c))

# `make test` runs test-core plus what each fragment under mk/ adds to TEST_TARGETS
# (mk/go.mk: the Go binding, mk/pony.mk: the Pony binding); `make bench` likewise runs
# BENCH_TARGETS.
TEST_TARGETS := test-core
BENCH_TARGETS := bench-core

.PHONY: all lib demo test test-core test-rust test-c test-header test-attach test-matrix bench \
        bench-core header install clean test-sid check-freethreaded

all: lib $(C_EXAMPLES)

lib:
	$(CARGO_ENV) cargo build --release --lib

$(LIBDIR)/libgilstuff.so: lib

$(BUILD)/examples/%: examples/c/%.c include/gilstuff.h lib
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< $(LINK_GILSTUFF)

$(BUILD)/tests/%: tests/c/%.c $(wildcard tests/c/*.h) include/gilstuff.h lib
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(ASAN) -o $@ $< $(LINK_GILSTUFF)

demo: $(BUILD)/examples/threaded_counter
	cd examples && PYTHONPATH=. $(BUILD)/examples/threaded_counter 8

header:
	GILSTUFF_BLESS=1 $(CARGO_ENV) cargo test --release --test header


test-core: test-header test-rust test-c test-attach

# Every test process (a cargo test binary, a C test program, the attach test) is killed
# after TEST_TIMEOUT seconds (SIGTERM, then SIGKILL 10 s later), so that a hung test fails
# instead of eating the run. Cargo runs each test binary under `timeout` (a runner) and,
# with --no-fail-fast, goes on with the other binaries.
TEST_TIMEOUT ?= 60
TIMEOUT := timeout -k 10 $(TEST_TIMEOUT)
CARGO_TEST_RUNNER := --config "target.'cfg(all())'.runner = ['timeout', '-k', '10', '$(TEST_TIMEOUT)']"

test-header:
	$(CARGO_ENV) cargo test --release $(CARGO_TEST_RUNNER) --test header

test-rust:
	$(CARGO_ENV) cargo test --release $(CARGO_TEST_RUNNER) --no-fail-fast --lib --tests -- --test-threads=1

# C programs under AddressSanitizer + UBSan (leak checking on, CPython's own
# allocations suppressed by tests/c/lsan.supp). Each program is its own process; all run,
# then the failed ones are listed.
test-c: $(C_TESTS) $(C_EXAMPLES)
	@failed=""; for t in $(C_TESTS); do \
	  echo "== $$(basename $$t) (python $(PY_VER), $(PY_ABI))"; \
	  (cd examples && PYTHONPATH=. ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    LSAN_OPTIONS=suppressions=$(ROOT)/tests/c/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    GILSTUFF_EXAMPLES=$(BUILD)/examples $(TIMEOUT) $$t); rc=$$?; \
	  if [ $$rc -eq 124 ] || [ $$rc -eq 137 ]; then echo "== $$(basename $$t): TIMEOUT after $(TEST_TIMEOUT) s"; fi; \
	  if [ $$rc -ne 0 ]; then failed="$$failed $$(basename $$t)"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "test-c failed (python $(PY_VER), $(PY_ABI)):$$failed"; exit 1; fi

# Behaviour 7: loaded into a running Python with ctypes, init attaches, finalize detaches.
test-attach: lib
	$(TIMEOUT) $(PY_EXE) tests/python/test_attach.py $(LIBDIR)/libgilstuff.so
	$(TIMEOUT) env CC=$(CC) $(PY_EXE) tests/python/test_attach_exit.py $(LIBDIR)/libgilstuff.so

# The core suite against CPython 3.10–3.13 (pyenv, or python3.X on PATH) and 3.14/3.15
# (Debian sid, in the chroot of ci/sid-chroot.sh, created on first use), then
# check-freethreaded. Each version builds into its own target/py<LDVERSION>; a failing
# version does not stop the others. The last line reads
# `test-matrix: N passed, N failed, N skipped`; the exit status is 1 if any failed.
#   MATRIX_SKIP="3.11"     versions to leave out (CI leaves out the one `make test` ran)
#   MATRIX_HOST="3.9 3.10 3.11 3.12 3.13"   MATRIX_SID="3.14 3.15"   which versions where
#   MATRIX_STRICT=1        a version that is not installed counts as failed (CI)
MATRIX_HOST ?= 3.10 3.11 3.12 3.13
MATRIX_SID ?= 3.14 3.15
MATRIX_SKIP ?=
MATRIX_STRICT ?=
test-matrix:
	@MAKE="$(MAKE)" MATRIX_HOST="$(MATRIX_HOST)" MATRIX_SID="$(MATRIX_SID)" MATRIX_SKIP="$(MATRIX_SKIP)" \
	  MATRIX_STRICT="$(MATRIX_STRICT)" TEST_TIMEOUT="$(TEST_TIMEOUT)" $(ROOT)/ci/matrix.sh

# One version's core suite (or SID_GOALS) inside the sid chroot, for CPython 3.14 and
# 3.15, which pyenv cannot install here. Needs root; creates the chroot on first use.
#   make test-sid PYV=3.15 [SID_GOALS="test-rust test-c"] [TEST_TIMEOUT=60]
PYV ?= 3.15
SID_GOALS ?= test-core
test-sid:
	$(ROOT)/ci/sid-chroot.sh ensure
	$(ROOT)/ci/sid-chroot.sh run make -k --no-print-directory $(SID_GOALS) PYTHON=python$(PYV) TEST_TIMEOUT=$(TEST_TIMEOUT)

# Free-threaded CPython (3.14t): no such build is installable here, so this checks what
# can be checked without one: the library and its tests type-check against pyo3-ffi's
# Py_GIL_DISABLED API (a pyo3 config file stands in for the interpreter), in
# target/py3.14t. It fails if the build script did not see the free-threaded config.
FT_VERSION ?= 3.14
FT_TARGET_DIR := $(ROOT)/target/py$(FT_VERSION)t
check-freethreaded:
	@mkdir -p $(FT_TARGET_DIR)
	@printf '%s\n' implementation=CPython version=$(FT_VERSION) shared=true \
	  build_flags=Py_GIL_DISABLED suppress_build_script_link_lines=true > $(FT_TARGET_DIR)/pyo3-config.new
	@cmp -s $(FT_TARGET_DIR)/pyo3-config.new $(FT_TARGET_DIR)/pyo3-config.txt \
	  && rm $(FT_TARGET_DIR)/pyo3-config.new || mv $(FT_TARGET_DIR)/pyo3-config.new $(FT_TARGET_DIR)/pyo3-config.txt
	cat $(FT_TARGET_DIR)/pyo3-config.txt
	PYO3_CONFIG_FILE=$(FT_TARGET_DIR)/pyo3-config.txt CARGO_TARGET_DIR=$(FT_TARGET_DIR) \
	  cargo check --release --lib --tests
	@grep -qx 'cargo:rustc-cfg=Py_GIL_DISABLED' $$(ls -t $(FT_TARGET_DIR)/release/build/gilstuff-*/output | head -n 1) \
	  || { echo "check-freethreaded: gilstuff was not checked with Py_GIL_DISABLED"; exit 1; }
	@echo "check-freethreaded: the library and tests type-check for free-threaded CPython $(FT_VERSION)t"

bench-core: lib
	@mkdir -p $(BUILD)/benches
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I$(ROOT)/include -I$(PY_INC) \
	  -o $(BUILD)/benches/bench_core benches/bench_core.c $(LINK_GILSTUFF)
	$(BUILD)/benches/bench_core

install: lib
	install -d $(PREFIX)/lib $(PREFIX)/include $(PREFIX)/lib/pkgconfig
	install -m 644 include/gilstuff.h $(PREFIX)/include/
	install -m 755 $(LIBDIR)/libgilstuff.so $(PREFIX)/lib/
	install -m 644 $(LIBDIR)/libgilstuff.a $(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@PY_LIBDIR@|$(PY_LIBDIR)|g' \
	    -e 's|@PY_LDLIB@|$(PY_LDLIB)|g' -e 's|@VERSION@|$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)|g' \
	    gilstuff.pc.in > $(PREFIX)/lib/pkgconfig/gilstuff.pc

clean:
	rm -rf target build lib

-include mk/*.mk

test: $(TEST_TARGETS)

bench: $(BENCH_TARGETS)
