# nsfast: one entry point.  `make V=1` shows the commands.
# Every CPU builds (make check's builds: 54 s alone, 27 s with -j2), but
# never next to deps (the build needs what it installs), clean or
# install; the tests and benchmarks are one recipe each.
# (Only at the top: a sub-make shares its parent's jobs.)
ifeq ($(MAKELEVEL)$(filter deps clean install,$(MAKECMDGOALS)),0)
MAKEFLAGS += -j$(shell nproc)
endif
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
LIBS    := -lmnl -lnftables -lxdp -lbpf -lelf -lz

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifneq ($(V),1)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
endif

# Each flavour builds apart: make does not track flags, and a sanitizer
# build must never link plain objects (or the reverse).
BUILD     := build$(if $(filter 1,$(SAN)),-san)
BIN       := $(if $(filter 1,$(SAN)),$(BUILD)/nsfast,nsfast)
CONTROL   := $(wildcard control/*.c)
DATAPLANE := $(wildcard dataplane/*.c)
BPF_SRC   := $(wildcard bpf/*.bpf.c)
SKELS     := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
OBJS      := $(CONTROL:%.c=$(BUILD)/%.o) $(DATAPLANE:%.c=$(BUILD)/%.o)
HEADERS   := $(wildcard control/*.h dataplane/*.h) bpf/map_layouts.h
TOPO      := control/topo.c control/topo_parse.c control/topo_parse_switch.c control/topo_validate.c control/topo_routes.c control/topo_subnets.c control/addr.c control/log.c
# The NAT alone, for its unit test and micro-benchmark.
NAT       := dataplane/nat.c dataplane/nat_conn.c dataplane/nat_keep.c dataplane/nat_frag.c dataplane/nat_index.c dataplane/pkt.c
NAT_H     := dataplane/nat.h dataplane/nat_conn.h dataplane/nat_csum.h dataplane/nat_frag.h dataplane/nat_index.h dataplane/pkt.h
# The multiarch include folder (x86_64-linux-gnu), which clang -dumpmachine
# does not name (x86_64-pc-linux-gnu).
ARCH_INC  := /usr/include/$(shell $(CC) -print-multiarch)
# The unit tests of frame parsing and the gateway's answers, the NAT's
# and the switch's, one topic each, on the frames of pkt_frames.c,
# nat_frames.c and switch_frames.c.
PKT_UNIT  := test_pkt test_gateway test_pkt_random
NAT_UNIT  := test_nat test_nat_keep test_nat_table test_nat_icmp test_nat_frag test_nat_random
SWITCH_UNIT := test_switch test_switch_route test_gw_own
UNIT      := $(BUILD)/test_topo $(BUILD)/test_fdb $(PKT_UNIT:%=$(BUILD)/%) $(NAT_UNIT:%=$(BUILD)/%) \
             $(BUILD)/test_arp_table $(BUILD)/test_route_frag $(BUILD)/test_gw_reasm \
             $(BUILD)/test_bpf $(BUILD)/test_map_walk $(SWITCH_UNIT:%=$(BUILD)/%) \
             $(BUILD)/test_ctl_socket

.DELETE_ON_ERROR:
.PHONY: all check unit unit-names bench fuzz deps clean install test-build san-build

all: $(BIN) $(BUILD)/nsgen $(BUILD)/nsping

$(BIN): $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/control/%.o: control/%.c $(HEADERS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/dataplane/%.o: dataplane/%.c $(HEADERS) $(SKELS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/bpf -c -o $@ $<

# BPF: clang -target bpf, then a libbpf skeleton the daemon embeds.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_x86 -I$(ARCH_INC) -Wall -Werror -c -o $@ $<

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# The benchmark generator (bench/nsgen.c) and its XDP_TX program.
$(BUILD)/nsgen: bench/nsgen.c bench/num_arg.h control/addr.c control/addr.h $(BUILD)/bpf/gen_tx.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/bpf -Icontrol $(LDFLAGS) -o $@ $< control/addr.c -lbpf -lelf -lz

# Test tools: a VLAN device's tagging, as tc programs (no 8021q here).
$(BUILD)/bpf/vlan_tag.bpf.o: tests/tools/vlan_tag.bpf.c
	$(call msg,BPF,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_x86 -I$(ARCH_INC) -Wall -Werror -c -o $@ $<
$(BUILD)/vlan_tag: tests/tools/vlan_tag.c $(BUILD)/bpf/vlan_tag.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/bpf $(LDFLAGS) -o $@ $< -lbpf -lelf -lz

# The benchmark's UDP request/response latency tool.
$(BUILD)/nsping: bench/nsping.c bench/num_arg.h
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# tests/integration/45_bench.sh runs the benchmark's quick mode.
check: $(BUILD)/nsping

# The unit tests link the objects nsfast is made of, compiled once: each
# compiling its sources again made the 21 tests (and their sanitized
# twins) most of make check's build time.
o = $(patsubst %.c,$(BUILD)/%.o,$(1))

$(BUILD)/test_topo: tests/unit/test_topo.c $(call o,$(TOPO)) $(wildcard control/*.h)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Icontrol $(LDFLAGS) -o $@ tests/unit/test_topo.c $(call o,$(TOPO))

$(BUILD)/test_fdb: tests/unit/test_fdb.c tests/unit/check.h $(call o,dataplane/fdb.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/test_fdb.c $(call o,dataplane/fdb.c)

$(PKT_UNIT:%=$(BUILD)/%): $(BUILD)/%: tests/unit/%.c tests/unit/pkt_frames.c tests/unit/pkt_frames.h \
		tests/unit/check.h $(call o,dataplane/pkt.c dataplane/gateway.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/$*.c tests/unit/pkt_frames.c \
		$(call o,dataplane/pkt.c dataplane/gateway.c)

$(NAT_UNIT:%=$(BUILD)/%): $(BUILD)/%: tests/unit/%.c tests/unit/nat_frames.c tests/unit/nat_frames.h \
		tests/unit/check.h $(call o,$(NAT)) $(NAT_H)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/$*.c tests/unit/nat_frames.c $(call o,$(NAT))

$(BUILD)/test_arp_table: tests/unit/test_arp_table.c tests/unit/check.h $(call o,dataplane/arp_table.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/test_arp_table.c $(call o,dataplane/arp_table.c)

$(BUILD)/test_route_frag: tests/unit/test_route_frag.c tests/unit/check.h $(call o,dataplane/route_frag.c dataplane/pkt.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/test_route_frag.c $(call o,dataplane/route_frag.c dataplane/pkt.c)

$(BUILD)/test_gw_reasm: tests/unit/test_gw_reasm.c tests/unit/check.h $(call o,dataplane/gw_reasm.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/test_gw_reasm.c $(call o,dataplane/gw_reasm.c)

# The switch's per-frame path itself, its socket ends stubbed (the harness
# the fuzzers of that path share).
SWITCH_PATH := dataplane/switch.c dataplane/route.c dataplane/route_frag.c dataplane/route_icmp.c dataplane/route_nexthop.c \
             dataplane/arp_table.c dataplane/gw_big.c dataplane/gw_reasm.c dataplane/gateway.c \
             dataplane/fdb.c dataplane/pkt.c $(NAT)
$(SWITCH_UNIT:%=$(BUILD)/%): $(BUILD)/%: tests/unit/%.c tests/unit/switch_frames.c \
		tests/unit/switch_frames.h tests/unit/check.h tests/switch_harness.c \
		tests/switch_harness.h $(call o,$(sort $(SWITCH_PATH))) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane -Icontrol -Itests $(LDFLAGS) -o $@ tests/unit/$*.c \
		tests/unit/switch_frames.c tests/switch_harness.c $(call o,$(sort $(SWITCH_PATH)))
# The control socket's exchange, on a real socket, ctl_answer stubbed.
$(BUILD)/test_ctl_socket: tests/unit/test_ctl_socket.c tests/unit/check.h $(call o,dataplane/ctl_socket.c) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane -Icontrol $(LDFLAGS) -o $@ tests/unit/test_ctl_socket.c $(call o,dataplane/ctl_socket.c)

# The BPF programs, run by the kernel on frames the test builds (root).
$(BUILD)/test_bpf: tests/unit/test_bpf.c tests/unit/bpf_frames.c tests/unit/bpf_frames.h \
		tests/unit/check.h bpf/map_layouts.h $(SKELS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Ibpf -I$(BUILD)/bpf $(LDFLAGS) -o $@ tests/unit/test_bpf.c \
		tests/unit/bpf_frames.c -lbpf -lelf -lz

# The daemon's walks of BPF maps, on real maps (root).
$(BUILD)/test_map_walk: tests/unit/test_map_walk.c tests/unit/check.h $(call o,dataplane/map_walk.c)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ tests/unit/test_map_walk.c $(call o,dataplane/map_walk.c) -lbpf -lelf -lz

# Micro-benchmark of the NAT table at one million connections.
$(BUILD)/nat_bench: bench/nat_bench.c $(call o,$(NAT)) $(NAT_H)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Idataplane $(LDFLAGS) -o $@ bench/nat_bench.c $(call o,$(NAT))

# The other compiler must accept the code too (-Werror both ways).
OTHER_CC := $(if $(findstring clang,$(CC)),gcc,clang)
$(BUILD)/other-cc.stamp: $(CONTROL) $(DATAPLANE) $(HEADERS) $(SKELS)
	$(call msg,CC,"control/ dataplane/ with $(OTHER_CC)")
	$(Q)mkdir -p $(BUILD)/other
	$(Q)for f in $(CONTROL) $(DATAPLANE); do \
		$(OTHER_CC) $(filter-out -fsanitize%,$(CFLAGS)) -I$(BUILD)/bpf -c \
			-o $(BUILD)/other/$$(basename $$f .c).o $$f || exit 1; done
	$(Q)touch $@

# The one test command: unit tests, then namespace integration tests
# (root), against this build and then, in the same run and summary,
# against the sanitizer build in build-san/ ("san:" lines). SAN=1: only
# the sanitizer build.
check: $(BIN) $(BUILD)/nsgen $(BUILD)/vlan_tag $(UNIT) $(BUILD)/other-cc.stamp $(if $(filter 1,$(SAN)),,san-build)
	$(Q)NSFAST=$(abspath $(BIN)) NSFAST_BUILD=$(abspath $(BUILD)) \
		NSFAST_SAN_BUILD=$(abspath build-san) tests/run.sh

# Everything the tests run, in this flavour; san-build makes it SAN=1.
test-build: all $(UNIT) $(BUILD)/vlan_tag
san-build:
	$(Q)$(MAKE) --no-print-directory SAN=1 test-build

unit: $(UNIT)
	$(Q)NSFAST_BUILD=$(abspath $(BUILD)) tests/run.sh unit
# The unit tests by name: tests/run.sh fails on one that was not built.
unit-names:
	@echo $(notdir $(UNIT))

# `nsfast bench` on examples/bench.conf (QUICK=1: --quick, BENCH_ARGS:
# more options), under the lock that keeps two benchmarks from ever
# sharing the machine's CPUs.
BENCH_LOCK ?= /tmp/nsfast-bench.lock
bench: $(BIN) $(BUILD)/nsgen $(BUILD)/nsping
	$(Q)flock $(BENCH_LOCK) ./$(BIN) bench $(if $(QUICK),--quick) $(BENCH_ARGS) examples/bench.conf

# libFuzzer on the topology parser, the per-frame path, the router and
# NAT behind the gateway, the path for frames of several buffers, and the
# NAT's kept connections, FUZZ_SECONDS per target (the seed corpus
# and every saved crash are also replayed by make check).
FUZZ_SECONDS ?= 60
fuzz:
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

deps:
	$(Q)scripts/deps.sh

# nsfast bench finds its script in PREFIX/share/nsfast/bench (control/bench.c)
# and the script its tools in PREFIX/libexec/nsfast.
PREFIX ?= /usr/local
install: nsfast $(BUILD)/nsgen $(BUILD)/nsping
	install -D -m 0755 nsfast $(DESTDIR)$(PREFIX)/sbin/nsfast
	install -d $(DESTDIR)$(PREFIX)/share/nsfast/bench $(DESTDIR)$(PREFIX)/share/nsfast/examples \
		$(DESTDIR)$(PREFIX)/libexec/nsfast
	install -m 0755 bench/*.sh $(DESTDIR)$(PREFIX)/share/nsfast/bench/
	install -m 0644 bench/*.awk bench/*.jq $(DESTDIR)$(PREFIX)/share/nsfast/bench/
	install -m 0644 examples/*.conf $(DESTDIR)$(PREFIX)/share/nsfast/examples/
	install -m 0755 $(BUILD)/nsgen $(BUILD)/nsping $(DESTDIR)$(PREFIX)/libexec/nsfast/

clean:
	rm -rf build build-san nsfast
