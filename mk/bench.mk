# C benchmarks of the object API (issue 3) and the sub-interpreter pool (issue 4).
#   make bench-objects   object handles (call, int and str round trips) vs the raw C API
#   make bench-async     async calls through a gilstuff_queue vs blocking gilstuff_invoke:
#                        throughput (1, 2, 4 workers; 64 host threads) and the latency
#                        a round trip adds per call
#   make bench-pool      CPU-bound Python from 1, 2 (and nproc) threads: shared main
#                        interpreter vs an own-GIL pool; pool call overhead vs with_gil
# Both print ratios against the raw CPython C API / gilstuff_with_gil measured in the
# same run; targets are printed, not enforced. Shared helpers: benches/bench_util.h.

BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I$(ROOT)/include -I$(PY_INC)

.PHONY: bench-objects bench-pool bench-async

$(BUILD)/benches/%: benches/%.c benches/bench_util.h include/gilstuff.h lib
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LINK_GILSTUFF)

bench-objects: $(BUILD)/benches/bench_objects
	$(BUILD)/benches/bench_objects

bench-pool: $(BUILD)/benches/bench_pool
	$(BUILD)/benches/bench_pool $(ROOT)/benches

bench-async: $(BUILD)/benches/bench_async
	$(BUILD)/benches/bench_async

BENCH_TARGETS += bench-objects bench-pool bench-async
