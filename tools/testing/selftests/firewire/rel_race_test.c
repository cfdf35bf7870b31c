// SPDX-License-Identifier: GPL-2.0
/*
 * rel_race_test.c - lifetimes and races of firewire-cmp: unit removal while
 * an ioctl is blocked in a transaction, close() racing bus-reset recovery,
 * two threads breaking the same handle, close() racing DISCONNECT, a bus
 * reset after the k-th transaction of a connect and of a disconnect, card
 * removal (the simulated bus destroyed) with live connections and a poller,
 * and module unload: refused (EWOULDBLOCK, the open file holds a module
 * reference) while a descriptor is open; with only persistent connections
 * left it succeeds, breaks them and gives the IRM everything back.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rel_util.h"

/* Node 1: 2 oPCRs, 2 iPCRs; node 0 is the IRM. */
static const struct fwsim_node_cfg race_nodes[] = {
	{ .oplugs = 2, .iplugs = 2 },
};

FIXTURE(race) {
	struct fwcmp_bus bus;
	int node;	/* fwsim index of node 1 */
	int fd;		/* O_RDWR on node 1 */
};

FIXTURE_SETUP(race)
{
	fwcmp_setup_bus(&self->bus, 1, race_nodes, 1);
	self->node = self->bus.node[1].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
}

FIXTURE_TEARDOWN_PARENT(race)
{
	/* Module tests may leave firewire-cmp unloaded: put it back. */
	if (!rel_module_loaded("firewire_cmp"))
		rel_module_load("firewire-cmp");
	fwcmp_teardown_bus(&self->bus);
}

#define check_idle(bus) do { \
	char __why[256]; \
	ASSERT_EQ(0, rel_idle_check(bus, __why, sizeof(__why), NULL, NULL, \
				    NULL)) TH_LOG("%s", __why); \
} while (0)

/* ---- unit removal while an ioctl is blocked in a transaction ---- */

struct blocked {
	int fd;
	atomic_int done;
	int rc;
	struct fwcmp_connect c;
};

static void *blocked_connect(void *arg)
{
	struct blocked *bl = arg;

	bl->rc = _test_ioctl_connect(bl->fd, FWCMP_DIR_OUTPUT, 0, 0,
				     FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
				     FWCMP_TEST_PAYLOAD, &bl->c);
	bl->done = 1;
	return NULL;
}

/*
 * Every lock on oPCR0 gets no response (2 s split timeout each), so CONNECT
 * sits in the driver under the unit lock; meanwhile the node is unplugged
 * and firewire-core removes the unit. The CONNECT ends with a documented
 * errno, the removal waits for it, the IRM gets back what CONNECT took.
 */
TEST_F_TIMEOUT(race, unit_removed_while_ioctl_blocked, 90)
{
	struct blocked bl = { .fd = self->fd };
	pthread_t t;
	uint64_t locks = 0;

	ASSERT_EQ(0, fwsim_stats_clear(self->bus.id, self->node));
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault",
				"timeout times=0 tcode=lock reg=opcr0"));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_connect, &bl));
	/* Wait until the first lock is in flight. */
	for (int i = 0; i < 200 && !locks; i++) {
		fwcmp_msleep(20);
		fwsim_stat(self->bus.id, self->node, "lock.timeout", &locks);
	}
	ASSERT_NE(0, locks) TH_LOG("CONNECT never reached the PCR lock");
	ASSERT_EQ(0, bl.done);
	ASSERT_EQ(0, fwsim_node_link(self->bus.id, self->node, false));
	self->bus.node[1].linked = false;
	ASSERT_EQ(0, fwcmp_wait_node_gone(&self->bus, self->node, 20000));
	pthread_join(t, NULL);
	EXPECT_NE(0, bl.rc);
	EXPECT_TRUE(rel_errno_documented(FWCMP_IOC_CONNECT, -bl.rc, true))
		TH_LOG("CONNECT: %s", strerror(-bl.rc));
	ksft_print_msg("blocked CONNECT ended with %s\n", strerror(-bl.rc));
	EXPECT_EQ(-ENODEV, _test_ioctl_get_info(self->fd, NULL));
	fwsim_knob(self->bus.id, self->node, "fault", "clear");
	check_idle(&self->bus);
	EXPECT_EQ(0, close(self->fd));
}

/* ---- close() racing bus-reset recovery ---- */

TEST_F_TIMEOUT(race, close_racing_reset_recovery, 120)
{
	struct rel_rng rng;
	unsigned int round;

	rel_rng_init(&rng, rel_seed());
	for (round = 0; round < 10; round++) {
		int fd = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);

		ASSERT_LE(0, fd);
		test_connect(fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
			     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, NULL);
		test_connect(fd, FWCMP_DIR_INPUT, 1, 0, FWCMP_ANY_CHANNEL,
			     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, NULL);
		ASSERT_EQ(0, fwsim_bus_reset_nowait(self->bus.id));
		/* Land anywhere in the recovery: before, inside, after it. */
		fwcmp_msleep(rel_below(&rng, 40));
		ASSERT_EQ(0, close(fd));
		ASSERT_EQ(0, fwsim_settle(self->bus.id));
	}
	/* Recovery of a closed descriptor's connections would show here. */
	fwcmp_msleep(1500);
	check_idle(&self->bus);
	check_invariant(&self->bus);
}

/* ---- two threads breaking the same handle ---- */

struct dup {
	int fd;
	unsigned int handle;
	pthread_barrier_t *go;
	int rc;
};

static void *dup_disconnect(void *arg)
{
	struct dup *d = arg;

	pthread_barrier_wait(d->go);
	d->rc = _test_ioctl_disconnect(d->fd, d->handle);
	return NULL;
}

/*
 * Same descriptor (odd rounds), or two descriptors and a PERSISTENT handle
 * (even rounds): exactly one DISCONNECT wins, the other gets EINVAL.
 */
TEST_F_TIMEOUT(race, two_threads_disconnect_same_handle, 120)
{
	int fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);
	unsigned int round;

	ASSERT_LE(0, fd2);
	for (round = 0; round < 30; round++) {
		bool persistent = !(round & 1);
		pthread_barrier_t go;
		struct fwcmp_connect c;
		struct dup d[2];
		pthread_t t[2];

		model_connect(&self->bus, self->node, self->fd,
			      FWCMP_DIR_INPUT, round % 2,
			      persistent ? FWCMP_CONNECT_PERSISTENT : 0,
			      FWCMP_ANY_CHANNEL, &c);
		pthread_barrier_init(&go, NULL, 2);
		d[0] = (struct dup){ self->fd, c.handle, &go, 0 };
		d[1] = (struct dup){ persistent ? fd2 : self->fd, c.handle,
				     &go, 0 };
		pthread_create(&t[0], NULL, dup_disconnect, &d[0]);
		pthread_create(&t[1], NULL, dup_disconnect, &d[1]);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		pthread_barrier_destroy(&go);
		EXPECT_TRUE((d[0].rc == 0 && d[1].rc == -EINVAL) ||
			    (d[1].rc == 0 && d[0].rc == -EINVAL))
			TH_LOG("round %u: %d and %d", round, d[0].rc, d[1].rc);
		ASSERT_EQ(0, fwcmp_model_drop_handle_node(&self->bus,
							  self->node, c.handle));
		check_invariant(&self->bus);
	}
	close(fd2);
}

/* ---- close() racing DISCONNECT from another thread ---- */

TEST_F_TIMEOUT(race, close_racing_disconnect, 120)
{
	unsigned int round, won = 0, late = 0;

	for (round = 0; round < 30; round++) {
		int fd = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);
		pthread_barrier_t go;
		struct fwcmp_connect c;
		struct dup d;
		pthread_t t;

		ASSERT_LE(0, fd);
		test_connect(fd, FWCMP_DIR_OUTPUT, round % 2, 0,
			     FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			     FWCMP_TEST_PAYLOAD, &c);
		pthread_barrier_init(&go, NULL, 2);
		d = (struct dup){ fd, c.handle, &go, 0 };
		pthread_create(&t, NULL, dup_disconnect, &d);
		pthread_barrier_wait(&go);
		close(fd);
		pthread_join(t, NULL);
		pthread_barrier_destroy(&go);
		/*
		 * The ioctl holds the file: either it got in first and broke
		 * the connection (0), or the descriptor was already closed
		 * (EBADF) and release() broke it.
		 */
		EXPECT_TRUE(d.rc == 0 || d.rc == -EBADF)
			TH_LOG("round %u: DISCONNECT %d", round, d.rc);
		won += d.rc == 0;
		late += d.rc == -EBADF;
		check_invariant(&self->bus);
	}
	ksft_print_msg("DISCONNECT first %u times, close first %u times\n",
		       won, late);
}

/* ---- a bus reset after the k-th transaction of CONNECT / DISCONNECT ---- */

TEST_F_TIMEOUT(race, reset_after_kth_transaction, 200)
{
	unsigned int k, results[8] = { 0 };

	for (k = 1; k <= 8; k++) {
		struct fwcmp_connect c;
		char v[8];
		int rc;

		snprintf(v, sizeof(v), "%u", k);
		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", v));
		rc = _test_ioctl_connect(self->fd, FWCMP_DIR_OUTPUT, 1, 0,
					 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					 FWCMP_TEST_PAYLOAD, &c);
		EXPECT_TRUE(!rc || rel_errno_documented(FWCMP_IOC_CONNECT,
							-rc, false))
			TH_LOG("k=%u: CONNECT %s", k, strerror(-rc));
		fwsim_knob(self->bus.id, FWSIM_LOCAL, "reset_after", "0");
		ASSERT_EQ(0, fwsim_settle(self->bus.id));
		if (!rc) {
			results[k - 1] = 1;
			ASSERT_NE(NULL, fwcmp_model_connect(&self->bus,
							    self->node, 0, &c));
		}
		wait_invariant(&self->bus);
		if (rc)
			continue;

		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", v));
		rc = _test_ioctl_disconnect(self->fd, c.handle);
		EXPECT_TRUE(!rc || rel_errno_documented(FWCMP_IOC_DISCONNECT,
							-rc, false))
			TH_LOG("k=%u: DISCONNECT %s", k, strerror(-rc));
		fwsim_knob(self->bus.id, FWSIM_LOCAL, "reset_after", "0");
		ASSERT_EQ(0, fwsim_settle(self->bus.id));
		if (rc) {
			/* Nothing changed: the connection is still there. */
			wait_invariant(&self->bus);
			rc = _test_ioctl_disconnect(self->fd, c.handle);
			EXPECT_EQ(0, rc);
		}
		results[k - 1] |= 2;
		ASSERT_EQ(0, fwcmp_model_drop_handle_node(&self->bus,
							  self->node, c.handle));
		wait_invariant(&self->bus);
	}
	ksft_print_msg("reset after k = 1..8: CONNECT ok %u%u%u%u%u%u%u%u\n",
		       results[0] & 1, results[1] & 1, results[2] & 1,
		       results[3] & 1, results[4] & 1, results[5] & 1,
		       results[6] & 1, results[7] & 1);
}

/* ---- the whole simulated bus removed under live connections ---- */

struct poller {
	int fd;
	int rc;
	short revents;
};

static void *poll_hup(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLPRI };

	/* POLLPRI never comes: only HUP/ERR end this. */
	p->rc = poll(&pfd, 1, 30000);
	p->revents = pfd.revents;
	return NULL;
}

struct bus_del {
	unsigned int id;
	atomic_int done;
	int rc;
};

static void *bus_del_fn(void *arg)
{
	struct bus_del *d = arg;

	d->rc = fwsim_bus_del(d->id);
	d->done = 1;
	return NULL;
}

/*
 * The whole simulated bus (the card) is destroyed while /dev/fwcmpN files
 * hold connections and a thread sleeps in poll(). Our files are the
 * driver's own: unlike firewire-core's /dev/fwN they must not keep the card
 * alive, so del_device returns while they are open; the poller wakes with
 * EPOLLHUP | EPOLLERR, read() drains CONN_LOST x2 and UNIT_REMOVED, then
 * everything is ENODEV.
 */
TEST_F_TIMEOUT(race, card_removed_with_live_connections, 90)
{
	int fd0 = fwcmp_open_node(&self->bus, 0, O_RDWR, 5000);
	struct bus_del d = { .id = self->bus.id };
	struct poller pl = { .fd = self->fd };
	unsigned int lost = 0, removed = 0, i;
	struct fwcmp_event ev;
	pthread_t t, td;
	ssize_t n;

	ASSERT_LE(0, fd0);
	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, NULL);
	test_connect(self->fd, FWCMP_DIR_INPUT, 0, FWCMP_CONNECT_PERSISTENT,
		     FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD,
		     NULL);
	test_connect(fd0, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, NULL);
	fwcmp_drain_events(self->fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, poll_hup, &pl));
	fwcmp_msleep(100);

	ASSERT_EQ(0, pthread_create(&td, NULL, bus_del_fn, &d));
	for (i = 0; i < 150 && !d.done; i++)
		fwcmp_msleep(100);
	EXPECT_TRUE(d.done)
		TH_LOG("del_device still blocked after 15 s with /dev/fwcmpN files open");
	if (!d.done) {
		/* Unblock it: the open files are what holds the card. */
		close(fd0);
		close(self->fd);
		pthread_join(td, NULL);
		pthread_join(t, NULL);
		self->bus.live = d.rc != 0;
		ksft_print_msg("del_device returned %d once the /dev/fwcmpN files were closed\n",
			       d.rc);
		return;
	}
	pthread_join(td, NULL);
	ASSERT_EQ(0, d.rc);
	self->bus.live = false;
	pthread_join(t, NULL);
	EXPECT_EQ(1, pl.rc);
	EXPECT_EQ(POLLHUP | POLLERR, pl.revents & (POLLHUP | POLLERR));

	while ((n = read(self->fd, &ev, sizeof(ev))) == sizeof(ev)) {
		lost += ev.type == FWCMP_EVENT_CONN_LOST;
		removed += ev.type == FWCMP_EVENT_UNIT_REMOVED;
	}
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(2, lost);
	EXPECT_EQ(1, removed);
	EXPECT_EQ(-ENODEV, _test_ioctl_get_info(self->fd, NULL));
	EXPECT_EQ(-ENODEV, _test_ioctl_disconnect(fd0, 1));
	EXPECT_EQ(0, close(fd0));
	EXPECT_EQ(0, close(self->fd));
}

/* ---- module unload ---- */

/*
 * An open /dev/fwcmpN holds a reference on the module (fops.owner), so
 * delete_module() is refused with EWOULDBLOCK (rmmod: "Module firewire_cmp
 * is in use") and nothing changes.
 */
TEST_F(race, unload_refused_while_open)
{
	struct fwcmp_connect c;
	int rc;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      0, FWCMP_ANY_CHANNEL, &c);
	rc = rel_module_unload("firewire_cmp");
	ASSERT_EQ(-EWOULDBLOCK, rc) TH_LOG("delete_module: %s", strerror(-rc));
	ASSERT_TRUE(rel_module_loaded("firewire_cmp"));
	test_get_info(self->fd, NULL);
	check_invariant(&self->bus);
	model_disconnect_node(&self->bus, self->node, self->fd, c.handle);
	check_invariant(&self->bus);
}

/*
 * With no descriptor open, unloading breaks the PERSISTENT connections that
 * outlived their descriptors and returns their channels and bandwidth; the
 * module loads again and binds the units again.
 */
TEST_F_TIMEOUT(race, unload_breaks_persistent, 60)
{
	int fd0 = fwcmp_open_node(&self->bus, 0, O_RDWR, 5000);
	struct fwcmp_connect c;
	int rc;

	ASSERT_LE(0, fd0);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 1,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	model_connect(&self->bus, 0, fd0, FWCMP_DIR_INPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, close(self->fd));
	ASSERT_EQ(0, close(fd0));
	self->fd = -1;
	check_invariant(&self->bus);

	rc = rel_module_unload("firewire_cmp");
	ASSERT_EQ(0, rc) TH_LOG("delete_module: %s", strerror(-rc));
	fwcmp_model_drop_all(&self->bus);
	check_invariant(&self->bus);
	check_idle(&self->bus);

	ASSERT_EQ(0, rel_module_load("firewire-cmp"));
	self->fd = fwcmp_open_node(&self->bus, self->node, O_RDWR, 10000);
	ASSERT_LE(0, self->fd) TH_LOG("no /dev/fwcmp* after reload");
	test_get_info(self->fd, NULL);
	close(self->fd);
}

TEST_HARNESS_MAIN
