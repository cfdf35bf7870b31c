// SPDX-License-Identifier: GPL-2.0
/*
 * rel_irm_test.c - lock requests that were executed but whose response never
 * came back (firewire-sim's lost_response fault), at the IRM's
 * CHANNELS_AVAILABLE and BANDWIDTH_AVAILABLE registers and at the plugs,
 * during CONNECT, DISCONNECT and the restore after a bus reset.
 *
 * A lost response looks exactly like a timeout to the requester, but the
 * register has changed. Sending the same compare-swap again from the guessed
 * old value would allocate (or free) a second time: the leak this file
 * guards against. Every case ends with the invariant of reliability.md
 * against ground truth, and with an idle bus once everything is closed.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/firewire-constants.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"
#include "rel_util.h"

static const char *const irm_regs[] = {
	"channels_available_hi", "bandwidth_available",
};

static const char *const all_regs[] = {
	"channels_available_hi", "bandwidth_available", "opcr0",
};

/*
 * Lost answers the driver meets: at the IRM it sends the same lock again
 * to find out; at a plug it reads the plug instead (cmp-pcr.c), so a second
 * lost answer there is never asked for.
 */
static unsigned int lost_expected(const char *reg, unsigned int times)
{
	return strncmp(reg, "opcr", 4) ? times : 1;
}

FIXTURE(irm) {
	struct fwcmp_bus bus;
	int node;		/* default node 0: 1 oPCR, 1 iPCR, the IRM */
	int fd;
	struct fwcmp_snapshot before;
};

FIXTURE_SETUP(irm)
{
	fwcmp_setup_bus(&self->bus, 1, NULL, 0);
	self->node = self->bus.node[0].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(irm)
{
	fwcmp_teardown_bus(&self->bus);
}

/*
 * Arm "the next @times locks of @reg on @node are executed, their answers
 * lost": with 2, the lock sent again to find out is lost too.
 */
static int arm_lost(struct fwcmp_bus *b, int node, const char *reg,
		    unsigned int times)
{
	char rule[96];
	int rc;

	rc = fwsim_stats_clear(b->id, node);
	if (rc)
		return rc;
	snprintf(rule, sizeof(rule), "lost_response tcode=lock reg=%s times=%u",
		 reg, times);
	return fwsim_knob(b->id, node, "fault", rule);
}

static uint64_t stat_of(struct __test_metadata *_metadata,
			struct fwcmp_bus *b, int node, const char *name)
{
	uint64_t v = 0;

	EXPECT_EQ(0, fwsim_stat(b->id, node, name, &v));
	return v;
}

/* How many responses the simulator dropped since arm_lost(). */
#define lost_count(b, node) stat_of(_metadata, b, node, "lock.lost_response")

#define disarm() \
	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault", "clear"))

/*
 * The simulator's rule works as documented: the compare-swap is executed
 * (the register changes) and the requester sees RCODE_CANCELLED.
 */
TEST_F(irm, sim_lost_response_executes)
{
	char dev[64];
	uint32_t data[2], resp = 0, val = 0;
	size_t len = sizeof(resp);

	ASSERT_EQ(0, fwsim_fw_dev(self->bus.id, self->node, dev, sizeof(dev)));
	ASSERT_EQ(0, fwsim_irm_read(self->bus.id, "bandwidth_available", &val));
	ASSERT_EQ(0, arm_lost(&self->bus, self->node, "bandwidth_available",
			      1));
	data[0] = htobe32(val);
	data[1] = htobe32(val - 100);
	EXPECT_EQ(RCODE_CANCELLED,
		  fwsim_transaction(dev, TCODE_LOCK_COMPARE_SWAP,
				    0xfffff0000220ULL, data, sizeof(data),
				    &resp, &len, -1));
	EXPECT_EQ(1, lost_count(&self->bus, self->node));
	ASSERT_EQ(0, fwsim_irm_read(self->bus.id, "bandwidth_available",
				    &resp));
	EXPECT_EQ(val - 100, resp);
	disarm();
	/* put it back as the test found it */
	data[0] = htobe32(val - 100);
	data[1] = htobe32(val);
	len = sizeof(resp);
	EXPECT_EQ(RCODE_COMPLETE,
		  fwsim_transaction(dev, TCODE_LOCK_COMPARE_SWAP,
				    0xfffff0000220ULL, data, sizeof(data),
				    &resp, &len, -1));
	check_unchanged();
}

/*
 * The loops guess from the IRM's last answer: with nobody else at the IRM,
 * a connect after the first takes one lock per IRM register and the plug
 * lock, a disconnect the same, and neither reads anything.
 */
TEST_F(irm, one_lock_per_register)
{
	struct fwcmp_connect c;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, fwsim_stats_clear(self->bus.id, self->node));
		model_connect(&self->bus, self->node, self->fd,
			      FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL, &c);
		TH_LOG("connect %u: %llu reads, %llu locks", i,
		       (unsigned long long)stat_of(_metadata, &self->bus,
						   self->node,
						   "read_quadlet.complete"),
		       (unsigned long long)stat_of(_metadata, &self->bus,
						   self->node,
						   "lock.complete"));
		if (i) {
			EXPECT_EQ(0, stat_of(_metadata, &self->bus, self->node,
					     "read_quadlet.complete"));
			EXPECT_EQ(3, stat_of(_metadata, &self->bus, self->node,
					     "lock.complete"));
		}
		ASSERT_EQ(0, fwsim_stats_clear(self->bus.id, self->node));
		model_disconnect(&self->bus, self->fd, c.handle);
		TH_LOG("disconnect %u: %llu reads, %llu locks", i,
		       (unsigned long long)stat_of(_metadata, &self->bus,
						   self->node,
						   "read_quadlet.complete"),
		       (unsigned long long)stat_of(_metadata, &self->bus,
						   self->node,
						   "lock.complete"));
		EXPECT_EQ(0, stat_of(_metadata, &self->bus, self->node,
				     "read_quadlet.complete"));
		EXPECT_EQ(3, stat_of(_metadata, &self->bus, self->node,
				     "lock.complete"));
	}
	check_unchanged();
}

/*
 * One connect and disconnect, with the answer to the lock of @reg lost
 * @times times in a row (2: the lock sent again to find out is lost too)
 * during the connect or, with @at_disconnect, during the disconnect. The
 * connection is made, the IRM holds exactly its channel and bandwidth, and
 * the disconnect gives back exactly that, nothing twice.
 */
static void lost_answer_cycle(struct __test_metadata *_metadata,
			      FIXTURE_DATA(irm) *self, const char *reg,
			      unsigned int times, bool at_disconnect)
{
	struct fwcmp_connect c;
	uint64_t lost = 0;

	/* Counted and disarmed right after the one operation it is for. */
	if (!at_disconnect)
		ASSERT_EQ(0, arm_lost(&self->bus, self->node, reg, times));
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	if (!at_disconnect) {
		lost = lost_count(&self->bus, self->node);
		disarm();
	}
	check_invariant(&self->bus);
	if (at_disconnect)
		ASSERT_EQ(0, arm_lost(&self->bus, self->node, reg, times));
	model_disconnect(&self->bus, self->fd, c.handle);
	if (at_disconnect) {
		lost = lost_count(&self->bus, self->node);
		disarm();
	}
	check_unchanged();
	TH_LOG("%s %s times=%u: %llu lost", at_disconnect ? "disconnect" :
	       "connect", reg, times, (unsigned long long)lost);
	EXPECT_EQ(lost_expected(reg, times), lost);
}

TEST_F(irm, connect_lost_answer)
{
	unsigned int r, times;

	for (r = 0; r < ARRAY_SIZE(all_regs); r++)
		for (times = 1; times <= 2; times++)
			lost_answer_cycle(_metadata, self, all_regs[r], times,
					  false);
}

TEST_F(irm, disconnect_lost_answer)
{
	unsigned int r, times;

	for (r = 0; r < ARRAY_SIZE(all_regs); r++)
		for (times = 1; times <= 2; times++)
			lost_answer_cycle(_metadata, self, all_regs[r], times,
					  true);
}

/*
 * The restore after a bus reset (the batch, and the per-plug path it falls
 * back to), IRM answers lost as above: both connections restored, the IRM holds
 * what they hold and not twice that.
 */
TEST_F(irm, restore_lost_answer)
{
	struct fwcmp_connect c[2];
	unsigned int r, times, gen, handles[2];
	struct fwcmp_event ev[2];
	uint64_t lost;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c[0]);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c[1]);
	handles[0] = c[0].handle;
	handles[1] = c[1].handle;
	for (r = 0; r < ARRAY_SIZE(irm_regs); r++) {
		for (times = 1; times <= 2; times++) {
			fwcmp_drain_events(self->fd);
			ASSERT_EQ(0, arm_lost(&self->bus, self->node,
					      irm_regs[r], times));
			ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
			ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
			fwcmp_model_reset(&self->bus);
			ASSERT_EQ(0, fwcmp_wait_events(self->fd,
					FWCMP_EVENT_CONN_RESTORED, handles, 2,
					ev, 5000))
				TH_LOG("%s times=%u: not restored", irm_regs[r],
				       times);
			lost = lost_count(&self->bus, self->node);
			disarm();
			wait_invariant(&self->bus);
			TH_LOG("%s times=%u: %llu lost", irm_regs[r], times,
			       (unsigned long long)lost);
			EXPECT_EQ(times, lost);
		}
	}
	model_disconnect(&self->bus, self->fd, c[0].handle);
	model_disconnect(&self->bus, self->fd, c[1].handle);
	check_invariant(&self->bus);
}

/*
 * Every answer of the IRM lost, at connect: the driver cannot learn whether
 * it holds the channel, so it must not claim a connection. The plug stays
 * untouched, no bandwidth is taken, and the error is a documented one. A
 * channel a lost lock took is beyond any controller's knowledge until the
 * next bus reset frees it (IEEE 1394-2008 8.3.2.3.8); after that reset the
 * bus is idle again.
 */
TEST_F(irm, connect_all_answers_lost)
{
	struct fwcmp_snapshot now;
	int rc;

	ASSERT_EQ(0, fwsim_knob(self->bus.id, self->node, "fault",
				"lost_response tcode=lock reg=channels_available_hi times=0"));
	rc = _test_ioctl_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0,
				 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
				 FWCMP_TEST_PAYLOAD, NULL);
	disarm();
	EXPECT_TRUE(rc == -EIO || rc == -ETIMEDOUT)
		TH_LOG("connect: %s", strerror(-rc));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &now));
	EXPECT_EQ(0, FWCMP_PCR_P2P(now.node[0].opcr[0]));
	EXPECT_EQ(self->before.bandwidth, now.bandwidth);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	wait_invariant(&self->bus);
	check_unchanged();
}

TEST_HARNESS_MAIN
