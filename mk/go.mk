# The Go binding (bindings/go) and its example (examples/go/counter).
#   make test-go    go vet + go test -race in bindings/go, then build and run the example
#   make demo-go    run the seed counter from Go
#   make bench-go   Go benchmarks: call, parallel call, empty cgo call, raw C floor, pool call
# Links the library built by `make lib` through CGO flags (rpath included), so no
# environment is needed. The header's checksum goes into CGO_CFLAGS because the go
# command does not track headers outside the module: a new header rebuilds the cgo code.

GO ?= go
GO_DIR := $(ROOT)/bindings/go
GO_EXAMPLE_DIR := $(ROOT)/examples/go/counter
GO_HEADER_SUM := $(firstword $(shell cksum < $(ROOT)/include/gilstuff.h))
GO_ENV := CGO_ENABLED=1 \
  CGO_CFLAGS="-O2 -g -I$(ROOT)/include -DGILSTUFF_HEADER_SUM=$(GO_HEADER_SUM)" \
  CGO_LDFLAGS="-L$(LIBDIR) -Wl,-rpath,$(LIBDIR) $(PY_LIBS)"
GO_TEST_FLAGS ?= -race -count=1 -timeout 170s
GO_BENCH_FLAGS ?= -run '^$$' -bench . -benchmem -benchtime 1s -count 1

.PHONY: test-go demo-go bench-go go-example

test-go: lib go-example
	cd $(GO_DIR) && $(GO_ENV) $(GO) vet ./...
	cd $(GO_DIR) && $(GO_ENV) $(GO) test $(GO_TEST_FLAGS) ./...
	cd $(GO_EXAMPLE_DIR) && $(GO_ENV) $(GO) vet ./...
	$(BUILD)/go/counter -goroutines 1000 -calls 100 -syspath $(ROOT)/examples

go-example: lib
	@mkdir -p $(BUILD)/go
	cd $(GO_EXAMPLE_DIR) && $(GO_ENV) $(GO) build -o $(BUILD)/go/counter .

demo-go: go-example
	$(BUILD)/go/counter -syspath $(ROOT)/examples

bench-go: lib
	cd $(GO_DIR) && $(GO_ENV) $(GO) test $(GO_BENCH_FLAGS) .

TEST_TARGETS += test-go
BENCH_TARGETS += bench-go
