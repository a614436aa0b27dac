# nsfast: one entry point.  `make V=1` shows the commands.
CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
LIBS    := -lmnl -lnftables

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifneq ($(V),1)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
endif

BUILD   := build
CONTROL := $(wildcard control/*.c)
TOPO    := control/topo_parse.c control/topo_validate.c control/addr.c control/log.c
OBJS    := $(CONTROL:%.c=$(BUILD)/%.o)

.DELETE_ON_ERROR:
.PHONY: all check unit integration bench bench-quick deps clean install

all: nsfast

nsfast: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c $(wildcard control/*.h)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/test_topo: tests/unit/test_topo.c $(TOPO:%.c=$(BUILD)/%.o)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Icontrol $(LDFLAGS) -o $@ $^

# The other compiler must accept the code too (-Werror both ways).
OTHER_CC := $(if $(findstring clang,$(CC)),gcc,clang)
$(BUILD)/other-cc.stamp: $(CONTROL) $(wildcard control/*.h)
	$(call msg,CC,"control/*.c with $(OTHER_CC)")
	$(Q)mkdir -p $(BUILD)/other
	$(Q)for f in $(CONTROL); do $(OTHER_CC) $(filter-out -fsanitize%,$(CFLAGS)) -c -o $(BUILD)/other/$$(basename $$f .c).o $$f || exit 1; done
	$(Q)touch $@

# The one test command: unit tests, then namespace integration tests (root).
check: nsfast $(BUILD)/test_topo $(BUILD)/other-cc.stamp
	$(Q)tests/run.sh

unit: $(BUILD)/test_topo
	$(Q)tests/run.sh unit

bench: nsfast
	$(Q)bench/up_scale.sh $(if $(QUICK),--quick)

deps:
	$(Q)scripts/deps.sh

install: nsfast
	install -D -m 0755 nsfast $(DESTDIR)/usr/local/sbin/nsfast

clean:
	rm -rf $(BUILD) nsfast
