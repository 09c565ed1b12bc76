# The Pony binding (bindings/pony/gilstuff) and its example (examples/pony/threaded-counter).
#   make pony-lib    lay out lib/ so that `ponyc --path=$(ROOT)/lib examples/pony/threaded-counter`
#                    finds the package and links: libgilstuff.a, and libgilstuff_python.so,
#                    a link to the libpython this build of libgilstuff was made for
#   make test-pony   check every `use @gilstuff_…` declaration against the header, show
#                    the check rejects wrong ones, run a C model of the Pony scheduler
#                    linked as ponyc would link; then, with a ponyc, compile and run the
#                    package's ponytest suite (and its async tests on one scheduler
#                    thread) and the example, blocking and --async (1, 5, 8, 1000 actors)
#   make bench-pony  with a ponyc: async calls through a PyQueue vs blocking calls from
#                    behaviours, same run (tests/pony/bench; prints, enforces nothing)
# lib/ holds one Python's build: rerun `make pony-lib PYTHON=…` to switch.
#
# PONYC picks the compiler: unset, `ponyc` on PATH if there is one; empty
# (`make test-pony PONYC=`), none: the ponyc part prints `pony: skipped (no ponyc)`;
# a path, that ponyc. Its output goes to $(BUILD)/pony.

PONY_PKG := $(ROOT)/bindings/pony/gilstuff
PONY_LIB := $(ROOT)/lib
PONY_TESTS := $(ROOT)/tests/pony
PONY_CHECK := $(PY_EXE) $(PONY_TESTS)/checker/check_ffi.py --header $(ROOT)/include/gilstuff.h \
  --package $(PONY_PKG) --absent $(PONY_TESTS)/deliberately_absent.txt
PY_SONAME := $(shell $(PY_EXE) -c 'import sysconfig; print(sysconfig.get_config_var("INSTSONAME") or "")')
PY_SHARED := $(PY_LIBDIR)/libpython$(PY_LDLIB).so
PONY_MODEL := $(BUILD)/pony/counter_scenario
PONY_MODEL_SRC := $(wildcard $(PONY_TESTS)/model/*.c $(PONY_TESTS)/model/*.h)
PONYC ?= $(shell command -v ponyc 2>/dev/null)

.PHONY: pony-lib test-pony pony-check pony-model pony-ponyc bench-pony

# The package's `use "lib:gilstuff"` and `use "lib:gilstuff_python"` resolve here. Only the
# static libgilstuff goes in (no .so, so the linker cannot pick it); libpython must stay
# shared for Python's own extension modules to find its symbols. libpython's soname is
# linked too, so that the rpath ponyc adds for each --path finds it at run time.
pony-lib: lib
	@test -e $(PY_SHARED) || { echo "pony-lib: $(PY_SHARED) not found: build Python with --enable-shared"; exit 1; }
	@mkdir -p $(PONY_LIB)
	cp $(LIBDIR)/libgilstuff.a $(PONY_LIB)/libgilstuff.a
	ln -sfn $(PY_SHARED) $(PONY_LIB)/libgilstuff_python.so
	test -z "$(PY_SONAME)" || ln -sfn $(PY_LIBDIR)/$(PY_SONAME) $(PONY_LIB)/$(PY_SONAME)
	ln -sfn $(PONY_PKG) $(PONY_LIB)/gilstuff
	cp $(ROOT)/include/gilstuff.h $(PONY_LIB)/gilstuff.h

pony-check:
	$(PONY_CHECK)
	$(PY_EXE) $(PONY_TESTS)/test_checker_rejects.py $(ROOT)/include/gilstuff.h $(PONY_PKG) \
	  $(PONY_TESTS)/deliberately_absent.txt

# Linked like ponyc links a Pony program on Linux: -L and -rpath for lib/, then the
# package's `use "lib:…"` libraries in a group, then the runtime's own -lpthread -ldl -lm.
$(PONY_MODEL): $(PONY_MODEL_SRC) include/gilstuff.h pony-lib
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(ASAN) -o $@ $(filter %.c,$(PONY_MODEL_SRC)) \
	  -L$(PONY_LIB) -Wl,-rpath,$(PONY_LIB) \
	  -Wl,--start-group $(shell $(PONY_CHECK) --print-libs) -Wl,--end-group -lpthread -ldl -lm

pony-model: $(PONY_MODEL)
	cd $(PONY_TESTS) && \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=suppressions=$(ROOT)/tests/c/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(PY_EXE) run_model.py $(PONY_MODEL) $(ROOT)/examples/pony/threaded-counter

# The package's ponytest suite (its _test*.pony files) and the example, compiled by
# ponyc and run with a timeout each (tests/pony/run_ponyc.py checks their output).
pony-ponyc: pony-lib
	@if [ -z "$(PONYC)" ]; then echo "pony: skipped (no ponyc)"; else \
	  $(PY_EXE) $(PONY_TESTS)/run_ponyc.py "$(PONYC)" $(PONY_LIB) $(PONY_PKG) \
	    $(ROOT)/examples/pony/threaded-counter $(BUILD)/pony; fi

test-pony: lib pony-check pony-model pony-ponyc

TEST_TARGETS += test-pony

# Built with ponyc's default optimisations (release), run from $(BUILD)/pony.
bench-pony: pony-lib
	@if [ -z "$(PONYC)" ]; then echo "pony: skipped (no ponyc)"; else \
	  mkdir -p $(BUILD)/pony && \
	  "$(PONYC)" --path=$(PONY_LIB) -o $(BUILD)/pony -b bench-pony $(PONY_TESTS)/bench >$(BUILD)/pony/bench-pony.log 2>&1 \
	    || { cat $(BUILD)/pony/bench-pony.log; exit 1; }; \
	  $(BUILD)/pony/bench-pony; fi

BENCH_TARGETS += bench-pony
