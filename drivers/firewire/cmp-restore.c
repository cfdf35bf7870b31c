// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-restore.c - restore every connection of a card after a bus reset, in
 * a handful of round trips.
 *
 * IEC 61883-1 9.4 gives the owners of connections one second after a bus
 * reset to take their channels and bandwidth again at the IRM and to set
 * their p2p counters again. Doing that one connection after another costs
 * three round trips per connection (channel, bandwidth, plug); a full bus
 * of 60 connections needs tens of milliseconds on a real bus, and more on a
 * slow one. None of those transactions depends on another, so the batch
 * here sends:
 *
 *   1. one compare-swap of CHANNELS_AVAILABLE_HI, one of _LO and one of
 *      BANDWIDTH_AVAILABLE for all connections of the card at once, all
 *      three in flight together;
 *   2. then the compare-swap of every plug, all in flight together, each
 *      against the value IEC 61883-1 says the device has after a reset.
 *
 * Whatever does not go as expected (another controller took a channel, a
 * device kept its counter, a timeout, a failed allocation) is settled
 * afterwards by the careful per-plug path, fwcmp_restore_unit(), which
 * reads before it decides: the batch is only ever a faster way to the same
 * result, never a different one.
 *
 * Locking: fwcmp_units_mutex keeps the unit list and serialises batches;
 * it is taken before any unit lock. A unit's lock is held only while its
 * plugs are collected and while the results are applied; in between the
 * unit is marked @restoring, and fwcmp_unit_lock() waits for that to end
 * so that nothing else changes those plugs meanwhile. .remove unlinks the
 * unit under fwcmp_units_mutex, so no batch uses a unit that is removed.
 */

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/firewire.h>
#include <linux/firewire-constants.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "cmp.h"

/* Compare failures at the IRM before the batch leaves it to each plug. */
#define FWCMP_BATCH_IRM_TRIES	3

static LIST_HEAD(fwcmp_units);
static DEFINE_MUTEX(fwcmp_units_mutex);
static DECLARE_WAIT_QUEUE_HEAD(fwcmp_restore_wq);

static void fwcmp_restore_batch(struct work_struct *work);
static DECLARE_WORK(fwcmp_restore_work, fwcmp_restore_batch);

/* One lock request of the batch, in flight without any lock held. */
struct fwcmp_batch_req {
	struct fw_transaction t;
	struct fwcmp_batch *batch;
	__be32 data[2];		/* arg, new value; the old value comes back */
	int rcode;
	u32 old;
};

struct fwcmp_batch_plug {
	struct fwcmp_unit *u;
	struct fwcmp_plug *p;
	int node_id;
	bool irm;		/* channel + bandwidth go in the batch */
	bool send;		/* the plug lock goes in the batch */
	u32 cur, next;
	struct fwcmp_batch_req req;
};

struct fwcmp_batch {
	/* The requests hold timers: never on the stack (debugobjects). */
	struct fwcmp_batch_req irm[3];
	atomic_t pending;
	struct completion done;
	struct fw_card *card;
	int generation;
	unsigned int nplugs;
	struct fwcmp_batch_plug plugs[];
};

void fwcmp_unit_lock(struct fwcmp_unit *u)
{
	mutex_lock(&u->lock);
	while (u->restoring) {
		mutex_unlock(&u->lock);
		wait_event(fwcmp_restore_wq, !READ_ONCE(u->restoring));
		mutex_lock(&u->lock);
	}
}

void fwcmp_restore_add_unit(struct fwcmp_unit *u)
{
	mutex_lock(&fwcmp_units_mutex);
	list_add_tail(&u->restore_node, &fwcmp_units);
	mutex_unlock(&fwcmp_units_mutex);
}

/* Waits for a batch that uses the unit; called without the unit lock. */
void fwcmp_restore_del_unit(struct fwcmp_unit *u)
{
	mutex_lock(&fwcmp_units_mutex);
	list_del(&u->restore_node);
	mutex_unlock(&fwcmp_units_mutex);
}

void fwcmp_restore_queue(void)
{
	queue_work(fwcmp_wq, &fwcmp_restore_work);
}

void fwcmp_restore_exit(void)
{
	cancel_work_sync(&fwcmp_restore_work);
}

static void fwcmp_batch_done(struct fw_card *card, int rcode, void *payload,
			     size_t length, void *data)
{
	struct fwcmp_batch_req *req = data;

	req->rcode = rcode;
	if (rcode == RCODE_COMPLETE && length >= 4)
		req->old = be32_to_cpup(payload);
	if (atomic_dec_and_test(&req->batch->pending))
		complete(&req->batch->done);
}

/* Put a compare-swap on the bus; fwcmp_batch_wait() collects the answers. */
static void fwcmp_batch_lock(struct fwcmp_batch *b, struct fwcmp_batch_req *req,
			     int node_id, int speed, u64 offset, u32 old, u32 new)
{
	req->batch = b;
	req->rcode = RCODE_SEND_ERROR;
	req->data[0] = cpu_to_be32(old);
	req->data[1] = cpu_to_be32(new);
	atomic_inc(&b->pending);
	fw_send_request(b->card, &req->t, TCODE_LOCK_COMPARE_SWAP, node_id,
			b->generation, speed, offset, req->data, 8,
			fwcmp_batch_done, req);
}

static void fwcmp_batch_start(struct fwcmp_batch *b)
{
	atomic_set(&b->pending, 1);
	reinit_completion(&b->done);
}

static void fwcmp_batch_wait(struct fwcmp_batch *b)
{
	if (!atomic_dec_and_test(&b->pending))
		wait_for_completion(&b->done);
}

/*
 * Take the channels and bandwidth of every batched plug with one
 * compare-swap per register, all in flight together, guessing that the IRM
 * is as the bus reset left it. A wrong guess costs one round trip more. A
 * channel somebody else took meanwhile, or too little bandwidth, gives
 * back what the batch took and leaves every plug to the per-plug path,
 * which finds out which connection cannot be restored.
 */
static bool fwcmp_batch_irm(struct fwcmp_batch *b, int irm_id)
{
	static const u64 regs[3] = {
		CSR_REGISTER_BASE + CSR_CHANNELS_AVAILABLE_HI,
		CSR_REGISTER_BASE + CSR_CHANNELS_AVAILABLE_LO,
		CSR_REGISTER_BASE + CSR_BANDWIDTH_AVAILABLE,
	};
	struct fwcmp_batch_req *req = b->irm;
	u32 want[3] = { 0, 0, 0 }, old[3], new[3];
	bool taken[3] = { false, false, false };
	bool unsure[3] = { false, false, false };
	unsigned int i, r, tries;
	u64 channels = 0;

	for (i = 0; i < b->nplugs; i++) {
		struct fwcmp_batch_plug *bp = &b->plugs[i];

		if (!bp->irm)
			continue;
		channels |= BIT_ULL(bp->p->channel);
		want[2] += bp->p->bandwidth;
	}
	/* CHANNELS_AVAILABLE: the most significant bit of _HI is channel 0. */
	for (i = 0; i < 32; i++) {
		if (channels & BIT_ULL(i))
			want[0] |= BIT(31 - i);
		if (channels & BIT_ULL(32 + i))
			want[1] |= BIT(31 - i);
	}

	old[0] = ~0U;
	old[1] = ~0U;
	old[2] = FWCMP_BANDWIDTH_AVAILABLE_INITIAL;
	for (tries = 0; tries < FWCMP_BATCH_IRM_TRIES; tries++) {
		bool done = true;

		/* Decide everything first: nothing is sent for a lost cause. */
		for (r = 0; r < 3; r++) {
			if (taken[r] || !want[r])
				continue;
			if (r < 2 ? (old[r] & want[r]) != want[r] :
			    old[r] < want[r] ||
			    old[r] > FWCMP_BANDWIDTH_AVAILABLE_INITIAL)
				break;
			new[r] = r < 2 ? old[r] & ~want[r] : old[r] - want[r];
		}
		if (r < 3)
			break;		/* taken by others, or too little */
		fwcmp_batch_start(b);
		for (r = 0; r < 3; r++)
			if (!taken[r] && want[r])
				fwcmp_batch_lock(b, &req[r], irm_id, SCODE_100,
						 regs[r], old[r], new[r]);
		fwcmp_batch_wait(b);

		for (r = 0; r < 3; r++) {
			if (taken[r] || !want[r])
				continue;
			if (req[r].rcode == RCODE_COMPLETE &&
			    (req[r].old == old[r] ||
			     (unsure[r] && req[r].old == new[r]))) {
				/* Ours, now or by the lock whose answer was lost. */
				taken[r] = true;
				continue;
			}
			done = false;
			if (req[r].rcode == RCODE_COMPLETE) {
				old[r] = req[r].old;
				unsure[r] = false;
			} else if (req[r].rcode == RCODE_GENERATION) {
				/* The reset has freed whatever was taken. */
				tries = FWCMP_BATCH_IRM_TRIES;
			} else {
				/*
				 * Maybe executed (a timeout): the same lock
				 * again tells, returning our value if it was.
				 */
				unsure[r] = true;
			}
		}
		if (done)
			return true;
	}

	fwcmp_irm_give_back(b->card, irm_id, b->generation,
			    (taken[0] ? channels & 0xffffffffULL : 0) |
			    (taken[1] ? channels & ~0xffffffffULL : 0),
			    taken[2] ? want[2] : 0);
	return false;
}

/* Collect the unit's pending plugs into @b; caller holds u->lock. */
static void fwcmp_batch_collect(struct fwcmp_batch *b, unsigned int max,
				struct fwcmp_unit *u)
{
	unsigned int dir, i;
	int generation, node_id;

	fwcmp_current_gen(u, &generation, &node_id);
	for (dir = 0; dir < FWCMP_DIRS; dir++) {
		for (i = 0; i < FWCMP_MAX_PLUGS && b->nplugs < max; i++) {
			struct fwcmp_plug *p = &u->plugs[dir][i];
			struct fwcmp_batch_plug *bp;
			u32 cur, next;

			if (!p->nconn || p->gen == generation)
				continue;
			if (!fwcmp_restore_guess(u, p, &cur, &next))
				continue;
			bp = &b->plugs[b->nplugs++];
			bp->u = u;
			bp->p = p;
			bp->node_id = node_id;
			bp->irm = p->irm_owned && p->irm_gen != generation;
			bp->send = false;
			bp->cur = cur;
			bp->next = next;
			u->restoring = true;
		}
	}
}

static unsigned int fwcmp_pending_plugs(struct fwcmp_unit *u, int generation)
{
	unsigned int dir, i, n = 0;

	for (dir = 0; dir < FWCMP_DIRS; dir++)
		for (i = 0; i < FWCMP_MAX_PLUGS; i++)
			if (u->plugs[dir][i].nconn &&
			    u->plugs[dir][i].gen != generation)
				n++;
	return n;
}

/*
 * Apply the batch's results to one unit (none when @b is NULL), then
 * restore what is left one plug after another.
 */
static void fwcmp_batch_finish(struct fwcmp_batch *b, struct fwcmp_unit *u,
			       bool irm_ok)
{
	unsigned int i;

	mutex_lock(&u->lock);
	for (i = 0; b && i < b->nplugs; i++) {
		struct fwcmp_batch_plug *bp = &b->plugs[i];
		struct fwcmp_plug *p = bp->p;

		if (bp->u != u)
			continue;
		if (bp->irm && irm_ok)
			p->irm_gen = b->generation;
		if (!bp->send)
			continue;
		if (bp->req.rcode == RCODE_COMPLETE) {
			/* What the plug really holds, right guess or not. */
			p->pcr = bp->req.old == bp->cur ? bp->next : bp->req.old;
			p->pcr_gen = b->generation;
			if (bp->req.old == bp->cur)
				fwcmp_plug_restored(u, p, b->generation,
						    bp->next);
		} else if (bp->req.rcode != RCODE_GENERATION) {
			/* Maybe executed: the per-plug path reads first. */
			p->pcr_gen = -1;
		}
	}
	u->restoring = false;
	if (!u->removed) {
		fwcmp_read_mprs(u);
		fwcmp_restore_unit(u);
		/* Broadcast connections (cmp-xconn.c), after the p2p sets. */
		fwcmp_xconn_restore_unit(u);
	}
	mutex_unlock(&u->lock);
}

/* Restore the units of @todo that are on @card; they go back to the list. */
static void fwcmp_restore_card(struct fw_card *card, struct list_head *todo)
{
	struct fwcmp_batch *b = NULL;
	struct fwcmp_unit *u, *tmp;
	unsigned int max = 0, i;
	int irm_id = -1, gen, node_id;
	bool irm_ok = false;

	list_for_each_entry(u, todo, restore_node) {
		if (fwcmp_card(u) != card)
			continue;
		mutex_lock(&u->lock);
		if (!u->removed) {
			fwcmp_current_gen(u, &gen, &node_id);
			max += fwcmp_pending_plugs(u, gen);
		}
		mutex_unlock(&u->lock);
	}
	/* Without memory every plug simply goes the per-plug way. */
	if (max)
		b = kzalloc(struct_size(b, plugs, max), GFP_KERNEL);
	if (b) {
		init_completion(&b->done);
		b->card = card;
		spin_lock_irq(&card->lock);
		b->generation = card->generation;
		spin_unlock_irq(&card->lock);

		list_for_each_entry(u, todo, restore_node) {
			if (fwcmp_card(u) != card)
				continue;
			mutex_lock(&u->lock);
			fwcmp_current_gen(u, &gen, &node_id);
			/* A unit not updated yet is queued again by .update. */
			if (!u->removed && gen == b->generation &&
			    fwcmp_card_gen_is(u, gen)) {
				fwcmp_batch_collect(b, max, u);
				if (irm_id < 0)
					irm_id = fwcmp_irm_node_id(u);
			}
			mutex_unlock(&u->lock);
		}
	}

	if (b && b->nplugs && irm_id >= 0) {
		irm_ok = fwcmp_batch_irm(b, irm_id);
		fwcmp_batch_start(b);
		for (i = 0; i < b->nplugs; i++) {
			struct fwcmp_batch_plug *bp = &b->plugs[i];
			struct fwcmp_plug *p = bp->p;

			/* Without its channel a plug must not be set. */
			if (bp->irm && !irm_ok)
				continue;
			bp->send = true;
			fwcmp_batch_lock(b, &bp->req, bp->node_id,
					 fwcmp_fw_device(bp->u)->max_speed,
					 FWCMP_CSR_REGISTER_BASE +
					 (p->dir == FWCMP_DIR_OUTPUT ?
					  FWCMP_CSR_OPCR(p->index) :
					  FWCMP_CSR_IPCR(p->index)),
					 bp->cur, bp->next);
		}
		fwcmp_batch_wait(b);
	}

	list_for_each_entry_safe(u, tmp, todo, restore_node) {
		if (fwcmp_card(u) != card)
			continue;
		fwcmp_batch_finish(b, u, irm_ok);
		list_move_tail(&u->restore_node, &fwcmp_units);
	}
	wake_up_all(&fwcmp_restore_wq);
	kfree(b);
}

static void fwcmp_restore_batch(struct work_struct *work)
{
	LIST_HEAD(todo);

	mutex_lock(&fwcmp_units_mutex);
	list_splice_init(&fwcmp_units, &todo);
	while (!list_empty(&todo)) {
		struct fwcmp_unit *u = list_first_entry(&todo, struct fwcmp_unit,
							restore_node);

		fwcmp_restore_card(fwcmp_card(u), &todo);
	}
	mutex_unlock(&fwcmp_units_mutex);
}
