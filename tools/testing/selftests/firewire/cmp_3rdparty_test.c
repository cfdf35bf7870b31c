// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_3rdparty_test.c - firewire-cmp third-party connections (CONNECT with
 * FWCMP_CONNECT_THIRD_PARTY: one unit's oPCR to another unit's iPCR, the
 * computer only the controller) against firewire-sim's ground truth: both
 * plugs set on one channel taken once at the IRM, one handle, DISCONNECT
 * breaking both and returning the resources once, every errno with nothing
 * changed, bus resets restoring both sides, and the loss of either side
 * (descriptor closed, unit removed, CLEAR_PLUG) breaking the other with one
 * CONN_LOST. Each test ends with the invariant of reliability.md.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

/* Node 1 the camcorder (transmits), node 2 the deck; node 0 is the IRM. */
static const struct fwsim_node_cfg tp_nodes[] = {
	{ .oplugs = 1, .iplugs = 1 },
	{ .oplugs = 1, .iplugs = 2 },
};

FIXTURE(tp) {
	struct fwcmp_bus bus;
	int cam, deck;		/* fwsim node indexes */
	int fda, fdb;		/* their /dev/fwcmpN */
	struct fwcmp_snapshot before;
};

FIXTURE_SETUP(tp)
{
	fwcmp_setup_bus(&self->bus, 1, tp_nodes, 2);
	self->cam = self->bus.node[1].idx;
	self->deck = self->bus.node[2].idx;
	fwcmp_setup_open(&self->bus, self->cam, O_RDWR, &self->fda);
	fwcmp_setup_open(&self->bus, self->deck, O_RDWR, &self->fdb);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(tp)
{
	fwcmp_teardown_bus(&self->bus);
}

#define TP	FWCMP_CONNECT_THIRD_PARTY
#define OUT	FWCMP_DIR_OUTPUT
#define IN	FWCMP_DIR_INPUT

static int tp_connect(int fd, unsigned int dir, unsigned int index,
		      unsigned int flags, unsigned int channel, int peer_fd,
		      unsigned int peer_index, struct fwcmp_connect *out)
{
	struct fwcmp_connect c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.direction = dir;
	c.index = index;
	c.flags = flags;
	c.channel = channel;
	c.speed = FWCMP_TEST_SPEED;
	c.payload = FWCMP_TEST_PAYLOAD;
	c.peer_fd = peer_fd;
	c.peer_index = peer_index;
	rc = _test_ioctl(fd, FWCMP_IOC_CONNECT, &c);
	if (out)
		*out = c;
	return rc;
}

/*
 * Make the default pair, camcorder oPCR0 -> deck iPCR @iplug, and record both
 * sides in the model: the oPCR side holds channel and bandwidth.
 */
#define model_tp(_flags, _iplug, _out, _ma, _mb) do { \
	struct fwcmp_connect __b; \
	ASSERT_EQ(0, tp_connect(self->fda, OUT, 0, TP | (_flags), \
				FWCMP_ANY_CHANNEL, self->fdb, _iplug, _out)); \
	(_out)->direction = OUT; \
	(_out)->index = 0; \
	_ma = fwcmp_model_connect(&self->bus, self->cam, _flags, _out); \
	ASSERT_NE(NULL, _ma); \
	memset(&__b, 0, sizeof(__b)); \
	__b.direction = IN; \
	__b.index = _iplug; \
	__b.channel = (_out)->channel; \
	_mb = fwcmp_model_connect(&self->bus, self->deck, _flags, &__b); \
	ASSERT_NE(NULL, _mb); \
} while (0)

static uint32_t pcr_of(struct __test_metadata *_metadata, struct fwcmp_bus *b,
		       int node, unsigned int dir, unsigned int index)
{
	uint32_t v = 0;

	EXPECT_EQ(0, fwcmp_sim_pcr(b, node, dir, index, &v));
	return v;
}

#define check_unchanged_since(s) do { \
	struct fwcmp_snapshot __now; \
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &__now)); \
	check_snapshot_equal_idle(s, &__now); \
	check_invariant(&self->bus); \
} while (0)

/* No CONN_* event for @handle (any, if 0) arrives on @fd within @ms. */
static void expect_no_conn_event(struct __test_metadata *_metadata, int fd,
				 unsigned int handle, int ms)
{
	struct fwcmp_event ev;

	while (fwcmp_read_event(fd, &ev, ms) == 0) {
		if (ev.type != FWCMP_EVENT_CONN_LOST &&
		    ev.type != FWCMP_EVENT_CONN_RESTORED)
			continue;
		EXPECT_TRUE(handle && ev.handle != handle)
			TH_LOG("unexpected event %u for handle %u", ev.type,
			       ev.handle);
	}
}

/*
 * One CONNECT sets both plugs on one channel; the IRM has that channel
 * and the stream's bandwidth once. DISCONNECT breaks both at once.
 */
TEST_F(tp, connect_disconnect)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_get_plug gp;
	struct fwcmp_connect c;
	uint32_t o, i;

	model_tp(0, 1, &c, ma, mb);
	EXPECT_NE(0, c.handle);
	EXPECT_NE(0, c.bandwidth);
	o = pcr_of(_metadata, &self->bus, self->cam, OUT, 0);
	i = pcr_of(_metadata, &self->bus, self->deck, IN, 1);
	EXPECT_EQ(c.pcr, o);
	EXPECT_EQ(1, FWCMP_PCR_P2P(o));
	EXPECT_EQ(1, FWCMP_PCR_P2P(i));
	EXPECT_EQ(c.channel, FWCMP_PCR_CHANNEL(o));
	EXPECT_EQ(c.channel, FWCMP_PCR_CHANNEL(i));
	EXPECT_EQ(0, FWCMP_PCR_P2P(pcr_of(_metadata, &self->bus, self->deck,
					  IN, 0)));
	test_get_plug(self->fdb, IN, 1, &gp);
	EXPECT_EQ(1, gp.p2p);
	EXPECT_EQ(c.channel, gp.channel);
	check_invariant(&self->bus);

	test_disconnect(self->fda, c.handle);
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	/* Both sides at once: no waiting. */
	check_unchanged_since(&self->before);
	test_err_disconnect(EINVAL, self->fda, c.handle);
	expect_no_conn_event(_metadata, self->fda, 0, 200);
	expect_no_conn_event(_metadata, self->fdb, 0, 1);
}

/* Every bad argument: its errno, and not a bit changed anywhere. */
TEST_F(tp, bad_input)
{
	struct fwcmp_snapshot s;
	uint32_t pcr;
	int ro, null;

	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);
	ro = fwcmp_open_node(&self->bus, self->deck, O_RDONLY, 5000);
	ASSERT_LE(0, ro);

	EXPECT_EQ(-EBADF, tp_connect(self->fda, OUT, 0, TP, FWCMP_ANY_CHANNEL,
				     4000, 0, NULL));
	EXPECT_EQ(-EINVAL, tp_connect(self->fda, OUT, 0, TP, FWCMP_ANY_CHANNEL,
				      null, 0, NULL));
	EXPECT_EQ(-EBADF, tp_connect(self->fda, OUT, 0, TP, FWCMP_ANY_CHANNEL,
				     ro, 0, NULL));
	EXPECT_EQ(-EINVAL, tp_connect(self->fda, OUT, 0, TP, FWCMP_ANY_CHANNEL,
				      self->fdb, 2, NULL));
	EXPECT_EQ(-EINVAL, tp_connect(self->fda, IN, 0, TP, FWCMP_ANY_CHANNEL,
				      self->fdb, 0, NULL));
	EXPECT_EQ(-EINVAL, tp_connect(self->fda, OUT, 0,
				      TP | FWCMP_CONNECT_BROADCAST,
				      FWCMP_ANY_CHANNEL, self->fdb, 0, NULL));
	EXPECT_EQ(-EINVAL, tp_connect(self->fda, OUT, 1, TP, FWCMP_ANY_CHANNEL,
				      self->fdb, 0, NULL));
	/* peer fields without the flag */
	EXPECT_EQ(-EINVAL, tp_connect(self->fda, OUT, 0, 0, FWCMP_ANY_CHANNEL,
				      self->fdb, 0, NULL));
	EXPECT_EQ(-EBADF, tp_connect(ro, OUT, 0, TP, FWCMP_ANY_CHANNEL,
				     self->fdb, 0, NULL));
	check_unchanged_since(&self->before);

	/* The deck's iPCR0 is used by another controller on channel 9. */
	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->deck, IN, 0, 9,
					   true, 100));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));
	EXPECT_EQ(-EBUSY, tp_connect(self->fda, OUT, 0, TP, FWCMP_ANY_CHANNEL,
				     self->fdb, 0, NULL));
	check_unchanged_since(&s);

	/* The deck's iPCR1 is off-line. */
	pcr = pcr_of(_metadata, &self->bus, self->deck, IN, 1);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->deck, IN, 1,
					 fwcmp_pcr_online_set(pcr, 0)));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s));
	EXPECT_EQ(-ECONNREFUSED, tp_connect(self->fda, OUT, 0, TP,
					    FWCMP_ANY_CHANNEL, self->fdb, 1,
					    NULL));
	check_unchanged_since(&s);
	EXPECT_EQ(0, close(ro));
	EXPECT_EQ(0, close(null));
}

/*
 * Bus reset: each unit restores its side; the handle gets one
 * CONN_RESTORED, the deck's descriptor none.
 */
TEST_F(tp, bus_reset_restores_both)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_tp(0, 0, &c, ma, mb);
	fwcmp_drain_events(self->fda);
	fwcmp_drain_events(self->fdb);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	fwcmp_model_reset(&self->bus);
	ASSERT_EQ(0, fwcmp_wait_event(self->fda, FWCMP_EVENT_CONN_RESTORED,
				      c.handle, &ev, 3000));
	EXPECT_EQ(c.channel, ev.channel);
	wait_invariant(&self->bus);
	EXPECT_EQ(1, FWCMP_PCR_P2P(pcr_of(_metadata, &self->bus, self->deck,
					  IN, 0)));
	expect_no_conn_event(_metadata, self->fdb, 0, 300);

	test_disconnect(self->fda, c.handle);
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	check_unchanged_since(&self->before);
}

/* The deck's descriptor closes: its side goes, the camcorder's follows. */
TEST_F(tp, peer_closed)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_tp(0, 0, &c, ma, mb);
	fwcmp_drain_events(self->fda);
	EXPECT_EQ(0, close(self->fdb));
	self->fdb = -1;
	ASSERT_EQ(0, fwcmp_wait_event(self->fda, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 3000));
	EXPECT_EQ(FWCMP_LOST_PEER, ev.reason);
	EXPECT_EQ(OUT, ev.direction);
	EXPECT_EQ(c.channel, ev.channel);
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	wait_invariant(&self->bus);
	check_unchanged_since(&self->before);
	/* Reported once, and the handle is gone. */
	expect_no_conn_event(_metadata, self->fda, 0, 300);
	test_err_disconnect(EINVAL, self->fda, c.handle);
}

/* The camcorder's descriptor closes: both sides go. */
TEST_F(tp, owner_closed)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_connect c;

	model_tp(0, 1, &c, ma, mb);
	EXPECT_EQ(0, close(self->fda));
	self->fda = -1;
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	wait_invariant(&self->bus);
	check_unchanged_since(&self->before);
	expect_no_conn_event(_metadata, self->fdb, 0, 200);
}

/* A persistent pair outlives both descriptors; another one breaks it. */
TEST_F(tp, persistent)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_connect c;
	int fd;

	model_tp(FWCMP_CONNECT_PERSISTENT, 0, &c, ma, mb);
	EXPECT_EQ(0, close(self->fdb));
	self->fdb = -1;
	EXPECT_EQ(0, close(self->fda));
	self->fda = -1;
	fwcmp_msleep(200);
	check_invariant(&self->bus);
	fd = fwcmp_open_node(&self->bus, self->cam, O_RDWR, 5000);
	ASSERT_LE(0, fd);
	test_disconnect(fd, c.handle);
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	check_unchanged_since(&self->before);
	EXPECT_EQ(0, close(fd));
}

/* The deck is unplugged for good: the camcorder's side is lost too. */
TEST_F(tp, peer_removed)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_tp(0, 0, &c, ma, mb);
	fwcmp_drain_events(self->fda);
	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->deck));
	fwcmp_model_drop(&self->bus, mb);
	self->bus.node[2].used = false;
	ASSERT_EQ(0, fwcmp_wait_event(self->fda, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 10000));
	EXPECT_EQ(FWCMP_LOST_PEER, ev.reason);
	fwcmp_model_drop(&self->bus, ma);
	wait_invariant(&self->bus);
	EXPECT_EQ(0, FWCMP_PCR_P2P(pcr_of(_metadata, &self->bus, self->cam,
					  OUT, 0)));
	expect_no_conn_event(_metadata, self->fda, 0, 300);
}

/* The camcorder goes: its side is lost, the deck's iPCR is broken. */
TEST_F(tp, owner_removed)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_tp(0, 1, &c, ma, mb);
	fwcmp_drain_events(self->fda);
	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->cam));
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	self->bus.node[1].used = false;
	ASSERT_EQ(0, fwcmp_wait_event(self->fda, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 10000));
	EXPECT_TRUE(ev.reason == FWCMP_LOST_UNIT_REMOVED ||
		    ev.reason == FWCMP_LOST_PLUG_OFFLINE)
		TH_LOG("lost with reason %u", ev.reason);
	wait_invariant(&self->bus);
	expect_no_conn_event(_metadata, self->fdb, 0, 300);
}

/*
 * CLEAR_PLUG of the deck's iPCR: the pair is lost once, and the IRM gets
 * channel and bandwidth back exactly once, from the camcorder's side.
 */
TEST_F(tp, clear_peer_plug)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_clear_plug cp;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_tp(0, 0, &c, ma, mb);
	fwcmp_drain_events(self->fda);
	test_clear_plug(self->fdb, IN, 0, 0, &cp);
	EXPECT_EQ(FWCMP_ANY_CHANNEL, cp.channel);
	EXPECT_EQ(0, cp.bandwidth);
	ASSERT_EQ(0, fwcmp_wait_event(self->fda, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 3000));
	EXPECT_EQ(FWCMP_LOST_PEER, ev.reason);
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	wait_invariant(&self->bus);
	check_unchanged_since(&self->before);
	expect_no_conn_event(_metadata, self->fda, 0, 300);
}

/* CLEAR_PLUG of the camcorder's oPCR: the deck's side goes too. */
TEST_F(tp, clear_owner_plug)
{
	struct fwcmp_conn *ma, *mb;
	struct fwcmp_clear_plug cp;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_tp(0, 0, &c, ma, mb);
	fwcmp_drain_events(self->fda);
	test_clear_plug(self->fda, OUT, 0, 0, &cp);
	EXPECT_EQ(c.channel, cp.channel);
	ASSERT_EQ(0, fwcmp_wait_event(self->fda, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 3000));
	EXPECT_EQ(FWCMP_LOST_CLEARED, ev.reason);
	fwcmp_model_drop(&self->bus, ma);
	fwcmp_model_drop(&self->bus, mb);
	wait_invariant(&self->bus);
	check_unchanged_since(&self->before);
	expect_no_conn_event(_metadata, self->fda, 0, 300);
}

TEST_HARNESS_MAIN
