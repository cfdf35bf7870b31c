// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_info_test.c - firewire-cmp GET_INFO and GET_PLUG against firewire-sim's
 * ground truth: decoded values, version negotiation, a unit without plug
 * registers, reserved fields, ENOTTY/EFAULT/EINVAL, and the read() record
 * rules.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

/* The node under test: plug counts and IDs chosen to be unlike the defaults. */
#define INFO_GUID	0x0001020304050607ULL
#define INFO_VENDOR	0x00abcdef
#define INFO_MODEL	0x00123456
#define INFO_OPLUGS	3
#define INFO_IPLUGS	2

static const struct fwsim_node_cfg info_nodes[] = {
	{
		.guid = INFO_GUID,
		.vendor_id = INFO_VENDOR,
		.model_id = INFO_MODEL,
		.oplugs = INFO_OPLUGS,
		.iplugs = INFO_IPLUGS,
	},
};

FIXTURE(info) {
	struct fwcmp_bus bus;
	int node;	/* fwsim index of the node under test */
	int fd;
};

FIXTURE_SETUP(info)
{
	fwcmp_setup_bus(&self->bus, 1, info_nodes, 1);
	self->node = self->bus.node[1].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
}

FIXTURE_TEARDOWN_PARENT(info)
{
	fwcmp_teardown_bus(&self->bus);
}

static void get_info_v1(int fd, struct fwcmp_get_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = FWCMP_ABI_VERSION;
	(void)fd;
}

/* Every field of GET_INFO equals the configuration and fwsim's registers. */
TEST_F(info, get_info_values)
{
	struct fwcmp_get_info info;
	uint32_t ompr, impr;
	unsigned int gen, i;
	uint64_t guid;

	ASSERT_EQ(0, fwsim_node_guid(self->bus.id, self->node, &guid));
	ASSERT_EQ(INFO_GUID, guid);
	ASSERT_EQ(0, fwsim_reg_read(self->bus.id, self->node, "ompr", &ompr));
	ASSERT_EQ(0, fwsim_reg_read(self->bus.id, self->node, "impr", &impr));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));

	get_info_v1(self->fd, &info);
	test_get_info(self->fd, &info);
	EXPECT_EQ(FWCMP_ABI_VERSION, info.version);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(INFO_GUID, info.guid);
	EXPECT_EQ(INFO_VENDOR, info.vendor_id);
	EXPECT_EQ(INFO_MODEL, info.model_id);
	EXPECT_EQ(gen, info.generation);
	EXPECT_EQ(ompr, info.ompr);
	EXPECT_EQ(impr, info.impr);
	EXPECT_EQ(INFO_OPLUGS, info.output_plugs);
	EXPECT_EQ(INFO_IPLUGS, info.input_plugs);
	EXPECT_EQ(FWCMP_MPR_BCAST_BASE(ompr), info.broadcast_channel_base);
	if (FWCMP_MPR_RATE(ompr) < 3)
		EXPECT_EQ(FWCMP_MPR_RATE(ompr), info.output_speed);
	if (FWCMP_MPR_RATE(impr) < 3)
		EXPECT_EQ(FWCMP_MPR_RATE(impr), info.input_speed);
	/* Node IDs are on the local bus (0x3ff) and differ from each other. */
	EXPECT_EQ(0xffc0, info.node_id & 0xffc0);
	EXPECT_EQ(0xffc0, info.local_node_id & 0xffc0);
	EXPECT_EQ(0xffc0, info.irm_node_id & 0xffc0);
	EXPECT_NE(info.node_id, info.local_node_id);
	/* The IRM is node 0 (the default node), neither ours nor the PC. */
	EXPECT_NE(info.node_id, info.irm_node_id);
	EXPECT_NE(info.local_node_id, info.irm_node_id);
	EXPECT_GE(FWCMP_SPEED_S3200, info.max_speed);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, info.reserved[i]);
}

/* The IRM node of GET_INFO is the IRM default node's, as another unit sees. */
TEST_F(info, get_info_irm_matches_other_unit)
{
	struct fwcmp_get_info a, b;
	int fd0;

	fd0 = fwcmp_open_node(&self->bus, self->bus.node[0].idx, O_RDONLY,
			      5000);
	ASSERT_LE(0, fd0);
	get_info_v1(self->fd, &a);
	get_info_v1(fd0, &b);
	test_get_info(self->fd, &a);
	test_get_info(fd0, &b);
	EXPECT_EQ(a.generation, b.generation);
	EXPECT_EQ(a.irm_node_id, b.irm_node_id);
	EXPECT_EQ(a.local_node_id, b.local_node_id);
	/* Default node 0 is the IRM. */
	EXPECT_EQ(b.node_id, b.irm_node_id);
	close(fd0);
}

/* The output buffer is fully written: no 0xa5 survives in an (out) field. */
TEST_F(info, get_info_no_stale_bytes)
{
	struct fwcmp_get_info info, ref;

	get_info_v1(self->fd, &ref);
	test_get_info(self->fd, &ref);

	memset(&info, 0xa5, sizeof(info));
	info.version = FWCMP_ABI_VERSION;
	memset(info.reserved, 0, sizeof(info.reserved));
	test_get_info(self->fd, &info);
	EXPECT_EQ(0, memcmp(&ref, &info, sizeof(info)));
}

TEST_F(info, get_info_version_zero_einval)
{
	struct fwcmp_get_info info;

	memset(&info, 0, sizeof(info));
	test_err_get_info(EINVAL, self->fd, &info);
}

/* A newer caller gets the kernel's version back and the same data. */
TEST_F(info, get_info_version_newer)
{
	struct fwcmp_get_info info;

	memset(&info, 0, sizeof(info));
	info.version = FWCMP_ABI_VERSION + 41;
	test_get_info(self->fd, &info);
	EXPECT_EQ(FWCMP_ABI_VERSION, info.version);
	EXPECT_EQ(INFO_GUID, info.guid);
}

TEST_F(info, get_info_reserved_einval)
{
	struct fwcmp_get_info info;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		memset(&info, 0, sizeof(info));
		info.version = FWCMP_ABI_VERSION;
		info.reserved[i] = 1u << (i * 4);
		EXPECT_EQ(-EINVAL, _test_ioctl_get_info(self->fd, &info))
			TH_LOG("reserved[%u] set", i);
	}
}

/* GET_INFO and GET_PLUG need no write access. */
TEST_F(info, readonly_fd_queries)
{
	struct fwcmp_get_plug plug;
	int fd;

	fd = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 5000);
	ASSERT_LE(0, fd);
	test_get_info(fd, NULL);
	test_get_plug(fd, FWCMP_DIR_OUTPUT, 0, &plug);
	close(fd);
}

/* NULL, unmapped, kernel and short buffers: EFAULT. */
TEST_F(info, efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct fwcmp_get_info *info;
	char *map;

	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_GET_INFO, NULL);
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_GET_PLUG, NULL);
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_GET_INFO,
		       (void *)0xffffffff81000000UL);

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));
	/* The struct starts 8 bytes before the hole. */
	info = (void *)(map + page - 8);
	info->version = FWCMP_ABI_VERSION;
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_GET_INFO, info);
	ASSERT_EQ(0, munmap(map, page));
	test_err_ioctl(EFAULT, self->fd, FWCMP_IOC_GET_INFO, map);
}

/* Unknown type or number, wrong size, wrong direction: ENOTTY. */
TEST_F(info, enotty)
{
	struct fwcmp_get_info info[2];

	memset(info, 0, sizeof(info));
	info[0].version = FWCMP_ABI_VERSION;
	test_err_ioctl(ENOTTY, self->fd, _IOWR('K', 0x00, struct fwcmp_get_info),
		       info);
	test_err_ioctl(ENOTTY, self->fd, _IOWR('J', 0x05, struct fwcmp_get_info),
		       info);
	test_err_ioctl(ENOTTY, self->fd, _IOWR('J', 0x7f, struct fwcmp_get_info),
		       info);
	test_err_ioctl(ENOTTY, self->fd,
		       _IOC(_IOC_READ | _IOC_WRITE, 'J', 0x00,
			    sizeof(struct fwcmp_get_info) - 8), info);
	test_err_ioctl(ENOTTY, self->fd,
		       _IOC(_IOC_READ | _IOC_WRITE, 'J', 0x00,
			    sizeof(struct fwcmp_get_info) + 8), info);
	test_err_ioctl(ENOTTY, self->fd, _IOR('J', 0x00, struct fwcmp_get_info),
		       info);
	test_err_ioctl(ENOTTY, self->fd, _IOW('J', 0x00, struct fwcmp_get_info),
		       info);
	test_err_ioctl(ENOTTY, self->fd, _IOWR('J', 0x03, struct fwcmp_disconnect),
		       info);
	test_err_ioctl(ENOTTY, self->fd, _IO('J', 0x00), NULL);
}

/* GET_PLUG decodes every oPCR field of the register fwsim holds. */
TEST_F(info, get_plug_opcr_decode)
{
	/* on-line, broadcast, p2p 2, ch 17, S400, overhead 5, 300 quadlets */
	const uint32_t v = 1u << 31 | 1u << 30 | 2u << 24 | 17u << 16 |
			   2u << 14 | 5u << 10 | 300;
	struct fwcmp_get_plug p;
	unsigned int gen;
	uint32_t old;

	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 2,
				   &old));
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 2, v));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
	memset(&p, 0xa5, sizeof(p));
	p.direction = FWCMP_DIR_OUTPUT;
	p.index = 2;
	p.flags = 0;
	memset(p.reserved, 0, sizeof(p.reserved));
	test_ioctl(self->fd, FWCMP_IOC_GET_PLUG, &p);
	EXPECT_EQ(v, p.value);
	EXPECT_EQ(gen, p.generation);
	EXPECT_EQ(1, p.online);
	EXPECT_EQ(1, p.broadcast);
	EXPECT_EQ(2, p.p2p);
	EXPECT_EQ(17, p.channel);
	EXPECT_EQ(FWCMP_SPEED_S400, p.speed);
	EXPECT_EQ(5, p.overhead_id);
	EXPECT_EQ(300, p.payload);
	EXPECT_EQ(0, p.reserved[0]);
	EXPECT_EQ(0, p.reserved[1]);
	EXPECT_EQ(0, p.reserved[2]);
	EXPECT_EQ(0, p.reserved[3]);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 2, old));
}

/* Data rate 3 adds the extended speed; payload field 0 means 1024. */
TEST_F(info, get_plug_opcr_extended_speed_payload_zero)
{
	const uint32_t v = 1u << 31 | 1u << 22 | 3u << 14 | 0;
	struct fwcmp_get_plug p;
	uint32_t old;

	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 1,
				   &old));
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 1, v));
	test_get_plug(self->fd, FWCMP_DIR_OUTPUT, 1, &p);
	EXPECT_EQ(v, p.value);
	EXPECT_EQ(FWCMP_SPEED_S1600, p.speed);
	EXPECT_EQ(1024, p.payload);
	EXPECT_EQ(0, p.p2p);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 1, old));
}

/* An iPCR has no rate, overhead or payload: those read as 0. */
TEST_F(info, get_plug_ipcr_decode)
{
	/* on-line, p2p 1, ch 42, and junk in the bits an iPCR does not use */
	const uint32_t v = 1u << 31 | 1u << 24 | 42u << 16 | 0xbeef;
	struct fwcmp_get_plug p;
	uint32_t old;

	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_INPUT, 1,
				   &old));
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_INPUT, 1, v));
	test_get_plug(self->fd, FWCMP_DIR_INPUT, 1, &p);
	EXPECT_EQ(v, p.value);
	EXPECT_EQ(1, p.online);
	EXPECT_EQ(0, p.broadcast);
	EXPECT_EQ(1, p.p2p);
	EXPECT_EQ(42, p.channel);
	EXPECT_EQ(0, p.speed);
	EXPECT_EQ(0, p.overhead_id);
	EXPECT_EQ(0, p.payload);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_INPUT, 1, old));
}

/* GET_PLUG reads the register over the bus each time (no cached value). */
TEST_F(info, get_plug_reads_fresh_value)
{
	struct fwcmp_get_plug p;
	uint64_t before, after;
	uint32_t v;

	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 0,
				   &v));
	ASSERT_EQ(0, fwsim_stat(self->bus.id, self->node,
				"read_quadlet.complete", &before));
	test_get_plug(self->fd, FWCMP_DIR_OUTPUT, 0, &p);
	EXPECT_EQ(v, p.value);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0, v ^ 0x155));
	test_get_plug(self->fd, FWCMP_DIR_OUTPUT, 0, &p);
	EXPECT_EQ(v ^ 0x155, p.value);
	ASSERT_EQ(0, fwsim_stat(self->bus.id, self->node,
				"read_quadlet.complete", &after));
	EXPECT_EQ(before + 2, after);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0, v));
}

TEST_F(info, get_plug_einval)
{
	struct fwcmp_get_plug p;
	unsigned int i;

	test_err_get_plug(EINVAL, self->fd, FWCMP_DIR_OUTPUT, INFO_OPLUGS);
	test_err_get_plug(EINVAL, self->fd, FWCMP_DIR_INPUT, INFO_IPLUGS);
	test_err_get_plug(EINVAL, self->fd, FWCMP_DIR_OUTPUT, FWCMP_MAX_PLUGS);
	test_err_get_plug(EINVAL, self->fd, FWCMP_DIR_OUTPUT, 0xffffffff);
	test_err_get_plug(EINVAL, self->fd, 2, 0);
	test_err_get_plug(EINVAL, self->fd, 0xffffffff, 0);

	memset(&p, 0, sizeof(p));
	p.flags = 1;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_GET_PLUG, &p);
	p.flags = 0x80000000;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_GET_PLUG, &p);
	for (i = 0; i < 4; i++) {
		memset(&p, 0, sizeof(p));
		p.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, _test_ioctl(self->fd, FWCMP_IOC_GET_PLUG, &p))
			TH_LOG("reserved[%u] set", i);
	}
}

/* A bus reset queues BUS_RESET; read() takes whole records only. */
TEST_F(info, read_bus_reset_event)
{
	struct fwcmp_get_info info;
	struct fwcmp_event ev;
	unsigned int gen, i;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	char small[sizeof(ev)];
	int irm;

	fwcmp_drain_events(self->fd);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	ASSERT_EQ(0, fwsim_generation(self->bus.id, &gen));
	ASSERT_EQ(0, fwsim_irm_node(self->bus.id, &irm));
	/* firewire-core may add resets of its own: wait for the last one. */
	ASSERT_EQ(0, fwcmp_wait_reset_event(self->fd, gen, &ev, 3000));
	EXPECT_EQ(gen, ev.generation);
	EXPECT_EQ(0, ev.flags);
	EXPECT_EQ(0, ev.handle);
	EXPECT_EQ(0, ev.reason);
	EXPECT_EQ(0, ev.channel);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, ev.reserved[i]);
	get_info_v1(self->fd, &info);
	test_get_info(self->fd, &info);
	EXPECT_EQ(gen, info.generation);
	EXPECT_EQ(info.node_id, ev.node_id);
	EXPECT_EQ(info.irm_node_id, ev.irm_node_id);

	/* Buffer smaller than a record: EINVAL, and the record stays queued. */
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	ASSERT_EQ(1, poll(&pfd, 1, 3000));
	EXPECT_EQ(-1, read(self->fd, small, sizeof(ev) - 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fwcmp_read_event(self->fd, &ev, 0));
	EXPECT_EQ(FWCMP_EVENT_BUS_RESET, ev.type);
}

/* No event queued: a non-blocking read is EAGAIN, poll reports nothing. */
TEST_F(info, read_nonblock_empty)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct fwcmp_event ev;
	int fd;

	fd = fwcmp_open_node(&self->bus, self->node, O_RDONLY | O_NONBLOCK,
			     5000);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, &ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	pfd.fd = fd;
	EXPECT_EQ(0, poll(&pfd, 1, 100));
	close(fd);
}

FIXTURE(info_special) {
	struct fwcmp_bus bus;
};

FIXTURE_SETUP(info_special)
{
	fwcmp_setup_bus(&self->bus, 1, NULL, 0);
}

FIXTURE_TEARDOWN_PARENT(info_special)
{
	fwcmp_teardown_bus(&self->bus);
}

/* A unit without plug registers binds and says so; its plugs are EINVAL. */
TEST_F(info_special, unit_without_plug_registers)
{
	const struct fwsim_node_cfg cfg = { .no_pcr = true };
	struct fwcmp_get_info info;
	int slot, fd;

	slot = fwcmp_bus_add_node(&self->bus, &cfg);
	ASSERT_LE(0, slot);
	fd = fwcmp_open_node(&self->bus, self->bus.node[slot].idx, O_RDWR,
			     5000);
	ASSERT_LE(0, fd);
	get_info_v1(fd, &info);
	test_get_info(fd, &info);
	EXPECT_EQ(FWCMP_INFO_NO_PLUG_REGISTERS,
		  info.flags & FWCMP_INFO_NO_PLUG_REGISTERS);
	EXPECT_EQ(0, info.flags & ~(FWCMP_INFO_NO_PLUG_REGISTERS |
				    FWCMP_INFO_NO_OMPR | FWCMP_INFO_NO_IMPR));
	EXPECT_EQ(0, info.output_plugs);
	EXPECT_EQ(0, info.input_plugs);
	EXPECT_EQ(0, info.ompr);
	EXPECT_EQ(0, info.impr);
	test_err_get_plug(EINVAL, fd, FWCMP_DIR_OUTPUT, 0);
	test_err_get_plug(EINVAL, fd, FWCMP_DIR_INPUT, 0);
	test_err_connect(EINVAL, fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	check_invariant(&self->bus);
	close(fd);
}

/* A node without an AV/C unit directory gets no /dev/fwcmp. */
TEST_F(info_special, no_avc_unit_not_bound)
{
	const struct fwsim_node_cfg cfg = { .no_avc = true, .oplugs = 1,
					    .iplugs = 1 };
	char path[64];
	int slot;

	slot = fwcmp_bus_add_node(&self->bus, &cfg);
	ASSERT_LE(0, slot);
	/* The AV/C node 0 is bound, so binding has had its chance. */
	ASSERT_EQ(0, fwcmp_node_path(&self->bus, self->bus.node[0].idx, path,
				     sizeof(path), 5000));
	EXPECT_EQ(-ENOENT, fwcmp_node_path(&self->bus,
					   self->bus.node[slot].idx, path,
					   sizeof(path), 1000));
}

TEST_HARNESS_MAIN
