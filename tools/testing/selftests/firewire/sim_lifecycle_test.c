// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim life cycles: nodes removed under an open /dev/fwN, unplug and
 * replug, 62 nodes, module unload with nodes present, control input errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/firewire-cdev.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS 103
#define SYS_BUS "/sys/bus/firewire-sim"

static int write_str(const char *path, const char *s)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int dev_write(const char *attr, const char *s)
{
	char path[256];

	snprintf(path, sizeof(path), SYS_BUS "/devices/fwsim%d/%s", BUS, attr);
	return write_str(path, s);
}

/* Number of firewire-core devices (not units) whose GUID is in @guids. */
static int count_fw(const uint64_t *guids, int n)
{
	char path[512], buf[64];
	struct dirent *de;
	int count = 0, fd, i;
	ssize_t r;
	DIR *d;

	d = opendir("/sys/bus/firewire/devices");
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "fw", 2) || strchr(de->d_name, '.'))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/firewire/devices/%s/guid",
			 de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		for (i = 0; i < n; i++)
			if (strtoull(buf, NULL, 16) == guids[i])
				count++;
	}
	closedir(d);
	return count;
}

static int wait_count(const uint64_t *guids, int n, int want, int secs)
{
	int i, c = -1;

	for (i = 0; i < secs * 10; i++) {
		c = count_fw(guids, n);
		if (c == want)
			break;
		usleep(100000);
	}
	return c;
}

FIXTURE(life) {
	int skip;
};

FIXTURE_SETUP(life)
{
	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
}

FIXTURE_TEARDOWN(life)
{
	if (!self->skip)
		fwsim_bus_del(BUS);
}

TEST_F(life, node_removed_while_open_gives_enodev)
{
	struct fw_cdev_event_bus_reset reset;
	struct fw_cdev_get_info info;
	char dev[64];
	uint64_t guid;
	int fd;

	ASSERT_EQ(0, fwsim_node_guid(BUS, 0, &guid));
	ASSERT_EQ(0, fwsim_fw_dev(BUS, 0, dev, sizeof(dev)));
	fd = open(dev, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fwsim_node_del(BUS, 0));
	/* firewire-core removes the device 2 s after it vanished */
	EXPECT_EQ(0, wait_count(&guid, 1, 0, 10));
	memset(&info, 0, sizeof(info));
	info.version = 4;
	info.bus_reset = (uintptr_t)&reset;
	EXPECT_EQ(-1, ioctl(fd, FW_CDEV_IOC_GET_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
}

TEST_F(life, unplug_and_replug)
{
	uint64_t guid;

	ASSERT_EQ(0, fwsim_node_guid(BUS, 0, &guid));
	ASSERT_EQ(0, fwsim_node_link(BUS, 0, false));
	EXPECT_EQ(-ENOENT, fwsim_node_phy_id(BUS, 0));
	EXPECT_EQ(0, wait_count(&guid, 1, 0, 10));
	ASSERT_EQ(0, fwsim_node_link(BUS, 0, true));
	EXPECT_EQ(1, wait_count(&guid, 1, 1, 10));
	EXPECT_LE(0, fwsim_node_phy_id(BUS, 0));
}

/* 62 discoveries take over a minute on the KASAN debug kernel under TCG. */
TEST_F_TIMEOUT(life, sixty_two_nodes_come_and_go, 240)
{
	struct fwsim_node_cfg cfg = { .oplugs = 1, .iplugs = 1 };
	uint64_t guids[62];
	char buf[16];
	int i;

	ASSERT_EQ(0, fwsim_bus_del(BUS));
	ASSERT_EQ(0, fwsim_bus_new(BUS, 62));
	for (i = 0; i < 62; i++)
		ASSERT_EQ(0, fwsim_node_guid(BUS, i, &guids[i]));
	EXPECT_EQ(62, count_fw(guids, 62));
	EXPECT_EQ(-ENOSPC, dev_write("new_node", "oplugs=1"));
	/* remove in creation order: inner nodes leave repeater PHYs behind */
	for (i = 0; i < 62; i++) {
		snprintf(buf, sizeof(buf), "%d", i);
		ASSERT_EQ(0, dev_write("del_node", buf));
	}
	ASSERT_EQ(0, fwsim_settle(BUS));
	EXPECT_EQ(0, wait_count(guids, 62, 0, 20));
	/* and the bus takes new nodes again */
	EXPECT_EQ(0, fwsim_node_add(BUS, &cfg));
}

/* 62 discoveries take over a minute on the KASAN debug kernel under TCG. */
TEST_F_TIMEOUT(life, bus_with_62_nodes_deleted_whole, 240)
{
	uint64_t guids[62];
	int i;

	ASSERT_EQ(0, fwsim_bus_del(BUS));
	ASSERT_EQ(0, fwsim_bus_new(BUS, 62));
	for (i = 0; i < 62; i++)
		ASSERT_EQ(0, fwsim_node_guid(BUS, i, &guids[i]));
	ASSERT_EQ(0, fwsim_bus_del(BUS));
	EXPECT_EQ(0, count_fw(guids, 62));
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
}

TEST_F(life, module_unload_with_nodes_present)
{
	struct fwsim_node_cfg cfg = { .oplugs = 2, .iplugs = 2, .irm = true };

	ASSERT_LE(0, fwsim_node_add(BUS, &cfg));
	ASSERT_EQ(0, system("rmmod firewire-sim"));
	EXPECT_NE(0, access(SYS_BUS, F_OK));
	ASSERT_EQ(0, system("modprobe firewire-sim"));
	ASSERT_EQ(0, fwsim_available());
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
}

TEST_F(life, control_input_errors)
{
	EXPECT_EQ(-EINVAL, write_str(SYS_BUS "/new_device", "x"));
	EXPECT_EQ(-EINVAL, write_str(SYS_BUS "/new_device", "104 63"));
	EXPECT_EQ(-EINVAL, write_str(SYS_BUS "/new_device", "70000"));
	EXPECT_EQ(-EEXIST, write_str(SYS_BUS "/new_device", "103"));
	EXPECT_EQ(-ENOENT, write_str(SYS_BUS "/del_device", "104"));
	EXPECT_EQ(-EINVAL, dev_write("new_node", "colour=blue"));
	EXPECT_EQ(-EINVAL, dev_write("new_node", "oplugs=32"));
	EXPECT_EQ(-EINVAL, dev_write("new_node", "vendor=0x1000000"));
	EXPECT_EQ(-EINVAL, dev_write("new_node", "guid=0"));
	EXPECT_EQ(-EINVAL, dev_write("new_node", "vendor_name=\"unterminated"));
	EXPECT_EQ(-EEXIST, dev_write("new_node", "index=0"));
	EXPECT_EQ(-EEXIST, dev_write("new_node", "guid=0x0213940000670001"));
	EXPECT_EQ(-ENOENT, dev_write("del_node", "5"));
	EXPECT_EQ(-EINVAL, dev_write("del_node", "62"));
	EXPECT_EQ(-EINVAL, dev_write("del_node", "x"));
}

TEST_HARNESS_MAIN
