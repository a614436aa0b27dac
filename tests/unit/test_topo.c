/* SPDX-License-Identifier: MIT */
/* Parser and validator: every error names the file, the line and what
 * was expected. Each case is a topology text and the exact stderr line
 * it must produce (or "" for a valid file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "topo.h"

struct tcase {
	const char *name;
	const char *text;
	const char *want; /* substring of stderr ("=…": all of it); "" = must be valid */
};

#define HEAD "lab t\nswitch sw0\n    gateway 10.0.0.1/24\n"

static const struct tcase cases[] = {
	{ "valid minimal", "lab t\nns a\n", "" },
	{ "valid full",
	  HEAD "    host 10.0.0.254/24\n    uplink up0 snat\n"
	       "ns a\n    link eth0 switch sw0 addr 10.0.0.2/24 addr fd42::2/64 mac 02:00:00:00:00:01 mtu 1400\n"
	       "    route default via 10.0.0.1\n    route 192.168.5.0/24 via 10.0.0.9 dev eth0\n"
	       "ns out\nveth host:up0 203.0.113.1/24 -- out:eth0 203.0.113.2/24\n"
	       "host\n    route 10.9.9.0/24 via 10.0.0.2\n",
	  "" },
	{ "valid forward ref", "lab t\nns a\n  link e0 switch late addr 10.0.0.2/24\nswitch late\n", "" },
	{ "inline switch keys", "lab t\nswitch s dataplane afxdp gateway 10.0.0.1/24\nns a\n  link e0 switch s\n", "" },
	{ "comments and blanks", "# c\n\nlab t   # trailing\n\tns a\n", "" },
	{ "unknown key in link",
	  HEAD "ns a\n    link eth0 switch sw0 adress 10.0.0.2/24\n",
	  "t.conf:5: unknown key 'adress' in link, expected addr, mac or mtu" },
	{ "unknown key in ns", "lab t\nns a\n    frob 1\n",
	  "t.conf:3: unknown key 'frob' in ns, expected link, move, route or forward" },
	{ "unknown key in switch", "lab t\nswitch s\n  colour red\n",
	  "t.conf:3: unknown key 'colour' in switch, expected dataplane, gateway, host, uplink, ageing, nat-table or nat-timeout" },
	{ "unknown statement", "lab t\nbridge b\n",
	  "t.conf:2: unknown statement 'bridge', expected lab, switch, ns, host or veth" },
	{ "route outside block", "lab t\nroute default via 1.2.3.4\n",
	  "t.conf:2: unknown statement 'route'" },
	{ "host block key", "lab t\nns a\nhost\n  link x\n", "t.conf:4: unknown key 'link' in host, expected route" },
	{ "bad cidr no prefix", HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.2\n",
	  "t.conf:5: bad address '10.0.0.2', expected ADDRESS/PREFIX" },
	{ "veth address without prefix", "lab t\nns a\nns b\nveth a:x 10.0.0.1 -- b:y 10.0.0.2/24\n",
	  "t.conf:4: bad address '10.0.0.1', expected ADDRESS/PREFIX" },
	{ "switch key with a word too many", "lab t\nswitch s dataplane tc stp off\nns a\n  link e0 switch s\n",
	  "t.conf:2: unexpected 'stp' after 'dataplane tc', expected the end of the line or a switch key (dataplane, gateway" },
	{ "multicast address", "lab t\nns a\nns b\nveth a:x ff02::5/64 -- b:y\n",
	  "t.conf:4: bad address 'ff02::5/64': unspecified or multicast, expected an interface's own unicast address" },
	{ "multicast gateway", "lab t\nswitch s dataplane kernel gateway 239.1.1.1/24\nns a\n",
	  "t.conf:2: bad gateway address '239.1.1.1/24': unspecified or multicast" },
	{ "bad cidr octet", HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.256/24\n",
	  "t.conf:5: bad address '10.0.0.256/24'" },
	{ "bad cidr prefix", HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.2/33\n",
	  "t.conf:5: bad address '10.0.0.2/33'" },
	{ "bad cidr v6 prefix", "lab t\nns a\nns b\nveth a:x fd00::1/129 -- b:y\n",
	  "t.conf:4: bad address 'fd00::1/129'" },
	{ "bad gateway cidr", "lab t\nswitch s\n  gateway 10.0.0.1\n",
	  "t.conf:3: bad gateway address '10.0.0.1', expected ADDRESS/PREFIX" },
	{ "bad dataplane", "lab t\nswitch s dataplane ovs\n",
	  "t.conf:2: unknown dataplane 'ovs', expected kernel, afxdp, xdp or tc" },
	{ "bad mac", HEAD "ns a\n  link e0 switch sw0 mac 02:00:00:00:00\n",
	  "t.conf:5: bad mac '02:00:00:00:00', expected a unicast address" },
	{ "multicast mac", HEAD "ns a\n  link e0 switch sw0 mac 01:00:5e:00:00:01\n",
	  "t.conf:5: bad mac '01:00:5e:00:00:01'" },
	{ "mac with a sign", HEAD "ns a\n  link e0 switch sw0 mac 02:-1:00:00:00:01\n",
	  "t.conf:5: bad mac '02:-1:00:00:00:01'" },
	{ "mac with a 0x", HEAD "ns a\n  link e0 switch sw0 mac 0x:00:00:00:00:01\n",
	  "t.conf:5: bad mac '0x:00:00:00:00:01'" },
	{ "mac of zeros", HEAD "ns a\n  link e0 switch sw0 mac 00:00:00:00:00:00\n",
	  "t.conf:5: bad mac '00:00:00:00:00:00'" },
	{ "mac in capitals", HEAD "ns a\n  link e0 switch sw0 mac 02:AB:cd:00:00:01\n", "" },
	{ "bad mtu", HEAD "ns a\n  link e0 switch sw0 mtu 40\n",
	  "t.conf:5: bad mtu '40', expected a number from 68 to 65535" },
	{ "bad ageing", "lab t\nswitch s\n ageing -5\n", "t.conf:3: bad ageing '-5'" },
	{ "duplicate ns", "lab t\nns a\nns b\nns a\n",
	  "t.conf:4: namespace 'a' already declared on line 2" },
	{ "duplicate switch", "lab t\nswitch s\nswitch s\nns a\n",
	  "t.conf:3: switch 's' already declared on line 2" },
	{ "duplicate lab", "lab t\nlab u\nns a\n", "t.conf:2: lab already named on line 1" },
	{ "no lab", "ns a\n", "t.conf: no 'lab NAME' line" },
	{ "no ns", "lab t\n", "t.conf: no namespace declared" },
	{ "lab name too long", "lab abcdefghi\nns a\n", "t.conf:1: bad lab name 'abcdefghi'" },
	{ "lab name with a dash", "lab a-b\nns c\n",
	  "t.conf:1: bad lab name 'a-b', expected up to 8 letters, digits or '_' (it prefixes every name nsfast creates, then a '-')" },
	{ "ns named host", "lab t\nns host\n", "t.conf:2: 'host' is the namespace nsfast runs in" },
	{ "link to undeclared switch", "lab t\nns a\n  link e0 switch nope addr 10.0.0.2/24\n",
	  "t.conf:3: link to undeclared switch 'nope', expected one declared with 'switch nope'" },
	{ "link syntax", "lab t\nns a\n  link e0 sw0\n",
	  "t.conf:3: unknown word 'sw0', expected 'link IFNAME switch SWITCH" },
	{ "veth unknown ns", "lab t\nns a\nveth a:x -- b:y\n",
	  "t.conf:3: unknown namespace 'b' in veth, declare it with 'ns b'" },
	{ "veth no separator", "lab t\nns a\nveth a:x 10.0.0.1/24\n",
	  "t.conf:3: expected 'veth NS:IF [CIDR]... -- NS:IF [CIDR]...'" },
	{ "veth bad end", "lab t\nns a\nveth a -- host:x\n", "t.conf:3: bad veth end 'a'" },
	{ "veth both host", "lab t\nns a\nveth host:x -- host:y\n",
	  "t.conf:3: veth with both ends in the host" },
	{ "veth mtu mismatch", "lab t\nns a\nns b\nveth a:x mtu 1400 -- b:y mtu 1500\n",
	  "t.conf:4: veth ends have different mtu (1400 and 1500)" },
	{ "ifname too long", "lab t\nns a\nns b\nveth a:abcdefghijklmnop -- b:y\n",
	  "t.conf:4: interface name 'abcdefghijklmnop' is 16 characters, the kernel allows at most 15" },
	{ "generated name too long", "lab longlab\nswitch s\nns namespace1\n  link eth0 switch s\n",
	  "t.conf:4: switch port name 'longlab-namespace1-eth0' is 23 characters, the kernel allows at most 15: shorten the lab, namespace or interface name" },
	{ "generated switch name too long", "lab longlab\nswitch a-long-switch dataplane kernel\nns a\n",
	  "t.conf:2: switch name 'longlab-a-long-switch' is 21 characters, the kernel allows at most 15: shorten the lab or switch name" },
	{ "generated host name too long", "lab longlab\nns a\nveth host:verylongif -- a:e\n",
	  "t.conf:3: host interface name 'longlab-verylongif' is 18 characters, the kernel allows at most 15: shorten the lab or interface name" },
	{ "duplicate ifname in ns", "lab t\nns a\nns b\nveth a:x -- b:y\nveth a:x -- b:z\n",
	  "t.conf:5: interface 'x' in ns 'a' already declared on line 4" },
	{ "duplicate address on switch",
	  HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.2/24\nns b\n  link e0 switch sw0 addr 10.0.0.2/24\n",
	  "t.conf:7: address 10.0.0.2 is already used on switch 'sw0' (line 5)" },
	{ "gateway address reused",
	  HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.1/24\n",
	  "t.conf:5: address 10.0.0.1 is already used on switch 'sw0' (line 3)" },
	{ "overlapping subnets on switch",
	  HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.2/24\nns b\n  link e0 switch sw0 addr 10.0.0.3/16\n",
	  "t.conf:7: subnet of 10.0.0.3/16 overlaps 10.0.0.1/24 on switch 'sw0' (line 3), expected the same prefix or a disjoint subnet" },
	{ "same subnets on two switches ok",
	  HEAD "switch sw1\n  gateway 10.0.0.1/24\nns a\n  link e0 switch sw0 addr 10.0.0.2/24\nns b\n  link e0 switch sw1 addr 10.0.0.2/24\n",
	  "" },
	{ "overlapping subnets in a namespace",
	  HEAD "ns a\n  link e0 switch sw0 addr 10.0.0.2/24\nns b\nveth a:e1 10.0.0.9/16 -- b:e0 10.0.0.10/16\n",
	  "t.conf:7: subnet of 10.0.0.9/16 on e1 overlaps 10.0.0.2/24 on e0 (line 5) in ns 'a': the kernel would route both through one interface, expected disjoint subnets" },
	{ "host veth in a switch's subnet",
	  HEAD "    host 10.0.0.254/24\n    uplink up0 snat\nns out\nveth host:up0 10.0.0.100/24 -- out:eth0 10.0.0.101/24\n",
	  "t.conf:7: subnet of 10.0.0.100/24 on up0 overlaps 10.0.0.254/24 on switch 'sw0' (line 4) in the host" },
	{ "two host veths, same subnet",
	  "lab t\nns a\nns b\nveth host:x 10.0.0.1/24 -- a:e 10.0.0.2/24\nveth host:y 10.0.0.5/24 -- b:e 10.0.0.6/24\n",
	  "t.conf:5: subnet of 10.0.0.5/24 on y overlaps 10.0.0.1/24 on x (line 4) in the host" },
	{ "kernel switches in the host, same subnet",
	  "lab t\nswitch sw0 dataplane kernel gateway 10.0.0.1/24\nswitch sw1 dataplane kernel gateway 10.0.0.9/24\nns a\n",
	  "t.conf:3: subnet of 10.0.0.9/24 on switch 'sw1' overlaps 10.0.0.1/24 on switch 'sw0' (line 2) in the host" },
	{ "one address on both veth ends", "lab t\nns a\nns b\nveth a:x 10.0.0.1/24 -- b:y 10.0.0.1/24\n",
	  "t.conf:4: address 10.0.0.1 is on both ends of the veth, expected one address for each end" },
	{ "one address twice on an interface",
	  "lab t\nns a\nns b\nveth a:x 10.0.0.1/24 fd00::1/64 fd00::1/128 -- b:y 10.0.0.2/24\n",
	  "t.conf:4: address 'fd00::1/128' given twice on x, expected one" },
	{ "route via twice", "lab t\nns a\n  route 10.1.0.0/24 via 10.0.0.1 via 10.0.0.3\n",
	  "t.conf:3: via given twice in route, expected one" },
	{ "uplink ports twice", "lab t\nswitch s dataplane kernel\n  gateway 10.0.0.1/24\n"
	  "  uplink up0 snat ports 2000-3000 ports 4000-5000\n",
	  "t.conf:4: ports given twice in uplink, expected one" },
	{ "same /32, link-local and subnet on one interface ok",
	  "lab t\nns a\nns b\nns c\nveth a:x 10.0.0.1/32 fe80::1/64 10.1.0.1/24 10.1.0.2/24 -- b:y 10.0.0.2/32\n"
	  "veth a:z 10.0.0.1/32 fe80::1/64 -- c:y 10.0.0.3/32\n",
	  "" },
	{ "userspace switch without ports", "lab t\nswitch empty dataplane afxdp\nns a\n",
	  "t.conf:2: afxdp switch 'empty' has no ports, expected a 'link IFNAME switch empty' in some ns, or a 'host' address" },
	{ "kernel switch without ports ok", "lab t\nswitch empty dataplane kernel\nns a\n", "" },
	{ "move", "lab t\nns a\n  move nic0 addr 10.1.1.1/24 mtu 1400 mac 02:00:00:00:00:07\n  route default via 10.1.1.254\n"
		  "  route 10.9.0.0/16 dev nic0\n", "" },
	{ "host route over a moved interface", "lab t\nns a\n  move nic0 addr 10.1.1.1/24\nhost\n  route 10.5.0.0/16 dev nic0\n",
	  "t.conf:5: route via unknown device 'nic0', expected an interface of the host that this file makes, by its name in the file" },
	{ "move without a name", "lab t\nns a\n  move\n", "t.conf:3: expected 'move IFNAME [addr CIDR]... [mac MAC] [mtu N]'" },
	{ "move bad key", "lab t\nns a\n  move nic0 speed 10\n", "t.conf:3: unknown key 'speed' in move, expected addr, mac or mtu" },
	{ "move into two namespaces", "lab t\nns a\n  move nic0\nns b\n  move nic0\n",
	  "t.conf:5: interface 'nic0' is moved already on line 3" },
	{ "move twice into one", "lab t\nns a\n  move nic0\n  move nic0\n",
	  "t.conf:4: interface 'nic0' is moved already on line 3" },
	{ "move of a lab's own name", "lab t\nns a\n  move t-x\n",
	  "t.conf:3: move of 't-x': named like an interface lab 't' makes, expected an interface of the host's own" },
	{ "move of the uplink", "lab t\nswitch s dataplane kernel gateway 10.0.0.1/24 uplink nic0 snat\nns a\n  move nic0\n",
	  "t.conf:2: uplink 'nic0' is moved into ns 'a' (line 4), expected an interface that stays in the host" },
	{ "moved subnet overlaps a veth's", "lab t\nns a\n  move nic0 addr 10.1.1.1/24\nns b\nveth a:x 10.1.1.5/24 -- b:y 10.1.1.6/24\n",
	  "t.conf:5: subnet of 10.1.1.5/24 on x overlaps 10.1.1.1/24 on nic0 (line 3) in ns 'a'" },
	{ "route gateway unreachable",
	  "lab t\nns a\nns b\nveth a:x 10.9.9.9/30 -- b:y 10.9.9.10/30\nns c\n  route default via 10.1.1.1\n",
	  "t.conf:6: route gateway 10.1.1.1 is not in the subnet of any interface of ns c" },
	{ "route gateway is own address",
	  "lab t\nns a\n  route default via 10.9.9.9\nns b\nveth a:x 10.9.9.9/30 -- b:y 10.9.9.10/30\n",
	  "t.conf:3: route gateway 10.9.9.9 is an address of ns a itself, expected another host on its subnet" },
	{ "host route unreachable", "lab t\nns a\nhost\n  route 10.9.0.0/16 via 10.1.1.1\n",
	  "t.conf:4: route gateway 10.1.1.1 is not in the subnet of any interface of the host" },
	{ "host route via a userspace switch's gateway subnet, no host address there",
	  "lab t\nswitch s dataplane tc\n  gateway 10.0.0.1/24\nns r\n  link e0 switch s addr 10.0.0.4/24\n"
	  "host\n  route 10.9.0.0/16 via 10.0.0.4\n",
	  "t.conf:7: route gateway 10.0.0.4 is not in the subnet of any interface of the host" },
	{ "host route via a userspace switch's subnet, with a host address there",
	  "lab t\nswitch s dataplane tc\n  gateway 10.0.0.1/24\n  host 10.0.0.254/24\nns r\n  link e0 switch s addr 10.0.0.4/24\n"
	  "host\n  route 10.9.0.0/16 via 10.0.0.4\n", "" },
	{ "host route via a kernel switch's gateway, the host's own address",
	  "lab t\nswitch s dataplane kernel\n  gateway 10.0.0.1/24\n  host 10.0.0.254/24\nns r\n  link e0 switch s addr 10.0.0.4/24\n"
	  "host\n  route 10.9.0.0/16 via 10.0.0.1\n",
	  "t.conf:8: route gateway 10.0.0.1 is an address of the host itself, expected another host on its subnet" },
	{ "host route via the host address of a switch",
	  "lab t\nswitch s dataplane kernel\n  gateway 10.0.0.1/24\n  host 10.0.0.254/24\nns r\n  link e0 switch s addr 10.0.0.4/24\n"
	  "host\n  route 10.9.0.0/16 via 10.0.0.254\n",
	  "t.conf:8: route gateway 10.0.0.254 is an address of the host itself, expected another host on its subnet" },
	{ "route via a gateway on another device than its dev",
	  "lab t\nswitch s dataplane kernel\n  gateway 10.0.0.1/24\nns b\nns a\n  link eth0 switch s addr 10.0.0.2/24\n"
	  "  route default via 10.0.0.1 dev eth1\nveth a:eth1 10.9.9.1/30 -- b:eth0 10.9.9.2/30\n",
	  "t.conf:7: route gateway 10.0.0.1 is not in a subnet of dev eth1, expected a host on one of its subnets" },
	{ "route via a gateway on its dev", "lab t\nns b\nns a\n  route default via 10.9.9.2 dev eth1\n"
	  "veth a:eth1 10.9.9.1/30 -- b:eth0 10.9.9.2/30\n", "" },
	{ "route via a link-local gateway without dev",
	  "lab t\nns b\nns a\n  route default via fe80::1\nveth a:eth1 fe80::2/64 -- b:eth0 fd00::2/64\n",
	  "t.conf:4: route gateway fe80::1 is link-local, expected 'dev IF' with it" },
	{ "route via a link-local gateway with dev",
	  "lab t\nns b\nns a\n  route default via fe80::1 dev eth1\nveth a:eth1 fd00::1/64 -- b:eth0 fd00::2/64\n", "" },
	{ "route mixed families", "lab t\nns a\n  route 10.0.0.0/8 via fd00::1\n",
	  "t.conf:3: route mixes IPv4 and IPv6" },
	{ "route without via", "lab t\nns a\n  route 10.0.0.0/8\n",
	  "t.conf:3: route needs 'via ADDRESS' or 'dev IFNAME'" },
	{ "route unknown dev", "lab t\nns a\n  route 10.0.0.0/8 dev eth7\n",
	  "t.conf:3: route via unknown device 'eth7', expected an interface of ns a" },
	{ "duplicate route",
	  "lab t\nns a\n  route default via 10.9.9.10\n  route default via 10.9.9.10\nns b\nveth a:x 10.9.9.9/30 -- b:y 10.9.9.10/30\n",
	  "t.conf:4: route to 0.0.0.0/0 already declared on line 3" },
	{ "forward value", "lab t\nns a\n  forward maybe\n", "t.conf:3: bad forward 'maybe', expected 'forward on' or 'forward off'" },
	{ "lab with a word more", "lab t x\nns a\n", "t.conf:1: unexpected 'x' after 'lab t', expected 'lab NAME'" },
	{ "host with a word more", "lab t\nns a\nhost a\n  route 10.0.0.0/8 dev x\n",
	  "t.conf:3: unexpected 'a' after 'host', expected 'host' alone (its routes on the lines after)" },
	{ "xdp uplink veth mtu", "lab t\nswitch s dataplane xdp\n  gateway 10.0.0.1/24\n  uplink up0 snat\n"
	  "ns o\nveth host:up0 10.9.0.1/24 mtu 9000 -- o:eth0 10.9.0.2/24 mtu 9000\n",
	  "t.conf:6: mtu 9000 on the uplink of xdp switch 's' is above 3506, the largest a veth takes with its XDP program, expected 3506 or less, or dataplane tc" },
	{ "tc uplink veth mtu", "lab t\nswitch s dataplane tc\n  gateway 10.0.0.1/24\n  uplink up0 snat\n"
	  "ns o\nveth host:up0 10.9.0.1/24 mtu 9000 -- o:eth0 10.9.0.2/24 mtu 9000\nns a\n  link e0 switch s\n", "" },
	{ "uplink veth without IPv4", "lab t\nswitch s dataplane kernel\n  gateway 10.0.0.1/24\n  uplink up0 snat\n"
	  "ns o\nveth host:up0 fd00:9::1/64 -- o:eth0 fd00:9::2/64\nns a\n  link e0 switch s\n",
	  "t.conf:4: uplink 'up0' has no IPv4 address in this file (line 6) to translate to, expected one on the host end" },
	{ "jumbo ports on afxdp", "lab t\nswitch s dataplane afxdp\n  host 10.0.0.1/24\nns a\n  link e0 switch s mtu 9000\n", "" },
	{ "jumbo ports on xdp, the largest", "lab t\nswitch s dataplane xdp\nns a\n  link e0 switch s mtu 9216\n", "" },
	{ "jumbo port above the largest", "lab t\nswitch s dataplane xdp\nns a\n  link e0 switch s mtu 9217\n",
	  "t.conf:4: mtu 9217 on a port of xdp switch 's' is above 9216, the largest it takes" },
	{ "jumbo port on tc", "lab t\nswitch s dataplane tc\nns a\n  link e0 switch s mtu 3507\n",
	  "t.conf:4: mtu 3507 on a port of tc switch 's' is above 3506, the largest frame its slow path takes, expected 3506 or less, or dataplane afxdp or xdp" },
	{ "jumbo port next to a gateway", "lab t\nswitch s dataplane afxdp\n  gateway 10.0.0.1/24\nns a\n  link e0 switch s mtu 9000\n", "" },
	{ "jumbo port on the kernel bridge", "lab t\nswitch s dataplane kernel\nns a\n  link e0 switch s mtu 9000\n", "" },
	{ "IPv6 below an mtu of 1280", "lab t\nswitch s dataplane afxdp\nns a\n  link e0 switch s addr 10.0.0.2/24 addr fd00::2/64 mtu 1000\n",
	  "t.conf:4: IPv6 address fd00::2/64 on a:e0 needs an mtu of 1280 or more, the link has 1000" },
	{ "IPv6 on a veth below 1280", "lab t\nns a\nns b\nveth a:x 10.9.9.9/30 mtu 1279 -- b:y fd00::1/64\n",
	  "t.conf:4: IPv6 address fd00::1/64 on b:y needs an mtu of 1280 or more, the link has 1279" },
	{ "IPv4 only below 1280", "lab t\nswitch s dataplane afxdp\n  gateway 10.0.0.1/24\n  gateway fd00::1/64\nns a\n  link e0 switch s addr 10.0.0.2/24 mtu 576\n", "" },
	{ "IPv6 route by dev below 1280", "lab t\nns a\n  route fd00:9::/64 dev x\nns b\nveth a:x 10.9.9.1/30 -- b:y 10.9.9.2/30 mtu 1000\n",
	  "t.conf:3: IPv6 route to fd00:9::/64 dev x needs an mtu of 1280 or more, the link has 1000" },
	{ "IPv4 route by dev below 1280", "lab t\nns a\n  route 10.8.0.0/16 dev x\nns b\nveth a:x 10.9.9.1/30 -- b:y 10.9.9.2/30 mtu 1000\n", "" },
	{ "IPv6 bridge gateway, a port at 1279", "lab t\nswitch s dataplane kernel\n  gateway fd00::1/64\nns a\n  link e0 switch s mtu 1279\n",
	  "t.conf:3: IPv6 gateway fd00::1/64 of switch 's' needs an mtu of 1280 or more on every port, a:e0 has 1279 (line 5)" },
	{ "IPv6 at exactly 1280", "lab t\nns a\n  link e0 switch s addr fd00::2/64 mtu 1280\nswitch s dataplane kernel\n  gateway fd00::1/64\n", "" },
	{ "IPv6 bridge gateway, small port", "lab t\nswitch s dataplane kernel\n  gateway fd00::1/64\nns a\n  link e0 switch s mtu 1000\nns b\n  link e0 switch s mtu 1200\n",
	  "t.conf:3: IPv6 gateway fd00::1/64 of switch 's' needs an mtu of 1280 or more on every port, a:e0 has 1000 (line 5)" },
	{ "IPv6 host address, small port", "lab t\nswitch s dataplane tc\n  host fd00::1/64\nns a\n  link e0 switch s mtu 1400\nns b\n  link e0 switch s mtu 1200\n",
	  "t.conf:3: IPv6 host address fd00::1/64 of switch 's' needs an mtu of 1280 or more on every port, b:e0 has 1200 (line 7)" },
	{ "switch line keys of any width", "lab t\nswitch s dataplane kernel gateway 10.0.0.1/24 uplink up0 snat ports 62000-62999 nat-timeout udp 30 ageing 10\nns a\n", "" },
	{ "switch line: a key's extra word", "lab t\nswitch s dataplane kernel red ageing 10\nns a\n",
	  "t.conf:2: unexpected 'red' after 'dataplane kernel'" },
	{ "host port named like a switch", "lab t\nswitch s dataplane afxdp\n  host 10.0.0.1/24\nswitch s-p dataplane kernel\nns a\n",
	  "t.conf:4: switch 's-p' is named like the host port of switch 's' (line 2), 't-s-p'" },
	{ "host port named like a host veth end", "lab t\nswitch s dataplane afxdp\n  host 10.0.0.1/24\nns a\nveth host:s-p -- a:e0\n",
	  "t.conf:5: interface name 't-s-p' is also the host port of switch 's' (line 2)" },
	{ "lo", "lab t\nswitch s\nns a\n  link lo switch s\n",
	  "t.conf:4: interface name 'lo' is a namespace's loopback, expected another name" },
	{ "same lab veth uplink twice", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat\n"
	  "switch r\n  gateway 10.1.0.1/24\n  uplink up0 snat\nns o\nveth host:up0 -- o:eth0\n",
	  "t.conf:7: uplink 'up0' is already the uplink of switch 's' (line 4)" },
	{ "route mixed families, dev first", "lab t\nns a\n  route 10.0.0.0/8 dev e0 via fd00::1\n",
	  "t.conf:3: route mixes IPv4 and IPv6: destination 10.0.0.0/8, gateway fd00::1" },
	{ "snat without gateway", "lab t\nswitch s\n  uplink up0 snat\nns a\n",
	  "t.conf:3: switch 's' has 'uplink up0 snat' but no IPv4 gateway" },
	{ "uplink without snat", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0\nns a\n",
	  "t.conf:4: expected 'uplink up0 snat [ports MIN-MAX] [via ADDRESS]'" },
	{ "uplink trailing", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 masq\nns a\n",
	  "t.conf:4: unknown word 'masq', expected 'uplink up0 snat [ports MIN-MAX] [via ADDRESS]'" },
	{ "uplink full", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat ports 62000-62999 via 10.1.0.1\n"
			 "  nat-table 100\n  nat-timeout udp 5\nns a\n  link e0 switch s\n", "" },
	{ "uplink bad key", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat range 1-2\nns a\n",
	  "t.conf:4: unknown key 'range' after 'uplink up0 snat', expected ports or via" },
	{ "uplink ports inverted", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat ports 65000-64000\nns a\n",
	  "t.conf:4: bad ports '65000-64000', expected MIN-MAX within 1024-65535" },
	{ "uplink ports low", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat ports 80-90\nns a\n",
	  "t.conf:4: bad ports '80-90'" },
	{ "uplink ports no dash", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat ports 61000\nns a\n",
	  "t.conf:4: bad ports '61000', expected MIN-MAX" },
	{ "uplink via v6", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat via fd00::1\nns a\n",
	  "t.conf:4: bad via 'fd00::1', expected the IPv4 address of the next hop" },
	{ "uplink shared", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  uplink up0 snat\nswitch u\n  gateway 10.1.0.1/24\n  uplink up0 snat\nns a\n",
	  "t.conf:7: uplink 'up0' is already the uplink of switch 's' (line 4)" },
	{ "nat-timeout bad", "lab t\nswitch s\n  nat-timeout sctp 5\nns a\n",
	  "t.conf:3: unknown nat-timeout 'sctp', expected udp, icmp or tcp" },
	{ "nat-table bad", "lab t\nswitch s\n  nat-table 0\nns a\n",
	  "t.conf:3: bad nat-table '0'" },
	{ "two ipv4 gateways", "lab t\nswitch s\n  gateway 10.0.0.1/24\n  gateway 10.0.1.1/24\n",
	  "t.conf:4: switch 's' already has an IPv4 gateway address" },
	{ "missing value", "lab t\nswitch s\n  gateway\n", "t.conf:3: 'gateway' needs a value" },
	/* A key that takes one value, given twice: not a silent winner. */
	{ "dataplane twice", "lab t\nswitch s dataplane afxdp\n  dataplane kernel\n",
	  "t.conf:3: dataplane given twice for switch 's' (first on line 2), expected one" },
	{ "dataplane twice, one line", "lab t\nswitch s dataplane tc dataplane kernel\n",
	  "t.conf:2: dataplane given twice for switch 's' (first on line 2)" },
	{ "ageing twice", "lab t\nswitch s\n  ageing 10\n  ageing 20\n",
	  "t.conf:4: ageing given twice for switch 's' (first on line 3)" },
	{ "ageing twice, one block line", "lab t\nswitch s\n  ageing 5 ageing 6\n",
	  "t.conf:3: ageing given twice for switch 's' (first on line 3)" },
	{ "nat-table twice", "lab t\nswitch s\n  nat-table 10\n  nat-table 20\n",
	  "t.conf:4: nat-table given twice for switch 's' (first on line 3)" },
	{ "nat-timeout udp twice", "lab t\nswitch s\n  nat-timeout udp 5\n  nat-timeout tcp 5\n  nat-timeout udp 6\n",
	  "t.conf:5: nat-timeout udp given twice for switch 's' (first on line 3)" },
	{ "forward twice", "lab t\nns a\n  forward on\n  forward off\n",
	  "t.conf:4: forward given twice for ns 'a' (first on line 3)" },
	{ "mtu twice", "lab t\nswitch s\nns a\n  link e0 switch s addr 10.1.0.2/24 mtu 1300 mtu 1400\n",
	  "t.conf:4: mtu given twice for e0, expected one" },
	{ "mac twice", "lab t\nns a\nns b\nveth a:x mac 02:00:00:00:00:01 mac 02:00:00:00:00:02 -- b:y\n",
	  "t.conf:4: mac given twice for x, expected one" },
	{ "bad ns name", "lab t\nns a/b\n", "t.conf:2: bad namespace name 'a/b'" },
	/* A refused block header is said once: its keys are not
	 * "unknown statement"s of their own. */
	{ "bad ns name, its keys unsaid",
	  "lab t\nns a/b\n  link e switch s addr 10.1.0.2/24\n  route default via 10.1.0.1\nswitch s dataplane kernel\n",
	  "=t.conf:2: bad namespace name 'a/b', expected up to 15 letters, digits, '_', '-' or '.'\n" },
	{ "bad switch name, its keys unsaid", "lab t\nswitch b!\n  gateway 10.1.0.1/24\nns a\n",
	  "=t.conf:2: bad switch name 'b!', expected up to 15 letters, digits, '_', '-' or '.'\n" },
	{ "bad ns name, a wrong statement after it still said", "lab t\nns a/b\n  link e switch s\nvet a:x -- b:y\n",
	  "=t.conf:2: bad namespace name 'a/b', expected up to 15 letters, digits, '_', '-' or '.'\n"
	  "t.conf:4: unknown statement 'vet', expected lab, switch, ns, host or veth\n" },
	{ "long line", NULL, "t.conf:2: line is longer than 1024 characters" },
	{ "too many words", NULL, "t.conf:2: more than 64 words on one line" },
	{ "garbage binary", "lab t\n\x01\x02\xff\xfe\n", "t.conf:2: unknown statement" },
	/* 600 namespaces: the last address repeats the first (line 4). */
	{ "600 addresses", NULL, "t.conf:1202: address 10.77.0.2 is already used on switch 's' (line 4)" },
	{ "switch declared twice, said once",
	  "lab t\nns a\nswitch s dataplane tc host 10.1.0.1/24\nswitch s dataplane tc\n", "=t.conf:4: switch 's' already declared on line 3\n" },
	{ "byte-order mark", "\xef\xbb\xbflab t\nns a\n", "" },
	{ "interface named all", "lab t\nns a\nveth a:all -- a:f\n",
	  "t.conf:3: interface name 'all' is taken by the kernel's per-interface settings (net.ipv4.conf.all), expected another name" },
	{ "interface named default", "lab t\nns a\n  link default switch s\nswitch s dataplane kernel\n",
	  "t.conf:3: interface name 'default' is taken by the kernel's" },
	{ "route with host bits", "lab t\nns a\n  link e switch s addr 10.1.0.2/24\n  route 10.2.0.5/24 via 10.1.0.1\nswitch s dataplane kernel\n",
	  "t.conf:4: route destination '10.2.0.5/24' has bits set past its prefix, expected 10.2.0.0/24" },
	{ "route with IPv6 host bits", "lab t\nns a\n  link e switch s addr fd00::2/64\n  route fd01::1/48 via fd00::1\nswitch s dataplane kernel\n",
	  "t.conf:4: route destination 'fd01::1/48' has bits set past its prefix, expected fd01::/48" },
	{ "default route by device", "lab t\nns a\n  link e switch s addr 10.1.0.2/24\n  route default dev e\nswitch s dataplane kernel\n", "" },
	/* The daemon's 256 ports, the host port among them; a bridge's 1023. */
	{ "256 tc ports", NULL, "" },
	{ "257 tc ports", NULL,
	  "t.conf:2: tc switch 's' has 257 ports (its links and the host port), above the 256 its daemon takes" },
	{ "1023 kernel ports", NULL, "" },
	{ "1024 kernel ports", NULL,
	  "t.conf:2: kernel switch 's' has 1024 links, above the 1023 ports a Linux bridge takes" },
};

static char *capture_start(FILE **tmp, int *saved)
{
	fflush(stderr);
	*tmp = tmpfile();
	*saved = dup(2);
	dup2(fileno(*tmp), 2);
	return NULL;
}

static char *capture_end(FILE *tmp, int saved)
{
	static char buf[8192];
	size_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

/* text as t.conf, parsed and validated: 0 or the first error. */
static int parse_validate(const char *text, struct topo *t)
{
	int err = topo_parse("t.conf", text, t);

	return err ? err : topo_validate(t);
}

static char *make_text(const char *name)
{
	static char buf[65536];
	size_t i;

	if (!strcmp(name, "600 addresses")) {
		strcpy(buf, "lab t\nswitch s\n");
		for (i = 0; i < 600; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "ns n%zu\n  link e0 switch s addr 10.77.%zu.%zu/16\n", i,
				 i == 599 ? 0 : (i + 2) / 250, i == 599 ? 2 : (i + 2) % 250);
	} else if (strstr(name, " ports")) {
		/* N ports, the last of tc's the host port. */
		size_t n = strtoul(name, NULL, 10);
		bool tc = strstr(name, "tc");

		snprintf(buf, sizeof(buf), "lab t\nswitch s dataplane %s%s\n",
			 tc ? "tc" : "kernel", tc && n > 256 ? " host 10.7.255.254/16" : "");
		for (i = 0; i < n - (tc && n > 256); i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "ns n%zu\n  link e0 switch s\n", i);
	} else if (!strcmp(name, "long line")) {
		strcpy(buf, "lab t\n");
		for (i = strlen(buf); i < 6 + 1100; i++)
			buf[i] = 'x';
		strcpy(buf + i, "\nns a\n");
	} else {
		strcpy(buf, "lab t\nns a");
		for (i = 0; i < 70; i++)
			strcat(buf, " w");
		strcat(buf, "\n");
	}
	return buf;
}

int main(void)
{
	int pass = 0, fail = 0;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		const char *text = c->text ? c->text : make_text(c->name);
		struct topo t;
		FILE *tmp;
		int saved, err;
		char *out;
		bool ok;

		capture_start(&tmp, &saved);
		err = parse_validate(text, &t);
		topo_free(&t);
		out = capture_end(tmp, saved);
		if (!c->want[0])
			ok = err == 0 && !out[0];
		else
			ok = err != 0 && (c->want[0] == '=' ? !strcmp(out, c->want + 1) /* all it said */
							    : strstr(out, c->want) != NULL);
		if (ok) {
			printf("PASS topo: %s\n", c->name);
			pass++;
		} else {
			printf("FAIL topo: %s\n  want: %s\n  got (rc %d): %s\n", c->name,
			       c->want[0] ? c->want : "(valid)", err, out);
			fail++;
		}
	}
	/* dataplane tc: each port and the host port get a slow-path pair,
	 * LAB--<id>s and LAB--<id>x: a port's id from its name, so that a
	 * link added before it leaves it as it was; the host port's from
	 * the switch's index. */
	{
		static const char text1[] = "lab lab45678\nns a\n  link e0 switch s\n"
					    "switch s dataplane tc host 10.0.0.1/24\n"
					    "ns b\n  link e0 switch s\n";
		static const char text2[] = "lab lab45678\nns c\n  link e0 switch s\n"
					    "ns a\n  link e0 switch s\n"
					    "switch s dataplane tc host 10.0.0.1/24\n"
					    "ns b\n  link e0 switch s\n";
		struct topo t1, t2;
		FILE *tmp;
		int saved, err1, err2;
		char *out;
		bool ok;

		capture_start(&tmp, &saved);
		err1 = parse_validate(text1, &t1);
		err2 = parse_validate(text2, &t2);
		out = capture_end(tmp, saved);
		ok = !err1 && !err2 && !out[0] && t1.nlinks == 2 && t2.nlinks == 3 &&
		     strlen(t1.links[1].slow[0]) == 15 && !strncmp(t1.links[1].slow[0], "lab45678--", 10) &&
		     t1.links[1].slow[0][14] == 's' && t1.links[1].slow[1][14] == 'x' &&
		     !strncmp(t1.links[1].slow[0], t1.links[1].slow[1], 14) &&
		     strcmp(t1.links[0].slow[0], t1.links[1].slow[0]) &&
		     !strcmp(t1.links[0].slow[0], t2.links[1].slow[0]) &&
		     !strcmp(t1.links[1].slow[1], t2.links[2].slow[1]) &&
		     strcmp(t2.links[0].slow[0], t2.links[1].slow[0]) &&
		     strcmp(t2.links[0].slow[0], t2.links[2].slow[0]) &&
		     strlen(t1.sw[0].hostslow[0]) == 15 &&
		     !strncmp(t1.sw[0].hostslow[0], "lab45678--h", 11) &&
		     !strcmp(t1.sw[0].hostslow[0], t2.sw[0].hostslow[0]);
		if (ok) {
			printf("PASS topo: tc slow-path pair names, the same with a link added before\n");
			pass++;
		} else {
			printf("FAIL topo: tc slow-path pair names: rc %d %d, '%s' '%s' then '%s' '%s', host '%s' %s\n",
			       err1, err2, t1.nlinks > 1 ? t1.links[0].slow[0] : "",
			       t1.nlinks > 1 ? t1.links[1].slow[0] : "",
			       t2.nlinks > 2 ? t2.links[1].slow[0] : "",
			       t2.nlinks > 2 ? t2.links[2].slow[0] : "", t1.nsw ? t1.sw[0].hostslow[0] : "",
			       out);
			fail++;
		}
		topo_free(&t1);
		topo_free(&t2);
	}
	/* Ports whose names hash alike (l-n58-e0 and l-n2247-e0 both to
	 * "b7nk") still get pairs of their own, among 3000 (on 12 switches:
	 * a daemon takes 256 ports). */
	{
		static char text[96 * 1024];
		struct topo t;
		int n = 0, err, clash = 0;

		n += snprintf(text + n, sizeof(text) - (size_t)n, "lab l\n");
		for (int k = 0; k < 12; k++)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "switch s%d dataplane tc\n", k);
		for (int k = 0; k < 3000; k++)
			n += snprintf(text + n, sizeof(text) - (size_t)n,
				      "ns n%d\n  link e0 switch s%d\n", k, k / 250);
		err = parse_validate(text, &t);
		for (int a = 0; !err && a < t.nlinks; a++)
			for (int b = 0; b < a; b++)
				clash += !strcmp(t.links[a].slow[0], t.links[b].slow[0]);
		if (!err && !clash && t.nlinks == 3000 && !strcmp(t.links[58].slow[0], "l--b7nks") &&
		    strcmp(t.links[2247].slow[0], "l--b7nks")) {
			printf("PASS topo: tc slow-path pair names: 3000 ports, 3000 pairs, a clash resolved\n");
			pass++;
		} else {
			printf("FAIL topo: tc slow-path pair names of 3000 ports: rc %d, %d alike, '%s' '%s'\n",
			       err, clash, t.nlinks > 2247 ? t.links[58].slow[0] : "",
			       t.nlinks > 2247 ? t.links[2247].slow[0] : "");
			fail++;
		}
		topo_free(&t);
	}
	/* and its SNAT uplink one, named from the switch's name: the same
	 * with another switch declared before it */
	{
		static const char text[] = "lab lab45678\nswitch s dataplane tc\n"
					   "  gateway 10.0.0.1/24\n  uplink up0 snat\n"
					   "ns a\n  link e0 switch s addr 10.0.0.2/24\n";
		static const char text2[] = "lab lab45678\nswitch r dataplane tc\n"
					    "  gateway 10.1.0.1/24\n  host 10.1.0.9/24\n  uplink up1 snat\n"
					    "switch s dataplane tc\n"
					    "  gateway 10.0.0.1/24\n  uplink up0 snat\n"
					    "ns a\n  link e0 switch s addr 10.0.0.2/24\n";
		struct topo t, t2;
		FILE *tmp;
		int saved, err, err2;
		char *out;

		capture_start(&tmp, &saved);
		err = parse_validate(text, &t);
		err2 = parse_validate(text2, &t2);
		out = capture_end(tmp, saved);
		if (!err && !err2 && !out[0] && !strncmp(t.sw[0].upslow[0], "lab45678--u", 11) &&
		    strlen(t.sw[0].upslow[0]) == 15 && t.sw[0].upslow[0][14] == 's' &&
		    !strncmp(t.sw[0].upslow[0], t.sw[0].upslow[1], 14) && t.sw[0].upslow[1][14] == 'x' &&
		    !strcmp(t.sw[0].upslow[0], t2.sw[1].upslow[0]) &&
		    strcmp(t2.sw[0].upslow[0], t2.sw[1].upslow[0]) &&
		    strcmp(t2.sw[0].hostslow[0], t2.sw[0].upslow[0])) {
			printf("PASS topo: tc uplink slow-path pair names, the same with a switch before\n");
			pass++;
		} else {
			printf("FAIL topo: tc uplink slow-path pair names: rc %d, '%s' '%s' %s\n", err,
			       t.nsw ? t.sw[0].upslow[0] : "", t.nsw ? t.sw[0].upslow[1] : "", out);
			fail++;
		}
		topo_free(&t);
		topo_free(&t2);
	}
	/* json_str: what check --json writes of any file name is JSON. */
	{
		static const struct {
			const char *in, *want, *what;
		} js[] = {
			{ "a\"b\\c\x01", "\"a\\\"b\\\\c\\u0001\"", "quote, backslash, control byte" },
			{ "r\xc3\xa9", "\"r\xc3\xa9\"", "well-formed 2-byte UTF-8 kept" },
			{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", "well-formed 4-byte UTF-8 kept" },
			{ "x\xffy", "\"x\\ufffdy\"", "a byte of no sequence" },
			{ "\xc0\x80", "\"\\ufffd\\ufffd\"", "overlong form" },
			{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "surrogate" },
			{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF" },
			{ "a\xe2\x82", "\"a\\ufffd\\ufffd\"", "cut at the end of the string" },
		};

		for (i = 0; i < sizeof(js) / sizeof(js[0]); i++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);

			if (!m)
				return 1;
			json_str(m, js[i].in);
			fclose(m);
			if (!strcmp(buf, js[i].want)) {
				printf("PASS topo: json_str: %s\n", js[i].what);
				pass++;
			} else {
				printf("FAIL topo: json_str: %s: got %s, want %s\n", js[i].what, buf,
				       js[i].want);
				fail++;
			}
			free(buf);
		}
	}
	return fail ? 1 : 0;
}
