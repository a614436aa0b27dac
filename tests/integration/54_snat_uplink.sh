#!/usr/bin/env bash
# An uplink that was there before the lab, on every dataplane: claimed,
# used and left exactly as it was. DPS as in 50_snat.sh.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
DPS=${SNAT_DATAPLANES:-kernel afxdp xdp tc}

# --- an uplink that was there before the lab is exactly as before after it
ip netns add "$PFX-world"
ip link add "$PFX-ux" type veth peer name eth0 netns "$PFX-world"
ip addr add 198.51.100.1/24 dev "$PFX-ux"
ip link set "$PFX-ux" up
ip -n "$PFX-world" addr add 198.51.100.2/24 dev eth0
ip -n "$PFX-world" link set eth0 up
ip -n "$PFX-world" link set lo up
before=$(ip -d addr show "$PFX-ux" | grep -v -E 'valid_lft|RX|TX|^ +[0-9]+ +[0-9]+' | sed 's/state [A-Z]*//; s/ tentative//')
# A claim on the uplink left by a lab that is not up (no 'down' ran) is
# taken over by the first up below.
mkdir -p /run/nsfast/.uplinks
echo "${PFX}gone sw9" >"/run/nsfast/.uplinks/$PFX-ux"
for dp in $DPS; do
	cat >"$TMP/ext-$dp.conf" <<CONF
lab x
switch sw0 dataplane $dp
    gateway 10.13.37.1/24
    uplink $PFX-ux snat
ns a
    link eth0 switch sw0 addr 10.13.37.2/24
    route default via 10.13.37.1
CONF
	if [ "$dp" = "${DPS%% *}" ]; then
		# Claims are looked at and taken under an flock on their
		# directory: held by someone else, up waits (it takes ~30 ms
		# otherwise) and leaves the stale claim as it is meanwhile.
		( exec 9</run/nsfast/.uplinks && flock 9 && exec sleep 60 ) & holder=$!
		sleep 0.3
		# A signal while it waits there, inside a step: named, and
		# what the run made is rolled back.
		"$NSFAST" up -q --lab "$PFX" "$TMP/ext-$dp.conf" >"$TMP/term" 2>&1 & uppid=$!
		sleep 1
		kill -TERM "$uppid"
		rc=0; wait "$uppid" || rc=$?
		if [ $rc = 1 ] && grep -q "claim uplink $PFX-ux for switch sw0: .*interrupted by signal 15" "$TMP/term" &&
			grep -q "rolled back lab '$PFX'" "$TMP/term"; then
			pass "$dp: a SIGTERM while up waits inside a step is named, and rolled back"
		else fail "$dp: SIGTERM inside a step: exit $rc, $(tr '\n' ' ' <"$TMP/term")"; fi
		check_out "$dp: and leaves nothing of the lab" "^0$" bash -c "ip netns | grep -v '^$PFX-world' | grep -c '^$PFX-' || true"
		up "$TMP/ext-$dp.conf" & uppid=$!
		sleep 1.5
		check "$dp: up waits for the lock on the uplink claims" kill -0 "$uppid"
		check_out "$dp: and has not touched the stale claim meanwhile" "^${PFX}gone sw9$" \
			cat "/run/nsfast/.uplinks/$PFX-ux"
		kill "$holder"; wait "$holder" 2>/dev/null
		check "$dp: up with an uplink of the host's (once the lock is free)" wait "$uppid"
	else
		check "$dp: up with an uplink of the host's" up "$TMP/ext-$dp.conf"
	fi
	check_out "$dp: the uplink is claimed by this switch" "^$PFX sw0$" cat "/run/nsfast/.uplinks/$PFX-ux"
	check "$dp: a reaches the world through it" nsx a ping -c 2 -i 0.2 -W 2 198.51.100.2
	check "$dp: the host's own ping over it works meanwhile" ping -c 1 -W 2 198.51.100.2
	# A second switch translating to the same address would take this
	# one's return traffic: refused by up (the uplink's claim), whatever
	# the dataplanes.
	for dp2 in kernel xdp tc; do
		sed "s/^lab x/lab ${PFX}y/; s/dataplane $dp/dataplane $dp2/; s/10\.13\.37\./10.171.0./g" \
			"$TMP/ext-$dp.conf" >"$TMP/ext2.conf"
		check_out "$dp: a second switch ($dp2) on the same uplink is refused" \
			"^rc [1-9].*claim uplink $PFX-ux for switch sw0.*it is the SNAT uplink of switch sw0 of lab $PFX: an uplink serves one switch" bash -c \
			"set -f; o=\$('$NSFAST' up -q '$TMP/ext2.conf' 2>&1); rc=\$?; echo rc \$rc \$o"
		check_out "$dp: and leaves nothing behind" "^0$" bash -c \
			"{ ip netns list; ip -o link; nft list tables; ls /run/nsfast; ps -eo args | grep '^[^ ]*nsfast switch '; } | grep -c '${PFX}y' || true"
		"$NSFAST" down -q "${PFX}y" >/dev/null 2>&1 # were it not refused
	done
	# A daemon started by hand (no claim) finds the first switch's
	# program on the uplink and refuses it too.
	if [ "$dp" != kernel ]; then
		ip link add "$PFX-zp" type veth peer name "$PFX-zq"
		ip link set "$PFX-zp" up; ip link set "$PFX-zq" up
		check_out "$dp: a switch daemon started by hand on the uplink is refused" \
			"uplink $PFX-ux: another nsfast switch's NAT is on it" \
			"$NSFAST" switch --name z --lab "${PFX}z" --socket "$TMP/z.sock" \
			--gateway 10.99.0.1/24 --uplink "$PFX-ux" "$PFX-zp"
		ip link del "$PFX-zp"
	fi
	check "$dp: down" down
	check "$dp: down releases its claim on the uplink" test ! -e "/run/nsfast/.uplinks/$PFX-ux"
	after=$(ip -d addr show "$PFX-ux" | grep -v -E 'valid_lft|RX|TX|^ +[0-9]+ +[0-9]+' | sed 's/state [A-Z]*//; s/ tentative//')
	if [ "$before" = "$after" ]; then pass "$dp: the uplink is exactly as before (no XDP, same addresses)"
	else fail "$dp: the uplink changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"; fi
done
# tc on a host uplink with an MTU no veth takes with XDP: the uplink keeps
# its MTU, its slow-path pair (XDP on the far end) gets the most it can.
if [[ " $DPS " = *" tc "* ]]; then
	ip link set "$PFX-ux" mtu 9000
	ip -n "$PFX-world" link set eth0 mtu 9000
	check_out "tc: an uplink at MTU 9000: up warns that its slow-path pair gets 3506" \
		"uplink $PFX-ux has MTU 9000, its slow-path pair gets 3506" \
		"$NSFAST" up --lab "$PFX" "$TMP/ext-tc.conf"
	check_out "tc: the pair is at 3506, the uplink still at 9000" "^3506 9000$" bash -c \
		"echo \$(cat /sys/class/net/$PFX--u*x/mtu) \$(cat /sys/class/net/$PFX-ux/mtu)"
	check "tc: a reaches the world through it" nsx a ping -c 2 -i 0.2 -W 2 198.51.100.2
	check "tc: down" down
	ip link set "$PFX-ux" mtu 1500
fi
# xdp and afxdp put XDP on the uplink itself: up refuses that MTU before
# it creates anything, on the uplink's line.
ip link set "$PFX-ux" mtu 9000
for dp in $DPS; do
	[ "$dp" = xdp ] || [ "$dp" = afxdp ] || continue
	check_out "$dp: an uplink at MTU 9000 is refused on its line" \
		"ext-$dp.conf:4: uplink '$PFX-ux' has MTU 9000, above 3506, the largest a veth takes with the $dp switch's XDP program, expected 'ip link set $PFX-ux mtu 3506' first, or dataplane tc" \
		"$NSFAST" up --lab "$PFX" "$TMP/ext-$dp.conf"
	check_out "$dp: the refused up left nothing" "^0$" bash -c \
		"{ ip netns list; ip -o link; ls /run/nsfast; } | grep -v -e '$PFX-world' -e '$PFX-ux' | grep -c '$PFX' || true"
	check "$dp: and claimed no uplink" test ! -e "/run/nsfast/.uplinks/$PFX-ux"
done
ip link set "$PFX-ux" mtu 1500
# A rollback that cannot remove something keeps its journal line for
# down: here the uplink's claim, made unremovable (a bind mount on it)
# between the claim and a fault injected three steps later.
conf=$TMP/ext-${DPS%% *}.conf
k=$("$NSFAST" up -v --lab "$PFX" "$conf" 2>&1 | grep '^step ' | grep -n 'claim uplink' | cut -d: -f1)
down >/dev/null 2>&1
: >"$TMP/empty"
NSFAST_STEP_DELAY_MS=300 NSFAST_FAULT_STEP=$((k + 3)) "$NSFAST" up --lab "$PFX" "$conf" >"$TMP/rb" 2>&1 &
uppid=$!
for i in $(seq 1 50); do [ -e "/run/nsfast/.uplinks/$PFX-ux" ] && break; sleep 0.05; done
mount --bind "$TMP/empty" "/run/nsfast/.uplinks/$PFX-ux"
wait "$uppid"
check_out "rollback: what it could not remove is said" "lab '$PFX': 1 could not be removed; their lines stay in /run/nsfast/$PFX/journal" cat "$TMP/rb"
check_out "rollback: and its line stays in the journal" "^uplink $PFX-ux$" cat "/run/nsfast/$PFX/journal"
umount "/run/nsfast/.uplinks/$PFX-ux"
check "rollback: down then removes it" down
check "rollback: the claim is gone" test ! -e "/run/nsfast/.uplinks/$PFX-ux"
ip link del "$PFX-ux"
ip netns del "$PFX-world"
