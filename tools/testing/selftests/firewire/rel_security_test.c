// SPDX-License-Identifier: GPL-2.0
/*
 * rel_security_test.c - what one user of /dev/fwcmpN can do to another, and
 * what the kernel lets out: a non-persistent handle means nothing on another
 * descriptor, a persistent one can be broken only through a writer,
 * CLEAR_PLUG needs CAP_SYS_ADMIN, device nodes are not world-accessible,
 * every output struct and event record comes back with its reserved bytes
 * zero and nothing written past its end (the buffer is filled with 0xa5
 * first), the ABI structs have no implicit padding, and handles are small
 * ids, not kernel addresses.
 */
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rel_util.h"

#define PAT	0xa5
#define PAT32	0xa5a5a5a5u

/* No implicit padding anywhere: the last member ends the struct. */
#define END_OF(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))
_Static_assert(END_OF(struct fwcmp_get_info, reserved) ==
	       sizeof(struct fwcmp_get_info), "get_info padding");
_Static_assert(END_OF(struct fwcmp_get_plug, reserved) ==
	       sizeof(struct fwcmp_get_plug), "get_plug padding");
_Static_assert(END_OF(struct fwcmp_connect, reserved) ==
	       sizeof(struct fwcmp_connect), "connect padding");
_Static_assert(END_OF(struct fwcmp_disconnect, reserved) ==
	       sizeof(struct fwcmp_disconnect), "disconnect padding");
_Static_assert(END_OF(struct fwcmp_clear_plug, reserved) ==
	       sizeof(struct fwcmp_clear_plug), "clear_plug padding");
_Static_assert(END_OF(struct fwcmp_event, reserved) ==
	       sizeof(struct fwcmp_event), "event padding");
_Static_assert(offsetof(struct fwcmp_get_info, guid) == 8, "guid alignment");
_Static_assert(sizeof(struct fwcmp_get_info) % 8 == 0 &&
	       sizeof(struct fwcmp_get_plug) % 8 == 0 &&
	       sizeof(struct fwcmp_connect) % 8 == 0 &&
	       sizeof(struct fwcmp_disconnect) % 8 == 0 &&
	       sizeof(struct fwcmp_clear_plug) % 8 == 0 &&
	       sizeof(struct fwcmp_event) % 8 == 0, "multiple of 8");

static const struct fwsim_node_cfg sec_nodes[] = {
	{ .oplugs = 2, .iplugs = 2 },
};

FIXTURE(sec) {
	struct fwcmp_bus bus;
	int node;
	int fd;		/* O_RDWR on node 1 */
};

FIXTURE_SETUP(sec)
{
	fwcmp_setup_bus(&self->bus, 1, sec_nodes, 1);
	self->node = self->bus.node[1].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
}

FIXTURE_TEARDOWN_PARENT(sec)
{
	fwcmp_teardown_bus(&self->bus);
}

#define check_same_as(before) do { \
	struct fwcmp_snapshot __now; \
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &__now)); \
	check_snapshot_equal(before, &__now); \
	check_invariant(&self->bus); \
} while (0)

/* All bytes of [p, p + len) equal @v. */
static bool all_bytes(const void *p, size_t len, unsigned char v)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++ != v)
			return false;
	return true;
}

/* No aligned 64-bit word of an output looks like a kernel address. */
static bool no_kernel_pointer(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 4) {
		memcpy(&w, c + i, 8);
		if ((w >> 48) == 0xffff && w != ~0ULL)
			return false;
	}
	return true;
}

TEST_F(sec, handle_meaningless_on_other_descriptor)
{
	int other = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);
	int unit0 = fwcmp_open_node(&self->bus, 0, O_RDWR, 5000);
	struct fwcmp_snapshot before;
	struct fwcmp_connect c;

	ASSERT_LE(0, other);
	ASSERT_LE(0, unit0);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &before));
	/* Same unit, another descriptor; another unit: EINVAL, no change. */
	test_err_disconnect(EINVAL, other, c.handle);
	test_err_disconnect(EINVAL, unit0, c.handle);
	check_same_as(&before);
	/* Closing the other descriptor does not touch it either. */
	ASSERT_EQ(0, close(other));
	check_same_as(&before);
	model_disconnect_node(&self->bus, self->node, self->fd, c.handle);
	check_invariant(&self->bus);
	close(unit0);
}

TEST_F(sec, persistent_handle_needs_a_writer)
{
	int ro = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 5000);
	int rw = fwcmp_open_node(&self->bus, self->node, O_RDWR, 5000);
	struct fwcmp_snapshot before;
	struct fwcmp_connect c;

	ASSERT_LE(0, ro);
	ASSERT_LE(0, rw);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &before));
	test_err_disconnect(EBADF, ro, c.handle);
	test_err_connect(EBADF, ro, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
			 FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD);
	test_err_clear_plug(EBADF, ro, FWCMP_DIR_INPUT, 0, 0);
	check_same_as(&before);
	model_disconnect_node(&self->bus, self->node, rw, c.handle);
	check_invariant(&self->bus);
	close(ro);
	close(rw);
}

TEST_F(sec, clear_plug_needs_cap_sys_admin)
{
	struct fwcmp_snapshot before;
	struct fwcmp_connect c;
	int status;
	pid_t pid;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* exit: 0 ok, 1 cap drop failed, 2 CLEAR_PLUG not EPERM,
		 * 3 GET_PLUG failed */
		if (fwcmp_drop_cap_sys_admin())
			_exit(1);
		if (_test_ioctl_clear_plug(self->fd, FWCMP_DIR_OUTPUT, 0, 0,
					   NULL) != -EPERM)
			_exit(2);
		if (_test_ioctl_clear_plug(self->fd, FWCMP_DIR_INPUT, 0, 0,
					   NULL) != -EPERM)
			_exit(2);
		if (_test_ioctl_get_plug(self->fd, FWCMP_DIR_OUTPUT, 0, NULL))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	check_same_as(&before);
	model_disconnect_node(&self->bus, self->node, self->fd, c.handle);
}

TEST_F(sec, device_nodes_not_world_accessible)
{
	glob_t g;
	size_t i;

	ASSERT_EQ(0, glob("/dev/fwcmp*", 0, NULL, &g));
	ASSERT_LT(0, g.gl_pathc);
	for (i = 0; i < g.gl_pathc; i++) {
		struct stat st;

		ASSERT_EQ(0, stat(g.gl_pathv[i], &st));
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(0, st.st_mode & 0007)
			TH_LOG("%s mode %04o", g.gl_pathv[i], st.st_mode & 07777);
		EXPECT_EQ(0, st.st_mode & 07777 & ~0660)
			TH_LOG("%s mode %04o", g.gl_pathv[i], st.st_mode & 07777);
	}
	ksft_print_msg("%zu device nodes, first %s\n", g.gl_pathc,
		       g.gl_pathv[0]);
	globfree(&g);
}

/*
 * Every output struct: filled with 0xa5, inputs and reserved set, then the
 * call. Reserved bytes come back zero, every (out) field was written (none
 * is still 0xa5a5a5a5), nothing past the struct was touched, and no word
 * looks like a kernel address.
 */
TEST_F(sec, output_structs_fully_written)
{
	unsigned char buf[512];
	struct fwcmp_get_info *gi = (void *)buf;
	struct fwcmp_get_plug *gp = (void *)buf;
	struct fwcmp_connect *c = (void *)buf;
	struct fwcmp_clear_plug *cp = (void *)buf;
	unsigned int dir, handle;

	memset(buf, PAT, sizeof(buf));
	gi->version = FWCMP_ABI_VERSION;
	memset(gi->reserved, 0, sizeof(gi->reserved));
	test_ioctl(self->fd, FWCMP_IOC_GET_INFO, gi);
	EXPECT_TRUE(all_bytes(gi->reserved, sizeof(gi->reserved), 0));
	EXPECT_TRUE(all_bytes(buf + sizeof(*gi), sizeof(buf) - sizeof(*gi), PAT));
	EXPECT_TRUE(no_kernel_pointer(gi, sizeof(*gi)));
	EXPECT_NE(PAT32, gi->flags);
	EXPECT_NE(PAT32, gi->vendor_id);
	EXPECT_NE(PAT32, gi->model_id);
	EXPECT_NE(PAT32, gi->node_id);
	EXPECT_NE(PAT32, gi->generation);
	EXPECT_NE(PAT32, gi->irm_node_id);
	EXPECT_NE(PAT32, gi->local_node_id);
	EXPECT_NE(PAT32, gi->max_speed);
	EXPECT_NE(PAT32, gi->output_speed);
	EXPECT_NE(PAT32, gi->input_speed);
	EXPECT_NE(PAT32, gi->broadcast_channel_base);

	for (dir = 0; dir < 2; dir++) {
		memset(buf, PAT, sizeof(buf));
		gp->direction = dir;
		gp->index = 1;
		gp->flags = 0;
		memset(gp->reserved, 0, sizeof(gp->reserved));
		test_ioctl(self->fd, FWCMP_IOC_GET_PLUG, gp);
		EXPECT_TRUE(all_bytes(gp->reserved, sizeof(gp->reserved), 0));
		EXPECT_TRUE(all_bytes(buf + sizeof(*gp),
				      sizeof(buf) - sizeof(*gp), PAT));
		EXPECT_NE(PAT32, gp->generation);
		EXPECT_NE(PAT32, gp->value);
		EXPECT_EQ(1, gp->online);
		EXPECT_EQ(0, gp->broadcast);
		EXPECT_EQ(0, gp->p2p);
		EXPECT_GE(63, gp->channel);
		if (dir == FWCMP_DIR_INPUT) {
			/* oPCR-only fields of an iPCR: zero, not left over. */
			EXPECT_EQ(0, gp->speed);
			EXPECT_EQ(0, gp->overhead_id);
			EXPECT_EQ(0, gp->payload);
		} else {
			EXPECT_NE(PAT32, gp->speed);
			EXPECT_NE(PAT32, gp->overhead_id);
			EXPECT_NE(PAT32, gp->payload);
		}
	}

	memset(buf, PAT, sizeof(buf));
	c->direction = FWCMP_DIR_OUTPUT;
	c->index = 0;
	c->flags = 0;
	c->channel = FWCMP_ANY_CHANNEL;
	c->speed = FWCMP_TEST_SPEED;
	c->payload = FWCMP_TEST_PAYLOAD;
	c->peer_fd = 0;
	c->peer_index = 0;
	memset(c->reserved, 0, sizeof(c->reserved));
	test_ioctl(self->fd, FWCMP_IOC_CONNECT, c);
	EXPECT_TRUE(all_bytes(c->reserved, sizeof(c->reserved), 0));
	EXPECT_TRUE(all_bytes(buf + sizeof(*c), sizeof(buf) - sizeof(*c), PAT));
	EXPECT_NE(PAT32, c->handle);
	EXPECT_NE(PAT32, c->bandwidth);
	EXPECT_NE(PAT32, c->pcr);
	EXPECT_NE(PAT32, c->generation);
	EXPECT_GE(63, c->channel);
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, c));
	handle = c->handle;
	check_invariant(&self->bus);

	/* CLEAR_PLUG of our own connection: all outputs written. */
	memset(buf, PAT, sizeof(buf));
	cp->direction = FWCMP_DIR_OUTPUT;
	cp->index = 0;
	cp->flags = 0;
	cp->bandwidth = 0;
	memset(cp->reserved, 0, sizeof(cp->reserved));
	test_ioctl(self->fd, FWCMP_IOC_CLEAR_PLUG, cp);
	EXPECT_TRUE(all_bytes(cp->reserved, sizeof(cp->reserved), 0));
	EXPECT_TRUE(all_bytes(buf + sizeof(*cp), sizeof(buf) - sizeof(*cp),
			      PAT));
	EXPECT_NE(PAT32, cp->old_value);
	EXPECT_NE(PAT32, cp->new_value);
	EXPECT_NE(PAT32, cp->channel);
	EXPECT_NE(PAT32, cp->generation);
	EXPECT_EQ(0, FWCMP_PCR_P2P(cp->new_value));
	ASSERT_EQ(0, fwcmp_model_drop_handle_node(&self->bus, self->node,
						  handle));
	check_invariant(&self->bus);
	test_err_disconnect(EINVAL, self->fd, handle);

	/* CLEAR_PLUG of an idle plug: channel says "none returned". */
	memset(buf, PAT, sizeof(buf));
	cp->direction = FWCMP_DIR_INPUT;
	cp->index = 1;
	cp->flags = 0;
	cp->bandwidth = 0;
	memset(cp->reserved, 0, sizeof(cp->reserved));
	test_ioctl(self->fd, FWCMP_IOC_CLEAR_PLUG, cp);
	EXPECT_TRUE(all_bytes(cp->reserved, sizeof(cp->reserved), 0));
	EXPECT_EQ(FWCMP_ANY_CHANNEL, cp->channel);
	EXPECT_EQ(0, cp->bandwidth);
	check_invariant(&self->bus);
}

/* A refused call writes nothing back (beyond what the caller passed). */
TEST_F(sec, refused_calls_write_nothing)
{
	unsigned char buf[256], copy[256];
	struct fwcmp_connect *c = (void *)buf;
	struct fwcmp_get_plug *gp = (void *)buf;

	memset(buf, PAT, sizeof(buf));
	c->direction = FWCMP_DIR_OUTPUT;
	c->index = 7;		/* no such plug */
	c->flags = 0;
	c->channel = FWCMP_ANY_CHANNEL;
	c->speed = FWCMP_TEST_SPEED;
	c->payload = FWCMP_TEST_PAYLOAD;
	memset(c->reserved, 0, sizeof(c->reserved));
	memcpy(copy, buf, sizeof(buf));
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_CONNECT, c);
	EXPECT_EQ(0, memcmp(copy, buf, sizeof(buf)));

	memset(buf, PAT, sizeof(buf));
	gp->direction = FWCMP_DIR_INPUT;
	gp->index = 0;
	gp->flags = 0;		/* reserved left 0xa5: EINVAL */
	memcpy(copy, buf, sizeof(buf));
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_GET_PLUG, gp);
	EXPECT_EQ(0, memcmp(copy, buf, sizeof(buf)));
	check_invariant(&self->bus);
}

/* Check one event record; returns false (with a log) on a bad byte. */
static bool event_clean(struct __test_metadata *_metadata,
			const struct fwcmp_event *e)
{
	bool conn = e->type == FWCMP_EVENT_CONN_RESTORED ||
		    e->type == FWCMP_EVENT_CONN_LOST;

	if (e->type < FWCMP_EVENT_BUS_RESET ||
	    e->type > FWCMP_EVENT_UNIT_REMOVED ||
	    !all_bytes(e->reserved, sizeof(e->reserved), 0) ||
	    (e->flags & ~FWCMP_EVENT_FLAG_OVERFLOW) ||
	    (!conn && (e->handle || e->direction || e->index || e->channel)) ||
	    (e->type != FWCMP_EVENT_CONN_LOST && e->reason) ||
	    (e->type != FWCMP_EVENT_BUS_RESET && (e->node_id || e->irm_node_id)) ||
	    (conn && (e->handle == 0 || e->direction > 1 || e->channel > 63))) {
		TH_LOG("event type %u flags %x gen %u handle %u reason %u dir %u index %u ch %u node %x irm %x res %x %x",
		       e->type, e->flags, e->generation, e->handle, e->reason,
		       e->direction, e->index, e->channel, e->node_id,
		       e->irm_node_id, e->reserved[0], e->reserved[1]);
		return false;
	}
	return true;
}

/*
 * Every kind of event record (BUS_RESET, CONN_RESTORED, CONN_LOST,
 * UNIT_REMOVED) read into a 0xa5-filled buffer: fields that do not apply
 * and the reserved words are zero, nothing past the records read is written.
 */
TEST_F_TIMEOUT(sec, event_records_fully_written, 60)
{
	struct fwcmp_event ev[64];
	unsigned int seen[5] = { 0 }, total = 0, i;
	struct fwcmp_connect c;
	ssize_t n;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 1,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwsim_bus_reset(self->bus.id));
	wait_invariant(&self->bus);
	test_clear_plug(self->fd, FWCMP_DIR_INPUT, 0, 0, NULL);
	fwcmp_msleep(200);

	/* Read what is there so far, then unplug for UNIT_REMOVED. */
	for (int phase = 0; phase < 2; phase++) {
		if (phase) {
			ASSERT_EQ(0, fwsim_node_link(self->bus.id, self->node,
						     false));
			self->bus.node[1].linked = false;
			ASSERT_EQ(0, fwcmp_wait_node_gone(&self->bus,
							  self->node, 10000));
		}
		for (;;) {
			struct pollfd pfd = { .fd = self->fd, .events = POLLIN };

			if (poll(&pfd, 1, 300) <= 0 || !(pfd.revents & POLLIN))
				break;
			memset(ev, PAT, sizeof(ev));
			n = read(self->fd, ev, sizeof(ev));
			if (n <= 0)
				break;
			ASSERT_EQ(0, n % sizeof(ev[0]));
			EXPECT_TRUE(all_bytes((char *)ev + n, sizeof(ev) - n,
					      PAT));
			for (i = 0; i < n / sizeof(ev[0]); i++) {
				EXPECT_TRUE(event_clean(_metadata, &ev[i]));
				if (ev[i].type <= 4)
					seen[ev[i].type]++;
				total++;
			}
		}
	}
	ksft_print_msg("%u events: %u BUS_RESET, %u CONN_RESTORED, %u CONN_LOST, %u UNIT_REMOVED\n",
		       total, seen[1], seen[2], seen[3], seen[4]);
	EXPECT_LE(1, seen[FWCMP_EVENT_BUS_RESET]);
	EXPECT_LE(2, seen[FWCMP_EVENT_CONN_RESTORED]);
	EXPECT_LE(2, seen[FWCMP_EVENT_CONN_LOST]);
	EXPECT_EQ(1, seen[FWCMP_EVENT_UNIT_REMOVED]);
	close(self->fd);
}

/* Handles are small consecutive ids, never 0, never addresses. */
TEST_F(sec, handles_are_small_ids)
{
	unsigned int h[16], i, j;
	struct fwcmp_connect c;

	for (i = 0; i < 16; i++) {
		model_connect(&self->bus, self->node, self->fd,
			      FWCMP_DIR_OUTPUT, 0,
			      i ? FWCMP_CONNECT_OVERLAY : 0,
			      i ? c.channel : FWCMP_ANY_CHANNEL, &c);
		h[i] = c.handle;
		EXPECT_NE(0, h[i]);
		EXPECT_GT(0x10000, h[i]) TH_LOG("handle 0x%08x", h[i]);
		for (j = 0; j < i; j++)
			EXPECT_NE(h[j], h[i]);
	}
	check_invariant(&self->bus);
	for (i = 0; i < 16; i++)
		model_disconnect_node(&self->bus, self->node, self->fd, h[i]);
	check_invariant(&self->bus);
	ksft_print_msg("handles %u..%u\n", h[0], h[15]);
}

TEST_HARNESS_MAIN
