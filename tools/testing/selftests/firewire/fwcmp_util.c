// SPDX-License-Identifier: GPL-2.0
/*
 * fwcmp_util.c - helpers shared by the firewire-cmp driver selftests: the bus
 * and connection model, device lookup, ioctl wrappers, events, ground-truth
 * snapshots and the invariant of reliability.md. See fwcmp_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "fwcmp_util.h"

void fwcmp_msleep(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long long fwcmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* ---- availability ---- */

int fwcmp_available(const char **why)
{
	struct stat st;

	if (fwsim_available()) {
		if (why)
			*why = "firewire-sim not available";
		return -ENODEV;
	}
	if (stat("/sys/module/firewire_cmp", &st)) {
		if (system("modprobe firewire-cmp >/dev/null 2>&1") != 0 ||
		    stat("/sys/module/firewire_cmp", &st)) {
			if (why)
				*why = "firewire-cmp not loaded";
			return -ENODEV;
		}
	}
	return 0;
}

/* ---- the bus ---- */

static int fwcmp_node_fill(struct fwcmp_bus *b, struct fwcmp_node *n, int idx)
{
	uint32_t ompr = 0, impr = 0;
	int rc;

	n->used = true;
	n->linked = true;
	n->idx = idx;
	rc = fwsim_node_guid(b->id, idx, &n->guid);
	if (rc)
		return rc;
	/* A node without plug registers has no "ompr"/"impr" to read. */
	if (fwsim_reg_read(b->id, idx, "ompr", &ompr))
		ompr = 0;
	if (fwsim_reg_read(b->id, idx, "impr", &impr))
		impr = 0;
	n->oplugs = FWCMP_MPR_PLUGS(ompr);
	n->iplugs = FWCMP_MPR_PLUGS(impr);
	return 0;
}

int fwcmp_bus_create(struct fwcmp_bus *b, unsigned int nodes)
{
	unsigned int i, try;
	int rc = -EEXIST;

	memset(b, 0, sizeof(*b));
	/*
	 * Ids unique per test process, so a bus some crashed test left behind
	 * does not collide with the next test's.
	 */
	for (try = 0; try < 16; try++) {
		b->id = 100 + (getpid() + try) % 800;
		rc = fwsim_bus_new(b->id, nodes);
		if (rc != -EEXIST && rc != -EBUSY)
			break;
	}
	if (rc)
		return rc;
	b->live = true;
	for (i = 0; i < nodes && i < FWCMP_MAX_NODES; i++) {
		rc = fwcmp_node_fill(b, &b->node[i], i);
		if (rc) {
			fwcmp_bus_destroy(b);
			return rc;
		}
	}
	return 0;
}

int fwcmp_bus_create_nodes(struct fwcmp_bus *b, unsigned int defaults,
			   const struct fwsim_node_cfg *extra,
			   unsigned int nextra)
{
	unsigned int i;
	int rc;

	rc = fwcmp_bus_create(b, defaults);
	if (rc)
		return rc;
	for (i = 0; i < nextra; i++) {
		rc = fwcmp_bus_add_node(b, &extra[i]);
		if (rc < 0) {
			fwcmp_bus_destroy(b);
			return rc;
		}
	}
	return 0;
}

int fwcmp_bus_add_node(struct fwcmp_bus *b, const struct fwsim_node_cfg *cfg)
{
	int slot, idx, rc;

	for (slot = 0; slot < FWCMP_MAX_NODES; slot++)
		if (!b->node[slot].used)
			break;
	if (slot == FWCMP_MAX_NODES)
		return -ENOSPC;
	idx = fwsim_node_add(b->id, cfg);
	if (idx < 0)
		return idx;
	rc = fwcmp_node_fill(b, &b->node[slot], idx);
	if (rc)
		return rc;
	/* The node's arrival was a bus reset. */
	fwcmp_model_reset(b);
	return slot;
}

int fwcmp_bus_destroy(struct fwcmp_bus *b)
{
	int rc;

	if (!b->live)
		return 0;
	rc = fwsim_bus_del(b->id);
	if (!rc)
		b->live = false;
	return rc;
}

int fwcmp_bus_slot(const struct fwcmp_bus *b, int idx)
{
	int i;

	for (i = 0; i < FWCMP_MAX_NODES; i++)
		if (b->node[i].used && b->node[i].idx == idx)
			return i;
	return -1;
}

/* ---- the model ---- */

struct fwcmp_conn *fwcmp_model_connect(struct fwcmp_bus *b, int node,
				       unsigned int flags,
				       const struct fwcmp_connect *c)
{
	unsigned int i;

	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		struct fwcmp_conn *m = &b->conn[i];

		if (m->live)
			continue;
		memset(m, 0, sizeof(*m));
		m->live = true;
		m->node = node;
		m->dir = c->direction;
		m->index = c->index;
		m->channel = c->channel;
		m->handle = c->handle;
		m->persistent = !!(flags & FWCMP_CONNECT_PERSISTENT);
		m->bcast = !!(flags & FWCMP_CONNECT_BROADCAST);
		/*
		 * A connection that joined an existing one took nothing at
		 * the IRM (bandwidth 0); the first one holds the channel and
		 * the bandwidth for the plug. Broadcast-in takes nothing.
		 */
		m->holds = fwcmp_model_p2p(b, node, c->direction, c->index) +
			   fwcmp_model_bcast(b, node, c->direction,
					     c->index) == 1 &&
			   !(m->bcast && c->direction == FWCMP_DIR_INPUT);
		m->bandwidth = c->bandwidth;
		return m;
	}
	return NULL;
}

struct fwcmp_conn *fwcmp_model_find_node(struct fwcmp_bus *b, int node,
					 unsigned int handle)
{
	unsigned int i;

	if (!handle)
		return NULL;
	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		if (b->conn[i].live && !b->conn[i].foreign &&
		    b->conn[i].handle == handle &&
		    (node == FWSIM_LOCAL || b->conn[i].node == node))
			return &b->conn[i];
	return NULL;
}

struct fwcmp_conn *fwcmp_model_find(struct fwcmp_bus *b, unsigned int handle)
{
	return fwcmp_model_find_node(b, FWSIM_LOCAL, handle);
}

int fwcmp_model_drop_handle_node(struct fwcmp_bus *b, int node,
				 unsigned int handle)
{
	struct fwcmp_conn *c = fwcmp_model_find_node(b, node, handle);

	if (!c)
		return -ENOENT;
	fwcmp_model_drop(b, c);
	return 0;
}

void fwcmp_model_drop(struct fwcmp_bus *b, struct fwcmp_conn *c)
{
	unsigned int i;

	if (!c || !c->live)
		return;
	c->live = false;
	if (!c->holds)
		return;
	/* The plug's resources stay with the connections left on it. */
	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		struct fwcmp_conn *o = &b->conn[i];

		if (o->live && o->node == c->node && o->dir == c->dir &&
		    o->index == c->index) {
			o->holds = true;
			o->bandwidth = c->bandwidth;
			break;
		}
	}
	c->holds = false;
}

int fwcmp_model_drop_handle(struct fwcmp_bus *b, unsigned int handle)
{
	struct fwcmp_conn *c = fwcmp_model_find(b, handle);

	if (!c)
		return -ENOENT;
	fwcmp_model_drop(b, c);
	return 0;
}

void fwcmp_model_drop_nonpersistent(struct fwcmp_bus *b)
{
	unsigned int i;

	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		if (b->conn[i].live && !b->conn[i].foreign &&
		    !b->conn[i].persistent)
			fwcmp_model_drop(b, &b->conn[i]);
}

void fwcmp_model_drop_all(struct fwcmp_bus *b)
{
	unsigned int i;

	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		b->conn[i].live = false;
	b->foreign_bandwidth = 0;
	b->foreign_channels = 0;
}

void fwcmp_model_reset(struct fwcmp_bus *b)
{
	unsigned int i;

	/* A device keeps broadcast connections over a reset (IEC 61883-1). */
	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		if (b->conn[i].live && b->conn[i].foreign && !b->conn[i].bcast)
			fwcmp_model_drop(b, &b->conn[i]);
	b->foreign_bandwidth = 0;
	b->foreign_channels = 0;
}

unsigned int fwcmp_model_p2p(const struct fwcmp_bus *b, int node,
			     unsigned int dir, unsigned int index)
{
	unsigned int i, n = 0;

	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		const struct fwcmp_conn *c = &b->conn[i];

		if (c->live && c->node == node && c->dir == dir &&
		    c->index == index && !c->bcast)
			n++;
	}
	return n;
}

unsigned int fwcmp_model_bcast(const struct fwcmp_bus *b, int node,
			       unsigned int dir, unsigned int index)
{
	unsigned int i, n = 0;

	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		const struct fwcmp_conn *c = &b->conn[i];

		if (c->live && c->node == node && c->dir == dir &&
		    c->index == index && c->bcast)
			n++;
	}
	return n;
}

unsigned int fwcmp_model_count(const struct fwcmp_bus *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		n += b->conn[i].live;
	return n;
}

/* ---- ground-truth registers ---- */

static void pcr_name(char *buf, size_t len, unsigned int dir,
		     unsigned int index)
{
	snprintf(buf, len, "%s%u", dir == FWCMP_DIR_OUTPUT ? "opcr" : "ipcr",
		 index);
}

int fwcmp_sim_pcr(struct fwcmp_bus *b, int node, unsigned int dir,
		  unsigned int index, uint32_t *val)
{
	char name[16];

	pcr_name(name, sizeof(name), dir, index);
	return fwsim_reg_read(b->id, node, name, val);
}

int fwcmp_sim_pcr_write(struct fwcmp_bus *b, int node, unsigned int dir,
			unsigned int index, uint32_t val)
{
	char name[16];

	pcr_name(name, sizeof(name), dir, index);
	return fwsim_reg_write(b->id, node, name, val);
}

static int irm_reg_node(struct fwcmp_bus *b, int *irm)
{
	return fwsim_irm_node(b->id, irm);
}

int fwcmp_foreign_irm_take(struct fwcmp_bus *b, uint64_t channels,
			   unsigned int bandwidth)
{
	uint32_t bw, hi, lo;
	int irm, rc, ch;

	rc = irm_reg_node(b, &irm);
	if (rc)
		return rc;
	rc = fwsim_reg_read(b->id, irm, "bandwidth_available", &bw);
	if (!rc)
		rc = fwsim_reg_read(b->id, irm, "channels_available_hi", &hi);
	if (!rc)
		rc = fwsim_reg_read(b->id, irm, "channels_available_lo", &lo);
	if (rc)
		return rc;
	if (bandwidth > bw)
		return -ENOSPC;
	for (ch = 0; ch < 64; ch++) {
		if (!(channels & (1ULL << ch)))
			continue;
		if (ch < 32) {
			if (!(hi & (1u << (31 - ch))))
				return -EBUSY;
			hi &= ~(1u << (31 - ch));
		} else {
			if (!(lo & (1u << (63 - ch))))
				return -EBUSY;
			lo &= ~(1u << (63 - ch));
		}
	}
	rc = fwsim_reg_write(b->id, irm, "bandwidth_available", bw - bandwidth);
	if (!rc)
		rc = fwsim_reg_write(b->id, irm, "channels_available_hi", hi);
	if (!rc)
		rc = fwsim_reg_write(b->id, irm, "channels_available_lo", lo);
	if (rc)
		return rc;
	b->foreign_bandwidth += bandwidth;
	b->foreign_channels |= channels;
	return 0;
}

int fwcmp_foreign_connect(struct fwcmp_bus *b, int node, unsigned int dir,
			  unsigned int index, unsigned int channel,
			  bool take_channel, unsigned int bandwidth)
{
	struct fwcmp_conn *m = NULL;
	uint32_t pcr;
	unsigned int i, p2p;
	int rc;

	rc = fwcmp_sim_pcr(b, node, dir, index, &pcr);
	if (rc)
		return rc;
	p2p = FWCMP_PCR_P2P(pcr);
	if (p2p == 0x3f)
		return -EOVERFLOW;
	if (p2p && FWCMP_PCR_CHANNEL(pcr) != channel)
		return -EBUSY;
	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		if (!b->conn[i].live) {
			m = &b->conn[i];
			break;
		}
	if (!m)
		return -ENOSPC;
	if (take_channel || bandwidth) {
		rc = fwcmp_foreign_irm_take(b, take_channel ?
					    1ULL << channel : 0, bandwidth);
		if (rc)
			return rc;
		/* Accounted on the connection, not as a loose foreign hold. */
		b->foreign_bandwidth -= bandwidth;
		if (take_channel)
			b->foreign_channels &= ~(1ULL << channel);
	}
	pcr &= ~(FWCMP_PCR_P2P_MASK | FWCMP_PCR_CHANNEL_MASK);
	pcr |= (p2p + 1) << FWCMP_PCR_P2P_SHIFT;
	pcr |= channel << FWCMP_PCR_CHANNEL_SHIFT;
	rc = fwcmp_sim_pcr_write(b, node, dir, index, pcr);
	if (rc)
		return rc;
	memset(m, 0, sizeof(*m));
	m->live = true;
	m->foreign = true;
	m->node = node;
	m->dir = dir;
	m->index = index;
	m->channel = channel;
	m->holds = take_channel || bandwidth;
	m->bandwidth = bandwidth;
	return 0;
}

int fwcmp_model_foreign(struct fwcmp_bus *b, int node, unsigned int dir,
			unsigned int index, unsigned int channel)
{
	unsigned int i;

	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		struct fwcmp_conn *m = &b->conn[i];

		if (m->live)
			continue;
		memset(m, 0, sizeof(*m));
		m->live = true;
		m->foreign = true;
		m->node = node;
		m->dir = dir;
		m->index = index;
		m->channel = channel;
		return 0;
	}
	return -ENOSPC;
}

int fwcmp_model_foreign_bcast(struct fwcmp_bus *b, int node, unsigned int dir,
			      unsigned int index, unsigned int channel)
{
	unsigned int i;

	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		struct fwcmp_conn *m = &b->conn[i];

		if (m->live)
			continue;
		memset(m, 0, sizeof(*m));
		m->live = true;
		m->foreign = true;
		m->bcast = true;
		m->node = node;
		m->dir = dir;
		m->index = index;
		m->channel = channel;
		return 0;
	}
	return -ENOSPC;
}

/* ---- devices ---- */

static int fwcmp_find_path(uint64_t guid, char *path, size_t len)
{
	glob_t g;
	size_t i;
	int found = -ENOENT;

	if (glob("/dev/fwcmp*", 0, NULL, &g))
		return -ENOENT;
	for (i = 0; i < g.gl_pathc; i++) {
		struct fwcmp_get_info info;
		int fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info.version = FWCMP_ABI_VERSION;
		if (!ioctl(fd, FWCMP_IOC_GET_INFO, &info) && info.guid == guid) {
			snprintf(path, len, "%s", g.gl_pathv[i]);
			found = 0;
		}
		close(fd);
		if (!found)
			break;
	}
	globfree(&g);
	return found;
}

int fwcmp_node_path(struct fwcmp_bus *b, int node, char *path, size_t len,
		    int timeout_ms)
{
	int slot = fwcmp_bus_slot(b, node);
	long long end = fwcmp_now_ms() + timeout_ms;
	int rc;

	if (slot < 0)
		return -EINVAL;
	for (;;) {
		rc = fwcmp_find_path(b->node[slot].guid, path, len);
		if (!rc || fwcmp_now_ms() >= end)
			return rc;
		fwcmp_msleep(20);
	}
}

int fwcmp_open_node(struct fwcmp_bus *b, int node, int flags, int timeout_ms)
{
	char path[64];
	int rc, fd;

	rc = fwcmp_node_path(b, node, path, sizeof(path), timeout_ms);
	if (rc)
		return rc;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int fwcmp_wait_node_gone(struct fwcmp_bus *b, int node, int timeout_ms)
{
	int slot = fwcmp_bus_slot(b, node);
	long long end = fwcmp_now_ms() + timeout_ms;
	char path[64];

	if (slot < 0)
		return -EINVAL;
	while (!fwcmp_find_path(b->node[slot].guid, path, sizeof(path))) {
		if (fwcmp_now_ms() >= end)
			return -ETIMEDOUT;
		fwcmp_msleep(20);
	}
	return 0;
}

/* ---- ioctls ---- */

int _test_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int _test_ioctl_get_info(int fd, struct fwcmp_get_info *info)
{
	struct fwcmp_get_info tmp;

	if (!info) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.version = FWCMP_ABI_VERSION;
		info = &tmp;
	}
	return _test_ioctl(fd, FWCMP_IOC_GET_INFO, info);
}

int _test_ioctl_get_plug(int fd, unsigned int dir, unsigned int index,
			 struct fwcmp_get_plug *out)
{
	struct fwcmp_get_plug p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.direction = dir;
	p.index = index;
	rc = _test_ioctl(fd, FWCMP_IOC_GET_PLUG, &p);
	if (out)
		*out = p;
	return rc;
}

int _test_ioctl_connect(int fd, unsigned int dir, unsigned int index,
			unsigned int flags, unsigned int channel,
			unsigned int speed, unsigned int payload,
			struct fwcmp_connect *out)
{
	struct fwcmp_connect c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.direction = dir;
	c.index = index;
	c.flags = flags;
	c.channel = channel;
	c.speed = speed;
	c.payload = payload;
	rc = _test_ioctl(fd, FWCMP_IOC_CONNECT, &c);
	if (out)
		*out = c;
	return rc;
}

int _test_ioctl_disconnect(int fd, unsigned int handle)
{
	struct fwcmp_disconnect d = { .handle = handle };

	return _test_ioctl(fd, FWCMP_IOC_DISCONNECT, &d);
}

int _test_ioctl_clear_plug(int fd, unsigned int dir, unsigned int index,
			   unsigned int bandwidth, struct fwcmp_clear_plug *out)
{
	struct fwcmp_clear_plug c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.direction = dir;
	c.index = index;
	c.bandwidth = bandwidth;
	rc = _test_ioctl(fd, FWCMP_IOC_CLEAR_PLUG, &c);
	if (out)
		*out = c;
	return rc;
}

/* ---- events ---- */

int fwcmp_read_event(int fd, struct fwcmp_event *ev, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	n = read(fd, ev, sizeof(*ev));
	if (n < 0)
		return -errno;
	if (n != sizeof(*ev))
		return -EPROTO;
	return 0;
}

int fwcmp_wait_event(int fd, unsigned int type, unsigned int handle,
		     struct fwcmp_event *ev, int timeout_ms)
{
	long long end = fwcmp_now_ms() + timeout_ms;
	struct fwcmp_event tmp;
	int rc;

	if (!ev)
		ev = &tmp;
	for (;;) {
		long long left = end - fwcmp_now_ms();

		if (left < 0)
			left = 0;
		rc = fwcmp_read_event(fd, ev, (int)left);
		if (rc)
			return rc;
		if (ev->type == type && (!handle || ev->handle == handle))
			return 0;
	}
}

int fwcmp_wait_events(int fd, unsigned int type, const unsigned int *handles,
		      unsigned int n, struct fwcmp_event *out, int timeout_ms)
{
	long long end = fwcmp_now_ms() + timeout_ms;
	unsigned int missing = n, i;
	bool seen[FWCMP_MAX_CONNS] = { false };
	struct fwcmp_event ev;
	int rc;

	if (n > FWCMP_MAX_CONNS)
		return -EINVAL;
	while (missing) {
		long long left = end - fwcmp_now_ms();

		rc = fwcmp_read_event(fd, &ev, left > 0 ? (int)left : 0);
		if (rc == -ETIMEDOUT)
			break;
		if (rc)
			return rc;
		if (ev.type != type)
			continue;
		for (i = 0; i < n; i++) {
			if (!seen[i] && handles[i] == ev.handle) {
				seen[i] = true;
				if (out)
					out[i] = ev;
				missing--;
				break;
			}
		}
	}
	return missing;
}

int fwcmp_wait_reset_event(int fd, unsigned int gen, struct fwcmp_event *ev,
			   int timeout_ms)
{
	long long end = fwcmp_now_ms() + timeout_ms;
	struct fwcmp_event tmp;
	int rc;

	if (!ev)
		ev = &tmp;
	do {
		long long left = end - fwcmp_now_ms();

		rc = fwcmp_wait_event(fd, FWCMP_EVENT_BUS_RESET, 0, ev,
				      left > 0 ? (int)left : 0);
		if (rc)
			return rc;
	} while (ev->generation != gen);
	return 0;
}

int fwcmp_drain_events(int fd)
{
	struct fwcmp_event ev;
	int n = 0;

	while (!fwcmp_read_event(fd, &ev, 0))
		n++;
	return n;
}

/* ---- snapshot and invariant ---- */

uint64_t fwcmp_channels_mask(uint32_t hi, uint32_t lo)
{
	uint64_t m = 0;
	int ch;

	for (ch = 0; ch < 32; ch++)
		if (hi & (1u << (31 - ch)))
			m |= 1ULL << ch;
	for (ch = 32; ch < 64; ch++)
		if (lo & (1u << (63 - ch)))
			m |= 1ULL << ch;
	return m;
}

static int read_irm(struct fwcmp_bus *b, int *irm, uint32_t *bw, uint32_t *hi,
		    uint32_t *lo, uint32_t *bm)
{
	int rc;

	rc = fwsim_irm_node(b->id, irm);
	if (rc)
		return rc;
	rc = fwsim_reg_read(b->id, *irm, "bandwidth_available", bw);
	if (!rc)
		rc = fwsim_reg_read(b->id, *irm, "channels_available_hi", hi);
	if (!rc)
		rc = fwsim_reg_read(b->id, *irm, "channels_available_lo", lo);
	if (!rc && bm && fwsim_reg_read(b->id, *irm, "bus_manager_id", bm))
		*bm = 0;
	return rc;
}

int fwcmp_snapshot(struct fwcmp_bus *b, struct fwcmp_snapshot *s)
{
	unsigned int i, p;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = fwsim_generation(b->id, &s->generation);
	if (rc)
		return rc;
	rc = read_irm(b, &s->irm, &s->bandwidth, &s->channels_hi,
		      &s->channels_lo, &s->bus_manager_id);
	if (rc)
		return rc;
	for (i = 0; i < FWCMP_MAX_NODES; i++) {
		struct fwcmp_node *n = &b->node[i];
		struct fwcmp_node_regs *r = &s->node[i];

		if (!n->used || !n->linked)
			continue;
		r->present = true;
		r->idx = n->idx;
		r->oplugs = n->oplugs;
		r->iplugs = n->iplugs;
		if (fwsim_reg_read(b->id, n->idx, "ompr", &r->ompr))
			r->ompr = 0;
		if (fwsim_reg_read(b->id, n->idx, "impr", &r->impr))
			r->impr = 0;
		for (p = 0; p < n->oplugs; p++) {
			rc = fwcmp_sim_pcr(b, n->idx, FWCMP_DIR_OUTPUT, p,
					   &r->opcr[p]);
			if (rc)
				return rc;
		}
		for (p = 0; p < n->iplugs; p++) {
			rc = fwcmp_sim_pcr(b, n->idx, FWCMP_DIR_INPUT, p,
					   &r->ipcr[p]);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static bool pcr_equal(uint32_t x, uint32_t y, bool idle_loose)
{
	const uint32_t use = FWCMP_PCR_P2P_MASK | FWCMP_PCR_BCAST_MASK;

	if (x == y)
		return true;
	if (!idle_loose || (x & use) || (y & use))
		return false;
	/* Both idle: only on-line and the reserved bits must match. */
	return (x & FWCMP_PCR_ONLINE_MASK) == (y & FWCMP_PCR_ONLINE_MASK);
}

static bool snapshot_cmp(const struct fwcmp_snapshot *a,
			 const struct fwcmp_snapshot *b, bool loose, char *why,
			 size_t len)
{
	unsigned int i, p;

	if (a->irm != b->irm) {
		why_set(why, len, "IRM node %d != %d", a->irm, b->irm);
		return false;
	}
	if (a->bandwidth != b->bandwidth) {
		why_set(why, len, "BANDWIDTH_AVAILABLE %u != %u", a->bandwidth,
			b->bandwidth);
		return false;
	}
	if (a->channels_hi != b->channels_hi ||
	    a->channels_lo != b->channels_lo) {
		why_set(why, len, "CHANNELS_AVAILABLE %08x:%08x != %08x:%08x",
			a->channels_hi, a->channels_lo, b->channels_hi,
			b->channels_lo);
		return false;
	}
	for (i = 0; i < FWCMP_MAX_NODES; i++) {
		const struct fwcmp_node_regs *x = &a->node[i], *y = &b->node[i];

		if (x->present != y->present) {
			why_set(why, len, "node slot %u present %d != %d", i,
				x->present, y->present);
			return false;
		}
		if (!x->present)
			continue;
		if (x->ompr != y->ompr || x->impr != y->impr) {
			why_set(why, len, "node %d MPR %08x/%08x != %08x/%08x",
				x->idx, x->ompr, x->impr, y->ompr, y->impr);
			return false;
		}
		for (p = 0; p < x->oplugs; p++)
			if (!pcr_equal(x->opcr[p], y->opcr[p], loose)) {
				why_set(why, len, "node %d oPCR%u %08x != %08x",
					x->idx, p, x->opcr[p], y->opcr[p]);
				return false;
			}
		for (p = 0; p < x->iplugs; p++)
			if (!pcr_equal(x->ipcr[p], y->ipcr[p], loose)) {
				why_set(why, len, "node %d iPCR%u %08x != %08x",
					x->idx, p, x->ipcr[p], y->ipcr[p]);
				return false;
			}
	}
	return true;
}

bool fwcmp_snapshot_equal(const struct fwcmp_snapshot *a,
			  const struct fwcmp_snapshot *b, char *why, size_t len)
{
	return snapshot_cmp(a, b, false, why, len);
}

bool fwcmp_snapshot_equal_idle(const struct fwcmp_snapshot *a,
			       const struct fwcmp_snapshot *b, char *why,
			       size_t len)
{
	return snapshot_cmp(a, b, true, why, len);
}

static int check_plug(struct fwcmp_bus *b, struct fwcmp_node *n,
		      unsigned int dir, unsigned int index, char *why,
		      size_t len)
{
	unsigned int want = fwcmp_model_p2p(b, n->idx, dir, index), i, bcast;
	uint32_t pcr;
	int rc;

	rc = fwcmp_sim_pcr(b, n->idx, dir, index, &pcr);
	if (rc) {
		why_set(why, len, "fwsim read of node %d %cPCR%u: %s", n->idx,
			dir ? 'i' : 'o', index, strerror(-rc));
		return rc;
	}
	if (FWCMP_PCR_P2P(pcr) != want) {
		why_set(why, len,
			"node %d %cPCR%u = %08x: p2p %u, expected %u live connections",
			n->idx, dir ? 'i' : 'o', index, pcr, FWCMP_PCR_P2P(pcr),
			want);
		return -EPROTO;
	}
	bcast = fwcmp_model_bcast(b, n->idx, dir, index);
	if (FWCMP_PCR_BCAST(pcr) != !!bcast) {
		why_set(why, len,
			"node %d %cPCR%u = %08x: broadcast %u, expected %u",
			n->idx, dir ? 'i' : 'o', index, pcr,
			FWCMP_PCR_BCAST(pcr), !!bcast);
		return -EPROTO;
	}
	if (!want && !bcast)
		return 0;
	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		struct fwcmp_conn *c = &b->conn[i];

		if (c->live && c->node == n->idx && c->dir == dir &&
		    c->index == index && FWCMP_PCR_CHANNEL(pcr) != c->channel) {
			why_set(why, len,
				"node %d %cPCR%u = %08x: channel %u, expected %u",
				n->idx, dir ? 'i' : 'o', index, pcr,
				FWCMP_PCR_CHANNEL(pcr), c->channel);
			return -EPROTO;
		}
	}
	return 0;
}

int fwcmp_invariant(struct fwcmp_bus *b, char *why, size_t len)
{
	uint32_t bw, hi, lo, want_bw = FWSIM_BANDWIDTH_INITIAL;
	uint64_t held = b->foreign_channels, want_free;
	unsigned int i, p;
	int irm, rc;

	for (i = 0; i < FWCMP_MAX_NODES; i++) {
		struct fwcmp_node *n = &b->node[i];

		if (!n->used || !n->linked)
			continue;
		for (p = 0; p < n->oplugs; p++) {
			rc = check_plug(b, n, FWCMP_DIR_OUTPUT, p, why, len);
			if (rc)
				return rc;
		}
		for (p = 0; p < n->iplugs; p++) {
			rc = check_plug(b, n, FWCMP_DIR_INPUT, p, why, len);
			if (rc)
				return rc;
		}
	}

	rc = read_irm(b, &irm, &bw, &hi, &lo, NULL);
	if (rc) {
		why_set(why, len, "fwsim IRM read: %s", strerror(-rc));
		return rc;
	}
	want_bw -= b->foreign_bandwidth;
	for (i = 0; i < FWCMP_MAX_CONNS; i++) {
		struct fwcmp_conn *c = &b->conn[i];

		if (!c->live || !c->holds)
			continue;
		want_bw -= c->bandwidth;
		held |= 1ULL << c->channel;
	}
	if (irm == FWSIM_LOCAL)
		held |= 1ULL << FWCMP_BROADCAST_CHANNEL;
	want_free = ~held;
	if (bw != want_bw) {
		why_set(why, len,
			"IRM (node %d) BANDWIDTH_AVAILABLE %u, expected %u (%u connections live)",
			irm, bw, want_bw, fwcmp_model_count(b));
		return -EPROTO;
	}
	if (fwcmp_channels_mask(hi, lo) != want_free) {
		why_set(why, len,
			"IRM (node %d) free channels %016" PRIx64 ", expected %016" PRIx64
			" (bit n = channel n)", irm,
			fwcmp_channels_mask(hi, lo), want_free);
		return -EPROTO;
	}
	return 0;
}

int fwcmp_wait_invariant(struct fwcmp_bus *b, int timeout_ms, char *why,
			 size_t len)
{
	long long end = fwcmp_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		rc = fwcmp_invariant(b, why, len);
		if (rc != -EPROTO || fwcmp_now_ms() >= end)
			return rc;
		fwcmp_msleep(50);
	}
}

/* ---- capabilities ---- */

int fwcmp_drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}
