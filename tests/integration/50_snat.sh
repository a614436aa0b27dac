#!/usr/bin/env bash
# SNAT to an uplink: the same behaviour from every dataplane. The uplink
# is a veth to a namespace that plays the outside world, with servers.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
DPS=${SNAT_DATAPLANES:-kernel afxdp xdp tc}

# Count in the outside world which sources its traffic has.
probe() {
	nsx outside nft -f - <<'NFT'
table ip probe {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 203.0.113.1 counter
		ip saddr 10.13.37.0/24 counter
	}
}
NFT
}
sources() { nsx outside nft list chain ip probe input | grep -o 'packets [0-9]*' | awk '{print $2}' | tr '\n' ' '; }

serve() { # outside: iperf3 servers on the given ports
	local p
	for p in "$@"; do
		nsx_bg outside iperf3 -s -p "$p" >/dev/null 2>&1
	done
	sleep 0.4
}

# download DP WHAT: 4 MiB from the outside to a through the NAT, byte
# for byte, and mostly translated by the fast path.
download() {
	local d in0 sin0 in1 sin1
	head -c 4194304 /dev/urandom >"$TMP/dl"
	d=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon')
	in0=$(jq '.nat.fast.in_packets' <<<"$d"); sin0=$(jq '.nat.in_packets' <<<"$d")
	nsx_bg outside bash -c "exec nc -N -l -p 5310 <'$TMP/dl'"
	wait_listen outside 5310
	nsx a nc -w 5 203.0.113.2 5310 </dev/null >"$TMP/dl.rx"
	kill "${PIDS[-1]}" 2>/dev/null # as check_transfer's
	if cmp -s "$TMP/dl" "$TMP/dl.rx"; then pass "$1: 4 MiB downloaded through the NAT$2 arrive byte for byte"
	else fail "$1: download$2: $(stat -c %s "$TMP/dl.rx") of 4194304 bytes arrived intact"; fi
	d=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon')
	in1=$(jq '.nat.fast.in_packets' <<<"$d"); sin1=$(jq '.nat.in_packets' <<<"$d")
	if [ $((in1 - in0)) -gt $((sin1 - sin0)) ]; then
		pass "$1: the download$2 was translated in the fast path ($((in1 - in0)) packets, $((sin1 - sin0)) in userspace)"
	else fail "$1: download$2: fast path in +$((in1 - in0)), userspace in +$((sin1 - sin0))"; fi
}
# frags DP: datagrams larger than the MTU, which the namespace's stack
# and the outside's cut into fragments: every fragment is translated
# (the switch does not reassemble; the kernel dataplane does).
frags() {
	local out d dir
	out=$(nsx a ping -c 3 -i 0.2 -W 2 -s 3000 203.0.113.2 2>&1)
	if grep -q ' 3 received' <<<"$out" && ! grep -q 'wrong data' <<<"$out"; then
		pass "$1: a pings the outside with 3000 bytes (3 fragments each way), data intact"
	else fail "$1: ping -s 3000: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; fi
	for dir in "" -R; do
		out=$(nsx a iperf3 -u -l 4000 -b 50M -n 800K $dir -c 203.0.113.2 -p 5201 -J 2>/dev/null |
			jq -c '.end.sum | {packets, lost_packets}')
		if jq -e '.packets >= 200 and .lost_packets == 0' <<<"$out" >/dev/null 2>&1; then
			pass "$1: 4000-byte UDP datagrams ${dir:+back }through the NAT in fragments, none lost"
		else fail "$1: 4000-byte UDP datagrams ${dir:+back}: ${out:-no result}"; fi
	done
	[ "$1" = kernel ] && return
	d=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon.nat')
	if jq -e '.frag_first >= 6 and .frag_later >= 12 and .drop_frag_no_first == 0' <<<"$d" >/dev/null; then
		pass "$1: status counts the fragments ($(jq -c '{frag_first, frag_later}' <<<"$d"))"
	else fail "$1: fragment counters: $(jq -c '{frag_first, frag_later, drop_frag_no_first}' <<<"$d")"; fi
}

# small_port DP: d's port is at MTU 1000, below the uplink's 1500. What
# comes back larger is cut on the way in (by the gateway; on kernel by
# the host's router, which sees the bridge at its smallest port's MTU),
# or, sent with DF, answered with "fragmentation needed", which its
# sender takes as its path MTU and fragments by.
small_port() {
	local out r
	out=$(nsx d ping -c 2 -i 0.2 -W 2 -s 1200 203.0.113.2 2>&1)
	if grep -q ' 2 received' <<<"$out" && ! grep -q 'wrong data' <<<"$out"; then
		pass "$1: d, at MTU 1000, gets its 1228-byte echo replies, cut on the way in"
	else fail "$1: ping -s 1200 from the MTU-1000 port: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; fi
	"${NSFAST_BUILD:-$ROOT/build}/nsping" --netns "$PFX-outside" --server --idle 3 &
	PIDS+=($!)
	out=$("${NSFAST_BUILD:-$ROOT/build}/nsping" --netns "$PFX-d" --client 203.0.113.2 --size 1400 \
		--count 20 --warmup 2 --timeout-ms 500 2>&1)
	r=$(nsx outside ip route get 203.0.113.1 | grep -o 'mtu [0-9]*')
	if jq -e '.lost == 0' <<<"$out" >/dev/null 2>&1 && [ "$r" = "mtu 1000" ]; then
		pass "$1: 1400-byte UDP answers with DF get 'fragmentation needed' (the outside learned $r), then arrive in fragments"
	else fail "$1: 1400-byte UDP answers to the MTU-1000 port: ${out:-no result}, outside's path: ${r:-none}"; fi
	[ "$1" = kernel ] && return
	out=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon.routing | {too_big, frag_needed, fragmented, fragments}')
	if jq -e '.frag_needed >= 1 and .fragmented >= 2 and .fragments >= 4' <<<"$out" >/dev/null; then
		pass "$1: status counts what was too big for the port ($out)"
	else fail "$1: routing counters after the MTU-1000 port: $out"; fi
}

# The NAT's connections from port 40000 of a and of b to port 7010 of
# the outside (nftables' conntrack on kernel, the daemon's table on the
# others): how many, and at how many outside ports.
same_port_conns() {
	"$NSFAST" status --json --nat "$PFX" | jq -r '[.switches[0] | (.snat.table // .daemon.nat.table)[] |
		select(.remote == "203.0.113.2:7010" and (.inside == "10.13.37.2:40000" or .inside == "10.13.37.3:40000"))] |
		"\(length) \(map(.outside) | unique | length)"'
}

csum_clean() { # DP WHAT
	check_out "$1: no TCP checksum errors outside or inside$2" "^0 0$" bash -c \
		"echo \$(ip netns exec $PFX-outside nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print \$2}') \$(ip netns exec $PFX-a nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print \$2}')"
}

for dp in $DPS; do
	# d: a port below the uplink's MTU (small_port), so no IPv6 on the
	# switch itself (the bridge would drop it).
	{ sed -e "s/dataplane kernel/dataplane $dp/" -e '/gateway fd42/d' "$EX/nat.conf"
	  printf 'ns d\n    link eth0 switch sw0 mtu 1000 addr 10.13.37.5/24\n    route default via 10.13.37.1\n'
	  # e: a port above the uplink's MTU (tc's GSO check below)
	  [ "$dp" = tc ] && printf 'ns e\n    link eth0 switch sw0 mtu 3000 addr 10.13.37.6/24\n    route default via 10.13.37.1\n'
	} >"$TMP/nat-$dp.conf"
	check "$dp: up" up "$TMP/nat-$dp.conf"
	probe
	serve 5201 5202 5203
	check "$dp: a reaches the outside over TCP" nsx a iperf3 -c 203.0.113.2 -p 5201 -t 1
	check "$dp: b reaches the outside over UDP" nsx b iperf3 -u -b 10M -c 203.0.113.2 -p 5201 -t 1
	check "$dp: c reaches the outside with ping" nsx c ping -c 2 -i 0.2 -W 2 203.0.113.2
	# The uplink's own address answers as the kernel dataplane's host
	# does (the userspace gateway, not the NAT towards itself).
	check "$dp: c pings the uplink's own address" nsx c ping -c 2 -i 0.2 -W 2 203.0.113.1
	if [ "$dp" != kernel ]; then
		# Every frame the daemon read came through a program that
		# counted it in xdp_rx: the uplink's too, whose pings it answered.
		d=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon')
		if jq -e '.ports[-1].rx_packets > 0 and .counters.xdp_rx >= ([.ports[].rx_packets] | add)' \
			<<<"$d" >/dev/null; then
			pass "$dp: xdp_rx counts every frame the switch read, the uplink's included"
		else fail "$dp: xdp_rx $(jq -c '[.counters.xdp_rx, [.ports[] | {(.name): .rx_packets}]]' <<<"$d")"; fi
	fi
	# The daemon's report is the same code on every userspace
	# dataplane (ctl.c): one of them (BIG_REPORT_DP) gives the big one.
	if [ "$dp" = "${BIG_REPORT_DP:-afxdp}" ]; then
		# A report larger than the daemon's first buffer (256 KiB):
		# 6000 connections, one UDP datagram to each port, listed
		# whole, and up does not take the big report for silence.
		# (The count is the NAT's own: a datagram of the burst that a
		# ring dropped makes no connection.)
		nsx c bash -c 'for p in $(seq 20001 26000); do echo >/dev/udp/203.0.113.2/$p; done' 2>/dev/null
		"$NSFAST" status --json --nat "$PFX" >"$TMP/big.json"
		n=$(jq '.switches[0].daemon.nat.entries' "$TMP/big.json" 2>/dev/null)
		if [ "$(stat -c %s "$TMP/big.json")" -gt 300000 ] &&
			jq -e '.switches[0].daemon.nat | (.table | length) == .entries' "$TMP/big.json" >/dev/null; then
			pass "$dp: status --json --nat lists all $n connections, whole ($(stat -c %s "$TMP/big.json") bytes)"
		else fail "$dp: status --json --nat of $n connections: $(head -c 300 "$TMP/big.json")"; fi
		check_out "$dp: and so does the text" '^ok$' bash -c \
			"[ \$('$NSFAST' status --nat '$PFX' | grep -c ' -> 203.0.113.2:2[0-6][0-9][0-9][0-9] ') -ge $((${n:-0} - 10)) ] && echo ok"
		check_out "$dp: and up leaves the daemon that sends it alone" "nothing changed" \
			"$NSFAST" up --lab "$PFX" "$TMP/nat-$dp.conf"
	fi
	read -r via_uplink via_lab <<<"$(sources)"
	if [ "${via_uplink:-0}" -gt 10 ] && [ "${via_lab:-1}" = 0 ]; then
		pass "$dp: the outside saw only the uplink address ($via_uplink packets)"
	else fail "$dp: outside saw $via_uplink from the uplink, $via_lab from lab addresses"; fi

	# Two namespaces, one source port, one server and port, at the same
	# time: only the inside address tells their connections apart, so
	# each must get an outside port of its own, and its own answers
	# (a NAT that looks a connection up without it gave b's to a).
	"${NSFAST_BUILD:-$ROOT/build}/nsping" --netns "$PFX-outside" --server --port 7010 --idle 3 &
	PIDS+=($!)
	sleep 0.2
	for n in a b; do
		nsx_bg $n bash -c "for i in 1 2 3 4 5; do echo $n\$i; sleep 0.2; done |
			nc -u -p 40000 -w 1 203.0.113.2 7010" >"$TMP/$n.echo" 2>&1
	done
	wait "${PIDS[-2]}" "${PIDS[-1]}"
	ea=$(tr '\n' ' ' <"$TMP/a.echo") eb=$(tr '\n' ' ' <"$TMP/b.echo")
	if [ "$ea" = "a1 a2 a3 a4 a5 " ] && [ "$eb" = "b1 b2 b3 b4 b5 " ]; then
		pass "$dp: a and b, both from UDP port 40000 to the same server port at once, each get their 5 echoes"
	else fail "$dp: same source port, same server: a got '$ea', b got '$eb'"; fi
	check_out "$dp: status --nat shows them at two outside ports" '^2 2$' same_port_conns

	if command -v traceroute >/dev/null; then
		nsx a traceroute -n -w 2 -q 1 203.0.113.2 >"$TMP/tr" 2>&1
		if grep -Eq '^ *1 +10\.13\.37\.1 ' "$TMP/tr" && grep -Eq '^ *2 +203\.0\.113\.2 ' "$TMP/tr"; then
			pass "$dp: traceroute from a shows the gateway, then the server"
		else fail "$dp: traceroute: $(tr '\n' ' ' <"$TMP/tr")"; fi
	fi

	if [ "$dp" = xdp ] || [ "$dp" = tc ]; then
		# Established connections leave userspace: counters prove it, and
		# the bytes and checksums prove the translation in XDP (and tc,
		# going out, on GSO packets with partial checksums).
		check_transfer "$dp: 4 MiB through the NAT arrive byte for byte" 4194304 a outside 203.0.113.2
		d=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon')
		xout=$(jq '[.ports[].fast_nat_packets] | add' <<<"$d")
		xin=$(jq '.nat.fast.in_packets' <<<"$d")
		slow=$(jq '.nat.out_packets' <<<"$d")
		if [ "${xout:-0}" -gt 1000 ] && [ "${xin:-0}" -gt 100 ] && [ "${slow:-0}" -lt "${xout:-0}" ]; then
			pass "$dp: translated in the fast path: $xout packets out, $xin in ($slow out in userspace)"
		else fail "$dp: NAT fast path: out $xout, in $xin, userspace out $slow"; fi
		download "$dp" ""
		csum_clean "$dp" ""
	fi
	if [ "$dp" = tc ]; then
		# The uplink is tc's too: no XDP on it, so its peer keeps TSO.
		check_out "tc: no XDP program on the uplink, one on its slow-path end" "^0 1$" \
			bash -c "echo \$(ip -o link show $PFX-up0 | grep -c 'xdp ') \$(ip -o link | grep ' $PFX--u[0-9a-z]*x' | grep -c 'xdp ')"
		check_out "tc: the outside keeps TSO" "tcp-segmentation-offload: on" nsx outside ethtool -k eth0
		# e (MTU 3000) to an outside at 3000 behind the uplink at 1500:
		# UDP GSO packets of 1986-byte datagrams, once their flow is in
		# the fast path (its second datagram out installs it), must not
		# leave by the uplink. The slow path answers "fragmentation
		# needed" for each, as Linux's router would.
		ip -n "$PFX-outside" link set eth0 mtu 3000
		nsx outside nft -f - <<'NFT'
table ip gsoprobe {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7000 counter
	}
}
NFT
		"${NSFAST_BUILD:-$ROOT/build}/nsping" --netns "$PFX-outside" --server --port 7000 --idle 2 &
		PIDS+=($!)
		sleep 0.2
		for _ in 1 2; do
			"${NSFAST_BUILD:-$ROOT/build}/nsgen" --socket --netns "$PFX-e" --src 10.13.37.6 --dst 203.0.113.2 \
				--dport 7000 --count 1 >/dev/null
			sleep 0.2
		done
		fn0=$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.routing.frag_needed')
		"${NSFAST_BUILD:-$ROOT/build}/nsgen" --socket --netns "$PFX-e" --src 10.13.37.6 --dst 203.0.113.2 --dport 7000 \
			--size 2000 --gso 8 --count 20 >/dev/null
		sleep 0.2
		fn1=$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.routing.frag_needed')
		check_out "tc: UDP GSO packets of segments above the uplink's MTU do not leave by it" \
			"packets 2 bytes" nsx outside nft list chain ip gsoprobe input
		if [ $((fn1 - fn0)) -ge 1 ]; then
			pass "tc: they get 'fragmentation needed' ($((fn1 - fn0)))"
		else fail "tc: UDP GSO above the uplink's MTU: frag_needed $fn0 -> $fn1"; fi
		ip -n "$PFX-outside" link set eth0 mtu 1500
		# Above, both ends sent CHECKSUM_PARTIAL packets, which receivers
		# trust. With transmit checksum offload off on both, they check
		# every checksum the fast path rewrote.
		nsx outside ethtool -K eth0 tx off >/dev/null
		nsx a ethtool -K eth0 tx off >/dev/null
		check_transfer "tc: 4 MiB through the NAT with full checksums arrive byte for byte" \
			4194304 a outside 203.0.113.2
		download tc " with full checksums"
		csum_clean tc " with full checksums"
	fi
	# After the fast path's counts above: these go through userspace.
	frags "$dp"

	# Only replies get in: a new connection to a reserved port of the
	# uplink address is dropped, not answered. Nothing listens there, so
	# the host's reset would fail nc too: the outside counts what comes
	# back from that port.
	nsx outside nft -f - <<'NFT'
table ip unsolicited {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 203.0.113.1 tcp sport 61000 counter
	}
}
NFT
	check_fails "$dp: an unsolicited connection to uplink port 61000 gets nowhere" \
		nsx outside nc -z -w 1 203.0.113.1 61000
	check_out "$dp: and no answer at all, not even a reset" "packets 0 bytes" \
		nsx outside nft list chain ip unsolicited input
	# ...nor one to a namespace, where the host routes that address into the
	# lab (never test it where the host would route it out of the machine).
	if ip -o route get 10.13.37.2 2>/dev/null | grep -q " dev $PFX-"; then
		nsx outside ip route add 10.13.37.0/24 via 203.0.113.1
		check_fails "$dp: an unsolicited ping to a namespace gets no answer" \
			nsx outside ping -c 1 -W 1 10.13.37.2
		nsx outside ip route del 10.13.37.0/24 via 203.0.113.1
	fi
	case $dp in
	kernel)
		drops=$(nft list table ip "nsfast-$PFX-sw0" | grep unsolicited | grep -o 'packets [0-9]*' |
			awk '{s += $2} END {print s + 0}') ;;
	*)
		drops=$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.nat.drop_no_match') ;;
	esac
	if [ "${drops:-0}" -ge 1 ]; then pass "$dp: unsolicited packets were dropped and counted ($drops)"
	else fail "$dp: no unsolicited drop counted"; fi
	if [ "$dp" = kernel ]; then
		# The host's netfilter translates: status reads its table and
		# conntrack.
		nsx a ping -c 1 -W 2 203.0.113.2 >/dev/null
		check_out "kernel: status --nat lists a's connection, from conntrack" \
			'"proto":"icmp","inside":"10.13.37.2:[0-9]+","outside":[0-9]+,"remote":"203.0.113.2:0"' \
			"$NSFAST" status --json --nat "$PFX"
		check_out "kernel: status shows the SNAT, its connections and the drops" \
			"snat of 10.13.37.0/24 via $PFX-up0 ports 61000-65535: [1-9][0-9]* connections?; dropped: $drops unsolicited" \
			"$NSFAST" status "$PFX"
		nft delete table ip "nsfast-$PFX-sw0"
		check_out "kernel: status says when the table is gone" \
			"nftables table nsfast-$PFX-sw0 is missing" "$NSFAST" status "$PFX"
		check_out "kernel: and up makes it anew" "masquerade to :61000-65535" \
			bash -c "'$NSFAST' up -q --lab '$PFX' '$TMP/nat-$dp.conf' && nft list table ip nsfast-$PFX-sw0"
	fi

	# up applies a setting the file changed (here the NAT's ports) to
	# the running switch: a new nftables table, or a new daemon.
	sed 's/^    uplink  up0 snat$/& ports 62000-62999/' "$TMP/nat-$dp.conf" >"$TMP/ports-$dp.conf"
	# First a fault at the last step: the rollback puts the old back.
	k=$("$NSFAST" up -v --lab "$PFX" "$TMP/nat-$dp.conf" | sed -n 's/^step \([0-9]*\): finish lab.*/\1/p')
	check_out "$dp: a rollback after changing the ports puts the old ones back" \
		"switch sw0's daemon runs again with its old settings|nsfast-$PFX-sw0 has its old settings again" \
		env NSFAST_FAULT_STEP="${k:-0}" "$NSFAST" up --lab "$PFX" "$TMP/ports-$dp.conf"
	if [ "$dp" = kernel ]; then
		check_out "$dp: the masquerade has the old ports" "masquerade to :61000-65535" \
			nft list table ip "nsfast-$PFX-sw0"
	else
		check_out "$dp: the daemon has the old ports" '"ports":"61000-65535"' "$NSFAST" status --json "$PFX"
	fi
	check_out "$dp: up applies changed SNAT ports, and says so" \
		"switch sw0: its (SNAT )?settings changed" \
		"$NSFAST" up --lab "$PFX" "$TMP/ports-$dp.conf"
	if [ "$dp" = kernel ]; then
		check_out "$dp: the masquerade uses them" "masquerade to :62000-62999" \
			nft list table ip "nsfast-$PFX-sw0"
	else
		check_out "$dp: the daemon uses them" '"ports":"62000-62999"' "$NSFAST" status --json "$PFX"
	fi
	check "$dp: and c reaches the outside through them" nsx c ping -c 1 -W 2 203.0.113.2
	check_out "$dp: a second up of the file changes nothing" "nothing changed" \
		"$NSFAST" up --lab "$PFX" "$TMP/ports-$dp.conf"
	# A restart of the daemon keeps the NAT's connections: a TCP
	# transfer and its iperf3 control connection go on across an up
	# that changes a NAT timeout, and one the other way across the up
	# that changes it back. The kept file is the daemon's code, the
	# same on every userspace dataplane; tc has the fast path.
	if [ "$dp" = tc ]; then
		sed 's/^    uplink  up0 snat ports 62000-62999$/&\n    nat-timeout udp 61/' \
			"$TMP/ports-$dp.conf" >"$TMP/keep-$dp.conf"
		keep_across() { # FILE IPERF3-DIRECTION WHAT
			nsx_bg a iperf3 $2 -c 203.0.113.2 -p 5203 -t 2.5 -J >"$TMP/keep.json" 2>&1
			local pid=${PIDS[-1]}
			sleep 0.8
			check_out "$dp: up with another NAT timeout restarts the daemon ($3)" \
				"settings changed" "$NSFAST" up --lab "$PFX" "$1"
			wait "$pid" || true
			check_out "$dp: a TCP $3 through the NAT went on across the restart" '^ok [1-9]' \
				jq -r '"\(if .error then .error else "ok" end) \(.intervals[-1].sum.bytes)"' \
				"$TMP/keep.json"
		}
		keep_across "$TMP/keep-$dp.conf" "" upload
		check_out "$dp: the new daemon took the connections over" '"kept":([2-9]|[1-9][0-9]+),' \
			"$NSFAST" status --json "$PFX"
		check_out "$dp: and counts them in status" " ([2-9]|[1-9][0-9]+) kept from the daemon before" \
			"$NSFAST" status "$PFX"
		# Between two daemons, the host must not reset them.
		check_out "$dp: the host holds the NAT's ports on the uplink" \
			"NAT ports 62000-62999 held on $PFX-up0 while no daemon runs" "$NSFAST" status "$PFX"
		keep_across "$TMP/ports-$dp.conf" -R download
		# With no daemon at all (kill -9 takes its programs with it),
		# what the outside sends to a NAT port reaches the host, and
		# the hold drops and counts it.
		held() { "$NSFAST" status --json "$PFX" | jq '.switches[0].held.dropped'; }
		held0=$(held)
		kill -9 "$("$NSFAST" status --json "$PFX" | jq -r '.switches[0].daemon.pid')"
		for _ in $(seq 40); do "$NSFAST" status --json "$PFX" |
			jq -e '.switches[0].daemon == null' >/dev/null && break; sleep 0.05; done
		for port in 62000 62500 62999; do
			nsx outside bash -c "echo held >/dev/udp/203.0.113.1/$port"
		done
		held1=$(held)
		if [ -n "$held0" ] && [ "$held1" = $((held0 + 3)) ]; then
			pass "$dp: with no daemon, the hold drops and counts what the outside sends to the NAT's ports"
		else fail "$dp: the hold counted ${held0:-?} -> ${held1:-?} for 3 datagrams"; fi
		check_out "$dp: and status says it" "held on $PFX-up0 while no daemon runs .*: $held1 packets dropped" \
			"$NSFAST" status "$PFX"
		check_out "$dp: up starts the daemon again" "[1-9][0-9]* changes? in" \
			"$NSFAST" up --lab "$PFX" "$TMP/ports-$dp.conf"
	fi

	if [ "$dp" != kernel ]; then
		# Its table only holds the NAT's ports (no masquerade, no
		# forward chain: no host port here).
		check_out "$dp: the host's forwarding is left alone, its table only holds the NAT's ports" \
			"^$FWD_BEFORE 0 1$" bash -c "echo \$(cat /proc/sys/net/ipv4/ip_forward) \$(nft list table ip nsfast-$PFX-sw0 |
			grep -c -e masquerade -e 'hook forward') \$(nft list table ip nsfast-$PFX-sw0 | grep -c 'drop comment \"held\"')"
	fi
	# The host's own traffic over the uplink is untouched.
	check "$dp: the host still pings the outside" ping -c 2 -i 0.2 -W 2 203.0.113.2
	check "$dp: the host still talks TCP to the outside" iperf3 -c 203.0.113.2 -p 5201 -t 1
	if [ "$dp" = xdp ] || [ "$dp" = tc ]; then
		# A MAC that moves to another port while a connection to it is
		# in the fast path: what comes back must follow it. The outside
		# sends UDP to a; c takes a's MAC and address and says so.
		amac=$(nsx a cat /sys/class/net/eth0/address)
		nsx_bg a iperf3 -u -R -b 5M -c 203.0.113.2 -p 5202 -t 4 >/dev/null 2>&1
		sleep 1
		nsx a ip link set eth0 down
		nsx c ip link set eth0 address "$amac"
		nsx c ip addr add 10.13.37.2/24 dev eth0
		# c has no socket for them: each datagram that reaches it is a
		# NoPorts in its UDP counters, whichever path brought it.
		noports() { nsx c awk '/^Udp:/ { if (h) { print $3; exit } h = 1 }' /proc/net/snmp; }
		rx0=$(noports)
		nsx c ping -c 1 -W 1 10.13.37.1 >/dev/null
		sleep 1.5
		rx1=$(noports)
		moved=$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.nat.fast.followed_moves')
		if [ $((rx1 - rx0)) -gt 100 ] && [ "${moved:-0}" -ge 1 ]; then
			pass "$dp: a connection back to a moved MAC follows it ($((rx1 - rx0)) datagrams reached it at its new port)"
		else fail "$dp: after the move, $((rx1 - rx0)) datagrams reached c; entries followed: $moved"; fi
	fi
	# Last: the outside keeps the path MTU it learns here.
	small_port "$dp"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	PIDS=()
	check "$dp: down" down
	assert_clean "$dp: nothing left, the uplink's host end gone with the lab"
done
