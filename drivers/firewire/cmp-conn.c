// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-conn.c - connections: connect, disconnect, clear, restore after bus reset.
 *
 * IEC 61883-1 clause 9 (connection management procedures). A connection
 * takes channel and bandwidth at the IRM unless it joins one that already
 * exists on the plug, then increments the plug's p2p counter; breaking it
 * decrements the counter and, for the plug's last connection, returns the
 * channel and bandwidth. After a bus reset the owner of a connection has one
 * second to take the same resources again and to set the counter again.
 *
 * Everything here runs under the unit lock, which serialises the
 * transaction sequences of one unit. After a bus reset cmp-restore.c
 * restores the connections of every unit of a card in one batch; what the
 * batch could not settle is restored here, one plug after another.
 */

#include <linux/delay.h>
#include <linux/firewire.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "cmp.h"

/* restore result: the plug's connections were lost and freed. */
#define FWCMP_SET_LOST		2

void fwcmp_plugs_init(struct fwcmp_unit *u)
{
	unsigned int dir, i;

	for (dir = 0; dir < FWCMP_DIRS; dir++) {
		for (i = 0; i < FWCMP_MAX_PLUGS; i++) {
			struct fwcmp_plug *p = &u->plugs[dir][i];

			p->dir = dir;
			p->index = i;
			INIT_LIST_HEAD(&p->conns);
			p->channel = -1;
			p->gen = -1;
			p->irm_gen = -1;
			p->pcr_gen = -1;
		}
	}
}

static void fwcmp_plug_reset(struct fwcmp_plug *p)
{
	p->nconn = 0;
	p->irm_owned = false;
	p->channel = -1;
	p->bandwidth = 0;
	p->gen = -1;
	p->irm_gen = -1;
	p->p2p_total = 0;
	p->prior_valid = false;
	p->irm_elsewhere = false;
}

static void fwcmp_conn_event(struct fwcmp_unit *u, struct fwcmp_conn *conn,
			     u32 type, u32 reason, int generation)
{
	struct fwcmp_event e = {
		.type = type,
		.generation = generation,
		.handle = conn->handle,
		.reason = reason,
		.direction = conn->plug->dir,
		.index = conn->plug->index,
		.channel = conn->plug->channel < 0 ? 0 : conn->plug->channel,
	};

	/* A third-party connection reports through its oPCR side only. */
	if (conn->silent)
		return;
	if (conn->persistent)
		fwcmp_broadcast_event(u, &e);
	else if (conn->owner)
		fwcmp_queue_event(conn->owner, &e);
}

/* Forget one connection record: handle, lists, memory. */
static void fwcmp_conn_free(struct fwcmp_unit *u, struct fwcmp_conn *conn)
{
	xa_erase(&u->handles, conn->handle);
	list_del(&conn->plug_node);
	if (conn->owner)
		list_del(&conn->client_node);
	conn->plug->nconn--;
	/* The other side of a third-party connection goes too (cmp-xconn.c). */
	if (conn->pair)
		fwcmp_xpair_unlink(u, conn);
	kfree(conn);
}

/* Report every connection of the plug lost and drop them; IRM handled by caller. */
static void fwcmp_plug_lost(struct fwcmp_unit *u, struct fwcmp_plug *p,
			    u32 reason, int generation)
{
	struct fwcmp_conn *conn, *tmp;

	list_for_each_entry_safe(conn, tmp, &p->conns, plug_node) {
		fwcmp_conn_event(u, conn, FWCMP_EVENT_CONN_LOST, reason,
				 generation);
		fwcmp_conn_free(u, conn);
	}
	fwcmp_plug_reset(p);
}

/* The value a fresh connection of the set writes to a free plug. */
static u32 fwcmp_plug_fresh_value(struct fwcmp_plug *p, u32 cur,
				  unsigned int p2p, unsigned int overhead_id)
{
	u32 next = cur & ~(FWCMP_PCR_BCAST_MASK | FWCMP_PCR_P2P_MASK |
			   FWCMP_PCR_CHANNEL_MASK);

	next = fwcmp_pcr_p2p_set(next, p2p);
	next = fwcmp_pcr_channel_set(next, p->channel);
	if (p->dir == FWCMP_DIR_OUTPUT) {
		next = fwcmp_opcr_speed_set(next, p->speed);
		next = fwcmp_opcr_overhead_set(next, overhead_id);
		next = fwcmp_opcr_payload_quadlets_set(next, p->payload);
	}
	return next;
}

static u32 fwcmp_lost_reason(int err)
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

struct fwcmp_restore_ctx {
	unsigned int overhead_id;
};

/* Restore with the overhead ID we wrote before, as we hold it. */
static unsigned int fwcmp_restore_overhead_id(struct fwcmp_unit *u,
					      struct fwcmp_plug *p)
{
	return p->dir == FWCMP_DIR_OUTPUT && p->pcr_gen != -1 ?
		fwcmp_opcr_overhead_get(p->pcr) :
		fwcmp_bandwidth_overhead_id(u);
}

/*
 * Set our share of the p2p counter again after a bus reset. The device has
 * cleared it (IEC 61883-1 9.4), or, for some devices, kept it: when the
 * counter is still at least what our last lock left, we take it as kept
 * and do not count ourselves twice.
 */
static int fwcmp_restore_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
				void *data)
{
	struct fwcmp_restore_ctx *ctx = data;
	unsigned int p2p = fwcmp_pcr_p2p_get(cur);

	if (!fwcmp_pcr_online_get(cur))
		return -ECONNREFUSED;
	if (!fwcmp_pcr_in_use(cur)) {
		*next = fwcmp_plug_fresh_value(p, cur, p->nconn,
					       ctx->overhead_id);
		return 0;
	}
	if (fwcmp_pcr_channel_get(cur) != p->channel)
		return -EBUSY;
	if (p2p >= p->p2p_total) {
		*next = cur;
		return 0;
	}
	if (p2p + p->nconn > FWCMP_PCR_P2P_MAX)
		return -EBUSY;
	*next = fwcmp_pcr_p2p_set(cur, p2p + p->nconn);
	return 0;
}

/* The plug's connections hold again in @generation, with @pcr on the device. */
void fwcmp_plug_restored(struct fwcmp_unit *u, struct fwcmp_plug *p,
			 int generation, u32 pcr)
{
	struct fwcmp_conn *conn;

	lockdep_assert_held(&u->lock);
	p->gen = generation;
	p->p2p_total = fwcmp_pcr_p2p_get(pcr);
	list_for_each_entry(conn, &p->conns, plug_node)
		fwcmp_conn_event(u, conn, FWCMP_EVENT_CONN_RESTORED, 0,
				 generation);
}

/*
 * The compare-swap that restores the plug's connections if the device did
 * what IEC 61883-1 says at the reset (cleared p2p, kept the rest), for the
 * batch to send without reading first. False when no guess is safe: the
 * plug then goes the careful way, fwcmp_restore_plug().
 */
bool fwcmp_restore_guess(struct fwcmp_unit *u, struct fwcmp_plug *p,
			 u32 *cur, u32 *next)
{
	struct fwcmp_restore_ctx ctx = {
		.overhead_id = fwcmp_restore_overhead_id(u, p),
	};

	if (p->pcr_gen < 0)
		return false;
	*cur = fwcmp_pcr_p2p_set(p->pcr, 0);
	if (fwcmp_restore_modify(p, *cur, next, &ctx))
		return false;
	return *next != *cur;
}

/*
 * Restore the plug's connections in @generation. Returns 0 (restored),
 * -EAGAIN (generation stale or plug contended: still pending), or
 * FWCMP_SET_LOST (reported lost, records freed, nothing left at the IRM).
 */
static int fwcmp_restore_plug(struct fwcmp_unit *u, struct fwcmp_plug *p,
			      int generation, int node_id)
{
	struct fwcmp_restore_ctx ctx;
	unsigned int freed;
	u32 reason = FWCMP_LOST_TRANSACTION, pcr;
	int ret, err;

	lockdep_assert_held(&u->lock);

	/* The batch of cmp-restore.c may have taken them already. */
	if (p->irm_owned && p->irm_gen != generation) {
		ret = fwcmp_irm_alloc(u, generation, 1ULL << p->channel,
				      p->bandwidth, &reason);
		if (ret == -EAGAIN)
			return -EAGAIN;
		if (ret < 0) {
			fwcmp_plug_err(u, p->dir, p->index,
				       "channel %d or %u bandwidth units not restored: %d\n",
				       p->channel, p->bandwidth, ret);
			if (ret != -ENOSPC)
				reason = FWCMP_LOST_TRANSACTION;
			goto lost;
		}
		p->irm_gen = generation;
	}

	ctx.overhead_id = fwcmp_restore_overhead_id(u, p);
	err = fwcmp_pcr_modify(u, p, generation, node_id, fwcmp_restore_modify,
			       &ctx, NULL, &pcr);
	if (err == -EAGAIN) {
		/* A new generation: the IRM dropped what we took just now. */
		return -EAGAIN;
	}
	if (err) {
		if (p->irm_owned)
			fwcmp_irm_free(u, generation, p->channel, p->bandwidth,
				       &freed);
		fwcmp_plug_err(u, p->dir, p->index,
			       "connection not restored: %d\n", err);
		reason = fwcmp_lost_reason(err);
		goto lost;
	}

	fwcmp_plug_restored(u, p, generation, pcr);
	return 0;

lost:
	fwcmp_plug_lost(u, p, reason, generation);
	return FWCMP_SET_LOST;
}

bool fwcmp_card_gen_is(struct fwcmp_unit *u, int generation)
{
	struct fw_card *card = fwcmp_card(u);
	bool same;

	spin_lock_irq(&card->lock);
	same = card->generation == generation;
	spin_unlock_irq(&card->lock);
	return same;
}

/*
 * An operation in @generation got -EAGAIN (a bus reset, or contention):
 * whether to try again, at most FWCMP_RESET_RETRIES times. While the node's
 * generation lags the card's (its device is being updated after the reset,
 * or it is gone) a pause first, rather than spending the retries at once.
 */
bool fwcmp_retry_after_reset(struct fwcmp_unit *u, int generation,
			     unsigned int *tries)
{
	if (++*tries > FWCMP_RESET_RETRIES)
		return false;
	if (!fwcmp_card_gen_is(u, generation))
		msleep(20);
	return true;
}

/* Restore every pending plug of the unit. Caller holds u->lock. */
void fwcmp_restore_unit(struct fwcmp_unit *u)
{
	unsigned int dir, i, tries;
	int generation, node_id, ret;
	bool pending;

	for (tries = 0; tries < FWCMP_RESET_RETRIES; tries++) {
		fwcmp_current_gen(u, &generation, &node_id);
		if (!fwcmp_card_gen_is(u, generation))
			return;	/* the node is gone or not updated yet */

		pending = false;
		for (dir = 0; dir < FWCMP_DIRS; dir++) {
			for (i = 0; i < FWCMP_MAX_PLUGS; i++) {
				struct fwcmp_plug *p = &u->plugs[dir][i];

				if (!p->nconn || p->gen == generation)
					continue;
				ret = fwcmp_restore_plug(u, p, generation,
							 node_id);
				if (ret == -EAGAIN)
					pending = true;
			}
		}
		if (!pending)
			return;
		fwcmp_current_gen(u, &ret, &node_id);
		if (ret != generation)
			return;	/* the next .update queues us again */
	}

	/* Contention that would not end: give up rather than leave it half. */
	for (dir = 0; dir < FWCMP_DIRS; dir++) {
		for (i = 0; i < FWCMP_MAX_PLUGS; i++) {
			struct fwcmp_plug *p = &u->plugs[dir][i];
			unsigned int freed;

			if (!p->nconn || p->gen == generation)
				continue;
			if (p->irm_owned)
				fwcmp_irm_free(u, generation, p->channel,
					       p->bandwidth, &freed);
			fwcmp_plug_lost(u, p, FWCMP_LOST_PLUG_BUSY, generation);
		}
	}
}

/* Called from .update with u->lock held. */
void fwcmp_bus_reset(struct fwcmp_unit *u)
{
	struct fwcmp_event e = { .type = FWCMP_EVENT_BUS_RESET };
	int generation, node_id, irm;

	fwcmp_current_gen(u, &generation, &node_id);
	u->generation = generation;
	irm = fwcmp_irm_node_id(u);
	e.generation = generation;
	e.node_id = node_id;
	e.irm_node_id = irm < 0 ? 0 : irm;
	fwcmp_broadcast_event(u, &e);
}

/* ---- connect ---- */

struct fwcmp_connect_ctx {
	u32 flags;
	struct fwcmp_plug *p;
	struct fwcmp_irm_claim irm;
	bool join;		/* decided to join the plug's connection */
	bool no_irm;		/* third-party iPCR: join the oPCR's resources */
};

static int fwcmp_connect_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
				void *data)
{
	struct fwcmp_connect_ctx *c = data;
	unsigned int p2p = fwcmp_pcr_p2p_get(cur);
	int ch = fwcmp_pcr_channel_get(cur);

	if (!fwcmp_pcr_online_get(cur))
		return -ECONNREFUSED;

	if (fwcmp_pcr_in_use(cur) || p->nconn) {
		if (!(c->flags & FWCMP_CONNECT_OVERLAY))
			return -EBUSY;
		if (c->irm.want_channel >= 0 && ch != c->irm.want_channel)
			return -EBUSY;
		if (p->nconn && ch != p->channel)
			return -EBUSY;
		if (p2p >= FWCMP_PCR_P2P_MAX)
			return -EBUSY;
		c->join = true;
		*next = fwcmp_pcr_p2p_set(cur, p2p + 1);
		return 0;
	}

	c->join = false;
	if (c->no_irm) {
		/* The channel is the third-party oPCR's, taken there. */
		c->join = true;
		p->channel = c->irm.want_channel;
		*next = fwcmp_plug_fresh_value(p, cur, 1, c->irm.overhead_id);
		return 0;
	}
	if (!c->irm.held)
		return FWCMP_NEED_IRM;
	/* fwcmp_plug_fresh_value() reads the set's fields: use ours. */
	p->channel = c->irm.channel;
	*next = fwcmp_plug_fresh_value(p, cur, 1, c->irm.overhead_id);
	return 0;
}

static int fwcmp_check_plug(struct fwcmp_unit *u, u32 dir, u32 index)
{
	if (dir >= FWCMP_DIRS)
		return -EINVAL;
	if (index >= fwcmp_plug_count(u, dir))
		return -EINVAL;
	return 0;
}

void fwcmp_irm_claim_release(struct fwcmp_unit *u, struct fwcmp_irm_claim *irm)
{
	unsigned int freed;

	if (irm->held)
		fwcmp_irm_free(u, irm->gen, irm->channel, irm->bandwidth,
			       &freed);
	irm->held = false;
}

/*
 * A claim from an older generation: the reset freed it, and as the owner
 * of a connection being made we take the same channel again at once, in
 * the second IEC 61883-1 9.4 reserves for owners. 0, -EAGAIN or -errno.
 */
int fwcmp_irm_claim_renew(struct fwcmp_unit *u, struct fwcmp_irm_claim *irm,
			  int generation)
{
	u32 reason;
	int ret;

	if (!irm->held || irm->gen == generation)
		return 0;
	irm->held = false;
	ret = fwcmp_irm_alloc(u, generation, 1ULL << irm->channel,
			      irm->bandwidth, &reason);
	if (ret < 0)
		return ret;
	irm->held = true;
	irm->gen = generation;
	return 0;
}

/*
 * The loop every CONNECT runs: @pass decides and locks the plug; when it
 * needs channel and bandwidth first, they are taken here (after the
 * reset delay of IEC 61883-1 9.4, waited out without the unit lock), and
 * a bus reset or contention means another pass. Bounded: EAGAIN after
 * FWCMP_RESET_RETRIES resets, or as many reset delays (a bus that keeps
 * resetting moves the deadline each time). Called with u->lock held; it
 * may be dropped and taken again. Returns 0 or -errno, with the
 * generation the plug was set in.
 */
int fwcmp_connect_run(struct fwcmp_unit *u, struct fwcmp_irm_claim *irm,
		      fwcmp_connect_pass_t pass, void *ctx, int *generation,
		      u32 *old, u32 *new)
{
	unsigned int resets = 0, waits = 0;
	int node_id, err, ret;
	u32 reason;

	for (;;) {
		fwcmp_current_gen(u, generation, &node_id);
		err = pass(u, *generation, node_id, ctx, old, new);
		if (err == FWCMP_NEED_IRM && !fwcmp_irm_reset_delay_over(u)) {
			u64 deadline = fwcmp_irm_reset_deadline(u);

			if (++waits > FWCMP_RESET_RETRIES)
				return -EAGAIN;
			mutex_unlock(&u->lock);
			err = fwcmp_irm_wait_until(deadline);
			fwcmp_unit_lock(u);
			if (err)
				return err;
			if (u->removed)
				return -ENODEV;
			continue;
		}
		if (err == FWCMP_NEED_IRM) {
			irm->bandwidth = fwcmp_stream_bandwidth(irm->payload,
								irm->speed,
								irm->overhead_id);
			ret = fwcmp_irm_alloc(u, *generation,
					      irm->want_channel < 0 ? ~0ULL :
					      1ULL << irm->want_channel,
					      irm->bandwidth, &reason);
			if (ret >= 0) {
				irm->held = true;
				irm->channel = ret;
				irm->gen = *generation;
				continue;
			}
			err = ret;
		}
		if (err != -EAGAIN)
			return err;
		if (u->removed)
			return -ENODEV;
		if (!fwcmp_retry_after_reset(u, *generation, &resets))
			return -EAGAIN;
	}
}

/* One pass of a p2p CONNECT (fwcmp_connect_pass_t). */
static int fwcmp_connect_pass(struct fwcmp_unit *u, int generation,
			      int node_id, void *data, u32 *old, u32 *new)
{
	struct fwcmp_connect_ctx *c = data;
	struct fwcmp_plug *p = c->p;
	unsigned int saved_speed, saved_payload;
	int saved_channel, err;

	/* Our connections on the plug come back before a new one is made. */
	if (p->nconn && p->gen != generation &&
	    fwcmp_restore_plug(u, p, generation, node_id) == -EAGAIN)
		return -EAGAIN;
	err = fwcmp_irm_claim_renew(u, &c->irm, generation);
	if (err)
		return err;

	c->irm.overhead_id = fwcmp_bandwidth_overhead_id(u);
	/* modify writes p->channel for a fresh set; undone on failure. */
	saved_channel = p->channel;
	saved_speed = p->speed;
	saved_payload = p->payload;
	if (!p->nconn) {
		p->speed = c->irm.speed;
		p->payload = c->irm.payload;
	}
	err = fwcmp_pcr_modify(u, p, generation, node_id,
			       fwcmp_connect_modify, c, old, new);
	if (err) {
		p->channel = saved_channel;
		p->speed = saved_speed;
		p->payload = saved_payload;
	}
	return err;
}

/*
 * The fields every CONNECT but a third-party one checks alike: reserved
 * words zero, no peer (FWCMP_CONNECT_THIRD_PARTY only), a channel, speed
 * and payload in range.
 */
bool fwcmp_connect_args_valid(const struct fwcmp_connect *arg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arg->reserved); i++)
		if (arg->reserved[i])
			return false;
	if (arg->peer_fd || arg->peer_index)
		return false;
	if (arg->channel != FWCMP_ANY_CHANNEL &&
	    arg->channel > FWCMP_MAX_CHANNEL)
		return false;
	return arg->speed <= FWCMP_SPEED_S3200 && arg->payload &&
	       arg->payload <= fwcmp_max_payload(arg->speed);
}

int fwcmp_connect(struct fwcmp_client *client, struct fwcmp_connect *arg)
{
	return fwcmp_connect_mode(client, arg, false);
}

/* @no_irm: the iPCR side of a third-party connection (cmp-xconn.c). */
int fwcmp_connect_mode(struct fwcmp_client *client, struct fwcmp_connect *arg,
		       bool no_irm)
{
	struct fwcmp_unit *u = client->u;
	struct fwcmp_connect_ctx c = { .flags = arg->flags, .no_irm = no_irm };
	struct fwcmp_conn *conn;
	struct fwcmp_plug *p;
	unsigned int max_speed;
	int generation, err;
	u32 old, new, id;

	if (arg->flags & ~(FWCMP_CONNECT_OVERLAY | FWCMP_CONNECT_PERSISTENT))
		return -EINVAL;
	if (!fwcmp_connect_args_valid(arg))
		return -EINVAL;
	c.irm.want_channel = arg->channel == FWCMP_ANY_CHANNEL ? -1 :
			     arg->channel;
	c.irm.speed = arg->speed;
	c.irm.payload = arg->payload;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;

	fwcmp_unit_lock(u);
	if (u->removed) {
		err = -ENODEV;
		goto out_unlock;
	}
	err = fwcmp_check_plug(u, arg->direction, arg->index);
	if (err)
		goto out_unlock;
	max_speed = fwcmp_mpr_speed(u->mpr[arg->direction]);
	if (arg->speed > max_speed) {
		err = -EINVAL;
		goto out_unlock;
	}
	err = xa_alloc_cyclic(&u->handles, &id, NULL, XA_LIMIT(1, INT_MAX),
			      &u->next_handle, GFP_KERNEL);
	if (err < 0)
		goto out_unlock;

	p = &u->plugs[arg->direction][arg->index];
	c.p = p;
	err = fwcmp_connect_run(u, &c.irm, fwcmp_connect_pass, &c, &generation,
				&old, &new);
	if (err)
		goto out_release;

	if (c.join) {
		/* The channel and bandwidth are the existing connection's. */
		fwcmp_irm_claim_release(u, &c.irm);
		if (!p->nconn) {
			p->irm_owned = false;
			p->channel = fwcmp_pcr_channel_get(new);
			if (p->dir == FWCMP_DIR_OUTPUT) {
				p->speed = fwcmp_opcr_speed(new);
				p->payload = fwcmp_opcr_payload_quadlets(new);
				p->bandwidth = fwcmp_opcr_bandwidth(new);
			} else {
				p->speed = arg->speed;
				p->payload = arg->payload;
				p->bandwidth = c.irm.bandwidth ?
					c.irm.bandwidth :
					fwcmp_stream_bandwidth(arg->payload,
							       arg->speed,
							       c.irm.overhead_id);
			}
			p->gen = generation;
			/*
			 * An iPCR in broadcast-in listens to a channel the
			 * broadcasting oPCR's owner holds, not the plug's
			 * connections: breaking ours last returns nothing.
			 */
			p->irm_elsewhere = c.no_irm ||
				(p->dir == FWCMP_DIR_INPUT &&
				 fwcmp_pcr_bcast_get(old));
		}
		arg->bandwidth = 0;
	} else {
		p->irm_owned = true;
		p->irm_gen = generation;
		p->channel = c.irm.channel;
		p->bandwidth = c.irm.bandwidth;
		p->speed = arg->speed;
		p->payload = arg->payload;
		p->gen = generation;
		p->prior = old;
		p->prior_valid = true;
		arg->bandwidth = c.irm.bandwidth;
	}
	p->p2p_total = fwcmp_pcr_p2p_get(new);

	conn->handle = id;
	conn->plug = p;
	conn->persistent = !!(arg->flags & FWCMP_CONNECT_PERSISTENT);
	conn->owner = client;
	list_add_tail(&conn->plug_node, &p->conns);
	list_add_tail(&conn->client_node, &client->conns);
	p->nconn++;
	/* The slot is reserved, so this store allocates nothing. */
	xa_store(&u->handles, id, conn, GFP_KERNEL);

	arg->handle = id;
	arg->channel = p->channel;
	arg->pcr = new;
	arg->generation = generation;
	mutex_unlock(&u->lock);
	return 0;

out_release:
	fwcmp_irm_claim_release(u, &c.irm);
	xa_erase(&u->handles, id);
	if (err != -EBUSY && err != -ECONNREFUSED && err != -ERESTARTSYS)
		fwcmp_plug_err(u, arg->direction, arg->index,
			       "connect failed: %d\n", err);
out_unlock:
	mutex_unlock(&u->lock);
	kfree(conn);
	return err;
}

/* ---- disconnect ---- */

struct fwcmp_break_ctx {
	unsigned int count;
	bool last;		/* breaking the set's last connections */
};

/* Fields a connection sets; the rest of a PCR is the device's. */
#define FWCMP_PCR_CONN_FIELDS	(FWCMP_PCR_CHANNEL_MASK |		\
				 FWCMP_OPCR_XSPEED_MASK |		\
				 FWCMP_OPCR_RATE_MASK |			\
				 FWCMP_OPCR_OVERHEAD_MASK |		\
				 FWCMP_OPCR_PAYLOAD_MASK)

static int fwcmp_break_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
			      void *data)
{
	struct fwcmp_break_ctx *b = data;
	unsigned int p2p = fwcmp_pcr_p2p_get(cur);

	/* Nothing of ours is left there (cleared, or taken by others). */
	if (!p2p || fwcmp_pcr_channel_get(cur) != p->channel) {
		*next = cur;
		return 0;
	}
	*next = fwcmp_pcr_p2p_set(cur, p2p > b->count ? p2p - b->count : 0);
	/*
	 * When we set the plug up from idle and the plug is idle again, put
	 * back the fields we changed: connect then disconnect leaves the
	 * register exactly as it was.
	 */
	if (b->last && p->prior_valid && !fwcmp_pcr_in_use(*next)) {
		u32 mask = p->dir == FWCMP_DIR_OUTPUT ? FWCMP_PCR_CONN_FIELDS :
			   FWCMP_PCR_CHANNEL_MASK;

		*next = (*next & ~mask) | (p->prior & mask);
	}
	return 0;
}

/*
 * Break @count of the plug's connections on the device. With @force the
 * records go even when the device cannot be told (close, removal). Returns
 * 0 when the connections are gone (the records freed by the caller), or an
 * errno with nothing changed (only without @force), or FWCMP_SET_LOST when a
 * pending restore failed and freed the whole set already.
 */
static int fwcmp_plug_break(struct fwcmp_unit *u, struct fwcmp_plug *p,
			    unsigned int count, bool force, bool *release)
{
	struct fwcmp_break_ctx b = {
		.count = count,
		.last = p->nconn == count,
	};
	unsigned int resets = 0;
	int generation, node_id, err = 0;
	u32 pcr = 0;

	for (;;) {
		fwcmp_current_gen(u, &generation, &node_id);
		if (p->gen != generation && u->dying) {
			/* The device cleared its counter at the reset. */
			err = -ENODEV;
			break;
		}
		if (p->gen != generation) {
			err = fwcmp_restore_plug(u, p, generation, node_id);
			if (err == FWCMP_SET_LOST)
				return FWCMP_SET_LOST;
		}
		if (p->gen == generation) {
			err = fwcmp_pcr_modify(u, p, generation, node_id,
					       fwcmp_break_modify, &b, NULL,
					       &pcr);
		}
		if (err != -EAGAIN || u->dying ||
		    !fwcmp_retry_after_reset(u, generation, &resets))
			break;
	}

	if (err && !force)
		return err;
	if (err && !u->dying)
		fwcmp_plug_err(u, p->dir, p->index,
			       "p2p counter not decremented: %d\n", err);

	/*
	 * IEC 61883-1 9.3: whoever breaks the plug's last connection returns
	 * the channel and bandwidth. When the device could not be asked, the
	 * resources we took ourselves go back anyway.
	 */
	if (p->nconn != count || p->irm_elsewhere)
		*release = false;
	else if (err)
		*release = p->irm_owned;
	else if (fwcmp_pcr_in_use(pcr))
		/*
		 * Still in use: by others on our channel, who now hold the
		 * resources, or by others who rewrote the channel (libiec61883
		 * given a plug index does), and then ours serve nobody.
		 */
		*release = p->irm_owned &&
			   fwcmp_pcr_channel_get(pcr) != p->channel;
	else
		*release = true;
	if (!err)
		p->p2p_total = fwcmp_pcr_p2p_get(pcr);
	return 0;
}

static void fwcmp_plug_release_irm(struct fwcmp_unit *u, struct fwcmp_plug *p)
{
	unsigned int freed;
	int ret;

	if (p->channel < 0)
		return;
	/*
	 * The bandwidth goes back only with the channel. When the IRM does
	 * not have the channel allocated (we joined a connection whose owner
	 * did not allocate again after a bus reset, or another controller
	 * cleared the plug and freed it), nobody holds the bandwidth either,
	 * and returning it would raise BANDWIDTH_AVAILABLE above the truth.
	 */
	ret = fwcmp_irm_free(u, p->gen, p->channel, 0, &freed);
	if (ret >= 0 && p->bandwidth)
		fwcmp_irm_free(u, p->gen, -1, p->bandwidth, &freed);
	if (ret < 0 && ret != -ENODEV)
		fwcmp_plug_err(u, p->dir, p->index,
			       "channel %d not returned to the IRM: %d\n",
			       p->channel, ret);
}

int fwcmp_conn_break(struct fwcmp_unit *u, struct fwcmp_conn *conn,
		     bool force)
{
	struct fwcmp_plug *p = conn->plug;
	bool release = false;
	int err;

	if (conn->kind != FWCMP_CONN_P2P)
		return fwcmp_xconn_break(u, conn, force);

	err = fwcmp_plug_break(u, p, 1, force, &release);
	if (err == FWCMP_SET_LOST)
		return 0;
	if (err)
		return err;
	if (release)
		fwcmp_plug_release_irm(u, p);
	fwcmp_conn_free(u, conn);
	if (!p->nconn) {
		/* Our broadcast connection keeps the plug in use: it owns now. */
		if (!release)
			fwcmp_bcast_adopt(p);
		fwcmp_plug_reset(p);
	}
	return 0;
}

int fwcmp_disconnect(struct fwcmp_client *client, u32 handle, bool force)
{
	struct fwcmp_unit *u = client->u;
	struct fwcmp_conn *conn;
	int err;

	if (!handle)
		return -EINVAL;

	fwcmp_unit_lock(u);
	if (u->removed) {
		err = -ENODEV;
		goto out;
	}
	conn = xa_load(&u->handles, handle);
	if (!conn || (!conn->persistent && conn->owner != client)) {
		err = -EINVAL;
		goto out;
	}
	err = fwcmp_conn_break(u, conn, force);
out:
	mutex_unlock(&u->lock);
	return err;
}

/* close(): break the descriptor's own connections, orphan persistent ones. */
void fwcmp_client_break_all(struct fwcmp_client *client)
{
	struct fwcmp_unit *u = client->u;
	struct fwcmp_conn *conn, *tmp;

	fwcmp_unit_lock(u);
	list_for_each_entry_safe(conn, tmp, &client->conns, client_node) {
		if (conn->persistent) {
			list_del(&conn->client_node);
			conn->owner = NULL;
		}
	}
	/*
	 * Take the first entry each time: a restore on the way may free
	 * every connection of a plug, not only the one being broken.
	 */
	while (!list_empty(&client->conns)) {
		conn = list_first_entry(&client->conns, struct fwcmp_conn,
					client_node);
		fwcmp_conn_break(u, conn, true);
	}
	list_del(&client->unit_node);
	mutex_unlock(&u->lock);
}

/* Removal and module unload: break everything, persistent included. */
void fwcmp_break_all(struct fwcmp_unit *u, u32 reason)
{
	unsigned int dir, i;
	int generation, node_id;

	lockdep_assert_held(&u->lock);
	/* Broadcast first: the p2p sets then return what is left (9.3). */
	fwcmp_xconn_break_all(u, reason);
	fwcmp_current_gen(u, &generation, &node_id);

	for (dir = 0; dir < FWCMP_DIRS; dir++) {
		for (i = 0; i < FWCMP_MAX_PLUGS; i++) {
			struct fwcmp_plug *p = &u->plugs[dir][i];
			bool release = false;

			if (!p->nconn)
				continue;
			if (fwcmp_plug_break(u, p, p->nconn, true,
					     &release) == FWCMP_SET_LOST)
				continue;
			if (release)
				fwcmp_plug_release_irm(u, p);
			fwcmp_plug_lost(u, p, reason, generation);
		}
	}
}

/* ---- clear ---- */

static int fwcmp_clear_modify(struct fwcmp_plug *p, u32 cur, u32 *next,
			      void *data)
{
	*next = fwcmp_pcr_p2p_set(cur, 0);
	return 0;
}

int fwcmp_clear_plug(struct fwcmp_client *client, struct fwcmp_clear_plug *arg)
{
	struct fwcmp_unit *u = client->u;
	struct fwcmp_plug *p;
	unsigned int resets = 0, i, bandwidth, freed = 0;
	int generation, node_id, err, ch;
	u32 old, new;

	if (arg->flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(arg->reserved); i++)
		if (arg->reserved[i])
			return -EINVAL;
	if (arg->direction == FWCMP_DIR_OUTPUT && arg->bandwidth)
		return -EINVAL;
	if (arg->bandwidth > FWCMP_BANDWIDTH_AVAILABLE_INITIAL)
		return -EINVAL;

	fwcmp_unit_lock(u);
	if (u->removed) {
		err = -ENODEV;
		goto out;
	}
	err = fwcmp_check_plug(u, arg->direction, arg->index);
	if (err)
		goto out;
	p = &u->plugs[arg->direction][arg->index];

	for (;;) {
		fwcmp_current_gen(u, &generation, &node_id);
		err = fwcmp_pcr_modify(u, p, generation, node_id,
				       fwcmp_clear_modify, NULL, &old, &new);
		if (err != -EAGAIN ||
		    !fwcmp_retry_after_reset(u, generation, &resets))
			break;
	}
	if (err)
		goto out;

	arg->channel = FWCMP_ANY_CHANNEL;
	/* A third-party iPCR's resources are its oPCR side's to return. */
	if (fwcmp_pcr_p2p_get(old) && !fwcmp_pcr_bcast_get(old) &&
	    !(p->nconn && p->irm_elsewhere)) {
		ch = fwcmp_pcr_channel_get(old);
		if (p->nconn && p->channel == ch && p->gen == generation)
			bandwidth = p->bandwidth;
		else if (arg->direction == FWCMP_DIR_OUTPUT)
			bandwidth = fwcmp_opcr_bandwidth(old);
		else
			bandwidth = arg->bandwidth;
		/*
		 * Return the bandwidth only when the IRM had the channel: a
		 * bus reset since may have freed both, and giving back what
		 * nobody holds would corrupt BANDWIDTH_AVAILABLE.
		 */
		ch = fwcmp_irm_free(u, generation, ch, 0, &freed);
		if (ch >= 0) {
			arg->channel = ch;
			if (bandwidth)
				fwcmp_irm_free(u, generation, -1, bandwidth,
					       &freed);
		}
	}
	arg->bandwidth = freed;
	arg->old_value = old;
	arg->new_value = new;
	arg->generation = generation;

	/* The broadcast bit kept the channel: our broadcast connection owns it. */
	if (p->nconn && fwcmp_pcr_bcast_get(old))
		fwcmp_bcast_adopt(p);
	if (p->nconn)
		fwcmp_plug_lost(u, p, FWCMP_LOST_CLEARED, generation);
	fwcmp_plug_err(u, p->dir, p->index,
		       "cleared by CLEAR_PLUG: %08x -> %08x\n", old, new);
out:
	mutex_unlock(&u->lock);
	return err;
}
