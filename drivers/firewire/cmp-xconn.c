// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-xconn.c - broadcast connections (IEC 61883-1 7.8, 9.1, 9.4) and
 * third-party connections (two units, the computer only the controller).
 *
 * A plug has one broadcast connection counter, bit 30 of its PCR, beside the
 * p2p counter. Broadcast-out on an oPCR: the controller takes channel and
 * bandwidth at the IRM and sets the bit; the channel is the oMPR's broadcast
 * channel base plus the plug index, unless the base is 63 ("none"), when any
 * channel will do. Broadcast-in on an iPCR: the bit is set with the channel
 * another unit broadcasts on; nothing is taken at the IRM. A bus reset
 * clears p2p counters but not the broadcast bit, so the device keeps the
 * connection and its owner takes the IRM resources again within the second
 * reserved for it.
 *
 * Our broadcast connection of a plug is struct fwcmp_plug.bcast. It shares
 * the plug's channel with the plug's p2p set (cmp-conn.c), and of the two at
 * most one owns the channel and bandwidth at the IRM: whoever set the plug
 * up from idle. When the owner goes while the other keeps the plug in use,
 * ownership moves to the other one (fwcmp_bcast_adopt() one way,
 * fwcmp_bcast_handover() the other), so that the resources are taken again
 * after every reset and returned exactly once, by whoever breaks the plug's
 * last connection (9.3).
 *
 * Everything here runs under the unit lock, as in cmp-conn.c.
 */

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/firewire.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "cmp.h"

/* The ABI's structs keep their size: new fields come out of reserved[]. */
static_assert(sizeof(struct fwcmp_connect) == 64);
static_assert(sizeof(struct fwcmp_event) == 48);

/* oMPR broadcast channel base meaning "no fixed broadcast channel". */
#define FWCMP_BCAST_BASE_NONE	63

static void fwcmp_bcast_event(struct fwcmp_unit *u, struct fwcmp_conn *conn,
			      u32 type, u32 reason, int generation)
{
	struct fwcmp_event e = {
		.type = type,
		.flags = FWCMP_EVENT_FLAG_BROADCAST,
		.generation = generation,
		.handle = conn->handle,
		.reason = reason,
		.direction = conn->plug->dir,
		.index = conn->plug->index,
		.channel = conn->bc.channel,
	};

	if (conn->persistent)
		fwcmp_broadcast_event(u, &e);
	else if (conn->owner)
		fwcmp_queue_event(conn->owner, &e);
}

static void fwcmp_bcast_free(struct fwcmp_unit *u, struct fwcmp_conn *conn)
{
	xa_erase(&u->handles, conn->handle);
	if (conn->owner)
		list_del(&conn->client_node);
	conn->plug->bcast = NULL;
	kfree(conn);
}

/*
 * The p2p set of @p breaks its last connection while our broadcast
 * connection keeps the plug in use: the set's IRM resources are now the
 * broadcast connection's to take again and to return.
 */
void fwcmp_bcast_adopt(struct fwcmp_plug *p)
{
	struct fwcmp_conn *bc = p->bcast;

	if (!bc || !p->irm_owned || p->channel != bc->bc.channel)
		return;
	bc->bc.irm_owned = true;
	bc->bc.bandwidth = p->bandwidth;
	bc->bc.gen = p->gen;
}

/* The other way: our broadcast connection goes, our p2p set stays. */
static bool fwcmp_bcast_handover(struct fwcmp_conn *conn)
{
	struct fwcmp_plug *p = conn->plug;

	if (!conn->bc.irm_owned || !p->nconn || p->channel != conn->bc.channel)
		return false;
	/* The set holds them now, also one that joined a broadcast-in. */
	p->irm_owned = true;
	p->irm_elsewhere = false;
	p->bandwidth = conn->bc.bandwidth;
	return true;
}

/* ---- connect ---- */

struct fwcmp_bcast_ctx {
	u32 flags;
	struct fwcmp_plug *p;
	struct fwcmp_irm_claim irm;	/* its channel: the one allocated */
	int use_channel;	/* the one the connection uses */
	bool join;		/* joined the plug's existing connection */
};

static int fwcmp_bcast_connect_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
				      void *data)
{
	struct fwcmp_bcast_ctx *c = data;
	int ch = fwcmp_pcr_channel_get(cur);

	if (!fwcmp_pcr_online_get(cur))
		return -ECONNREFUSED;
	if (fwcmp_pcr_bcast_get(cur))
		return -EBUSY;

	/* Our p2p set counts as in use while its restore is pending. */
	if (fwcmp_pcr_in_use(cur) || p->nconn) {
		if (!(c->flags & FWCMP_CONNECT_OVERLAY))
			return -EBUSY;
		if (p->nconn)
			ch = p->channel;
		if (c->irm.want_channel >= 0 && ch != c->irm.want_channel)
			return -EBUSY;
		/*
		 * Not into @channel: what an earlier pass allocated there must
		 * be given back, not the joined connection's channel.
		 */
		c->join = true;
		c->use_channel = ch;
		*next = fwcmp_pcr_channel_set(cur | FWCMP_PCR_BCAST_MASK, ch);
		return 0;
	}

	c->join = false;
	if (p->dir == FWCMP_DIR_INPUT) {
		/* Broadcast-in listens to another unit's channel: no IRM. */
		c->use_channel = c->irm.want_channel;
		*next = fwcmp_pcr_channel_set(cur | FWCMP_PCR_BCAST_MASK,
					      c->use_channel);
		return 0;
	}
	if (!c->irm.held)
		return FWCMP_NEED_IRM;
	c->use_channel = c->irm.channel;
	*next = fwcmp_pcr_channel_set(cur | FWCMP_PCR_BCAST_MASK, c->irm.channel);
	*next = fwcmp_opcr_speed_set(*next, c->irm.speed);
	*next = fwcmp_opcr_overhead_set(*next, c->irm.overhead_id);
	*next = fwcmp_opcr_payload_quadlets_set(*next, c->irm.payload);
	return 0;
}

/* One pass of a broadcast CONNECT (fwcmp_connect_pass_t). */
static int fwcmp_bcast_connect_pass(struct fwcmp_unit *u, int generation,
				    int node_id, void *data, u32 *old,
				    u32 *new)
{
	struct fwcmp_bcast_ctx *c = data;
	int err;

	err = fwcmp_irm_claim_renew(u, &c->irm, generation);
	if (err)
		return err;
	c->irm.overhead_id = fwcmp_bandwidth_overhead_id(u);
	return fwcmp_pcr_modify(u, c->p, generation, node_id,
				fwcmp_bcast_connect_modify, c, old, new);
}

/*
 * The channel a broadcast-out connection on oPCR @index must use, or -1
 * when the oMPR has no broadcast channel base. A base + index beyond the
 * last channel names no channel: -EINVAL.
 */
static int fwcmp_bcast_out_channel(struct fwcmp_unit *u, unsigned int index)
{
	unsigned int base = fwcmp_ompr_bcast_base_get(u->mpr[FWCMP_DIR_OUTPUT]);

	if (base == FWCMP_BCAST_BASE_NONE)
		return -1;
	if (base + index > FWCMP_MAX_CHANNEL)
		return -EINVAL;
	return base + index;
}

/*
 * Read the oMPR again: other controllers may change its broadcast channel
 * base (IEC 61883-1 7.7), and only the value now says which channel a
 * broadcast-out connection must use. GET_INFO shows what was read.
 */
static int fwcmp_bcast_read_ompr(struct fwcmp_unit *u)
{
	unsigned int tries = 0;
	int generation, node_id, err;
	u32 ompr;

	do {
		fwcmp_current_gen(u, &generation, &node_id);
		err = fwcmp_read_quadlet(u, generation, node_id,
					 FWCMP_CSR_REGISTER_BASE +
					 FWCMP_CSR_OMPR, &ompr);
	} while (err == -EAGAIN &&
		 fwcmp_retry_after_reset(u, generation, &tries));
	if (err)
		return err;
	/* The plug count and rates are read-only: keep what we bound with. */
	u->mpr[FWCMP_DIR_OUTPUT] = (u->mpr[FWCMP_DIR_OUTPUT] &
				    ~FWCMP_OMPR_BCAST_BASE_MASK) |
				   (ompr & FWCMP_OMPR_BCAST_BASE_MASK);
	return 0;
}

static int fwcmp_bcast_check(struct fwcmp_unit *u, struct fwcmp_connect *arg,
			     int *want)
{
	int ch;

	if (arg->direction >= FWCMP_DIRS ||
	    arg->index >= fwcmp_plug_count(u, arg->direction))
		return -EINVAL;
	if (arg->speed > fwcmp_mpr_speed(u->mpr[arg->direction]))
		return -EINVAL;
	*want = arg->channel == FWCMP_ANY_CHANNEL ? -1 : arg->channel;
	if (arg->direction == FWCMP_DIR_INPUT)
		return *want < 0 ? -EINVAL : 0;

	ch = fwcmp_bcast_read_ompr(u);
	if (ch)
		return ch;
	ch = fwcmp_bcast_out_channel(u, arg->index);
	if (ch == -EINVAL)
		return -EINVAL;
	if (ch >= 0) {
		if (*want >= 0 && *want != ch)
			return -EINVAL;
		*want = ch;
	}
	return 0;
}

int fwcmp_bcast_connect(struct fwcmp_client *client, struct fwcmp_connect *arg)
{
	struct fwcmp_unit *u = client->u;
	struct fwcmp_bcast_ctx c = { .flags = arg->flags };
	struct fwcmp_conn *conn;
	struct fwcmp_plug *p;
	int generation, err;
	u32 old, new, id;

	if (arg->flags & ~(FWCMP_CONNECT_OVERLAY | FWCMP_CONNECT_PERSISTENT |
			   FWCMP_CONNECT_BROADCAST))
		return -EINVAL;
	if (!fwcmp_connect_args_valid(arg))
		return -EINVAL;
	c.irm.speed = arg->speed;
	c.irm.payload = arg->payload;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	INIT_LIST_HEAD(&conn->plug_node);

	fwcmp_unit_lock(u);
	if (u->removed) {
		err = -ENODEV;
		goto out_unlock;
	}
	err = fwcmp_bcast_check(u, arg, &c.irm.want_channel);
	if (err)
		goto out_unlock;
	p = &u->plugs[arg->direction][arg->index];
	if (p->bcast) {
		err = -EBUSY;
		goto out_unlock;
	}
	err = xa_alloc_cyclic(&u->handles, &id, NULL, XA_LIMIT(1, INT_MAX),
			      &u->next_handle, GFP_KERNEL);
	if (err < 0)
		goto out_unlock;

	c.p = p;
	err = fwcmp_connect_run(u, &c.irm, fwcmp_bcast_connect_pass, &c,
				&generation, &old, &new);
	if (err)
		goto out_release;

	conn->handle = id;
	conn->kind = FWCMP_CONN_BCAST;
	conn->plug = p;
	conn->persistent = !!(arg->flags & FWCMP_CONNECT_PERSISTENT);
	conn->owner = client;
	conn->bc.channel = c.use_channel;
	conn->bc.gen = generation;
	if (c.join) {
		/* The channel and bandwidth are the existing connection's. */
		fwcmp_irm_claim_release(u, &c.irm);
		arg->bandwidth = 0;
	} else {
		conn->bc.irm_owned = c.irm.held;
		conn->bc.bandwidth = c.irm.held ? c.irm.bandwidth : 0;
		conn->bc.prior_valid = true;
		conn->bc.prior = old;
		arg->bandwidth = conn->bc.bandwidth;
	}
	p->bcast = conn;
	list_add_tail(&conn->client_node, &client->conns);
	/* The slot is reserved, so this store allocates nothing. */
	xa_store(&u->handles, id, conn, GFP_KERNEL);

	arg->handle = id;
	arg->channel = c.use_channel;
	arg->pcr = new;
	arg->generation = generation;
	mutex_unlock(&u->lock);
	return 0;

out_release:
	fwcmp_irm_claim_release(u, &c.irm);
	xa_erase(&u->handles, id);
	if (err != -EBUSY && err != -ECONNREFUSED && err != -ERESTARTSYS &&
	    err != -ENOSPC)
		fwcmp_plug_err(u, arg->direction, arg->index,
			       "broadcast connect failed: %d\n", err);
out_unlock:
	mutex_unlock(&u->lock);
	kfree(conn);
	return err;
}

/* ---- disconnect ---- */

/* Fields a broadcast connection set up from idle wrote. */
#define FWCMP_BCAST_OPCR_FIELDS	(FWCMP_PCR_CHANNEL_MASK |		\
				 FWCMP_OPCR_XSPEED_MASK |		\
				 FWCMP_OPCR_RATE_MASK |			\
				 FWCMP_OPCR_OVERHEAD_MASK |		\
				 FWCMP_OPCR_PAYLOAD_MASK)

static int fwcmp_bcast_break_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
				    void *data)
{
	struct fwcmp_conn *conn = data;

	/* Nothing of ours is left there (cleared, or taken by others). */
	if (!fwcmp_pcr_bcast_get(cur) ||
	    fwcmp_pcr_channel_get(cur) != conn->bc.channel) {
		*next = cur;
		return 0;
	}
	*next = cur & ~FWCMP_PCR_BCAST_MASK;
	/* Connect then disconnect leaves the register as it was. */
	if (conn->bc.prior_valid && !fwcmp_pcr_in_use(*next) && !p->nconn) {
		u32 mask = p->dir == FWCMP_DIR_OUTPUT ?
			   FWCMP_BCAST_OPCR_FIELDS : FWCMP_PCR_CHANNEL_MASK;

		*next = (*next & ~mask) | (conn->bc.prior & mask);
	}
	return 0;
}

/*
 * Clear the broadcast bit. With @force the record goes even when the
 * device cannot be told (close, removal); without it a failure leaves
 * everything as it was.
 */
static int fwcmp_bcast_break(struct fwcmp_unit *u, struct fwcmp_conn *conn,
			     bool force)
{
	struct fwcmp_plug *p = conn->plug;
	unsigned int resets = 0, freed;
	int generation, node_id, err;
	bool idle = false;
	u32 pcr = 0;

	for (;;) {
		fwcmp_current_gen(u, &generation, &node_id);
		if (u->dying && conn->bc.gen != generation) {
			err = -ENODEV;
			break;
		}
		err = fwcmp_pcr_modify(u, p, generation, node_id,
				       fwcmp_bcast_break_modify, conn, NULL,
				       &pcr);
		if (err != -EAGAIN || u->dying ||
		    !fwcmp_retry_after_reset(u, generation, &resets))
			break;
	}
	if (err && !force)
		return err;
	if (err && !u->dying)
		fwcmp_plug_err(u, p->dir, p->index,
			       "broadcast counter not cleared: %d\n", err);
	if (!err)
		idle = !fwcmp_pcr_in_use(pcr) && !p->nconn;

	/*
	 * 9.3: the last connection's breaker returns channel and bandwidth.
	 * What we own and a bus reset since has dropped (bc.gen stale, not
	 * taken again yet) is not ours to return: fwcmp_irm_free() sends
	 * nothing for a stale generation. Our p2p set still on the plug takes
	 * over instead.
	 */
	if (!fwcmp_bcast_handover(conn) && conn->bc.irm_owned &&
	    (idle || err)) {
		err = fwcmp_irm_free(u, conn->bc.gen, conn->bc.channel,
				     conn->bc.bandwidth, &freed);
		if (err < 0 && err != -ENODEV && err != -EAGAIN)
			fwcmp_plug_err(u, p->dir, p->index,
				       "channel %d not returned to the IRM: %d\n",
				       conn->bc.channel, err);
	}
	fwcmp_bcast_free(u, conn);
	return 0;
}

int fwcmp_xconn_break(struct fwcmp_unit *u, struct fwcmp_conn *conn,
		      bool force)
{
	lockdep_assert_held(&u->lock);
	return fwcmp_bcast_break(u, conn, force);
}

/* Removal and module unload: break every broadcast connection. */
void fwcmp_xconn_break_all(struct fwcmp_unit *u, u32 reason)
{
	unsigned int dir, i;
	int generation, node_id;

	lockdep_assert_held(&u->lock);
	fwcmp_current_gen(u, &generation, &node_id);
	for (dir = 0; dir < FWCMP_DIRS; dir++) {
		for (i = 0; i < FWCMP_MAX_PLUGS; i++) {
			struct fwcmp_conn *conn = u->plugs[dir][i].bcast;

			if (!conn)
				continue;
			fwcmp_bcast_event(u, conn, FWCMP_EVENT_CONN_LOST,
					  reason, generation);
			fwcmp_bcast_break(u, conn, true);
		}
	}
}

/* ---- restore after a bus reset ---- */

/*
 * The device keeps the broadcast bit over a reset (IEC 61883-1 9.4). One
 * that lost it anyway (a power cycle) gets it back when the plug is free.
 */
static int fwcmp_bcast_restore_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
				      void *data)
{
	struct fwcmp_conn *conn = data;

	if (!fwcmp_pcr_online_get(cur))
		return -ECONNREFUSED;
	if (fwcmp_pcr_in_use(cur) || p->nconn) {
		if (fwcmp_pcr_channel_get(cur) != conn->bc.channel)
			return -EBUSY;
		*next = cur | FWCMP_PCR_BCAST_MASK;
		return 0;
	}
	*next = fwcmp_pcr_channel_set(cur | FWCMP_PCR_BCAST_MASK,
				      conn->bc.channel);
	return 0;
}

static u32 fwcmp_xconn_lost_reason(int err)
{
	switch (err) {
	case -ECONNREFUSED:
		return FWCMP_LOST_PLUG_OFFLINE;
	case -EBUSY:
		return FWCMP_LOST_PLUG_BUSY;
	default:
		return FWCMP_LOST_TRANSACTION;
	}
}

/* Returns 0 (restored or lost) or -EAGAIN (generation went stale). */
static int fwcmp_bcast_restore(struct fwcmp_unit *u, struct fwcmp_conn *conn,
			       int generation, int node_id)
{
	struct fwcmp_plug *p = conn->plug;
	u32 reason = FWCMP_LOST_TRANSACTION;
	unsigned int freed;
	int ret, err;

	if (conn->bc.irm_owned) {
		ret = fwcmp_irm_alloc(u, generation, 1ULL << conn->bc.channel,
				      conn->bc.bandwidth, &reason);
		if (ret == -EAGAIN)
			return -EAGAIN;
		if (ret < 0) {
			fwcmp_plug_err(u, p->dir, p->index,
				       "broadcast channel %d or %u bandwidth units not restored: %d\n",
				       conn->bc.channel, conn->bc.bandwidth,
				       ret);
			if (ret != -ENOSPC)
				reason = FWCMP_LOST_TRANSACTION;
			/* Not ours at the IRM any more: break it on the device. */
			conn->bc.irm_owned = false;
			goto lost;
		}
	}
	err = fwcmp_pcr_modify(u, p, generation, node_id,
			       fwcmp_bcast_restore_modify, conn, NULL, NULL);
	if (err == -EAGAIN)
		return -EAGAIN;
	if (err) {
		if (conn->bc.irm_owned)
			fwcmp_irm_free(u, generation, conn->bc.channel,
				       conn->bc.bandwidth, &freed);
		conn->bc.irm_owned = false;
		fwcmp_plug_err(u, p->dir, p->index,
			       "broadcast connection not restored: %d\n", err);
		reason = fwcmp_xconn_lost_reason(err);
		fwcmp_bcast_event(u, conn, FWCMP_EVENT_CONN_LOST, reason,
				  generation);
		fwcmp_bcast_free(u, conn);
		return 0;
	}
	conn->bc.gen = generation;
	fwcmp_bcast_event(u, conn, FWCMP_EVENT_CONN_RESTORED, 0, generation);
	return 0;

lost:
	fwcmp_bcast_event(u, conn, FWCMP_EVENT_CONN_LOST, reason, generation);
	conn->bc.gen = generation;
	/* Best effort: the device must not stream on a channel we lost. */
	fwcmp_bcast_break(u, conn, true);
	return 0;
}

/* After fwcmp_restore_unit(): restore every pending broadcast connection. */
void fwcmp_xconn_restore_unit(struct fwcmp_unit *u)
{
	unsigned int dir, i, tries;
	int generation, node_id;
	bool pending;

	lockdep_assert_held(&u->lock);
	for (tries = 0; tries < FWCMP_RESET_RETRIES; tries++) {
		fwcmp_current_gen(u, &generation, &node_id);
		if (!fwcmp_card_gen_is(u, generation))
			return;	/* not updated yet: the next .update queues us */
		pending = false;
		for (dir = 0; dir < FWCMP_DIRS; dir++) {
			for (i = 0; i < FWCMP_MAX_PLUGS; i++) {
				struct fwcmp_conn *conn = u->plugs[dir][i].bcast;

				if (!conn || conn->bc.gen == generation)
					continue;
				if (fwcmp_bcast_restore(u, conn, generation,
							node_id) == -EAGAIN)
					pending = true;
			}
		}
		if (!pending)
			return;
	}
}

/* ---- third-party connections ---- */

/*
 * A third-party connection (the computer only the controller, a camcorder's
 * oPCR to a deck's iPCR) is two p2p connections of cmp-conn.c: one in the
 * oPCR set of unit A, which holds the channel and bandwidth and whose handle
 * is the one the user sees, and one in the iPCR set of unit B, which joins
 * that channel and never takes or returns IRM resources (irm_elsewhere) and
 * reports no events (silent). Each unit restores its own side after a bus
 * reset as it restores any p2p connection. struct fwcmp_xpair links them.
 *
 * Lock order: no path holds two unit locks. When one side goes (disconnect,
 * close, lost, CLEAR_PLUG, removal), fwcmp_conn_free() unlinks it under its
 * own unit's lock and the pair's work item breaks the other side later,
 * under the other unit's lock alone. The pair's spinlock nests inside a
 * unit lock and guards @a and @b; a side's record is freed only under its
 * unit's lock, so a pointer read under both is valid.
 */
struct fwcmp_xpair {
	struct kref kref;	/* the connect in progress, each side, the work */
	spinlock_t lock;
	struct work_struct work;
	struct fwcmp_unit *ua, *ub;	/* device references held */
	struct fwcmp_conn *a, *b;	/* NULL once that side is gone */
};

/* Work items queued and not finished, for fwcmp_xpair_flush(). */
static atomic_t fwcmp_xpair_pending = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(fwcmp_xpair_wait);

static void fwcmp_xpair_release(struct kref *kref)
{
	struct fwcmp_xpair *pair = container_of(kref, struct fwcmp_xpair, kref);

	put_device(&pair->ua->dev);
	put_device(&pair->ub->dev);
	kfree(pair);
}

/* The oPCR side goes because the iPCR side went: its one CONN_LOST. */
static void fwcmp_xpair_lost_event(struct fwcmp_unit *u,
				   struct fwcmp_conn *conn)
{
	int generation, node_id;
	struct fwcmp_event e = {
		.type = FWCMP_EVENT_CONN_LOST,
		.handle = conn->handle,
		.reason = FWCMP_LOST_PEER,
		.direction = conn->plug->dir,
		.index = conn->plug->index,
		.channel = conn->plug->channel < 0 ? 0 : conn->plug->channel,
	};

	fwcmp_current_gen(u, &generation, &node_id);
	e.generation = generation;
	if (conn->persistent)
		fwcmp_broadcast_event(u, &e);
	else if (conn->owner)
		fwcmp_queue_event(conn->owner, &e);
	/* Reported now: a restore failing on the way must not say it again. */
	conn->silent = true;
}

static void fwcmp_xpair_work(struct work_struct *work)
{
	struct fwcmp_xpair *pair = container_of(work, struct fwcmp_xpair,
						work);
	struct fwcmp_conn *conn;
	struct fwcmp_unit *u;
	bool side_a;

	spin_lock(&pair->lock);
	side_a = pair->a;
	spin_unlock(&pair->lock);
	u = side_a ? pair->ua : pair->ub;

	fwcmp_unit_lock(u);
	spin_lock(&pair->lock);
	conn = side_a ? pair->a : pair->b;
	spin_unlock(&pair->lock);
	/* After removal every record of the unit is gone already. */
	if (conn && !u->removed) {
		if (side_a)
			fwcmp_xpair_lost_event(u, conn);
		fwcmp_conn_break(u, conn, true);
	}
	mutex_unlock(&u->lock);

	kref_put(&pair->kref, fwcmp_xpair_release);
	if (atomic_dec_and_test(&fwcmp_xpair_pending))
		wake_up_all(&fwcmp_xpair_wait);
}

/* From fwcmp_conn_free(), under @u's lock: @conn's side is gone. */
void fwcmp_xpair_unlink(struct fwcmp_unit *u, struct fwcmp_conn *conn)
{
	struct fwcmp_xpair *pair = conn->pair;
	bool other;

	lockdep_assert_held(&u->lock);
	spin_lock(&pair->lock);
	if (pair->a == conn)
		pair->a = NULL;
	else
		pair->b = NULL;
	other = pair->a || pair->b;
	spin_unlock(&pair->lock);
	conn->pair = NULL;

	if (other) {
		kref_get(&pair->kref);
		atomic_inc(&fwcmp_xpair_pending);
		fwcmp_queue_work(&pair->work);
	}
	kref_put(&pair->kref, fwcmp_xpair_release);
}

/*
 * Wait until the other sides of the pairs broken so far are broken too, so
 * that DISCONNECT returns with both plugs and the IRM as they will stay.
 * Called without any unit lock.
 */
void fwcmp_xpair_flush(void)
{
	wait_event(fwcmp_xpair_wait, !atomic_read(&fwcmp_xpair_pending));
}

/*
 * Link the side with @handle on @u to @pair. Fails when the connection was
 * lost meanwhile (a bus reset whose restore failed), or, for side b, when
 * side a was.
 */
static bool fwcmp_xpair_link(struct fwcmp_xpair *pair, struct fwcmp_unit *u,
			     u32 handle, unsigned int dir, unsigned int index,
			     bool side_a)
{
	struct fwcmp_conn *conn;
	bool linked = false;

	fwcmp_unit_lock(u);
	conn = u->removed ? NULL : xa_load(&u->handles, handle);
	if (conn && conn->kind == FWCMP_CONN_P2P && !conn->pair &&
	    conn->plug == &u->plugs[dir][index]) {
		spin_lock(&pair->lock);
		if (side_a || pair->a) {
			if (side_a) {
				pair->a = conn;
			} else {
				pair->b = conn;
				conn->silent = true;
			}
			conn->pair = pair;
			kref_get(&pair->kref);
			linked = true;
		}
		spin_unlock(&pair->lock);
	}
	mutex_unlock(&u->lock);
	return linked;
}

int fwcmp_3p_connect(struct fwcmp_client *client, struct fwcmp_connect *arg)
{
	struct fwcmp_connect a = *arg, b = { 0 };
	struct fwcmp_client *peer;
	struct fwcmp_xpair *pair;
	struct file *file;
	int err;

	if (arg->flags & ~(FWCMP_CONNECT_OVERLAY | FWCMP_CONNECT_PERSISTENT |
			   FWCMP_CONNECT_THIRD_PARTY))
		return -EINVAL;
	if (arg->direction != FWCMP_DIR_OUTPUT)
		return -EINVAL;

	file = fget(arg->peer_fd);
	if (!file)
		return -EBADF;
	if (file->f_op != &fwcmp_fops) {
		err = -EINVAL;
		goto out_put;
	}
	/* The peer's descriptor must be allowed to change its unit's plugs. */
	if (!(file->f_mode & FMODE_WRITE)) {
		err = -EBADF;
		goto out_put;
	}
	peer = file->private_data;

	pair = kzalloc(sizeof(*pair), GFP_KERNEL);
	if (!pair) {
		err = -ENOMEM;
		goto out_put;
	}
	kref_init(&pair->kref);
	spin_lock_init(&pair->lock);
	INIT_WORK(&pair->work, fwcmp_xpair_work);
	pair->ua = client->u;
	pair->ub = peer->u;
	get_device(&pair->ua->dev);
	get_device(&pair->ub->dev);

	/* The oPCR side, as any p2p connection: it holds the resources. */
	a.flags &= ~FWCMP_CONNECT_THIRD_PARTY;
	a.peer_fd = 0;
	a.peer_index = 0;
	err = fwcmp_connect(client, &a);
	if (err)
		goto out_pair;

	/* The iPCR side joins its channel; one lock at a time. */
	b.direction = FWCMP_DIR_INPUT;
	b.index = arg->peer_index;
	b.flags = a.flags;
	b.channel = a.channel;
	b.speed = arg->speed;
	b.payload = arg->payload;
	err = fwcmp_connect_mode(peer, &b, true);
	if (err) {
		fwcmp_disconnect(client, a.handle, true);
		goto out_pair;
	}

	if (!fwcmp_xpair_link(pair, pair->ua, a.handle, FWCMP_DIR_OUTPUT,
			      a.index, true)) {
		fwcmp_disconnect(peer, b.handle, true);
		err = -EAGAIN;
		goto out_pair;
	}
	if (!fwcmp_xpair_link(pair, pair->ub, b.handle, FWCMP_DIR_INPUT,
			      b.index, false)) {
		/* Side a went meanwhile, or b did: break what is left. */
		fwcmp_disconnect(client, a.handle, true);
		fwcmp_disconnect(peer, b.handle, true);
		fwcmp_xpair_flush();
		err = -EAGAIN;
		goto out_pair;
	}

	arg->handle = a.handle;
	arg->channel = a.channel;
	arg->bandwidth = a.bandwidth;
	arg->pcr = a.pcr;
	arg->generation = a.generation;
	err = 0;
out_pair:
	kref_put(&pair->kref, fwcmp_xpair_release);
out_put:
	fput(file);
	return err;
}
