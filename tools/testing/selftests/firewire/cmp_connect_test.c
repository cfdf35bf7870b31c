// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_connect_test.c - firewire-cmp CONNECT and DISCONNECT against
 * firewire-sim's ground truth: oPCR and iPCR connections, channel choice,
 * overlays, foreign connections, IRM exhaustion, compare-swap contention,
 * transaction failures, and every EINVAL/EBADF/EFAULT class. Each test ends
 * with the invariant of reliability.md, or a snapshot equal to the one taken
 * before the call when nothing may change.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

FIXTURE(conn) {
	struct fwcmp_bus bus;
	int node;		/* default node 0: 1 oPCR, 1 iPCR, the IRM */
	int fd;
	struct fwcmp_snapshot before;
};

FIXTURE_SETUP(conn)
{
	fwcmp_setup_bus(&self->bus, 1, NULL, 0);
	self->node = self->bus.node[0].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(conn)
{
	fwcmp_teardown_bus(&self->bus);
}

/*
 * Nothing changed since setup: every PCR and IRM register as before (the
 * stream fields of idle plugs aside).
 */
/* Exactly: every bit of every register as before. */
#define check_exactly_unchanged() do { \
	struct fwcmp_snapshot __now; \
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &__now)); \
	check_snapshot_equal(&self->before, &__now); \
	check_invariant(&self->bus); \
} while (0)

static uint32_t sim_pcr(struct __test_metadata *_metadata,
			struct fwcmp_bus *b, int node, unsigned int dir,
			unsigned int index)
{
	uint32_t v = 0;

	EXPECT_EQ(0, fwcmp_sim_pcr(b, node, dir, index, &v));
	return v;
}

static uint32_t irm_reg(struct __test_metadata *_metadata,
			struct fwcmp_bus *b, const char *name)
{
	uint32_t v = 0;

	EXPECT_EQ(0, fwsim_irm_read(b->id, name, &v));
	return v;
}

static bool irm_channel_free(struct __test_metadata *_metadata,
			     struct fwcmp_bus *b, unsigned int ch)
{
	uint64_t m = fwcmp_channels_mask(irm_reg(_metadata, b,
						 "channels_available_hi"),
					 irm_reg(_metadata, b,
						 "channels_available_lo"));

	return m & (1ULL << ch);
}

static bool is_packet_plus_overhead(unsigned int units, unsigned int quadlets,
				    unsigned int speed)
{
	unsigned int packet = fwcmp_packet_bandwidth(quadlets, speed);
	int gap;

	/* The overhead may be rounded up to the oPCR's 32-unit steps. */
	for (gap = 0; gap <= 63; gap++) {
		unsigned int ovh = fwcmp_overhead_units(gap);

		if (units == packet + ovh ||
		    units == packet + fwcmp_overhead_id_units(
					fwcmp_overhead_id(ovh)))
			return true;
	}
	return false;
}

/* oPCR connection: output values and every register agree exactly. */
TEST_F(conn, output_connect_disconnect)
{
	struct fwcmp_connect c;
	unsigned int gen;
	uint32_t pcr, bw0 = self->before.bandwidth;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
	pcr = sim_pcr(_metadata, &self->bus, self->node, FWCMP_DIR_OUTPUT, 0);
	EXPECT_NE(0, c.handle);
	EXPECT_GE(FWCMP_MAX_CHANNEL, c.channel);
	EXPECT_EQ(pcr, c.pcr);
	EXPECT_EQ(gen, c.generation);
	EXPECT_EQ(1, FWCMP_PCR_ONLINE(pcr));
	EXPECT_EQ(1, FWCMP_PCR_P2P(pcr));
	EXPECT_EQ(c.channel, FWCMP_PCR_CHANNEL(pcr));
	EXPECT_EQ(FWCMP_TEST_SPEED, fwcmp_opcr_speed(pcr));
	EXPECT_EQ(FWCMP_TEST_PAYLOAD, fwcmp_opcr_payload_quadlets(pcr));
	/* The oPCR's overhead ID covers the overhead that was allocated. */
	/*
	 * Units = packet time + an overhead of at least ALSA's for some gap
	 * count, and exactly what anyone computes back from the oPCR.
	 */
	EXPECT_TRUE(is_packet_plus_overhead(c.bandwidth, FWCMP_TEST_PAYLOAD,
					    FWCMP_TEST_SPEED))
		TH_LOG("bandwidth %u for %u quadlets at S%u", c.bandwidth,
		       FWCMP_TEST_PAYLOAD, 100 << FWCMP_TEST_SPEED);
	EXPECT_EQ(fwcmp_opcr_bandwidth(pcr), c.bandwidth);
	EXPECT_EQ(bw0 - c.bandwidth, irm_reg(_metadata, &self->bus,
					     "bandwidth_available"));
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, c.channel));
	check_invariant(&self->bus);

	model_disconnect(&self->bus, self->fd, c.handle);
	/* Issue 4: connect then disconnect leaves the PCR exactly as before. */
	check_exactly_unchanged();
}

/* iPCR connection: p2p and channel set, IRM resources taken and returned. */
TEST_F(conn, input_connect_disconnect)
{
	struct fwcmp_connect c;
	uint32_t pcr;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	pcr = sim_pcr(_metadata, &self->bus, self->node, FWCMP_DIR_INPUT, 0);
	EXPECT_EQ(pcr, c.pcr);
	EXPECT_EQ(1, FWCMP_PCR_P2P(pcr));
	EXPECT_EQ(c.channel, FWCMP_PCR_CHANNEL(pcr));
	EXPECT_LT(0, c.bandwidth);
	/* Only p2p and channel change on an iPCR. */
	EXPECT_EQ(self->before.node[0].ipcr[0] &
		  ~(FWCMP_PCR_P2P_MASK | FWCMP_PCR_CHANNEL_MASK),
		  pcr & ~(FWCMP_PCR_P2P_MASK | FWCMP_PCR_CHANNEL_MASK));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_exactly_unchanged();
}

/* Output and input connections at once, on different channels. */
TEST_F(conn, output_and_input_together)
{
	struct fwcmp_connect o, i;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &o);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &i);
	EXPECT_NE(o.channel, i.channel);
	EXPECT_NE(o.handle, i.handle);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, o.handle);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, i.handle);
	check_unchanged();
}

/* A given channel is the one allocated and written. */
TEST_F(conn, given_channel)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      37, &c);
	EXPECT_EQ(37, c.channel);
	EXPECT_EQ(37, FWCMP_PCR_CHANNEL(sim_pcr(_metadata, &self->bus,
						self->node, FWCMP_DIR_OUTPUT,
						0)));
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, 37));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* Bandwidth follows payload and speed exactly (same overhead both times). */
TEST_F(conn, bandwidth_scales_with_payload_and_speed)
{
	struct fwcmp_connect a, b;

	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S400, 122, &a);
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, &a));
	test_connect(self->fd, FWCMP_DIR_INPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S200, 200, &b);
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, &b));
	EXPECT_EQ(fwcmp_packet_bandwidth(200, FWCMP_SPEED_S200) -
		  fwcmp_packet_bandwidth(122, FWCMP_SPEED_S400),
		  b.bandwidth - a.bandwidth);
	EXPECT_EQ(FWCMP_SPEED_S400,
		  fwcmp_opcr_speed(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0)));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, a.handle);
	model_disconnect(&self->bus, self->fd, b.handle);
	check_unchanged();
}

/* The largest payload at S100 (256 quadlets) is accepted. */
TEST_F(conn, payload_limit_s100)
{
	struct fwcmp_connect c;

	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S100, 256, &c);
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, &c));
	EXPECT_EQ(256, fwcmp_opcr_payload_quadlets(
		  sim_pcr(_metadata, &self->bus, self->node,
			  FWCMP_DIR_OUTPUT, 0)));
	EXPECT_EQ(FWCMP_SPEED_S100, fwcmp_opcr_speed(
		  sim_pcr(_metadata, &self->bus, self->node,
			  FWCMP_DIR_OUTPUT, 0)));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* OVERLAY joins our own connection: p2p 2, no new IRM resources. */
TEST_F(conn, overlay_counting)
{
	struct fwcmp_connect a, b, c;
	uint32_t bw_after_a;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &a);
	bw_after_a = irm_reg(_metadata, &self->bus, "bandwidth_available");
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &b);
	EXPECT_EQ(a.channel, b.channel);
	EXPECT_EQ(0, b.bandwidth);
	EXPECT_NE(a.handle, b.handle);
	/* An overlay with the channel given explicitly. */
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_OVERLAY, a.channel, &c);
	EXPECT_EQ(0, c.bandwidth);
	EXPECT_EQ(3, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0)));
	EXPECT_EQ(bw_after_a, irm_reg(_metadata, &self->bus,
				      "bandwidth_available"));
	check_invariant(&self->bus);

	/* The first one goes; the plug keeps its channel and bandwidth. */
	model_disconnect(&self->bus, self->fd, a.handle);
	EXPECT_EQ(2, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0)));
	EXPECT_EQ(bw_after_a, irm_reg(_metadata, &self->bus,
				      "bandwidth_available"));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, b.handle);
	check_unchanged();
}

/* OVERLAY on an idle plug is a plain connection. */
TEST_F(conn, overlay_on_idle_plug)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &c);
	EXPECT_LT(0, c.bandwidth);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* Our own connection, no OVERLAY: EBUSY, nothing changes. */
TEST_F(conn, busy_without_overlay)
{
	struct fwcmp_connect a;
	struct fwcmp_snapshot s1, s2;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &a);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0, a.channel,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	model_disconnect(&self->bus, self->fd, a.handle);
	check_unchanged();
}

/* OVERLAY asking for another channel than the plug's: EBUSY. */
TEST_F(conn, overlay_other_channel_busy)
{
	struct fwcmp_connect a;
	struct fwcmp_snapshot s1, s2;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      5, &a);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0,
			 FWCMP_CONNECT_OVERLAY, 6, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	model_disconnect(&self->bus, self->fd, a.handle);
	check_unchanged();
}

/* Another controller's connection, no OVERLAY: EBUSY, nothing changes. */
TEST_F(conn, foreign_connection_busy)
{
	struct fwcmp_snapshot s1, s2;

	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0, 7, true, 300));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0, 8,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
}

/*
 * OVERLAY on another controller's connection: joins its channel, takes
 * nothing at the IRM, and leaves the foreign connection's resources alone
 * when it goes.
 */
TEST_F(conn, foreign_connection_overlay)
{
	struct fwcmp_connect c;

	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_INPUT, 0, 7, true, 300));
	check_invariant(&self->bus);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &c);
	EXPECT_EQ(7, c.channel);
	EXPECT_EQ(0, c.bandwidth);
	EXPECT_EQ(2, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_INPUT, 0)));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	EXPECT_EQ(1, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_INPUT, 0)));
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, 7));
	check_invariant(&self->bus);
}

/* A broadcast connection makes the plug busy too. */
TEST_F(conn, broadcast_connection_busy)
{
	struct fwcmp_snapshot s1, s2;
	uint32_t pcr = self->before.node[0].opcr[0];

	pcr = fwcmp_pcr_bcast_set(pcr, 1);
	pcr = fwcmp_pcr_channel_set(pcr, 63);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0, pcr));
	ASSERT_EQ(0, fwcmp_model_foreign_bcast(&self->bus, self->node,
					       FWCMP_DIR_OUTPUT, 0, 63));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
}

/* Off-line plug: ECONNREFUSED, and no IRM resource taken. */
TEST_F(conn, offline_plug_refused)
{
	struct fwcmp_snapshot s1, s2;
	uint32_t pcr = self->before.node[0].opcr[0];

	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0,
					 fwcmp_pcr_online_set(pcr, 0)));
	pcr = self->before.node[0].ipcr[0];
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_INPUT, 0,
					 fwcmp_pcr_online_set(pcr, 0)));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(ECONNREFUSED, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	test_err_connect(ECONNREFUSED, self->fd, FWCMP_DIR_INPUT, 0, 0, 3,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
}

/*
 * A plug that comes back on-line by itself (no bus reset) can be connected:
 * the driver's last value of it, off-line, is not trusted to refuse.
 */
TEST_F(conn, plug_back_online_without_reset)
{
	struct fwcmp_connect c;
	uint32_t pcr = self->before.node[0].opcr[0];

	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0,
					 fwcmp_pcr_online_set(pcr, 0)));
	test_err_connect(ECONNREFUSED, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0, pcr));
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	EXPECT_EQ(1, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					  FWCMP_DIR_OUTPUT, 0)));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_exactly_unchanged();
}

/* No free channel at the IRM: ENOSPC, no bandwidth leaked. */
TEST_F(conn, irm_no_channel)
{
	struct fwcmp_snapshot s1, s2;
	uint64_t free_ch = fwcmp_channels_mask(self->before.channels_hi,
					       self->before.channels_lo);

	ASSERT_EQ(0, fwcmp_foreign_irm_take(&self->bus, free_ch, 0));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(ENOSPC, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	test_err_connect(ENOSPC, self->fd, FWCMP_DIR_INPUT, 0, 0, 12,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
}

/* The given channel is taken, others are free: ENOSPC. */
TEST_F(conn, irm_given_channel_taken)
{
	struct fwcmp_snapshot s1, s2;

	ASSERT_EQ(0, fwcmp_foreign_irm_take(&self->bus, 1ULL << 20, 0));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(ENOSPC, self->fd, FWCMP_DIR_OUTPUT, 0, 0, 20,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
}

/* Not enough bandwidth: ENOSPC, and the channel is not leaked. */
TEST_F(conn, irm_no_bandwidth)
{
	struct fwcmp_snapshot s1, s2;
	unsigned int need = fwcmp_packet_bandwidth(FWCMP_TEST_PAYLOAD,
						   FWCMP_TEST_SPEED);

	/* Leave less than the packet alone needs, overhead aside. */
	ASSERT_EQ(0, fwcmp_foreign_irm_take(&self->bus, 0,
					    self->before.bandwidth - need + 1));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	test_err_connect(ENOSPC, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	test_err_connect(ENOSPC, self->fd, FWCMP_DIR_INPUT, 0, 0, 9,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
}

/* Exactly the bandwidth a connection needs is enough; one unit less is not. */
TEST_F(conn, irm_bandwidth_boundary)
{
	struct fwcmp_connect c;
	unsigned int bw;

	/* Learn the exact units of the test stream from a first connection. */
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	bw = c.bandwidth;
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();

	ASSERT_EQ(0, fwcmp_foreign_irm_take(&self->bus, 0,
					    self->before.bandwidth - bw + 1));
	test_err_connect(ENOSPC, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	check_invariant(&self->bus);
	/* Give one unit back: now it fits exactly, leaving 0. */
	ASSERT_EQ(0, fwsim_reg_write(self->bus.id, self->node,
				     "bandwidth_available", bw));
	self->bus.foreign_bandwidth -= 1;
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	EXPECT_EQ(bw, c.bandwidth);
	EXPECT_EQ(0, irm_reg(_metadata, &self->bus, "bandwidth_available"));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_invariant(&self->bus);
}

/* Every malformed CONNECT is EINVAL and changes nothing. */
TEST_F(conn, connect_einval)
{
	static const struct {
		const char *what;
		struct fwcmp_connect c;
	} bad[] = {
#define OK_C .speed = FWCMP_TEST_SPEED, .payload = FWCMP_TEST_PAYLOAD, \
	     .channel = FWCMP_ANY_CHANNEL
		{ "direction 2", { .direction = 2, OK_C } },
		{ "direction ~0", { .direction = 0xffffffff, OK_C } },
		{ "oPCR index = plug count", { .index = 1, OK_C } },
		{ "iPCR index = plug count",
		  { .direction = FWCMP_DIR_INPUT, .index = 1, OK_C } },
		{ "index 31", { .index = FWCMP_MAX_PLUGS, OK_C } },
		{ "index ~0", { .index = 0xffffffff, OK_C } },
		{ "flag bit 3", { .flags = 1u << 3, OK_C } },
		{ "flag bit 31", { .flags = 1u << 31, OK_C } },
		{ "channel 64", { .channel = 64, .speed = FWCMP_TEST_SPEED,
				  .payload = FWCMP_TEST_PAYLOAD } },
		{ "channel ~1", { .channel = 0xfffffffe,
				  .speed = FWCMP_TEST_SPEED,
				  .payload = FWCMP_TEST_PAYLOAD } },
		{ "speed above the plug's S400", { .channel = FWCMP_ANY_CHANNEL,
				  .speed = FWCMP_SPEED_S800,
				  .payload = FWCMP_TEST_PAYLOAD } },
		{ "speed 6", { .channel = FWCMP_ANY_CHANNEL, .speed = 6,
			       .payload = FWCMP_TEST_PAYLOAD } },
		{ "payload 0", { .channel = FWCMP_ANY_CHANNEL,
				 .speed = FWCMP_TEST_SPEED, .payload = 0 } },
		{ "payload 1025", { .channel = FWCMP_ANY_CHANNEL,
				    .speed = FWCMP_TEST_SPEED,
				    .payload = FWCMP_MAX_PAYLOAD + 1 } },
		{ "payload 257 at S100", { .channel = FWCMP_ANY_CHANNEL,
					   .speed = FWCMP_SPEED_S100,
					   .payload = 257 } },
		{ "payload 513 at S200", { .channel = FWCMP_ANY_CHANNEL,
					   .speed = FWCMP_SPEED_S200,
					   .payload = 513 } },
		{ "handle set", { .handle = 1, OK_C } },
		{ "reserved[0]", { .reserved = { 1 }, OK_C } },
		{ "reserved[3]", { .reserved = { [3] = 0x80000000 }, OK_C } },
		{ "peer_fd without THIRD_PARTY", { .peer_fd = 3, OK_C } },
		{ "peer_index without THIRD_PARTY", { .peer_index = 1, OK_C } },
#undef OK_C
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fwcmp_connect c = bad[i].c;
		int rc = _test_ioctl(self->fd, FWCMP_IOC_CONNECT, &c);

		/* "handle set" is an (out) field: either answer is sane. */
		if (!strcmp(bad[i].what, "handle set") && rc == 0) {
			ASSERT_NE(NULL, fwcmp_model_connect(&self->bus,
							    self->node, 0, &c));
			model_disconnect(&self->bus, self->fd, c.handle);
			continue;
		}
		EXPECT_EQ(-EINVAL, rc)
			TH_LOG("%s", bad[i].what);
	}
	check_unchanged();
}

TEST_F(conn, connect_efault)
{
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_CONNECT, NULL);
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_DISCONNECT, NULL);
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_CONNECT,
		       (void *)0xffffffff81000000UL);
	check_unchanged();
}

TEST_F(conn, disconnect_handle_zero)
{
	test_err_disconnect(EINVAL, self->fd, 0);
	check_unchanged();
}

TEST_F(conn, disconnect_never_issued)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	test_err_disconnect(EINVAL, self->fd, c.handle + 1);
	test_err_disconnect(EINVAL, self->fd, c.handle ^ 0x80000000);
	test_err_disconnect(EINVAL, self->fd, 0xffffffff);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

TEST_F(conn, disconnect_twice)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	model_disconnect(&self->bus, self->fd, c.handle);
	test_err_disconnect(EINVAL, self->fd, c.handle);
	check_unchanged();
}

/* A new connection never reuses the handle of a broken one right away. */
TEST_F(conn, handle_not_reused)
{
	struct fwcmp_connect a, b;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &a);
	model_disconnect(&self->bus, self->fd, a.handle);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &b);
	EXPECT_NE(a.handle, b.handle);
	test_err_disconnect(EINVAL, self->fd, a.handle);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, b.handle);
	check_unchanged();
}

/* Another descriptor's non-persistent handle is EINVAL there. */
TEST_F(conn, disconnect_other_fd_handle)
{
	struct fwcmp_connect c;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 1000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	test_err_disconnect(EINVAL, fd2, c.handle);
	check_invariant(&self->bus);
	close(fd2);
	/* Closing the other descriptor did not touch our connection. */
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

TEST_F(conn, disconnect_reserved)
{
	struct fwcmp_connect c;
	struct fwcmp_disconnect d;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	d.handle = c.handle;
	d.reserved = 1;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_DISCONNECT, &d);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* CONNECT, DISCONNECT and CLEAR_PLUG need a descriptor open for writing. */
TEST_F(conn, readonly_fd_ebadf)
{
	struct fwcmp_connect c;
	int ro;

	ro = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 1000);
	ASSERT_LE(0, ro);
	test_err_connect(EBADF, ro, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_unchanged();
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	test_err_disconnect(EBADF, ro, c.handle);
	test_err_clear_plug(EBADF, ro, FWCMP_DIR_OUTPUT, 0, 0);
	check_invariant(&self->bus);
	close(ro);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/*
 * Compare-swap contention on CONNECT: another controller joins the plug's
 * foreign connection right after the driver's first access to the oPCR, so
 * a lock against the value read (or cached) fails and must be retried with
 * the value the lock returned: the counter ends at 3, not 2.
 */
TEST_F(conn, connect_lock_contention)
{
	struct fwcmp_connect c;
	char rule[96];

	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0, 11, true, 400));
	snprintf(rule, sizeof(rule), "reg=opcr0 on=any nth=1 add=0x%08x",
		 1u << FWCMP_PCR_P2P_SHIFT);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "race", rule));
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &c);
	EXPECT_EQ(11, c.channel);
	EXPECT_EQ(0, c.bandwidth);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "race", "clear"));
	/* The second foreign connection (it took nothing at the IRM). */
	ASSERT_EQ(0, fwcmp_model_foreign(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0, 11));
	EXPECT_EQ(3, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0)));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	EXPECT_EQ(2, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0)));
	check_invariant(&self->bus);
}

/*
 * Compare-swap contention on DISCONNECT: another controller overlaid our
 * connection behind the driver's back, so the lock against the value the
 * driver knows fails. Our share is removed (p2p 1 left) and the channel and
 * bandwidth stay allocated for the remaining connection.
 */
TEST_F(conn, disconnect_lock_contention)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0, c.channel,
					   false, 0));
	model_disconnect(&self->bus, self->fd, c.handle);
	EXPECT_EQ(1, FWCMP_PCR_P2P(sim_pcr(_metadata, &self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0)));
	EXPECT_FALSE(irm_channel_free(_metadata, &self->bus, c.channel));
	check_invariant(&self->bus);
}

/* The unit never answers the plug lock: ETIMEDOUT, IRM rolled back. */
TEST_F(conn, plug_timeout_rolls_back)
{
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault",
				"timeout tcode=lock reg=opcr0 times=0"));
	test_err_connect(ETIMEDOUT, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault", "clear"));
	check_unchanged();
}

/* The unit keeps answering busy: EIO after retries, IRM rolled back. */
TEST_F(conn, plug_busy_rolls_back)
{
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault",
				"busy tcode=lock reg=ipcr0 times=0"));
	test_err_connect(EIO, self->fd, FWCMP_DIR_INPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			 FWCMP_TEST_PAYLOAD);
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault", "clear"));
	check_unchanged();
}

/* One busy answer is retried: the connection is made. */
TEST_F(conn, plug_busy_once_retried)
{
	struct fwcmp_connect c;

	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault",
				"busy tcode=lock reg=opcr0 times=1"));
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

TEST_HARNESS_MAIN
