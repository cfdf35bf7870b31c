// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim: a bus comes up and firewire-core discovers it, as configured;
 * independent clients (testlibraw) work against it; the IRM rules hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS 100

/* Read a sysfs attribute of firewire-core's fwN device of @node. */
static int fw_attr(int node, const char *attr, char *buf, size_t len)
{
	char dev[64], path[256];
	ssize_t n;
	int fd, ret;

	ret = fwsim_fw_dev(BUS, node, dev, sizeof(dev));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/firewire/devices/%s/%s",
		 dev + strlen("/dev/"), attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int run(const char *cmd, char *out, size_t len)
{
	size_t total = 0, n;
	FILE *p;

	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (total < len - 1 && (n = fread(out + total, 1, len - 1 - total, p)) > 0)
		total += n;
	out[total] = '\0';
	return pclose(p);
}

FIXTURE(bus) {
	int skip;
};

FIXTURE_SETUP(bus)
{
	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
}

FIXTURE_TEARDOWN(bus)
{
	if (!self->skip)
		EXPECT_EQ(0, fwsim_bus_del(BUS));
}

TEST_F(bus, default_node_discovered)
{
	char buf[128], want[64];
	uint64_t guid;

	ASSERT_EQ(0, fwsim_node_guid(BUS, 0, &guid));
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)guid);
	ASSERT_EQ(0, fw_attr(0, "guid", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, fw_attr(0, "vendor", buf, sizeof(buf)));
	EXPECT_STREQ("0x021394", buf);
	ASSERT_EQ(0, fw_attr(0, "model", buf, sizeof(buf)));
	EXPECT_STREQ("0x000001", buf);
	ASSERT_EQ(0, fw_attr(0, "vendor_name", buf, sizeof(buf)));
	EXPECT_STREQ("firewire-sim", buf);
	ASSERT_EQ(0, fw_attr(0, "model_name", buf, sizeof(buf)));
	EXPECT_STREQ("Simulated AV/C device", buf);
	ASSERT_EQ(0, fw_attr(0, "units", buf, sizeof(buf)));
	EXPECT_STREQ("0x00a02d:0x010001", buf);
}

TEST_F(bus, local_node_discovered)
{
	char buf[128], want[64];
	uint64_t guid;

	ASSERT_EQ(0, fwsim_node_guid(BUS, FWSIM_LOCAL, &guid));
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)guid);
	ASSERT_EQ(0, fw_attr(FWSIM_LOCAL, "guid", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

TEST_F(bus, configured_node_discovered)
{
	struct fwsim_node_cfg cfg = {
		.guid = 0x0a1b2c3d4e5f6071ull, .vendor_id = 0x0a1b2c,
		.model_id = 0x123456, .vendor_name = "Acme Labs",
		.model_name = "DV-42", .oplugs = 2, .iplugs = 3,
	};
	char buf[128];
	int node;

	node = fwsim_node_add(BUS, &cfg);
	ASSERT_EQ(1, node);
	ASSERT_EQ(0, fw_attr(node, "guid", buf, sizeof(buf)));
	EXPECT_STREQ("0x0a1b2c3d4e5f6071", buf);
	ASSERT_EQ(0, fw_attr(node, "vendor", buf, sizeof(buf)));
	EXPECT_STREQ("0x0a1b2c", buf);
	ASSERT_EQ(0, fw_attr(node, "model", buf, sizeof(buf)));
	EXPECT_STREQ("0x123456", buf);
	ASSERT_EQ(0, fw_attr(node, "vendor_name", buf, sizeof(buf)));
	EXPECT_STREQ("Acme Labs", buf);
	ASSERT_EQ(0, fw_attr(node, "model_name", buf, sizeof(buf)));
	EXPECT_STREQ("DV-42", buf);
}

TEST_F(bus, node_without_avc_has_no_unit)
{
	struct fwsim_node_cfg cfg = { .no_avc = true, .no_pcr = true };
	char buf[128];
	int node;

	node = fwsim_node_add(BUS, &cfg);
	ASSERT_LE(0, node);
	ASSERT_EQ(0, fw_attr(node, "units", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

TEST_F(bus, bus_reset_bumps_generation)
{
	unsigned int before, after;

	ASSERT_EQ(0, fwsim_generation(BUS, &before));
	ASSERT_EQ(0, fwsim_bus_reset(BUS));
	ASSERT_EQ(0, fwsim_generation(BUS, &after));
	EXPECT_EQ((before + 1) & 0xff, after);
}

TEST_F(bus, default_irm_is_node0)
{
	int irm;

	ASSERT_EQ(0, fwsim_irm_node(BUS, &irm));
	EXPECT_EQ(0, irm);
	/* the IRM is the root: highest PHY ID of two */
	EXPECT_EQ(1, fwsim_node_phy_id(BUS, 0));
}

TEST_F(bus, irm_moves_by_knob)
{
	struct fwsim_node_cfg cfg = { .irm = true, .oplugs = 1, .iplugs = 1 };
	unsigned int gen;
	uint32_t bw;
	int node, irm;

	node = fwsim_node_add(BUS, &cfg);
	ASSERT_LE(0, node);
	ASSERT_EQ(0, fwsim_generation(BUS, &gen));
	ASSERT_EQ(0, fwsim_knob(BUS, FWSIM_LOCAL, "irm", "1"));
	/* the knob's reset */
	for (int i = 0; i < 100 && fwsim_irm_node(BUS, &irm) == 0 && irm != node; i++)
		usleep(50000);
	ASSERT_EQ(0, fwsim_settle(BUS));
	ASSERT_EQ(0, fwsim_irm_node(BUS, &irm));
	EXPECT_EQ(node, irm);
	ASSERT_EQ(0, fwsim_irm_read(BUS, "bandwidth_available", &bw));
	EXPECT_EQ((uint32_t)FWSIM_BANDWIDTH_INITIAL, bw);
}

TEST_F(bus, irm_knob_refuses_non_contender)
{
	struct fwsim_node_cfg cfg = { .oplugs = 1, .iplugs = 1 };
	int node;

	node = fwsim_node_add(BUS, &cfg);
	ASSERT_LE(0, node);
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, FWSIM_LOCAL, "irm", "1"));
	EXPECT_EQ(-ENOENT, fwsim_knob(BUS, FWSIM_LOCAL, "irm", "7"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, FWSIM_LOCAL, "irm", "bogus"));
}

TEST_F(bus, local_irm_gets_broadcast_channel)
{
	uint32_t hi = 0;
	int irm;

	ASSERT_EQ(0, fwsim_knob(BUS, FWSIM_LOCAL, "irm", "local"));
	for (int i = 0; i < 100 && fwsim_irm_node(BUS, &irm) == 0 &&
	     irm != FWSIM_LOCAL; i++)
		usleep(50000);
	ASSERT_EQ(0, fwsim_settle(BUS));
	ASSERT_EQ(0, fwsim_irm_node(BUS, &irm));
	ASSERT_EQ(FWSIM_LOCAL, irm);
	/* firewire-core allocates channel 31 at a local IRM (bit 0 of HI) */
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(0, fwsim_reg_read(BUS, FWSIM_LOCAL, "channels_available_hi", &hi));
		if (hi == 0xfffffffe)
			break;
		usleep(50000);
	}
	EXPECT_EQ(0xfffffffe, hi);
}

TEST_F(bus, testlibraw_completes)
{
	static char out[65536];
	int status;

	if (access("/usr/bin/testlibraw", X_OK))
		SKIP(return, "testlibraw not installed");
	/* libraw1394's firewire-core backend watches /dev with inotify. */
	if (access("/proc/sys/fs/inotify", F_OK))
		SKIP(return, "kernel without inotify, which libraw1394 needs");
	status = run("testlibraw 2>&1", out, sizeof(out));
	TH_LOG("%s", out);
	EXPECT_EQ(0, status);
	/* every read of every node completes (update_config_rom is ENOSYS
	 * on firewire-core whatever the card) */
	EXPECT_NE(NULL, strstr(out, "read from node 1... completed with value"));
	EXPECT_EQ(NULL, strstr(out, "... failed"));
	EXPECT_NE(NULL, strstr(out, "got fcp response"));
	EXPECT_NE(NULL, strstr(out, "topology map: 2 nodes"));
	EXPECT_NE(NULL, strstr(out, "cycle timer:"));
}

TEST_HARNESS_MAIN
