/* SPDX-License-Identifier: MIT */
/* nsgen: a UDP packet generator for the benchmarks, faster than what it
 * measures. iperf3's UDP client tops out near 0.17 Mpps here. Two ways
 * to send the same frames out of a veth inside the sending namespace:
 *
 * live: the kernel replays one frame with BPF_PROG_TEST_RUN in
 * live-frames mode, every repetition an XDP_TX, with no socket, no
 * syscall and no skb per packet. Some kernels refuse it (EPERM even to
 * root: seen on a 6.18 build), hence
 * packet: an AF_PACKET socket bound to the device, bypassing its qdisc,
 * BATCH frames per sendmmsg; an skb per frame, as any sender has.
 * --method auto (the default) takes live where the kernel allows it.
 *
 * --socket sends through the namespace's own stack instead (a connected
 * UDP socket, sendmmsg in batches of 64): slower, but its packets are
 * routed and resolved like any application's, which the NAT'd benchmark
 * needs (the Linux bridge with br_netfilter drops live frames addressed
 * to the bridge itself). With --gso N, each send is one UDP GSO packet
 * (UDP_SEGMENT) of N datagrams, with DF and the device's MTU whatever
 * the path MTU: what tests need to see where such packets go. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "addr.h" /* mac_parse */
#include "gen_tx.skel.h"
#include "num_arg.h"

#define CHUNK 65536 /* repetitions per syscall: lets us stop on time */
#define BATCH 64     /* datagrams per sendmmsg in --socket mode */

static uint16_t ip_csum(const uint8_t *h, int len)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i < len; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 + UDP (checksum 0: legal on IPv4, and nothing on the
 * path has to complete it), zero payload; len excludes the FCS. */
static void build_frame(uint8_t *f, int len, const uint8_t dst[6], const uint8_t src[6],
			struct in_addr sip, struct in_addr dip, uint16_t dport)
{
	int ip_len = len - ETH_HLEN, udp_len = ip_len - 20;

	memset(f, 0, (size_t)len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = IPPROTO_UDP;
	memcpy(f + 26, &sip, 4);
	memcpy(f + 30, &dip, 4);
	uint16_t c = ip_csum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	f[34] = 0x9c; /* source port 40000 */
	f[35] = 0x40;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	f[38] = (uint8_t)(udp_len >> 8);
	f[39] = (uint8_t)udp_len;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* When sending began and ended (CLOCK_MONOTONIC, the host's one clock):
 * several generators' aggregate rate is over the span of them all. */
static double sent_from, sent_to;
/* --start-at: sending waits for this moment, so that generators
 * started one after another all begin together. */
static double start_at;

static double send_start(void)
{
	double t = now_s();

	if (start_at > t) {
		double d = start_at - t;
		struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };

		nanosleep(&ts, NULL);
		t = now_s();
	}
	return sent_from = t;
}

static double send_end(double t0, double t1, double *elapsed)
{
	sent_to = t1;
	*elapsed = t1 - t0;
	return *elapsed;
}

/* The same buffer, BATCH times per sendmmsg on fd, for seconds or, with
 * count, exactly count times in bursts of 32 with a pause after each so
 * that nothing is lost on the way in. What the kernel did not take
 * (ENOBUFS, EAGAIN; ECONNREFUSED or EMSGSIZE, an ICMP error for an
 * earlier datagram)
 * is sent again. Returns the number sent, or -1 once the error is
 * printed. */
static long long send_batches(int fd, void *buf, size_t len, double seconds,
			      unsigned long long count, double *elapsed)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct mmsghdr msgs[BATCH];
	unsigned long long sent = 0;
	int i, n, burst = count ? 32 : BATCH, why = 0;
	double t0, t1, moved;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = t1 = moved = send_start();
	do {
		if (count && count - sent < (unsigned long long)burst)
			burst = (int)(count - sent);
		n = sendmmsg(fd, msgs, (unsigned int)burst, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED &&
		    errno != EMSGSIZE) {
			fprintf(stderr, "nsgen: sendmmsg: %s\n", strerror(errno));
			return -1;
		}
		if (n < 0)
			why = errno;
		t1 = now_s();
		if (n > 0) {
			sent += (unsigned long long)n;
			moved = t1;
		} else if (count && t1 - moved > 5) {
			/* Retried, the kernel would take them later: not for 5 s. */
			fprintf(stderr, "nsgen: sendmmsg: nothing taken for 5 s: %s\n", strerror(why));
			return -1;
		}
		if (count)
			usleep(200);
	} while (count ? sent < count : t1 - t0 < seconds);
	send_end(t0, t1, elapsed);
	return (long long)sent;
}

/* --socket: datagrams of the same size from a connected UDP socket,
 * gso of them per send when gso > 1. Returns the number of sends the
 * stack accepted, or -1. */
static long long send_socket(struct in_addr sip, struct in_addr dip, int dport, int size,
			     int gso, double seconds, unsigned long long count, double *elapsed)
{
	static uint8_t payload[65507];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(40000), .sin_addr = sip };
	int fd, seg = size - 42, probe = IP_PMTUDISC_PROBE;
	long long sent;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "nsgen: binding a UDP socket to port 40000: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (gso > 1 && (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)) ||
			setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe)))) {
		fprintf(stderr, "nsgen: UDP_SEGMENT %d with IP_PMTUDISC_PROBE: %s\n", seg,
			strerror(errno));
		close(fd);
		return -1;
	}
	a.sin_port = htons((uint16_t)dport);
	a.sin_addr = dip;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "nsgen: connecting the UDP socket: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	sent = send_batches(fd, payload, (size_t)seg * (size_t)gso, seconds, count, elapsed);
	close(fd);
	return sent;
}

/* The live-frames mode. Returns the number sent, -1 once an error is
 * printed, or -2 when the kernel refuses the program or live frames at
 * the first call (nothing sent; errno says why). */
static long long send_live(int ifindex, const char *dev, const uint8_t *frame, int size,
			   double seconds, unsigned long long count, double *elapsed)
{
	struct xdp_md ctx = { .data_end = (uint32_t)size, .ingress_ifindex = (uint32_t)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = (uint32_t)size,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = CHUNK,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
	unsigned long long sent = 0;
	struct gen_tx *skel;
	double t0, t1;
	int err;

	/* The program rewrites the headers of every frame from this copy. */
	skel = gen_tx__open();
	if (skel) {
		memcpy((void *)skel->rodata->tmpl, frame, sizeof(skel->rodata->tmpl));
		if (gen_tx__load(skel)) {
			gen_tx__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel) {
		err = errno;
		if (err == EPERM || err == EOPNOTSUPP || err == EINVAL)
			return -2;
		fprintf(stderr, "nsgen: loading the XDP program: %s\n", strerror(err));
		return -1;
	}
	/* --count: exactly that many, in bursts small enough for the veth's
	 * 256-frame ring and paced so it drains: nothing may be lost on the
	 * way in, so the receiver must count exactly this number. */
	if (count)
		topts.repeat = 32;
	t0 = t1 = send_start();
	do {
		if (count && count - sent < (unsigned long long)topts.repeat)
			topts.repeat = (int)(count - sent);
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gen_tx), &topts)) {
			err = errno;
			gen_tx__destroy(skel);
			errno = err;
			if (!sent && (err == EPERM || err == EOPNOTSUPP || err == EINVAL))
				return -2;
			fprintf(stderr, "nsgen: BPF_PROG_TEST_RUN (live frames) on %s: %s\n", dev,
				strerror(err));
			return -1;
		}
		sent += (unsigned long long)topts.repeat;
		t1 = now_s();
		if (count)
			usleep(200);
	} while (count ? sent < count : t1 - t0 < seconds);
	gen_tx__destroy(skel);
	send_end(t0, t1, elapsed);
	return (long long)sent;
}

/* The AF_PACKET mode: the same frame BATCH times per sendmmsg, paced
 * like the live mode with count. A frame the device could not take
 * (ENOBUFS) is sent again, so sent is what the device took. */
static long long send_packet(int ifindex, const char *dev, uint8_t *frame, int size,
			     double seconds, unsigned long long count, double *elapsed)
{
	/* Protocol 0: the socket sends only, it is never handed a frame. */
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	long long sent;
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		fprintf(stderr, "nsgen: an AF_PACKET socket on %s: %s\n", dev, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sent = send_batches(fd, frame, (size_t)size, seconds, count, elapsed);
	close(fd);
	return sent;
}

static int int_arg(const char *s, long lo, long hi, int *v)
{
	long x;

	if (long_arg(s, lo, hi, &x))
		return 1;
	*v = (int)x;
	return 0;
}

static int num_arg(const char *s, double lo, double hi, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !(x >= lo && x <= hi)) /* NaN fails too */
		return 1;
	*v = x;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nsgen --netns NS --dev IF --dst-mac MAC --src IP --dst IP\n"
		   "             [--size BYTES] [--seconds S | --count N] [--dport PORT]\n"
		   "             [--method auto|live|packet] [--start-at T]\n"
		   "       nsgen --socket --netns NS --src IP --dst IP [--size BYTES] [--gso N] [...]\n"
		   "       nsgen --clock\n"
		   "Send UDP frames of BYTES (default 60, i.e. 64 with the FCS) out of IF in\n"
		   "namespace NS for S seconds (default 2) as fast as the kernel takes them, or\n"
		   "exactly N frames, paced so that none is lost on the way in; print one JSON line.\n"
		   "With --socket, send them from a UDP socket bound to IP port 40000 through\n"
		   "the namespace's stack (routes and neighbours apply; no IF or MAC needed);\n"
		   "BYTES up to 9014, and with --gso N each send is one UDP GSO packet of N\n"
		   "such datagrams (at most 64 KiB in all), sent with DF at the device's MTU.\n"
		   "--method: live (BPF_PROG_TEST_RUN live frames, no skb per frame), packet\n"
		   "(an AF_PACKET socket), or auto (default): live unless the kernel refuses it.\n"
		   "The JSON line says which one sent, and why live did not (live_refused), and\n"
		   "when sending began and ended (from, to: CLOCK_MONOTONIC seconds, which\n"
		   "--clock prints); --start-at T waits until T to begin, so that generators\n"
		   "started one after another send together.\n"
		   "Exit status: 0, 1 on an error, 2 on bad usage, 3 when --method live is\n"
		   "refused by the kernel.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' }, { "dev", required_argument, NULL, 'd' },
		{ "dst-mac", required_argument, NULL, 'm' }, { "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 't' }, { "size", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 'S' }, { "dport", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' }, { "socket", no_argument, NULL, 'k' },
		{ "method", required_argument, NULL, 'M' }, { "help", no_argument, NULL, 'h' },
		{ "gso", required_argument, NULL, 'g' }, { "start-at", required_argument, NULL, 'T' },
		{ "clock", no_argument, NULL, 'C' },
		{ 0 },
	};
	const char *ns = NULL, *dev = NULL, *method = "auto";
	char refused[64] = "";
	uint8_t dst[6], src[6], frame[2048];
	struct in_addr sip = { 0 }, dip = { 0 };
	int size = 60, dport = 9, o, fd, ifindex, have_mac = 0, sock = 0, gso = 1;
	double seconds = 2, elapsed = 0;
	unsigned long long count = 0;
	int oi = 0, bad = 0, ival;
	long long n = -2;
	struct ifreq ifr;
	char path[300];

	while ((o = getopt_long(argc, argv, "h", opts, &oi)) != -1) {
		switch (o) {
		case 'n': ns = optarg; break;
		case 'd': dev = optarg; break;
		case 'm': have_mac = !mac_parse(optarg, dst); bad |= !have_mac; break;
		case 's': bad |= inet_pton(AF_INET, optarg, &sip) != 1; break;
		case 't': bad |= inet_pton(AF_INET, optarg, &dip) != 1; break;
		case 'z': bad |= int_arg(optarg, 42, 9014, &size); break;
		case 'S': bad |= num_arg(optarg, 1e-3, 86400, &seconds); break;
		case 'p': bad |= int_arg(optarg, 1, 65535, &dport); break;
		case 'c': bad |= int_arg(optarg, 1, INT_MAX, &ival), count = (unsigned long long)ival; break;
		case 'k': sock = 1; break;
		case 'M': method = optarg; break;
		case 'g': bad |= int_arg(optarg, 1, 1024, &gso); break;
		case 'T': bad |= num_arg(optarg, 0, 1e12, &start_at); break;
		case 'C': printf("%.6f\n", now_s()); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "nsgen: bad --%s '%s'\n", opts[oi].name, optarg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nsgen: unexpected '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Each number is in its own range already (int_arg, num_arg). */
	if (!ns || (!sock && (!dev || !have_mac)) || !sip.s_addr || !dip.s_addr ||
	    (!sock && size > 1514) || (gso > 1 && !sock) ||
	    (long)(size - 42) * gso > 65507 ||
	    (strcmp(method, "auto") && strcmp(method, "live") && strcmp(method, "packet")) ||
	    (sock && strcmp(method, "auto"))) {
		usage(stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "nsgen: entering namespace %s: %s\n", ns, strerror(errno));
		return 1;
	}
	close(fd);
	if (sock) {
		n = send_socket(sip, dip, dport, size, gso, seconds, count, &elapsed);
		method = "socket";
		goto out;
	}
	ifindex = (int)if_nametoindex(dev);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (!ifindex || fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "nsgen: device %s in %s: %s\n", dev, ns, strerror(errno));
		return 1;
	}
	close(fd);
	memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	build_frame(frame, size, dst, src, sip, dip, (uint16_t)dport);
	if (strcmp(method, "packet")) {
		n = send_live(ifindex, dev, frame, size, seconds, count, &elapsed);
		if (n == -2) {
			snprintf(refused, sizeof(refused), "%s", strerror(errno));
			if (!strcmp(method, "live")) {
				/* Its own status: the kernel, not the run, failed. */
				fprintf(stderr, "nsgen: the kernel refuses BPF_PROG_TEST_RUN live frames on %s: %s\n",
					dev, refused);
				return 3;
			}
		}
		method = "live";
	}
	if (n == -2) {
		n = send_packet(ifindex, dev, frame, size, seconds, count, &elapsed);
		method = "packet";
	}
out:
	if (n < 0)
		return 1;
	printf("{\"sent\":%lld,\"seconds\":%.4f,\"mpps\":%.4f,\"size\":%d,\"method\":\"%s\","
	       "\"from\":%.6f,\"to\":%.6f",
	       n, elapsed, elapsed > 0 ? (double)n / elapsed / 1e6 : 0.0, size, method, sent_from,
	       sent_to);
	if (refused[0])
		printf(",\"live_refused\":\"%s\"", refused);
	printf("}\n");
	return 0;
}
