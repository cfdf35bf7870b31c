// SPDX-License-Identifier: GPL-2.0
/*
 * fwcmp-bench - firewire-cmp against libiec61883 on the same simulated bus.
 *
 * Runs in the guest of `make bench` (scripts/bench.sh) as root, with
 * firewire-sim and firewire-cmp loaded. It builds one simulated bus, then
 * measures, for our driver (/dev/fwcmpN ioctls) and for libiec61883
 * (iec61883_cmp_connect/_disconnect/_reconnect through libraw1394 and
 * firewire-core's /dev/fw*):
 *
 *  1. bus transactions per connect and per disconnect, by type, from the
 *     simulator's per-node counters (ground truth, not the programs' view);
 *  2. bus-reset recovery with N connections, at 0, 100 and 1000 us per
 *     transaction: from the simulator's report of the reset (and from the
 *     first IRM or plug request after it) to its last PCR lock;
 *  3. connect+disconnect cycles per second at latency 0;
 *  4. kernel memory (slab) per connection and per bound unit.
 *
 * It prints a table and, between "--- json ---" and "--- end json ---", the
 * same numbers for the host to store. See
 * Documentation/firewire/firewire-cmp-performance.rst for the method.
 *
 * usage: fwcmp-bench [--quick | --probe]
 *        --quick: 3 repetitions instead of 5; --probe: only check that
 *        libraw1394 reaches the simulated nodes and restores a connection
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libiec61883/iec61883.h>
#include <libraw1394/csr.h>
#include <libraw1394/raw1394.h>
#include <arpa/inet.h>
#include <linux/firewire-cmp.h>

#include "fwsim.h"

#define BUS		7
#define NODES		12	/* node 0: the IRM; 1..11: targets */
#define OPLUGS		4
#define TARGETS		(NODES - 1)
#define MAX_CONNS	(TARGETS * OPLUGS)
#define PAYLOAD		18	/* quadlets: 2-channel 48 kHz AM824, CIP incl. */
#define SPEED		FWCMP_SPEED_S400
#define DBG		"/sys/kernel/debug/firewire-sim/fwsim7"
#define DRV		"/sys/bus/firewire/drivers/firewire_cmp"
#define EVENT_MS	10000
#define NLATS		3	/* latencies: 0, 100 and 1000 us per transaction */

struct node {
	int idx;
	uint64_t guid;
	char fwcmp[64];		/* /dev/fwcmpN */
	char unit[64];		/* fwN.0 */
	uint16_t node_id;
	int fd;
};

static struct node nodes[NODES];
static int reps = 5;
static unsigned int overhead_id;

static const char *volatile stage = "start";

/* A hang must not eat the whole run: say where it was and stop. */
static void watchdog(int sig)
{
	static const char msg[] = "fwcmp-bench: timed out in ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, stage, strlen(stage)) < 0 || write(2, "\n", 1) < 0)
		_exit(2);
	_exit(2);
}

/* Each stage gets at most three minutes. */
static void set_stage(const char *name)
{
	stage = name;
	alarm(180);
}

static FILE *json;
static char *json_buf;
static size_t json_len;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fwcmp-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- simulator ground truth ---- */

struct txc {
	uint64_t read, lock, write, local;
};

static const char *const tclasses[] = {
	"read_quadlet", "read_block", "write_quadlet", "write_block", "lock",
};
static const char *const outcomes[] = {
	"complete", "busy", "type_error", "address_error", "timeout", "generation",
};

static uint64_t node_class(int node, int tc)
{
	uint64_t sum = 0, v;
	size_t o;
	char name[64];

	for (o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
		snprintf(name, sizeof(name), "%s.%s", tclasses[tc], outcomes[o]);
		if (!fwsim_stat(BUS, node, name, &v))
			sum += v;
	}
	return sum;
}

/* Requests the simulated nodes received; requests to the local node apart. */
static struct txc txc_get(void)
{
	struct txc t = { 0 };
	int i, tc;

	for (i = 0; i < NODES; i++) {
		t.read += node_class(i, 0) + node_class(i, 1);
		t.write += node_class(i, 2) + node_class(i, 3);
		t.lock += node_class(i, 4);
	}
	for (tc = 0; tc < 5; tc++)
		t.local += node_class(FWSIM_LOCAL, tc);
	return t;
}

static void txc_clear(void)
{
	int i;

	for (i = 0; i < NODES; i++)
		fwsim_stats_clear(BUS, i);
	fwsim_stats_clear(BUS, FWSIM_LOCAL);
}

struct timing {
	uint64_t reset_ns, first_cmp_ns, last_pcr_lock_ns;
	unsigned int pcr_locks, in_flight_max;
};

static int timing_get(struct timing *t)
{
	char buf[256];
	FILE *f = fopen(DBG "/timing", "r");
	int n = 0;

	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	while (fgets(buf, sizeof(buf), f)) {
		n += sscanf(buf, "reset_ns %" SCNu64, &t->reset_ns);
		n += sscanf(buf, "first_cmp_ns %" SCNu64, &t->first_cmp_ns);
		n += sscanf(buf, "last_pcr_lock_ns %" SCNu64, &t->last_pcr_lock_ns);
		n += sscanf(buf, "pcr_locks %u", &t->pcr_locks);
		n += sscanf(buf, "in_flight_max %u", &t->in_flight_max);
	}
	fclose(f);
	return n == 5 ? 0 : -EPROTO;
}

static void latency_set(unsigned int us)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", us);
	if (fwsim_knob(BUS, FWSIM_LOCAL, "latency_us", v))
		die("cannot set latency_us (firewire-sim too old?)");
}

/* Bytes of all slab objects in use (SLUB: objects not on partial lists). */
static double slab_bytes(void)
{
	char line[512], name[64];
	unsigned long active, num, size;
	double sum = 0;
	FILE *f;

	sync();
	sleep_ms(200);	/* let RCU-freed objects go */
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		die("/proc/slabinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &num, &size) == 4)
			sum += (double)active * size;
	fclose(f);
	return sum;
}

/* ---- the bus ---- */

static int find_fwcmp(uint64_t guid, char *path, size_t len)
{
	glob_t g;
	size_t i;
	int found = -ENOENT;

	if (glob("/dev/fwcmp*", 0, NULL, &g))
		return -ENOENT;
	for (i = 0; i < g.gl_pathc && found; i++) {
		struct fwcmp_get_info info = { .version = FWCMP_ABI_VERSION };
		int fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (!ioctl(fd, FWCMP_IOC_GET_INFO, &info) && info.guid == guid) {
			snprintf(path, len, "%s", g.gl_pathv[i]);
			found = 0;
		}
		close(fd);
	}
	globfree(&g);
	return found;
}

static void wait_fwcmp_all(void)
{
	uint64_t end = now_ns() + 30000000000ull;
	int i;

	for (i = 0; i < NODES; i++) {
		while (find_fwcmp(nodes[i].guid, nodes[i].fwcmp, sizeof(nodes[i].fwcmp))) {
			if (now_ns() > end)
				die("no /dev/fwcmp for node %d", i);
			sleep_ms(20);
		}
	}
}

static void settle(void)
{
	if (fwsim_settle(BUS))
		die("bus does not settle");
	sleep_ms(100);	/* firewire-cmp's restore work, firewire-core's BM work */
}

static void bus_setup(void)
{
	char buf[128], path[128];
	int i;

	if (fwsim_available())
		die("firewire-sim not available");
	fwsim_bus_del(BUS);
	snprintf(buf, sizeof(buf), "%d 0", BUS);
	if (write_file("/sys/bus/firewire-sim/new_device", buf))
		die("cannot create bus %d", BUS);
	snprintf(path, sizeof(path), "/sys/bus/firewire-sim/devices/fwsim%d/new_node", BUS);
	for (i = 0; i < NODES; i++) {
		snprintf(buf, sizeof(buf), "index=%d oplugs=%d iplugs=1 irm=%d",
			 i, OPLUGS, i == 0);
		if (write_file(path, buf))
			die("cannot add node %d", i);
	}
	settle();
	for (i = 0; i < NODES; i++) {
		char fw[64];
		int phy;

		nodes[i].idx = i;
		nodes[i].fd = -1;
		if (fwsim_node_guid(BUS, i, &nodes[i].guid))
			die("node %d: no guid", i);
		phy = fwsim_node_phy_id(BUS, i);
		if (phy < 0)
			die("node %d: not on the bus", i);
		nodes[i].node_id = 0xffc0 | phy;
		if (fwsim_fw_dev(BUS, i, fw, sizeof(fw)))
			die("node %d: no /dev/fw", i);
		snprintf(nodes[i].unit, sizeof(nodes[i].unit), "%s.0", fw + 5);
	}
	wait_fwcmp_all();
}

/* Every oPCR: off-line bits as after reset, S400, our overhead ID, PAYLOAD. */
static void preset_plugs(void)
{
	uint32_t v = 0x80000000u | 63u << 16 | (uint32_t)SPEED << 14 |
		     overhead_id << 10 | PAYLOAD;
	char reg[16];
	int i, p;

	for (i = 1; i < NODES; i++)
		for (p = 0; p < OPLUGS; p++) {
			snprintf(reg, sizeof(reg), "opcr%d", p);
			if (fwsim_reg_write(BUS, i, reg, v))
				die("cannot preset node %d %s", i, reg);
		}
}

static void irm_state(unsigned int *bw, unsigned int *channels)
{
	uint32_t b, hi, lo;

	fwsim_irm_read(BUS, "bandwidth_available", &b);
	fwsim_irm_read(BUS, "channels_available_hi", &hi);
	fwsim_irm_read(BUS, "channels_available_lo", &lo);
	*bw = b;
	*channels = __builtin_popcount(hi) + __builtin_popcount(lo);
}

/* Connection i: spread over the target nodes first, then their plugs. */
static struct node *conn_node(int i)
{
	return &nodes[1 + i % TARGETS];
}

static int conn_plug(int i)
{
	return i / TARGETS;
}

/* ---- our driver ---- */

static int ours_open(struct node *n)
{
	if (n->fd < 0) {
		n->fd = open(n->fwcmp, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (n->fd < 0)
			die("%s: %s", n->fwcmp, strerror(errno));
	}
	return n->fd;
}

static void ours_close_all(void)
{
	int i;

	for (i = 0; i < NODES; i++)
		if (nodes[i].fd >= 0) {
			close(nodes[i].fd);
			nodes[i].fd = -1;
		}
}

static int ours_connect(struct node *n, int plug, unsigned int flags,
			struct fwcmp_connect *c)
{
	memset(c, 0, sizeof(*c));
	c->direction = FWCMP_DIR_OUTPUT;
	c->index = plug;
	c->flags = flags;
	c->channel = FWCMP_ANY_CHANNEL;
	c->speed = SPEED;
	c->payload = PAYLOAD;
	return ioctl(ours_open(n), FWCMP_IOC_CONNECT, c) ? -errno : 0;
}

static int ours_disconnect(struct node *n, unsigned int handle)
{
	struct fwcmp_disconnect d = { .handle = handle };

	return ioctl(n->fd, FWCMP_IOC_DISCONNECT, &d) ? -errno : 0;
}

static void ours_drain(void)
{
	struct fwcmp_event ev;
	int i;

	for (i = 0; i < NODES; i++)
		if (nodes[i].fd >= 0)
			while (read(nodes[i].fd, &ev, sizeof(ev)) == sizeof(ev))
				;
}

/* Wait until @want connections are restored or lost; *@lost: how many lost. */
static int ours_wait_restored(int want, int *lost)
{
	struct pollfd pfd[NODES];
	struct fwcmp_event ev;
	uint64_t end = now_ns() + EVENT_MS * 1000000ull;
	int i, n = 0, got = 0;

	for (i = 0; i < NODES; i++)
		if (nodes[i].fd >= 0) {
			pfd[n].fd = nodes[i].fd;
			pfd[n++].events = POLLIN;
		}
	*lost = 0;
	while (got + *lost < want) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++)
			while (read(pfd[i].fd, &ev, sizeof(ev)) == sizeof(ev)) {
				if (ev.type == FWCMP_EVENT_CONN_RESTORED)
					got++;
				else if (ev.type == FWCMP_EVENT_CONN_LOST)
					(*lost)++;
			}
	}
	return 0;
}

/* ---- libiec61883 ---- */

struct libconn {
	struct node *n;
	int oplug, iplug, bw, bw_asked, channel, result;
};

static raw1394handle_t lib_h;
static nodeid_t lib_local;
static struct libconn lib_conns[MAX_CONNS];
static int lib_nconns;

static void lib_open(void)
{
	lib_h = raw1394_new_handle_on_port(0);
	if (!lib_h)
		die("libraw1394: no handle on port 0: %s", strerror(errno));
	lib_local = raw1394_get_local_id(lib_h);
}

/* Handle what libraw1394 has queued (bus reset events) without blocking. */
static void lib_pump(void)
{
	struct pollfd pfd = { .fd = raw1394_get_fd(lib_h), .events = POLLIN };

	while (poll(&pfd, 1, 0) > 0)
		if (raw1394_loop_iterate(lib_h) < 0)
			break;
}

static int lib_connect(struct libconn *c, struct node *n, int plug)
{
	c->n = n;
	c->oplug = plug;
	c->iplug = -1;
	c->bw = 1;	/* allocate bandwidth */
	c->channel = iec61883_cmp_connect(lib_h, n->node_id, &c->oplug,
					  lib_local, &c->iplug, &c->bw);
	c->bw_asked = c->bw;
	return c->channel < 0 ? -EIO : 0;
}

static int lib_disconnect(struct libconn *c)
{
	return iec61883_cmp_disconnect(lib_h, c->n->node_id, c->oplug, lib_local,
				       c->iplug, c->channel, c->bw) ? -EIO : 0;
}

/*
 * Wait until libraw1394 has taken in the bus reset for @n's device file:
 * libraw1394 sends each request in the generation of the device file it
 * goes through, which learns of a reset only when its event is read.
 */
static int lib_sync(struct node *n)
{
	uint64_t end = now_ns() + 2000000000ull;
	uint32_t q;

	/* the GUID in the config ROM, as a look-up by GUID reads it */
	while (raw1394_read(lib_h, n->node_id, CSR_REGISTER_BASE + 0x40c, 4, &q)) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		lib_pump();
		usleep(100);
	}
	return 0;
}

/*
 * What MythTV does on a bus reset: take the new generation (libraw1394 bus
 * reset handler), then reconnect every connection with
 * iec61883_cmp_reconnect(), one after the other. MythTV also looks its
 * devices up again by GUID first; node IDs do not change on this bus, so we
 * replace it by one config ROM read per node (which also waits until
 * libraw1394 has read the reset event of the node's device file; requests
 * through it would go out in the old generation until then). The
 * reconnects run right
 * after the handler returns, not inside it: libraw1394's event loop would
 * otherwise read device files whose events the reconnects' own nested
 * event loops consumed, and block. A reconnect that fails all the same is
 * tried again after reading pending events.
 */
static bool verbose;
static unsigned int lib_retries;
static bool lib_reset_seen;

static int lib_reset_handler(raw1394handle_t h, unsigned int generation)
{
	raw1394_update_generation(h, generation);
	lib_reset_seen = true;
	return 0;
}

static void lib_reconnect_all(void)
{
	uint64_t end = now_ns() + 5000000000ull;
	int i;

	for (i = 0; i < lib_nconns; i++) {
		struct libconn *c = &lib_conns[i];
		int oplug = c->oplug;

		for (;;) {
			int bw = c->bw_asked;

			c->iplug = -1;
			c->result = iec61883_cmp_reconnect(lib_h, c->n->node_id,
							   &c->oplug, lib_local,
							   &c->iplug, &bw,
							   c->channel);
			if (verbose)
				fprintf(stderr, "reconnect %d: node 0x%04x plug %d channel %d -> %d\n",
					i, c->n->node_id, c->oplug, c->channel,
					c->result);
			if (c->result == c->channel || now_ns() > end)
				break;
			/* the broadcast fallback took a channel: give it back */
			if (c->result >= 0)
				raw1394_channel_modify(lib_h, c->result,
						       RAW1394_MODIFY_FREE);
			lib_retries++;
			c->oplug = oplug;
			lib_pump();
		}
	}
}

static int lib_wait_reset(void)
{
	struct pollfd pfd = { .fd = raw1394_get_fd(lib_h), .events = POLLIN };
	uint64_t end = now_ns() + EVENT_MS * 1000000ull;
	bool synced[NODES];
	int i;

	while (!lib_reset_seen) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, 100) > 0 && raw1394_loop_iterate(lib_h) < 0)
			return -EIO;
	}
	lib_reset_seen = false;
	for (i = 0; i < NODES; i++)
		synced[i] = false;
	for (i = 0; i < lib_nconns; i++)
		if (!synced[lib_conns[i].n->idx]) {
			synced[lib_conns[i].n->idx] = true;
			if (lib_sync(lib_conns[i].n))
				return -ETIMEDOUT;
		}
	lib_reconnect_all();
	return 0;
}

/* firewire-cmp must not touch the bus while libiec61883 is measured. */
static void ours_bind(bool bind)
{
	char path[128];
	int i;

	snprintf(path, sizeof(path), DRV "/%s", bind ? "bind" : "unbind");
	for (i = 0; i < NODES; i++)
		write_file(path, nodes[i].unit);
	if (bind)
		wait_fwcmp_all();
}

/* ---- 1. transactions per connect / disconnect ---- */

struct txrow {
	struct txc connect_cold, disconnect_cold, connect, disconnect;
};

static void txc_div(struct txc *t, int n)
{
	t->read /= n;
	t->lock /= n;
	t->write /= n;
	t->local /= n;
}

static void txc_add(struct txc *a, const struct txc *b)
{
	a->read += b->read;
	a->lock += b->lock;
	a->write += b->write;
	a->local += b->local;
}

#define WARM 10

static void bench_txns_ours(struct txrow *r)
{
	struct fwcmp_connect c;
	struct txc t;
	int i;

	memset(r, 0, sizeof(*r));
	fwsim_bus_reset(BUS);
	settle();
	for (i = 0; i <= WARM; i++) {
		txc_clear();
		if (ours_connect(&nodes[1], 0, 0, &c))
			die("ours: connect: %s", strerror(errno));
		t = txc_get();
		if (i)
			txc_add(&r->connect, &t);
		else
			r->connect_cold = t;
		txc_clear();
		if (ours_disconnect(&nodes[1], c.handle))
			die("ours: disconnect: %s", strerror(errno));
		t = txc_get();
		if (i)
			txc_add(&r->disconnect, &t);
		else
			r->disconnect_cold = t;
	}
	txc_div(&r->connect, WARM);
	txc_div(&r->disconnect, WARM);
	ours_close_all();
}

static void bench_txns_lib(struct txrow *r)
{
	struct libconn c;
	struct txc t;
	int i;

	memset(r, 0, sizeof(*r));
	fwsim_bus_reset(BUS);
	settle();
	lib_pump();
	if (lib_sync(&nodes[1]))
		die("libiec61883: node 1 unreachable");
	for (i = 0; i <= WARM; i++) {
		txc_clear();
		if (lib_connect(&c, &nodes[1], 0))
			die("libiec61883: connect failed");
		t = txc_get();
		if (i)
			txc_add(&r->connect, &t);
		else
			r->connect_cold = t;
		txc_clear();
		if (lib_disconnect(&c))
			die("libiec61883: disconnect failed");
		t = txc_get();
		if (i)
			txc_add(&r->disconnect, &t);
		else
			r->disconnect_cold = t;
	}
	txc_div(&r->connect, WARM);
	txc_div(&r->disconnect, WARM);
}

/* ---- 2. bus-reset recovery ---- */

struct restore {
	double us;		/* median, reset report to last PCR lock */
	double cmp_us;		/* median, first CMP request to last PCR lock */
	double min_us, max_us;	/* of cmp_us */
	unsigned int in_flight_max;
	int lost;		/* connections lost, over all repetitions */
	int ok;
};

static void ours_make(int n);

static int one_restore(int n, bool ours, double *us, double *cmp_us,
		       unsigned int *in_flight, int *lost)
{
	struct timing t;
	int i, ret;

	*lost = 0;
	if (ours)
		ours_drain();
	else
		lib_pump();
	lib_reset_seen = false;
	fwsim_bus_reset_nowait(BUS);
	ret = ours ? ours_wait_restored(n, lost) : lib_wait_reset();
	if (verbose)
		fprintf(stderr, "restore: waited: %d\n", ret);
	if (ret)
		return ret;
	if (!ours)
		for (i = 0; i < n; i++)
			if (lib_conns[i].result != lib_conns[i].channel)
				(*lost)++;
	/* the last lock is in by now: the events follow it */
	if (timing_get(&t))
		return -EPROTO;
	if (t.pcr_locks < (unsigned int)(n - *lost) ||
	    t.last_pcr_lock_ns < t.reset_ns || t.first_cmp_ns < t.reset_ns)
		return -EPROTO;
	*us = (t.last_pcr_lock_ns - t.reset_ns) / 1000.0;
	*cmp_us = (t.last_pcr_lock_ns - t.first_cmp_ns) / 1000.0;
	*in_flight = t.in_flight_max;
	if (verbose)
		fprintf(stderr, "restore: %u locks, settling\n", t.pcr_locks);
	settle();
	if (*lost && ours) {
		/* make the lost ones again, for the next repetition */
		ours_close_all();
		settle();
		ours_make(n);
	}
	return 0;
}

static void bench_restore(int n, bool ours, struct restore *r)
{
	double v[16] = { 0 }, w[16] = { 0 };
	unsigned int inf, inf_max = 0;
	int i, ret, lost;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < reps; i++) {
		ret = one_restore(n, ours, &v[i], &w[i], &inf, &lost);
		if (ret) {
			fprintf(stderr, "fwcmp-bench: %s restore of %d failed: %s\n",
				ours ? "firewire-cmp" : "libiec61883", n,
				strerror(-ret));
			return;
		}
		if (lost)
			fprintf(stderr, "fwcmp-bench: %s restore of %d: %d lost\n",
				ours ? "firewire-cmp" : "libiec61883", n, lost);
		r->lost += lost;
		if (inf > inf_max)
			inf_max = inf;
	}
	r->us = median(v, reps);
	r->cmp_us = median(w, reps);
	r->min_us = w[0];
	r->max_us = w[reps - 1];
	r->in_flight_max = inf_max;
	r->ok = 1;
}

static void ours_make(int n)
{
	struct fwcmp_connect c;
	int i;

	for (i = 0; i < n; i++)
		if (ours_connect(conn_node(i), conn_plug(i), 0, &c))
			die("ours: connection %d: %s", i, strerror(errno));
}

static void lib_make(int n)
{
	int i;

	lib_pump();
	for (i = 0; i < n; i++)
		if (lib_sync(conn_node(i)) ||
		    lib_connect(&lib_conns[i], conn_node(i), conn_plug(i)))
			die("libiec61883: connection %d failed", i);
	lib_nconns = n;
}

static void lib_break_all(void)
{
	int i;

	for (i = 0; i < lib_nconns; i++)
		lib_disconnect(&lib_conns[i]);
	lib_nconns = 0;
}

/* ---- 3. cycles per second ---- */

static double cycles_ours(void)
{
	double v[8];
	struct fwcmp_connect c;
	uint64_t start, end;
	int r, n;

	/* firewire-cmp lets nobody allocate in the second after a reset */
	sleep_ms(1100);
	for (r = 0; r < 3; r++) {
		start = now_ns();
		end = start + 1000000000ull;
		for (n = 0; now_ns() < end; n++) {
			if (ours_connect(&nodes[1], 0, 0, &c) ||
			    ours_disconnect(&nodes[1], c.handle))
				die("ours: cycle: %s", strerror(errno));
		}
		v[r] = n * 1e9 / (now_ns() - start);
	}
	ours_close_all();
	return median(v, 3);
}

static double cycles_lib(void)
{
	double v[8];
	struct libconn c;
	uint64_t start, end;
	int r, n;

	sleep_ms(1100);	/* as for firewire-cmp */
	for (r = 0; r < 3; r++) {
		start = now_ns();
		end = start + 1000000000ull;
		for (n = 0; now_ns() < end; n++) {
			if (lib_connect(&c, &nodes[1], 0) || lib_disconnect(&c))
				die("libiec61883: cycle failed");
		}
		v[r] = n * 1e9 / (now_ns() - start);
	}
	return median(v, 3);
}

/* ---- 4. memory ---- */

#define OVERLAYS 50

static double mem_per_conn_ours(int base, int *count)
{
	struct fwcmp_connect c;
	double before, after, v[3];
	int r, i, k, n;

	for (r = 0; r < 3; r++) {
		for (i = 0; i < base; i++)
			ours_open(conn_node(i));
		before = slab_bytes();
		n = 0;
		for (i = 0; i < base; i++) {
			if (ours_connect(conn_node(i), conn_plug(i), 0, &c))
				die("ours: memory connect: %s", strerror(errno));
			n++;
			for (k = 0; k < OVERLAYS; k++, n++)
				if (ours_connect(conn_node(i), conn_plug(i),
						 FWCMP_CONNECT_OVERLAY, &c))
					die("ours: overlay: %s", strerror(errno));
		}
		after = slab_bytes();
		ours_close_all();
		v[r] = (after - before) / n;
		*count = n;
	}
	settle();
	return median(v, 3);
}

static double mem_per_conn_lib(int n)
{
	double before, after, v[3];
	int r;

	for (r = 0; r < 3; r++) {
		before = slab_bytes();
		lib_make(n);
		after = slab_bytes();
		lib_break_all();
		v[r] = (after - before) / n;
	}
	return median(v, 3);
}

static double mem_per_unit(void)
{
	double a, b, v[5];
	int r;

	for (r = 0; r < 5; r++) {
		ours_bind(false);
		a = slab_bytes();
		ours_bind(true);
		b = slab_bytes();
		v[r] = (b - a) / NODES;
	}
	return median(v, 5);
}

/* Check that libraw1394 reaches the nodes (set-up problems). */
static int probe(void)
{
	uint32_t q;
	int i, ret;

	bus_setup();
	ours_bind(false);
	lib_open();
	printf("local 0x%04x generation %u nodes %d\n", lib_local,
	       raw1394_get_generation(lib_h), raw1394_get_nodecount(lib_h));
	for (i = 0; i < NODES; i++) {
		ret = raw1394_read(lib_h, nodes[i].node_id,
				   CSR_REGISTER_BASE + 0x900, 4, &q);
		printf("node %d id 0x%04x %s: read oMPR %d (%s) 0x%08x\n", i,
		       nodes[i].node_id, nodes[i].unit, ret,
		       ret ? strerror(errno) : "ok", ntohl(q));
	}
	{
		struct libconn c;

		alarm(60);
		set_stage("probe: reset");
		fwsim_bus_reset(BUS);
		settle();
		set_stage("probe: pump");
		lib_pump();
		printf("generation %u\n", raw1394_get_generation(lib_h));
		set_stage("probe: connect");
		ret = lib_connect(&c, &nodes[1], 0);
		printf("connect %d channel %d bw %d\n", ret, c.channel, c.bw);
		set_stage("probe: disconnect");
		ret = lib_disconnect(&c);
		printf("disconnect %d\n", ret);
	}
	{
		double us, cmp;
		unsigned int inf;
		int lost;

		verbose = true;
		raw1394_set_bus_reset_handler(lib_h, lib_reset_handler);
		set_stage("probe: make");
		lib_make(2);
		printf("made 2: ch %d %d\n", lib_conns[0].channel, lib_conns[1].channel);
		set_stage("probe: restore");
		ret = one_restore(2, false, &us, &cmp, &inf, &lost);
		printf("restore %d: %.0f us (CMP %.0f us), %d lost, retries %u\n",
		       ret, us, cmp, lost, lib_retries);
	}
	return 0;
}

/* ---- output ---- */

static void jprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(json, fmt, ap);
	va_end(ap);
}

static void json_txc(const char *name, const struct txc *t, bool comma)
{
	jprintf("\"%s\": {\"read\": %" PRIu64 ", \"lock\": %" PRIu64
		", \"write\": %" PRIu64 ", \"local\": %" PRIu64 "}%s",
		name, t->read, t->lock, t->write, t->local, comma ? ", " : "");
}

static void json_txrow(const char *name, const struct txrow *r)
{
	jprintf("  \"%s\": {", name);
	json_txc("connect_first", &r->connect_cold, true);
	json_txc("disconnect_first", &r->disconnect_cold, true);
	json_txc("connect", &r->connect, true);
	json_txc("disconnect", &r->disconnect, false);
	jprintf("},\n");
}

static double ratio(double ours, double lib)
{
	return lib > 0 ? ours / lib : 0;
}

static void row_txc(const char *what, const struct txc *o, const struct txc *l,
		    const char *min)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "%" PRIu64 "r %" PRIu64 "l", o->read, o->lock);
	snprintf(b, sizeof(b), "%" PRIu64 "r %" PRIu64 "l", l->read, l->lock);
	printf("%-46s %18s %18s %7.2f  %s\n", what, a, b,
	       ratio(o->read + o->lock + o->write, l->read + l->lock + l->write),
	       min);
}

int main(int argc, char **argv)
{
	struct txrow tx_ours, tx_lib;
	struct restore rs[NLATS][3][2];	/* latency, N, ours/lib */
	static const unsigned int lats[NLATS] = { 0, 100, 1000 };
	int ns[3] = { 1, 8, 0 };
	unsigned int bw0, ch0, bw1, ch1, conn_bw;
	struct fwcmp_connect c;
	double cps_ours, cps_lib, mem_conn, mem_conn_lib, mem_unit, rt[3][2];
	const char *bound;
	int full, memcount = 0, li, ni, k;
	uint64_t t0 = now_ns();

	if (argc > 1 && !strcmp(argv[1], "--quick"))
		reps = 3;
	signal(SIGALRM, watchdog);
	if (argc > 1 && !strcmp(argv[1], "--probe"))
		return probe();
	json = open_memstream(&json_buf, &json_len);
	setvbuf(stdout, NULL, _IOLBF, 0);

	set_stage("bus set-up");
	bus_setup();
	latency_set(0);

	/* Our overhead ID for this bus's gap count, so both compute the same. */
	if (ours_connect(&nodes[1], 0, 0, &c))
		die("ours: first connect: %s", strerror(errno));
	overhead_id = (c.pcr >> 10) & 0xf;
	conn_bw = c.bandwidth;
	ours_disconnect(&nodes[1], c.handle);
	ours_close_all();
	preset_plugs();

	/* The full bus: connect until the IRM says no. */
	irm_state(&bw0, &ch0);
	for (full = 0; full < MAX_CONNS; full++)
		if (ours_connect(conn_node(full), conn_plug(full), 0, &c))
			break;
	irm_state(&bw1, &ch1);
	bound = bw1 < conn_bw ? "bandwidth" : ch1 == 0 ? "channels" : "plugs";
	ours_close_all();
	settle();
	ns[2] = full;
	printf("bus: %d nodes (node 0 the IRM), %d oPCRs each; stream S400, %d quadlets, overhead ID %u: %u bandwidth units\n",
	       NODES, OPLUGS, PAYLOAD, overhead_id, conn_bw);
	printf("full bus: %d connections (%u of %u units, %u of %u channels left: %s bound)\n",
	       full, bw1, bw0, ch1, ch0, bound);

	/* 1. */
	set_stage("transactions, firewire-cmp");
	bench_txns_ours(&tx_ours);
	ours_bind(false);
	lib_open();
	set_stage("transactions, libiec61883");
	bench_txns_lib(&tx_lib);
	raw1394_set_bus_reset_handler(lib_h, lib_reset_handler);

	/* 2. libiec61883 first (firewire-cmp unbound), then ours */
	set_stage("restore, libiec61883");
	for (li = 0; li < NLATS; li++) {
		latency_set(lats[li]);
		for (ni = 0; ni < 3; ni++) {
			lib_make(ns[ni]);
			bench_restore(ns[ni], false, &rs[li][ni][1]);
			lib_break_all();
		}
	}
	latency_set(0);
	set_stage("cycles, libiec61883");
	cps_lib = cycles_lib();
	mem_conn_lib = mem_per_conn_lib(full);
	raw1394_destroy_handle(lib_h);
	ours_bind(true);
	settle();
	set_stage("restore, firewire-cmp");
	for (li = 0; li < NLATS; li++) {
		latency_set(lats[li]);
		for (ni = 0; ni < 3; ni++) {
			ours_make(ns[ni]);
			bench_restore(ns[ni], true, &rs[li][ni][0]);
			ours_close_all();
			settle();
		}
	}
	latency_set(0);

	/* 3. and 4. */
	set_stage("cycles and memory, firewire-cmp");
	cps_ours = cycles_ours();
	mem_conn = mem_per_conn_ours(full < 8 ? full : 8, &memcount);
	mem_unit = mem_per_unit();

	/* ---- table ---- */
	printf("\n%-46s %18s %18s %7s  %s\n", "measure", "firewire-cmp",
	       "libiec61883", "ratio", "minimum");
	row_txc("bus transactions per connect (first)", &tx_ours.connect_cold,
		&tx_lib.connect_cold, "0r 3l");
	row_txc("bus transactions per connect (repeat)", &tx_ours.connect,
		&tx_lib.connect, "0r 3l");
	row_txc("bus transactions per disconnect (first)",
		&tx_ours.disconnect_cold, &tx_lib.disconnect_cold, "0r 3l");
	row_txc("bus transactions per disconnect (repeat)", &tx_ours.disconnect,
		&tx_lib.disconnect, "0r 3l");
	for (li = 0; li < NLATS; li++)
		for (ni = 0; ni < 3; ni++) {
			char what[64], a[40], b[40], m[40] = "-";
			struct restore *o = &rs[li][ni][0], *l = &rs[li][ni][1];

			snprintf(what, sizeof(what), "restore N=%d%s, %u us/txn: CMP/total us",
				 ns[ni], ni == 2 ? " (full)" : "", lats[li]);
			snprintf(a, sizeof(a), o->ok ? "%.0f/%.0f%s" : "failed", o->cmp_us,
				 o->us, o->lost ? " LOST" : "");
			snprintf(b, sizeof(b), l->ok ? "%.0f/%.0f%s" : "failed", l->cmp_us,
				 l->us, l->lost ? " LOST" : "");
			if (lats[li])
				snprintf(m, sizeof(m), "%u (2 round trips)", 2 * lats[li]);
			printf("%-46s %18s %18s %7.2f  %s\n", what, a, b,
			       o->ok && l->ok ? ratio(o->cmp_us, l->cmp_us) : 0, m);
		}
	for (ni = 0; ni < 3; ni++) {
		char what[64];

		for (k = 0; k < 2; k++)
			rt[ni][k] = (rs[2][ni][k].min_us - rs[0][ni][k].min_us) /
				    (lats[2] - lats[0]);
		snprintf(what, sizeof(what), "critical-path round trips, N=%d%s", ns[ni],
			 ni == 2 ? " (full)" : "");
		printf("%-46s %18.1f %18.1f %7.2f  %s\n", what, rt[ni][0], rt[ni][1],
		       ratio(rt[ni][0], rt[ni][1]), "2");
	}
	printf("%-46s %18.0f %18.0f %7.2f  %s\n", "connect+disconnect cycles/s, 0 us/txn",
	       cps_ours, cps_lib, ratio(cps_ours, cps_lib), "-");
	printf("%-46s %18.0f %18.0f %7s  %s\n", "kernel slab bytes per connection",
	       mem_conn, mem_conn_lib, "-", "-");
	printf("%-46s %18.0f %18s %7s  %s\n", "kernel slab bytes per bound unit",
	       mem_unit, "-", "-", "-");
	printf("(r = reads, l = locks; restore: median of %d; CMP: first IRM/plug request after\n"
	       " the reset to the last PCR lock, total: reset to last PCR lock; ratio of CMP;\n"
	       " LOST: connections lost in some repetition, see stderr; round trips:\n"
	       " (fastest CMP at 1000 us - fastest CMP at 0 us) / 1000 us)\n", reps);

	/* ---- json ---- */
	jprintf("{\n  \"kernel_bus\": {\"nodes\": %d, \"oplugs_per_node\": %d, \"payload_quadlets\": %d, \"speed\": \"S400\", \"overhead_id\": %u, \"bandwidth_per_connection\": %u},\n",
		NODES, OPLUGS, PAYLOAD, overhead_id, conn_bw);
	jprintf("  \"full_bus\": {\"connections\": %d, \"bound_by\": \"%s\", \"bandwidth_left\": %u, \"channels_left\": %u},\n",
		full, bound, bw1, ch1);
	json_txrow("transactions_firewire_cmp", &tx_ours);
	json_txrow("transactions_libiec61883", &tx_lib);
	jprintf("  \"restore\": [\n");
	for (li = 0, k = 0; li < NLATS; li++)
		for (ni = 0; ni < 3; ni++, k++) {
			struct restore *o = &rs[li][ni][0], *l = &rs[li][ni][1];

			jprintf("    {\"latency_us\": %u, \"connections\": %d, \"full\": %s, "
				"\"firewire_cmp_total_us\": %.1f, \"firewire_cmp_cmp_us\": %.1f, \"firewire_cmp_cmp_min_us\": %.1f, \"firewire_cmp_cmp_max_us\": %.1f, \"firewire_cmp_in_flight_max\": %u, \"firewire_cmp_lost\": %d, \"firewire_cmp_ok\": %s, "
				"\"libiec61883_total_us\": %.1f, \"libiec61883_cmp_us\": %.1f, \"libiec61883_cmp_min_us\": %.1f, \"libiec61883_cmp_max_us\": %.1f, \"libiec61883_in_flight_max\": %u, \"libiec61883_lost\": %d, \"libiec61883_ok\": %s, "
				"\"ratio_cmp\": %.3f, \"ratio_total\": %.3f}%s\n",
				lats[li], ns[ni], ni == 2 ? "true" : "false",
				o->us, o->cmp_us, o->min_us, o->max_us, o->in_flight_max, o->lost, o->ok ? "true" : "false",
				l->us, l->cmp_us, l->min_us, l->max_us, l->in_flight_max, l->lost, l->ok ? "true" : "false",
				o->ok && l->ok ? ratio(o->cmp_us, l->cmp_us) : 0,
				o->ok && l->ok ? ratio(o->us, l->us) : 0,
				k == NLATS * 3 - 1 ? "" : ",");
		}
	jprintf("  ],\n  \"critical_path_round_trips\": [");
	for (ni = 0; ni < 3; ni++)
		jprintf("{\"connections\": %d, \"firewire_cmp\": %.2f, \"libiec61883\": %.2f, \"minimum\": 2}%s",
			ns[ni], rt[ni][0], rt[ni][1], ni == 2 ? "" : ", ");
	jprintf("],\n  \"restore_repetitions\": %d,\n  \"libiec61883_reconnect_retries\": %u,\n",
		reps, lib_retries);
	jprintf("  \"cycles_per_second\": {\"firewire_cmp\": %.1f, \"libiec61883\": %.1f, \"ratio\": %.3f},\n",
		cps_ours, cps_lib, ratio(cps_ours, cps_lib));
	jprintf("  \"memory\": {\"slab_bytes_per_connection_firewire_cmp\": %.1f, \"connections_measured\": %d, "
		"\"slab_bytes_per_connection_libiec61883\": %.1f, \"slab_bytes_per_bound_unit\": %.1f, \"units\": %d},\n",
		mem_conn, memcount, mem_conn_lib, mem_unit, NODES);
	jprintf("  \"seconds\": %.1f\n}\n", (now_ns() - t0) / 1e9);
	fclose(json);
	printf("--- json ---\n%s--- end json ---\n", json_buf);
	free(json_buf);

	fwsim_bus_del(BUS);
	return 0;
}
