# gilstuff build, demo, tests and benchmarks.
#   make demo          build and run the threaded counter (8 threads)
#   make test          every test: Rust, C (under ASan), header, bindings
#   make test-matrix   the core suite against every CPython 3.9–3.13 installed with pyenv
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

ROOT := $(abspath .)
TARGET_DIR := $(ROOT)/target/py$(PY_VER)
LIBDIR := $(TARGET_DIR)/release
BUILD := $(ROOT)/build/py$(PY_VER)
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
        bench-core header install clean

all: lib $(C_EXAMPLES)

lib:
	$(CARGO_ENV) cargo build --release --lib

$(LIBDIR)/libgilstuff.so: lib

$(BUILD)/examples/%: examples/c/%.c include/gilstuff.h lib
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< $(LINK_GILSTUFF)

$(BUILD)/tests/%: tests/c/%.c tests/c/check.h tests/c/thing_inc.h include/gilstuff.h lib
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(ASAN) -o $@ $< $(LINK_GILSTUFF)

demo: $(BUILD)/examples/threaded_counter
	cd examples && PYTHONPATH=. $(BUILD)/examples/threaded_counter 8

header:
	GILSTUFF_BLESS=1 $(CARGO_ENV) cargo test --release --test header


test-core: test-header test-rust test-c test-attach

test-header:
	$(CARGO_ENV) cargo test --release --test header

test-rust:
	$(CARGO_ENV) cargo test --release --lib --tests -- --test-threads=1

# C programs under AddressSanitizer + UBSan (leak checking on, CPython's own
# allocations suppressed by tests/c/lsan.supp). Each program is its own process.
test-c: $(C_TESTS) $(C_EXAMPLES)
	@set -e; for t in $(C_TESTS); do \
	  echo "== $$(basename $$t) (python $(PY_VER))"; \
	  (cd examples && PYTHONPATH=. ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    LSAN_OPTIONS=suppressions=$(ROOT)/tests/c/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    GILSTUFF_EXAMPLES=$(BUILD)/examples $$t); \
	done

# Behaviour 7: loaded into a running Python with ctypes, init attaches, finalize detaches.
test-attach: lib
	$(PY_EXE) tests/python/test_attach.py $(LIBDIR)/libgilstuff.so

# MATRIX_SKIP: versions to leave out (CI skips the one `make test` just ran). The
# versions share one cargo target directory, so that only pyo3-ffi and gilstuff rebuild
# per version, not every dependency.
MATRIX_SKIP ?=
test-matrix:
	@set -e; found=0; skipped=0; for v in 3.9 3.10 3.11 3.12 3.13; do \
	  case " $(MATRIX_SKIP) " in *" $$v "*) echo "== python $$v: skipped (MATRIX_SKIP)"; skipped=$$((skipped+1)); continue;; esac; \
	  py=$$(ls -d $$(pyenv root 2>/dev/null)/versions/$$v.*/bin/python$$v 2>/dev/null | tail -n 1); \
	  if [ -z "$$py" ]; then py=$$(command -v python$$v || true); fi; \
	  if [ -z "$$py" ]; then echo "== python $$v: not installed, skipped"; skipped=$$((skipped+1)); continue; fi; \
	  echo "== python $$v ($$py)"; \
	  $(MAKE) --no-print-directory test-core PYTHON=$$py TARGET_DIR=$(ROOT)/target/matrix; \
	  found=$$((found+1)); \
	done; echo "test-matrix: $$found passed, 0 failed, $$skipped skipped"

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
