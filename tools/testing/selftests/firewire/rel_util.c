// SPDX-License-Identifier: GPL-2.0
/*
 * rel_util.c - helpers of the reliability and security selftests; see
 * rel_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rel_util.h"

/* ---- 1. seeds, PRNG, run length ---- */

uint64_t rel_seed(void)
{
	static bool done;
	static uint64_t seed;
	const char *env = getenv("FWCMP_SEED");
	struct timespec ts;

	if (done)
		return seed;
	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^
		       ((uint64_t)getpid() << 32);
	}
	done = true;
	printf("# seed %" PRIu64 " (replay: FWCMP_SEED=%" PRIu64 ")\n", seed,
	       seed);
	fflush(stdout);
	return seed;
}

void rel_rng_init(struct rel_rng *r, uint64_t seed)
{
	/* splitmix64 of the seed: a zero state would stay zero. */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	r->s = (z ^ (z >> 31)) | 1;
}

uint64_t rel_rand64(struct rel_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

uint32_t rel_rand32(struct rel_rng *r)
{
	return rel_rand64(r) >> 32;
}

uint32_t rel_below(struct rel_rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rel_rand32(r) * n) >> 32);
}

bool rel_chance(struct rel_rng *r, unsigned int pct)
{
	return rel_below(r, 100) < pct;
}

uint32_t rel_boundary32(struct rel_rng *r)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 30, 31, 32, 62, 63, 64, 65, 122, 255,
		256, 511, 512, 1023, 1024, 1025, 2048, 4096, 4915, 4916,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};

	if (rel_chance(r, 20))
		return rel_rand32(r);
	return v[rel_below(r, sizeof(v) / sizeof(v[0]))];
}

bool rel_long(void)
{
	const char *env = getenv("FWCMP_LONG");

	return env && atoi(env) > 0;
}

unsigned long rel_count(unsigned long normal, unsigned long long_count)
{
	return rel_long() ? long_count : normal;
}

long long rel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- 2. documented errnos ---- */

/*
 * The "Return value" sections of Documentation/userspace-api/firewire-cmp/
 * fwcmp-*.rst, one list per ioctl.
 */
static const int rel_err_get_info[] = {
	EINVAL, ENODEV, EFAULT, ENOTTY, 0
};
static const int rel_err_get_plug[] = {
	EINVAL, ENODEV, EAGAIN, ETIMEDOUT, EIO, EFAULT, ENOTTY, 0
};
static const int rel_err_connect[] = {
	EINVAL, EBUSY, ENOSPC, ECONNREFUSED, EBADF, ENODEV, EAGAIN, ETIMEDOUT,
	EIO, EINTR, ENOMEM, EFAULT, ENOTTY, 0
};
static const int rel_err_disconnect[] = {
	EINVAL, EBADF, ENODEV, EAGAIN, ETIMEDOUT, EIO, EFAULT, ENOTTY, 0
};
static const int rel_err_clear_plug[] = {
	EPERM, EBADF, EINVAL, ENODEV, EAGAIN, ETIMEDOUT, EIO, EFAULT, ENOTTY, 0
};
static const int rel_err_other[] = { ENOTTY, 0 };

bool rel_errno_documented(unsigned long cmd, int err, bool removed)
{
	const int *list;

	if (removed && err == ENODEV)
		return true;
	switch (cmd) {
	case FWCMP_IOC_GET_INFO:
		list = rel_err_get_info;
		break;
	case FWCMP_IOC_GET_PLUG:
		list = rel_err_get_plug;
		break;
	case FWCMP_IOC_CONNECT:
		list = rel_err_connect;
		break;
	case FWCMP_IOC_DISCONNECT:
		list = rel_err_disconnect;
		break;
	case FWCMP_IOC_CLEAR_PLUG:
		list = rel_err_clear_plug;
		break;
	default:
		list = rel_err_other;
		break;
	}
	for (; *list; list++)
		if (*list == err)
			return true;
	return false;
}

const char *rel_cmd_name(unsigned long cmd)
{
	static char buf[32];

	switch (cmd) {
	case FWCMP_IOC_GET_INFO:
		return "GET_INFO";
	case FWCMP_IOC_GET_PLUG:
		return "GET_PLUG";
	case FWCMP_IOC_CONNECT:
		return "CONNECT";
	case FWCMP_IOC_DISCONNECT:
		return "DISCONNECT";
	case FWCMP_IOC_CLEAR_PLUG:
		return "CLEAR_PLUG";
	}
	snprintf(buf, sizeof(buf), "ioctl 0x%08lx", cmd);
	return buf;
}

/* ---- 3. the idle invariant ---- */

int rel_idle_check(struct fwcmp_bus *b, char *why, size_t len,
		   unsigned int *stale_p2p, unsigned int *leaked_bw,
		   unsigned int *leaked_ch)
{
	unsigned int i, p, dir, p2p_sum = 0, ch_count = 0;
	uint32_t bw, hi, lo, pcr;
	uint64_t free_mask, want_free = ~0ULL;
	int irm, rc, ret = 0;

	if (why && len)
		why[0] = '\0';
	for (i = 0; i < FWCMP_MAX_NODES; i++) {
		struct fwcmp_node *n = &b->node[i];

		if (!n->used || !n->linked)
			continue;
		for (dir = 0; dir < 2; dir++) {
			unsigned int count = dir ? n->iplugs : n->oplugs;

			for (p = 0; p < count; p++) {
				rc = fwcmp_sim_pcr(b, n->idx, dir, p, &pcr);
				if (rc)
					return rc;
				if (!FWCMP_PCR_P2P(pcr))
					continue;
				p2p_sum += FWCMP_PCR_P2P(pcr);
				if (!ret && why)
					snprintf(why, len,
						 "node %d %cPCR%u = %08x: p2p %u on an idle bus",
						 n->idx, dir ? 'i' : 'o', p,
						 pcr, FWCMP_PCR_P2P(pcr));
				ret = -EPROTO;
			}
		}
	}
	rc = fwsim_irm_node(b->id, &irm);
	if (!rc)
		rc = fwsim_reg_read(b->id, irm, "bandwidth_available", &bw);
	if (!rc)
		rc = fwsim_reg_read(b->id, irm, "channels_available_hi", &hi);
	if (!rc)
		rc = fwsim_reg_read(b->id, irm, "channels_available_lo", &lo);
	if (rc)
		return rc;
	if (irm == FWSIM_LOCAL)
		want_free &= ~(1ULL << FWCMP_BROADCAST_CHANNEL);
	free_mask = fwcmp_channels_mask(hi, lo);
	ch_count = __builtin_popcountll(want_free & ~free_mask);
	if (bw != FWSIM_BANDWIDTH_INITIAL || free_mask != want_free) {
		if (!ret && why)
			snprintf(why, len,
				 "IRM (node %d): %u bandwidth units free of %u, free channels %016" PRIx64 " expected %016" PRIx64,
				 irm, bw, FWSIM_BANDWIDTH_INITIAL, free_mask,
				 want_free);
		ret = -EPROTO;
	}
	if (stale_p2p)
		*stale_p2p = p2p_sum;
	if (leaked_bw)
		*leaked_bw = bw < FWSIM_BANDWIDTH_INITIAL ?
			     FWSIM_BANDWIDTH_INITIAL - bw : 0;
	if (leaked_ch)
		*leaked_ch = ch_count;
	return ret;
}

int rel_bus_counter(unsigned int bus, const char *name, uint64_t *val)
{
	char path[128], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/firewire-sim/fwsim%u/counters", bus);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t l = strlen(name);

		if (!strncmp(p, name, l) && p[l] == ' ') {
			*val = strtoull(p + l + 1, NULL, 0);
			return 0;
		}
	}
	return -ENOENT;
}

uint64_t rel_node_faults(unsigned int bus, int node)
{
	static const char * const types[] = {
		"read_quadlet", "read_block", "write_quadlet", "write_block",
		"lock",
	};
	static const char * const outcomes[] = {
		"busy", "type_error", "address_error", "timeout",
		"lost_response",
	};
	uint64_t sum = 0, v;
	char name[64];
	unsigned int t, o;

	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
			snprintf(name, sizeof(name), "%s.%s", types[t],
				 outcomes[o]);
			if (!fwsim_stat(bus, node, name, &v))
				sum += v;
		}
	return sum;
}

/* ---- 4. modules ---- */

int rel_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

bool rel_module_loaded(const char *name)
{
	char path[128], *q;
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	for (q = path + strlen("/sys/module/"); *q; q++)
		if (*q == '-')
			*q = '_';
	return !stat(path, &st);
}

int rel_module_load(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "modprobe %s >/dev/null 2>&1", name);
	if (system(cmd) != 0)
		return -ENOENT;
	return rel_module_loaded(name) ? 0 : -ENOENT;
}

/* ---- 5. fault injection ---- */

#define REL_DEBUGFS "/sys/kernel/debug"

bool rel_have_failslab(void)
{
	struct stat st;

	return !stat(REL_DEBUGFS "/failslab", &st);
}

static int rel_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -EIO;
	close(fd);
	return ret;
}

int rel_fault_setup(void)
{
	int rc;

	rc = rel_write_file(REL_DEBUGFS "/failslab/ignore-gfp-wait", "N");
	if (rc)
		return rc;
	rel_write_file(REL_DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N");
	rel_write_file(REL_DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N");
	/* Expected failures are not news: keep the console for splats. */
	rel_write_file(REL_DEBUGFS "/failslab/verbose", "0");
	rel_write_file(REL_DEBUGFS "/fail_page_alloc/verbose", "0");
	return 0;
}

int rel_fail_nth_open(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int rel_fail_nth_set(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

int rel_fail_nth_end(int fd)
{
	char buf[32] = "";
	ssize_t n;
	int left;

	/* The read itself may hit the armed point: count that as fired. */
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		left = errno == EFAULT || errno == ENOMEM ? 0 : -errno;
	else
		left = atoi(buf);
	/* Disarming may fail the same way once; try again. */
	if (pwrite(fd, "0", 1, 0) != 1 && pwrite(fd, "0", 1, 0) != 1)
		return -errno;
	return left;
}
