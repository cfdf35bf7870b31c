// SPDX-License-Identifier: GPL-2.0
/*
 * fwcmp.c - command-line front end of firewire-cmp: list AV/C units, show
 * their plugs, make, break and clear IEC 61883-1 connections, watch events.
 *
 * It uses nothing but <linux/firewire-cmp.h> on /dev/fwcmpN. Exit codes:
 * 0 success, 1 usage error, 2 the kernel refused (the errno's text is
 * printed). `connect -- COMMAND` exits with COMMAND's status instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwcmp.h"
#include "cmp-definitions.h"

#ifndef FWCMP_VERSION
#define FWCMP_VERSION "unknown"
#endif

const char *fwcmp_prog = "fwcmp";
static bool fwcmp_json_out;

void fwcmp_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", fwcmp_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An error from the kernel: print it with its errno's text, exit code 2. */
static int fwcmp_kerr(int err, const char *what, const char *dev)
{
	if (err < 0)
		err = -err;
	if (dev)
		fwcmp_err("%s: %s: %s", dev, what, strerror(err));
	else
		fwcmp_err("%s: %s", what, strerror(err));
	return FWCMP_EXIT_KERNEL;
}

/* ---- help ---- */

struct fwcmp_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct fwcmp_cmd fwcmp_cmds[];

static void fwcmp_usage_all(FILE *f)
{
	fprintf(f,
"usage: fwcmp [--json] COMMAND [ARGS]\n"
"       fwcmp COMMAND --help\n"
"\n"
"Make and break IEC 61883-1 (CMP) connections on FireWire AV/C units through\n"
"the firewire-cmp driver (/dev/fwcmpN).\n"
"\n"
"Commands:\n"
"  list                         units bound by firewire-cmp\n"
"  plugs [DEV]                  every oPCR/iPCR decoded\n"
"  connect DEV --output N|--input N [--channel C] [--speed S] [--payload Q]\n"
"          [--overlay] [--broadcast | --to DEV2:N] [--persist]\n"
"          [-- COMMAND [ARG...]]\n"
"                               make a point-to-point, broadcast or\n"
"                               third-party connection\n"
"  disconnect DEV HANDLE        break a connection\n"
"  clear DEV --output N|--input N [--bandwidth U]\n"
"                               reset a plug left connected by other software\n"
"  watch [DEV]                  print events as they come\n"
"\n"
"DEV is /dev/fwcmpN, fwcmpN or N. --json gives JSON on stdout (see fwcmp(1)).\n"
"Exit status: 0 ok, 1 usage error, 2 the kernel refused (its error is printed);\n"
"connect -- COMMAND exits with COMMAND's status.\n");
}

static int fwcmp_cmd_usage(const char *name, bool error)
{
	const struct fwcmp_cmd *c;

	for (c = fwcmp_cmds; c->name; c++) {
		if (strcmp(c->name, name))
			continue;
		fprintf(error ? stderr : stdout, "usage: fwcmp %s\n\n%s", c->usage,
			c->help);
		return error ? FWCMP_EXIT_USAGE : FWCMP_EXIT_OK;
	}
	fwcmp_err("unknown command '%s'", name);
	return FWCMP_EXIT_USAGE;
}

/* Options every command takes. */
#define FWCMP_COMMON_OPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * Handle the common options inside a command's getopt loop; returns -1 to
 * go on, or an exit code.
 */
static int fwcmp_common_opt(int opt, const char *cmd)
{
	switch (opt) {
	case 'j':
		fwcmp_json_out = true;
		return -1;
	case 'h':
		return fwcmp_cmd_usage(cmd, false);
	default:
		return fwcmp_cmd_usage(cmd, true);
	}
}

static bool fwcmp_parse_uint(const char *s, unsigned long max, unsigned int *val)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*val = v;
	return true;
}

/* Resolve DEV; prints the usage error itself. */
static bool fwcmp_resolve(const char *cmd, const char *arg, char *path, size_t len)
{
	if (fwcmp_dev_path(arg, path, len)) {
		fwcmp_err("%s: '%s' is not /dev/fwcmpN, fwcmpN or N", cmd, arg);
		return false;
	}
	return true;
}

/* ---- list ---- */

static int fwcmp_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { FWCMP_COMMON_OPTS, { 0 } };
	int opt, ret = FWCMP_EXIT_OK, n, i, shown = 0;
	struct fwcmp_json j;
	char **paths;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		int r = fwcmp_common_opt(opt, "list");

		if (r >= 0)
			return r;
	}
	if (optind != argc)
		return fwcmp_cmd_usage("list", true);

	n = fwcmp_dev_scan(&paths);
	if (n < 0)
		return fwcmp_kerr(n, "cannot read " FWCMP_DEV_DIR, NULL);
	fwcmp_json_init(&j, stdout);
	if (fwcmp_json_out) {
		fwcmp_json_begin_object(&j, NULL);
		fwcmp_json_begin_array(&j, "units");
	}
	for (i = 0; i < n; i++) {
		struct fwcmp_unit_desc d;
		int fd = fwcmp_dev_open(paths[i], false);
		int err;

		if (fd < 0) {
			ret = fwcmp_kerr(fd, "open", paths[i]);
			continue;
		}
		err = fwcmp_unit_describe(fd, paths[i], &d);
		close(fd);
		if (err) {
			ret = fwcmp_kerr(err, "GET_INFO", paths[i]);
			continue;
		}
		if (fwcmp_json_out) {
			fwcmp_json_unit(&j, &d);
		} else {
			if (!shown)
				fwcmp_print_list_header();
			fwcmp_print_list_text(&d);
		}
		shown++;
	}
	if (fwcmp_json_out) {
		fwcmp_json_end_array(&j);
		fwcmp_json_end_object(&j);
		fwcmp_json_finish(&j);
	} else if (!n) {
		fprintf(stderr, "%s: no units (is firewire-cmp loaded and an AV/C unit connected?)\n",
			fwcmp_prog);
	}
	fwcmp_dev_free(paths, n);
	return ret;
}

/* ---- plugs ---- */

static int fwcmp_plugs_one(const char *path, struct fwcmp_json *j)
{
	struct fwcmp_plug_desc out[FWCMP_MAX_PLUGS], in[FWCMP_MAX_PLUGS];
	struct fwcmp_unit_desc d;
	int fd, err, ret = FWCMP_EXIT_OK;
	unsigned int n;

	fd = fwcmp_dev_open(path, false);
	if (fd < 0)
		return fwcmp_kerr(fd, "open", path);
	err = fwcmp_unit_describe(fd, path, &d);
	if (err) {
		close(fd);
		return fwcmp_kerr(err, "GET_INFO", path);
	}
	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (n = 0; n < d.info.output_plugs && n < FWCMP_MAX_PLUGS; n++) {
		out[n].err = -fwcmp_get_plug(fd, FWCMP_DIR_OUTPUT, n, &out[n].plug);
		if (out[n].err)
			ret = FWCMP_EXIT_KERNEL;
	}
	for (n = 0; n < d.info.input_plugs && n < FWCMP_MAX_PLUGS; n++) {
		in[n].err = -fwcmp_get_plug(fd, FWCMP_DIR_INPUT, n, &in[n].plug);
		if (in[n].err)
			ret = FWCMP_EXIT_KERNEL;
	}
	close(fd);
	if (fwcmp_json_out)
		fwcmp_json_unit_plugs(j, &d, out, in);
	else
		fwcmp_print_unit_plugs_text(&d, out, in);
	if (ret)
		fwcmp_err("%s: GET_PLUG failed on some plugs", path);
	return ret;
}

static int fwcmp_cmd_plugs(int argc, char **argv)
{
	static const struct option opts[] = { FWCMP_COMMON_OPTS, { 0 } };
	int opt, ret = FWCMP_EXIT_OK, n, i;
	char path[PATH_MAX], *one[1] = { path }, **paths;
	struct fwcmp_json j;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		int r = fwcmp_common_opt(opt, "plugs");

		if (r >= 0)
			return r;
	}
	if (argc - optind > 1)
		return fwcmp_cmd_usage("plugs", true);
	if (optind < argc) {
		if (!fwcmp_resolve("plugs", argv[optind], path, sizeof(path)))
			return FWCMP_EXIT_USAGE;
		paths = one;
		n = 1;
	} else {
		n = fwcmp_dev_scan(&paths);
		if (n < 0)
			return fwcmp_kerr(n, "cannot read " FWCMP_DEV_DIR, NULL);
	}

	fwcmp_json_init(&j, stdout);
	if (fwcmp_json_out) {
		fwcmp_json_begin_object(&j, NULL);
		fwcmp_json_begin_array(&j, "units");
	}
	for (i = 0; i < n; i++) {
		int r = fwcmp_plugs_one(paths[i], &j);

		if (r)
			ret = r;
	}
	if (fwcmp_json_out) {
		fwcmp_json_end_array(&j);
		fwcmp_json_end_object(&j);
		fwcmp_json_finish(&j);
	} else if (!n) {
		fprintf(stderr, "%s: no units (is firewire-cmp loaded and an AV/C unit connected?)\n",
			fwcmp_prog);
	}
	if (paths != one)
		fwcmp_dev_free(paths, n);
	return ret;
}

/* ---- plug selection shared by connect and clear ---- */

struct fwcmp_plug_arg {
	bool set;
	unsigned int dir;
	unsigned int index;
};

static bool fwcmp_plug_opt(struct fwcmp_plug_arg *p, unsigned int dir,
			   const char *arg, const char *cmd)
{
	if (p->set) {
		fwcmp_err("%s: give exactly one of --output and --input", cmd);
		return false;
	}
	if (!fwcmp_parse_uint(arg, FWCMP_MAX_PLUGS - 1, &p->index)) {
		fwcmp_err("%s: plug index '%s' is not 0..%d", cmd, arg,
			  FWCMP_MAX_PLUGS - 1);
		return false;
	}
	p->set = true;
	p->dir = dir;
	return true;
}

/* ---- connect ---- */

struct fwcmp_hold {
	const char *dev;
	int fd;
	unsigned int handle;
	bool lost;
};

/* Print the events queued on @fd; marks @h lost when its connection is. */
static int fwcmp_drain_events(struct fwcmp_hold *h)
{
	struct fwcmp_event ev[16];
	ssize_t n;
	size_t i;

	n = read(h->fd, ev, sizeof(ev));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (i = 0; i < n / sizeof(ev[0]); i++) {
		const struct fwcmp_event *e = &ev[i];

		if (e->type == FWCMP_EVENT_BUS_RESET)
			continue;
		if (e->type == FWCMP_EVENT_CONN_LOST && e->handle == h->handle)
			h->lost = true;
		if (e->type == FWCMP_EVENT_UNIT_REMOVED)
			h->lost = true;
		if (e->type != FWCMP_EVENT_UNIT_REMOVED && e->handle != h->handle)
			continue;
		fwcmp_print_event_text(stderr, h->dev, e);
	}
	return 0;
}

/*
 * Hold the connection until @child exits (when @child > 0) or a signal
 * asks us to stop. SIGINT, SIGTERM and SIGHUP are blocked and read from a
 * signalfd; they are passed on to the child, whose end then ends the wait,
 * so that the connection outlives whatever the child does on the way out.
 * Returns the exit status for main().
 */
static int fwcmp_hold(struct fwcmp_hold *h, pid_t child, const sigset_t *mask)
{
	struct pollfd pfd[2];
	int sfd, status, ret = FWCMP_EXIT_OK;

	sfd = signalfd(-1, mask, SFD_CLOEXEC);
	if (sfd < 0)
		return fwcmp_kerr(errno, "signalfd", NULL);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = h->fd, .events = POLLIN };

	for (;;) {
		struct signalfd_siginfo si;

		/* A child may have gone before the signalfd existed. */
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			ret = WIFEXITED(status) ? WEXITSTATUS(status)
						: 128 + WTERMSIG(status);
			break;
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = fwcmp_kerr(errno, "poll", NULL);
			break;
		}
		if (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)) {
			if (fwcmp_drain_events(h) || (pfd[1].revents & POLLHUP))
				h->lost = true;
			if (h->lost) {
				pfd[1].fd = -1;
				if (child <= 0) {
					fwcmp_err("%s: connection %u is gone",
						  h->dev, h->handle);
					ret = FWCMP_EXIT_KERNEL;
					break;
				}
			}
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD)
			continue;	/* reaped at the top of the loop */
		if (child <= 0)
			break;		/* SIGINT/SIGTERM/SIGHUP: done */
		kill(child, si.ssi_signo);
	}
	close(sfd);
	return ret;
}

static int fwcmp_cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		FWCMP_COMMON_OPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "input", required_argument, NULL, 'i' },
		{ "channel", required_argument, NULL, 'c' },
		{ "speed", required_argument, NULL, 's' },
		{ "payload", required_argument, NULL, 'p' },
		{ "overlay", no_argument, NULL, 'O' },
		{ "persist", no_argument, NULL, 'P' },
		{ "broadcast", no_argument, NULL, 'B' },
		{ "to", required_argument, NULL, 'T' },
		{ 0 }
	};
	struct fwcmp_plug_arg plug = { 0 };
	unsigned int channel = FWCMP_ANY_CHANNEL, payload = 0, flags = 0;
	int speed = -1, opt, i, fd, err, ret, cmd_argc = 0;
	char path[PATH_MAX], **cmd_argv = NULL;
	char peer_path[PATH_MAX], *to = NULL;
	unsigned int peer_index = 0;
	int peer_fd = -1;
	struct fwcmp_get_info info;
	struct fwcmp_connect c;
	struct fwcmp_hold h;
	sigset_t mask, old;
	pid_t child = 0;

	/* Everything after "--" is the command, untouched by getopt. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd_argv = &argv[i + 1];
			cmd_argc = argc - i - 1;
			argc = i;
			break;
		}
	}
	while ((opt = getopt_long(argc, argv, "jho:i:c:s:p:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
		case 'i':
			if (!fwcmp_plug_opt(&plug, opt == 'o' ? FWCMP_DIR_OUTPUT
							     : FWCMP_DIR_INPUT,
					    optarg, "connect"))
				return FWCMP_EXIT_USAGE;
			break;
		case 'c':
			if (!fwcmp_parse_uint(optarg, FWCMP_MAX_CHANNEL, &channel)) {
				fwcmp_err("connect: channel '%s' is not 0..%d",
					  optarg, FWCMP_MAX_CHANNEL);
				return FWCMP_EXIT_USAGE;
			}
			break;
		case 's':
			speed = fwcmp_speed_parse(optarg);
			if (speed < 0) {
				fwcmp_err("connect: speed '%s' is not S100, S200, S400, S800, S1600 or S3200",
					  optarg);
				return FWCMP_EXIT_USAGE;
			}
			break;
		case 'p':
			if (!fwcmp_parse_uint(optarg, FWCMP_MAX_PAYLOAD, &payload) ||
			    !payload) {
				fwcmp_err("connect: payload '%s' is not 1..%d quadlets",
					  optarg, FWCMP_MAX_PAYLOAD);
				return FWCMP_EXIT_USAGE;
			}
			break;
		case 'O':
			flags |= FWCMP_CONNECT_OVERLAY;
			break;
		case 'P':
			flags |= FWCMP_CONNECT_PERSISTENT;
			break;
		case 'B':
			flags |= FWCMP_CONNECT_BROADCAST;
			break;
		case 'T': {
			/* --to DEV:N, the other unit's iPCR N */
			char *colon = strrchr(optarg, ':');

			if (!colon || colon == optarg ||
			    !fwcmp_parse_uint(colon + 1, FWCMP_MAX_PLUGS - 1,
					      &peer_index)) {
				fwcmp_err("connect: --to '%s' is not DEV:N (N 0..%d)",
					  optarg, FWCMP_MAX_PLUGS - 1);
				return FWCMP_EXIT_USAGE;
			}
			*colon = '\0';
			to = optarg;
			flags |= FWCMP_CONNECT_THIRD_PARTY;
			break;
		}
		default: {
			int r = fwcmp_common_opt(opt, "connect");

			if (r >= 0)
				return r;
		}
		}
	}
	if (argc - optind != 1 || !plug.set) {
		if (argc - optind == 1 && !plug.set)
			fwcmp_err("connect: give --output N or --input N");
		return fwcmp_cmd_usage("connect", true);
	}
	if (cmd_argv && !cmd_argc) {
		fwcmp_err("connect: no COMMAND after --");
		return FWCMP_EXIT_USAGE;
	}
	/* Broadcast-in listens to a channel someone else broadcasts on. */
	if ((flags & FWCMP_CONNECT_BROADCAST) &&
	    plug.dir == FWCMP_DIR_INPUT && channel == FWCMP_ANY_CHANNEL) {
		fwcmp_err("connect: --broadcast on an input plug needs --channel");
		return FWCMP_EXIT_USAGE;
	}
	if (to && (plug.dir != FWCMP_DIR_OUTPUT ||
		   (flags & FWCMP_CONNECT_BROADCAST))) {
		fwcmp_err("connect: --to needs --output and excludes --broadcast");
		return FWCMP_EXIT_USAGE;
	}
	if (cmd_argc && (flags & FWCMP_CONNECT_PERSISTENT)) {
		fwcmp_err("connect: --persist and -- COMMAND exclude each other");
		return FWCMP_EXIT_USAGE;
	}
	if (!fwcmp_resolve("connect", argv[optind], path, sizeof(path)))
		return FWCMP_EXIT_USAGE;
	if (to && !fwcmp_resolve("connect", to, peer_path, sizeof(peer_path)))
		return FWCMP_EXIT_USAGE;
	if (to) {
		/*
		 * The iPCR side belongs to this descriptor: it stays open as
		 * long as we hold the connection (close-on-exec, like fd).
		 */
		peer_fd = fwcmp_dev_open(peer_path, true);
		if (peer_fd < 0)
			return fwcmp_kerr(peer_fd, "open", peer_path);
	}

	fd = fwcmp_dev_open(path, true);
	if (fd < 0)
		return fwcmp_kerr(fd, "open", path);
	err = fwcmp_get_info(fd, &info);
	if (err) {
		close(fd);
		return fwcmp_kerr(err, "GET_INFO", path);
	}

	/*
	 * Defaults: an oPCR keeps the rate and payload the device put there
	 * (libiec61883 does the same); an iPCR, or an oPCR without a usable
	 * payload, gets S100 and 122 quadlets, one DV source packet (480
	 * bytes) with its CIP header.
	 */
	if (speed < 0 || !payload) {
		struct fwcmp_get_plug p;
		unsigned int s = FWCMP_SPEED_S100, q = 122;

		if (plug.dir == FWCMP_DIR_OUTPUT &&
		    !fwcmp_get_plug(fd, plug.dir, plug.index, &p) &&
		    fwcmp_opcr_payload_get(p.value) &&
		    p.payload <= fwcmp_max_payload(p.speed)) {
			s = p.speed;
			q = p.payload;
		}
		if (speed < 0)
			speed = s;
		if (!payload)
			payload = q < fwcmp_max_payload(speed) ? q
							      : fwcmp_max_payload(speed);
	}

	memset(&c, 0, sizeof(c));
	c.direction = plug.dir;
	c.index = plug.index;
	c.flags = flags;
	c.channel = channel;
	c.speed = speed;
	c.payload = payload;
	if (to) {
		c.peer_fd = peer_fd;
		c.peer_index = peer_index;
	}

	/*
	 * Block the signals that end the hold before the connection exists,
	 * so that a SIGTERM right after CONNECT still leads to DISCONNECT.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (!(flags & FWCMP_CONNECT_PERSISTENT))
		sigprocmask(SIG_BLOCK, &mask, &old);

	if (ioctl(fd, FWCMP_IOC_CONNECT, &c)) {
		ret = fwcmp_kerr(errno, "CONNECT", path);
		close(fd);
		if (peer_fd >= 0)
			close(peer_fd);
		return ret;
	}
	c.flags = flags;	/* an input field: keep what we asked for */
	if (to && !fwcmp_json_out)
		fprintf(stderr, "%s: third-party, to iPCR[%u] of %s\n", path,
			peer_index, peer_path);

	if (fwcmp_json_out) {
		struct fwcmp_json j;

		fwcmp_json_init(&j, stdout);
		fwcmp_json_connect(&j, path, &c);
		fwcmp_json_finish(&j);
	} else if (flags & FWCMP_CONNECT_PERSISTENT) {
		/* The handle alone on stdout: h=$(fwcmp connect ... --persist) */
		printf("%u\n", c.handle);
		fflush(stdout);
		fwcmp_print_connect_text(stderr, path, &c);
	} else {
		fwcmp_print_connect_text(stderr, path, &c);
	}
	if (flags & FWCMP_CONNECT_PERSISTENT) {
		close(fd);
		if (peer_fd >= 0)
			close(peer_fd);
		return FWCMP_EXIT_OK;
	}

	h = (struct fwcmp_hold){ .dev = path, .fd = fd, .handle = c.handle };
	if (cmd_argc) {
		char env[32];

		fflush(NULL);
		child = fork();
		if (child < 0) {
			ret = fwcmp_kerr(errno, "fork", NULL);
			goto disconnect;
		}
		if (!child) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			snprintf(env, sizeof(env), "%u", c.channel);
			setenv("FWCMP_CHANNEL", env, 1);
			snprintf(env, sizeof(env), "%u", c.handle);
			setenv("FWCMP_HANDLE", env, 1);
			setenv("FWCMP_DEVICE", path, 1);
			execvp(cmd_argv[0], cmd_argv);
			fwcmp_err("%s: %s", cmd_argv[0], strerror(errno));
			_exit(errno == ENOENT ? 127 : 126);
		}
	} else if (!fwcmp_json_out) {
		fprintf(stderr, "%s: holding the connection; interrupt (^C) to break it\n",
			fwcmp_prog);
	}

	ret = fwcmp_hold(&h, child, &mask);

disconnect:
	/* Closing the descriptor would break it too; say so explicitly. */
	if (!h.lost) {
		struct fwcmp_disconnect d = { .handle = c.handle };

		if (ioctl(fd, FWCMP_IOC_DISCONNECT, &d)) {
			int r = fwcmp_kerr(errno, "DISCONNECT", path);

			if (!ret)
				ret = r;
		} else if (!fwcmp_json_out) {
			fprintf(stderr, "%s: handle %u disconnected\n", path,
				c.handle);
		}
	}
	close(fd);
	if (peer_fd >= 0)
		close(peer_fd);
	return ret;
}

/* ---- disconnect ---- */

static int fwcmp_cmd_disconnect(int argc, char **argv)
{
	static const struct option opts[] = { FWCMP_COMMON_OPTS, { 0 } };
	struct fwcmp_disconnect d = { 0 };
	char path[PATH_MAX];
	int opt, fd, ret = FWCMP_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		int r = fwcmp_common_opt(opt, "disconnect");

		if (r >= 0)
			return r;
	}
	if (argc - optind != 2)
		return fwcmp_cmd_usage("disconnect", true);
	if (!fwcmp_resolve("disconnect", argv[optind], path, sizeof(path)))
		return FWCMP_EXIT_USAGE;
	if (!fwcmp_parse_uint(argv[optind + 1], UINT32_MAX, &d.handle) || !d.handle) {
		fwcmp_err("disconnect: handle '%s' is not a number 1..%u",
			  argv[optind + 1], UINT32_MAX);
		return FWCMP_EXIT_USAGE;
	}

	fd = fwcmp_dev_open(path, true);
	if (fd < 0)
		return fwcmp_kerr(fd, "open", path);
	if (ioctl(fd, FWCMP_IOC_DISCONNECT, &d))
		ret = fwcmp_kerr(errno, "DISCONNECT", path);
	else if (fwcmp_json_out)
		printf("{\"device\":\"%s\",\"handle\":%u}\n", path, d.handle);
	else
		printf("%s: handle %u disconnected\n", path, d.handle);
	close(fd);
	return ret;
}

/* ---- clear ---- */

static int fwcmp_cmd_clear(int argc, char **argv)
{
	static const struct option opts[] = {
		FWCMP_COMMON_OPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "input", required_argument, NULL, 'i' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ 0 }
	};
	struct fwcmp_plug_arg plug = { 0 };
	struct fwcmp_clear_plug c;
	unsigned int bandwidth = 0;
	bool have_bw = false;
	char path[PATH_MAX];
	int opt, fd, ret = FWCMP_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "jho:i:b:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
		case 'i':
			if (!fwcmp_plug_opt(&plug, opt == 'o' ? FWCMP_DIR_OUTPUT
							     : FWCMP_DIR_INPUT,
					    optarg, "clear"))
				return FWCMP_EXIT_USAGE;
			break;
		case 'b':
			if (!fwcmp_parse_uint(optarg, FWCMP_BANDWIDTH_AVAILABLE_INITIAL,
					      &bandwidth)) {
				fwcmp_err("clear: bandwidth '%s' is not 0..%d units",
					  optarg, FWCMP_BANDWIDTH_AVAILABLE_INITIAL);
				return FWCMP_EXIT_USAGE;
			}
			have_bw = true;
			break;
		default: {
			int r = fwcmp_common_opt(opt, "clear");

			if (r >= 0)
				return r;
		}
		}
	}
	if (argc - optind != 1 || !plug.set) {
		if (argc - optind == 1 && !plug.set)
			fwcmp_err("clear: give --output N or --input N");
		return fwcmp_cmd_usage("clear", true);
	}
	if (have_bw && plug.dir == FWCMP_DIR_OUTPUT) {
		fwcmp_err("clear: --bandwidth is for an input plug; an oPCR's bandwidth is computed from the oPCR");
		return FWCMP_EXIT_USAGE;
	}
	if (!fwcmp_resolve("clear", argv[optind], path, sizeof(path)))
		return FWCMP_EXIT_USAGE;

	fd = fwcmp_dev_open(path, true);
	if (fd < 0)
		return fwcmp_kerr(fd, "open", path);
	memset(&c, 0, sizeof(c));
	c.direction = plug.dir;
	c.index = plug.index;
	c.bandwidth = bandwidth;
	if (ioctl(fd, FWCMP_IOC_CLEAR_PLUG, &c)) {
		ret = fwcmp_kerr(errno, "CLEAR_PLUG", path);
	} else if (fwcmp_json_out) {
		struct fwcmp_json j;

		fwcmp_json_init(&j, stdout);
		fwcmp_json_clear(&j, path, &c);
		fwcmp_json_finish(&j);
	} else {
		fwcmp_print_clear_text(path, &c);
	}
	close(fd);
	return ret;
}

/* ---- watch ---- */

#define FWCMP_WATCH_MAX	64

struct fwcmp_watch {
	struct pollfd pfd[FWCMP_WATCH_MAX + 2];	/* [0] signals, [1] inotify */
	char *path[FWCMP_WATCH_MAX + 2];
	int n;
};

static bool fwcmp_watch_has(struct fwcmp_watch *w, const char *path)
{
	int i;

	for (i = 2; i < w->n; i++)
		if (w->path[i] && !strcmp(w->path[i], path))
			return true;
	return false;
}

static int fwcmp_watch_add(struct fwcmp_watch *w, const char *path)
{
	int fd, i;

	if (fwcmp_watch_has(w, path))
		return 0;
	fd = fwcmp_dev_open(path, false);
	if (fd < 0)
		return fd;
	for (i = 2; i < w->n && w->path[i]; i++)
		;
	if (i == w->n) {
		if (w->n == FWCMP_WATCH_MAX + 2) {
			close(fd);
			return -EMFILE;
		}
		w->n++;
	}
	w->pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
	w->path[i] = strdup(path);
	return 0;
}

static void fwcmp_watch_del(struct fwcmp_watch *w, int i)
{
	close(w->pfd[i].fd);
	w->pfd[i].fd = -1;
	free(w->path[i]);
	w->path[i] = NULL;
}

static int fwcmp_watch_count(struct fwcmp_watch *w)
{
	int i, n = 0;

	for (i = 2; i < w->n; i++)
		n += !!w->path[i];
	return n;
}

/* Print what is queued on w->pfd[i]; false when the unit is gone. */
static bool fwcmp_watch_read(struct fwcmp_watch *w, int i, struct fwcmp_json *j)
{
	struct fwcmp_event ev[16];
	bool gone = false;
	ssize_t n;
	size_t k;

	n = read(w->pfd[i].fd, ev, sizeof(ev));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;	/* ENODEV: gone */
	if (n == 0)
		return false;
	for (k = 0; k < n / sizeof(ev[0]); k++) {
		if (fwcmp_json_out)
			fwcmp_json_event(j, w->path[i], &ev[k]);
		else
			fwcmp_print_event_text(stdout, w->path[i], &ev[k]);
		if (ev[k].type == FWCMP_EVENT_UNIT_REMOVED)
			gone = true;
	}
	return !gone;
}

static void fwcmp_watch_rescan(struct fwcmp_watch *w)
{
	char **paths;
	int n, i;

	n = fwcmp_dev_scan(&paths);
	for (i = 0; i < n; i++)
		if (!fwcmp_watch_has(w, paths[i]) && !fwcmp_watch_add(w, paths[i]) &&
		    !fwcmp_json_out) {
			printf("%s: watching\n", paths[i]);
			fflush(stdout);
		}
	if (n >= 0)
		fwcmp_dev_free(paths, n);
}

static int fwcmp_cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = { FWCMP_COMMON_OPTS, { 0 } };
	struct fwcmp_watch w = { .n = 2 };
	int opt, err, i, ret = FWCMP_EXIT_OK;
	struct fwcmp_json j;
	char path[PATH_MAX];
	bool one = false;
	sigset_t mask;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		int r = fwcmp_common_opt(opt, "watch");

		if (r >= 0)
			return r;
	}
	if (argc - optind > 1)
		return fwcmp_cmd_usage("watch", true);
	fwcmp_json_init(&j, stdout);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	w.pfd[0] = (struct pollfd){ .fd = signalfd(-1, &mask, SFD_CLOEXEC),
				    .events = POLLIN };
	w.pfd[1] = (struct pollfd){ .fd = -1, .events = POLLIN };

	if (optind < argc) {
		one = true;
		if (!fwcmp_resolve("watch", argv[optind], path, sizeof(path)))
			return FWCMP_EXIT_USAGE;
		err = fwcmp_watch_add(&w, path);
		if (err)
			return fwcmp_kerr(err, "open", path);
	} else {
		/* New units show up as new nodes in /dev (devtmpfs or udev). */
		w.pfd[1].fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (w.pfd[1].fd >= 0 &&
		    inotify_add_watch(w.pfd[1].fd, FWCMP_DEV_DIR, IN_CREATE | IN_ATTRIB) < 0) {
			close(w.pfd[1].fd);
			w.pfd[1].fd = -1;
		}
		if (w.pfd[1].fd < 0)
			fprintf(stderr, "%s: no inotify on %s: units that appear later are not watched\n",
				fwcmp_prog, FWCMP_DEV_DIR);
		fwcmp_watch_rescan(&w);
	}
	if (!fwcmp_json_out) {
		printf("%s: watching %s; interrupt (^C) to stop\n", fwcmp_prog,
		       one ? path : "every unit");
		fflush(stdout);
	}

	for (;;) {
		if (poll(w.pfd, w.n, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = fwcmp_kerr(errno, "poll", NULL);
			break;
		}
		if (w.pfd[0].revents & POLLIN)
			break;
		if (w.pfd[1].fd >= 0 && (w.pfd[1].revents & POLLIN)) {
			char buf[4096];

			while (read(w.pfd[1].fd, buf, sizeof(buf)) > 0)
				;
			fwcmp_watch_rescan(&w);
		}
		for (i = 2; i < w.n; i++) {
			if (!w.path[i] || !w.pfd[i].revents)
				continue;
			/* Removal: queued events first, then ENODEV/POLLHUP. */
			if (!fwcmp_watch_read(&w, i, &j) ||
			    (w.pfd[i].revents & (POLLHUP | POLLERR) &&
			     !(w.pfd[i].revents & POLLIN))) {
				fwcmp_watch_del(&w, i);
			}
		}
		if (one && !fwcmp_watch_count(&w))
			break;
	}
	for (i = 2; i < w.n; i++)
		if (w.path[i])
			fwcmp_watch_del(&w, i);
	return ret;
}

/* ---- local: the PC's own plugs (/dev/fwcmp-local) ---- */

#define FWCMP_LOCAL_DEV	"/dev/fwcmp-local"

static void fwcmp_local_pcr_text(const char *name, unsigned int n, __u32 pcr,
				 bool out)
{
	unsigned int p2p = fwcmp_field_get(pcr, FWCMP_PCR_P2P_MASK, FWCMP_PCR_P2P_SHIFT);
	unsigned int bc = fwcmp_field_get(pcr, FWCMP_PCR_BCAST_MASK, FWCMP_PCR_BCAST_SHIFT);

	printf("  %s[%u] 0x%08x %s p2p %u bcast %u channel %u", name, n, pcr,
	       pcr & FWCMP_PCR_ONLINE_MASK ? "online" : "offline", p2p, bc,
	       fwcmp_field_get(pcr, FWCMP_PCR_CHANNEL_MASK, FWCMP_PCR_CHANNEL_SHIFT));
	if (out)
		printf(" %s overhead %u payload %u",
		       fwcmp_speed_name(fwcmp_opcr_speed(pcr)),
		       fwcmp_field_get(pcr, FWCMP_OPCR_OVERHEAD_MASK, FWCMP_OPCR_OVERHEAD_SHIFT),
		       fwcmp_field_get(pcr, FWCMP_OPCR_PAYLOAD_MASK, FWCMP_OPCR_PAYLOAD_SHIFT));
	printf("%s\n", p2p || bc ? " connected" : "");
}

static void fwcmp_local_pcr_json(struct fwcmp_json *j, __u32 pcr, bool out)
{
	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_hex(j, "value", pcr, 8);
	fwcmp_json_bool(j, "online", pcr & FWCMP_PCR_ONLINE_MASK);
	fwcmp_json_uint(j, "bcast", fwcmp_field_get(pcr, FWCMP_PCR_BCAST_MASK, FWCMP_PCR_BCAST_SHIFT));
	fwcmp_json_uint(j, "p2p", fwcmp_field_get(pcr, FWCMP_PCR_P2P_MASK, FWCMP_PCR_P2P_SHIFT));
	fwcmp_json_uint(j, "channel", fwcmp_field_get(pcr, FWCMP_PCR_CHANNEL_MASK, FWCMP_PCR_CHANNEL_SHIFT));
	if (out) {
		fwcmp_json_str(j, "speed", fwcmp_speed_name(fwcmp_opcr_speed(pcr)));
		fwcmp_json_uint(j, "overhead_id", fwcmp_field_get(pcr, FWCMP_OPCR_OVERHEAD_MASK, FWCMP_OPCR_OVERHEAD_SHIFT));
		fwcmp_json_uint(j, "payload", fwcmp_field_get(pcr, FWCMP_OPCR_PAYLOAD_MASK, FWCMP_OPCR_PAYLOAD_SHIFT));
	}
	fwcmp_json_end_object(j);
}

static void fwcmp_local_print(struct fwcmp_json *j, const struct fwcmp_local_plugs *a)
{
	unsigned int i;

	if (!fwcmp_json_out) {
		printf("card %u GUID %016llx generation %u, %u ms since the bus reset%s\n",
		       a->index, (unsigned long long)a->guid, a->generation,
		       a->ms_since_reset,
		       a->flags & FWCMP_LOCAL_RESTORE_WINDOW ? " (restore window open)" : "");
		printf("  oMPR 0x%08x %s broadcast base %u plugs %u\n", a->ompr,
		       fwcmp_speed_name(fwcmp_mpr_speed(a->ompr)),
		       fwcmp_field_get(a->ompr, FWCMP_OMPR_BCAST_BASE_MASK, FWCMP_OMPR_BCAST_BASE_SHIFT),
		       a->n_opcr);
		for (i = 0; i < a->n_opcr && i < FWCMP_LOCAL_MAX_PLUGS; i++)
			fwcmp_local_pcr_text("oPCR", i, a->opcr[i], true);
		printf("  iMPR 0x%08x %s plugs %u\n", a->impr,
		       fwcmp_speed_name(fwcmp_mpr_speed(a->impr)), a->n_ipcr);
		for (i = 0; i < a->n_ipcr && i < FWCMP_LOCAL_MAX_PLUGS; i++)
			fwcmp_local_pcr_text("iPCR", i, a->ipcr[i], false);
		return;
	}
	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_uint(j, "index", a->index);
	fwcmp_json_hex(j, "guid", a->guid, 16);
	fwcmp_json_uint(j, "generation", a->generation);
	fwcmp_json_uint(j, "ms_since_reset", a->ms_since_reset);
	fwcmp_json_bool(j, "restore_window", a->flags & FWCMP_LOCAL_RESTORE_WINDOW);
	fwcmp_json_hex(j, "ompr", a->ompr, 8);
	fwcmp_json_hex(j, "impr", a->impr, 8);
	fwcmp_json_begin_array(j, "opcr");
	for (i = 0; i < a->n_opcr && i < FWCMP_LOCAL_MAX_PLUGS; i++)
		fwcmp_local_pcr_json(j, a->opcr[i], true);
	fwcmp_json_end_array(j);
	fwcmp_json_begin_array(j, "ipcr");
	for (i = 0; i < a->n_ipcr && i < FWCMP_LOCAL_MAX_PLUGS; i++)
		fwcmp_local_pcr_json(j, a->ipcr[i], false);
	fwcmp_json_end_array(j);
	fwcmp_json_end_object(j);
}

static int fwcmp_cmd_local(int argc, char **argv)
{
	static const struct option opts[] = { FWCMP_COMMON_OPTS, { 0 } };
	struct fwcmp_local_plugs a;
	unsigned long long guid = 0;
	int opt, fd, ret = FWCMP_EXIT_OK;
	struct fwcmp_json j;
	unsigned int i;
	char *end;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		int r = fwcmp_common_opt(opt, "local");

		if (r >= 0)
			return r;
	}
	if (argc - optind > 1)
		return fwcmp_cmd_usage("local", true);
	if (optind < argc) {
		errno = 0;
		guid = strtoull(argv[optind], &end, 16);
		if (errno || *end || !guid) {
			fwcmp_err("bad GUID '%s'", argv[optind]);
			return FWCMP_EXIT_USAGE;
		}
	}
	fd = open(FWCMP_LOCAL_DEV, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			fwcmp_err("%s: no local plugs hosted (load firewire-cmp with local_oplugs or local_iplugs)",
				  FWCMP_LOCAL_DEV);
			return FWCMP_EXIT_KERNEL;
		}
		return fwcmp_kerr(errno, "open", FWCMP_LOCAL_DEV);
	}
	fwcmp_json_init(&j, stdout);
	if (fwcmp_json_out) {
		fwcmp_json_begin_object(&j, NULL);
		fwcmp_json_begin_array(&j, "cards");
	}
	for (i = 0;; i++) {
		memset(&a, 0, sizeof(a));
		a.version = FWCMP_LOCAL_VERSION;
		a.index = i;
		a.guid = guid;
		if (ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, &a)) {
			if (errno != ENODEV || guid)
				ret = fwcmp_kerr(errno, "GET_LOCAL_PLUGS", FWCMP_LOCAL_DEV);
			break;
		}
		fwcmp_local_print(&j, &a);
		if (guid)
			break;
	}
	if (fwcmp_json_out) {
		fwcmp_json_end_array(&j);
		fwcmp_json_end_object(&j);
		fwcmp_json_finish(&j);
	}
	close(fd);
	return ret;
}

/* ---- main ---- */

static const struct fwcmp_cmd fwcmp_cmds[] = {
	{ "list", fwcmp_cmd_list, "list [--json]",
"List the AV/C units bound by firewire-cmp: device node, GUID, node ID,\n"
"number of output and input plugs, vendor and model names from the config ROM.\n" },
	{ "plugs", fwcmp_cmd_plugs, "plugs [--json] [DEV]",
"Show the oMPR/iMPR and every oPCR/iPCR of DEV (default: every unit), decoded.\n"
"A plug with a p2p or broadcast count is marked \"connected\": the count is the\n"
"device's, and includes connections made by other controllers and programs.\n"
"\"bw\" is the bandwidth of an oPCR's stream as its fields describe it, in IRM\n"
"allocation units: what the stream holds at the IRM while it is connected.\n" },
	{ "connect", fwcmp_cmd_connect,
	  "connect [--json] DEV --output N|--input N [--channel C] [--speed S]\n"
	  "             [--payload Q] [--overlay] [--broadcast | --to DEV2:N]\n"
	  "             [--persist]\n"
	  "             [-- COMMAND [ARG...]]",
"Make a point-to-point connection on oPCR N (the unit transmits) or iPCR N (the\n"
"unit receives), taking a channel and bandwidth at the IRM.\n"
"\n"
"  -o, --output N    oPCR N\n"
"  -i, --input N     iPCR N\n"
"  -c, --channel C   channel 0..63 (default: any free channel)\n"
"  -s, --speed S     S100, S200, S400, S800 (also S1600, S3200). Default: the\n"
"                    oPCR's current rate; S100 for an iPCR\n"
"  -p, --payload Q   largest packet payload in quadlets, CIP header included.\n"
"                    Default: the oPCR's current payload; 122 (DV) for an iPCR\n"
"      --overlay     join an existing connection on the plug\n"
"      --broadcast   a broadcast connection instead: broadcast-out on an oPCR\n"
"                    (channel: the oMPR broadcast channel base + N, or any\n"
"                    free one with base 63; channel and bandwidth taken at the\n"
"                    IRM), broadcast-in on an iPCR (--channel required, the\n"
"                    broadcaster's channel; nothing taken at the IRM)\n"
"      --to DEV2:N   third-party: connect DEV's oPCR (--output) to iPCR N of\n"
"                    the unit DEV2, the computer only the controller; one\n"
"                    handle breaks both\n"
"      --persist     keep the connection after fwcmp exits; print its handle\n"
"                    (alone on stdout) for `fwcmp disconnect`\n"
"\n"
"Without --persist, fwcmp holds the connection until COMMAND exits, or without\n"
"COMMAND until SIGINT, SIGTERM or SIGHUP, then breaks it; if fwcmp itself is\n"
"killed the kernel breaks it. COMMAND runs with FWCMP_CHANNEL, FWCMP_HANDLE and\n"
"FWCMP_DEVICE in its environment; fwcmp exits with COMMAND's status.\n" },
	{ "disconnect", fwcmp_cmd_disconnect, "disconnect [--json] DEV HANDLE",
"Break the connection HANDLE (from `connect --persist`) on DEV; its channel and\n"
"bandwidth go back to the IRM when it was the plug's last connection.\n" },
	{ "clear", fwcmp_cmd_clear,
	  "clear [--json] DEV --output N|--input N [--bandwidth U]",
"Reset the p2p count of a plug that other software left connected and return\n"
"its channel and bandwidth to the IRM (IEC 61883-1 connection break by a\n"
"third party). Needs CAP_SYS_ADMIN. An iPCR does not record its stream's\n"
"bandwidth: give it with --bandwidth (default 0: only the channel is returned).\n"
"Connections of firewire-cmp on the plug are reported lost.\n" },
	{ "watch", fwcmp_cmd_watch, "watch [--json] [DEV]",
"Print events as they come: bus-reset, restored, lost, removed. Without DEV,\n"
"every unit, including units that appear later. Lost and restored events of\n"
"connections are seen only for persistent connections (others go to the\n"
"descriptor that made them). --json prints one object per line. Stops on\n"
"SIGINT/SIGTERM, or when DEV is removed.\n" },
	{ "local", fwcmp_cmd_local, "local [--json] [GUID]",
"Show the PC's own plugs, which firewire-cmp hosts for other controllers when\n"
"loaded with local_oplugs or local_iplugs: for every card (or the card with\n"
"GUID, hexadecimal), the oMPR, iMPR and every oPCR/iPCR as other nodes read\n"
"them now, decoded. A plug with a p2p or broadcast count is \"connected\": a\n"
"controller connected it, e.g. to make the PC receive on that iPCR's channel.\n"
"After a bus reset p2p counts are 0 until their controllers restore them,\n"
"which they must do within 1 s (\"restore window open\").\n" },
	{ NULL }
};

int main(int argc, char **argv)
{
	const struct fwcmp_cmd *c;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			fwcmp_json_out = true;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fwcmp_usage_all(stdout);
			return FWCMP_EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("fwcmp %s (ABI version %d)\n", FWCMP_VERSION,
			       FWCMP_ABI_VERSION);
			return FWCMP_EXIT_OK;
		}
		fwcmp_err("unknown option '%s'", argv[i]);
		fwcmp_usage_all(stderr);
		return FWCMP_EXIT_USAGE;
	}
	if (i == argc) {
		fwcmp_usage_all(stderr);
		return FWCMP_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc)
			return fwcmp_cmd_usage(argv[i + 1], false);
		fwcmp_usage_all(stdout);
		return FWCMP_EXIT_OK;
	}
	for (c = fwcmp_cmds; c->name; c++) {
		if (strcmp(c->name, argv[i]))
			continue;
		char name[32];

		/* The command sees "fwcmp CMD" as argv[0] (getopt's messages). */
		snprintf(name, sizeof(name), "%s %s", fwcmp_prog, c->name);
		argv[i] = name;
		optind = 1;
		return c->fn(argc - i, argv + i);
	}
	fwcmp_err("unknown command '%s'", argv[i]);
	fwcmp_usage_all(stderr);
	return FWCMP_EXIT_USAGE;
}
