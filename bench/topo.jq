# bench/topo.jq: what the benchmark needs from a topology, as shell
# assignments (bench/bench.sh evaluates them), from `nsfast check --json`:
# nsfast's own parser, so the benchmark reads a file as `up` does.
#
#   SW        the first switch declared
#   GW        its first IPv4 gateway address (without the prefix), or ""
#   UPLINK    the interface of its `uplink IFACE snat`, or ""
#   CLIENT CLIENT_IF CLIENT_IP   the first namespace linked to SW, the
#   SERVER SERVER_IF SERVER_IP   second one (interface name, first IPv4)
#   NSW       how many namespaces are linked to SW
#   NAT_NS NAT_IF NAT_IP         the far end of the veth whose host end
#                                is UPLINK ("" when it is none)
#   FOREIGN   the uplinks, of any switch, that are not the host end of a
#             veth of the file (existing interfaces: the benchmark
#             refuses them), as SWITCH:IFACE words
#   HOST_DEFAULT  1 if the host block has a default route (refused too)
def v4: [.[] | select(test("^[0-9.]+/")) | sub("/.*"; "")] | first // "";
(.switches[0] // {}) as $sw
| ($sw.name // "") as $name
| (reduce (.links[] | select(.kind == "switch" and .switch == $name) | .a) as $e ([];
	if any(.[]; .ns == $e.ns) then . else . + [$e] end)) as $ends
| (if $sw.uplink.snat then $sw.uplink else null end) as $up
| {
	SW: $name,
	GW: ($sw.gateways // [] | v4),
	UPLINK: ($up.interface // ""),
	NSW: ($ends | length),
	CLIENT: ($ends[0].ns // ""), CLIENT_IF: ($ends[0].interface // ""),
	CLIENT_IP: ($ends[0].addrs // [] | v4),
	SERVER: ($ends[1].ns // ""), SERVER_IF: ($ends[1].interface // ""),
	SERVER_IP: ($ends[1].addrs // [] | v4),
	NAT_NS: ($up.peer.ns // ""), NAT_IF: ($up.peer.interface // ""),
	NAT_IP: ($up.peer.addrs // [] | v4),
	FOREIGN: ([.switches[] | select(.uplink != null and .uplink.peer == null)
		| "\(.name):\(.uplink.interface)"] | join(" ")),
	HOST_DEFAULT: (if any(.routes[]; .ns == "host" and (.dst | endswith("/0"))) then 1 else 0 end)
}
| to_entries[] | "\(.key)=\(.value | tostring | @sh)"
