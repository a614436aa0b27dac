#!/usr/bin/env bash
# tests/sandbox.sh CMD...: run CMD, as root, in a network and a mount
# namespace of its own: a host with nothing but lo, and its own
# /run/netns, /run/nsfast, /sys and bpffs. An integration test run so
# cannot collide with a lab up on the machine (examples/lab.conf's
# addresses, the first command of the README, are the tests' too), nor
# touch an interface it did not make; what it leaks it still reports
# (its teardown looks before the sandbox goes), and the sandbox takes
# with it when CMD ends. NSFAST_TEST_HOST=1 runs CMD in the machine's
# own namespaces instead.
set -e
[ "${NSFAST_TEST_HOST:-}" = 1 ] && exec "$@"
if [ "${NSFAST_SANDBOX:-}" != inside ]; then
	NSFAST_SANDBOX=inside exec unshare --net --mount --propagation private "$0" "$@"
fi
for d in /run/netns /run/nsfast; do
	mkdir -p "$d"
	mount -t tmpfs -o mode=0755 nsfast-test "$d"
done
# This namespace's devices, and a bpffs for libxdp's dispatcher pins.
mount -t sysfs sysfs /sys
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
ip link set lo up
exec "$@"
