// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_interop_test.c - firewire-cmp next to libiec61883 (Debian's
 * libiec61883 1.2.0 over libraw1394's firewire-core backend) on one plug,
 * against firewire-sim's ground truth (plug registers, the IRM's
 * BANDWIDTH_AVAILABLE and CHANNELS_AVAILABLE):
 *  - a connection made by iec61883_cmp_connect() (device oPCR -> PC, and
 *    PC -> device iPCR) is seen by GET_PLUG, is joined by CONNECT with
 *    FWCMP_CONNECT_OVERLAY without a second IRM allocation, and both break
 *    in either order;
 *  - ours first, and iec61883_cmp_connect() overlays it;
 *  - plugreport shows our connections;
 *  - a libiec61883 program killed with SIGKILL leaves its plug and IRM
 *    allocation stale; CLEAR_PLUG recovers both;
 *  - a bus reset with both kinds of connection on one plug: we restore our
 *    share, iec61883_cmp_reconnect() restores its share, nobody counts twice.
 * Where libiec61883 itself leaves resources behind, the test says so and
 * asserts exactly what is left (Documentation/firewire/firewire-cmp-interop.rst
 * has the findings).
 *
 * The expected libiec61883 numbers are computed here from its cmp.c rules,
 * independently of the driver: channel = lowest free channel, bandwidth =
 * (overhead_id ? overhead_id * 32 : 512) + (payload + 3) * 4 << (2 - speed).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/firewire-cdev.h>
#include <libraw1394/raw1394.h>
#include <libiec61883/iec61883.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

/* The default node's registers (firewire-sim.rst). */
#define OPCR_IDLE	0x803f007au	/* on-line, ch 63, S100, 122 quadlets */
#define IPCR_IDLE	0x803f0000u	/* on-line, ch 63 */
#define OMPR_RATE	FWCMP_SPEED_S400
#define ALL_FREE	(~0ULL)

/* The bandwidth iec61883_cmp_calc_bandwidth() computes from oPCR fields. */
static unsigned int lib_bandwidth(uint32_t opcr, unsigned int speed)
{
	unsigned int oh = FWCMP_OPCR_OVERHEAD(opcr);
	unsigned int payload = FWCMP_OPCR_PAYLOAD(opcr);

	return (oh ? oh * 32 : 512) + (payload + 3) * (1u << (2 - speed)) * 4;
}

/* A PCR with other p2p counter, channel and (oPCR, < 0: kept) data rate. */
static uint32_t pcr_with(uint32_t pcr, unsigned int p2p, unsigned int ch,
			 int rate)
{
	pcr = fwcmp_pcr_p2p_set(pcr, p2p);
	pcr = fwcmp_pcr_channel_set(pcr, ch);
	if (rate >= 0)
		pcr = fwcmp_opcr_rate_set(pcr, rate);
	return pcr;
}

static unsigned int first_free(uint64_t mask)
{
	return __builtin_ctzll(mask);
}

FIXTURE(interop) {
	struct fwcmp_bus bus;
	int node;		/* default node 0: 1 oPCR, 1 iPCR, the IRM */
	int fd;
	int port;		/* libraw1394 port of the simulated bus */
	struct fwcmp_snapshot before;
};

/* firewire-core's card index behind a /dev/fwN, or -errno. */
static int fw_card_of(const char *path)
{
	struct fw_cdev_event_bus_reset reset;
	struct fw_cdev_get_info info = { .version = 4 };
	int fd, rc;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	info.bus_reset = (uintptr_t)&reset;
	rc = ioctl(fd, FW_CDEV_IOC_GET_INFO, &info);
	close(fd);
	return rc < 0 ? -errno : (int)info.card;
}

/* The libraw1394 port (a card) of the node's /dev/fwN, or -errno. */
static int find_port(struct fwcmp_bus *b, int node)
{
	struct raw1394_portinfo pinf[16];
	raw1394handle_t h;
	char path[64];
	int card, n, i;

	if (fwsim_fw_dev(b->id, node, path, sizeof(path)))
		return -ENOENT;
	card = fw_card_of(path);
	if (card < 0)
		return card;
	h = raw1394_new_handle();
	if (!h)
		return -errno;
	n = raw1394_get_port_info(h, pinf, 16);
	raw1394_destroy_handle(h);
	for (i = 0; i < n && i < 16; i++)
		if (fw_card_of(pinf[i].name) == card)
			return i;
	return -ENOENT;
}

FIXTURE_SETUP(interop)
{
	uint32_t v;

	fwcmp_setup_bus(&self->bus, 1, NULL, 0);
	self->node = self->bus.node[0].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	self->port = find_port(&self->bus, self->node);
	if (self->port < 0)
		fwcmp_bus_destroy(&self->bus);
	ASSERT_LE(0, self->port)
		TH_LOG("no libraw1394 port for the simulated bus: %s",
		       strerror(-self->port));
	ASSERT_EQ(0, fwsim_reg_read(self->bus.id, self->node, "opcr0", &v));
	ASSERT_EQ(OPCR_IDLE, v);
	ASSERT_EQ(0, fwsim_reg_read(self->bus.id, self->node, "ipcr0", &v));
	ASSERT_EQ(IPCR_IDLE, v);
	ASSERT_EQ(0, fwsim_reg_read(self->bus.id, self->node, "ompr", &v));
	ASSERT_EQ(OMPR_RATE, FWCMP_MPR_RATE(v));
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(interop)
{
	fwcmp_teardown_bus(&self->bus);
}

/* A libraw1394 handle on the simulated bus, in the current generation. */
static raw1394handle_t lib_open(struct __test_metadata *_metadata, int port)
{
	raw1394handle_t h = raw1394_new_handle();

	if (!h)
		return NULL;
	if (raw1394_set_port(h, port)) {
		raw1394_destroy_handle(h);
		return NULL;
	}
	return h;
}

static nodeid_t dev_id(struct fwcmp_bus *b, int node)
{
	return 0xffc0 | fwsim_node_phy_id(b->id, node);
}

/* Ground truth of the node's two plugs and of the IRM. */
struct gt {
	uint32_t opcr;
	uint32_t ipcr;
	uint32_t bandwidth;
	uint64_t free;		/* bit n = channel n free at the IRM */
};

static int gt_read(struct fwcmp_bus *b, int node, struct gt *g)
{
	uint32_t hi, lo;
	int rc;

	rc = fwsim_reg_read(b->id, node, "opcr0", &g->opcr);
	rc = rc ?: fwsim_reg_read(b->id, node, "ipcr0", &g->ipcr);
	rc = rc ?: fwsim_irm_read(b->id, "bandwidth_available", &g->bandwidth);
	rc = rc ?: fwsim_irm_read(b->id, "channels_available_hi", &hi);
	rc = rc ?: fwsim_irm_read(b->id, "channels_available_lo", &lo);
	g->free = fwcmp_channels_mask(hi, lo);
	return rc;
}

/* Every register exactly: both plugs, bandwidth, the free-channel mask. */
#define expect_gt(_opcr, _ipcr, _bw, _free) do { \
	struct gt __g; \
	ASSERT_EQ(0, gt_read(&self->bus, self->node, &__g)); \
	EXPECT_EQ((uint32_t)(_opcr), __g.opcr) \
		TH_LOG("oPCR0 %08x, expected %08x", __g.opcr, \
		       (uint32_t)(_opcr)); \
	EXPECT_EQ((uint32_t)(_ipcr), __g.ipcr) \
		TH_LOG("iPCR0 %08x, expected %08x", __g.ipcr, \
		       (uint32_t)(_ipcr)); \
	EXPECT_EQ((uint32_t)(_bw), __g.bandwidth); \
	EXPECT_EQ((uint64_t)(_free), __g.free) \
		TH_LOG("free channels %016llx, expected %016llx", \
		       (unsigned long long)__g.free, \
		       (unsigned long long)(_free)); \
	ASSERT_FALSE(_metadata->exit_code != KSFT_PASS); \
} while (0)

/* GET_PLUG agrees with the ground-truth register. */
#define expect_get_plug(_dir, _p2p, _ch) do { \
	struct fwcmp_get_plug __p; \
	uint32_t __v; \
	test_get_plug(self->fd, _dir, 0, &__p); \
	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, _dir, 0, &__v)); \
	EXPECT_EQ(__v, __p.value); \
	EXPECT_EQ(1, __p.online); \
	EXPECT_EQ(0, __p.broadcast); \
	EXPECT_EQ((unsigned int)(_p2p), __p.p2p); \
	EXPECT_EQ((unsigned int)(_ch), __p.channel); \
} while (0)

/* Idle again: the invariant with no connection, registers as at setup. */
#define expect_idle() check_unchanged()

/* ---- libiec61883 first, ours overlays ---- */

/*
 * iec61883_cmp_connect() from the device's oPCR to the PC. The PC has no
 * plug registers, so libiec61883 takes its "output plugs only" path: it
 * allocates the bandwidth computed from the oPCR (speed: the oMPR's) and
 * the lowest free channel, and sets channel, data rate and p2p 1.
 */
static int lib_connect_out(struct __test_metadata *_metadata,
			   FIXTURE_DATA(interop) *self, raw1394handle_t h,
			   int *oplug, int *bw)
{
	int iplug = -1, ch;

	*bw = 1;	/* in: allocate bandwidth */
	ch = iec61883_cmp_connect(h, dev_id(&self->bus, self->node), oplug,
				  raw1394_get_local_id(h), &iplug, bw);
	EXPECT_EQ(-1, iplug);
	return ch;
}

static void lib_out_then_ours(struct __test_metadata *_metadata,
			      FIXTURE_DATA(interop) *self, bool ours_breaks_first)
{
	unsigned int want_bw = lib_bandwidth(OPCR_IDLE, OMPR_RATE), ch;
	struct fwcmp_connect c;
	uint32_t lib_pcr;
	raw1394handle_t h;
	int oplug = -1, bw, rc;

	ch = first_free(fwcmp_channels_mask(self->before.channels_hi,
					    self->before.channels_lo));
	lib_pcr = pcr_with(OPCR_IDLE, 1, ch, OMPR_RATE);
	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(ch, lib_connect_out(_metadata, self, h, &oplug, &bw));
	ASSERT_EQ(0, oplug);
	ASSERT_EQ(want_bw, bw);
	expect_gt(lib_pcr, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - want_bw,
		  ALL_FREE & ~(1ULL << ch));
	/* GET_PLUG sees it; it is not ours: CONNECT without OVERLAY is EBUSY. */
	expect_get_plug(FWCMP_DIR_OUTPUT, 1, ch);
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122);
	expect_gt(lib_pcr, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - want_bw,
		  ALL_FREE & ~(1ULL << ch));

	/* Overlay: p2p 2, same channel, nothing more at the IRM. */
	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, FWCMP_CONNECT_OVERLAY,
		     FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122, &c);
	EXPECT_EQ(ch, c.channel);
	EXPECT_EQ(0, c.bandwidth);
	EXPECT_EQ(pcr_with(lib_pcr, 2, ch, -1), c.pcr);
	expect_gt(pcr_with(lib_pcr, 2, ch, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - want_bw, ALL_FREE & ~(1ULL << ch));
	expect_get_plug(FWCMP_DIR_OUTPUT, 2, ch);

	if (ours_breaks_first) {
		/* Ours is not the last: p2p 1, the IRM keeps libiec61883's. */
		test_disconnect(self->fd, c.handle);
		expect_gt(lib_pcr, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - want_bw,
			  ALL_FREE & ~(1ULL << ch));
		/*
		 * libiec61883 breaks the last one: p2p 0, channel field set
		 * to the oMPR's broadcast channel, channel and bandwidth freed.
		 */
		rc = iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node),
					     oplug, raw1394_get_local_id(h), -1,
					     ch, bw);
		EXPECT_EQ(0, rc);
		expect_gt(pcr_with(lib_pcr, 0, 63, -1), IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	} else {
		/* libiec61883 is not the last: it frees nothing. */
		rc = iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node),
					     oplug, raw1394_get_local_id(h), -1,
					     ch, bw);
		EXPECT_EQ(0, rc);
		expect_gt(pcr_with(lib_pcr, 1, ch, -1), IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - want_bw,
			  ALL_FREE & ~(1ULL << ch));
		/*
		 * We break the last one and return what the oPCR says the
		 * stream holds: the same units libiec61883 took.
		 */
		test_disconnect(self->fd, c.handle);
		expect_gt(pcr_with(lib_pcr, 0, ch, -1), IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	}
	expect_get_plug(FWCMP_DIR_OUTPUT, 0,
			ours_breaks_first ? 63 : ch);
	expect_idle();
	raw1394_destroy_handle(h);
}

TEST_F(interop, lib_out_ours_overlay_ours_breaks_first)
{
	lib_out_then_ours(_metadata, self, true);
}

TEST_F(interop, lib_out_ours_overlay_lib_breaks_first)
{
	lib_out_then_ours(_metadata, self, false);
}

/*
 * iec61883_cmp_connect() from the PC to the device's iPCR: libiec61883's
 * "input plugs only" path. It sets the iPCR's channel and p2p 1 and, having
 * no oPCR of the stream, allocates the bandwidth computed from the
 * *receiving* device's oPCR of the same index, at that oPCR's data rate.
 */
static void lib_in_then_ours(struct __test_metadata *_metadata,
			     FIXTURE_DATA(interop) *self, bool ours_breaks_first)
{
	unsigned int ch, ours_bw, want_bw;
	struct fwcmp_connect c;
	raw1394handle_t h;
	uint32_t lib_pcr;
	int oplug = -1, iplug = -1, bw = 1, rc;

	ch = first_free(fwcmp_channels_mask(self->before.channels_hi,
					    self->before.channels_lo));
	want_bw = lib_bandwidth(OPCR_IDLE, FWCMP_OPCR_RATE(OPCR_IDLE));
	lib_pcr = pcr_with(IPCR_IDLE, 1, ch, -1);

	/*
	 * What we would take for the same stream (S100, 122 quadlets): an
	 * iPCR does not record the bandwidth, so on an iPCR we can only
	 * return our own estimate when we break the last connection.
	 */
	test_connect(self->fd, FWCMP_DIR_INPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S100, 122, &c);
	ours_bw = c.bandwidth;
	test_disconnect(self->fd, c.handle);
	expect_idle();

	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	rc = iec61883_cmp_connect(h, raw1394_get_local_id(h), &oplug,
				  dev_id(&self->bus, self->node), &iplug, &bw);
	ASSERT_EQ(ch, rc);
	ASSERT_EQ(-1, oplug);
	ASSERT_EQ(0, iplug);
	ASSERT_EQ(want_bw, bw);
	expect_gt(OPCR_IDLE, lib_pcr, FWSIM_BANDWIDTH_INITIAL - want_bw,
		  ALL_FREE & ~(1ULL << ch));
	expect_get_plug(FWCMP_DIR_INPUT, 1, ch);

	test_connect(self->fd, FWCMP_DIR_INPUT, 0, FWCMP_CONNECT_OVERLAY,
		     FWCMP_ANY_CHANNEL, FWCMP_SPEED_S100, 122, &c);
	EXPECT_EQ(ch, c.channel);
	EXPECT_EQ(0, c.bandwidth);
	expect_gt(OPCR_IDLE, pcr_with(lib_pcr, 2, ch, -1),
		  FWSIM_BANDWIDTH_INITIAL - want_bw, ALL_FREE & ~(1ULL << ch));
	expect_get_plug(FWCMP_DIR_INPUT, 2, ch);

	if (ours_breaks_first) {
		test_disconnect(self->fd, c.handle);
		expect_gt(OPCR_IDLE, lib_pcr, FWSIM_BANDWIDTH_INITIAL - want_bw,
			  ALL_FREE & ~(1ULL << ch));
		rc = iec61883_cmp_disconnect(h, raw1394_get_local_id(h), -1,
					     dev_id(&self->bus, self->node),
					     iplug, ch, bw);
		EXPECT_EQ(0, rc);
		/* libiec61883 puts channel 63 into an iPCR it idles. */
		expect_gt(OPCR_IDLE, pcr_with(lib_pcr, 0, 63, -1),
			  FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
		expect_idle();
	} else {
		rc = iec61883_cmp_disconnect(h, raw1394_get_local_id(h), -1,
					     dev_id(&self->bus, self->node),
					     iplug, ch, bw);
		EXPECT_EQ(0, rc);
		expect_gt(OPCR_IDLE, lib_pcr, FWSIM_BANDWIDTH_INITIAL - want_bw,
			  ALL_FREE & ~(1ULL << ch));
		test_disconnect(self->fd, c.handle);
		/*
		 * We break the last connection and return the channel and
		 * our estimate of the stream's bandwidth; libiec61883
		 * allocated its own estimate. The difference stays taken at
		 * the IRM until the next bus reset (documented finding).
		 */
		TH_LOG("iPCR: libiec61883 took %u units, firewire-cmp returns %u",
		       want_bw, ours_bw);
		expect_gt(OPCR_IDLE, pcr_with(lib_pcr, 0, ch, -1),
			  FWSIM_BANDWIDTH_INITIAL - want_bw + ours_bw, ALL_FREE);
		ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
		check_invariant(&self->bus);
	}
	raw1394_destroy_handle(h);
}

TEST_F(interop, lib_in_ours_overlay_ours_breaks_first)
{
	lib_in_then_ours(_metadata, self, true);
}

TEST_F(interop, lib_in_ours_overlay_lib_breaks_first)
{
	lib_in_then_ours(_metadata, self, false);
}

/* ---- ours first, libiec61883 overlays ---- */

static void ours_then_lib(struct __test_metadata *_metadata,
			  FIXTURE_DATA(interop) *self, bool ours_breaks_first)
{
	struct fwcmp_connect c;
	raw1394handle_t h;
	unsigned int ch;
	int oplug = -1, bw, rc;

	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S400, 122, &c);
	ch = c.channel;
	ASSERT_LT(0, c.bandwidth);
	expect_gt(c.pcr, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
		  ALL_FREE & ~(1ULL << ch));

	/*
	 * With oplug -1, libiec61883 looks for a plug with p2p 0, finds none
	 * and overlays the first on-line plug: p2p 2, our channel, and it
	 * takes (and reports) no bandwidth.
	 */
	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(ch, lib_connect_out(_metadata, self, h, &oplug, &bw));
	ASSERT_EQ(0, oplug);
	ASSERT_EQ(0, bw);
	expect_gt(pcr_with(c.pcr, 2, ch, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
		  ALL_FREE & ~(1ULL << ch));
	expect_get_plug(FWCMP_DIR_OUTPUT, 2, ch);

	if (ours_breaks_first) {
		/* Not the last: the resources stay with libiec61883's. */
		test_disconnect(self->fd, c.handle);
		expect_gt(c.pcr, IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
			  ALL_FREE & ~(1ULL << ch));
		/*
		 * libiec61883 breaks the last connection and frees the
		 * channel, but frees the bandwidth its caller passes, which
		 * is what its connect reported: 0 for an overlay. Freeing 0
		 * units fails (EINVAL from firewire-core), so the call
		 * returns -1, and our stream's bandwidth stays allocated.
		 * libiec61883 leaks it, not the driver.
		 */
		rc = iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node),
					     oplug, raw1394_get_local_id(h), -1,
					     ch, bw);
		TH_LOG("libiec61883 disconnect of the last connection: %d; %u units leaked",
		       rc, c.bandwidth);
		EXPECT_EQ(-1, rc);
		expect_gt(pcr_with(c.pcr, 0, 63, -1), IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - c.bandwidth, ALL_FREE);
		expect_get_plug(FWCMP_DIR_OUTPUT, 0, 63);
		/* Nothing to CLEAR_PLUG: p2p is 0. A bus reset returns it. */
		ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
		expect_idle();
	} else {
		rc = iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node),
					     oplug, raw1394_get_local_id(h), -1,
					     ch, bw);
		EXPECT_EQ(0, rc);
		expect_gt(c.pcr, IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
			  ALL_FREE & ~(1ULL << ch));
		/* We break the last: p2p 0, the register as before, all back. */
		test_disconnect(self->fd, c.handle);
		expect_gt(OPCR_IDLE, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL,
			  ALL_FREE);
		expect_idle();
	}
	raw1394_destroy_handle(h);
}

TEST_F(interop, ours_lib_overlay_ours_breaks_first)
{
	ours_then_lib(_metadata, self, true);
}

TEST_F(interop, ours_lib_overlay_lib_breaks_first)
{
	ours_then_lib(_metadata, self, false);
}

/* ---- plugreport ---- */

static char report[1 << 16];

static int run_plugreport(void)
{
	size_t total = 0, n;
	FILE *p;

	p = popen("plugreport 2>&1", "r");
	if (!p)
		return -errno;
	while (total < sizeof(report) - 1 &&
	       (n = fread(report + total, 1, sizeof(report) - 1 - total,
			  p)) > 0)
		total += n;
	report[total] = '\0';
	return pclose(p);
}

/* The node's section of the report, cut at the next node's heading. */
static char *report_section(uint64_t guid)
{
	char key[64], *s, *end;

	snprintf(key, sizeof(key), "GUID 0x%016llx", (unsigned long long)guid);
	s = strstr(report, key);
	if (!s)
		return NULL;
	end = strstr(s + 1, "\nNode ");
	if (end)
		*end = '\0';
	end = strstr(s + 1, "Host Adapter ");
	if (end)
		*end = '\0';
	return s;
}

TEST_F(interop, plugreport_shows_our_connections)
{
	struct fwcmp_connect o, o2, i;
	uint64_t guid;
	char want[128];
	char *s;

	if (access("/usr/bin/plugreport", X_OK))
		SKIP(return, "plugreport not installed");
	if (access("/proc/sys/fs/inotify", F_OK))
		SKIP(return, "kernel without inotify, which plugreport's libraw1394 needs");
	ASSERT_EQ(0, fwsim_node_guid(self->bus.id, self->node, &guid));

	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, 5, FWCMP_SPEED_S400,
		     122, &o);
	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, FWCMP_CONNECT_OVERLAY,
		     FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122, &o2);
	test_connect(self->fd, FWCMP_DIR_INPUT, 0, 0, 9, FWCMP_SPEED_S400,
		     122, &i);
	ASSERT_EQ(0, run_plugreport());
	s = report_section(guid);
	ASSERT_NE(NULL, s) TH_LOG("%s", report);
	TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, "oPCR[0] online=1, bcast_connection=0, n_p2p_connections=2\n"));
	snprintf(want, sizeof(want),
		 "\tchannel=5, data_rate=2, overhead_id=%u, payload=122\n",
		 FWCMP_OPCR_OVERHEAD(o.pcr));
	EXPECT_NE(NULL, strstr(s, want));
	EXPECT_NE(NULL, strstr(s, "iPCR[0] online=1, bcast_connection=0, n_p2p_connections=1\n\tchannel=9\n"));

	test_disconnect(self->fd, o2.handle);
	test_disconnect(self->fd, i.handle);
	ASSERT_EQ(0, run_plugreport());
	s = report_section(guid);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "oPCR[0] online=1, bcast_connection=0, n_p2p_connections=1\n\tchannel=5,"));
	EXPECT_NE(NULL, strstr(s, "iPCR[0] online=1, bcast_connection=0, n_p2p_connections=0\n"));

	test_disconnect(self->fd, o.handle);
	ASSERT_EQ(0, run_plugreport());
	s = report_section(guid);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "oPCR[0] online=1, bcast_connection=0, n_p2p_connections=0\n"));
	expect_idle();
}

/* ---- a libiec61883 program killed: stale plug, CLEAR_PLUG ---- */

struct child_result {
	int channel;
	int bandwidth;
	int oplug;
	int iplug;
};

/*
 * Fork a program that connects with libiec61883 (to the PC from the oPCR,
 * or from the PC to the iPCR), reports, and waits to be killed; SIGKILL
 * it. libraw1394 allocates with FW_CDEV_IOC_ALLOCATE_ISO_RESOURCE_ONCE,
 * which firewire-core does not tie to the file: nothing is undone.
 */
static void lib_connect_and_die(struct __test_metadata *_metadata,
				FIXTURE_DATA(interop) *self, bool input,
				struct child_result *r)
{
	int p[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		raw1394handle_t h = lib_open(_metadata, self->port);
		struct child_result cr = { .oplug = -1, .iplug = -1,
					   .bandwidth = 1 };
		nodeid_t dev = dev_id(&self->bus, self->node);

		close(p[0]);
		if (!h)
			_exit(1);
		if (input)
			cr.channel = iec61883_cmp_connect(h,
					raw1394_get_local_id(h), &cr.oplug,
					dev, &cr.iplug, &cr.bandwidth);
		else
			cr.channel = iec61883_cmp_connect(h, dev, &cr.oplug,
					raw1394_get_local_id(h), &cr.iplug,
					&cr.bandwidth);
		if (write(p[1], &cr, sizeof(cr)) != sizeof(cr))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT_EQ(sizeof(*r), read(p[0], r, sizeof(*r)));
	close(p[0]);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(interop, killed_lib_output_cleared)
{
	unsigned int ch = first_free(fwcmp_channels_mask(
		self->before.channels_hi, self->before.channels_lo));
	unsigned int bw = lib_bandwidth(OPCR_IDLE, OMPR_RATE);
	uint32_t stale = pcr_with(OPCR_IDLE, 1, ch, OMPR_RATE);
	struct fwcmp_clear_plug cl;
	struct child_result r;

	lib_connect_and_die(_metadata, self, false, &r);
	ASSERT_EQ(ch, r.channel);
	ASSERT_EQ(bw, r.bandwidth);
	ASSERT_EQ(0, r.oplug);
	/* Stale: the process is gone, its connection and allocation not. */
	fwcmp_msleep(300);
	expect_gt(stale, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - bw,
		  ALL_FREE & ~(1ULL << ch));
	expect_get_plug(FWCMP_DIR_OUTPUT, 1, ch);
	test_err_connect(EBUSY, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			 FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122);

	/* CLEAR_PLUG: p2p 0, the channel and the oPCR's bandwidth back. */
	test_clear_plug(self->fd, FWCMP_DIR_OUTPUT, 0, 0, &cl);
	EXPECT_EQ(stale, cl.old_value);
	EXPECT_EQ(pcr_with(stale, 0, ch, -1), cl.new_value);
	EXPECT_EQ(ch, cl.channel);
	EXPECT_EQ(bw, cl.bandwidth);
	expect_gt(cl.new_value, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	expect_get_plug(FWCMP_DIR_OUTPUT, 0, ch);
	expect_idle();
	/* And the plug works again. */
	{
		struct fwcmp_connect c;

		test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0,
			     FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122, &c);
		test_disconnect(self->fd, c.handle);
		expect_idle();
	}
}

TEST_F(interop, killed_lib_input_cleared)
{
	unsigned int ch = first_free(fwcmp_channels_mask(
		self->before.channels_hi, self->before.channels_lo));
	unsigned int bw = lib_bandwidth(OPCR_IDLE, FWCMP_OPCR_RATE(OPCR_IDLE));
	uint32_t stale = pcr_with(IPCR_IDLE, 1, ch, -1);
	struct fwcmp_clear_plug cl;
	struct child_result r;

	lib_connect_and_die(_metadata, self, true, &r);
	ASSERT_EQ(ch, r.channel);
	ASSERT_EQ(bw, r.bandwidth);
	ASSERT_EQ(0, r.iplug);
	fwcmp_msleep(300);
	expect_gt(OPCR_IDLE, stale, FWSIM_BANDWIDTH_INITIAL - bw,
		  ALL_FREE & ~(1ULL << ch));
	expect_get_plug(FWCMP_DIR_INPUT, 1, ch);

	/*
	 * An iPCR does not record the bandwidth: the administrator passes
	 * what the dead program took (here, libiec61883's estimate).
	 */
	test_clear_plug(self->fd, FWCMP_DIR_INPUT, 0, bw, &cl);
	EXPECT_EQ(stale, cl.old_value);
	EXPECT_EQ(pcr_with(stale, 0, ch, -1), cl.new_value);
	EXPECT_EQ(ch, cl.channel);
	EXPECT_EQ(bw, cl.bandwidth);
	expect_gt(OPCR_IDLE, cl.new_value, FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	expect_idle();
}

/* ---- bus reset with both kinds of connection on one plug ---- */

/* Wait for our connection's CONN_RESTORED after the reset to @gen. */
#define wait_restored(_handle) do { \
	struct fwcmp_event __ev; \
	unsigned int __gen; \
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &__gen)); \
	ASSERT_EQ(0, fwcmp_wait_reset_event(self->fd, __gen, &__ev, 3000)); \
	ASSERT_EQ(0, fwcmp_wait_event(self->fd, FWCMP_EVENT_CONN_RESTORED, \
				      _handle, &__ev, 3000)); \
} while (0)

/*
 * libiec61883 made the connection (it holds channel and bandwidth), we
 * overlaid it. After a reset the device has p2p 0 and the IRM has nothing:
 * we set our share (p2p 1) and take nothing at the IRM, as we hold
 * nothing; iec61883_cmp_reconnect() takes channel and bandwidth again and
 * adds its share. Twice, so that a count that creeps up shows.
 */
TEST_F_TIMEOUT(interop, reset_lib_holds_ours_overlays, 60)
{
	unsigned int ch = first_free(fwcmp_channels_mask(
		self->before.channels_hi, self->before.channels_lo));
	unsigned int want_bw = lib_bandwidth(OPCR_IDLE, OMPR_RATE);
	uint32_t pcr1 = pcr_with(OPCR_IDLE, 1, ch, OMPR_RATE);
	struct fwcmp_connect c;
	raw1394handle_t h;
	int oplug = -1, iplug, bw, rc, round;

	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(ch, lib_connect_out(_metadata, self, h, &oplug, &bw));
	ASSERT_EQ(want_bw, bw);
	raw1394_destroy_handle(h);
	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, FWCMP_CONNECT_OVERLAY,
		     FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122, &c);
	EXPECT_EQ(0, c.bandwidth);
	expect_gt(pcr_with(pcr1, 2, ch, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - want_bw, ALL_FREE & ~(1ULL << ch));
	fwcmp_drain_events(self->fd);

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
		wait_restored(c.handle);
		fwcmp_msleep(200);
		/* Our share only; the IRM holds nothing of ours to restore. */
		expect_gt(pcr1, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL, ALL_FREE);

		/* A new handle: libraw1394's is in the new generation. */
		h = lib_open(_metadata, self->port);
		ASSERT_NE(NULL, h);
		iplug = -1;
		rc = iec61883_cmp_reconnect(h, dev_id(&self->bus, self->node),
					    &oplug, raw1394_get_local_id(h),
					    &iplug, &bw, ch);
		EXPECT_EQ(ch, rc);
		EXPECT_EQ(want_bw, bw);
		raw1394_destroy_handle(h);
		expect_gt(pcr_with(pcr1, 2, ch, -1), IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - want_bw,
			  ALL_FREE & ~(1ULL << ch));
		expect_get_plug(FWCMP_DIR_OUTPUT, 2, ch);
	}

	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node),
					     oplug, raw1394_get_local_id(h),
					     -1, ch, bw));
	raw1394_destroy_handle(h);
	expect_gt(pcr1, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - want_bw,
		  ALL_FREE & ~(1ULL << ch));
	test_disconnect(self->fd, c.handle);
	expect_gt(pcr_with(pcr1, 0, ch, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	expect_idle();
}

/*
 * We made the connection, libiec61883 overlaid it. After a reset we take
 * our channel and bandwidth again and set p2p 1; iec61883_cmp_reconnect()
 * with the plug and the bandwidth (0) its connect returned adds its share
 * without allocating: p2p 2, our resources once.
 */
TEST_F_TIMEOUT(interop, reset_ours_holds_lib_overlays, 60)
{
	struct fwcmp_connect c;
	raw1394handle_t h;
	int oplug = -1, iplug, bw, rc, round;
	unsigned int ch;

	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S400, 122, &c);
	ch = c.channel;
	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(ch, lib_connect_out(_metadata, self, h, &oplug, &bw));
	ASSERT_EQ(0, bw);
	ASSERT_EQ(0, oplug);
	raw1394_destroy_handle(h);
	expect_gt(pcr_with(c.pcr, 2, ch, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
		  ALL_FREE & ~(1ULL << ch));
	fwcmp_drain_events(self->fd);

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
		wait_restored(c.handle);
		fwcmp_msleep(200);
		expect_gt(c.pcr, IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
			  ALL_FREE & ~(1ULL << ch));

		h = lib_open(_metadata, self->port);
		ASSERT_NE(NULL, h);
		iplug = -1;
		rc = iec61883_cmp_reconnect(h, dev_id(&self->bus, self->node),
					    &oplug, raw1394_get_local_id(h),
					    &iplug, &bw, ch);
		EXPECT_EQ(ch, rc);
		EXPECT_EQ(0, bw);
		raw1394_destroy_handle(h);
		expect_gt(pcr_with(c.pcr, 2, ch, -1), IPCR_IDLE,
			  FWSIM_BANDWIDTH_INITIAL - c.bandwidth,
			  ALL_FREE & ~(1ULL << ch));
		expect_get_plug(FWCMP_DIR_OUTPUT, 2, ch);
	}

	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(0, iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node),
					     oplug, raw1394_get_local_id(h),
					     -1, ch, bw));
	raw1394_destroy_handle(h);
	test_disconnect(self->fd, c.handle);
	expect_gt(OPCR_IDLE, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	expect_idle();
}

/*
 * libiec61883 made the connection and we overlaid it, then its program
 * went away without a reconnect (killed, or not written for bus resets).
 * After the reset nobody holds the channel or the bandwidth at the IRM; our
 * share is set again (p2p 1) without allocating, as we never held them.
 * When we break that last connection we must not give back bandwidth that
 * nobody holds: a third controller's allocation shows if we do.
 */
TEST_F_TIMEOUT(interop, reset_lib_gone_ours_breaks_last, 60)
{
	unsigned int ch = first_free(fwcmp_channels_mask(
		self->before.channels_hi, self->before.channels_lo));
	unsigned int want_bw = lib_bandwidth(OPCR_IDLE, OMPR_RATE);
	uint32_t pcr1 = pcr_with(OPCR_IDLE, 1, ch, OMPR_RATE);
	const unsigned int other = 2000;
	struct fwcmp_connect c;
	raw1394handle_t h;
	int oplug = -1, bw;

	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(ch, lib_connect_out(_metadata, self, h, &oplug, &bw));
	ASSERT_EQ(want_bw, bw);
	raw1394_destroy_handle(h);
	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, FWCMP_CONNECT_OVERLAY,
		     FWCMP_ANY_CHANNEL, FWCMP_SPEED_S400, 122, &c);
	fwcmp_drain_events(self->fd);

	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	wait_restored(c.handle);
	expect_gt(pcr1, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL, ALL_FREE);

	/* A third controller allocates after the reset. */
	ASSERT_EQ(0, fwcmp_foreign_irm_take(&self->bus, 0, other));
	expect_gt(pcr1, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - other, ALL_FREE);

	test_disconnect(self->fd, c.handle);
	/* p2p 0; the IRM exactly as the third controller left it. */
	expect_gt(pcr_with(pcr1, 0, ch, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - other, ALL_FREE);
	check_invariant(&self->bus);
}

/*
 * iec61883_cmp_connect() given our plug's index explicitly does not look
 * at the p2p counter: it allocates a second channel and bandwidth and
 * rewrites the channel of our live connection (p2p 2 on its channel).
 * Our connection is gone then; DISCONNECT leaves the plug to libiec61883
 * and gives back the channel and bandwidth we hold, which nobody uses.
 * libiec61883's own disconnect then stops at p2p 1 (it counted us) and
 * frees nothing: the plug and its resources are stale until CLEAR_PLUG.
 */
TEST_F(interop, lib_explicit_plug_takes_over_ours)
{
	struct fwcmp_clear_plug cl;
	struct fwcmp_connect c;
	unsigned int ch2, lib_bw;
	raw1394handle_t h;
	uint32_t hijacked;
	int oplug = 0, bw, rc;

	test_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_SPEED_S400, 122, &c);
	ch2 = first_free(fwcmp_channels_mask(self->before.channels_hi,
					     self->before.channels_lo) &
			 ~(1ULL << c.channel));
	/* libiec61883 computes from the oPCR as we wrote it. */
	lib_bw = lib_bandwidth(c.pcr, OMPR_RATE);
	hijacked = pcr_with(c.pcr, 2, ch2, OMPR_RATE);

	h = lib_open(_metadata, self->port);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(ch2, lib_connect_out(_metadata, self, h, &oplug, &bw));
	ASSERT_EQ(lib_bw, bw);
	expect_gt(hijacked, IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - c.bandwidth - lib_bw,
		  ALL_FREE & ~(1ULL << c.channel) & ~(1ULL << ch2));
	expect_get_plug(FWCMP_DIR_OUTPUT, 2, ch2);

	test_disconnect(self->fd, c.handle);
	expect_gt(hijacked, IPCR_IDLE, FWSIM_BANDWIDTH_INITIAL - lib_bw,
		  ALL_FREE & ~(1ULL << ch2));

	rc = iec61883_cmp_disconnect(h, dev_id(&self->bus, self->node), oplug,
				     raw1394_get_local_id(h), -1, ch2, bw);
	EXPECT_EQ(0, rc);
	raw1394_destroy_handle(h);
	expect_gt(pcr_with(hijacked, 1, ch2, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL - lib_bw, ALL_FREE & ~(1ULL << ch2));

	test_clear_plug(self->fd, FWCMP_DIR_OUTPUT, 0, 0, &cl);
	EXPECT_EQ(ch2, cl.channel);
	EXPECT_EQ(lib_bw, cl.bandwidth);
	expect_gt(pcr_with(hijacked, 0, ch2, -1), IPCR_IDLE,
		  FWSIM_BANDWIDTH_INITIAL, ALL_FREE);
	expect_idle();
}

TEST_HARNESS_MAIN
