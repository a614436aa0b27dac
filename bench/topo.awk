# bench/topo.awk: what the benchmark needs from a topology file, as
# shell assignments (bench/bench.sh evaluates them). Names and addresses
# have already passed `nsfast check`, so they hold no shell syntax.
#
#   SW        the first switch declared
#   GW        its first IPv4 gateway address (without the prefix), or ""
#   UPLINK    the IFACE of its `uplink IFACE snat`, or ""
#   CLIENT CLIENT_IF CLIENT_IP   the first namespace linked to SW, the
#   SERVER SERVER_IF SERVER_IP   second one (interface name, first IPv4)
#   NSW       how many namespaces are linked to SW
#   UPLINK_VETH  1 if UPLINK is the host end of a `veth host:UPLINK` here
#   NAT_NS NAT_IF NAT_IP         the other end of that veth
#   FOREIGN   the uplinks, of any switch, that are not the host end of a
#             veth of the file (existing interfaces: the benchmark
#             refuses them), as SWITCH:IFACE words
#   HOST_DEFAULT  1 if the host block sets a default route (refused too)
#
# The same statements and blocks as control/topo_parse.c: `#` starts a
# comment, lab/switch/ns/veth and a lone `host` start a statement; keys
# on a switch line come in pairs, keys on the following lines one a line.
function ipv4(c) { return c ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\/[0-9]+$/ }
function host_of(c) { sub(/\/.*/, "", c); return c }
# The first IPv4 address among tokens i..j of the current line.
function first_v4(i, j,    k) {
	for (k = i; k <= j; k++)
		if (ipv4($k))
			return host_of($k)
	return ""
}
{
	sub(/#.*/, "")
	if (NF == 0)
		next
}
$1 == "lab" || $1 == "veth" || ($1 == "host" && NF == 1) { block = $1 }
$1 == "switch" {
	block = "switch"
	cur = $2
	if (sw == "")
		sw = $2
	for (i = 3; i + 1 <= NF; i += 2)
		if ($i == "gateway" && cur == sw && gw == "" && ipv4($(i + 1)))
			gw = host_of($(i + 1))
	next
}
$1 == "ns" { block = "ns"; cur = $2; next }
block == "switch" && cur == sw && $1 == "gateway" && gw == "" && ipv4($2) { gw = host_of($2) }
block == "switch" && cur == sw && $1 == "uplink" && $3 == "snat" { uplink = $2 }
block == "switch" && $1 == "uplink" { nu++; usw[nu] = cur; uif[nu] = $2 }
block == "host" && $1 == "route" && $2 == "default" { host_default = 1 }
block == "ns" && $1 == "link" && $3 == "switch" {
	# link IF switch SW [addr CIDR]... (the file may name SW before
	# declaring it, so every link is kept and filtered at the end)
	nl++
	lns[nl] = cur; lif[nl] = $2; lsw[nl] = $4; lip[nl] = ""
	for (i = 5; i < NF; i++)
		if ($i == "addr" && ipv4($(i + 1))) {
			lip[nl] = host_of($(i + 1))
			break
		}
}
$1 == "veth" {
	for (sep = 2; sep <= NF && $sep != "--"; sep++)
		;
	nv++
	va[nv] = $2; vb[nv] = $(sep + 1)
	hostend[$2] = hostend[$(sep + 1)] = 1
	vaip[nv] = first_v4(3, sep - 1); vbip[nv] = first_v4(sep + 2, NF)
}
END {
	n = 0
	for (i = 1; i <= nl; i++) {
		if (lsw[i] != sw || seen[lns[i]]++)
			continue
		n++
		if (n == 1) { c = lns[i]; cif = lif[i]; cip = lip[i] }
		if (n == 2) { s = lns[i]; sif = lif[i]; sip = lip[i] }
	}
	for (i = 1; i <= nv && uplink != ""; i++) {
		if (va[i] == "host:" uplink) { other = vb[i]; oip = vbip[i] }
		else if (vb[i] == "host:" uplink) { other = va[i]; oip = vaip[i] }
		else continue
		split(other, o, ":")
		printf "UPLINK_VETH=1 NAT_NS=%s NAT_IF=%s NAT_IP=%s\n", o[1], o[2], oip
		break
	}
	for (i = 1; i <= nu; i++)
		if (!(("host:" uif[i]) in hostend))
			foreign = foreign (foreign == "" ? "" : " ") usw[i] ":" uif[i]
	printf "FOREIGN=\"%s\" HOST_DEFAULT=%d\n", foreign, host_default
	printf "SW=%s GW=%s UPLINK=%s NSW=%d\n", sw, gw, uplink, n
	printf "CLIENT=%s CLIENT_IF=%s CLIENT_IP=%s\n", c, cif, cip
	printf "SERVER=%s SERVER_IF=%s SERVER_IP=%s\n", s, sif, sip
}
