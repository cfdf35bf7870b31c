// SPDX-License-Identifier: GPL-2.0
/*
 * rel_storm_test.c - fault-injection storm: 8 threads in 4 processes make and
 * break connections (plain, OVERLAY, PERSISTENT) and close and reopen their
 * descriptors on every plug of 3 nodes, while the simulator injects bus
 * resets, busy / timeout / type-error / address-error responses, locks
 * executed whose response is lost (at the plugs and at the IRM's channel
 * and bandwidth registers), lock contention (a register changed between
 * read and lock), latency, resets
 * after the k-th transaction, unplug and replug of nodes and IRM moves, and
 * worker processes are killed with SIGKILL at random moments.
 *
 * Afterwards, with every worker gone and the persistent connections swept:
 * no p2p counter is left on any plug and the IRM has all its bandwidth and
 * channels back, before and after one more bus reset (which would bring back
 * any connection the driver still believed in). Every refused call returned
 * a documented errno. Seeded (FWCMP_SEED replays the same choices, not the
 * same interleaving); ~2,000 operations, 12,000 with FWCMP_LONG=1.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rel_util.h"

#define STORM_PROCS		4
#define STORM_THREADS		2	/* per process: 8 threads */
#define STORM_OPS		2000UL
#define STORM_OPS_LONG		12000UL
#define STORM_TIME_MS		140000LL
#define STORM_TIME_MS_LONG	2400000LL
#define STORM_NODES		3
#define STORM_HANDLES		16
#define STORM_PAYLOAD		32	/* small streams: many fit the IRM */

/* Node 0 (IRM) default 1 + 1 plugs; nodes 1 and 2 with 2 + 2. */
static const struct fwsim_node_cfg storm_nodes[] = {
	{ .oplugs = 2, .iplugs = 2 },
	{ .oplugs = 2, .iplugs = 2 },
};

/* Shared by the parent and all worker processes (MAP_SHARED). */
struct storm_shared {
	atomic_ulong claimed;		/* operations handed out */
	unsigned long budget;
	atomic_int stop;
	atomic_ulong ops, connects, connect_ok, disconnects, disconnect_ok;
	atomic_ulong closes, opens, open_fail, enodev, lost_handles;
	atomic_ulong errnos[256];
	atomic_ulong undocumented;
	atomic_int msg_taken;
	char msg[200];
};

struct storm_worker {
	struct storm_shared *sh;
	struct fwcmp_bus *bus;
	struct rel_rng rng;
	int fd[STORM_NODES];
	unsigned int handles[STORM_NODES][STORM_HANDLES];
	unsigned int nh[STORM_NODES];
};

FIXTURE(storm) {
	struct fwcmp_bus bus;
};

FIXTURE_SETUP(storm)
{
	fwcmp_setup_bus(&self->bus, 1, storm_nodes, 2);
}

FIXTURE_TEARDOWN_PARENT(storm)
{
	fwcmp_teardown_bus(&self->bus);
}

static void storm_err(struct storm_worker *w, unsigned long cmd, int err)
{
	struct storm_shared *sh = w->sh;

	sh->errnos[err & 255]++;
	if (err == ENODEV)
		sh->enodev++;
	if (rel_errno_documented(cmd, err, false))
		return;
	sh->undocumented++;
	if (!atomic_exchange(&sh->msg_taken, 1))
		snprintf(sh->msg, sizeof(sh->msg), "%s: undocumented errno %d (%s)",
			 rel_cmd_name(cmd), err, strerror(err));
}

static void storm_close(struct storm_worker *w, unsigned int n)
{
	if (w->fd[n] < 0)
		return;
	close(w->fd[n]);
	w->fd[n] = -1;
	w->nh[n] = 0;
	w->sh->closes++;
}

static int storm_fd(struct storm_worker *w, unsigned int n)
{
	int fd;

	if (w->fd[n] >= 0)
		return w->fd[n];
	fd = fwcmp_open_node(w->bus, w->bus->node[n].idx, O_RDWR | O_NONBLOCK,
			     0);
	if (fd < 0) {
		w->sh->open_fail++;
		return -1;
	}
	w->sh->opens++;
	w->fd[n] = fd;
	w->nh[n] = 0;
	return fd;
}

static void storm_op(struct storm_worker *w)
{
	struct storm_shared *sh = w->sh;
	unsigned int n = rel_below(&w->rng, STORM_NODES), r, dir, idx, plugs;
	struct fwcmp_connect c;
	int fd = storm_fd(w, n), rc;

	sh->ops++;
	if (fd < 0)
		return;
	r = rel_below(&w->rng, 100);
	dir = rel_below(&w->rng, 2);
	plugs = dir ? w->bus->node[n].iplugs : w->bus->node[n].oplugs;
	idx = rel_below(&w->rng, plugs);
	if (r < 42) {
		unsigned int flags = 0;

		if (rel_chance(&w->rng, 55))
			flags |= FWCMP_CONNECT_OVERLAY;
		if (rel_chance(&w->rng, 12))
			flags |= FWCMP_CONNECT_PERSISTENT;
		sh->connects++;
		rc = _test_ioctl_connect(fd, dir, idx, flags, FWCMP_ANY_CHANNEL,
					 FWCMP_SPEED_S400,
					 1 + rel_below(&w->rng, STORM_PAYLOAD),
					 &c);
		if (!rc) {
			sh->connect_ok++;
			if (w->nh[n] < STORM_HANDLES)
				w->handles[n][w->nh[n]++] = c.handle;
			else
				sh->lost_handles++; /* broken by close() */
		} else {
			storm_err(w, FWCMP_IOC_CONNECT, -rc);
		}
	} else if (r < 72) {
		unsigned int i;

		if (!w->nh[n])
			return;
		i = rel_below(&w->rng, w->nh[n]);
		sh->disconnects++;
		rc = _test_ioctl_disconnect(fd, w->handles[n][i]);
		/* Gone either way unless the device could not be told. */
		if (!rc || rc == -EINVAL || rc == -ENODEV)
			w->handles[n][i] = w->handles[n][--w->nh[n]];
		if (!rc)
			sh->disconnect_ok++;
		else
			storm_err(w, FWCMP_IOC_DISCONNECT, -rc);
	} else if (r < 82) {
		storm_close(w, n);
		return;
	} else if (r < 92) {
		rc = _test_ioctl_get_plug(fd, dir, idx, NULL);
		if (rc)
			storm_err(w, FWCMP_IOC_GET_PLUG, -rc);
	} else {
		fwcmp_drain_events(fd);
		rc = 0;
	}
	/* The unit went away: this descriptor is dead, get a new one later. */
	if (rc == -ENODEV)
		storm_close(w, n);
}

static void *storm_thread(void *arg)
{
	struct storm_worker *w = arg;

	while (!w->sh->stop &&
	       atomic_fetch_add(&w->sh->claimed, 1) < w->sh->budget) {
		storm_op(w);
		/* Pace the workers so that the faults land between ops. */
		fwcmp_msleep(rel_below(&w->rng, 120));
	}
	return NULL;
}

/* A worker process: STORM_THREADS threads, then exit (closing everything). */
static void storm_worker_main(struct storm_shared *sh, struct fwcmp_bus *bus,
			      uint64_t seed)
{
	struct storm_worker w[STORM_THREADS];
	pthread_t t[STORM_THREADS];
	unsigned int i, n;

	for (i = 0; i < STORM_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].sh = sh;
		w[i].bus = bus;
		rel_rng_init(&w[i].rng, seed * 31 + i);
		for (n = 0; n < STORM_NODES; n++)
			w[i].fd[n] = -1;
		pthread_create(&t[i], NULL, storm_thread, &w[i]);
	}
	for (i = 0; i < STORM_THREADS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

/* ---- the simulator's side ---- */

struct storm_chaos {
	struct fwcmp_bus *bus;
	struct rel_rng rng;
	atomic_int stop;
	unsigned long resets, busy, timeouts, lost, errors, generation, races,
		      latency, reset_after, unplugs, irm_moves, irm_lost,
		      irm_timeouts;
	unsigned int down_node;	/* slot of the unplugged node, 0: none */
	long long up_at;
};

static const char *storm_reg(struct storm_chaos *ch, unsigned int n,
			     char *buf, size_t len, bool ipcr_only)
{
	unsigned int dir = ipcr_only ? 1 : rel_below(&ch->rng, 2);
	unsigned int plugs = dir ? ch->bus->node[n].iplugs :
			     ch->bus->node[n].oplugs;

	snprintf(buf, len, "%s%u", dir ? "ipcr" : "opcr",
		 rel_below(&ch->rng, plugs));
	return buf;
}

static void storm_sleep_rand(struct storm_chaos *ch, unsigned int min_ms,
			     unsigned int max_ms)
{
	fwcmp_msleep(min_ms + rel_below(&ch->rng, max_ms - min_ms + 1));
}

static void *storm_chaos_fn(void *arg)
{
	struct storm_chaos *ch = arg;
	unsigned int id = ch->bus->id;
	char rule[128], reg[16];

	while (!ch->stop) {
		unsigned int r = rel_below(&ch->rng, 100);
		unsigned int n = rel_below(&ch->rng, STORM_NODES);
		int node = ch->bus->node[n].idx;

		if (r < 10) {
			if (!fwsim_bus_reset_nowait(id))
				ch->resets++;
		} else if (r < 27) {
			snprintf(rule, sizeof(rule), "busy nth=%u times=%u reg=%s",
				 1 + rel_below(&ch->rng, 3),
				 1 + rel_below(&ch->rng, 2),
				 storm_reg(ch, n, reg, sizeof(reg), false));
			if (!fwsim_knob(id, node, "fault", rule))
				ch->busy++;
		} else if (r < 32) {
			/*
			 * 2 s each (firewire-core's split timeout): rare. A
			 * lost response is a timeout after the lock was
			 * executed.
			 */
			bool lost = rel_chance(&ch->rng, 50);

			snprintf(rule, sizeof(rule), "%s nth=%u tcode=%s reg=%s",
				 lost ? "lost_response" : "timeout",
				 1 + rel_below(&ch->rng, 3),
				 lost || rel_chance(&ch->rng, 50) ? "lock" : "read",
				 storm_reg(ch, n, reg, sizeof(reg), false));
			if (!fwsim_knob(id, node, "fault", rule))
				lost ? ch->lost++ : ch->timeouts++;
		} else if (r < 39) {
			snprintf(rule, sizeof(rule), "%s nth=%u reg=%s",
				 rel_chance(&ch->rng, 50) ? "type_error" :
				 "address_error", 1 + rel_below(&ch->rng, 3),
				 storm_reg(ch, n, reg, sizeof(reg), false));
			if (!fwsim_knob(id, node, "fault", rule))
				ch->errors++;
		} else if (r < 43) {
			snprintf(rule, sizeof(rule), "generation nth=%u tcode=lock",
				 1 + rel_below(&ch->rng, 4));
			if (!fwsim_knob(id, node, "fault", rule))
				ch->generation++;
		} else if (r < 62) {
			/*
			 * Another controller writes an iPCR's reserved bits
			 * right after the driver read it: the compare-swap
			 * fails and must be decided again. No connection
			 * changes, so the invariant is unaffected.
			 */
			snprintf(rule, sizeof(rule), "reg=%s add=1 nth=%u on=any",
				 storm_reg(ch, n, reg, sizeof(reg), true),
				 1 + rel_below(&ch->rng, 2));
			if (!fwsim_knob(id, node, "race", rule))
				ch->races++;
		} else if (r < 74) {
			snprintf(rule, sizeof(rule), "%u",
				 rel_chance(&ch->rng, 30) ? 0 :
				 rel_below(&ch->rng, 3000));
			if (!fwsim_knob(id, FWSIM_LOCAL, "latency_us", rule))
				ch->latency++;
		} else if (r < 78) {
			snprintf(rule, sizeof(rule), "%u",
				 1 + rel_below(&ch->rng, 8));
			if (!fwsim_knob(id, FWSIM_LOCAL, "reset_after", rule))
				ch->reset_after++;
		} else if (r < 84 && n && !ch->down_node) {
			/*
			 * Unplug a non-IRM node for 0.2..3 s: the unit goes
			 * after 2 s, or comes back in time with its fwN.
			 */
			if (!fwsim_knob(id, node, "link", "down")) {
				ch->unplugs++;
				ch->down_node = n;
				ch->up_at = rel_now_ms() + 200 +
					    rel_below(&ch->rng, 2800);
			}
		} else if (r < 86) {
			if (!fwsim_knob(id, FWSIM_LOCAL, "irm",
					rel_chance(&ch->rng, 50) ? "local" : "auto"))
				ch->irm_moves++;
		} else if (r < 90) {
			/*
			 * A lock at the IRM executed but unanswered, or not
			 * executed at all, wherever the IRM is now (node 0
			 * or the local node): channel or bandwidth must be
			 * neither leaked nor given back twice.
			 */
			static const char *const irm_regs[] = {
				"channels_available_hi",
				"channels_available_lo",
				"bandwidth_available",
			};
			bool lost = rel_chance(&ch->rng, 70);
			bool local = rel_chance(&ch->rng, 50);

			snprintf(rule, sizeof(rule), "%s nth=%u times=%u tcode=lock reg=%s",
				 lost ? "lost_response" : "timeout",
				 1 + rel_below(&ch->rng, 3),
				 1 + rel_below(&ch->rng, 2),
				 irm_regs[rel_below(&ch->rng, 3)]);
			/* FWSIM_LOCAL names the bus: its node is local/. */
			if (!fwsim_knob(id, local ? FWSIM_LOCAL :
					ch->bus->node[0].idx,
					local ? "local/fault" : "fault", rule))
				lost ? ch->irm_lost++ : ch->irm_timeouts++;
		}
		if (ch->down_node && rel_now_ms() >= ch->up_at) {
			fwsim_knob(id, ch->bus->node[ch->down_node].idx, "link",
				   "up");
			ch->down_node = 0;
		}
		/* About one reset-causing fault per 1.5 s: connections get made. */
		storm_sleep_rand(ch, 150, 600);
	}
	return NULL;
}

static void storm_calm(struct fwcmp_bus *b)
{
	unsigned int n;

	fwsim_knob(b->id, FWSIM_LOCAL, "latency_us", "0");
	fwsim_knob(b->id, FWSIM_LOCAL, "reset_after", "0");
	for (n = 0; n < STORM_NODES; n++) {
		fwsim_knob(b->id, b->node[n].idx, "fault", "clear");
		fwsim_knob(b->id, b->node[n].idx, "race", "clear");
		fwsim_node_link(b->id, b->node[n].idx, true);
	}
	fwsim_knob(b->id, FWSIM_LOCAL, "irm", "auto");
	/*
	 * firewire-core gives up on a node whose config ROM reads kept
	 * failing; a quiet reset makes it try again.
	 */
	for (n = 0; n < 3 && fwsim_settle(b->id); n++)
		fwsim_bus_reset(b->id);
}

/* Break every persistent connection left, by trying every handle issued. */
static unsigned long storm_sweep(struct __test_metadata *_metadata,
				 struct fwcmp_bus *b, unsigned long max_handle)
{
	unsigned long swept = 0, h;
	unsigned int n;

	for (n = 0; n < STORM_NODES; n++) {
		int fd = fwcmp_open_node(b, b->node[n].idx, O_RDWR, 5000);

		ASSERT_LE(0, fd);
		for (h = 1; h <= max_handle; h++) {
			int rc = _test_ioctl_disconnect(fd, h);

			if (!rc)
				swept++;
			else
				EXPECT_EQ(-EINVAL, rc)
					TH_LOG("sweep of handle %lu on node %u", h, n);
		}
		close(fd);
	}
	return swept;
}

TEST_F_TIMEOUT(storm, storm, 290)
{
	struct fwcmp_bus *b = &self->bus;
	struct storm_shared *sh;
	struct storm_chaos *ch;
	pid_t pids[STORM_PROCS];
	unsigned long kills = 0, respawns = 0, swept, ops;
	unsigned int p2p[2], bw[2], chn[2], n, i;
	uint64_t seed = rel_seed(), resets0 = 0, resets1 = 0, faults = 0;
	long long start = rel_now_ms(), cap;
	struct rel_rng rng;
	pthread_t chaos;
	char why[256];
	int rc, alive;

	rel_rng_init(&rng, seed);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	sh->budget = rel_count(STORM_OPS, STORM_OPS_LONG);
	cap = rel_long() ? STORM_TIME_MS_LONG : STORM_TIME_MS;
	ch = calloc(1, sizeof(*ch));
	ASSERT_NE(NULL, ch);
	ch->bus = b;
	rel_rng_init(&ch->rng, seed ^ 0x5eed);
	rel_bus_counter(b->id, "resets", &resets0);
	for (n = 0; n < STORM_NODES; n++)
		fwsim_stats_clear(b->id, b->node[n].idx);
	fwsim_stats_clear(b->id, FWSIM_LOCAL);

	for (i = 0; i < STORM_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			storm_worker_main(sh, b, seed + i + 1);
	}
	ASSERT_EQ(0, pthread_create(&chaos, NULL, storm_chaos_fn, ch));

	/* Kill a random worker every 1..4 s; respawn while work is left. */
	for (;;) {
		long long next = rel_now_ms() + 1000 + rel_below(&rng, 3000);

		alive = 0;
		while (rel_now_ms() < next) {
			alive = 0;
			for (i = 0; i < STORM_PROCS; i++) {
				int status;

				if (pids[i] > 0 &&
				    waitpid(pids[i], &status, WNOHANG) == pids[i])
					pids[i] = 0;
				alive += pids[i] > 0;
			}
			if (!alive)
				break;
			fwcmp_msleep(50);
		}
		if (!alive && sh->claimed >= sh->budget)
			break;
		if (rel_now_ms() - start > cap) {
			sh->stop = 1;
			ksft_print_msg("storm: time cap of %lld s reached\n",
				       cap / 1000);
			break;
		}
		i = rel_below(&rng, STORM_PROCS);
		if (pids[i] > 0 && sh->claimed < sh->budget) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
			kills++;
		}
		for (i = 0; i < STORM_PROCS; i++) {
			if (pids[i] || sh->claimed >= sh->budget)
				continue;
			pids[i] = fork();
			ASSERT_LE(0, pids[i]);
			if (!pids[i])
				storm_worker_main(sh, b, seed + 1000 + respawns);
			respawns++;
		}
	}
	/*
	 * Faults off first: a CONNECT waits out the second after each bus
	 * reset (IEC 61883-1 9.4), so under a reset storm it only finishes
	 * once the resets stop.
	 */
	ch->stop = 1;
	pthread_join(chaos, NULL);
	for (n = 0; n < STORM_NODES; n++)
		faults += rel_node_faults(b->id, b->node[n].idx);
	faults += rel_node_faults(b->id, FWSIM_LOCAL);
	storm_calm(b);
	sh->stop = 1;
	for (i = 0; i < STORM_PROCS; i++) {
		long long until = rel_now_ms() + 60000;
		char wchan[64] = "?", path[64];
		FILE *f;

		while (pids[i] > 0 && rel_now_ms() < until) {
			if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
				pids[i] = 0;
			else
				fwcmp_msleep(50);
		}
		if (pids[i] <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/wchan", pids[i]);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(wchan, sizeof(wchan), f))
				strcpy(wchan, "?");
			fclose(f);
		}
		EXPECT_EQ(0, pids[i])
			TH_LOG("worker %d still running 60 s after the storm (wchan %s)",
			       pids[i], wchan);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	/* Restoring after the last reset takes up to a second. */
	fwcmp_msleep(1500);
	rel_bus_counter(b->id, "resets", &resets1);

	swept = storm_sweep(_metadata, b, sh->connects + 64);
	rc = rel_idle_check(b, why, sizeof(why), &p2p[0], &bw[0], &chn[0]);
	EXPECT_EQ(0, rc) TH_LOG("after the storm: %s", why);
	/* A connection the driver still believed in would come back now. */
	ASSERT_EQ(0, fwsim_bus_reset(b->id));
	fwcmp_msleep(1500);
	rc = rel_idle_check(b, why, sizeof(why), &p2p[1], &bw[1], &chn[1]);
	EXPECT_EQ(0, rc) TH_LOG("after one more bus reset: %s", why);

	ops = sh->ops;
	ksft_print_msg("storm: %lu ops (%lu connects, %lu ok; %lu disconnects, %lu ok; %lu opens, %lu closes, %lu ENODEV) in %lld ms, 8 threads in %d processes\n",
		       ops, (unsigned long)sh->connects,
		       (unsigned long)sh->connect_ok,
		       (unsigned long)sh->disconnects,
		       (unsigned long)sh->disconnect_ok,
		       (unsigned long)sh->opens, (unsigned long)sh->closes,
		       (unsigned long)sh->enodev, rel_now_ms() - start,
		       STORM_PROCS);
	ksft_print_msg("storm: %llu bus resets (%lu requested), %llu faulted responses; rules: %lu busy, %lu timeout, %lu lost response, %lu type/address error, %lu generation, %lu race, %lu latency, %lu reset_after, IRM locks %lu lost response + %lu timeout; %lu unplugs, %lu IRM moves\n",
		       (unsigned long long)(resets1 - resets0), ch->resets,
		       (unsigned long long)faults, ch->busy, ch->timeouts,
		       ch->lost, ch->errors, ch->generation, ch->races,
		       ch->latency, ch->reset_after, ch->irm_lost,
		       ch->irm_timeouts, ch->unplugs, ch->irm_moves);
	ksft_print_msg("storm: %lu SIGKILLs, %lu persistent connections swept, errnos EBUSY %lu ENOSPC %lu EAGAIN %lu ETIMEDOUT %lu EIO %lu EINVAL %lu\n",
		       kills, swept, (unsigned long)sh->errnos[EBUSY],
		       (unsigned long)sh->errnos[ENOSPC],
		       (unsigned long)sh->errnos[EAGAIN],
		       (unsigned long)sh->errnos[ETIMEDOUT],
		       (unsigned long)sh->errnos[EIO],
		       (unsigned long)sh->errnos[EINVAL]);
	ksft_print_msg("storm: leaked: %u bandwidth units, %u channels, %u stale p2p (after one more reset: %u, %u, %u); %lu undocumented errnos\n",
		       bw[0], chn[0], p2p[0], bw[1], chn[1], p2p[1],
		       (unsigned long)sh->undocumented);
	EXPECT_EQ(0, sh->undocumented) TH_LOG("%s", sh->msg);
	munmap(sh, sizeof(*sh));
	free(ch);
}

TEST_HARNESS_MAIN
