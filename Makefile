# asynclab — plain GNU make.
#
#   make            build ./asynclab
#   make run        build, then run the default scenario
#   make test       build and run every test (unit + end-to-end)
#   make bench      build and run the benchmarks (figures and ratios)
#   make asan       address + undefined sanitizers, then the tests
#   make fuzz       bounded libFuzzer runs of the scenario loader and the run-file reader
#   make docs       screenshots of the timeline window (docs/img/), under Xvfb
#   make install    PREFIX=/usr/local
#
# Missing Debian packages are installed on first use (scripts/deps.sh); the
# pkg-config flags they provide are cached in $(B)/config.mk.

# Compile on every core unless told otherwise (make -jN on the command
# line wins); the unit tests run one after another, the e2e scripts
# E2E_JOBS at a time.  Only the top make decides: a sub-make (asan, test) does not see -j in MAKEFLAGS
# while it parses, and forcing it there reset the jobserver to one job.
ifeq ($(MAKELEVEL),0)
ifeq ($(filter -j% j%,$(firstword $(MAKEFLAGS)) $(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
endif

VERSION    := 0.1.0
PREFIX     ?= /usr/local
B          ?= build
CC         ?= cc
OPT        ?= -O2
FUZZ_SECS  ?= 60
CLANG      ?= clang
FUZZ_CC    ?= $(CLANG)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef \
	-Wvla -Wnull-dereference -Wimplicit-fallthrough -Wold-style-definition \
	-Wdouble-promotion -Wmissing-declarations -Wredundant-decls

CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DAL_VERSION='"$(VERSION)"' \
	-DAL_SHARE_DIR='"$(PREFIX)/share/asynclab/scenarios"' $(WARN) \
	-I. -MMD -MP $(CFLAGS) $(EXTRA_CFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)
# SDL2 and its add-ons are opened at the first drawing call (viz/viz_sdl.c),
# not linked: their ~70 shared objects cost every start ~17 ms.
SDL_LIBS := -lSDL2 -lSDL2_ttf -lSDL2_image
LIBS = $(filter-out $(SDL_LIBS),$(PKG_LIBS)) -lm -lpthread

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

# Layers, bottom up (docs/README.md): every folder's .c files go in the
# library but app/main.c, which is the command.  tests/e2e_layers.sh
# checks that includes point only down this list.
LAYERS   := core models sim net viz conf report app
LIB_SRC  := $(filter-out app/main.c,$(foreach d,$(LAYERS),$(wildcard $(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCHES  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
SHTESTS  := $(sort $(wildcard tests/e2e_*.sh))

.PHONY: all run test unit e2e bench asan crossbuild fuzz install clean deps docs
# test and bench objects are not intermediates to delete after linking
.SECONDARY:
.DEFAULT_GOAL := all

# ./asynclab is the default tree's: another tree (B=...) builds its own only
ifeq ($(B),build)
all: asynclab
else
all: $(B)/asynclab
endif

# --- dependencies: install what is missing, then cache pkg-config's answer
$(B)/config.mk: scripts/deps.sh
	@mkdir -p $(B)
	$(Q)./scripts/deps.sh
	$(Q){ echo "PKG_CFLAGS := $$(pkg-config --cflags yaml-0.1 libevent liburing sdl2 SDL2_ttf SDL2_image)"; \
	     echo "PKG_LIBS := $$(pkg-config --libs yaml-0.1 libevent liburing sdl2 SDL2_ttf SDL2_image)"; \
	     echo "CMOCKA_CFLAGS := $$(pkg-config --cflags cmocka)"; \
	     echo "CMOCKA_LIBS := $$(pkg-config --libs cmocka)"; } > $@.tmp && mv $@.tmp $@
deps: $(B)/config.mk
ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(B)/config.mk
endif

# --- objects, library, command
$(B)/%.o: %.c $(B)/config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libasynclab.a: $(LIB_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Each build tree links its own binary (the sanitizer tree's never lands
# in ./asynclab); ./asynclab is a copy of the default tree's.
$(B)/asynclab: $(B)/app/main.o $(B)/libasynclab.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

asynclab: build/asynclab
	$(Q)cp $< $@

# --- tests: one cmocka binary per tests/test_*.c, then the shell end-to-end
$(B)/tests/%.o: tests/%.c $(B)/config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(B)/tests/%: $(B)/tests/%.o $(B)/libasynclab.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

unit: $(TESTS)
	$(Q)failed=0; for t in $(TESTS); do \
		t0=$$(date +%s); $$t || failed=$$((failed + 1)); \
		echo "== $$t: $$(($$(date +%s) - t0)) s"; \
	done; \
	if [ $$failed -ne 0 ]; then echo "unit: $$failed test binaries failed"; exit 1; fi

# The scripts, E2E_JOBS at a time (tests/run_e2e.sh says why that is safe);
# each one's output whole and in order, then the count of passed, failed
# and skipped checks.
E2E_JOBS ?= 2
e2e: $(B)/asynclab
	$(Q)ASYNCLAB=$(B)/asynclab ASYNCLAB_SANITIZED=$(ASYNCLAB_SANITIZED) \
		sh tests/run_e2e.sh $(E2E_JOBS) $(SHTESTS)

test: $(B)/asynclab $(TESTS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory e2e

# --- benchmarks: figures, not pass/fail
$(B)/bench/%.o: bench/%.c $(B)/config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/bench/%: $(B)/bench/%.o $(B)/libasynclab.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

bench: $(BENCHES) $(B)/asynclab
	$(Q)for b in $(BENCHES); do $$b || exit 1; done
	$(Q)for b in $(sort $(wildcard bench/bench_*.sh)); do ASYNCLAB=$(B)/asynclab sh $$b || exit 1; done

# --- screenshots of the window for the README, taken by the window itself
# (F12) under an Xvfb of their own: scripts/shots.sh
docs: $(B)/asynclab
	$(Q)ASYNCLAB=$(B)/asynclab sh scripts/shots.sh docs/img

# --- sanitizers: a separate tree, the same tests
asan:
	$(Q)$(MAKE) --no-print-directory B=build-asan OPT=-O1 \
		EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		EXTRA_LDFLAGS='-fsanitize=address,undefined' ASYNCLAB_SANITIZED=1 test

# --- determinism across builds: -O2 and the -O1 sanitizer build agree
crossbuild: $(B)/asynclab
	$(Q)$(MAKE) --no-print-directory B=build-asan OPT=-O1 \
		EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		EXTRA_LDFLAGS='-fsanitize=address,undefined' build-asan/asynclab
	$(Q)$(MAKE) --no-print-directory B=build-clang CC=$(CLANG) build-clang/asynclab
	$(Q)sh tests/cross_build.sh $(B)/asynclab build-asan/asynclab build-clang/asynclab

# --- fuzzing: libFuzzer on the scenario loader, bounded in time
# the scenario loader alone: core/ and conf/
FUZZ_SRC := $(wildcard core/*.c) $(wildcard conf/*.c)
$(B)/fuzz/fuzz_scenario: tests/fuzz_scenario.c $(FUZZ_SRC) $(B)/config.mk
	@mkdir -p $(@D)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DAL_VERSION='"$(VERSION)"' -I. -g -O1 \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
		tests/fuzz_scenario.c $(FUZZ_SRC) -o $@ $(LIBS)

# the run-file reader, and what the viewer does with what it reads
FUZZ_VIZ_SRC := $(wildcard core/*.c) $(wildcard viz/*.c)
$(B)/fuzz/fuzz_viz_file: tests/fuzz_viz_file.c $(FUZZ_VIZ_SRC) $(B)/config.mk
	@mkdir -p $(@D)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DAL_VERSION='"$(VERSION)"' -I. -g -O1 \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
		tests/fuzz_viz_file.c $(FUZZ_VIZ_SRC) -o $@ $(LIBS)

# a corpus of run files: the seed and gil-cpu scenarios, simulated
$(B)/fuzz/runs/seed.alrun: $(B)/asynclab
	@mkdir -p $(@D)
	$(Q)$(B)/asynclab run --save $@ >/dev/null
	$(Q)$(B)/asynclab run --models sync,asyncio --save $(@D)/gil.alrun scenarios/gil-cpu.yaml >/dev/null

fuzz: $(B)/fuzz/fuzz_scenario $(B)/fuzz/fuzz_viz_file $(B)/fuzz/runs/seed.alrun
	@mkdir -p $(B)/fuzz/corpus $(B)/fuzz/corpus-viz
	$(Q)$(B)/fuzz/fuzz_scenario -max_total_time=$(FUZZ_SECS) -timeout=5 -rss_limit_mb=2048 \
		-dict=tests/fuzz_scenario.dict $(B)/fuzz/corpus scenarios tests/scenarios/bad
	$(Q)SDL_VIDEODRIVER=dummy $(B)/fuzz/fuzz_viz_file -max_total_time=$(FUZZ_SECS) -timeout=10 \
		-rss_limit_mb=4096 -max_len=65536 $(B)/fuzz/corpus-viz $(B)/fuzz/runs tests/data

# --- run and install
# the report, and the timelines of the same run as a PNG
run: asynclab
	./asynclab run --png $(B)/run.png

# the scenarios where `run c10k` finds them (conf/scenario_find.h), the man
# page, and the bash completion the binary writes from its option table
install: asynclab
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/asynclab/scenarios \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 asynclab $(DESTDIR)$(PREFIX)/bin/asynclab
	install -m 644 scenarios/*.yaml $(DESTDIR)$(PREFIX)/share/asynclab/scenarios/
	install -m 644 docs/man/asynclab.1 $(DESTDIR)$(PREFIX)/share/man/man1/asynclab.1
	./asynclab completion > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/asynclab

clean:
	rm -rf build build-asan build-clang asynclab

-include $(LIB_OBJ:.o=.d) $(B)/app/main.d $(TESTS:=.d) $(BENCHES:=.d)
