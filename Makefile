# fairaudit - one non-recursive GNU Makefile.
#   make                 build libfairaudit.a, libfairaudit.so, fairaudit, examples (release)
#   make test            build and run every test; the last line counts passed and failed
#   make asan            the same tests under AddressSanitizer + UBSan
#   make demo            the whole audit on the bundled fixture data
#   make bench           benchmarks (never part of make test)
#   make headercheck     the public header compiles alone as C11 and as C++
#   BUILD=debug|release|asan selects the build directory build/$(BUILD)/; CC=clang works too.

BUILD ?= release
CC ?= cc
O := build/$(BUILD)

PKGS := gsl libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wcast-qual -Wwrite-strings -Wvla -Wconversion -Wno-sign-conversion \
        -Werror
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -I. $(WARN) $(PKG_CFLAGS) -fPIC -MMD -MP \
               -pthread -fopenmp

ifeq ($(BUILD),debug)
OPT := -O0 -g3
else ifeq ($(BUILD),asan)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-divide-by-zero \
       -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined,float-divide-by-zero
else
OPT := -O2 -g
endif

ALL_CFLAGS := $(CFLAGS_BASE) $(OPT) $(CFLAGS)
LDLIBS_ALL := $(PKG_LIBS) -lhpdf -lm -pthread -fopenmp

LIB_SRC := $(wildcard common/*.c metrics/*.c explain/*.c reports/*.c) \
           $(filter-out audit/main.c audit/cmd_%.c,$(wildcard audit/*.c))
CLI_SRC := audit/main.c $(wildcard audit/cmd_*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
EXAMPLE_SRC := $(wildcard examples/*.c)
FIXTURE_SRC := $(wildcard fixtures/gen_*.c)
BENCH_SRC := $(wildcard bench/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(O)/%.o)

LIB_A := $(O)/libfairaudit.a
LIB_SO := $(O)/libfairaudit.so
BIN := $(O)/fairaudit
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(O)/tests/%)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(O)/examples/%)
FIXTURE_BIN := $(FIXTURE_SRC:fixtures/%.c=$(O)/fixtures/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(O)/bench/%)

.SECONDARY:

.PHONY: all deps test unit cli-test asan demo bench headercheck clean format format-check fuzz \
        valgrind lint

all: $(LIB_A) $(LIB_SO) $(BIN) $(EXAMPLE_BIN) $(FIXTURE_BIN)

deps:
	@scripts/install-deps.sh

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared $(OPT) $(LDSAN) -o $@ $^ $(LDLIBS_ALL)

$(BIN): $(CLI_OBJ) $(LIB_A)
	$(CC) $(OPT) $(LDSAN) -o $@ $(CLI_OBJ) $(LIB_A) $(LDLIBS_ALL)

$(O)/tests/%: $(O)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(LDSAN) -o $@ $< $(LIB_A) $(LDLIBS_ALL) -lcmocka

$(O)/examples/%: $(O)/examples/%.o $(LIB_A)
	$(CC) $(OPT) $(LDSAN) -o $@ $< $(LIB_A) $(LDLIBS_ALL)

$(O)/fixtures/%: $(O)/fixtures/%.o
	$(CC) $(OPT) $(LDSAN) -o $@ $< -lm

$(O)/bench/%: $(O)/bench/%.o $(LIB_A)
	$(CC) $(OPT) $(LDSAN) -o $@ $< $(LIB_A) $(LDLIBS_ALL)

# The tests: unit tests per module (cmocka), the API example, the CLI cases.
test: deps all $(TEST_BIN)
	@BUILD=$(BUILD) scripts/run-tests.sh $(O)

asan:
	@$(MAKE) --no-print-directory BUILD=asan test

demo: deps all
	@scripts/demo.sh $(O)

bench: deps
	@$(MAKE) --no-print-directory BUILD=release all $(patsubst $(O)/%,build/release/%,$(BENCH_BIN))
	@bench/run.sh build/release

# Fuzz targets (libFuzzer, clang): the library built again with the fuzzer's instrumentation,
# once into build/fuzz/obj/, then linked with each target.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_FLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -I. $(PKG_CFLAGS) -g -O1 -fopenmp \
              -fno-sanitize-recover=all
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJ) \
	    $(filter-out -pthread -fopenmp,$(LDLIBS_ALL)) -pthread -fopenmp

# valgrind over the CLI cases (definite leaks and invalid accesses are failures). libgomp's
# never-joined worker threads leave "possibly lost" TLS blocks: not shown. Under valgrind glibc
# picks another libm variant (valgrind's CPU model has no FMA), so model outputs, and the
# permutation-importance tables built on them, can differ in the last bits from a native run.
VALGRIND := valgrind -q --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --error-exitcode=99
valgrind: all
	FA_CLI_WRAPPER='$(VALGRIND)' tests/cli/run.sh $(O)
	FA_CLI_WRAPPER='$(VALGRIND)' tests/bad/run.sh $(O)

# static analysis: cppcheck, then clang-tidy with the short check list of .clang-tidy (any
# finding of either fails). clang-tidy takes a few minutes on two cores.
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	    --inline-suppr -I. --suppress=missingIncludeSystem $(LIB_SRC) $(CLI_SRC)
	clang-tidy --quiet $(LIB_SRC) $(CLI_SRC) -- -std=c11 -D_POSIX_C_SOURCE=200809L -I. \
	    -fopenmp $(PKG_CFLAGS)

headercheck:
	@mkdir -p $(O)
	echo '#include "include/fairaudit.h"' > $(O)/hc.c
	$(CC) -std=c11 $(WARN) -I. -fsyntax-only $(O)/hc.c
	echo '#include "include/fairaudit.h"' > $(O)/hc.cpp
	c++ -std=c++11 -Wall -Wextra -Werror -I. -fsyntax-only $(O)/hc.cpp

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) $(wildcard */*.h) include/fairaudit.h

format-check:
	clang-format --dry-run -Werror $(LIB_SRC) $(CLI_SRC) include/fairaudit.h

clean:
	rm -rf build

-include $(wildcard $(O)/*/*.d $(O)/*/*/*.d)
