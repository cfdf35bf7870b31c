/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmp.h - firewire-cmp private declarations, one section per source file.
 *
 * Lifetimes:
 *  - struct fwcmp_unit lives as long as its class device (@dev); each open
 *    file holds a reference, the driver holds one from probe to remove, and
 *    the device's release callback frees it. The fw_unit reference is
 *    dropped in .remove already: open files must not keep firewire-core's
 *    card alive (fw_core_remove_card() waits for it), so after removal
 *    nothing may follow @unit; every path checks @removed under @lock.
 *  - struct fwcmp_client lives from open() to release(); only its file and
 *    the unit's client list (under the unit lock) point to it, and release()
 *    unlinks it under that lock, so it needs no reference count.
 *  - After a bus reset, cmp-restore.c takes the pending plugs of every unit
 *    of a card under each unit's lock in turn, sets @restoring, and puts
 *    the transactions on the bus without any lock; paths that change plugs
 *    take the lock with fwcmp_unit_lock(), which waits for the batch.
 *  - struct fwcmp_conn lives from CONNECT until it is broken; it is reached
 *    through the unit's handle xarray, its plug's list and its owner's list,
 *    all changed only under the unit lock.
 */
#ifndef _FIREWIRE_CMP_H
#define _FIREWIRE_CMP_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/firewire.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/firewire-cmp.h>

#include "cmp-definitions.h"

#define FWCMP_DIRS		2
#define FWCMP_EVENT_QUEUE_LEN	128

/* State of an MPR as read from the unit. */
enum fwcmp_mpr_state {
	FWCMP_MPR_UNKNOWN,	/* not read yet, or the read failed: retry */
	FWCMP_MPR_PRESENT,
	FWCMP_MPR_ABSENT,	/* address error: no plug registers */
};

/*
 * The set of our connections on one plug. The channel and bandwidth at the
 * IRM belong to the set, not to one connection: the set's first connection
 * allocated them (@irm_owned) or joined a foreign connection that holds
 * them, and whoever breaks the plug's last connection releases them
 * (IEC 61883-1 9.3). All fields under the unit lock.
 */
struct fwcmp_plug {
	unsigned int dir;
	unsigned int index;
	struct list_head conns;		/* struct fwcmp_conn.plug_node */
	unsigned int nconn;		/* our connections: our share of p2p */
	bool irm_owned;			/* we allocated channel + bandwidth */
	int channel;
	unsigned int bandwidth;		/* units the set stands for at the IRM */
	unsigned int speed;		/* what we write to an oPCR */
	unsigned int payload;
	int gen;			/* generation the set was set up in */
	int irm_gen;			/* generation of our IRM allocation */
	u32 pcr;			/* last value known, valid in @pcr_gen */
	int pcr_gen;			/* -1: unknown */
	unsigned int p2p_total;		/* p2p after our last lock */
	bool prior_valid;		/* we set up the plug from idle */
	u32 prior;			/* its value then, put back at the end */
	/*
	 * Our broadcast connection on the plug (cmp-xconn.c), or NULL. It is
	 * not on @conns and not counted in @nconn: the PCR has a single
	 * broadcast bit beside the p2p counter.
	 */
	struct fwcmp_conn *bcast;
	/*
	 * The set is the iPCR side of third-party connections: the oPCR's set
	 * on the other unit holds channel and bandwidth, so this one never
	 * takes or returns them (cmp-xconn.c).
	 */
	bool irm_elsewhere;
};

struct fwcmp_client;
struct fwcmp_xpair;

enum fwcmp_conn_kind {
	FWCMP_CONN_P2P,		/* one of its plug's set (cmp-conn.c) */
	FWCMP_CONN_BCAST,	/* the plug's broadcast bit (cmp-xconn.c) */
};

/*
 * The state of a broadcast connection. It holds the IRM resources itself
 * (@irm_owned) when it set the plug up from idle, or when the plug's p2p
 * set handed them over on breaking its last connection; at most one of
 * the plug's set and its broadcast connection owns them.
 */
struct fwcmp_bcast_state {
	bool irm_owned;
	int channel;
	unsigned int bandwidth;
	int gen;			/* generation it was set up in */
	bool prior_valid;		/* we set up the plug from idle */
	u32 prior;
};

struct fwcmp_conn {
	u32 handle;
	enum fwcmp_conn_kind kind;
	bool persistent;
	struct fwcmp_plug *plug;
	struct fwcmp_client *owner;	/* NULL: persistent, creator closed */
	struct list_head plug_node;	/* empty for a broadcast connection */
	struct list_head client_node;
	struct fwcmp_bcast_state bc;	/* FWCMP_CONN_BCAST only */
	/* Third-party: the pair this is one side of (cmp-xconn.c), or NULL. */
	struct fwcmp_xpair *pair;
	bool silent;			/* the iPCR side: events go to the oPCR's */
};

struct fwcmp_unit {
	struct device dev;		/* the class device; its refcount is ours */
	struct cdev cdev;
	struct fw_unit *unit;		/* referenced until .remove; NULL after */
	int minor;
	u64 guid;
	u32 vendor_id;
	u32 model_id;
	struct list_head restore_node;	/* fwcmp_units, cmp-restore.c */

	/* The lock serialises every transaction sequence on this unit. */
	struct mutex lock;
	/* Protected by @lock: */
	bool dying;			/* .remove is breaking everything */
	/*
	 * The batch restore has taken this unit's pending plugs and is on
	 * the bus without the lock; fwcmp_unit_lock() waits until it is done.
	 */
	bool restoring;
	/*
	 * Set once the lost and removed events are queued, so that a reader
	 * who sees it (also without the lock) has had every event.
	 */
	bool removed;
	int generation;			/* of the last .update seen */
	enum fwcmp_mpr_state mpr_state[FWCMP_DIRS];
	u32 mpr[FWCMP_DIRS];
	struct fwcmp_plug plugs[FWCMP_DIRS][FWCMP_MAX_PLUGS];
	struct xarray handles;		/* u32 handle -> struct fwcmp_conn */
	u32 next_handle;
	struct list_head clients;	/* struct fwcmp_client.unit_node */
};

struct fwcmp_client {
	struct fwcmp_unit *u;
	bool writable;
	struct list_head unit_node;	/* under u->lock */
	struct list_head conns;		/* non-persistent and persistent, u->lock */
	u32 version;			/* ABI version; u->lock */
	struct mutex read_mutex;	/* one reader at a time */
	wait_queue_head_t wait;
	/* Protects the event ring. Taken inside u->lock. */
	spinlock_t event_lock;
	unsigned int head, count;
	bool overflow;
	struct fwcmp_event events[FWCMP_EVENT_QUEUE_LEN + 1]; /* +1: UNIT_REMOVED */
};

static inline struct fw_device *fwcmp_fw_device(struct fwcmp_unit *u)
{
	return fw_parent_device(u->unit);
}

static inline struct fw_card *fwcmp_card(struct fwcmp_unit *u)
{
	return fwcmp_fw_device(u)->card;
}

__printf(4, 5)
void fwcmp_plug_err(struct fwcmp_unit *u, unsigned int dir, unsigned int index,
		    const char *fmt, ...);

/* cmp-main.c */
extern struct workqueue_struct *fwcmp_wq;
void fwcmp_queue_work(struct work_struct *work);
void fwcmp_current_gen(struct fwcmp_unit *u, int *generation, int *node_id);
int fwcmp_read_mprs(struct fwcmp_unit *u);
unsigned int fwcmp_plug_count(struct fwcmp_unit *u, unsigned int dir);

/* cmp-cdev.c */
extern const struct file_operations fwcmp_fops;
void fwcmp_queue_event(struct fwcmp_client *client, const struct fwcmp_event *e);
void fwcmp_broadcast_event(struct fwcmp_unit *u, const struct fwcmp_event *e);

/* cmp-pcr.c */
int fwcmp_rcode_to_errno(int rcode);
int fwcmp_read_quadlet(struct fwcmp_unit *u, int generation, int node_id,
		       u64 offset, u32 *value);
int fwcmp_pcr_read(struct fwcmp_unit *u, struct fwcmp_plug *p, int generation,
		   int node_id, u32 *value);
/*
 * Decides the new value from the current one, or fails with an errno that
 * ends the compare-swap loop. Called again with the value the lock returns
 * when another controller changed the plug in between.
 */
typedef int (*fwcmp_pcr_modify_t)(struct fwcmp_plug *p, u32 cur, u32 *next,
				  void *ctx);
int fwcmp_pcr_modify(struct fwcmp_unit *u, struct fwcmp_plug *p, int generation,
		     int node_id, fwcmp_pcr_modify_t modify, void *ctx,
		     u32 *old_out, u32 *new_out);

/* cmp-iso.c */
unsigned int fwcmp_bandwidth_overhead_id(struct fwcmp_unit *u);
int fwcmp_irm_node_id(struct fwcmp_unit *u);
int fwcmp_irm_alloc(struct fwcmp_unit *u, int generation, u64 channels_mask,
		    unsigned int bandwidth, u32 *reason);
int fwcmp_irm_free(struct fwcmp_unit *u, int generation, int channel,
		   unsigned int bandwidth, unsigned int *freed);
void fwcmp_irm_give_back(struct fw_card *card, int irm_id, int generation,
			 u64 channels, unsigned int bandwidth);
u64 fwcmp_irm_reset_deadline(struct fwcmp_unit *u);
int fwcmp_irm_wait_until(u64 deadline);
bool fwcmp_irm_reset_delay_over(struct fwcmp_unit *u);

/* cmp-conn.c */
/* Bus resets (or contention) survived by one operation before EAGAIN. */
#define FWCMP_RESET_RETRIES	4
/* A pass's answer: the plug is free; hold channel + bandwidth, come back. */
#define FWCMP_NEED_IRM		1

/*
 * What a CONNECT holds at the IRM while it sets a plug up (p2p in
 * cmp-conn.c, broadcast in cmp-xconn.c): @want_channel, @speed and
 * @payload are the request; the rest is filled in on the way.
 */
struct fwcmp_irm_claim {
	int want_channel;		/* -1: any */
	unsigned int speed;
	unsigned int payload;
	bool held;			/* @channel + @bandwidth, in @gen */
	int channel;
	int gen;
	unsigned int bandwidth;
	unsigned int overhead_id;	/* of the current gap count */
};

/*
 * One pass of a CONNECT in @generation, called with u->lock held: 0 with
 * the plug's value before and after, FWCMP_NEED_IRM, -EAGAIN (a bus reset
 * or contention: try again) or another -errno (final).
 */
typedef int (*fwcmp_connect_pass_t)(struct fwcmp_unit *u, int generation,
				    int node_id, void *ctx, u32 *old,
				    u32 *new);
int fwcmp_connect_run(struct fwcmp_unit *u, struct fwcmp_irm_claim *irm,
		      fwcmp_connect_pass_t pass, void *ctx, int *generation,
		      u32 *old, u32 *new);
int fwcmp_irm_claim_renew(struct fwcmp_unit *u, struct fwcmp_irm_claim *irm,
			  int generation);
void fwcmp_irm_claim_release(struct fwcmp_unit *u, struct fwcmp_irm_claim *irm);
void fwcmp_plugs_init(struct fwcmp_unit *u);
bool fwcmp_connect_args_valid(const struct fwcmp_connect *arg);
int fwcmp_connect(struct fwcmp_client *client, struct fwcmp_connect *arg);
int fwcmp_connect_mode(struct fwcmp_client *client, struct fwcmp_connect *arg,
		       bool no_irm);
int fwcmp_conn_break(struct fwcmp_unit *u, struct fwcmp_conn *conn,
		     bool force);
int fwcmp_disconnect(struct fwcmp_client *client, u32 handle, bool force);
int fwcmp_clear_plug(struct fwcmp_client *client, struct fwcmp_clear_plug *arg);
void fwcmp_client_break_all(struct fwcmp_client *client);
void fwcmp_break_all(struct fwcmp_unit *u, u32 reason);
bool fwcmp_card_gen_is(struct fwcmp_unit *u, int generation);
bool fwcmp_retry_after_reset(struct fwcmp_unit *u, int generation,
			     unsigned int *tries);
void fwcmp_restore_unit(struct fwcmp_unit *u);
bool fwcmp_restore_guess(struct fwcmp_unit *u, struct fwcmp_plug *p,
			 u32 *cur, u32 *next);
void fwcmp_plug_restored(struct fwcmp_unit *u, struct fwcmp_plug *p,
			 int generation, u32 pcr);
void fwcmp_bus_reset(struct fwcmp_unit *u);

/* cmp-restore.c */
void fwcmp_unit_lock(struct fwcmp_unit *u);
void fwcmp_restore_add_unit(struct fwcmp_unit *u);
void fwcmp_restore_del_unit(struct fwcmp_unit *u);
void fwcmp_restore_queue(void);
void fwcmp_restore_exit(void);

/* cmp-local.c: the PC's own plugs (local_oplugs/local_iplugs parameters) */
int fwcmp_local_init(void);
void fwcmp_local_exit(void);

/* cmp-xconn.c: broadcast connections */
int fwcmp_bcast_connect(struct fwcmp_client *client, struct fwcmp_connect *arg);
int fwcmp_xconn_break(struct fwcmp_unit *u, struct fwcmp_conn *conn,
		      bool force);
void fwcmp_xconn_break_all(struct fwcmp_unit *u, u32 reason);
void fwcmp_xconn_restore_unit(struct fwcmp_unit *u);
void fwcmp_bcast_adopt(struct fwcmp_plug *p);
/* cmp-xconn.c: third-party connections */
int fwcmp_3p_connect(struct fwcmp_client *client, struct fwcmp_connect *arg);
void fwcmp_xpair_unlink(struct fwcmp_unit *u, struct fwcmp_conn *conn);
void fwcmp_xpair_flush(void);

#endif /* _FIREWIRE_CMP_H */
