/* SPDX-License-Identifier: GPL-2.0 */
/*
 * firewire-sim private header: a simulated IEEE 1394 bus driven through
 * firewire-core's card driver API. Sections map to the source files.
 */
#ifndef _FIREWIRE_SIM_H
#define _FIREWIRE_SIM_H

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/firewire.h>
#include <linux/firewire-constants.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include "core.h"

#define FWSIM_MAX_NODES		62	/* simulated nodes besides the local one */
#define FWSIM_MAX_PHYS		63	/* PHY IDs 0..62; 63 is broadcast */
#define FWSIM_PORTS		3	/* every PHY, local or simulated */
#define FWSIM_MAX_PLUGS		31
#define FWSIM_ROM_QUADLETS	256	/* CSR_CONFIG_ROM .. CSR_CONFIG_ROM_END */
#define FWSIM_MAX_RULES		8	/* fault and race rules per node */
#define FWSIM_NAME_MAX		48	/* textual leaf, including the NUL */
#define FWSIM_MAX_BUS_ID	0xffff
#define FWSIM_MAX_LATENCY_US	1000000

#define FWSIM_LOCAL		(-1)	/* node index of the local node */
#define FWSIM_IRM_AUTO		(-2)	/* bus knob irm: choose automatically */

/*
 * Default identity of simulated nodes: a locally administered company ID
 * (U/L bit set), which no real vendor and no driver's id table uses.
 */
#define FWSIM_DEFAULT_VENDOR	0x021394
#define FWSIM_DEFAULT_MODEL	0x000001

/* Register offsets inside CSR space (offset - CSR_REGISTER_BASE). */
#define FWSIM_REG_OMPR		0x900
#define FWSIM_REG_OPCR(n)	(0x904 + 4 * (n))
#define FWSIM_REG_IMPR		0x980
#define FWSIM_REG_IPCR(n)	(0x984 + 4 * (n))
#define FWSIM_REG_PLUG_END	0xa00

/* IEC 61883-1 fields a controller may not change with a lock. */
#define FWSIM_MPR_RO_MASK	0xc000001f	/* data rate capability, plug count */
#define FWSIM_PCR_RO_MASK	0x80000000	/* on-line */
#define FWSIM_PCR_P2P_MASK	0x3f000000

/* Index of the IRM registers in struct fwsim_node.irm[] (CSR order). */
enum fwsim_irm_reg {
	FWSIM_BUS_MANAGER_ID,
	FWSIM_BANDWIDTH_AVAILABLE,
	FWSIM_CHANNELS_AVAILABLE_HI,
	FWSIM_CHANNELS_AVAILABLE_LO,
	FWSIM_IRM_REGS,
};

/* Request classes and outcomes counted per node (debugfs "stats"). */
enum fwsim_tclass {
	FWSIM_TC_READ_QUADLET,
	FWSIM_TC_READ_BLOCK,
	FWSIM_TC_WRITE_QUADLET,
	FWSIM_TC_WRITE_BLOCK,
	FWSIM_TC_LOCK,
	FWSIM_TC_COUNT,
};

enum fwsim_outcome {
	FWSIM_OUT_COMPLETE,
	FWSIM_OUT_BUSY,
	FWSIM_OUT_TYPE_ERROR,
	FWSIM_OUT_ADDRESS_ERROR,
	FWSIM_OUT_TIMEOUT,
	FWSIM_OUT_GENERATION,
	FWSIM_OUT_LOST_RESPONSE,
	FWSIM_OUT_COUNT,
};

enum fwsim_fault_kind {
	FWSIM_FAULT_BUSY,
	FWSIM_FAULT_TYPE_ERROR,
	FWSIM_FAULT_ADDRESS_ERROR,
	FWSIM_FAULT_TIMEOUT,
	FWSIM_FAULT_GENERATION,
	FWSIM_FAULT_LOST_RESPONSE,
	FWSIM_FAULT_KINDS,
};

enum fwsim_race_op { FWSIM_RACE_SET, FWSIM_RACE_ADD, FWSIM_RACE_OR, FWSIM_RACE_ANDNOT };
enum fwsim_race_on { FWSIM_ON_READ, FWSIM_ON_LOCK, FWSIM_ON_ANY };

/* Answer the nth matching request (counted from arming) with a fault. */
struct fwsim_fault {
	bool armed;
	u8 kind;		/* enum fwsim_fault_kind */
	u8 tclass_mask;		/* BIT(enum fwsim_tclass); 0 = any */
	bool match_offset;
	u64 offset;		/* full 48-bit address */
	u32 nth;		/* fire at the nth match, >= 1 */
	u32 times;		/* and on this many matches from there */
	u32 seen;		/* matches so far */
	u32 fired;
};

/* Another controller changes @reg right after the nth read (or lock) of it. */
struct fwsim_race {
	bool armed;
	u8 op;			/* enum fwsim_race_op */
	u8 on;			/* enum fwsim_race_on */
	u16 reg;		/* CSR offset of the register */
	u32 value;
	u32 nth;
	u32 seen;
	bool fired;
};

struct fwsim_bus;
struct fwsim_node;

/* The outcome of the last request a simulated node sent (sim-request.c). */
#define FWSIM_REQ_MAX_QUADLETS	16
struct fwsim_req_result {
	bool valid;
	int rcode;		/* RCODE_* (juju's pseudo rcodes included) */
	unsigned int quadlets;	/* response data, CPU order */
	u32 data[FWSIM_REQ_MAX_QUADLETS];
};

/*
 * A request a simulated node sent to the local node, waiting for the
 * response firewire-core gives to send_response(). @mutex (one foreign
 * request per bus at a time) guards the whole exchange; the other fields
 * are under bus->lock.
 */
struct fwsim_foreign {
	struct mutex mutex;	/* one exchange at a time, see above */
	bool pending;
	u16 source;		/* node ID of the requester */
	u8 tlabel, next_tlabel;
	struct completion done;
	struct fwsim_req_result result;
};

/*
 * A PHY in the physical tree. The tree is anchored at the local PHY; @up is
 * the neighbour toward it. A PHY's port count never changes, and a PHY keeps
 * its place (path of ports from the local node) for life, because
 * firewire-core's update_tree() pairs old and new nodes by that path.
 * All fields: bus->lock.
 */
struct fwsim_phy {
	struct fwsim_phy *port[FWSIM_PORTS];
	struct fwsim_phy *up;	/* NULL for the local PHY */
	u8 up_port;		/* port of @up we are plugged into */
	bool plugged;		/* cable toward @up connected (unplug knob) */
	struct fwsim_node *node; /* NULL: repeater left by a deleted node */
	/* scratch of the last bus reset */
	struct fwsim_phy *dfs_parent;
	int phy_id;		/* -1 when not on the bus */
	u8 depth, hops;
};

/* One register file in debugfs: node + CSR offset. */
struct fwsim_regfile {
	struct fwsim_node *node;
	u16 reg;
};

#define FWSIM_REGFILES	(2 + 2 * FWSIM_MAX_PLUGS + FWSIM_IRM_REGS)

/*
 * A node: the local one (index FWSIM_LOCAL, embedded in the bus) or a
 * simulated one. The configuration and config ROM are fixed at creation
 * (the local ROM is replaced by set_config_rom() at the next reset); the
 * registers, counters and rules are protected by bus->lock.
 */
struct fwsim_node {
	struct fwsim_bus *bus;
	int index;
	struct fwsim_phy *phy;

	/* configuration */
	u64 guid;
	u32 vendor_id, model_id;
	char vendor_name[FWSIM_NAME_MAX], model_name[FWSIM_NAME_MAX];
	u8 oplugs, iplugs;
	bool irmc, avc, pcr;
	u32 rom[FWSIM_ROM_QUADLETS];	/* CPU order */
	unsigned int rom_len;		/* quadlets */

	/* registers, bus->lock */
	u32 ompr, impr;
	u32 opcr[FWSIM_MAX_PLUGS], ipcr[FWSIM_MAX_PLUGS];
	u32 irm[FWSIM_IRM_REGS];
	u32 state;			/* STATE_CLEAR/STATE_SET */
	u64 stats[FWSIM_TC_COUNT][FWSIM_OUT_COUNT];
	struct fwsim_fault faults[FWSIM_MAX_RULES];
	struct fwsim_race races[FWSIM_MAX_RULES];

	struct dentry *dir;
	struct fwsim_regfile regfiles[FWSIM_REGFILES];

	/* as a foreign controller, bus->foreign.mutex */
	struct fwsim_req_result req;
};

/* A queued request packet on its way to a node (latency, cancel_packet). */
struct fwsim_txn {
	struct list_head link;
	struct fw_packet *packet;
	u64 due_ns;
};

/*
 * One simulated bus: a struct device on the firewire-sim bus type, and the
 * fw_card firewire-core sees. Lifetime: refcounted by the device; the
 * release callback frees it and lets module exit proceed.
 *
 * Locking:
 *  - cfg_mutex serializes control operations (nodes added/removed, unplug,
 *    knobs that restructure the bus, teardown) and protects nodes' debugfs.
 *  - lock (spinlock, irqsave: send_request() may come from any context)
 *    protects everything marked "lock" below. It is a leaf lock: no
 *    firewire-core function is ever called while holding it.
 *  - Work items (reset_work, tx_work) run on the per-bus ordered workqueue
 *    @wq, so bus resets and packet deliveries are serialized.
 */
struct fwsim_bus {
	struct device dev;
	struct fw_card card;
	unsigned int id;
	struct list_head link;		/* fwsim_buses, fwsim_buses_mutex */
	struct workqueue_struct *wq;
	struct work_struct reset_work;
	struct delayed_work tx_work;
	struct hrtimer tx_timer;	/* kicks tx_work at the next due time */
	struct dentry *ddir;
	struct mutex cfg_mutex;		/* control operations, see above */

	spinlock_t lock;		/* leaf lock, see above */
	bool enabled, dying;		/* lock */
	struct fwsim_node *nodes[FWSIM_MAX_NODES]; /* lock; writers hold cfg_mutex too */
	unsigned int nr_nodes, nr_phys;	/* lock */
	struct fwsim_node local;	/* lock (registers) */
	struct fwsim_phy local_phy;

	/* PHY and reset state, lock */
	u8 phy_regs[16];
	struct fwsim_phy *forced_root;	/* PHY config packet R bit */
	int irm_choice;			/* node index, FWSIM_LOCAL or FWSIM_IRM_AUTO */
	bool reset_pending, reset_by_local, abdicate;
	unsigned int generation;	/* 0..255, as OHCI's selfIDGeneration */
	u64 resets;
	u16 local_node_id;
	u8 gap_count;
	struct fwsim_phy *by_phy_id[FWSIM_MAX_PHYS];
	struct fwsim_node *irm, *root_node; /* IRM node (NULL: none) / root node */
	bool root_is_local, irm_is_local;
	unsigned int self_id_count;
	u32 self_ids[FWSIM_MAX_PHYS];
	u32 next_rom[FWSIM_ROM_QUADLETS];
	unsigned int next_rom_len;	/* 0: no update pending */
	u8 fwd_class[64];		/* tclass of local->local requests by tlabel */
	u64 fwd_lost;			/* by tlabel: drop firewire-core's response */

	/* CSR, lock for writes; read_csr() reads them lock-free */
	s64 tick_offset;
	u32 bus_time_offset;
	u32 busy_timeout;
	bool cmstr;

	/* transactions, lock */
	struct list_head txq;
	struct fw_packet *tx_current;	/* callback in progress (cancel waits) */
	u32 latency_us;
	u32 reset_after;		/* reset after this many more requests; 0 off */
	u64 txns, stale, no_ack;

	/* requests sent by simulated nodes (sim-request.c) */
	struct fwsim_foreign foreign;

	/* benchmark ground truth (debugfs "timing"), lock; CLOCK_MONOTONIC ns */
	u64 reset_ns;			/* last reset reported to the core */
	u64 first_cmp_ns;		/* first IRM/plug request since; 0 none */
	u64 last_pcr_lock_ns;		/* last PCR lock answered complete */
	u32 pcr_locks;			/* PCR locks answered complete since */
	u32 in_flight, in_flight_max;	/* queued requests; max since reset */

	/* worker-only buffers (the ordered workqueue serializes users) */
	u32 sid_report[FWSIM_MAX_PHYS];
	__be32 resp_buf[FWSIM_ROM_QUADLETS];
};

static inline struct fwsim_bus *fwsim_bus_of_card(struct fw_card *card)
{
	return container_of(card, struct fwsim_bus, card);
}

static inline struct fwsim_bus *fwsim_bus_of_dev(struct device *dev)
{
	return container_of(dev, struct fwsim_bus, dev);
}

/* Rate-limited logging of anything a user can trigger. */
#define fwsim_info(bus, fmt, ...) \
	dev_info_ratelimited(&(bus)->dev, fmt, ##__VA_ARGS__)
#define fwsim_warn(bus, fmt, ...) \
	dev_warn_ratelimited(&(bus)->dev, fmt, ##__VA_ARGS__)

/* Packet header fields (IEEE 1394 asynchronous packets, CPU order). */
static inline unsigned int fwsim_hdr_tcode(const u32 *h)
{
	return (h[0] >> 4) & 0xf;
}

static inline unsigned int fwsim_hdr_tlabel(const u32 *h)
{
	return (h[0] >> 10) & 0x3f;
}

static inline unsigned int fwsim_hdr_destination(const u32 *h)
{
	return h[0] >> 16;
}

static inline unsigned int fwsim_hdr_source(const u32 *h)
{
	return h[1] >> 16;
}

static inline unsigned int fwsim_hdr_rcode(const u32 *h)
{
	return (h[1] >> 12) & 0xf;
}

static inline u64 fwsim_hdr_offset(const u32 *h)
{
	return ((u64)(h[1] & 0xffff) << 32) | h[2];
}

static inline unsigned int fwsim_hdr_data_length(const u32 *h)
{
	return h[3] >> 16;
}

static inline unsigned int fwsim_hdr_ext_tcode(const u32 *h)
{
	return h[3] & 0xffff;
}

/* ---- sim-main.c: module, bus type, bus devices ---- */
extern struct dentry *fwsim_debugfs_root;
int fwsim_bus_create(unsigned int id, unsigned int nodes);
int fwsim_bus_destroy(unsigned int id);

/* ---- sim-card.c: struct fw_card_driver, bus resets, packet delivery ---- */
extern const struct fw_card_driver fwsim_card_driver;
void fwsim_request_reset(struct fwsim_bus *bus, bool by_local);
void fwsim_request_reset_locked(struct fwsim_bus *bus, bool by_local);
void fwsim_reset_work(struct work_struct *work);
void fwsim_tx_work(struct work_struct *work);
void fwsim_tx_timer_init(struct fwsim_bus *bus);
u32 fwsim_cycle_time(struct fwsim_bus *bus);

/* ---- sim-topo.c: physical tree, root/IRM choice, self-IDs ---- */
int fwsim_topo_place(struct fwsim_bus *bus, struct fwsim_node *node);
void fwsim_topo_remove(struct fwsim_bus *bus, struct fwsim_node *node);
void fwsim_topo_reset(struct fwsim_bus *bus);
void fwsim_topo_free_all(struct fwsim_bus *bus);

/* ---- sim-node.c: config, config ROM, registers, requests, rules ---- */
struct fwsim_node_cfg {
	int index;		/* -1: lowest free */
	u64 guid;		/* 0: derived from bus id and index */
	u32 vendor_id, model_id;
	char vendor_name[FWSIM_NAME_MAX], model_name[FWSIM_NAME_MAX];
	u8 oplugs, iplugs;
	bool irmc, avc, pcr;
};

struct fwsim_result {
	int ack;		/* ACK_* or a juju rcode */
	int rcode;		/* response rcode when @respond */
	bool respond;
	bool to_core;		/* local node: hand to fw_core_handle_request() */
	bool reset;		/* trigger a bus reset (generation fault) */
	bool lost;		/* to_core: executed, but drop the response */
	void *data;
	size_t length;
};

int fwsim_next_token(char **s, char **key, char **val);
void fwsim_node_cfg_default(struct fwsim_node_cfg *cfg);
int fwsim_node_cfg_parse(struct fwsim_node_cfg *cfg, char *buf);
struct fwsim_node *fwsim_node_alloc(struct fwsim_bus *bus, const struct fwsim_node_cfg *cfg);
int fwsim_node_add(struct fwsim_bus *bus, struct fwsim_node_cfg *cfg);
int fwsim_node_del(struct fwsim_bus *bus, int index);
int fwsim_node_link(struct fwsim_bus *bus, int index, bool up);
void fwsim_node_init_local(struct fwsim_bus *bus);
void fwsim_node_bus_reset(struct fwsim_node *node);
void fwsim_node_request(struct fwsim_node *node, struct fw_packet *p,
			struct fwsim_result *r, __be32 *buf);
bool fwsim_phy_connected(const struct fwsim_phy *phy);
enum fwsim_tclass fwsim_tclass_of(unsigned int tcode);
int fwsim_reg_get(struct fwsim_node *node, u16 reg, u32 *val);
int fwsim_reg_set(struct fwsim_node *node, u16 reg, u32 val);
const char *fwsim_reg_name(u16 reg, char *buf, size_t len);
int fwsim_reg_lookup(struct fwsim_node *node, const char *name, u16 *reg);
int fwsim_fault_parse(struct fwsim_node *node, char *buf);
int fwsim_race_parse(struct fwsim_node *node, char *buf);
extern const char *const fwsim_tclass_names[FWSIM_TC_COUNT];
extern const char *const fwsim_outcome_names[FWSIM_OUT_COUNT];
extern const char *const fwsim_fault_names[FWSIM_FAULT_KINDS];

/* ---- sim-request.c: simulated nodes as requesters (foreign controllers) ---- */
void fwsim_foreign_init(struct fwsim_bus *bus);
bool fwsim_foreign_response_locked(struct fwsim_bus *bus, struct fw_packet *p);
void fwsim_request_debugfs(struct fwsim_node *node);

/* ---- sim-debugfs.c: ground truth, counters, fault and bus knobs ---- */
void fwsim_debugfs_bus_init(struct fwsim_bus *bus);
void fwsim_debugfs_node_init(struct fwsim_node *node);
void fwsim_debugfs_node_exit(struct fwsim_node *node);

#endif /* _FIREWIRE_SIM_H */
