// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_bcast_test.c - firewire-cmp broadcast connections (CONNECT with
 * FWCMP_CONNECT_BROADCAST) against firewire-sim's ground truth: broadcast-out
 * on an oPCR with and without an oMPR broadcast channel base, broadcast-in
 * on an iPCR, coexistence with p2p connections on the same plug and the IRM
 * ownership moving between them, bus resets (the device keeps the broadcast
 * bit, the driver takes channel and bandwidth again within IEC 61883-1's one
 * second), close, unit removal, and every errno with nothing changed. Each
 * test ends with the invariant of reliability.md, which checks the broadcast
 * bit of every plug against the model.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

/* Node 1: three oPCRs, two iPCRs; node 0 (1 oPCR, 1 iPCR) is the IRM. */
static const struct fwsim_node_cfg bcast_nodes[] = {
	{ .oplugs = 3, .iplugs = 2 },
};

FIXTURE(bcast) {
	struct fwcmp_bus bus;
	int node;	/* fwsim index of node 1 */
	int slot;
	int fd;
	struct fwcmp_snapshot before;
};

FIXTURE_SETUP(bcast)
{
	fwcmp_setup_bus(&self->bus, 1, bcast_nodes, 1);
	self->slot = 1;
	self->node = self->bus.node[1].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(bcast)
{
	fwcmp_teardown_bus(&self->bus);
}

#define BC	FWCMP_CONNECT_BROADCAST
#define OUT	FWCMP_DIR_OUTPUT
#define IN	FWCMP_DIR_INPUT

static uint32_t pcr_of(struct __test_metadata *_metadata, struct fwcmp_bus *b,
		       int node, unsigned int dir, unsigned int index)
{
	uint32_t v = 0;

	EXPECT_EQ(0, fwcmp_sim_pcr(b, node, dir, index, &v));
	return v;
}
#define PCR(dir, index) pcr_of(_metadata, &self->bus, self->node, dir, index)

static bool irm_channel_free(struct __test_metadata *_metadata,
			     struct fwcmp_bus *b, unsigned int ch)
{
	uint32_t hi = 0, lo = 0;

	EXPECT_EQ(0, fwsim_irm_read(b->id, "channels_available_hi", &hi));
	EXPECT_EQ(0, fwsim_irm_read(b->id, "channels_available_lo", &lo));
	return fwcmp_channels_mask(hi, lo) >> ch & 1;
}

/* Nothing changed: the registers as in @s (idle plugs loosely), invariant. */
#define check_unchanged_since(s) do { \
	struct fwcmp_snapshot __now; \
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &__now)); \
	check_snapshot_equal_idle(s, &__now); \
	check_invariant(&self->bus); \
} while (0)

/*
 * Give node 1's oMPR a broadcast channel base, as another controller may at
 * any time: the driver reads the oMPR again at each broadcast-out CONNECT.
 */
static void set_bcast_base(struct __test_metadata *_metadata,
			   struct fwcmp_bus *b, int node, unsigned int base)
{
	uint32_t ompr;

	ASSERT_EQ(0, fwsim_reg_read(b->id, node, "ompr", &ompr));
	ompr = fwcmp_ompr_bcast_base_set(ompr, base);
	ASSERT_EQ(0, fwsim_reg_write(b->id, node, "ompr", ompr));
}

static unsigned int info_bcast_base(struct __test_metadata *_metadata, int fd)
{
	struct fwcmp_get_info info;

	memset(&info, 0, sizeof(info));
	info.version = FWCMP_ABI_VERSION;
	EXPECT_EQ(0, _test_ioctl_get_info(fd, &info));
	EXPECT_LE(2, info.version);
	return info.broadcast_channel_base;
}

/*
 * Broadcast-out with no channel base (63): any free channel, taken at the
 * IRM with the stream's bandwidth; bit 30 set, p2p untouched, the stream
 * fields written. DISCONNECT puts every bit back and returns both.
 */
TEST_F(bcast, out_any_channel)
{
	struct fwcmp_get_plug gp;
	struct fwcmp_connect c;
	uint32_t pcr;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &c);
	EXPECT_NE(0, c.handle);
	EXPECT_EQ(fwcmp_stream_bandwidth(FWCMP_TEST_PAYLOAD, FWCMP_TEST_SPEED,
					 FWCMP_OPCR_OVERHEAD(c.pcr)),
		  c.bandwidth);
	pcr = PCR(OUT, 0);
	EXPECT_EQ(c.pcr, pcr);
	EXPECT_EQ(1, FWCMP_PCR_BCAST(pcr));
	EXPECT_EQ(0, FWCMP_PCR_P2P(pcr));
	EXPECT_EQ(c.channel, FWCMP_PCR_CHANNEL(pcr));
	EXPECT_EQ(FWCMP_TEST_SPEED, fwcmp_opcr_speed(pcr));
	EXPECT_EQ(FWCMP_TEST_PAYLOAD, fwcmp_opcr_payload_quadlets(pcr));
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, c.channel));
	test_get_plug(self->fd, OUT, 0, &gp);
	EXPECT_EQ(1, gp.broadcast);
	EXPECT_EQ(0, gp.p2p);
	EXPECT_EQ(c.channel, gp.channel);
	check_invariant(&self->bus);

	model_disconnect(&self->bus, self->fd, c.handle);
	/* Set up from idle: every field back as it was. */
	EXPECT_EQ(self->before.node[self->slot].opcr[0], PCR(OUT, 0));
	check_unchanged_since(&self->before);
	test_err_disconnect(EINVAL, self->fd, c.handle);
}

/* A requested channel is used when there is no base; a taken one is ENOSPC. */
TEST_F(bcast, out_given_channel)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, OUT, 1, BC, 40, &c);
	EXPECT_EQ(40, c.channel);
	EXPECT_EQ(40, FWCMP_PCR_CHANNEL(PCR(OUT, 1)));
	check_invariant(&self->bus);
	/* Channel 40 is ours now: another broadcast-out on it fails. */
	test_err_connect(ENOSPC, self->fd, OUT, 2, BC, 40, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged_since(&self->before);
}

/*
 * With an oMPR broadcast channel base, oPCR[n] broadcasts on base + n
 * (IEC 61883-1): any other channel is EINVAL, ANY picks it, and a base + n
 * past channel 63 names no channel (EINVAL).
 */
TEST_F(bcast, out_channel_base)
{
	struct fwcmp_snapshot s;
	struct fwcmp_connect c0, c1;

	set_bcast_base(_metadata, &self->bus, self->node, 20);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));

	test_err_connect(EINVAL, self->fd, OUT, 1, BC, 5, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&s);

	EXPECT_EQ(20, info_bcast_base(_metadata, self->fd));
	model_connect(&self->bus, self->node, self->fd, OUT, 1, BC,
		      FWCMP_ANY_CHANNEL, &c1);
	EXPECT_EQ(21, c1.channel);
	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC, 20, &c0);
	EXPECT_EQ(20, c0.channel);
	EXPECT_EQ(20, FWCMP_PCR_CHANNEL(PCR(OUT, 0)));
	EXPECT_EQ(21, FWCMP_PCR_CHANNEL(PCR(OUT, 1)));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c0.handle);
	model_disconnect(&self->bus, self->fd, c1.handle);
	check_unchanged_since(&s);

	/* Base 62: oPCR1 -> 63 is a channel, oPCR2 -> 64 is not. */
	set_bcast_base(_metadata, &self->bus, self->node, 62);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));
	test_err_connect(EINVAL, self->fd, OUT, 2, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&s);
	model_connect(&self->bus, self->node, self->fd, OUT, 1, BC,
		      FWCMP_ANY_CHANNEL, &c1);
	EXPECT_EQ(63, c1.channel);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c1.handle);
	check_unchanged_since(&s);
}

/*
 * Broadcast-in: the channel is required (EINVAL without one), the bit and
 * the channel are set, nothing is taken at the IRM.
 */
TEST_F(bcast, in_listens_without_irm)
{
	struct fwcmp_connect c;
	uint32_t pcr;

	test_err_connect(EINVAL, self->fd, IN, 0, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&self->before);

	model_connect(&self->bus, self->node, self->fd, IN, 1, BC, 9, &c);
	EXPECT_EQ(9, c.channel);
	EXPECT_EQ(0, c.bandwidth);
	pcr = PCR(IN, 1);
	EXPECT_EQ(1, FWCMP_PCR_BCAST(pcr));
	EXPECT_EQ(0, FWCMP_PCR_P2P(pcr));
	EXPECT_EQ(9, FWCMP_PCR_CHANNEL(pcr));
	EXPECT_TRUE(irm_channel_free(_metadata, &self->bus, 9));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged_since(&self->before);
}

/*
 * Broadcast-out and broadcast-in between two units on one channel, the way
 * a camcorder broadcasts to a recorder.
 */
TEST_F(bcast, out_to_in_other_unit)
{
	struct fwcmp_connect co, ci;
	int fd0;

	fd0 = fwcmp_open_node(&self->bus, self->bus.node[0].idx, O_RDWR, 5000);
	ASSERT_LE(0, fd0);
	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &co);
	model_connect(&self->bus, self->bus.node[0].idx, fd0, IN, 0, BC,
		      co.channel, &ci);
	EXPECT_EQ(co.channel, FWCMP_PCR_CHANNEL(pcr_of(_metadata, &self->bus,
				self->bus.node[0].idx, IN, 0)));
	check_invariant(&self->bus);
	model_disconnect_node(&self->bus, self->bus.node[0].idx, fd0,
			      ci.handle);
	model_disconnect_node(&self->bus, self->node, self->fd, co.handle);
	EXPECT_EQ(0, close(fd0));
	check_unchanged_since(&self->before);
}

/*
 * A p2p connection first, then broadcast on the same plug: EBUSY without
 * OVERLAY; with it the broadcast joins the channel (no IRM resources).
 * Breaking the p2p connection first hands the IRM resources to the
 * broadcast one, which returns them at the end.
 */
TEST_F(bcast, join_p2p_then_handover)
{
	struct fwcmp_connect p, b;
	struct fwcmp_snapshot s;
	uint32_t pcr;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &p);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));
	test_err_connect(EBUSY, self->fd, OUT, 0, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&s);
	/* OVERLAY on another channel than the plug's: EBUSY too. */
	test_err_connect(EBUSY, self->fd, OUT, 0,
			 BC | FWCMP_CONNECT_OVERLAY, (p.channel + 1) % 63,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&s);

	model_connect(&self->bus, self->node, self->fd, OUT, 0,
		      BC | FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &b);
	EXPECT_EQ(p.channel, b.channel);
	EXPECT_EQ(0, b.bandwidth);
	pcr = PCR(OUT, 0);
	EXPECT_EQ(1, FWCMP_PCR_BCAST(pcr));
	EXPECT_EQ(1, FWCMP_PCR_P2P(pcr));
	check_invariant(&self->bus);

	/* The p2p goes: the plug stays in use, the channel stays taken. */
	model_disconnect(&self->bus, self->fd, p.handle);
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, b.channel));
	check_invariant(&self->bus);
	/* ...and the broadcast connection takes it again after a reset. */
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_model_reset(&self->bus);
	wait_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, b.handle);
	check_unchanged_since(&self->before);
}

/*
 * Broadcast first, then a p2p OVERLAY joins; the broadcast goes first and
 * the p2p set takes over the IRM resources (also over a reset).
 */
TEST_F(bcast, p2p_joins_broadcast)
{
	struct fwcmp_connect p, b;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &b);
	test_err_connect(EBUSY, self->fd, OUT, 0, 0, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	model_connect(&self->bus, self->node, self->fd, OUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &p);
	EXPECT_EQ(b.channel, p.channel);
	EXPECT_EQ(0, p.bandwidth);
	check_invariant(&self->bus);

	model_disconnect(&self->bus, self->fd, b.handle);
	EXPECT_EQ(0, FWCMP_PCR_BCAST(PCR(OUT, 0)));
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, p.channel));
	check_invariant(&self->bus);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_model_reset(&self->bus);
	wait_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, p.handle);
	check_unchanged_since(&self->before);
}

/* One broadcast bit per plug: ours or another controller's, EBUSY. */
TEST_F(bcast, second_broadcast_busy)
{
	struct fwcmp_connect b;
	struct fwcmp_snapshot s;
	uint32_t pcr;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &b);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));
	test_err_connect(EBUSY, self->fd, OUT, 0, BC | FWCMP_CONNECT_OVERLAY,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&s);
	model_disconnect(&self->bus, self->fd, b.handle);

	/* Another controller's broadcast-in on iPCR0. */
	pcr = fwcmp_pcr_bcast_set(PCR(IN, 0), 1);
	pcr = fwcmp_pcr_channel_set(pcr, 33);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node, IN, 0, pcr));
	ASSERT_EQ(0, fwcmp_model_foreign_bcast(&self->bus, self->node, IN, 0,
					       33));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));
	test_err_connect(EBUSY, self->fd, IN, 0, BC | FWCMP_CONNECT_OVERLAY,
			 33, FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&s);
}

/* Every bad argument: its errno, and not a bit changed anywhere. */
TEST_F(bcast, bad_input)
{
	struct fwcmp_connect c;
	uint32_t pcr;
	int ro;

	memset(&c, 0, sizeof(c));
	c.direction = OUT;
	c.flags = BC;
	c.channel = FWCMP_ANY_CHANNEL;
	c.speed = FWCMP_TEST_SPEED;
	c.payload = FWCMP_TEST_PAYLOAD;
	c.reserved[3] = 1;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_CONNECT, &c);
	c.reserved[3] = 0;
	c.flags = BC | 1u << 31;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_CONNECT, &c);
	test_err_connect(EINVAL, self->fd, OUT, 0, BC, 64, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	test_err_connect(EINVAL, self->fd, OUT, 3, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	test_err_connect(EINVAL, self->fd, 2, 0, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	test_err_connect(EINVAL, self->fd, OUT, 0, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, 0);
	test_err_connect(EINVAL, self->fd, OUT, 0, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_SPEED_S800, FWCMP_TEST_PAYLOAD);
	check_unchanged_since(&self->before);

	ro = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 5000);
	ASSERT_LE(0, ro);
	test_err_connect(EBADF, ro, OUT, 0, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	EXPECT_EQ(0, close(ro));
	check_unchanged_since(&self->before);

	/* Off-line plug: ECONNREFUSED and the IRM untouched. */
	pcr = self->before.node[self->slot].opcr[0];
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node, OUT, 0,
					 fwcmp_pcr_online_set(pcr, 0)));
	test_err_connect(ECONNREFUSED, self->fd, OUT, 0, BC,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node, OUT, 0, pcr));
	check_unchanged_since(&self->before);

	/* No channel left at the IRM: ENOSPC, and nothing taken. */
	ASSERT_EQ(0, fwcmp_foreign_irm_take(&self->bus, ~0ULL, 0));
	test_err_connect(ENOSPC, self->fd, OUT, 1, BC, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_invariant(&self->bus);
}

/*
 * Bus reset: the device keeps both broadcast bits (p2p counters cleared),
 * the driver takes the broadcast-out's channel and bandwidth again within
 * IEC 61883-1's one second, and reports CONN_RESTORED flagged broadcast.
 */
TEST_F(bcast, bus_reset_restores_irm)
{
	struct fwcmp_connect co, ci;
	struct timespec t0, t1;
	unsigned int handles[2], gen;
	struct fwcmp_event evs[2];
	uint32_t po, pi;
	long ms;
	int i;

	model_connect(&self->bus, self->node, self->fd, OUT, 2,
		      BC | FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &co);
	model_connect(&self->bus, self->node, self->fd, IN, 1, BC, 50, &ci);
	po = PCR(OUT, 2);
	pi = PCR(IN, 1);
	fwcmp_drain_events(self->fd);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_model_reset(&self->bus);
	/* The device kept them: the same registers right after the reset. */
	EXPECT_EQ(po, PCR(OUT, 2));
	EXPECT_EQ(pi, PCR(IN, 1));
	for (i = 0; i < 200 && irm_channel_free(_metadata, &self->bus,
						 co.channel); i++)
		fwcmp_msleep(5);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	TH_LOG("broadcast channel taken again %ld ms after the reset", ms);
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, co.channel));
	EXPECT_GT(1000, ms);

	handles[0] = co.handle;
	handles[1] = ci.handle;
	ASSERT_EQ(0, fwcmp_wait_events(self->fd, FWCMP_EVENT_CONN_RESTORED,
				       handles, 2, evs, 3000));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(FWCMP_EVENT_FLAG_BROADCAST, evs[i].flags);
		EXPECT_EQ(gen, evs[i].generation);
	}
	EXPECT_EQ(OUT, evs[0].direction);
	EXPECT_EQ(2, evs[0].index);
	EXPECT_EQ(co.channel, evs[0].channel);
	EXPECT_EQ(IN, evs[1].direction);
	EXPECT_EQ(50, evs[1].channel);
	wait_invariant(&self->bus);

	model_disconnect(&self->bus, self->fd, co.handle);
	model_disconnect(&self->bus, self->fd, ci.handle);
	check_unchanged_since(&self->before);
}

/*
 * A device that lost the bit anyway over the reset (a power cycle) gets it
 * back; a plug another controller took for its own broadcast on another
 * channel is reported lost with PLUG_BUSY, and the IRM resources go back.
 */
TEST_F(bcast, bus_reset_bit_lost_or_taken)
{
	struct fwcmp_connect c0, c1;
	struct fwcmp_event ev;
	uint32_t pcr;
	int i;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &c0);
	model_connect(&self->bus, self->node, self->fd, OUT, 1, BC,
		      FWCMP_ANY_CHANNEL, &c1);
	fwcmp_drain_events(self->fd);
	/* oPCR0 forgot; oPCR1 broadcasts on channel 3 for someone else. */
	pcr = PCR(OUT, 0);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node, OUT, 0,
					 fwcmp_pcr_bcast_set(pcr, 0)));
	pcr = fwcmp_pcr_channel_set(PCR(OUT, 1), 3);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node, OUT, 1, pcr));
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_model_reset(&self->bus);

	/* Both in the order the driver walks the plugs; read them all. */
	for (i = 0; i < 2; ) {
		ASSERT_EQ(0, fwcmp_read_event(self->fd, &ev, 3000));
		if (ev.type == FWCMP_EVENT_CONN_LOST) {
			EXPECT_EQ(c1.handle, ev.handle);
			EXPECT_EQ(FWCMP_LOST_PLUG_BUSY, ev.reason);
			EXPECT_EQ(FWCMP_EVENT_FLAG_BROADCAST, ev.flags);
			EXPECT_EQ(c1.channel, ev.channel);
			i++;
		} else if (ev.type == FWCMP_EVENT_CONN_RESTORED) {
			EXPECT_EQ(c0.handle, ev.handle);
			i++;
		}
	}
	ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, c1.handle));
	ASSERT_EQ(0, fwcmp_model_foreign_bcast(&self->bus, self->node, OUT, 1,
					       3));
	wait_invariant(&self->bus);
	EXPECT_EQ(1, FWCMP_PCR_BCAST(PCR(OUT, 0)));
	EXPECT_EQ(pcr, PCR(OUT, 1));
	test_err_disconnect(EINVAL, self->fd, c1.handle);
	model_disconnect(&self->bus, self->fd, c0.handle);
	check_invariant(&self->bus);
}

/*
 * close() breaks the descriptor's broadcast connections and returns what
 * they hold; a persistent one survives and another descriptor breaks it.
 */
TEST_F(bcast, close_breaks_nonpersistent)
{
	struct fwcmp_connect a, p;
	int fd2, fd3;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, fd2, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &a);
	model_connect(&self->bus, self->node, fd2, OUT, 1,
		      BC | FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &p);
	check_invariant(&self->bus);
	/* Another descriptor's non-persistent handle: EINVAL. */
	test_err_disconnect(EINVAL, self->fd, a.handle);
	EXPECT_EQ(0, close(fd2));
	fwcmp_model_drop_nonpersistent(&self->bus);
	check_invariant(&self->bus);
	EXPECT_EQ(0, FWCMP_PCR_BCAST(PCR(OUT, 0)));
	EXPECT_EQ(1, FWCMP_PCR_BCAST(PCR(OUT, 1)));

	fd3 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);
	ASSERT_LE(0, fd3);
	model_disconnect(&self->bus, fd3, p.handle);
	EXPECT_EQ(0, close(fd3));
	check_unchanged_since(&self->before);
}

/*
 * The unit goes away: its broadcast connections are reported lost before
 * UNIT_REMOVED, and the IRM (node 0, still there) holds nothing of them.
 */
TEST_F(bcast, unit_removed)
{
	struct fwcmp_connect c[2];
	struct fwcmp_event ev[2], e;
	unsigned int handles[2], i;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, BC,
		      FWCMP_ANY_CHANNEL, &c[0]);
	model_connect(&self->bus, self->node, self->fd, IN, 0,
		      BC | FWCMP_CONNECT_PERSISTENT, 17, &c[1]);
	check_invariant(&self->bus);
	fwcmp_drain_events(self->fd);

	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->node));
	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		if (self->bus.conn[i].live &&
		    self->bus.conn[i].node == self->node)
			fwcmp_model_drop(&self->bus, &self->bus.conn[i]);
	self->bus.node[self->slot].used = false;

	for (i = 0; i < 2; i++)
		handles[i] = c[i].handle;
	ASSERT_EQ(0, fwcmp_wait_events(self->fd, FWCMP_EVENT_CONN_LOST,
				       handles, 2, ev, 10000));
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(ev[i].reason == FWCMP_LOST_UNIT_REMOVED ||
			    ev[i].reason == FWCMP_LOST_PLUG_OFFLINE)
			TH_LOG("handle %u lost with reason %u", handles[i],
			       ev[i].reason);
		EXPECT_EQ(FWCMP_EVENT_FLAG_BROADCAST, ev[i].flags);
		EXPECT_EQ(c[i].channel, ev[i].channel);
	}
	ASSERT_EQ(0, fwcmp_read_event(self->fd, &e, 2000));
	EXPECT_EQ(FWCMP_EVENT_UNIT_REMOVED, e.type);
	wait_invariant(&self->bus);
	test_err_disconnect(ENODEV, self->fd, c[1].handle);
	EXPECT_EQ(0, close(self->fd));
	self->fd = -1;
	check_invariant(&self->bus);
}

/*
 * CLEAR_PLUG resets the p2p counter only: our broadcast connection on the
 * plug stays and takes over the channel the cleared p2p set held.
 */
TEST_F(bcast, clear_plug_keeps_broadcast)
{
	struct fwcmp_connect p, b;
	struct fwcmp_clear_plug cp;

	model_connect(&self->bus, self->node, self->fd, OUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &p);
	model_connect(&self->bus, self->node, self->fd, OUT, 0,
		      BC | FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &b);
	test_clear_plug(self->fd, OUT, 0, 0, &cp);
	EXPECT_EQ(FWCMP_ANY_CHANNEL, cp.channel);
	ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, p.handle));
	EXPECT_EQ(1, FWCMP_PCR_BCAST(PCR(OUT, 0)));
	check_invariant(&self->bus);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_model_reset(&self->bus);
	wait_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, b.handle);
	check_unchanged_since(&self->before);
}

TEST_HARNESS_MAIN
