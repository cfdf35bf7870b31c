// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_remove_test.c - firewire-cmp when its unit goes away under open files
 * (gpio-cdev-uaf's matrix): node deleted, node unplugged, the whole simulated
 * bus destroyed; idle descriptors, descriptors holding connections, readers
 * blocked in read() and poll(). Every ioctl is then ENODEV, read() drains the
 * queue and then fails with ENODEV, poll() reports EPOLLHUP | EPOLLERR, and
 * the IRM gets its resources back when it is still there.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

/* Node 1: the unit that goes away; node 0 (the IRM) stays. */
static const struct fwsim_node_cfg remove_nodes[] = {
	{ .oplugs = 2, .iplugs = 2 },
};

FIXTURE(remove) {
	struct fwcmp_bus bus;
	int node;	/* fwsim index of the unit that goes away */
	int slot;
	int fd;
};

FIXTURE_SETUP(remove)
{
	fwcmp_setup_bus(&self->bus, 1, remove_nodes, 1);
	self->slot = 1;
	self->node = self->bus.node[1].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	check_invariant(&self->bus);
}

FIXTURE_TEARDOWN_PARENT(remove)
{
	fwcmp_teardown_bus(&self->bus);
}

/* The unit is gone from the model: its plugs are no longer checked. */
static void model_unit_gone(struct fwcmp_bus *b, int slot)
{
	unsigned int i;

	for (i = 0; i < FWCMP_MAX_CONNS; i++)
		if (b->conn[i].live && b->conn[i].node == b->node[slot].idx)
			fwcmp_model_drop(b, &b->conn[i]);
	b->node[slot].used = false;
}

/* Every ioctl, valid arguments or not, fails with ENODEV. */
static void expect_all_enodev(struct __test_metadata *_metadata, int fd,
			      unsigned int handle)
{
	struct fwcmp_clear_plug cp;
	struct fwcmp_get_info info;

	memset(&info, 0, sizeof(info));
	info.version = FWCMP_ABI_VERSION;
	EXPECT_EQ(-ENODEV, _test_ioctl_get_info(fd, &info));
	EXPECT_EQ(-ENODEV, _test_ioctl_get_plug(fd, FWCMP_DIR_OUTPUT, 0, NULL));
	EXPECT_EQ(-ENODEV, _test_ioctl_connect(fd, FWCMP_DIR_OUTPUT, 0, 0,
					       FWCMP_ANY_CHANNEL,
					       FWCMP_TEST_SPEED,
					       FWCMP_TEST_PAYLOAD, NULL));
	EXPECT_EQ(-ENODEV, _test_ioctl_disconnect(fd, handle ? handle : 1));
	memset(&cp, 0, sizeof(cp));
	EXPECT_EQ(-ENODEV, _test_ioctl(fd, FWCMP_IOC_CLEAR_PLUG, &cp));
}

/* Queued events come out, then UNIT_REMOVED, then ENODEV for good. */
static void expect_drain_then_enodev(struct __test_metadata *_metadata, int fd)
{
	struct fwcmp_event ev;
	bool removed = false;
	int n = 0, rc;

	while ((rc = fwcmp_read_event(fd, &ev, 1000)) == 0 && n++ < 1000) {
		EXPECT_FALSE(removed)
			TH_LOG("event %u after UNIT_REMOVED", ev.type);
		if (ev.type == FWCMP_EVENT_UNIT_REMOVED)
			removed = true;
	}
	EXPECT_TRUE(removed);
	EXPECT_EQ(-ENODEV, rc);
	EXPECT_EQ(-1, read(fd, &ev, sizeof(ev)));
	EXPECT_EQ(ENODEV, errno);
}

static void expect_poll_hup(struct __test_metadata *_metadata, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents & (POLLHUP | POLLERR));
}

/* An idle descriptor, node deleted. */
TEST_F(remove, idle_fd_node_deleted)
{
	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->node));
	/* firewire-core removes a vanished device after a grace period. */
	ASSERT_EQ(0, fwcmp_wait_node_gone(&self->bus, self->node, 10000));
	model_unit_gone(&self->bus, self->slot);
	expect_all_enodev(_metadata, self->fd, 0);
	expect_drain_then_enodev(_metadata, self->fd);
	expect_poll_hup(_metadata, self->fd);
	check_invariant(&self->bus);
	EXPECT_EQ(0, close(self->fd));
}

/*
 * A descriptor holding connections (one persistent), node deleted: each is
 * reported lost before UNIT_REMOVED, the IRM gets channel and bandwidth
 * back, the handles are ENODEV like everything else.
 */
TEST_F(remove, connections_node_deleted)
{
	struct fwcmp_connect c[3];
	struct fwcmp_event ev[3], e;
	unsigned int handles[3], i;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c[0]);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 1, 0,
		      FWCMP_ANY_CHANNEL, &c[1]);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 1,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c[2]);
	check_invariant(&self->bus);
	fwcmp_drain_events(self->fd);

	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->node));
	model_unit_gone(&self->bus, self->slot);
	for (i = 0; i < 3; i++)
		handles[i] = c[i].handle;
	ASSERT_EQ(0, fwcmp_wait_events(self->fd, FWCMP_EVENT_CONN_LOST,
				       handles, 3, ev, 10000));
	for (i = 0; i < 3; i++) {
		EXPECT_TRUE(ev[i].reason == FWCMP_LOST_UNIT_REMOVED ||
			    ev[i].reason == FWCMP_LOST_PLUG_OFFLINE)
			TH_LOG("handle %u lost with reason %u", handles[i],
			       ev[i].reason);
		EXPECT_EQ(c[i].channel, ev[i].channel);
	}
	ASSERT_EQ(0, fwcmp_read_event(self->fd, &e, 2000));
	EXPECT_EQ(FWCMP_EVENT_UNIT_REMOVED, e.type);
	/* The IRM (node 0) is still there and has everything back. */
	wait_invariant(&self->bus);
	expect_all_enodev(_metadata, self->fd, c[2].handle);
	EXPECT_EQ(-1, read(self->fd, &e, sizeof(e)));
	EXPECT_EQ(ENODEV, errno);
	expect_poll_hup(_metadata, self->fd);
	EXPECT_EQ(0, close(self->fd));
	check_invariant(&self->bus);
}

/* The node is unplugged (link down) instead: the same outcome. */
TEST_F_TIMEOUT(remove, connections_node_unplugged, 60)
{
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	fwcmp_drain_events(self->fd);
	ASSERT_EQ(0, fwsim_node_link(self->bus.id, self->node, false));
	self->bus.node[self->slot].linked = false;
	ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, c.handle));
	/* firewire-core removes a vanished device after a grace period. */
	ASSERT_EQ(0, fwcmp_wait_event(self->fd, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 10000));
	ASSERT_EQ(0, fwcmp_wait_event(self->fd, FWCMP_EVENT_UNIT_REMOVED, 0,
				      &ev, 10000));
	wait_invariant(&self->bus);
	expect_all_enodev(_metadata, self->fd, c.handle);
	expect_poll_hup(_metadata, self->fd);
}

struct blocked {
	int fd;
	bool use_poll;
	int rc;		/* read(): bytes or -errno; poll(): revents */
	int done;
};

static void *blocked_reader(void *arg)
{
	struct blocked *b = arg;
	struct fwcmp_event ev;

	if (b->use_poll) {
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN };

		b->rc = poll(&pfd, 1, 20000) == 1 ? pfd.revents : -ETIMEDOUT;
	} else {
		ssize_t n = read(b->fd, &ev, sizeof(ev));

		b->rc = n < 0 ? -errno : (int)n;
	}
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Readers sleeping in read() and poll() are woken by the removal. */
TEST_F(remove, blocked_readers_woken)
{
	struct blocked r = { .fd = self->fd }, p = { .use_poll = true };
	pthread_t tr, tp;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 1000);
	ASSERT_LE(0, fd2);
	p.fd = fd2;
	fwcmp_drain_events(self->fd);
	fwcmp_drain_events(fd2);
	ASSERT_EQ(0, pthread_create(&tr, NULL, blocked_reader, &r));
	ASSERT_EQ(0, pthread_create(&tp, NULL, blocked_reader, &p));
	fwcmp_msleep(300);
	ASSERT_EQ(0, __atomic_load_n(&r.done, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, __atomic_load_n(&p.done, __ATOMIC_ACQUIRE));

	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->node));
	model_unit_gone(&self->bus, self->slot);
	ASSERT_EQ(0, pthread_join(tr, NULL));
	ASSERT_EQ(0, pthread_join(tp, NULL));
	/* read() got the UNIT_REMOVED record (or ENODEV), poll() a wakeup. */
	EXPECT_TRUE(r.rc == (int)sizeof(struct fwcmp_event) || r.rc == -ENODEV)
		TH_LOG("read: %d", r.rc);
	EXPECT_LT(0, p.rc);
	expect_drain_then_enodev(_metadata, fd2);
	expect_poll_hup(_metadata, fd2);
	close(fd2);
	check_invariant(&self->bus);
}

static void *bus_destroyer(void *arg)
{
	struct fwcmp_bus *b = arg;

	/*
	 * fw_core_remove_card() waits for the last card reference, and an open
	 * descriptor holds one through its fw_device: this returns only once
	 * the descriptors are closed (as with /dev/fw* and a real controller).
	 */
	return (void *)(long)fwcmp_bus_destroy(b);
}

/*
 * The whole simulated bus is destroyed with descriptors open and connections
 * live, one on the IRM's own unit: the units are removed at once (ENODEV,
 * EPOLLHUP | EPOLLERR, queue drained), and the bus goes once they are closed.
 */
TEST_F_TIMEOUT(remove, bus_destroyed, 60)
{
	struct fwcmp_connect c;
	struct fwcmp_event ev;
	pthread_t t;
	void *ret;
	int fd0;

	fd0 = fwcmp_open_node(&self->bus, self->bus.node[0].idx, O_RDWR, 1000);
	ASSERT_LE(0, fd0);
	model_connect(&self->bus, self->bus.node[0].idx, fd0, FWCMP_DIR_OUTPUT,
		      0, FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, NULL);
	check_invariant(&self->bus);

	ASSERT_EQ(0, pthread_create(&t, NULL, bus_destroyer, &self->bus));
	ASSERT_EQ(0, fwcmp_wait_event(fd0, FWCMP_EVENT_UNIT_REMOVED, 0, &ev,
				      10000));
	ASSERT_EQ(0, fwcmp_wait_event(self->fd, FWCMP_EVENT_UNIT_REMOVED, 0,
				      &ev, 10000));
	fwcmp_model_drop_all(&self->bus);
	expect_all_enodev(_metadata, fd0, c.handle);
	expect_all_enodev(_metadata, self->fd, 0);
	EXPECT_EQ(-1, read(fd0, &ev, sizeof(ev)));
	EXPECT_EQ(ENODEV, errno);
	expect_poll_hup(_metadata, fd0);
	expect_poll_hup(_metadata, self->fd);
	EXPECT_EQ(0, close(fd0));
	EXPECT_EQ(0, close(self->fd));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (long)ret);
}

/* A new descriptor cannot be opened on a gone unit's node any more. */
TEST_F(remove, node_gone_from_dev)
{
	char path[64];
	int fd;

	ASSERT_EQ(0, fwcmp_node_path(&self->bus, self->node, path,
				     sizeof(path), 1000));
	ASSERT_EQ(0, fwsim_node_del(self->bus.id, self->node));
	ASSERT_EQ(0, fwcmp_wait_node_gone(&self->bus, self->node, 10000));
	model_unit_gone(&self->bus, self->slot);
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		/* The minor may be reused already by another unit only. */
		struct fwcmp_get_info info = { .version = FWCMP_ABI_VERSION };

		EXPECT_EQ(0, _test_ioctl_get_info(fd, &info));
		EXPECT_NE(self->bus.node[self->slot].guid, info.guid);
		close(fd);
	}
	expect_all_enodev(_metadata, self->fd, 0);
}

TEST_HARNESS_MAIN
