// SPDX-License-Identifier: GPL-2.0
/*
 * rel_failslab_test.c - allocation failures walked exhaustively, the way
 * tools/testing/selftests/iommu/iommufd_fail_nth.c does it: every slab and
 * page allocation of the test task is made a fault candidate (failslab and
 * fail_page_alloc ignore-gfp-wait N), then for n = 1, 2, ... the scenario
 * runs with /proc/self/task/<tid>/fail-nth = n, so that its n-th allocation
 * fails; reading fail-nth back gives 0 while the fault fired, and the walk
 * ends with the first run that passed fewer than n points, which must then
 * have succeeded completely.
 *
 * Scenarios: open/CONNECT/DISCONNECT/close; CONNECT across a bus reset;
 * DISCONNECT after the unit left the bus; close() with live connections.
 * Every faulted run ends with a documented errno, and afterwards no p2p
 * counter, channel or bandwidth unit is left behind. Simulator controls
 * (sysfs/debugfs writes, which allocate) happen outside the fault window.
 * kmemleak is scanned by vm-init at the end of the run.
 *
 * Debug kernel only: SKIP without /sys/kernel/debug/failslab.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rel_util.h"

/* Points walked per scenario before we call it a runaway. */
#define FS_MAX_POINTS	400
#define FS_MAX_FAILS	8

FIXTURE(fs) {
	struct fwcmp_bus bus;
	int node;
	char path[64];
};

FIXTURE_SETUP(fs)
{
	if (!rel_have_failslab())
		SKIP(return, "no /sys/kernel/debug/failslab (debug kernel only)");
	ASSERT_EQ(0, rel_fault_setup());
	fwcmp_setup_bus(&self->bus, 2, NULL, 0);
	self->node = self->bus.node[1].idx;
	ASSERT_EQ(0, fwcmp_node_path(&self->bus, self->node, self->path,
				     sizeof(self->path), 5000));
}

FIXTURE_TEARDOWN_PARENT(fs)
{
	fwcmp_teardown_bus(&self->bus);
}

struct walk {
	const char *name;
	unsigned int points, faulted_ok, errs[256], bad;
	char msg[FS_MAX_FAILS][200];
};

static void walk_bad(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void walk_bad(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->bad < FS_MAX_FAILS) {
		va_start(ap, fmt);
		vsnprintf(w->msg[w->bad], sizeof(w->msg[0]), fmt, ap);
		va_end(ap);
	}
	w->bad++;
}

static void walk_errno(struct walk *w, unsigned int n, const char *what,
		       unsigned long cmd, int rc)
{
	if (!rc)
		return;
	w->errs[-rc & 255]++;
	if (!rel_errno_documented(cmd, -rc, false))
		walk_bad(w, "n=%u: %s: undocumented %s", n, what,
			 strerror(-rc));
}

/* Nothing held after the run; a failure is recorded and then repaired by a
 * bus reset, so that the walk goes on. */
static void walk_idle(struct walk *w, struct fwcmp_bus *b, unsigned int n)
{
	char why[256];
	long long end = rel_now_ms() + 2000;
	unsigned int p2p = 0, bw = 0, ch = 0;
	int rc;

	do {
		rc = rel_idle_check(b, why, sizeof(why), &p2p, &bw, &ch);
		if (!rc)
			return;
		fwcmp_msleep(100);
	} while (rel_now_ms() < end);
	walk_bad(w, "n=%u: %s (stale p2p %u, leaked %u bandwidth units, %u channels)",
		 n, why, p2p, bw, ch);
	fwsim_bus_reset(b->id);
}

static void walk_report(struct __test_metadata *_metadata, struct walk *w)
{
	char line[256] = "";
	size_t off = 0;
	unsigned int i;

	for (i = 1; i < 256; i++)
		if (w->errs[i])
			off += snprintf(line + off, sizeof(line) - off, " %s %u",
					strerror(i), w->errs[i]);
	ksft_print_msg("failslab %s: %u fault points walked; errnos:%s\n",
		       w->name, w->points, off ? line : " none");
	for (i = 0; i < w->bad && i < FS_MAX_FAILS; i++)
		TH_LOG("%s", w->msg[i]);
}

/* open, CONNECT, DISCONNECT, close: all in the fault window. */
TEST_F_TIMEOUT(fs, open_connect_disconnect_close, 600)
{
	struct walk w = { .name = "open/connect/disconnect/close" };
	unsigned int n;

	for (n = 1; n <= FS_MAX_POINTS; n++) {
		struct fwcmp_connect c;
		int nth = rel_fail_nth_open(), fd, rc1 = 1, rc2 = 1, open_err = 0;
		int left;

		ASSERT_LE(0, nth);
		ASSERT_EQ(0, rel_fail_nth_set(nth, n));
		fd = open(self->path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			open_err = errno;
		} else {
			rc1 = _test_ioctl_connect(fd, FWCMP_DIR_OUTPUT, 0, 0,
						  FWCMP_ANY_CHANNEL,
						  FWCMP_TEST_SPEED,
						  FWCMP_TEST_PAYLOAD, &c);
			if (!rc1)
				rc2 = _test_ioctl_disconnect(fd, c.handle);
			close(fd);
		}
		left = rel_fail_nth_end(nth);
		close(nth);
		ASSERT_LE(0, left);

		if (open_err && open_err != ENOMEM)
			walk_bad(&w, "n=%u: open: %s", n, strerror(open_err));
		if (open_err)
			w.errs[open_err & 255]++;
		if (rc1 != 1)
			walk_errno(&w, n, "CONNECT", FWCMP_IOC_CONNECT, rc1);
		if (rc2 != 1)
			walk_errno(&w, n, "DISCONNECT", FWCMP_IOC_DISCONNECT,
				   rc2);
		walk_idle(&w, &self->bus, n);
		if (left) {
			/* Fewer than n points: this run had no fault. */
			EXPECT_TRUE(!open_err && !rc1 && !rc2)
				TH_LOG("unfaulted run: open %d connect %d disconnect %d",
				       open_err, rc1, rc2);
			break;
		}
		w.points++;
	}
	walk_report(_metadata, &w);
	EXPECT_GT(FS_MAX_POINTS, n);
	EXPECT_EQ(0, w.bad);
}

/* CONNECT while the bus resets after its 2nd transaction. */
TEST_F_TIMEOUT(fs, connect_across_bus_reset, 900)
{
	struct walk w = { .name = "connect across a bus reset" };
	int fd = open(self->path, O_RDWR | O_CLOEXEC);
	unsigned int n;

	ASSERT_LE(0, fd);
	for (n = 1; n <= FS_MAX_POINTS; n++) {
		struct fwcmp_connect c;
		int nth = rel_fail_nth_open(), rc, left;

		ASSERT_LE(0, nth);
		ASSERT_EQ(0, fwsim_knob(self->bus.id, FWSIM_LOCAL,
					"reset_after", "2"));
		ASSERT_EQ(0, rel_fail_nth_set(nth, n));
		rc = _test_ioctl_connect(fd, FWCMP_DIR_INPUT, 0, 0,
					 FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
					 FWCMP_TEST_PAYLOAD, &c);
		left = rel_fail_nth_end(nth);
		close(nth);
		ASSERT_LE(0, left);
		fwsim_knob(self->bus.id, FWSIM_LOCAL, "reset_after", "0");
		ASSERT_EQ(0, fwsim_settle(self->bus.id));
		walk_errno(&w, n, "CONNECT", FWCMP_IOC_CONNECT, rc);
		if (!rc)
			EXPECT_EQ(0, _test_ioctl_disconnect(fd, c.handle));
		walk_idle(&w, &self->bus, n);
		if (left) {
			EXPECT_EQ(0, rc) TH_LOG("unfaulted CONNECT: %s",
						strerror(-rc));
			break;
		}
		w.points++;
	}
	close(fd);
	walk_report(_metadata, &w);
	EXPECT_GT(FS_MAX_POINTS, n);
	EXPECT_EQ(0, w.bad);
}

/*
 * DISCONNECT after the node left the bus (before firewire-core removes the
 * unit 2 s later): its transactions fail; then the unit goes and its
 * removal breaks whatever is left.
 */
TEST_F_TIMEOUT(fs, disconnect_after_unit_vanished, 900)
{
	struct walk w = { .name = "disconnect after the unit vanished" };
	unsigned int n;

	for (n = 1; n <= FS_MAX_POINTS; n++) {
		struct fwcmp_connect c;
		int fd, nth, rc, left;

		fd = fwcmp_open_node(&self->bus, self->node, O_RDWR, 10000);
		ASSERT_LE(0, fd);
		test_connect(fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
			     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, &c);
		ASSERT_EQ(0, fwsim_node_link(self->bus.id, self->node, false));
		self->bus.node[1].linked = false;
		nth = rel_fail_nth_open();
		ASSERT_LE(0, nth);
		ASSERT_EQ(0, rel_fail_nth_set(nth, n));
		rc = _test_ioctl_disconnect(fd, c.handle);
		left = rel_fail_nth_end(nth);
		close(nth);
		ASSERT_LE(0, left);
		walk_errno(&w, n, "DISCONNECT", FWCMP_IOC_DISCONNECT, rc);
		ASSERT_EQ(0, fwcmp_wait_node_gone(&self->bus, self->node,
						  10000));
		close(fd);
		walk_idle(&w, &self->bus, n);
		ASSERT_EQ(0, fwsim_node_link(self->bus.id, self->node, true));
		self->bus.node[1].linked = true;
		if (left)
			break;
		w.points++;
	}
	walk_report(_metadata, &w);
	EXPECT_GT(FS_MAX_POINTS, n);
	EXPECT_EQ(0, w.bad);
}

/* close() of a descriptor holding two connections and a persistent one. */
TEST_F_TIMEOUT(fs, close_with_live_connections, 900)
{
	struct walk w = { .name = "close with live connections" };
	unsigned int n;

	for (n = 1; n <= FS_MAX_POINTS; n++) {
		struct fwcmp_connect c[3];
		int fd, fd2, nth, left;

		fd = open(self->path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		test_connect(fd, FWCMP_DIR_OUTPUT, 0, 0, FWCMP_ANY_CHANNEL,
			     FWCMP_TEST_SPEED, FWCMP_TEST_PAYLOAD, &c[0]);
		test_connect(fd, FWCMP_DIR_OUTPUT, 0, FWCMP_CONNECT_OVERLAY,
			     c[0].channel, FWCMP_TEST_SPEED,
			     FWCMP_TEST_PAYLOAD, &c[1]);
		test_connect(fd, FWCMP_DIR_INPUT, 0, FWCMP_CONNECT_PERSISTENT,
			     FWCMP_ANY_CHANNEL, FWCMP_TEST_SPEED,
			     FWCMP_TEST_PAYLOAD, &c[2]);
		nth = rel_fail_nth_open();
		ASSERT_LE(0, nth);
		ASSERT_EQ(0, rel_fail_nth_set(nth, n));
		close(fd);
		left = rel_fail_nth_end(nth);
		close(nth);
		ASSERT_LE(0, left);
		/* The persistent one outlives the close: break it now. */
		fd2 = open(self->path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd2);
		EXPECT_EQ(0, _test_ioctl_disconnect(fd2, c[2].handle));
		close(fd2);
		walk_idle(&w, &self->bus, n);
		if (left)
			break;
		w.points++;
	}
	walk_report(_metadata, &w);
	EXPECT_GT(FS_MAX_POINTS, n);
	EXPECT_EQ(0, w.bad);
}

TEST_HARNESS_MAIN
