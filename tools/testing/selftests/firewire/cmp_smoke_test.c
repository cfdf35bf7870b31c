// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-cmp smoke test against firewire-sim's ground truth.
 *
 * A handful of end-to-end checks that the driver binds a simulated AV/C node
 * and that connect, disconnect, close and a bus reset leave the plug and the
 * IRM exactly as IEC 61883-1 says. Uses only fwsim.h and the uAPI header;
 * the full driver suite lives in the other cmp_*_test.c programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/firewire-cmp.h>

#include "cmp-definitions.h"
#include "fwsim.h"
#include "kselftest_harness.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

#define SPEED	FWCMP_SPEED_S400
#define PAYLOAD	122	/* a DV stream's packet, IEC 61883-2 */

static void smoke_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* /dev/fwcmpN whose GET_INFO reports @guid, waited for up to 5 s. */
static int smoke_open(uint64_t guid, int flags)
{
	int tries, fd;
	size_t i;

	for (tries = 0; tries < 250; tries++) {
		glob_t g;

		if (!glob("/dev/fwcmp*", 0, NULL, &g)) {
			for (i = 0; i < g.gl_pathc; i++) {
				struct fwcmp_get_info info = {
					.version = FWCMP_ABI_VERSION,
				};

				fd = open(g.gl_pathv[i], flags | O_CLOEXEC);
				if (fd < 0)
					continue;
				if (!ioctl(fd, FWCMP_IOC_GET_INFO, &info) &&
				    info.guid == guid) {
					globfree(&g);
					return fd;
				}
				close(fd);
			}
			globfree(&g);
		}
		smoke_msleep(20);
	}
	return -ENOENT;
}

/* Next event of @type within @ms, or -ETIMEDOUT. */
static int smoke_event(int fd, unsigned int type, struct fwcmp_event *e,
		       int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, ms) > 0) {
		if (read(fd, e, sizeof(*e)) != sizeof(*e))
			return -errno;
		if (e->type == type)
			return 0;
	}
	return -ETIMEDOUT;
}

struct truth {
	uint32_t opcr, ipcr, bw, hi, lo;
};

static int read_truth(unsigned int bus, struct truth *t)
{
	int rc;

	rc = fwsim_reg_read(bus, 0, "opcr0", &t->opcr);
	rc = rc ?: fwsim_reg_read(bus, 0, "ipcr0", &t->ipcr);
	rc = rc ?: fwsim_irm_read(bus, "bandwidth_available", &t->bw);
	rc = rc ?: fwsim_irm_read(bus, "channels_available_hi", &t->hi);
	rc = rc ?: fwsim_irm_read(bus, "channels_available_lo", &t->lo);
	return rc;
}

/* Is @ch taken at the IRM? Bit set = free; channel 0 is the top bit of HI. */
static bool channel_taken(const struct truth *t, unsigned int ch)
{
	if (ch < 32)
		return !(t->hi & (0x80000000u >> ch));
	return !(t->lo & (0x80000000u >> (ch - 32)));
}

FIXTURE(smoke) {
	unsigned int bus;
	uint64_t guid;
	int fd;
	struct truth before;
};

FIXTURE_SETUP(smoke)
{
	int rc, try;

	self->fd = -1;
	if (fwsim_available())
		SKIP(return, "firewire-sim not available");

	for (try = 0; try < 16; try++) {
		self->bus = 900 + (getpid() + try) % 90;
		rc = fwsim_bus_new(self->bus, 1);
		if (rc != -EEXIST && rc != -EBUSY)
			break;
	}
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, fwsim_node_guid(self->bus, 0, &self->guid));
	self->fd = smoke_open(self->guid, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("no /dev/fwcmpN for the node");
	ASSERT_EQ(0, read_truth(self->bus, &self->before));
}

FIXTURE_TEARDOWN(smoke)
{
	if (self->fd >= 0)
		close(self->fd);
	fwsim_bus_del(self->bus);
}

static int do_connect(int fd, unsigned int dir, unsigned int flags,
		      unsigned int channel, struct fwcmp_connect *c)
{
	memset(c, 0, sizeof(*c));
	c->direction = dir;
	c->flags = flags;
	c->channel = channel;
	c->speed = SPEED;
	c->payload = PAYLOAD;
	return ioctl(fd, FWCMP_IOC_CONNECT, c) ? -errno : 0;
}

static int do_disconnect(int fd, unsigned int handle)
{
	struct fwcmp_disconnect d = { .handle = handle };

	return ioctl(fd, FWCMP_IOC_DISCONNECT, &d) ? -errno : 0;
}

TEST_F(smoke, get_info)
{
	struct fwcmp_get_info info = { .version = FWCMP_ABI_VERSION };

	ASSERT_EQ(0, ioctl(self->fd, FWCMP_IOC_GET_INFO, &info));
	EXPECT_EQ(FWCMP_ABI_VERSION, info.version);
	EXPECT_EQ(self->guid, info.guid);
	EXPECT_EQ(1, info.output_plugs);
	EXPECT_EQ(1, info.input_plugs);
	EXPECT_EQ(0, info.flags);
}

TEST_F(smoke, connect_disconnect_output)
{
	struct fwcmp_connect c;
	struct truth t;

	ASSERT_EQ(0, do_connect(self->fd, FWCMP_DIR_OUTPUT, 0,
				FWCMP_ANY_CHANNEL, &c));
	EXPECT_NE(0, c.handle);
	EXPECT_NE(0, c.bandwidth);
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(c.pcr, t.opcr);
	EXPECT_EQ(1, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(c.channel, fwcmp_pcr_channel_get(t.opcr));
	EXPECT_EQ(SPEED, fwcmp_opcr_speed(t.opcr));
	EXPECT_EQ(PAYLOAD, fwcmp_opcr_payload_quadlets(t.opcr));
	EXPECT_EQ(self->before.bw - c.bandwidth, t.bw);
	/* The oPCR alone tells what was allocated (IEC 61883-1 7.8). */
	EXPECT_EQ(c.bandwidth, fwcmp_opcr_bandwidth(t.opcr));
	EXPECT_TRUE(channel_taken(&t, c.channel));

	ASSERT_EQ(0, do_disconnect(self->fd, c.handle));
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(self->before.opcr, t.opcr);
	EXPECT_EQ(self->before.bw, t.bw);
	EXPECT_EQ(self->before.hi, t.hi);
	EXPECT_EQ(self->before.lo, t.lo);
	/* The same handle again: already broken. */
	EXPECT_EQ(-EINVAL, do_disconnect(self->fd, c.handle));
}

TEST_F(smoke, connect_input_given_channel)
{
	struct fwcmp_connect c;
	struct truth t;

	ASSERT_EQ(0, do_connect(self->fd, FWCMP_DIR_INPUT, 0, 5, &c));
	EXPECT_EQ(5, c.channel);
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(1, fwcmp_pcr_p2p_get(t.ipcr));
	EXPECT_EQ(5, fwcmp_pcr_channel_get(t.ipcr));
	EXPECT_TRUE(channel_taken(&t, 5));
	EXPECT_EQ(self->before.bw - c.bandwidth, t.bw);

	ASSERT_EQ(0, do_disconnect(self->fd, c.handle));
	ASSERT_EQ(0, read_truth(self->bus, &t));
	/* The plug was idle before: it is exactly as it was again. */
	EXPECT_EQ(self->before.ipcr, t.ipcr);
	EXPECT_EQ(self->before.bw, t.bw);
	EXPECT_EQ(self->before.hi, t.hi);
}

TEST_F(smoke, overlay_counts)
{
	struct fwcmp_connect a, b;
	struct truth t;

	ASSERT_EQ(0, do_connect(self->fd, FWCMP_DIR_OUTPUT, 0,
				FWCMP_ANY_CHANNEL, &a));
	EXPECT_EQ(-EBUSY, do_connect(self->fd, FWCMP_DIR_OUTPUT, 0,
				     FWCMP_ANY_CHANNEL, &b));
	ASSERT_EQ(0, do_connect(self->fd, FWCMP_DIR_OUTPUT,
				FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &b));
	EXPECT_EQ(a.channel, b.channel);
	EXPECT_EQ(0, b.bandwidth);
	EXPECT_NE(a.handle, b.handle);
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(2, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(self->before.bw - a.bandwidth, t.bw);

	/* Breaking the first leaves the resources with the second. */
	ASSERT_EQ(0, do_disconnect(self->fd, a.handle));
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(1, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(self->before.bw - a.bandwidth, t.bw);
	ASSERT_EQ(0, do_disconnect(self->fd, b.handle));
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(0, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(self->before.bw, t.bw);
	EXPECT_EQ(self->before.hi, t.hi);
}

TEST_F(smoke, close_breaks)
{
	struct fwcmp_connect c;
	struct truth t;
	int fd2;

	fd2 = smoke_open(self->guid, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, do_connect(fd2, FWCMP_DIR_OUTPUT, 0, FWCMP_ANY_CHANNEL,
				&c));
	/* Another descriptor's non-persistent handle is meaningless here. */
	EXPECT_EQ(-EINVAL, do_disconnect(self->fd, c.handle));
	close(fd2);
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(0, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(self->before.bw, t.bw);
	EXPECT_EQ(self->before.hi, t.hi);
	EXPECT_EQ(self->before.lo, t.lo);
}

TEST_F(smoke, bus_reset_restores)
{
	struct fwcmp_connect c;
	struct fwcmp_event e;
	struct truth t;

	ASSERT_EQ(0, do_connect(self->fd, FWCMP_DIR_OUTPUT, 0,
				FWCMP_ANY_CHANNEL, &c));
	ASSERT_EQ(0, fwsim_bus_reset(self->bus));
	ASSERT_EQ(0, smoke_event(self->fd, FWCMP_EVENT_CONN_RESTORED, &e,
				 3000));
	EXPECT_EQ(c.handle, e.handle);
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(1, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(c.channel, fwcmp_pcr_channel_get(t.opcr));
	EXPECT_TRUE(channel_taken(&t, c.channel));
	EXPECT_EQ(FWSIM_BANDWIDTH_INITIAL - c.bandwidth, t.bw);

	ASSERT_EQ(0, do_disconnect(self->fd, c.handle));
	ASSERT_EQ(0, read_truth(self->bus, &t));
	EXPECT_EQ(0, fwcmp_pcr_p2p_get(t.opcr));
	EXPECT_EQ(FWSIM_BANDWIDTH_INITIAL, t.bw);
	EXPECT_FALSE(channel_taken(&t, c.channel));
}

TEST_F(smoke, bad_input)
{
	struct fwcmp_connect c;

	EXPECT_EQ(-EINVAL, do_disconnect(self->fd, 0));
	EXPECT_EQ(-EINVAL, do_disconnect(self->fd, 12345));
	EXPECT_EQ(-EINVAL, do_connect(self->fd, FWCMP_DIR_OUTPUT, 1 << 7,
				      FWCMP_ANY_CHANNEL, &c));
	EXPECT_EQ(-EINVAL, do_connect(self->fd, 2, 0, FWCMP_ANY_CHANNEL, &c));
	EXPECT_EQ(-EINVAL, do_connect(self->fd, FWCMP_DIR_OUTPUT, 0, 64, &c));
	EXPECT_EQ(-1, ioctl(self->fd, _IO('J', 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, FWCMP_IOC_CONNECT, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_HARNESS_MAIN
