// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim against libiec61883's own tools, unchanged: plugreport lists
 * the ground-truth plug registers, a value set with plugctl lands in them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS 104

static char out[1 << 16];

static int run(const char *cmd)
{
	size_t total = 0, n;
	FILE *p;

	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (total < sizeof(out) - 1 &&
	       (n = fread(out + total, 1, sizeof(out) - 1 - total, p)) > 0)
		total += n;
	out[total] = '\0';
	return pclose(p);
}

/* The plugreport section of the node with @guid, and its port number. */
static const char *section(uint64_t guid, int *port)
{
	char key[64];
	const char *s, *h;

	snprintf(key, sizeof(key), "GUID 0x%016llx", (unsigned long long)guid);
	s = strstr(out, key);
	if (!s)
		return NULL;
	*port = -1;
	for (h = out; (h = strstr(h, "Host Adapter ")) && h < s; h++)
		*port = atoi(h + strlen("Host Adapter "));
	return s;
}

FIXTURE(tools) {
	int skip;
};

FIXTURE_SETUP(tools)
{
	struct fwsim_node_cfg cfg = { .oplugs = 2, .iplugs = 3 };

	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	if (access("/usr/bin/plugreport", X_OK) || access("/usr/bin/plugctl", X_OK)) {
		self->skip = 1;
		SKIP(return, "libiec61883 tools not installed");
	}
	/* libraw1394's firewire-core backend watches /dev with inotify. */
	if (access("/proc/sys/fs/inotify", F_OK)) {
		self->skip = 1;
		SKIP(return, "kernel without inotify, which libraw1394 needs");
	}
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 0));
	ASSERT_EQ(0, fwsim_node_add(BUS, &cfg));
}

FIXTURE_TEARDOWN(tools)
{
	if (!self->skip)
		EXPECT_EQ(0, fwsim_bus_del(BUS));
}

TEST_F(tools, plugreport_shows_ground_truth)
{
	char want[256];
	const char *s;
	uint64_t guid;
	int port;

	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "opcr0", 0xc2058c7a));
	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "opcr1", 0x80220123));
	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "ipcr2", 0x81070000));
	ASSERT_EQ(0, fwsim_node_guid(BUS, 0, &guid));
	ASSERT_EQ(0, run("plugreport 2>&1"));
	TH_LOG("%s", out);
	s = section(guid, &port);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "oMPR n_plugs=2, data_rate=2, bcast_channel=63"));
	EXPECT_NE(NULL, strstr(s, "oPCR[0] online=1, bcast_connection=1, n_p2p_connections=2"));
	EXPECT_NE(NULL, strstr(s, "\tchannel=5, data_rate=2, overhead_id=3, payload=122"));
	snprintf(want, sizeof(want), "\tchannel=34, data_rate=0, overhead_id=0, payload=291");
	EXPECT_NE(NULL, strstr(s, want));
	EXPECT_NE(NULL, strstr(s, "iMPR n_plugs=3, data_rate=2"));
	EXPECT_NE(NULL, strstr(s, "iPCR[2] online=1, bcast_connection=0, n_p2p_connections=1"));
	EXPECT_NE(NULL, strstr(s, "\tchannel=7"));
}

TEST_F(tools, plugctl_value_lands_in_ground_truth)
{
	char cmd[128];
	const char *s;
	uint64_t guid;
	uint32_t v;
	int port, phy;

	ASSERT_EQ(0, fwsim_node_guid(BUS, 0, &guid));
	ASSERT_EQ(0, run("plugreport 2>&1"));
	s = section(guid, &port);
	ASSERT_NE(NULL, s);
	ASSERT_LE(0, port);
	phy = fwsim_node_phy_id(BUS, 0);
	ASSERT_LE(0, phy);
	snprintf(cmd, sizeof(cmd), "plugctl -p %d -n %d 'oPCR[1].channel=9' 2>&1", port, phy);
	EXPECT_EQ(0, run(cmd));
	TH_LOG("%s", out);
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr1", &v));
	EXPECT_EQ(9u, (v >> 16) & 0x3f);
	EXPECT_EQ(0x803f007a & ~0x003f0000u, v & ~0x003f0000u);
}

TEST_HARNESS_MAIN
