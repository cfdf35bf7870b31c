// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-cmp local plugs: a simulated foreign controller (firewire-sim
 * node<N>/request) does IEC 61883-1 CMP against the PC's own oMPR/iMPR/
 * oPCRs/iPCRs; /dev/fwcmp-local must show what the controller sees; bus
 * resets clear p2p and keep broadcast; another owner of the range
 * (libiec61883's local plugs through libraw1394) makes the module load
 * fail with EBUSY, and with our plugs hosted its init fails and our
 * registers stay as they were.
 *
 * The test reloads firewire-cmp with local_oplugs=2 local_iplugs=2 and
 * reloads it with the defaults (no local plugs) at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libiec61883/iec61883.h>
#include <libraw1394/raw1394.h>
#include <linux/firewire-cmp.h>
#include <linux/firewire-constants.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS	105
#define BUS2	106
#define CSR(x)		(0xfffff0000000ull + (x))
#define OMPR		CSR(0x900)
#define OPCR(n)		CSR(0x904 + 4 * (n))
#define IMPR		CSR(0x980)
#define IPCR(n)		CSR(0x984 + 4 * (n))
#define LOCAL_DEV	"/dev/fwcmp-local"
#define PARAM		"/sys/module/firewire_cmp/parameters/local_oplugs"

static int sh(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

static int load_cmp(const char *params)
{
	char cmd[256];

	sh("rmmod firewire_cmp 2>/dev/null");
	snprintf(cmd, sizeof(cmd), "modprobe firewire-cmp %s", params);
	return sh(cmd);
}

static int hosted_oplugs(void)
{
	FILE *f = fopen(PARAM, "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* The local plugs of @bus's card, through /dev/fwcmp-local. */
static int local_plugs(unsigned int bus, struct fwcmp_local_plugs *a)
{
	int fd, ret = 0;

	memset(a, 0, sizeof(*a));
	a->version = FWCMP_LOCAL_VERSION;
	/* firewire-sim's local GUID: vendor 0x021394, bus id in bits 16.. */
	a->guid = (uint64_t)0x021394 << 40 | (uint64_t)bus << 16;
	fd = open(LOCAL_DEV, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, a))
		ret = -errno;
	close(fd);
	return ret;
}

static uint32_t rd(unsigned int bus, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	if (fwsim_foreign_read(bus, 0, FWSIM_LOCAL, off, &v) != RCODE_COMPLETE)
		return 0xdeadbeef;
	return v;
}

static int cas(unsigned int bus, uint64_t off, uint32_t arg, uint32_t data,
	       uint32_t *old)
{
	return fwsim_foreign_lock(bus, 0, FWSIM_LOCAL, off, arg, data, old);
}

static int req(unsigned int bus, const char *cmd)
{
	int rcode, ret;

	ret = fwsim_request(bus, 0, cmd, &rcode, NULL, NULL);
	return ret < 0 ? ret : rcode;
}

FIXTURE(local) {
	int skip;
};

FIXTURE_SETUP(local)
{
	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	if (hosted_oplugs() != 2)
		ASSERT_EQ(0, load_cmp("local_oplugs=2 local_iplugs=2"));
	ASSERT_EQ(2, hosted_oplugs());
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
}

FIXTURE_TEARDOWN(local)
{
	if (!self->skip)
		EXPECT_EQ(0, fwsim_bus_del(BUS));
}

TEST_F(local, mprs_and_reset_values)
{
	struct fwcmp_local_plugs a;

	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_NE(0u, a.flags & FWCMP_LOCAL_UNTOUCHED);
	EXPECT_EQ(2u, a.n_opcr);
	EXPECT_EQ(2u, a.n_ipcr);

	/* S400 link (firewire-sim), broadcast channel base 63, 2 plugs */
	EXPECT_EQ(0xbf000002, rd(BUS, OMPR));
	EXPECT_EQ(0x80000002, rd(BUS, IMPR));
	EXPECT_EQ(0x803f007a, rd(BUS, OPCR(1)));
	EXPECT_EQ(0x803f0000, rd(BUS, IPCR(1)));

	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_EQ(0u, a.flags & FWCMP_LOCAL_UNTOUCHED);
	EXPECT_EQ(0xbf000002, a.ompr);
	EXPECT_EQ(0x80000002, a.impr);
	EXPECT_EQ(0x803f007a, a.opcr[0]);
	EXPECT_EQ(0x803f0000, a.ipcr[1]);
	EXPECT_EQ(0u, a.opcr[2]);
	EXPECT_EQ(0u, a.ipcr[2]);
}

TEST_F(local, connect_overlay_disconnect_ipcr)
{
	struct fwcmp_local_plugs a;
	uint32_t old;

	/* connect: p2p 0 -> 1 on channel 5 */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x803f0000, 0x81050000, &old));
	EXPECT_EQ(0x803f0000, old);
	EXPECT_EQ(0x81050000, rd(BUS, IPCR(0)));
	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_EQ(0x81050000, a.ipcr[0]);
	EXPECT_EQ(0x803f0000, a.ipcr[1]);

	/* overlay: a second controller's connection on the same channel */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x81050000, 0x82050000, &old));
	EXPECT_EQ(0x81050000, old);

	/* a stale compare value changes nothing */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x81050000, 0x80050000, &old));
	EXPECT_EQ(0x82050000, old);
	EXPECT_EQ(0x82050000, rd(BUS, IPCR(0)));

	/* two disconnects; the channel field stays */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x82050000, 0x81050000, &old));
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x81050000, 0x80050000, &old));
	EXPECT_EQ(0x80050000, rd(BUS, IPCR(0)));
	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_EQ(0x80050000, a.ipcr[0]);
}

TEST_F(local, connect_opcr_and_broadcast)
{
	uint32_t old;

	/* p2p on channel 7, S400, overhead 5, payload 0x100 */
	ASSERT_EQ(RCODE_COMPLETE,
		  cas(BUS, OPCR(0), 0x803f007a, 0x81079500, &old));
	EXPECT_EQ(0x81079500, rd(BUS, OPCR(0)));
	/* broadcast out on the other plug */
	ASSERT_EQ(RCODE_COMPLETE,
		  cas(BUS, OPCR(1), 0x803f007a, 0xc03f007a, &old));
	EXPECT_EQ(0xc03f007a, rd(BUS, OPCR(1)));
	/* the broadcast channel base is writable in the oMPR */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, OMPR, 0xbf000002, 0x87000002, &old));
	EXPECT_EQ(0x87000002, rd(BUS, OMPR));
}

TEST_F(local, read_only_fields_kept)
{
	uint32_t old;

	/* on-line and reserved iPCR bits cannot be changed by a lock */
	ASSERT_EQ(RCODE_COMPLETE,
		  cas(BUS, IPCR(0), 0x803f0000, 0x01c5ffff, &old));
	EXPECT_EQ(0x81050000, rd(BUS, IPCR(0)));
	/* data rate capability and plug count of the MPRs neither */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, OMPR, 0xbf000002, 0x3f00001f, &old));
	EXPECT_EQ(0xbf000002, rd(BUS, OMPR));
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IMPR, 0x80000002, 0x3fffff1f, &old));
	EXPECT_EQ(0x80000002, rd(BUS, IMPR));
	/* the oPCR's on-line bit */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, OPCR(0), 0x803f007a, 0x013f007a, &old));
	EXPECT_EQ(0x813f007a, rd(BUS, OPCR(0)));
}

TEST_F(local, invalid_requests_refused)
{
	uint32_t q[4];
	size_t n = 4;
	int rcode;

	EXPECT_EQ(RCODE_TYPE_ERROR, req(BUS, "write 0xfffff0000984 0x81050000"));
	EXPECT_EQ(RCODE_TYPE_ERROR, req(BUS, "fetch_add 0xfffff0000984 0x01000000"));
	/* no oPCR 2 / iPCR 2, nothing between them and the iMPR, unaligned */
	EXPECT_EQ(RCODE_ADDRESS_ERROR, req(BUS, "read 0xfffff000090c"));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, req(BUS, "read 0xfffff000098c"));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, req(BUS, "read 0xfffff00009fc"));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, req(BUS, "read 0xfffff0000902"));
	EXPECT_EQ(RCODE_ADDRESS_ERROR,
		  req(BUS, "lock 0xfffff000090c 0x803f007a 0x813f007a"));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, req(BUS, "readb 0xfffff0000900 16"));
	/* nothing changed */
	EXPECT_EQ(0x803f0000, rd(BUS, IPCR(0)));

	/* a block read of existing registers is answered */
	ASSERT_EQ(0, fwsim_request(BUS, 0, "readb 0xfffff0000900 12", &rcode,
				   q, &n));
	ASSERT_EQ(RCODE_COMPLETE, rcode);
	ASSERT_EQ(3u, n);
	EXPECT_EQ(0xbf000002, q[0]);
	EXPECT_EQ(0x803f007a, q[1]);
}

TEST_F(local, bus_reset_clears_p2p_keeps_broadcast)
{
	struct fwcmp_local_plugs a;
	uint32_t old;

	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x803f0000, 0x81050000, &old));
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, OPCR(0), 0x803f007a, 0xc23f007a, &old));
	ASSERT_EQ(0, fwsim_bus_reset(BUS));

	/* seen by user space first, before any request after the reset */
	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_EQ(0x80050000, a.ipcr[0]);
	EXPECT_EQ(0xc03f007a, a.opcr[0]);
	EXPECT_NE(0u, a.flags & FWCMP_LOCAL_RESTORE_WINDOW);
	EXPECT_LT(a.ms_since_reset, 1000u);

	EXPECT_EQ(0x80050000, rd(BUS, IPCR(0)));
	EXPECT_EQ(0xc03f007a, rd(BUS, OPCR(0)));
	/* the controller restores its connection in the 1 s window */
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x80050000, 0x81050000, &old));
	EXPECT_EQ(0x80050000, old);

	usleep(1100 * 1000);
	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_EQ(0u, a.flags & FWCMP_LOCAL_RESTORE_WINDOW);
	EXPECT_GE(a.ms_since_reset, 1000u);
	EXPECT_EQ(0x81050000, a.ipcr[0]);
}

TEST_F(local, cards_have_their_own_plugs)
{
	struct fwcmp_local_plugs a;
	uint32_t old;

	fwsim_bus_del(BUS2);
	ASSERT_EQ(0, fwsim_bus_new(BUS2, 1));
	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x803f0000, 0x81050000, &old));
	EXPECT_EQ(0x803f0000, rd(BUS2, IPCR(0)));
	ASSERT_EQ(0, local_plugs(BUS2, &a));
	EXPECT_EQ(0x803f0000, a.ipcr[0]);
	ASSERT_EQ(0, local_plugs(BUS, &a));
	EXPECT_EQ(0x81050000, a.ipcr[0]);
	EXPECT_EQ(0, fwsim_bus_del(BUS2));
	EXPECT_EQ(-ENODEV, local_plugs(BUS2, &a));
}

TEST_F(local, ioctl_bad_input)
{
	struct fwcmp_local_plugs a;
	int fd;

	fd = open(LOCAL_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	memset(&a, 0, sizeof(a));
	a.version = 99;
	EXPECT_EQ(-1, ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, &a));
	EXPECT_EQ(EINVAL, errno);
	a.version = FWCMP_LOCAL_VERSION;
	a.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, &a));
	EXPECT_EQ(EINVAL, errno);
	a.reserved = 0;
	a.index = 100000;
	EXPECT_EQ(-1, ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, &a));
	EXPECT_EQ(ENODEV, errno);
	a.index = 0;
	EXPECT_EQ(0, ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, &a));
	EXPECT_NE(0u, a.guid);
	EXPECT_EQ(0u, a.index);
	/* selected by GUID, the card's position comes back */
	ASSERT_EQ(0, local_plugs(BUS, &a));
	a.guid = 0;
	EXPECT_EQ(0, ioctl(fd, FWCMP_IOC_GET_LOCAL_PLUGS, &a));
	EXPECT_EQ((uint64_t)0x021394 << 40 | (uint64_t)BUS << 16, a.guid);
	EXPECT_EQ(-1, ioctl(fd, FWCMP_IOC_GET_PLUG, &a));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/* libiec61883 hosting plugs while we do: its init fails, ours stay. */
TEST_F(local, libiec61883_conflict_detected)
{
	raw1394handle_t h;
	uint32_t old;

	ASSERT_EQ(RCODE_COMPLETE, cas(BUS, IPCR(0), 0x803f0000, 0x81050000, &old));
	h = raw1394_new_handle_on_port(0);
	if (!h)
		SKIP(return, "no libraw1394 port: %s", strerror(errno));
	/* its address range registration is refused: firewire-core's EBUSY */
	errno = 0;
	EXPECT_GT(0, iec61883_plug_impr_init(h, IEC61883_DATARATE_400));
	EXPECT_EQ(EBUSY, errno);
	errno = 0;
	EXPECT_GT(0, iec61883_plug_ompr_init(h, IEC61883_DATARATE_400, 63));
	EXPECT_EQ(EBUSY, errno);
	raw1394_destroy_handle(h);

	EXPECT_EQ(0x81050000, rd(BUS, IPCR(0)));
	EXPECT_EQ(0x80000002, rd(BUS, IMPR));
	EXPECT_EQ(0xbf000002, rd(BUS, OMPR));
}

/* The range held by libiec61883: loading with local plugs is EBUSY. */
TEST_F(local, load_busy_when_range_owned)
{
	raw1394handle_t h;
	int ret;

	ASSERT_EQ(0, sh("rmmod firewire_cmp"));
	h = raw1394_new_handle_on_port(0);
	if (!h) {
		load_cmp("local_oplugs=2 local_iplugs=2");
		SKIP(return, "no libraw1394 port: %s", strerror(errno));
	}
	ASSERT_EQ(0, iec61883_plug_impr_init(h, IEC61883_DATARATE_400));
	ret = sh("modprobe firewire-cmp local_oplugs=2 local_iplugs=2 2>/tmp/cmp_local.err");
	EXPECT_NE(0, ret);
	EXPECT_EQ(-1, hosted_oplugs());		/* not loaded */
	EXPECT_EQ(0, sh("grep -q 'Device or resource busy' /tmp/cmp_local.err"));
	EXPECT_EQ(0, sh("dmesg | grep -q 'cannot host local plugs'"));
	/* without local plugs it loads, as before */
	EXPECT_EQ(0, sh("modprobe firewire-cmp"));
	EXPECT_EQ(0, hosted_oplugs());
	EXPECT_NE(0, access(LOCAL_DEV, F_OK));

	iec61883_plug_impr_close(h);
	raw1394_destroy_handle(h);
	EXPECT_EQ(0, load_cmp("local_oplugs=2 local_iplugs=2"));
	EXPECT_EQ(0x80000002, rd(BUS, IMPR));
}

TEST_F(local, zz_params_checked_and_default_restored)
{
	ASSERT_EQ(0, fwsim_bus_del(BUS));
	EXPECT_NE(0, load_cmp("local_oplugs=32 2>/dev/null"));
	EXPECT_EQ(-1, hosted_oplugs());
	EXPECT_EQ(0, load_cmp(""));
	EXPECT_EQ(0, hosted_oplugs());
	EXPECT_NE(0, access(LOCAL_DEV, F_OK));
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
}

TEST_HARNESS_MAIN
