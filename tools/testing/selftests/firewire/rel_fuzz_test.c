// SPDX-License-Identifier: GPL-2.0
/*
 * rel_fuzz_test.c - seeded ioctl fuzzer of /dev/fwcmpN.
 *
 * Random ioctl numbers, sizes and directions; random and boundary values in
 * every field, reserved fields and unknown flag bits set; bad pointers (NULL,
 * a kernel address, an unmapped page, a buffer straddling into an unmapped
 * page, a read-only page); handles of other descriptors and of the other
 * unit; read-only descriptors; read() with odd sizes; then the same calls
 * after the unit was unplugged. Every refused call must come back with an
 * errno documented for that ioctl (Documentation/userspace-api/firewire-cmp/),
 * and every 1000 calls the connections made are broken again and the bus
 * must be idle: no p2p counter, no channel, no bandwidth unit left.
 *
 * The seed is printed; FWCMP_SEED=N replays a run. 20,000 calls by default,
 * 1,000,000 with FWCMP_LONG=1 (vmtest.sh --long).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rel_util.h"

#define FUZZ_CALLS		20000UL
#define FUZZ_CALLS_LONG		1000000UL
#define FUZZ_AFTER_UNPLUG	2000UL
#define FUZZ_QUIESCE_EVERY	1000UL
#define FUZZ_POOL		64
#define FUZZ_FDS		5
#define FUZZ_MAX_FAILS		10
/* Wall-clock caps: a slow kernel stops early (and says so), never hangs. */
#define FUZZ_TIME_MS		150000LL
#define FUZZ_TIME_MS_LONG	3600000LL

/* Node 1: 3 oPCRs, 3 iPCRs; node 0 (IRM) keeps its default 1 + 1. */
static const struct fwsim_node_cfg fuzz_nodes[] = {
	{ .oplugs = 3, .iplugs = 3 },
};

/* An issued handle: who made it, where. */
struct fuzz_handle {
	unsigned int handle;
	int fdi;		/* descriptor that made it */
	int slot;		/* node slot */
	bool persistent;
};

struct fuzz_fd {
	int fd;
	int slot;
	bool writable;
};

/* Pointer kinds. */
enum { P_VALID, P_NULL, P_KERNEL, P_UNMAPPED, P_STRADDLE, P_RDONLY, P_WILD,
       P_KINDS };

#define FUZZ_TRAIL	48

struct fuzz {
	struct rel_rng rng;
	struct fuzz_fd f[FUZZ_FDS];
	struct fuzz_handle pool[FUZZ_POOL];
	unsigned int npool;
	unsigned char *pages;	/* RW | PROT_NONE | RO */
	long page;
	/* figures */
	unsigned long calls, ok, refused, undocumented, reads, badptr;
	unsigned long per_errno[256];
	unsigned long connects, quiesces;
	/* The last calls that changed something, shown when a check fails. */
	char trail[FUZZ_TRAIL][96];
	unsigned int ntrail;
	bool trail_shown;
	int nfail;
	char fail[FUZZ_MAX_FAILS][200];
};

FIXTURE(fuzz) {
	struct fwcmp_bus bus;
};

FIXTURE_SETUP(fuzz)
{
	fwcmp_setup_bus(&self->bus, 1, fuzz_nodes, 1);
}

FIXTURE_TEARDOWN_PARENT(fuzz)
{
	fwcmp_teardown_bus(&self->bus);
}

static void fuzz_fail(struct fuzz *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fuzz_fail(struct fuzz *z, const char *fmt, ...)
{
	va_list ap;

	if (z->nfail < FUZZ_MAX_FAILS) {
		va_start(ap, fmt);
		vsnprintf(z->fail[z->nfail], sizeof(z->fail[0]), fmt, ap);
		va_end(ap);
	}
	z->nfail++;
}

static unsigned int plug_count(struct fwcmp_bus *b, int slot, unsigned int dir)
{
	return dir ? b->node[slot].iplugs : b->node[slot].oplugs;
}

/* Command types firewire-cmp never sees: the VFS answers them itself
 * (FIOCLEX, FIONBIO, FIFREEZE, FS_IOC_*, FICLONE, FIGETBSZ, ...). */
static bool vfs_type(unsigned int type)
{
	return type == 0x00 || type == 'T' || type == 'X' || type == 'f' ||
	       type == 0x94 || type == 0x15;
}

static const unsigned long valid_cmds[] = {
	FWCMP_IOC_GET_INFO, FWCMP_IOC_GET_PLUG, FWCMP_IOC_CONNECT,
	FWCMP_IOC_DISCONNECT, FWCMP_IOC_CLEAR_PLUG,
};

static unsigned long pick_cmd(struct fuzz *z)
{
	unsigned int r = rel_below(&z->rng, 100), type, nr, size, dir;
	unsigned long cmd;

	if (r < 10)
		return FWCMP_IOC_GET_INFO;
	if (r < 28)
		return FWCMP_IOC_GET_PLUG;
	if (r < 58)
		return FWCMP_IOC_CONNECT;
	if (r < 78)
		return FWCMP_IOC_DISCONNECT;
	if (r < 84)
		return FWCMP_IOC_CLEAR_PLUG;
	if (r < 92) {
		/* A known number with another size or direction. */
		cmd = valid_cmds[rel_below(&z->rng, 5)];
		nr = _IOC_NR(cmd);
		size = _IOC_SIZE(cmd);
		dir = _IOC_DIR(cmd);
		if (rel_chance(&z->rng, 50))
			size = rel_chance(&z->rng, 50) ?
			       size + 1 + rel_below(&z->rng, 64) :
			       rel_below(&z->rng, size);
		else
			dir = (dir + 1 + rel_below(&z->rng, 3)) & 3;
		return _IOC(dir, 'J', nr, size);
	}
	/* Anything: our type with any number, or another type. */
	do {
		type = r < 96 ? 'J' : rel_below(&z->rng, 256);
	} while (vfs_type(type));
	nr = rel_chance(&z->rng, 50) ? rel_below(&z->rng, 8) :
	     rel_below(&z->rng, 256);
	size = rel_chance(&z->rng, 70) ? rel_below(&z->rng, 128) :
	       rel_below(&z->rng, 1 << 14);
	return _IOC(rel_below(&z->rng, 4), type, nr, size);
}

static uint32_t fld(struct fuzz *z, unsigned int pct_valid, uint32_t valid)
{
	return rel_chance(&z->rng, pct_valid) ? valid : rel_boundary32(&z->rng);
}

static void fill_reserved(struct fuzz *z, __u32 *res, unsigned int n)
{
	memset(res, 0, n * sizeof(*res));
	if (rel_chance(&z->rng, 6))
		res[rel_below(&z->rng, n)] = rel_boundary32(&z->rng) | 1;
}

static unsigned int pick_handle(struct fuzz *z)
{
	unsigned int r = rel_below(&z->rng, 100);

	if (r < 65 && z->npool)
		return z->pool[rel_below(&z->rng, z->npool)].handle;
	if (r < 75)
		return 0;
	if (r < 88)
		return 1 + rel_below(&z->rng, 200);
	return rel_boundary32(&z->rng);
}

/* Arguments for @cmd: mostly sensible, often not. */
static void fill_arg(struct fuzz *z, struct fwcmp_bus *b, int slot,
		     unsigned long cmd, unsigned char *arg, size_t len)
{
	unsigned int dir = rel_chance(&z->rng, 90) ? rel_below(&z->rng, 2) :
			   rel_boundary32(&z->rng);
	unsigned int count = dir < 2 ? plug_count(b, slot, dir) : 1;
	unsigned int index = rel_chance(&z->rng, 85) && count ?
			     rel_below(&z->rng, count) : rel_boundary32(&z->rng);
	unsigned int speed = rel_below(&z->rng, 3);

	memset(arg, 0, len);
	switch (cmd) {
	case FWCMP_IOC_GET_INFO: {
		struct fwcmp_get_info *a = (void *)arg;

		a->version = fld(z, 80, 1 + rel_below(&z->rng, 2));
		if (rel_chance(&z->rng, 5))
			a->flags = rel_boundary32(&z->rng);
		fill_reserved(z, a->reserved, 8);
		break;
	}
	case FWCMP_IOC_GET_PLUG: {
		struct fwcmp_get_plug *a = (void *)arg;

		a->direction = dir;
		a->index = index;
		a->flags = fld(z, 92, 0);
		fill_reserved(z, a->reserved, 4);
		break;
	}
	case FWCMP_IOC_CONNECT: {
		struct fwcmp_connect *a = (void *)arg;

		a->direction = dir;
		a->index = index;
		a->flags = fld(z, 90, rel_below(&z->rng, 4) &
			       (rel_chance(&z->rng, 70) ? FWCMP_CONNECT_OVERLAY :
				~0u));
		a->channel = rel_chance(&z->rng, 55) ? FWCMP_ANY_CHANNEL :
			     fld(z, 85, rel_below(&z->rng, 64));
		a->speed = fld(z, 90, speed);
		a->payload = fld(z, 90, 1 + rel_below(&z->rng, 64 << speed));
		if (rel_chance(&z->rng, 5))
			a->handle = rel_boundary32(&z->rng);
		fill_reserved(z, a->reserved,
			      sizeof(a->reserved) / sizeof(a->reserved[0]));
		break;
	}
	case FWCMP_IOC_DISCONNECT: {
		struct fwcmp_disconnect *a = (void *)arg;

		a->handle = pick_handle(z);
		a->reserved = fld(z, 94, 0);
		break;
	}
	case FWCMP_IOC_CLEAR_PLUG: {
		struct fwcmp_clear_plug *a = (void *)arg;

		a->direction = dir;
		a->index = index;
		a->flags = fld(z, 92, 0);
		a->bandwidth = dir == FWCMP_DIR_INPUT && rel_chance(&z->rng, 30) ?
			       rel_boundary32(&z->rng) : fld(z, 90, 0);
		fill_reserved(z, a->reserved, 2);
		break;
	}
	default: {
		size_t i;

		for (i = 0; i < len; i++)
			arg[i] = rel_chance(&z->rng, 50) ? 0 : rel_rand32(&z->rng);
		break;
	}
	}
}

static void pool_add(struct fuzz *z, unsigned int handle, int fdi, int slot,
		     bool persistent)
{
	if (z->npool == FUZZ_POOL)
		return;
	z->pool[z->npool++] = (struct fuzz_handle){ handle, fdi, slot,
						    persistent };
}

static void pool_del(struct fuzz *z, int slot, unsigned int handle)
{
	unsigned int i;

	for (i = 0; i < z->npool; i++)
		if (z->pool[i].slot == slot && z->pool[i].handle == handle) {
			z->pool[i] = z->pool[--z->npool];
			return;
		}
}

/* Where the argument goes. The returned pointer is the ioctl's argument. */
static void *place_arg(struct fuzz *z, int kind, const unsigned char *arg,
		       size_t len, size_t *copied)
{
	unsigned char *rw = z->pages, *ro = z->pages + 2 * z->page;
	size_t cut;

	*copied = 0;
	switch (kind) {
	case P_NULL:
		return NULL;
	case P_KERNEL:
		return (void *)(rel_chance(&z->rng, 50) ? 0xffffffff81000000UL :
				0xffff888000000000UL +
				((unsigned long)rel_rand32(&z->rng) << 12));
	case P_UNMAPPED:
		return rw + z->page + rel_below(&z->rng, z->page);
	case P_STRADDLE:
		/* The first bytes mapped, the rest in the PROT_NONE page. */
		cut = len > 1 ? 1 + rel_below(&z->rng, len - 1) : 0;
		if (cut > (size_t)z->page)
			cut = z->page;
		memcpy(rw + z->page - cut, arg, cut);
		return rw + z->page - cut;
	case P_RDONLY:
		if (mprotect(ro, z->page, PROT_READ | PROT_WRITE) == 0) {
			memcpy(ro, arg, len < (size_t)z->page ? len : z->page);
			mprotect(ro, z->page, PROT_READ);
		}
		return ro;
	case P_WILD:
		return (void *)(rel_rand64(&z->rng) & ~7UL);
	default:
		memcpy(rw, arg, len < (size_t)z->page ? len : z->page);
		*copied = len;
		return rw;
	}
}

static int pick_ptr_kind(struct fuzz *z)
{
	if (rel_chance(&z->rng, 88))
		return P_VALID;
	return 1 + rel_below(&z->rng, P_KINDS - 1);
}

/*
 * One random ioctl (or read) on descriptor @fdi. @removed: its unit is gone,
 * everything must be ENODEV. A call that breaks a rule is recorded.
 */
static void fuzz_one(struct fuzz *z, struct fwcmp_bus *b, int fdi,
		     bool removed)
{
	struct fuzz_fd *f = &z->f[fdi];
	unsigned char arg[1 << 14];
	unsigned long cmd;
	size_t len, copied;
	void *ptr;
	int kind, rc, err;

	z->calls++;
	if (rel_chance(&z->rng, 4)) {
		/* read(): any size, any pointer; O_NONBLOCK descriptors. */
		size_t sizes[] = { 0, 1, sizeof(struct fwcmp_event) - 1,
				   sizeof(struct fwcmp_event),
				   sizeof(struct fwcmp_event) + 7,
				   16 * sizeof(struct fwcmp_event) };
		ssize_t n;

		len = sizes[rel_below(&z->rng, 6)];
		kind = pick_ptr_kind(z);
		memset(arg, 0xa5, len);
		ptr = place_arg(z, kind, arg, len, &copied);
		z->reads++;
		n = read(f->fd, ptr, len);
		if (n >= 0) {
			z->ok++;
			if (n % sizeof(struct fwcmp_event))
				fuzz_fail(z, "read(%zu) returned %zd, not whole records",
					  len, n);
			return;
		}
		err = errno;
		z->refused++;
		z->per_errno[err & 255]++;
		if (err != EINVAL && err != EAGAIN && err != EINTR &&
		    err != EFAULT && err != ENODEV) {
			z->undocumented++;
			fuzz_fail(z, "read(fd %d, %zu bytes, ptr kind %d): undocumented errno %d (%s)",
				  fdi, len, kind, err, strerror(err));
		}
		return;
	}

	cmd = pick_cmd(z);
	len = _IOC_SIZE(cmd);
	fill_arg(z, b, f->slot, cmd, arg, len);
	kind = pick_ptr_kind(z);
	if (kind != P_VALID)
		z->badptr++;
	ptr = place_arg(z, kind, arg, len, &copied);
	rc = ioctl(f->fd, cmd, ptr);
	err = rc ? errno : 0;
	if (!rc) {
		z->ok++;
		if (removed)
			fuzz_fail(z, "%s on fd %d succeeded after the unit was removed",
				  rel_cmd_name(cmd), fdi);
		if (cmd == FWCMP_IOC_CONNECT) {
			struct fwcmp_connect *c = ptr;

			snprintf(z->trail[z->ntrail++ % FUZZ_TRAIL], 96,
				 "call %lu fd %d: CONNECT dir %u index %u flags %#x -> handle %u ch %u bw %u",
				 z->calls, fdi, c->direction, c->index,
				 c->flags, c->handle, c->channel,
				 c->bandwidth);
			z->connects++;
			pool_add(z, c->handle, fdi, f->slot,
				 c->flags & FWCMP_CONNECT_PERSISTENT);
		} else if (cmd == FWCMP_IOC_CLEAR_PLUG) {
			struct fwcmp_clear_plug *c = ptr;

			snprintf(z->trail[z->ntrail++ % FUZZ_TRAIL], 96,
				 "call %lu fd %d: CLEAR_PLUG dir %u index %u bw %u: %#x -> %#x",
				 z->calls, fdi, c->direction, c->index,
				 c->bandwidth, c->old_value, c->new_value);
		} else if (cmd == FWCMP_IOC_DISCONNECT) {
			snprintf(z->trail[z->ntrail++ % FUZZ_TRAIL], 96,
				 "call %lu fd %d: DISCONNECT %u", z->calls, fdi,
				 ((struct fwcmp_disconnect *)ptr)->handle);
			pool_del(z, f->slot,
				 ((struct fwcmp_disconnect *)ptr)->handle);
		}
		return;
	}
	z->refused++;
	z->per_errno[err & 255]++;
	if (!rel_errno_documented(cmd, err, removed)) {
		z->undocumented++;
		fuzz_fail(z, "%s (cmd 0x%08lx) on fd %d (%s%s), ptr kind %d: undocumented errno %d (%s)",
			  rel_cmd_name(cmd), cmd, fdi,
			  f->writable ? "rw" : "ro", removed ? ", removed" : "",
			  kind, err, strerror(err));
	} else if (removed && kind == P_VALID && err != ENODEV &&
		   (cmd == FWCMP_IOC_GET_INFO || cmd == FWCMP_IOC_GET_PLUG ||
		    cmd == FWCMP_IOC_CONNECT || cmd == FWCMP_IOC_DISCONNECT ||
		    cmd == FWCMP_IOC_CLEAR_PLUG)) {
		fuzz_fail(z, "%s after removal: %s, expected ENODEV",
			  rel_cmd_name(cmd), strerror(err));
	}
}

/* Break every connection the pool knows of, through its owner if needed. */
static void fuzz_quiesce(struct fuzz *z, bool skip_removed_slot, int removed)
{
	unsigned int i;

	z->quiesces++;
	for (i = 0; i < z->npool; i++) {
		struct fuzz_handle *h = &z->pool[i];
		int rc;

		if (skip_removed_slot && h->slot == removed)
			continue;
		rc = _test_ioctl_disconnect(z->f[h->fdi].fd, h->handle);
		/* EINVAL: broken since (CLEAR_PLUG). */
		if (rc && rc != -EINVAL)
			fuzz_fail(z, "quiesce: DISCONNECT %u on fd %d: %s",
				  h->handle, h->fdi, strerror(-rc));
	}
	z->npool = 0;
}

static void fuzz_check_idle(struct fuzz *z, struct fwcmp_bus *b,
			    const char *when)
{
	char why[256];
	unsigned int p2p, bw, ch, i;

	if (!rel_idle_check(b, why, sizeof(why), &p2p, &bw, &ch)) {
		z->ntrail = 0;
		return;
	}
	fuzz_fail(z, "after %lu calls (%s): %s (stale p2p %u, leaked %u units, %u channels)",
		  z->calls, when, why, p2p, bw, ch);
	if (z->trail_shown)
		return;
	z->trail_shown = true;
	/* What changed the bus since the last check passed. */
	i = z->ntrail > FUZZ_TRAIL ? z->ntrail - FUZZ_TRAIL : 0;
	for (; i < z->ntrail; i++)
		ksft_print_msg("trail: %s\n", z->trail[i % FUZZ_TRAIL]);
}

static int fuzz_open(struct fuzz *z, struct fwcmp_bus *b, int fdi, int slot,
		     bool writable)
{
	int fd = fwcmp_open_node(b, b->node[slot].idx,
				 (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK,
				 5000);

	z->f[fdi] = (struct fuzz_fd){ fd, slot, writable };
	return fd;
}

static void fuzz_report(struct __test_metadata *_metadata, struct fuzz *z,
			long long ms)
{
	static const int shown[] = { EINVAL, EBUSY, ENOSPC, ECONNREFUSED,
				     ENODEV, EPERM, EBADF, EAGAIN, ETIMEDOUT,
				     EIO, EFAULT, ENOTTY, EINTR, ENOMEM };
	char line[512];
	size_t off = 0;
	unsigned int i;
	int k;

	ksft_print_msg("fuzz: %lu calls in %lld ms (%lu/s): %lu ok, %lu refused, %lu undocumented; %lu read(), %lu bad pointers, %lu connections made, %lu quiesce checks\n",
		       z->calls, ms, ms ? (unsigned long)(z->calls * 1000 / ms) : 0UL, z->ok,
		       z->refused, z->undocumented, z->reads, z->badptr,
		       z->connects, z->quiesces);
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		off += snprintf(line + off, sizeof(line) - off, " %s %lu",
				strerror(shown[i]), z->per_errno[shown[i]]);
	ksft_print_msg("fuzz: errnos:%s\n", line);
	for (k = 0; k < z->nfail && k < FUZZ_MAX_FAILS; k++)
		TH_LOG("%s", z->fail[k]);
	if (z->nfail > FUZZ_MAX_FAILS)
		TH_LOG("... and %d more", z->nfail - FUZZ_MAX_FAILS);
}

static void fuzz_run(struct __test_metadata *_metadata, struct fwcmp_bus *b,
		     unsigned long calls, long long time_ms, bool must_finish)
{
	struct fuzz *z;
	long long start = rel_now_ms(), end = start + time_ms;
	unsigned long i;
	int fdi;

	z = calloc(1, sizeof(*z));
	ASSERT_NE(NULL, z);
	rel_rng_init(&z->rng, rel_seed());
	z->page = sysconf(_SC_PAGESIZE);
	z->pages = mmap(NULL, 3 * z->page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, z->pages);
	ASSERT_EQ(0, mprotect(z->pages + z->page, z->page, PROT_NONE));
	ASSERT_EQ(0, mprotect(z->pages + 2 * z->page, z->page, PROT_READ));

	/* Two writers and a reader on node 1, a writer and a reader on node 0. */
	ASSERT_LE(0, fuzz_open(z, b, 0, 1, true));
	ASSERT_LE(0, fuzz_open(z, b, 1, 1, true));
	ASSERT_LE(0, fuzz_open(z, b, 2, 1, false));
	ASSERT_LE(0, fuzz_open(z, b, 3, 0, true));
	ASSERT_LE(0, fuzz_open(z, b, 4, 0, false));
	fuzz_check_idle(z, b, "start");

	for (i = 0; i < calls; i++) {
		fuzz_one(z, b, rel_below(&z->rng, FUZZ_FDS), false);
		if ((i + 1) % FUZZ_QUIESCE_EVERY == 0) {
			fuzz_quiesce(z, false, -1);
			fuzz_check_idle(z, b, "quiesced");
			if ((i + 1) % 100000 == 0)
				ksft_print_msg("fuzz: %lu calls, %lld s\n", i + 1,
					       (rel_now_ms() - start) / 1000);
			if (rel_now_ms() > end) {
				ksft_print_msg("fuzz: time cap of %lld s reached\n",
					       time_ms / 1000);
				break;
			}
		}
		if (z->nfail > 100)
			break;
	}
	fuzz_quiesce(z, false, -1);
	fuzz_check_idle(z, b, "end of the main phase");
	if (must_finish && i < calls)
		fuzz_fail(z, "only %lu of %lu calls within %lld s", i, calls,
			  time_ms / 1000);

	/*
	 * Calls after unplug: make connections on node 1 (broken by the
	 * removal), unplug it, wait for the unit to go, then fuzz its three
	 * descriptors: nothing but ENODEV (or EFAULT/ENOTTY for what never
	 * reaches the driver's state) may come back.
	 */
	for (fdi = 0; fdi < 2; fdi++)
		for (i = 0; i < 2; i++) {
			struct fwcmp_connect c;

			if (!_test_ioctl_connect(z->f[fdi].fd, i, 0,
						 fdi ? FWCMP_CONNECT_PERSISTENT : 0,
						 FWCMP_ANY_CHANNEL,
						 FWCMP_SPEED_S400, 64, &c))
				pool_add(z, c.handle, fdi, 1, fdi);
		}
	ASSERT_EQ(0, fwsim_node_link(b->id, b->node[1].idx, false));
	ASSERT_EQ(0, fwcmp_wait_node_gone(b, b->node[1].idx, 10000));
	z->npool = 0;	/* all of node 1's: gone with the unit */
	for (i = 0; i < FUZZ_AFTER_UNPLUG; i++)
		fuzz_one(z, b, rel_below(&z->rng, 3), true);
	ASSERT_EQ(0, fwsim_node_link(b->id, b->node[1].idx, true));
	for (fdi = 0; fdi < FUZZ_FDS; fdi++)
		EXPECT_EQ(0, close(z->f[fdi].fd));
	/* Closing breaks node 0's non-persistent connections; none are left. */
	fuzz_check_idle(z, b, "after unplug and close");

	fuzz_report(_metadata, z, rel_now_ms() - start);
	EXPECT_EQ(0, z->nfail);
	munmap(z->pages, 3 * z->page);
	free(z);
	check_invariant(b);
}

/* make check: 20,000 calls (FWCMP_LONG: the long test below does more). */
TEST_F_TIMEOUT(fuzz, calls, 280)
{
	fuzz_run(_metadata, &self->bus, FUZZ_CALLS, FUZZ_TIME_MS, false);
}

/* make check-long: at least 1,000,000 calls. */
TEST_F_TIMEOUT(fuzz, long_calls, 5400)
{
	if (!rel_long())
		SKIP(return, "FWCMP_LONG not set (make check-long)");
	fuzz_run(_metadata, &self->bus, FUZZ_CALLS_LONG, FUZZ_TIME_MS_LONG,
		 true);
}

TEST_HARNESS_MAIN
