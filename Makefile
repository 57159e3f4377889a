# kmm front door: `make run` runs the main job, `make test` runs the test suite.
# CMake does the building underneath, in build/ (and build-asan/, build-tsan/ for the
# sanitizer suites). Missing build tools are installed by scripts/deps.sh (apt-get as
# root) or it prints the exact command to run.

BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
PREFIX ?= /usr/local
# What `make test` runs: everything but the slow labels, which have their own targets.
CTEST_FAST = -LE '^(stress|fuzz|bench)$$'
CTEST = ctest --output-on-failure -j $(JOBS)

.PHONY: all deps run test test-asan test-tsan test-stress test-faultinj test-faultinj-suite test-all test-reliability fuzz bench install clean format

all: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@sh scripts/deps.sh

run: all
	@./scripts/run.sh $(BUILD)

test: all
	cd $(BUILD) && $(CTEST) $(CTEST_FAST)

test-stress: all
	cd $(BUILD) && $(CTEST) -L stress

# Fault injection at 1%, 10% and 50% over every entry point, long runs (tests/test_faultinj*.c).
test-faultinj: all
	cd $(BUILD) && $(CTEST) -L faultinj

# The whole fast suite at each failure rate: no crash, no inconsistency, no leak of kmm's.
RATES ?= 1,10,50
test-faultinj-suite: all
	python3 scripts/faultinj-suite.py --build $(BUILD) --rates $(RATES) --jobs $(JOBS)

test-all: all
	cd $(BUILD) && $(CTEST)

test-asan: deps
	@cmake -S . -B build-asan -DKMM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(CTEST) $(CTEST_FAST)

test-tsan: deps
	@cmake -S . -B build-tsan -DKMM_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:die_after_fork=0 $(CTEST) $(CTEST_FAST)

# The reliability tests alone (init_on_alloc/free, checkers, OOM, cross-thread stress).
test-reliability: all
	cd $(BUILD) && $(CTEST) -L reliability

# libFuzzer on the whole API (fuzz/), FUZZ_SECONDS per back-end, in a clang build with
# ASan and UBSan. A crash leaves its input in build-fuzz/ and fails the target.
FUZZ_SECONDS ?= 20
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
		-DKMM_FUZZ=ON -DKMM_WERROR=OFF -DKMM_SANITIZE=address,undefined \
		-DCMAKE_BUILD_TYPE=Debug -DKMM_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_api
	cd build-fuzz && ctest --output-on-failure -L fuzz

bench: all
	@./scripts/bench.sh $(BUILD)

# kmm.pc records the prefix, so the build is configured for it before installing.
install: deps
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

format:
	clang-format -i src/*.c src/*.h src/port/*.c include/*.h include/linux/*.h tests/*.c tests/*.h bench/*.c bench/workloads/*.[ch] \
		shim/*.c shim/*.h

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
