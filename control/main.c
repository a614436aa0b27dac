/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "log.h"
#include "netns.h"
#include "state.h"
#include "topo.h"
#include "topo_json.h"
#include "up.h"
#include "../dataplane/daemon.h"

#define NSFAST_VERSION "0.1.0"

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd *cur;

static int usage(int rc)
{
	FILE *f = rc ? stderr : stdout;

	fprintf(f, "usage: nsfast %s\n\n%s", cur->usage, cur->help);
	return rc;
}

/* A usage error that says what is wrong, then the usage: 2. */
static int usage_why(const char *why, const char *arg)
{
	fprintf(stderr, "nsfast %s: %s%s%s%s\n", cur->name, why, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "");
	return usage(2);
}

/* The one operand of up, check and down: 0, or 2 (said). */
static int one_operand(int argc, char **argv, const char *what)
{
	if (optind == argc)
		return usage_why(what, NULL);
	if (optind < argc - 1)
		return usage_why("one operand only, then", argv[optind + 1]);
	return 0;
}

/* --lab's name, before any file is read: 0, or 2 (said). A new lab's
 * has no '-' (topo_parse.c); down takes one an older nsfast made. */
static int lab_opt_ok(const char *lab, bool made)
{
	if (!lab || (made ? lab_name_valid(lab) : lab_name_new_valid(lab)))
		return 0;
	fprintf(stderr, "nsfast %s: --lab '%s': expected up to %d letters, digits or '_'\n",
		cur->name, lab, LAB_NAME_MAX);
	return usage(2);
}

/* An option of another command's, known to getopt and so not said by it. */
static int not_here(const char *opt)
{
	fprintf(stderr, "nsfast %s: %s is not an option of %s\n", cur->name, opt, cur->name);
	return usage(2);
}

/* Options every command shares; the rest are command-specific. */
static int cmd_exec(int argc, char **argv);
static int cmd_status(int argc, char **argv);
static bool opt_nat; /* status --nat */

/* dp: --dataplane's, for the commands that take it (NULL: not one of
 * them); *dp_set once given. */
static int parse_opts(int argc, char **argv, const char **lab, bool *json, enum dataplane *dp,
		      bool *dp_set)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "lab", required_argument, NULL, 'L' },
		{ "dataplane", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "nat", no_argument, NULL, 'n' },
		{ 0 },
	};
	int c;

	optind = 1;
	/* Options anywhere (up FILE -L x), as ip and most tools take them,
	 * but exec's stop at NS: what follows is the command's. */
	while ((c = getopt_long(argc, argv, cur->run == cmd_exec ? "+hL:jvqn" : "hL:D:jvqn", opts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			exit(usage(0));
		case 'L':
			if (!lab)
				return not_here("--lab (-L)");
			*lab = optarg;
			break;
		case 'D':
			if (!dp)
				return not_here("--dataplane (-D)");
			if (dataplane_parse(optarg, dp))
				return usage_why("--dataplane wants kernel, afxdp, xdp or tc, not", optarg);
			*dp_set = true;
			break;
		case 'j':
			if (!json)
				return not_here("--json (-j)");
			*json = true;
			break;
		case 'v':
		case 'q':
			/* Both say how much to print: one of them. */
			if (log_level == (c == 'v' ? LOG_WARN : LOG_DEBUG))
				return usage_why("-v and -q together, expected one of them", NULL);
			log_level = c == 'v' ? LOG_DEBUG : LOG_WARN;
			break;
		case 'n':
			if (cur->run != cmd_status)
				return not_here("--nat (-n)");
			opt_nat = true;
			break;
		default:
			return usage(2);
		}
	}
	return 0;
}

static int exit_code(int err)
{
	return err ? 1 : 0;
}

/* The one FILE argument of check and up, loaded and validated: 0, or
 * the exit status to return (errors are printed already). json: check's
 * --json (NULL for up). */
static int load_topology(int argc, char **argv, struct topo *t, bool *json)
{
	const char *lab = NULL;
	enum dataplane dp;
	bool dp_set = false;

	if (parse_opts(argc, argv, &lab, json, &dp, &dp_set))
		return 2;
	if (one_operand(argc, argv, "expected FILE, the topology") || lab_opt_ok(lab, false))
		return 2;
	return topo_load(argv[optind], lab, dp_set ? &dp : NULL, t) ? 1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	bool json = false;
	struct topo t;
	int rc = load_topology(argc, argv, &t, &json);

	if (rc)
		return rc;
	if (json) {
		topo_json(stdout, &t);
		/* A script must not take a cut object for the topology. */
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "nsfast check: writing the JSON: %s\n", strerror(errno));
			topo_free(&t);
			return 1;
		}
	} else
		pr_info("%s: ok: lab %s, %d namespace%s, %d switch%s, %d link%s, %d route%s\n",
			argv[optind], t.lab, t.nns, t.nns == 1 ? "" : "s", t.nsw,
			t.nsw == 1 ? "" : "es", t.nlinks, t.nlinks == 1 ? "" : "s", t.nroutes,
			t.nroutes == 1 ? "" : "s");
	topo_free(&t);
	return 0;
}

static int cmd_up(int argc, char **argv)
{
	struct topo t;
	int err = load_topology(argc, argv, &t, NULL);

	if (err)
		return err;
	err = lab_up(&t);
	topo_free(&t);
	return exit_code(err);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* A readable file is a topology (its lab name is used, or --lab's),
 * anything else a lab name. */
static int cmd_down(int argc, char **argv)
{
	const char *lab = NULL, *arg;
	char name[LAB_NAME_MAX + 1];
	int err;

	if (parse_opts(argc, argv, &lab, NULL, NULL, NULL))
		return 2;
	if (one_operand(argc, argv, "expected FILE or LAB") || lab_opt_ok(lab, true))
		return 2;
	arg = argv[optind];
	/* A directory named like the lab is not its file. */
	if (access(arg, R_OK) == 0 && !is_dir(arg)) {
		char dir[sizeof(STATE_ROOT) + LAB_NAME_MAX + 2];

		if (!lab && topo_lab_of(arg, name))
			return 1;
		/* 'down x' beside a file x of another lab: which one? */
		snprintf(dir, sizeof(dir), "%s/%s", STATE_ROOT, arg);
		if (!lab && !strchr(arg, '/') && strcmp(name, arg) && lab_name_valid(arg) &&
		    is_dir(dir)) {
			fprintf(stderr, "nsfast: '%s' is both lab %s, which is up, and a file of lab %s here, expected ./%s for the file\n",
				arg, arg, name, arg);
			return 2;
		}
		err = lab_down(lab ? lab : name);
	} else if (lab) {
		return usage_why("--lab names the lab of a FILE, and this is no readable file:", arg);
	} else if (lab_name_valid(arg)) {
		err = lab_down(arg);
	} else {
		fprintf(stderr, "nsfast: '%s' is neither a readable topology file nor a lab name\n",
			arg);
		return 2;
	}
	return exit_code(err);
}

static int cmd_status(int argc, char **argv)
{
	bool json = false;
	const char *lab = NULL;

	if (parse_opts(argc, argv, &lab, &json, NULL, NULL))
		return 2;
	if (optind < argc - 1)
		return usage_why("one LAB only, then", argv[optind + 1]);
	if (optind == argc - 1)
		lab = argv[optind];
	if (lab && !lab_name_valid(lab)) {
		fprintf(stderr, "nsfast status: '%s' is not a lab name\n", lab);
		return usage(2);
	}
	if (geteuid() != 0) {
		fprintf(stderr, "nsfast: status needs root (the state under %s is root-only)\n",
			STATE_ROOT);
		return 1;
	}
	return exit_code(lab_status(lab, json, opt_nat));
}

/* NS is a name from `ip netns`, or a lab's short name when exactly one
 * running lab has it. */
static int resolve_ns(const char *arg, char *out, size_t len)
{
	char (*labs)[16], want[64];
	int n, i, found = 0;

	if (netns_exists(arg)) {
		snprintf(out, len, "%s", arg);
		return 0;
	}
	n = state_labs(&labs);
	if (n < 0) {
		fprintf(stderr, "nsfast: no namespace '%s' in 'ip netns', and the labs under %s cannot be listed: %s\n",
			arg, STATE_ROOT, strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "ns %.15s-%.32s\n", labs[i], arg);
		if (state_lab_has(labs[i], want) && found++ == 0)
			snprintf(out, len, "%.15s-%.32s", labs[i], arg);
	}
	free(labs);
	if (found == 1)
		return 0;
	fprintf(stderr, found ? "nsfast: namespace '%s' is in %d labs: use its full name from 'ip netns'\n" :
				"nsfast: no namespace '%s' (not in 'ip netns', nor in a running lab)\n",
		arg, found);
	return -ENOENT;
}

static int cmd_exec(int argc, char **argv)
{
	char ns[64];
	int err, i;

	if (parse_opts(argc, argv, NULL, NULL, NULL, NULL))
		return 2;
	/* getopt stopped at the first non-option (the namespace) */
	if (argc == optind)
		return usage_why("expected NS, then the command", NULL);
	i = optind + 1;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return usage_why("expected a command to run in", argv[optind]);
	if (resolve_ns(argv[optind], ns, sizeof(ns)))
		return 1;
	err = netns_exec(ns, argv + i);
	fprintf(stderr, "nsfast: exec %s in %s: %s\n", argv[i], ns, strerror(-err));
	return err == -ENOENT ? 127 : 126;
}

/* The benchmark is bench/bench.sh (see control/bench.c); --help is ours. */
static int cmd_bench(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return usage(0);
	if (argc < 2)
		return usage_why("expected FILE, the topology", NULL);
	return bench_exec(argc, argv);
}

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "up", cmd_up, "up [--lab NAME] [--dataplane DP] [-v|-q] FILE",
	  "Create the lab described by FILE: namespaces, veth pairs, addresses, routes,\n"
	  "forwarding and switches. Running it again changes nothing; on a changed FILE\n"
	  "it applies the changes, then removes what FILE no longer has. On any failure\n"
	  "everything this run created is removed again and the exit status is 1.\n\n"
	  "  -L, --lab NAME      use NAME instead of the file's lab name (prefix of every name)\n"
	  "  -D, --dataplane DP  every switch on DP (kernel, afxdp, xdp or tc), whatever\n"
	  "                      the file says\n"
	  "  -v, --verbose       print every step\n"
	  "  -q, --quiet         print only errors and warnings\n" },
	{ "down", cmd_down, "down [--lab NAME] [-v|-q] FILE|LAB",
	  "Remove everything the lab created, from its journal in /run/nsfast/LAB,\n"
	  "even after a crash of 'up'. A readable FILE names the lab (its 'lab' line);\n"
	  "anything else is a lab's name. A bare word that is both a file naming\n"
	  "another lab and a lab that is up is refused: write ./FILE for the file.\n\n"
	  "  -L, --lab NAME  the lab FILE was brought up as with 'up --lab NAME'\n"
	  "  -v, --verbose   print every journal line undone\n"
	  "  -q, --quiet     print only errors and warnings\n" },
	{ "status", cmd_status, "status [--json] [--nat] [LAB]",
	  "Show the namespaces, links, addresses and per-link counters of LAB, or of\n"
	  "every lab that is up, and what each switch daemon (afxdp, xdp, tc) reports.\n\n"
	  "  -j, --json  machine-readable output\n"
	  "  -n, --nat   list every NAT connection of the switch daemons too\n" },
	{ "exec", cmd_exec, "exec NS -- CMD [ARG]...",
	  "Run CMD inside namespace NS (a name from 'ip netns', or a namespace's short\n"
	  "name when one running lab has it), like 'ip netns exec'.\n" },
	{ "check", cmd_check, "check [--lab NAME] [--dataplane DP] [--json] [-q] FILE",
	  "Parse and validate FILE without touching the system. Errors are printed\n"
	  "as FILE:LINE: message; the exit status is 1 if there is any.\n\n"
	  "  -L, --lab NAME      check with NAME as the lab's name (the names it generates)\n"
	  "  -D, --dataplane DP  as 'up --dataplane DP' would take it\n"
	  "  -j, --json          print the topology as nsfast takes it, for scripts\n"
	  "  -q, --quiet         print only errors and warnings, not the ok line\n" },
	{ "switch", cmd_switch, "switch --name SW [OPTIONS] PORT...",
	  "The switch daemon that 'up' starts for each 'dataplane afxdp', 'xdp' or 'tc'\n"
	  "switch; see 'nsfast switch --help'.\n" },
	{ "bench", cmd_bench, "bench [--quick] [--reps N] [--out DIR] [--dataplanes LIST] FILE",
	  "Measure the topology FILE on each dataplane (kernel, afxdp, xdp, tc), alternating,\n"
	  "N repetitions: TCP 1 and 4 streams, 64 B and 1500 B UDP, UDP round trips,\n"
	  "the same through the uplink's SNAT (and TCP back), 64 B over 2/8/32\n"
	  "namespaces, and 'up' and 'down' of 16/64/256 namespaces against 'ip'\n"
	  "scripts. The client is the first namespace linked to the first switch, the\n"
	  "server the second; NAT'd traffic goes to the namespace behind 'uplink IFACE\n"
	  "snat' (a 'veth host:IFACE'). Writes results.json, results.md and\n"
	  "results.svg (ratios to the Linux bridge). Runs bench/bench.sh next to this\n"
	  "binary (or NSFAST_BENCH); needs root.\n\n"
	  "  --quick            1 repetition, short runs, 2/8 and 16 namespaces (about a minute)\n"
	  "  --reps N           repetitions of each dataplane (default 3)\n"
	  "  --out DIR          where to write (default results/YYYY-MM-DD-HHMMSS)\n"
	  "  --dataplanes LIST  comma-separated, kernel first (default kernel,afxdp,xdp,tc);\n"
	  "                     one FILE does not pass 'check' on is recorded as skipped\n" },
	{ "help", cmd_help, "help [COMMAND]", "Show help for nsfast or for one command.\n" },
	{ 0 },
};

/* Every command's usage line, to f: rc. */
static int usage_commands(FILE *f, int rc)
{
	const struct cmd *c;

	fprintf(f, "nsfast %s: network namespace labs, fast\n\nusage: nsfast COMMAND [OPTIONS]\n\n",
		NSFAST_VERSION);
	for (c = cmds; c->name; c++)
		fprintf(f, "  %s\n", c->usage);
	fprintf(f, "  --version\n\nRun 'nsfast COMMAND --help' for the options of one command.\n");
	return rc;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc > 2) {
		fprintf(stderr, "nsfast help: one COMMAND only, then '%s'\n", argv[2]);
		return usage(2);
	}
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage(0);
	if (argc > 1) {
		for (c = cmds; c->name; c++)
			if (!strcmp(c->name, argv[1])) {
				cur = c;
				return usage(0);
			}
		fprintf(stderr, "nsfast help: unknown command '%s'\n", argv[1]);
		return usage_commands(stderr, 2);
	}
	return usage_commands(stdout, 0);
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "nsfast: expected a COMMAND\n");
		return usage_commands(stderr, 2);
	}
	if ((!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	     !strcmp(argv[1], "--version")) && argc > 2) {
		fprintf(stderr, "nsfast: %s takes nothing after it, and got '%s'\n", argv[1], argv[2]);
		return usage_commands(stderr, 2);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("nsfast %s\n", NSFAST_VERSION);
		return 0;
	}
	for (c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[1])) {
			static char prog[32];

			cur = c;
			/* getopt's own messages name the command as ours do */
			snprintf(prog, sizeof(prog), "nsfast %s", c->name);
			argv[1] = prog;
			return c->run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "nsfast: unknown command '%s'\n", argv[1]);
	return usage_commands(stderr, 2);
}
