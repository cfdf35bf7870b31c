// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-pcr.c - plug register transactions: quadlet reads and the compare-swap loop.
 *
 * Every change of a plug register is a lock compare-swap (IEEE 1394 extended
 * tcode 2) pinned to one bus generation (IEC 61883-1 9.2): we lock against
 * the value we believe the register has and, when the compare fails, decide
 * again from the value the lock returned. Nothing is read just to find out
 * what to compare against when a value from this generation is known.
 */

#include <linux/firewire.h>
#include <linux/firewire-constants.h>
#include <linux/errno.h>

#include "cmp.h"

/* Attempts when the node answers busy: the request was not executed. */
#define FWCMP_BUSY_RETRIES		3
/* Compare failures tolerated before giving up on a contended plug. */
#define FWCMP_CONTENTION_RETRIES	8
/* Lock timeouts and send errors tolerated (each one checked by a read). */
#define FWCMP_TIMEOUT_RETRIES		2
/*
 * Internal only: the request may not have left the controller (a send
 * error: no ack, or no memory for the packet). Like a timeout its outcome
 * is unknown, so it is checked and retried; callers see -EIO.
 */
#define FWCMP_ESEND			ECOMM

int fwcmp_rcode_to_errno(int rcode)
{
	switch (rcode) {
	case RCODE_COMPLETE:
		return 0;
	case RCODE_GENERATION:
		return -EAGAIN;
	case RCODE_CANCELLED:
	case RCODE_NO_ACK:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

static u64 fwcmp_pcr_offset(const struct fwcmp_plug *p)
{
	return FWCMP_CSR_REGISTER_BASE + (p->dir == FWCMP_DIR_OUTPUT ?
		FWCMP_CSR_OPCR(p->index) : FWCMP_CSR_IPCR(p->index));
}

/* One transaction, repeated while the node answers busy. */
static int fwcmp_transaction(struct fwcmp_unit *u, int tcode, int generation,
			     int node_id, u64 offset, void *buf, size_t len)
{
	struct fw_device *device = fwcmp_fw_device(u);
	int rcode, tries;

	for (tries = 0; tries < FWCMP_BUSY_RETRIES; tries++) {
		rcode = fw_run_transaction(device->card, tcode, node_id,
					   generation, device->max_speed,
					   offset, buf, len);
		if (rcode != RCODE_BUSY)
			break;
	}
	if (rcode == RCODE_SEND_ERROR)
		return -FWCMP_ESEND;
	return fwcmp_rcode_to_errno(rcode);
}

/* Outcome unknown: the request may or may not have been executed. */
static bool fwcmp_outcome_unknown(int err)
{
	return err == -ETIMEDOUT || err == -FWCMP_ESEND;
}

static int fwcmp_user_errno(int err)
{
	return err == -FWCMP_ESEND ? -EIO : err;
}

int fwcmp_read_quadlet(struct fwcmp_unit *u, int generation, int node_id,
		       u64 offset, u32 *value)
{
	__be32 data;
	int err, tries;

	/* Reads have no side effect: a timeout may simply be retried. */
	for (tries = 0; tries <= FWCMP_TIMEOUT_RETRIES; tries++) {
		err = fwcmp_transaction(u, TCODE_READ_QUADLET_REQUEST,
					generation, node_id, offset, &data, 4);
		if (!fwcmp_outcome_unknown(err))
			break;
	}
	if (!err)
		*value = be32_to_cpu(data);
	return fwcmp_user_errno(err);
}

int fwcmp_pcr_read(struct fwcmp_unit *u, struct fwcmp_plug *p, int generation,
		   int node_id, u32 *value)
{
	int err;

	err = fwcmp_read_quadlet(u, generation, node_id, fwcmp_pcr_offset(p),
				 value);
	if (!err) {
		p->pcr = *value;
		p->pcr_gen = generation;
	}
	return err;
}

/*
 * Change the plug register with @modify, pinned to @generation. Caller holds
 * u->lock. Returns 0 with the value before and after the change, -EAGAIN
 * when the generation is stale or the plug stays contended, -ETIMEDOUT,
 * -EIO, or the errno @modify chose (checked against a value read in this
 * generation, never against a guess), or the positive value it returned.
 */
int fwcmp_pcr_modify(struct fwcmp_unit *u, struct fwcmp_plug *p, int generation,
		     int node_id, fwcmp_pcr_modify_t modify, void *ctx,
		     u32 *old_out, u32 *new_out)
{
	unsigned int contention = 0, timeouts = 0;
	/*
	 * Even a value from this generation is only a guess to fail on: the
	 * device changes its plugs by itself (on-line, a mode switch), and
	 * a plug that came on-line must not stay refused until a bus reset.
	 * A guess that leads to a lock costs nothing: a wrong one fails the
	 * compare and returns the truth.
	 */
	bool verified = false;
	u32 cur, next, seen;
	__be32 buf[2];
	int err;

	lockdep_assert_held(&u->lock);

	if (p->pcr_gen == generation)
		cur = p->pcr;
	else if (p->pcr_gen >= 0)
		/* A bus reset clears p2p counters (IEC 61883-1 9.4). */
		cur = fwcmp_pcr_p2p_set(p->pcr, 0);
	else
		cur = FWCMP_PCR_ONLINE_MASK;

	for (;;) {
		next = cur;
		err = modify(p, cur, &next, ctx);
		/*
		 * A positive answer is no refusal but "come back with the IRM
		 * resources" (FWCMP_NEED_IRM): on a value of this generation
		 * that is worth no read, since the lock will tell us if the
		 * guess was wrong, and reading would cost every connect a
		 * round trip.
		 */
		if (err > 0 && !verified && p->pcr_gen == generation)
			return err;
		if ((err || next == cur) && !verified) {
			/* Do not fail or skip on a guess: learn the value. */
			err = fwcmp_pcr_read(u, p, generation, node_id, &cur);
			if (err)
				return err;
			verified = true;
			continue;
		}
		if (err)
			return err;
		if (next == cur)
			break;

		buf[0] = cpu_to_be32(cur);
		buf[1] = cpu_to_be32(next);
		err = fwcmp_transaction(u, TCODE_LOCK_COMPARE_SWAP, generation,
					node_id, fwcmp_pcr_offset(p), buf, 8);
		if (fwcmp_outcome_unknown(err)) {
			/*
			 * The lock may or may not have been executed. Find
			 * out before trying again, so that a counter is never
			 * changed twice. A close() that gave up here would
			 * leave our share of the p2p counter behind.
			 */
			p->pcr_gen = -1;
			if (++timeouts > FWCMP_TIMEOUT_RETRIES)
				return fwcmp_user_errno(err);
			err = fwcmp_pcr_read(u, p, generation, node_id, &seen);
			if (err)
				return err;
			if (seen == next)
				break;
			cur = seen;
			verified = true;
			continue;
		}
		if (err) {
			p->pcr_gen = -1;
			return err;
		}
		seen = be32_to_cpu(buf[0]);
		if (seen == cur)
			break;

		/* Another controller changed the plug in between. */
		if (++contention > FWCMP_CONTENTION_RETRIES) {
			p->pcr = seen;
			p->pcr_gen = generation;
			return -EAGAIN;
		}
		cur = seen;
		verified = true;
	}

	p->pcr = next;
	p->pcr_gen = generation;
	if (old_out)
		*old_out = cur;
	if (new_out)
		*new_out = next;
	return 0;
}
