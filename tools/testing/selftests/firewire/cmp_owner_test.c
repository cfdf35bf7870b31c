// SPDX-License-Identifier: GPL-2.0
/*
 * cmp_owner_test.c - who owns a firewire-cmp connection: close() breaks the
 * descriptor's non-persistent connections, PERSISTENT ones outlive it and
 * are broken from another writable descriptor, SIGKILL of a process holding
 * connections (also at random points while connecting) leaves nothing, and
 * CLEAR_PLUG needs CAP_SYS_ADMIN and reports our connections lost.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fwcmp_util.h"

FIXTURE(owner) {
	struct fwcmp_bus bus;
	int node;		/* default node 0: 1 oPCR, 1 iPCR, the IRM */
	int fd;
	struct fwcmp_snapshot before;
};

FIXTURE_SETUP(owner)
{
	fwcmp_setup_bus(&self->bus, 1, NULL, 0);
	self->node = self->bus.node[0].idx;
	fwcmp_setup_open(&self->bus, self->node, O_RDWR, &self->fd);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
}

FIXTURE_TEARDOWN_PARENT(owner)
{
	fwcmp_teardown_bus(&self->bus);
}

/* close() breaks every non-persistent connection of the descriptor. */
TEST_F(owner, close_breaks_connections)
{
	struct fwcmp_connect o, i, ov;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 1000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, fd2, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &o);
	model_connect(&self->bus, self->node, fd2, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_OVERLAY, FWCMP_ANY_CHANNEL, &ov);
	model_connect(&self->bus, self->node, fd2, FWCMP_DIR_INPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &i);
	check_invariant(&self->bus);
	ASSERT_EQ(0, close(fd2));
	fwcmp_model_drop_nonpersistent(&self->bus);
	/* Release may finish after close() returns; give it a second. */
	{
		char why[256] = "";

		ASSERT_EQ(0, fwcmp_wait_invariant(&self->bus, 1000, why,
						  sizeof(why)))
			TH_LOG("after close: %s", why);
	}
	check_unchanged();
}

/* Closing one descriptor leaves another descriptor's connections alone. */
TEST_F(owner, close_spares_other_fd)
{
	struct fwcmp_connect a, b;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 1000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &a);
	test_connect(fd2, FWCMP_DIR_INPUT, 0, 0, FWCMP_ANY_CHANNEL,
		     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, &b);
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, &b));
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, fwcmp_model_drop_handle(&self->bus, b.handle));
	wait_invariant(&self->bus);
	/* Ours is intact and still ours. */
	model_disconnect(&self->bus, self->fd, a.handle);
	check_unchanged();
}

/* PERSISTENT outlives close() and is broken through another descriptor. */
TEST_F(owner, persistent_outlives_close)
{
	struct fwcmp_connect c;
	struct fwcmp_snapshot s1, s2;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 1000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, fd2, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s1));
	ASSERT_EQ(0, close(fd2));
	fwcmp_msleep(200);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &s2));
	check_snapshot_equal(&s1, &s2);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* While its maker is open, another writable descriptor may break it too. */
TEST_F(owner, persistent_broken_from_other_fd)
{
	struct fwcmp_connect c;
	int fd2;

	fd2 = fwcmp_open_node(&self->bus, self->node, O_RDWR, 1000);
	ASSERT_LE(0, fd2);
	model_connect(&self->bus, self->node, fd2, FWCMP_DIR_INPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	model_disconnect(&self->bus, self->fd, c.handle);
	test_err_disconnect(EINVAL, fd2, c.handle);
	check_unchanged();
	close(fd2);
	check_unchanged();
}

/* A read-only descriptor cannot break a persistent connection. */
TEST_F(owner, persistent_readonly_fd_ebadf)
{
	struct fwcmp_connect c;
	int ro;

	ro = fwcmp_open_node(&self->bus, self->node, O_RDONLY, 1000);
	ASSERT_LE(0, ro);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	test_err_disconnect(EBADF, ro, c.handle);
	check_invariant(&self->bus);
	close(ro);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* A persistent handle is meaningless on another unit's descriptor. */
TEST_F(owner, persistent_other_unit_einval)
{
	const struct fwsim_node_cfg cfg = { .oplugs = 1, .iplugs = 1 };
	struct fwcmp_connect c;
	int slot, other;

	slot = fwcmp_bus_add_node(&self->bus, &cfg);
	ASSERT_LE(0, slot);
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &self->before));
	other = fwcmp_open_node(&self->bus, self->bus.node[slot].idx, O_RDWR,
				5000);
	ASSERT_LE(0, other);
	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0,
		      FWCMP_CONNECT_PERSISTENT, FWCMP_ANY_CHANNEL, &c);
	test_err_disconnect(EINVAL, other, c.handle);
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
	close(other);
}

/* kill -9 of a process holding connections restores PCR and IRM. */
TEST_F(owner, sigkill_holder)
{
	struct fwcmp_connect c[3];
	int pfd[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = fwcmp_open_node(&self->bus, self->node, O_RDWR, 1000);

		if (fd < 0 ||
		    _test_ioctl_connect(fd, FWCMP_DIR_OUTPUT, 0, 0,
					FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					FWCMP_TEST_PAYLOAD, &c[0]) ||
		    _test_ioctl_connect(fd, FWCMP_DIR_OUTPUT, 0,
					FWCMP_CONNECT_OVERLAY,
					FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					FWCMP_TEST_PAYLOAD, &c[1]) ||
		    _test_ioctl_connect(fd, FWCMP_DIR_INPUT, 0, 0,
					FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					FWCMP_TEST_PAYLOAD, &c[2]))
			_exit(1);
		if (write(pfd[1], c, sizeof(c)) != sizeof(c))
			_exit(2);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(c), read(pfd[0], c, sizeof(c)));
	close(pfd[0]);
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, &c[0]));
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node,
					    FWCMP_CONNECT_OVERLAY, &c[1]));
	ASSERT_NE(NULL, fwcmp_model_connect(&self->bus, self->node, 0, &c[2]));
	check_invariant(&self->bus);

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	fwcmp_model_drop_nonpersistent(&self->bus);
	wait_invariant(&self->bus);
	check_unchanged();
	/* The dead process's handles mean nothing to us. */
	test_err_disconnect(EINVAL, self->fd, c[0].handle);
}

/*
 * SIGKILL at random moments of a connect/disconnect loop: whatever the
 * point, once the process is gone nothing is left.
 */
TEST_F_TIMEOUT(owner, sigkill_while_connecting, 120)
{
	unsigned int seed = (unsigned int)time(NULL) ^ getpid(), round;

	TH_LOG("seed %u", seed);
	srand(seed);
	for (round = 0; round < 12; round++) {
		int status;
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			int fd = fwcmp_open_node(&self->bus, self->node,
						 O_RDWR, 1000);
			struct fwcmp_connect c;

			if (fd < 0)
				_exit(1);
			for (;;) {
				unsigned int dir = rand() & 1;

				if (!_test_ioctl_connect(fd, dir, 0, 0,
							 FWCMP_ANY_CHANNEL,
							 FWCMP_TEST_SPEED,
							 FWCMP_TEST_PAYLOAD, &c))
					_test_ioctl_disconnect(fd, c.handle);
			}
		}
		/* 0..30 ms: lands anywhere in the transactions of a connect. */
		fwcmp_msleep(rand() % 31);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		wait_invariant(&self->bus);
	}
	check_unchanged();
}

/*
 * CLEAR_PLUG on an oPCR another controller left connected: p2p 0, channel
 * and the bandwidth the oPCR describes returned to the IRM.
 */
TEST_F(owner, clear_plug_foreign_opcr)
{
	struct fwcmp_clear_plug cp;
	uint32_t pcr = self->before.node[0].opcr[0], now, bw_before;
	unsigned int units;

	pcr = fwcmp_opcr_payload_quadlets_set(pcr, FWCMP_TEST_PAYLOAD);
	pcr = fwcmp_opcr_speed_set(pcr, FWCMP_SPEED_S200);
	pcr = fwcmp_opcr_overhead_set(pcr, 5);
	ASSERT_EQ(0, fwcmp_sim_pcr_write(&self->bus, self->node,
					 FWCMP_DIR_OUTPUT, 0, pcr));
	self->before.node[0].opcr[0] = pcr;
	units = fwcmp_opcr_bandwidth(pcr);
	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_OUTPUT, 0, 13, true,
					   units));
	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 0,
				   &pcr));
	check_invariant(&self->bus);
	ASSERT_EQ(0, fwsim_irm_read(self->bus.id, "bandwidth_available",
				    &bw_before));

	test_clear_plug(self->fd, FWCMP_DIR_OUTPUT, 0, 0, &cp);
	ASSERT_EQ(0, fwcmp_sim_pcr(&self->bus, self->node, FWCMP_DIR_OUTPUT, 0,
				   &now));
	EXPECT_EQ(pcr, cp.old_value);
	EXPECT_EQ(now, cp.new_value);
	EXPECT_EQ(0, FWCMP_PCR_P2P(now));
	EXPECT_EQ(pcr & ~FWCMP_PCR_P2P_MASK, now & ~FWCMP_PCR_P2P_MASK);
	EXPECT_EQ(13, cp.channel);
	EXPECT_EQ(units, cp.bandwidth);
	fwcmp_model_drop_all(&self->bus);
	check_invariant(&self->bus);
	(void)bw_before;
}

/* CLEAR_PLUG on an iPCR returns the channel and the bandwidth given. */
TEST_F(owner, clear_plug_foreign_ipcr)
{
	struct fwcmp_clear_plug cp;

	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_INPUT, 0, 8, true, 300));
	ASSERT_EQ(0, fwcmp_foreign_connect(&self->bus, self->node,
					   FWCMP_DIR_INPUT, 0, 8, false, 0));
	test_clear_plug(self->fd, FWCMP_DIR_INPUT, 0, 300, &cp);
	EXPECT_EQ(2, FWCMP_PCR_P2P(cp.old_value));
	EXPECT_EQ(0, FWCMP_PCR_P2P(cp.new_value));
	EXPECT_EQ(8, cp.channel);
	EXPECT_EQ(300, cp.bandwidth);
	fwcmp_model_drop_all(&self->bus);
	check_unchanged();
}

/* An idle plug: nothing to return, nothing changes. */
TEST_F(owner, clear_plug_idle)
{
	struct fwcmp_clear_plug cp;

	test_clear_plug(self->fd, FWCMP_DIR_OUTPUT, 0, 0, &cp);
	EXPECT_EQ(FWCMP_ANY_CHANNEL, cp.channel);
	EXPECT_EQ(0, cp.bandwidth);
	EXPECT_EQ(self->before.node[0].opcr[0], cp.old_value);
	EXPECT_EQ(0, cp.reserved[0]);
	EXPECT_EQ(0, cp.reserved[1]);
	check_unchanged();
}

TEST_F(owner, clear_plug_einval)
{
	struct fwcmp_clear_plug cp;

	/* oPCR: the driver computes the bandwidth itself. */
	test_err_clear_plug(EINVAL, self->fd, FWCMP_DIR_OUTPUT, 0, 1);
	test_err_clear_plug(EINVAL, self->fd, FWCMP_DIR_OUTPUT, 1, 0);
	test_err_clear_plug(EINVAL, self->fd, FWCMP_DIR_INPUT, 1, 0);
	test_err_clear_plug(EINVAL, self->fd, 2, 0, 0);
	memset(&cp, 0, sizeof(cp));
	cp.flags = 1;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_CLEAR_PLUG, &cp);
	memset(&cp, 0, sizeof(cp));
	cp.reserved[1] = 1;
	test_err_ioctl(EINVAL, self->fd, FWCMP_IOC_CLEAR_PLUG, &cp);
	check_unchanged();
}

/* Run CLEAR_PLUG in a child that has lost CAP_SYS_ADMIN (or is nobody). */
static int clear_plug_unprivileged(int fd, bool setuid_nobody)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int rc;

		if (setuid_nobody) {
			if (setgid(65534) || setuid(65534))
				_exit(100);
		} else if (fwcmp_drop_cap_sys_admin()) {
			_exit(101);
		}
		rc = _test_ioctl_clear_plug(fd, FWCMP_DIR_OUTPUT, 0, 0, NULL);
		_exit(rc == -EPERM ? 0 : rc == 0 ? 102 : 103);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

TEST_F(owner, clear_plug_needs_cap_sys_admin)
{
	struct fwcmp_connect c;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	/* 0: EPERM; 102: it cleared the plug; 103: another errno. */
	EXPECT_EQ(0, clear_plug_unprivileged(self->fd, false));
	check_invariant(&self->bus);
	EXPECT_EQ(0, clear_plug_unprivileged(self->fd, true));
	check_invariant(&self->bus);
	model_disconnect(&self->bus, self->fd, c.handle);
	check_unchanged();
}

/* CLEAR_PLUG under our own connection: it is reported lost and gone. */
TEST_F(owner, clear_plug_reports_lost)
{
	struct fwcmp_clear_plug cp;
	struct fwcmp_connect c;
	struct fwcmp_event ev;

	model_connect(&self->bus, self->node, self->fd, FWCMP_DIR_OUTPUT, 0, 0,
		      FWCMP_ANY_CHANNEL, &c);
	fwcmp_drain_events(self->fd);
	test_clear_plug(self->fd, FWCMP_DIR_OUTPUT, 0, 0, &cp);
	EXPECT_EQ(c.channel, cp.channel);
	EXPECT_EQ(1, FWCMP_PCR_P2P(cp.old_value));
	ASSERT_EQ(0, fwcmp_wait_event(self->fd, FWCMP_EVENT_CONN_LOST,
				      c.handle, &ev, 2000));
	EXPECT_EQ(FWCMP_LOST_CLEARED, ev.reason);
	EXPECT_EQ(FWCMP_DIR_OUTPUT, ev.direction);
	EXPECT_EQ(0, ev.index);
	EXPECT_EQ(c.channel, ev.channel);
	EXPECT_EQ(0, ev.node_id);
	fwcmp_model_drop_all(&self->bus);
	check_unchanged();
	/* The handle is dead: no double release. */
	test_err_disconnect(EINVAL, self->fd, c.handle);
	check_unchanged();
}

TEST_HARNESS_MAIN
