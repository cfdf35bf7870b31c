/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwcmp_util.h - helpers shared by the firewire-cmp driver selftests.
 *
 * Shaped after tools/testing/selftests/iommu/iommufd_utils.h:
 *  - _test_ioctl_x() issues one ioctl and returns 0 or -errno;
 *  - test_x() asserts that it succeeded;
 *  - test_err_x(errno, ...) asserts that it failed with exactly that errno.
 * The test_*() macros need the harness's _metadata in scope, so include
 * kselftest_harness.h before this file in test programs. fwcmp_util.c itself
 * does not include the harness (it defines non-static symbols).
 *
 * Sections:
 *  1. PCR/MPR field decode (IEC 61883-1), for ground-truth values from fwsim
 *  2. the simulated bus a test runs on, and the model of what it holds
 *  3. finding and opening the /dev/fwcmpN of a simulated node
 *  4. ioctl wrappers
 *  5. events (read/poll with a timeout)
 *  6. ground-truth snapshot of a bus, and the invariant of reliability.md
 */
#ifndef FWCMP_UTIL_H
#define FWCMP_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/firewire-cmp.h>

#include "cmp-definitions.h"
#include "fwsim.h"

/*
 * The harness's EXPECT_EQ(0, u32_field) compares int with __u32, and its
 * TEST_F wrapper keeps a local across setjmp(); with the -Wextra of our
 * Makefile both warn in every test. Neither is a bug in the tests.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"

/* ---- 1. PCR/MPR fields (IEC 61883-1 clause 7), from the driver's header ---- */
#define FWCMP_PCR_ONLINE(v)	fwcmp_pcr_online_get(v)
#define FWCMP_PCR_BCAST(v)	fwcmp_pcr_bcast_get(v)
#define FWCMP_PCR_P2P(v)	fwcmp_pcr_p2p_get(v)
#define FWCMP_PCR_CHANNEL(v)	fwcmp_pcr_channel_get(v)
#define FWCMP_OPCR_XSPD(v)	fwcmp_opcr_xspeed_get(v)
#define FWCMP_OPCR_RATE(v)	fwcmp_opcr_rate_get(v)
#define FWCMP_OPCR_OVERHEAD(v)	fwcmp_opcr_overhead_get(v)
#define FWCMP_OPCR_PAYLOAD(v)	fwcmp_opcr_payload_get(v)
#define FWCMP_MPR_RATE(v)	fwcmp_mpr_rate_get(v)
#define FWCMP_MPR_BCAST_BASE(v)	fwcmp_ompr_bcast_base_get(v)
#define FWCMP_MPR_PLUGS(v)	fwcmp_mpr_plugs_get(v)
#define FWCMP_PCR_ONLINE_BIT	FWCMP_PCR_ONLINE_MASK
#define FWCMP_PCR_BCAST_BIT	FWCMP_PCR_BCAST_MASK

/* Broadcast channel firewire-core takes when the local node is the IRM. */
#define FWCMP_BROADCAST_CHANNEL	31

/* Default stream of the tests: S400, 122 quadlets (a DV stream's packets). */
#define FWCMP_TEST_SPEED	FWCMP_SPEED_S400
#define FWCMP_TEST_PAYLOAD	122

/* ---- 2. the simulated bus of a test, and the model of what it holds ---- */
#define FWCMP_MAX_NODES		8
#define FWCMP_MAX_CONNS		256

/* One connection the test knows to exist (made by us or by a "foreign" one). */
struct fwcmp_conn {
	bool live;
	int node;		/* fwsim node index */
	unsigned int dir;	/* FWCMP_DIR_* */
	unsigned int index;
	unsigned int channel;
	unsigned int handle;	/* 0 for a foreign connection */
	bool persistent;
	bool foreign;		/* made behind the driver's back, through fwsim */
	/*
	 * IRM resources the plug's set of connections holds, accounted on the
	 * one connection that holds them (ownership moves to a remaining
	 * connection on the same plug when the holder goes).
	 */
	bool holds;
	unsigned int bandwidth;
	/* FWCMP_CONNECT_BROADCAST: the plug's broadcast bit, not its p2p */
	bool bcast;
};

struct fwcmp_node {
	bool used;
	bool linked;		/* false after fwsim_node_link(false) */
	int idx;		/* fwsim node index */
	uint64_t guid;
	unsigned int oplugs;
	unsigned int iplugs;
};

/*
 * A bus and the model the invariant is checked against. It lives in the
 * fixture data; with FIXTURE_TEARDOWN_PARENT that is MAP_SHARED, so the model a
 * test built is visible to the teardown that runs in the parent.
 */
struct fwcmp_bus {
	unsigned int id;
	bool live;
	struct fwcmp_node node[FWCMP_MAX_NODES];
	struct fwcmp_conn conn[FWCMP_MAX_CONNS];
	/* IRM resources taken behind the driver's back (reset by a bus reset) */
	unsigned int foreign_bandwidth;
	uint64_t foreign_channels;	/* bit n = channel n */
};

/* 0 when firewire-sim and firewire-cmp are both available, else -errno. */
int fwcmp_available(const char **why);

/*
 * Create a bus with a unique id and @nodes default nodes (fwsim_bus_new()), and
 * record them. Returns 0 or -errno.
 */
int fwcmp_bus_create(struct fwcmp_bus *b, unsigned int nodes);
/*
 * Create a bus with @defaults default nodes, then add @nextra nodes; on
 * failure the bus is deleted again. 0 or -errno.
 */
int fwcmp_bus_create_nodes(struct fwcmp_bus *b, unsigned int defaults,
			   const struct fwsim_node_cfg *extra,
			   unsigned int nextra);
/* Add a node (bus reset, settles); returns the slot in b->node[] or -errno. */
int fwcmp_bus_add_node(struct fwcmp_bus *b, const struct fwsim_node_cfg *cfg);
/* Delete the bus if it is live. */
int fwcmp_bus_destroy(struct fwcmp_bus *b);
/* Slot of the node with fwsim index @idx, or -1. */
int fwcmp_bus_slot(const struct fwcmp_bus *b, int idx);

/* Model updates. fwcmp_model_connect() takes CONNECT's output. */
struct fwcmp_conn *fwcmp_model_connect(struct fwcmp_bus *b, int node,
				       unsigned int flags,
				       const struct fwcmp_connect *c);
struct fwcmp_conn *fwcmp_model_find(struct fwcmp_bus *b, unsigned int handle);
/* Handles are unique per unit only: these name the node too. */
struct fwcmp_conn *fwcmp_model_find_node(struct fwcmp_bus *b, int node,
					 unsigned int handle);
int fwcmp_model_drop_handle_node(struct fwcmp_bus *b, int node,
				 unsigned int handle);
/* The connection is gone (disconnect, close, lost): release what it held. */
void fwcmp_model_drop(struct fwcmp_bus *b, struct fwcmp_conn *c);
int fwcmp_model_drop_handle(struct fwcmp_bus *b, unsigned int handle);
/* Drop every non-persistent connection (the descriptor was closed). */
void fwcmp_model_drop_nonpersistent(struct fwcmp_bus *b);
void fwcmp_model_drop_all(struct fwcmp_bus *b);
/* A bus reset: foreign connections and foreign IRM holds are gone. */
void fwcmp_model_reset(struct fwcmp_bus *b);
/* Number of live connections on a plug. */
unsigned int fwcmp_model_p2p(const struct fwcmp_bus *b, int node,
			     unsigned int dir, unsigned int index);
unsigned int fwcmp_model_count(const struct fwcmp_bus *b);
/* Number of live broadcast connections on a plug (0 or 1). */
unsigned int fwcmp_model_bcast(const struct fwcmp_bus *b, int node,
			       unsigned int dir, unsigned int index);

/*
 * A foreign controller's connection, made through fwsim: the plug's p2p
 * counter is incremented (channel set), and if @bandwidth or @take_channel,
 * the IRM registers are lowered too. Returns 0 or -errno.
 */
int fwcmp_foreign_connect(struct fwcmp_bus *b, int node, unsigned int dir,
			  unsigned int index, unsigned int channel,
			  bool take_channel, unsigned int bandwidth);
/*
 * Record a foreign connection that fwsim made itself (a "race" rule that
 * added to a p2p counter): the model only, no register is touched.
 */
int fwcmp_model_foreign(struct fwcmp_bus *b, int node, unsigned int dir,
			unsigned int index, unsigned int channel);
/*
 * Record a foreign broadcast connection whose bit the test set through fwsim
 * (the model only; it holds nothing at the IRM and survives bus resets).
 */
int fwcmp_model_foreign_bcast(struct fwcmp_bus *b, int node, unsigned int dir,
			      unsigned int index, unsigned int channel);
/* Take IRM resources through fwsim (to exhaust the IRM). */
int fwcmp_foreign_irm_take(struct fwcmp_bus *b, uint64_t channels,
			   unsigned int bandwidth);

/* Ground-truth plug register of a node: "opcrN"/"ipcrN". */
int fwcmp_sim_pcr(struct fwcmp_bus *b, int node, unsigned int dir,
		  unsigned int index, uint32_t *val);
int fwcmp_sim_pcr_write(struct fwcmp_bus *b, int node, unsigned int dir,
			unsigned int index, uint32_t val);

/* ---- 3. opening the /dev/fwcmpN of a simulated node ---- */
/*
 * Find the firewire-cmp device whose GET_INFO GUID is the node's GUID, waiting
 * up to @timeout_ms for it to appear, and open it with @flags. Returns the fd
 * or -errno (-ENOENT when no device appeared).
 */
int fwcmp_open_node(struct fwcmp_bus *b, int node, int flags, int timeout_ms);
/* Path of that device, same matching; 0 or -errno. */
int fwcmp_node_path(struct fwcmp_bus *b, int node, char *path, size_t len,
		    int timeout_ms);
/* Wait until no /dev/fwcmpN carries the node's GUID any more. */
int fwcmp_wait_node_gone(struct fwcmp_bus *b, int node, int timeout_ms);

/* ---- 4. ioctl wrappers: 0 or -errno ---- */
int _test_ioctl(int fd, unsigned long cmd, void *arg);
int _test_ioctl_get_info(int fd, struct fwcmp_get_info *info);
int _test_ioctl_get_plug(int fd, unsigned int dir, unsigned int index,
			 struct fwcmp_get_plug *out);
int _test_ioctl_connect(int fd, unsigned int dir, unsigned int index,
			unsigned int flags, unsigned int channel,
			unsigned int speed, unsigned int payload,
			struct fwcmp_connect *out);
int _test_ioctl_disconnect(int fd, unsigned int handle);
int _test_ioctl_clear_plug(int fd, unsigned int dir, unsigned int index,
			   unsigned int bandwidth, struct fwcmp_clear_plug *out);

#define test_ioctl(fd, cmd, arg) ASSERT_EQ(0, _test_ioctl(fd, cmd, arg))
#define test_err_ioctl(_errno, fd, cmd, arg) \
	ASSERT_EQ(-(_errno), _test_ioctl(fd, cmd, arg))
#define test_get_info(fd, info) ASSERT_EQ(0, _test_ioctl_get_info(fd, info))
#define test_err_get_info(_errno, fd, info) \
	ASSERT_EQ(-(_errno), _test_ioctl_get_info(fd, info))
#define test_get_plug(fd, dir, index, out) \
	ASSERT_EQ(0, _test_ioctl_get_plug(fd, dir, index, out))
#define test_err_get_plug(_errno, fd, dir, index) \
	ASSERT_EQ(-(_errno), _test_ioctl_get_plug(fd, dir, index, NULL))
#define test_connect(fd, dir, index, flags, channel, speed, payload, out) \
	ASSERT_EQ(0, _test_ioctl_connect(fd, dir, index, flags, channel, \
					 speed, payload, out))
#define test_err_connect(_errno, fd, dir, index, flags, channel, speed, payload) \
	ASSERT_EQ(-(_errno), _test_ioctl_connect(fd, dir, index, flags, \
						 channel, speed, payload, NULL))
#define test_disconnect(fd, handle) \
	ASSERT_EQ(0, _test_ioctl_disconnect(fd, handle))
#define test_err_disconnect(_errno, fd, handle) \
	ASSERT_EQ(-(_errno), _test_ioctl_disconnect(fd, handle))
#define test_clear_plug(fd, dir, index, bw, out) \
	ASSERT_EQ(0, _test_ioctl_clear_plug(fd, dir, index, bw, out))
#define test_err_clear_plug(_errno, fd, dir, index, bw) \
	ASSERT_EQ(-(_errno), _test_ioctl_clear_plug(fd, dir, index, bw, NULL))

/*
 * Connect with the test stream on @node's plug and record it in the model;
 * *out (may be NULL) gets CONNECT's output. Asserts success.
 */
#define model_connect(_bus, _node, _fd, _dir, _index, _flags, _channel, _out) \
do { \
	struct fwcmp_connect __c; \
	test_connect(_fd, _dir, _index, _flags, _channel, FWCMP_TEST_SPEED, \
		     FWCMP_TEST_PAYLOAD, &__c); \
	__c.direction = (_dir); \
	__c.index = (_index); \
	ASSERT_NE(NULL, fwcmp_model_connect(_bus, _node, _flags, &__c)); \
	if ((_out) != NULL) \
		*(struct fwcmp_connect *)(_out) = __c; \
} while (0)
#define model_disconnect(bus, fd, handle) do { \
	test_disconnect(fd, handle); \
	ASSERT_EQ(0, fwcmp_model_drop_handle(bus, handle)); \
} while (0)
#define model_disconnect_node(bus, node, fd, handle) do { \
	test_disconnect(fd, handle); \
	ASSERT_EQ(0, fwcmp_model_drop_handle_node(bus, node, handle)); \
} while (0)

/* ---- 5. events ---- */
/* Read one event, waiting up to @timeout_ms: 0, -ETIMEDOUT or -errno. */
int fwcmp_read_event(int fd, struct fwcmp_event *ev, int timeout_ms);
/*
 * Read events until one of @type (and @handle, unless 0) arrives; the others
 * are skipped. 0, -ETIMEDOUT or -errno.
 */
int fwcmp_wait_event(int fd, unsigned int type, unsigned int handle,
		     struct fwcmp_event *ev, int timeout_ms);
/*
 * Collect one event of @type for each of @n handles, in any order (others are
 * skipped); out[i] gets the event of handles[i]. Returns how many handles got
 * none within @timeout_ms (0: all seen), or -errno.
 */
int fwcmp_wait_events(int fd, unsigned int type, const unsigned int *handles,
		      unsigned int n, struct fwcmp_event *out, int timeout_ms);
/* Wait for the BUS_RESET event of generation @gen (earlier ones skipped). */
int fwcmp_wait_reset_event(int fd, unsigned int gen, struct fwcmp_event *ev,
			   int timeout_ms);
/* Discard queued events; returns how many. */
int fwcmp_drain_events(int fd);

/* ---- 6. ground truth: snapshot and invariant ---- */
struct fwcmp_node_regs {
	bool present;
	int idx;
	uint32_t ompr, impr;
	unsigned int oplugs, iplugs;
	uint32_t opcr[FWCMP_MAX_PLUGS];
	uint32_t ipcr[FWCMP_MAX_PLUGS];
};

struct fwcmp_snapshot {
	unsigned int generation;
	int irm;		/* fwsim node index of the IRM, or FWSIM_LOCAL */
	uint32_t bandwidth;
	uint32_t channels_hi;
	uint32_t channels_lo;
	uint32_t bus_manager_id;
	struct fwcmp_node_regs node[FWCMP_MAX_NODES];
};

int fwcmp_snapshot(struct fwcmp_bus *b, struct fwcmp_snapshot *s);
/*
 * Every PCR, MPR and the IRM's bandwidth and channel registers equal (the
 * generation and BUS_MANAGER_ID are not compared). On a difference, @why
 * names the first one.
 */
bool fwcmp_snapshot_equal(const struct fwcmp_snapshot *a,
			  const struct fwcmp_snapshot *b, char *why, size_t len);
/*
 * The same, except that the stream fields (channel, data rate, overhead ID,
 * payload) of a plug without any connection in both snapshots are ignored:
 * IEC 61883-1 gives them no meaning while p2p and broadcast are 0.
 */
bool fwcmp_snapshot_equal_idle(const struct fwcmp_snapshot *a,
			       const struct fwcmp_snapshot *b, char *why,
			       size_t len);

/* Free-channel mask the IRM must show: bit n = channel n free. */
uint64_t fwcmp_channels_mask(uint32_t hi, uint32_t lo);
/*
 * The invariant of reliability.md against the model: 0 when it holds, else
 * -EPROTO with the first difference in @why (or -errno if fwsim failed).
 */
int fwcmp_invariant(struct fwcmp_bus *b, char *why, size_t len);
/* The same, retried for up to @timeout_ms (a bus reset is being recovered). */
int fwcmp_wait_invariant(struct fwcmp_bus *b, int timeout_ms, char *why,
			 size_t len);

#define check_invariant(bus) do { \
	char __why[256] = ""; \
	int __rc = fwcmp_invariant(bus, __why, sizeof(__why)); \
	ASSERT_EQ(0, __rc) \
		TH_LOG("invariant: %s", __why); \
} while (0)
/* After a bus reset: restoring may take up to IEC 61883-1's one second. */
#define wait_invariant(bus) do { \
	char __why[256] = ""; \
	int __rc = fwcmp_wait_invariant(bus, 3000, __why, sizeof(__why)); \
	ASSERT_EQ(0, __rc) \
		TH_LOG("invariant: %s", __why); \
} while (0)
#define check_snapshot_equal(a, b) do { \
	char __why[256] = ""; \
	ASSERT_TRUE(fwcmp_snapshot_equal(a, b, __why, sizeof(__why))) \
		TH_LOG("snapshot: %s", __why); \
} while (0)
#define check_snapshot_equal_idle(a, b) do { \
	char __why[256] = ""; \
	ASSERT_TRUE(fwcmp_snapshot_equal_idle(a, b, __why, sizeof(__why))) \
		TH_LOG("snapshot: %s", __why); \
} while (0)
/*
 * In a TEST_F whose fixture has `bus` and a `before` snapshot: the bus is as
 * it was (idle plugs compared loosely) and the invariant holds.
 */
#define check_unchanged() do { \
	struct fwcmp_snapshot __now; \
	ASSERT_EQ(0, fwcmp_snapshot(&self->bus, &__now)); \
	check_snapshot_equal_idle(&self->before, &__now); \
	check_invariant(&self->bus); \
} while (0)

/* ---- misc ---- */
void fwcmp_msleep(unsigned int ms);
/* Drop CAP_SYS_ADMIN from the calling thread's effective/permitted sets. */
int fwcmp_drop_cap_sys_admin(void);

/*
 * Fixture helpers: SKIP when a module is missing, else create the bus.
 * Use FIXTURE_TEARDOWN_PARENT so the bus is deleted even when the test
 * process died.
 */
#define fwcmp_setup_bus(bus, nodes, extra, nextra) do { \
	const char *__why = NULL; \
	int __rc; \
	if (fwcmp_available(&__why)) \
		SKIP(return, "%s", __why); \
	__rc = fwcmp_bus_create_nodes(bus, nodes, extra, nextra); \
	ASSERT_EQ(0, __rc) \
		TH_LOG("creating the simulated bus: %s", strerror(-__rc)); \
} while (0)
/* Open a node's device in setup: on failure the bus goes before the assert. */
#define fwcmp_setup_open(bus, node, flags, fdp) do { \
	*(fdp) = fwcmp_open_node(bus, node, flags, 5000); \
	if (*(fdp) < 0) \
		fwcmp_bus_destroy(bus); \
	ASSERT_LE(0, *(fdp)) \
		TH_LOG("no /dev/fwcmp* for node %d: %s", node, \
		       strerror(-*(fdp))); \
} while (0)
#define fwcmp_teardown_bus(bus) do { \
	int __rc = fwcmp_bus_destroy(bus); \
	EXPECT_EQ(0, __rc) \
		TH_LOG("fwsim_bus_del(%u): %s", (bus)->id, strerror(-__rc)); \
} while (0)

#endif /* FWCMP_UTIL_H */
