// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_reset_test.c - firewire-cmp across bus resets, against firewire-sim's
 * ground truth: one connection and a full bus restored (same channel, same
 * bandwidth, counter set again), BUS_RESET and CONN_RESTORED events, resets
 * injected after the k-th transaction of a connect and of a disconnect
 * (walking k), the IRM moving to another node, and a restore that fails
 * being reported lost with nothing left behind.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

FIXTURE(reset) {
	struct fwcmp_bus bus;
	int node;		/* default node 0: 1 oPCR, 1 iPCR, the IRM */
	int fd;
};

FIXTURE_SETUP(reset)
{
	fwcmp_setup_bus(&self->bus, 1, NULL, 0);
	self->node = self->bus.node[0].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(reset)
{
	fwcmp_teardown_bus(&self->bus);
}

/*
 * Wait for the CONN_RESTORED of each of @n connections on @fd (any order);
 * checks every event's fields.
 */
static void expect_restored_n(struct __test_metadata *_metadata, int fd,
			      const struct fwcmp_connect *c, unsigned int n)
{
	struct fwcmp_event ev[32];
	unsigned int handles[32], i;

	ASSERT_GE(32, n);
	for (i = 0; i < n; i++)
		handles[i] = c[i].handle;
	ASSERT_EQ(0, fwcmp_wait_events(fd, FWCMP_EVENT_CONN_RESTORED, handles,
				       n, ev, 3000))
		TH_LOG("CONN_RESTORED missing");
	for (i = 0; i < n; i++) {
		EXPECT_EQ(c[i].direction, ev[i].direction);
		EXPECT_EQ(c[i].index, ev[i].index);
		EXPECT_EQ(c[i].channel, ev[i].channel);
		EXPECT_EQ(0, ev[i].reason);
		EXPECT_EQ(0, ev[i].flags);
	}
}
#define expect_restored(fd, c) expect_restored_n(_metadata, fd, c, 1)

/* One connection: BUS_RESET, then CONN_RESTORED, and the registers again. */
TEST_F(reset, restores_one)
{
	struct fwcmp_connect c;
	struct fwcmp_event ev;
	unsigned int gen0, gen;
	uint32_t pcr0, pcr;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 0,
				   &pcr0));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen0));
	fwcmp_drain_events(self->fd);

	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
	ASSERT_LT(gen0, gen);
	ASSERT_EQ(0, fwcmp_wait_reset_event(self->fd, gen, &ev, 3000));
	expect_restored(self->fd, &c);
	wait_invariant(&self->bus);
	/* The very same register value as before the reset. */
	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 0,
				   &pcr));
	EXPECT_EQ(pcr0, pcr);

	model_disconnect(&self->bus, self->fd, c.handle);
	check_invariant(&self->bus);
}

/* Overlaid connections come back with the same count, resources once. */
TEST_F(reset, restores_overlay)
{
	struct fwcmp_connect a, b, i;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &a);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &b);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &i);
	fwcmp_drain_events(self->fd);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	wait_invariant(&self->bus);
	/* Twice, to be sure the restore does not count up on its own. */
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	wait_invariant(&self->bus);
	fwcmp_msleep(300);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, a.handle);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, b.handle);
	model_disconnect(&self->bus, self->fd, i.handle);
	check_invariant(&self->bus);
}

/* A connection broken before the reset does not come back. */
TEST_F(reset, broken_stays_broken)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	model_disconnect(&self->bus, self->fd, c.handle);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_msleep(1200);
	check_invariant(&self->bus);
	test_err_disconnect(EINVAL, self->fd, c.handle);
}

/*
 * A bus reset after the k-th transaction of CONNECT, for every k until the
 * connect completes before the reset: the call either succeeds (and the
 * connection is then restored) or fails with EAGAIN having changed nothing.
 */
TEST_F_TIMEOUT(reset, reset_during_connect, 240)
{
	unsigned int k, gen0, gen;
	char val[16];
	int rc;

	for (k = 1; k <= 16; k++) {
		struct fwcmp_connect c;

		ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen0));
		snprintf(val, sizeof(val), "%u", k);
		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", val));
		rc = _test_ioctl_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0,
					 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					 FWCMP_TEST_PAYLOAD, &c);
		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", "0"));
		ASSERT_EQ(0, fwsim_settle(self->bus.id));
		ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
		ASSERT_TRUE(rc == 0 || rc == -EAGAIN)
			TH_LOG("k=%u: connect %s", k, strerror(-rc));
		if (rc == 0) {
			c.direction = FWCMP_DIR_OUTPUT;
			c.index = 0;
			ASSERT_NE(NULL, fwcmp_model_connect(&self->bus,
							    self->node, 0,
							    &c));
		}
		{
			char why[256] = "";

			ASSERT_EQ(0, fwcmp_wait_invariant(&self->bus, 3000,
							  why, sizeof(why)))
				TH_LOG("k=%u, connect %s: %s", k,
				       rc ? "EAGAIN" : "ok", why);
		}
		if (rc == 0) {
			model_disconnect(&self->bus, self->fd, c.handle);
			check_invariant(&self->bus);
		}
		if (gen == gen0) {
			TH_LOG("connect needs %u transactions", k - 1);
			break;
		}
	}
	ASSERT_GT(16, k);
	/* At least the IRM allocation and the plug lock were walked. */
	ASSERT_LE(3, k);
}

/*
 * A bus reset after the k-th transaction of DISCONNECT: it always succeeds,
 * the counter ends at 0 and the IRM at its initial values, and the restore
 * after the reset does not bring the connection back.
 */
TEST_F_TIMEOUT(reset, reset_during_disconnect, 240)
{
	unsigned int k, gen0, gen;
	char val[16];

	for (k = 1; k <= 16; k++) {
		struct fwcmp_connect c;

		model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT,
			      0, 0, FWCMP_ANY_CHANNEL, &c);
		ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen0));
		snprintf(val, sizeof(val), "%u", k);
		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", val));
		EXPECT_EQ(0, _test_ioctl_disconnect(self->fd, c.handle))
			TH_LOG("k=%u", k);
		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", "0"));
		ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, c.handle));
		ASSERT_EQ(0, fwsim_settle(self->bus.id));
		ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
		/* Past the restore window: nothing may come back. */
		if (gen != gen0)
			fwcmp_msleep(1200);
		{
			char why[256] = "";

			ASSERT_EQ(0, fwcmp_invariant(&self->bus, why,
						     sizeof(why)))
				TH_LOG("k=%u: %s", k, why);
		}
		test_err_disconnect(EINVAL, self->fd, c.handle);
		if (gen == gen0) {
			TH_LOG("disconnect needs %u transactions", k - 1);
			break;
		}
	}
	ASSERT_GT(16, k);
	ASSERT_LE(2, k);
}

/* The IRM moves to the local node: resources are taken there instead. */
TEST_F(reset, irm_moves_to_local)
{
	struct fwcmp_connect oi[2];
	int irm;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &oi[0]);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &oi[1]);
	ASSERT_EQ(0, fwsim_irm_node(self->bus.id, &irm));
	ASSERT_EQ(self->node, irm);
	fwcmp_drain_events(self->fd);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL, "irm", "local"));
	ASSERT_EQ(0, fwsim_settle(self->bus.id));
	ASSERT_EQ(0, fwsim_irm_node(self->bus.id, &irm));
	ASSERT_EQ(FWSIM_LOCAL, irm);
	expect_restored_n(_metadata, self->fd, oi, 2);
	/* Checked at the new IRM, with channel 31 taken by firewire-core. */
	wait_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, oi[0].handle);
	model_disconnect(&self->bus, self->fd, oi[1].handle);
	check_invariant(&self->bus);
}

/*
 * The plug lock of the restore never gets an answer: the connection is
 * reported lost (transaction failure) and the IRM resources the restore took
 * are returned.
 */
TEST_F_TIMEOUT(reset, restore_fails_reported_lost, 60)
{
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	fwcmp_drain_events(self->fd);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault",
				"timeout tcode=lock reg=opcr0 times=0"));
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	ASSERT_EQ(0, fwcmp_wait_event(self->fd, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 10000));
	EXPECT_EQ(FWCMP_LOST_TRANSACTION, ev.reason);
	EXPECT_EQ(c.channel, ev.channel);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault", "clear"));
	ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, c.handle));
	wait_invariant(&self->bus);
	test_err_disconnect(EINVAL, self->fd, c.handle);
}

/* Every descriptor of the unit gets BUS_RESET; CONN_* go to the owner. */
TEST_F(reset, events_per_descriptor)
{
	struct fwcmp_connect c;
	struct fwcmp_event ev;
	unsigned int gen;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 1000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	fwcmp_drain_events(self->fd);
	fwcmp_drain_events(fd2);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
	ASSERT_EQ(0, fwcmp_wait_reset_event(self->fd, gen, &ev, 3000));
	ASSERT_EQ(0, fwcmp_wait_reset_event(fd2, gen, &ev, 3000));
	expect_restored(self->fd, &c);
	wait_invariant(&self->bus);
	/* fd2 saw no CONN_* event of fd's non-persistent connection. */
	while (fwcmp_read_event(fd2, &ev, 200) == 0)
		EXPECT_EQ(FWCMP_EVENT_BUS_RESET, ev.type);
	close(fd2);
	model_disconnect(&self->bus, self->fd, c.handle);
}

/* ---- a full bus: several nodes and plugs, bandwidth used up ---- */

static const struct fwsim_node_cfg full_nodes[] = {
	{ .oplugs = 4, .iplugs = 4 },
};

FIXTURE(full) {
	struct fwcmp_bus bus;
	int fd[2];
};

FIXTURE_SETUP(full)
{
	fwcmp_setup_bus(&self->bus, 1, full_nodes, 1);
	fwcmp_setup_open(&self->bus, self->bus.node[0].idx, O_RDWR,
			 &self->fd[0]);
	fwcmp_setup_open(&self->bus, self->bus.node[1].idx, O_RDWR,
			 &self->fd[1]);
}

FIXTURE_TEARDOWN_PARENT(full)
{
	fwcmp_teardown_bus(&self->bus);
}

/*
 * As many connections as the IRM allows, over both nodes' plugs; a bus reset
 * restores every one of them.
 */
TEST_F_TIMEOUT(full, reset_restores_full_bus, 120)
{
	struct fwcmp_connect c[32];
	unsigned int n = 0, s, dir, idx, last_bw = 0, irm_bw;
	unsigned int slot[32];
	int rc = 0;

	for (s = 0; s < 2 && !rc; s++) {
		struct fwcmp_node *nd = &self->bus.node[s];

		for (dir = 0; dir < 2 && !rc; dir++) {
			unsigned int plugs = dir ? nd->iplugs : nd->oplugs;

			for (idx = 0; idx < plugs && !rc; idx++) {
				rc = _test_ioctl_connect(self->fd[s], dir, idx,
							 0, FWCMP_ANY_CHANNEL,
							 FWCMP_TEST_SPEED,
							 FWCMP_TEST_PAYLOAD,
							 &c[n]);
				if (rc)
					break;
				c[n].direction = dir;
				c[n].index = idx;
				ASSERT_NE(NULL, fwcmp_model_connect(
					  &self->bus, nd->idx, 0, &c[n]));
				last_bw = c[n].bandwidth;
				slot[n] = s;
				n++;
			}
		}
	}
	/* The bus ran out of bandwidth, for real. */
	ASSERT_EQ(-ENOSPC, rc);
	ASSERT_LE(3, n);
	ASSERT_EQ(0, fwsim_irm_read(self->bus.id, "bandwidth_available",
				    &irm_bw));
	EXPECT_GT(last_bw, irm_bw);
	check_invariant(&self->bus);
	TH_LOG("%u connections fill the bus", n);

	fwcmp_drain_events(self->fd[0]);
	fwcmp_drain_events(self->fd[1]);
	for (s = 0; s < 2; s++)
		ASSERT_EQ(0, fwsim_stats_clear(self->bus.id,
					       self->bus.node[s].idx));
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	for (s = 0; s < 2; s++) {
		struct fwcmp_connect mine[32];
		unsigned int m = 0, j;

		for (j = 0; j < n; j++)
			if (slot[j] == s)
				mine[m++] = c[j];
		expect_restored_n(_metadata, self->fd[s], mine, m);
	}
	wait_invariant(&self->bus);

	/*
	 * Restored as one batch: one lock per plug, one per IRM register
	 * (CHANNELS_AVAILABLE_HI, BANDWIDTH_AVAILABLE) and no reads, where
	 * one connection after another costs three locks each. The slack is
	 * firewire-core's own bus manager work at the IRM (BUS_MANAGER_ID,
	 * the broadcast channel) and one wrong guess of an IRM register.
	 */
	{
		uint64_t locks = 0, reads = 0, v;

		for (s = 0; s < 2; s++) {
			ASSERT_EQ(0, fwsim_stat(self->bus.id,
						self->bus.node[s].idx,
						"lock.complete", &v));
			locks += v;
			ASSERT_EQ(0, fwsim_stat(self->bus.id,
						self->bus.node[s].idx,
						"read_quadlet.complete", &v));
			reads += v;
		}
		TH_LOG("%u connections restored with %llu locks, %llu reads",
		       n, (unsigned long long)locks, (unsigned long long)reads);
		EXPECT_LE(locks, n + 2 + 4);
		EXPECT_EQ(0, reads);
	}

	for (s = 0; s < n; s++)
		model_disconnect_node(&self->bus, self->bus.node[slot[s]].idx,
				      self->fd[slot[s]], c[s].handle);
	check_invariant(&self->bus);
}

TEST_HARNESS_MAIN
