#!/usr/bin/env bash
# SNAT to an uplink: the same behaviour from every dataplane. The uplink
# is a veth to a namespace that plays the outside world, with servers.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
DPS=${SNAT_DATAPLANES:-kernel}

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
		nsx outside iperf3 -s -p "$p" >/dev/null 2>&1 &
		PIDS+=($!)
	done
	sleep 0.4
}

for dp in $DPS; do
	sed "s/dataplane kernel/dataplane $dp/" "$EX/nat.conf" >"$TMP/nat-$dp.conf"
	check "$dp: up" up "$TMP/nat-$dp.conf"
	probe
	serve 5201 5202 5203
	check "$dp: a reaches the outside over TCP" nsx a iperf3 -c 203.0.113.2 -p 5201 -t 1
	check "$dp: b reaches the outside over UDP" nsx b iperf3 -u -b 10M -c 203.0.113.2 -p 5201 -t 1
	check "$dp: c reaches the outside with ping" nsx c ping -c 2 -i 0.2 -W 2 203.0.113.2
	read -r via_uplink via_lab <<<"$(sources)"
	if [ "${via_uplink:-0}" -gt 10 ] && [ "${via_lab:-1}" = 0 ]; then
		pass "$dp: the outside saw only the uplink address ($via_uplink packets)"
	else fail "$dp: outside saw $via_uplink from the uplink, $via_lab from lab addresses"; fi

	# Two namespaces, one source port, at the same time.
	nsx a iperf3 -c 203.0.113.2 -p 5202 --cport 40000 -t 2 >"$TMP/a.out" 2>&1 &
	pa=$!
	nsx b iperf3 -c 203.0.113.2 -p 5203 --cport 40000 -t 2 >"$TMP/b.out" 2>&1
	rb=$?
	wait "$pa"; ra=$?
	if [ $ra = 0 ] && [ $rb = 0 ]; then pass "$dp: a and b both use source port 40000 at once"
	else fail "$dp: same source port: a exit $ra, b exit $rb: $(tail -n1 "$TMP/a.out") $(tail -n1 "$TMP/b.out")"; fi

	if command -v traceroute >/dev/null; then
		nsx a traceroute -n -w 2 -q 1 203.0.113.2 >"$TMP/tr" 2>&1
		if grep -Eq '^ *1 +10\.13\.37\.1 ' "$TMP/tr" && grep -Eq '^ *2 +203\.0\.113\.2 ' "$TMP/tr"; then
			pass "$dp: traceroute from a shows the gateway, then the server"
		else fail "$dp: traceroute: $(tr '\n' ' ' <"$TMP/tr")"; fi
	fi

	# Only replies get in: a new connection to a reserved port of the
	# uplink address finds nothing.
	check_fails "$dp: an unsolicited connection to uplink port 61000 gets nowhere" \
		nsx outside nc -z -w 1 203.0.113.1 61000
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
			awk '{s += $2} END {print s + 0}')
		if [ "$drops" -ge 1 ]; then pass "$dp: unsolicited packets were dropped and counted ($drops)"
		else fail "$dp: no unsolicited drop counted"; fi ;;
	esac

	# The host's own traffic over the uplink is untouched.
	check "$dp: the host still pings the outside" ping -c 2 -i 0.2 -W 2 203.0.113.2
	check "$dp: the host still talks TCP to the outside" iperf3 -c 203.0.113.2 -p 5201 -t 1
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	PIDS=()
	check "$dp: down" down
	assert_clean "$dp: nothing left, the uplink's host end gone with the lab"
done
