// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_threads_test.c - firewire-cmp under concurrency: many threads making
 * and breaking overlaid connections on several plugs at once, two threads
 * breaking the same handle (exactly one wins), two threads connecting the same
 * idle plug without OVERLAY (exactly one wins), and close() racing a
 * DISCONNECT. Ground truth from firewire-sim after each round.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

#define THREADS		8
#define ROUNDS		25
/* Small packets: 8 threads' worth of plugs fit in the IRM's bandwidth. */
#define SMALL_PAYLOAD	16

static const struct fwsim_node_cfg threads_nodes[] = {
	{ .oplugs = 4, .iplugs = 4 },
};

FIXTURE(threads) {
	struct fwcmp_bus bus;
	int node;	/* node 1: 4 oPCRs, 4 iPCRs */
	int fd;
	struct fwcmp_snapshot before;
};

FIXTURE_SETUP(threads)
{
	fwcmp_setup_bus(&self->bus, 1, threads_nodes, 1);
	self->node = self->bus.node[1].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
}

FIXTURE_TEARDOWN_PARENT(threads)
{
	fwcmp_teardown_bus(&self->bus);
}

struct worker {
	int fd;
	unsigned int seed;
	pthread_barrier_t *start;
	/* results */
	unsigned int connects, disconnects;
	int first_err;		/* first unexpected -errno, 0 if none */
	char what[64];
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int r;

	pthread_barrier_wait(w->start);
	for (r = 0; r < ROUNDS && !w->first_err; r++) {
		struct fwcmp_connect c;
		unsigned int dir = rand_r(&w->seed) & 1;
		unsigned int idx = rand_r(&w->seed) % 4;
		int rc;

		rc = _test_ioctl_connect(w->fd, dir, idx,
					 FWCMP_CONNECT_OVERLAY,
					 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					 SMALL_PAYLOAD, &c);
		if (rc) {
			w->first_err = rc;
			snprintf(w->what, sizeof(w->what),
				 "connect %cPCR%u round %u", dir ? 'i' : 'o',
				 idx, r);
			break;
		}
		w->connects++;
		if (rand_r(&w->seed) & 1)
			usleep(rand_r(&w->seed) % 2000);
		rc = _test_ioctl_disconnect(w->fd, c.handle);
		if (rc) {
			w->first_err = rc;
			snprintf(w->what, sizeof(w->what),
				 "disconnect %u round %u", c.handle, r);
			break;
		}
		w->disconnects++;
	}
	return NULL;
}

/*
 * Threads on one descriptor and on their own descriptors, connecting with
 * OVERLAY|ANY_CHANNEL on random plugs and disconnecting: every call succeeds
 * (the driver serialises joins on a plug), and at the end every PCR and the
 * IRM are as before.
 */
TEST_F_TIMEOUT(threads, overlay_storm, 240)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t start;
	unsigned int seed = (unsigned int)time(NULL) ^ getpid(), i;
	unsigned int total = 0;

	TH_LOG("seed %u", seed);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, THREADS));
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].seed = seed + i;
		w[i].start = &start;
		/* Half share the fixture's descriptor, half have their own. */
		w[i].fd = i & 1 ? fwcmp_open_node(&self->bus, self->node,
						  O_RDWR, 1000) : self->fd;
		ASSERT_LE(0, w[i].fd);
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	for (i = 0; i < THREADS; i++) {
		EXPECT_EQ(0, w[i].first_err)
			TH_LOG("thread %u: %s: %s", i, w[i].what,
			       strerror(-w[i].first_err));
		EXPECT_EQ(w[i].connects, w[i].disconnects);
		total += w[i].connects;
		if (i & 1)
			close(w[i].fd);
	}
	pthread_barrier_destroy(&start);
	TH_LOG("%u connect/disconnect pairs", total);
	check_unchanged();
}

struct racer {
	int fd;
	unsigned int handle;
	pthread_barrier_t *start;
	int rc;
	/* connect racers */
	bool connect;
	struct fwcmp_connect c;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	if (r->connect)
		r->rc = _test_ioctl_connect(r->fd, FWCMP_DIR_OUTPUT, 0, 0,
					    FWCMP_ANY_CHANNEL,
					    FWCMP_TEST_SPEED,
					    FWCMP_TEST_PAYLOAD, &r->c);
	else
		r->rc = _test_ioctl_disconnect(r->fd, r->handle);
	return NULL;
}

/* Two threads disconnect the same handle: one 0, one EINVAL, released once. */
TEST_F_TIMEOUT(threads, double_disconnect, 120)
{
	unsigned int round;

	for (round = 0; round < 15; round++) {
		pthread_barrier_t start;
		struct racer r[2];
		struct fwcmp_connect c;
		pthread_t t[2];
		unsigned int i;

		model_connect(&self->bus, self->node, self->fd,
			      FWCMP_DIR_OUTPUT, round % 4, 0,
			      FWCMP_ANY_CHANNEL, &c);
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		for (i = 0; i < 2; i++) {
			r[i] = (struct racer){ .fd = self->fd,
					       .handle = c.handle,
					       .start = &start };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, racer_fn,
						    &r[i]));
		}
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, pthread_join(t[i], NULL));
		pthread_barrier_destroy(&start);
		EXPECT_TRUE((r[0].rc == 0 && r[1].rc == -EINVAL) ||
			    (r[0].rc == -EINVAL && r[1].rc == 0))
			TH_LOG("round %u: %d, %d", round, r[0].rc, r[1].rc);
		ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, c.handle));
		check_invariant(&self->bus);
	}
	check_unchanged();
}

/* Two threads connect the same idle plug without OVERLAY: one EBUSY. */
TEST_F_TIMEOUT(threads, double_connect, 120)
{
	unsigned int round;

	for (round = 0; round < 15; round++) {
		pthread_barrier_t start;
		struct racer r[2];
		pthread_t t[2];
		unsigned int i, won = 0;
		int fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR,
					  1000);

		ASSERT_LE(0, fd2);
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		for (i = 0; i < 2; i++) {
			r[i] = (struct racer){ .fd = i ? fd2 : self->fd,
					       .connect = true,
					       .start = &start };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, racer_fn,
						    &r[i]));
		}
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, pthread_join(t[i], NULL));
		pthread_barrier_destroy(&start);
		for (i = 0; i < 2; i++) {
			if (r[i].rc == 0) {
				won++;
				r[i].c.direction = FWCMP_DIR_OUTPUT;
				r[i].c.index = 0;
				ASSERT_NE(NULL, fwcmp_model_connect(
					  &self->bus, self->node, 0, &r[i].c));
			} else {
				EXPECT_EQ(-EBUSY, r[i].rc);
			}
		}
		EXPECT_EQ(1, won);
		check_invariant(&self->bus);
		for (i = 0; i < 2; i++)
			if (r[i].rc == 0)
				model_disconnect(&self->bus, r[i].fd,
						 r[i].c.handle);
		close(fd2);
		check_invariant(&self->bus);
	}
	check_unchanged();
}

/*
 * close() of a descriptor racing a DISCONNECT of its connection in another
 * thread: whoever wins, the connection is broken exactly once.
 */
TEST_F_TIMEOUT(threads, close_races_disconnect, 120)
{
	unsigned int round;

	for (round = 0; round < 15; round++) {
		pthread_barrier_t start;
		struct fwcmp_connect c;
		struct racer r;
		pthread_t t;
		int fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR,
					  1000);

		ASSERT_LE(0, fd2);
		ASSERT_EQ(0, _test_ioctl_connect(fd2, FWCMP_DIR_INPUT,
						 round % 4, 0,
						 FWCMP_ANY_CHANNEL,
						 FWCMP_TEST_SPEED,
						 FWCMP_TEST_PAYLOAD, &c));
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		r = (struct racer){ .fd = fd2, .handle = c.handle,
				    .start = &start };
		ASSERT_EQ(0, pthread_create(&t, NULL, racer_fn, &r));
		pthread_barrier_wait(&start);
		if (round & 1)
			usleep(round * 100);
		ASSERT_EQ(0, close(fd2));
		ASSERT_EQ(0, pthread_join(t, NULL));
		pthread_barrier_destroy(&start);
		/* EBADF: the fd was closed before the ioctl looked it up. */
		EXPECT_TRUE(r.rc == 0 || r.rc == -EINVAL || r.rc == -EBADF)
			TH_LOG("round %u: disconnect %d", round, r.rc);
		{
			char why[256] = "";

			ASSERT_EQ(0, fwcmp_wait_invariant(&self->bus, 1000, why,
							  sizeof(why)))
				TH_LOG("round %u: %s", round, why);
		}
	}
	check_unchanged();
}

TEST_HARNESS_MAIN
