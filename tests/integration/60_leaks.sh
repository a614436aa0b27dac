#!/usr/bin/env bash
# Leaks: LEAK_CYCLES (40) x up/down of a lab with an xdp switch (gateway,
# host port, SNAT uplink), a kernel switch (bridge, gateway, nftables
# SNAT) and a tc switch (tc programs, slow-path pairs) leave nothing behind: no namespace, link, XDP program, BPF map,
# pinned object, nft table, state, process or file descriptor, and the
# kernel's memory stays flat. Every tenth up is proven to carry traffic.
. "$(dirname "$0")/../lib.sh"
CYCLES=${LEAK_CYCLES:-40}

# The xdp switch's uplink is the test's own, as a machine's NIC would be:
# it outlives every cycle's lab, so an XDP program a down leaves on it
# shows there (and refuses the next up), where one on a link of the lab
# goes with the link. Its far end is in a namespace of the test's own.
ip netns add "${PFX}w"
trap 'ip netns del "${PFX}w" 2>/dev/null; teardown' EXIT
ip link add "${PFX}x0" type veth peer name eth0 netns "${PFX}w"
ip addr add 10.163.0.1/24 dev "${PFX}x0"
ip link set "${PFX}x0" up
ip -n "${PFX}w" addr add 10.163.0.2/24 dev eth0
ip -n "${PFX}w" link set eth0 up

# Subnets of their own, so that a concurrent run of the examples (which
# put 10.13.37.0/24 and 203.0.113.0/24 in the host) cannot disturb this.
cat >"$TMP/leak.conf" <<CONF
lab leak
switch sw0 dataplane xdp
    gateway 10.161.0.1/24
    host    10.161.0.254/24
    uplink  ${PFX}x0 snat
ns a
    link eth0 switch sw0 addr 10.161.0.2/24
    route default via 10.161.0.1
ns b
    link eth0 switch sw0 addr 10.161.0.3/24
    route default via 10.161.0.1
switch sw1 dataplane kernel
    gateway 10.162.0.1/24
    uplink  up1 snat
ns k
    link eth0 switch sw1 addr 10.162.0.2/24
    route default via 10.162.0.1
ns outside
switch sw2 dataplane tc
    gateway 10.167.0.1/24
ns t
    link eth0 switch sw2 addr 10.167.0.2/24
ns u
    link eth0 switch sw2 addr 10.167.0.3/24
veth host:up1 10.164.0.1/24 -- outside:eth1 10.164.0.2/24
CONF

# --- nsfast's BPF objects, and who holds them

# Program, map and skeleton-section map names, from the sources, so new
# programs and maps are covered (the kernel keeps 15 characters).
bpf_names() {
	local f b
	sed -n '/^SEC("\(xdp\|tc\)/{n;s/^int \([A-Za-z0-9_]*\)(.*/\1/p;}' "$ROOT"/bpf/*.bpf.c "$ROOT"/bpf/*.h 2>/dev/null
	sed -n 's/^} *\([A-Za-z0-9_]*\) SEC("\.maps");.*/\1/p' "$ROOT"/bpf/*.bpf.c "$ROOT"/bpf/*.h 2>/dev/null
	for f in "$ROOT"/bpf/*.bpf.c; do
		b=$(basename "$f" .bpf.c)
		printf '%s.rodata\n%s.data\n%s.bss\n' "${b:0:8}" "${b:0:8}" "${b:0:8}"
	done
}
NAMES=$(bpf_names | cut -c1-15 | sort -u | tr '\n' ' ')

# "prog ID" / "map ID" of every loaded object with one of those names.
bpf_objs() {
	{
		bpftool -j prog show | jq -r '.[] | "prog \(.id) \(.name // "")"'
		bpftool -j map show | jq -r '.[] | "map \(.id) \(.name // "")"'
	} 2>/dev/null | awk -v names="$NAMES" 'BEGIN {n = split(names, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1}
		($3 in ok) {print $1, $2}'
}

# Who holds what, as tagged lines for bpf_leaks: "F prog|map ID PID" for
# every BPF program, link and map fd of every process (from fdinfo:
# bpftool here cannot name pids), "P PROG MAP" for each map a program
# uses, "M PID" for each process of this lab.
bpf_holders() {
	find /proc/[0-9]*/fd -lname 'anon_inode:bpf*' 2>/dev/null | sed 's|/fd/|/fdinfo/|' |
		xargs -r awk '/^(prog|map)_id:/ {split(FILENAME, p, "/"); print "F", substr($1, 1, length($1) - 4), $2, p[3]}' 2>/dev/null
	bpftool -j prog show 2>/dev/null | jq -r '.[] | .id as $p | (.map_ids // [])[] | "P \($p) \(.)"'
	lab_pids | sed 's/^/M /'
}
# Processes started for this lab (its switch daemons have "--lab LAB"):
# grep's own argument is "[t]NNNN", which does not match itself.
lab_pids() {
	local f
	for f in $(grep -lzsx -- "[${PFX:0:1}]${PFX:1}" /proc/[0-9]*/cmdline); do
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- "--lab $PFX " || continue
		f=${f#/proc/}
		echo "${f%%/*}"
	done
}

# nsfast objects that were not there before ($1: bpf_objs output then)
# and that no other process holds: held by nothing at all (attached to a
# device, pinned, or lost) or by a process of this lab. Objects held by
# other processes (another lab's daemons, a benchmark running meanwhile)
# are theirs. A map is also held through the programs that use it.
bpf_mine() {
	{ sed 's/^/B /' <<<"$1"; bpf_objs | sed 's/^/O /'; bpf_holders; } | awk '
		$1 == "B" {before[$2 " " $3] = 1}
		$1 == "O" {obj[$2 " " $3] = 1}
		$1 == "F" {own[$2 " " $3] = own[$2 " " $3] " " $4}
		$1 == "P" {uses[$3] = uses[$3] " " $2}
		$1 == "M" {mine[$2] = 1}
		END {
			for (o in obj) {
				if (o in before) continue
				split(o, k, " ")
				owners = own[o]
				if (k[1] == "map") {
					n = split(uses[k[2]], ps, " ")
					for (i = 1; i <= n; i++) owners = owners own["prog " ps[i]]
				}
				n = split(owners, os, " ")
				held = n == 0
				for (i = 1; i <= n; i++) if (os[i] in mine) held = 1
				if (held) print o (n ? " held by this lab (pids" owners ")" : " held by no process")
			}
		}'
}

# Programs being freed linger a moment: ask again for up to 3 s.
bpf_leaks() {
	local i left
	for i in 1 2 3 4 5 6; do
		left=$(bpf_mine "$1")
		[ -z "$left" ] && return 0
		sleep 0.5
	done
	echo "$left"
}

# --- the rest of the lab's footprint

bpffs_list() { mountpoint -q /sys/fs/bpf && find /sys/fs/bpf -mindepth 1 | sort; }
# Any process with a file of the lab's state open, or inside or holding
# one of its namespaces. Those are known by inode once unmounted (an fd
# opened through the mount then reads as "/"); the kernel reuses inode
# numbers, and one that a mounted namespace has now is not the lab's.
lab_fds() {
	local i inums=""
	find /proc/[0-9]*/fd -lname "/run/nsfast/$PFX*" 2>/dev/null
	for i in $NS_INUMS; do
		stat -L -c %i /run/netns/* 2>/dev/null | grep -qx "$i" || inums="$inums $i"
	done
	[ -n "$inums" ] || return 0
	{ find /proc/[0-9]*/fd \( -lname / -o -lname 'net:*' \) 2>/dev/null; ls -d /proc/[0-9]*/ns/net; } |
		xargs -r stat -L -c '%i %n' 2>/dev/null | awk -v inums="$inums" '
			BEGIN {n = split(inums, a, " "); for (i = 1; i <= n; i++) lab[a[i]] = 1}
			($1 in lab) {print $2 " is in or holds a namespace of the lab"}'
}
NS_INUMS=""
daemon_pid() { "$NSFAST" status --json "$PFX" | jq -r '.switches[] | select(.name == "sw0") | .daemon.pid'; }
xdp_links() { ip -o link show | grep -e " $PFX-" -e " ${PFX}x0@" | grep -c ' xdp' ; }
# XDP on the uplink the test made: 1 or 0, "gone" if down took it.
uplink_xdp() { ip -o link show "${PFX}x0" 2>/dev/null | awk '{print / xdp/ ? 1 : 0} END {if (!NR) print "gone"}'; }
# Kernel memory in kB (slab and per-cpu: what namespaces, devices and
# sockets take), what is available, and the machine's namespaces, once
# namespace teardown (which the kernel defers to a workqueue) has caught
# up.
kmem() {
	local n last=-1 i
	for i in $(seq 1 20); do
		n=$(awk '$1 == "net_namespace" {print $2}' /proc/slabinfo)
		[ "$n" = "$last" ] && break
		last=$n
		sleep 0.1
	done
	awk -v ns="$n" '/^(Slab|Percpu):/ {k += $2} /^MemAvailable:/ {a = $2} END {print k, a, ns}' /proc/meminfo
}

# The lab while it is up: traffic through both switches, the XDP programs
# attached and held by the daemon, and a control socket that does not
# leak a descriptor per status request.
proof() {
	local c=$1 why="" fds0 fds1 pid i mine
	nsx a ping1 10.161.0.3 >/dev/null || why="$why a->b;"
	nsx a ping1 10.163.0.2 >/dev/null || why="$why a->outside (xdp SNAT);"
	ping1 10.161.0.2 >/dev/null || why="$why host->a (host port);"
	nsx k ping1 10.164.0.2 >/dev/null || why="$why k->outside (kernel SNAT);"
	nsx t ping1 10.167.0.3 >/dev/null || why="$why t->u (tc);"
	# 3 ports and the uplink of sw0, the slow-path ends of sw2's 2 ports
	[ "$(xdp_links)" = 6 ] || why="$why XDP on $(xdp_links) links, not 6;"
	pid=$(daemon_pid)
	mine=$(bpf_mine "$BPF0" | grep -c "^prog .* held by this lab")
	[ "$mine" -ge 2 ] || why="$why the daemon holds $mine nsfast programs, not 2;"
	fds0=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
	for i in $(seq 1 20); do "$NSFAST" status --json "$PFX" >/dev/null; done
	fds1=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
	[ "$fds0" -gt 0 ] && [ "$fds0" = "$fds1" ] || why="$why daemon fds $fds0 -> $fds1 over 20 status calls;"
	FDS[$c]=$fds0
	NS_INUMS=$(stat -L -c %i /run/netns/"$PFX"-* 2>/dev/null)
	if [ -z "$why" ]; then
		pass "cycle $c: traffic through the three switches, XDP on the 6 ports and slow-path ends, daemon holds its programs, $fds0 fds steady"
	else
		fail "cycle $c:$why"
	fi
}

BPF0=$(bpf_objs)
BPFFS0=$(bpffs_list)
declare -A FDS
bad="" t0=$SECONDS
for c in $(seq 1 "$CYCLES"); do
	if ! out=$(up "$TMP/leak.conf" 2>&1); then
		bad="$bad cycle $c: up failed: $out;"
		down >/dev/null 2>&1
		continue
	fi
	if [ "$c" = 1 ] || [ $((c % 10)) = 0 ]; then
		proof "$c"
	fi
	out=$(down 2>&1) || bad="$bad cycle $c: down failed: $out;"
	left=$(leftovers)
	[ -z "$left" ] || bad="$bad cycle $c: left $(echo $left);"
	[ "$c" = 10 ] && read -r K10 A10 N10 <<<"$(kmem)"
done
read -r K50 A50 N50 <<<"$(kmem)"
if [ -z "$bad" ]; then pass "$CYCLES cycles of up and down, each leaving nothing ($((SECONDS - t0)) s)"
else fail "up/down cycles:$bad"; fi

assert_clean "after $CYCLES cycles: no namespace, link, nft table or state of the lab, ip_forward as before"
left=$(bpf_leaks "$BPF0")
if [ -z "$left" ]; then pass "no XDP program or BPF map of the lab is left ($(bpf_objs | grep -c .) nsfast objects loaded, $(grep -c . <<<"$BPF0") before, the rest held by others)"
else fail "BPF objects left: $(echo $left)"; fi
check_out "no XDP program on the uplink the test made, which outlives the labs" "^0$" uplink_xdp
if [ "$(bpffs_list)" = "$BPFFS0" ]; then pass "nothing pinned in bpffs"
else fail "bpffs changed: $(diff <(echo "$BPFFS0") <(bpffs_list) | tr '\n' ' ')"; fi
left=$(lab_pids)
if [ -z "$left" ]; then pass "no process of the lab is left"
else fail "processes of the lab left: $(for p in $left; do echo "$p: $(tr '\0' ' ' </proc/$p/cmdline);"; done)"; fi
left=$(lab_fds)
if [ -z "$left" ]; then pass "no process holds a file or namespace of the lab"
else fail "open files of the lab: $(echo $left)"; fi
if [ -n "${FDS[10]:-}" ] && [ "${FDS[10]}" = "${FDS[$CYCLES]:-x}" ]; then
	pass "the daemon of cycle $CYCLES has as many fds as that of cycle 10 (${FDS[10]})"
else fail "daemon fds: cycle 10 ${FDS[10]:-?}, cycle $CYCLES ${FDS[$CYCLES]:-?}"; fi

# Memory between cycle 10 (caches warm) and the last. Per cycle this lab
# creates 6 namespaces, 9 veth pairs, a bridge and 6 AF_XDP sockets: a
# namespace kept alive costs about 800 kB of slab and per-cpu memory
# (measured here: 10 namespaces with a veth each, 8.4 MB), so one leaked
# per cycle grows 32 MB over 40 cycles; 16 MB leaves room for the rest of
# the machine, plus 1 MB for each namespace more that it has now (other
# labs; this one has none left, as checked above by name and by inode).
# The daemon maps a UMEM of 14336 frames (56 MB) each cycle: one kept
# alive per cycle takes 2.2 GB of available memory; 512 MB tolerates
# builds and fuzzers running alongside.
if [ -n "${K10:-}" ]; then
	others=$(( N50 > N10 ? N50 - N10 : 0 ))
	dk=$(( (K50 - K10) / 1024 )) da=$(( (A10 - A50) / 1024 )) lim=$(( 16 + others ))
	if [ "$dk" -lt "$lim" ] && [ "$da" -lt 512 ]; then
		pass "memory flat from cycle 10 to $CYCLES: slab+percpu grew ${dk} MB (limit $lim), available memory fell ${da} MB"
	else fail "memory from cycle 10 to $CYCLES: slab+percpu grew ${dk} MB (limit $lim: $others namespaces more on the machine), available fell ${da} MB (limit 512)"; fi
fi
ip link del "${PFX}x0"
