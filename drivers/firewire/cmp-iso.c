// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-iso.c - channel and bandwidth at the isochronous resource manager.
 *
 * We run the compare-swap loops on the IRM's CHANNELS_AVAILABLE and
 * BANDWIDTH_AVAILABLE registers ourselves rather than through
 * firewire-core's fw_iso_resource_manage(), for two reasons:
 *
 *  - A lock whose response is lost (split timeout, send error, no ack) may
 *    have been executed. fw_iso_resource_manage() then sends the same
 *    compare-swap again, and when the IRM answers with our own new value
 *    it takes that as somebody else's change and allocates (or frees) a
 *    second time: bandwidth leaks, or is given back twice, and a channel
 *    it took is reported busy and leaks. Here the same compare-swap sent
 *    again tells: if the IRM answers with our new value, the first one was
 *    executed and the resource is ours.
 *  - It always guesses the IRM's reset values, so every deallocation costs
 *    a failed compare-swap first. We guess from the last value the IRM
 *    answered in this generation (struct fwcmp_irm_seen), which is right
 *    unless another controller changed the register since.
 *
 * The channel and the bandwidth are asked for in two steps so that a
 * failure says which of the two was missing; the channel is given back
 * when the bandwidth is refused.
 */

#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/firewire.h>
#include <linux/firewire-constants.h>
#include <linux/jiffies.h>
#include <linux/spinlock.h>

#include "cmp.h"

#define FWCMP_SELF_ID_EXTENDED		BIT(23)
#define FWCMP_SELF_ID_LINK_ON		BIT(22)
#define FWCMP_SELF_ID_CONTENDER		BIT(11)

/*
 * The card's topology is gone once firewire-core destroyed its nodes on
 * card removal; card->irm_node must not be followed then.
 */
static bool fwcmp_card_alive(struct fw_card *card)
{
	bool alive;

	spin_lock_irq(&card->lock);
	alive = card->local_node && card->irm_node;
	spin_unlock_irq(&card->lock);
	return alive;
}

/*
 * The IRM is the highest-numbered node whose self-ID has the link active and
 * the contender bit set (IEEE 1394-2008 8.4.2.4). struct fw_node is private
 * to firewire-core, so we read the self-IDs from the card's topology map
 * (IEEE 1394-2008 8.3.2.4.1: length, generation, node and self-ID counts,
 * then the self-ID quadlets in ascending PHY ID order).
 */
int fwcmp_irm_node_id(struct fwcmp_unit *u)
{
	struct fw_card *card = fwcmp_card(u);
	unsigned int count, i;
	int phy_id = -1, node_id;
	u32 q;

	spin_lock_irq(&card->lock);
	count = be32_to_cpu(card->topology_map[2]) & 0xffff;
	for (i = 0; i < count && 3 + i < ARRAY_SIZE(card->topology_map); i++) {
		q = be32_to_cpu(card->topology_map[3 + i]);
		if ((q >> 30) != 2 || (q & FWCMP_SELF_ID_EXTENDED))
			continue;
		if ((q & FWCMP_SELF_ID_LINK_ON) && (q & FWCMP_SELF_ID_CONTENDER))
			phy_id = (q >> 24) & 0x3f;
	}
	node_id = card->node_id;
	spin_unlock_irq(&card->lock);

	return phy_id < 0 ? -1 : (node_id & 0xffc0) | phy_id;
}

/* Overhead ID for the current gap count (see fwcmp_overhead_units()). */
unsigned int fwcmp_bandwidth_overhead_id(struct fwcmp_unit *u)
{
	struct fw_card *card = fwcmp_card(u);
	int gap_count;

	spin_lock_irq(&card->lock);
	gap_count = card->gap_count;
	spin_unlock_irq(&card->lock);
	return fwcmp_overhead_id(fwcmp_overhead_units(gap_count));
}

/* IRM registers, in the order of fwcmp_irm_offsets[]. */
enum {
	FWCMP_IRM_CH_HI,
	FWCMP_IRM_CH_LO,
	FWCMP_IRM_BW,
	FWCMP_IRM_REGS,
};

static const u64 fwcmp_irm_offsets[FWCMP_IRM_REGS] = {
	[FWCMP_IRM_CH_HI] = CSR_REGISTER_BASE + CSR_CHANNELS_AVAILABLE_HI,
	[FWCMP_IRM_CH_LO] = CSR_REGISTER_BASE + CSR_CHANNELS_AVAILABLE_LO,
	[FWCMP_IRM_BW] = CSR_REGISTER_BASE + CSR_BANDWIDTH_AVAILABLE,
};

/*
 * Compare failures (another controller changed the register in between) and
 * unanswered locks before giving up with -EIO; firewire-core allows 5.
 */
#define FWCMP_IRM_TRIES		5

enum fwcmp_irm_op {
	FWCMP_IRM_ALLOC_CHANNEL,	/* @arg: the register bits acceptable */
	FWCMP_IRM_FREE_CHANNEL,		/* @arg: the register bit */
	FWCMP_IRM_ALLOC_BANDWIDTH,	/* @arg: units */
	FWCMP_IRM_FREE_BANDWIDTH,
};

struct fwcmp_irm_ctx {
	struct fw_card *card;
	int irm_id;
	int generation;
};

/*
 * The values the IRM last answered (@valid: a bit per register), for one
 * card and generation: the guess for the next compare-swap, so that giving
 * back what we took costs one lock unless another controller came in
 * between. One entry serves the usual single card; with several, a wrong
 * guess costs one round trip. @card is compared, never followed.
 */
static struct {
	spinlock_t lock;	/* protects the rest; taken alone */
	struct fw_card *card;
	int generation;
	unsigned int valid;
	u32 val[FWCMP_IRM_REGS];
} fwcmp_irm_seen = {
	.lock = __SPIN_LOCK_UNLOCKED(fwcmp_irm_seen.lock),
};

static u32 fwcmp_irm_guess(struct fwcmp_irm_ctx *x, unsigned int reg, u32 dflt)
{
	u32 v = dflt;

	spin_lock(&fwcmp_irm_seen.lock);
	if (fwcmp_irm_seen.card == x->card &&
	    fwcmp_irm_seen.generation == x->generation &&
	    (fwcmp_irm_seen.valid & BIT(reg)))
		v = fwcmp_irm_seen.val[reg];
	spin_unlock(&fwcmp_irm_seen.lock);
	return v;
}

static void fwcmp_irm_saw(struct fwcmp_irm_ctx *x, unsigned int reg, u32 v)
{
	spin_lock(&fwcmp_irm_seen.lock);
	if (fwcmp_irm_seen.card != x->card ||
	    fwcmp_irm_seen.generation != x->generation) {
		fwcmp_irm_seen.card = x->card;
		fwcmp_irm_seen.generation = x->generation;
		fwcmp_irm_seen.valid = 0;
	}
	fwcmp_irm_seen.val[reg] = v;
	fwcmp_irm_seen.valid |= BIT(reg);
	spin_unlock(&fwcmp_irm_seen.lock);
}

/*
 * The value @op makes of @old, or -EBUSY when it cannot apply: no
 * acceptable channel free, too little bandwidth, a channel not allocated,
 * or more bandwidth given back than exists (IEEE 1394-2008 8.3.2.3.7-8).
 */
static int fwcmp_irm_next(enum fwcmp_irm_op op, u32 old, u32 arg, u32 *new)
{
	u32 free;

	switch (op) {
	case FWCMP_IRM_ALLOC_CHANNEL:
		free = old & arg;
		if (!free)
			return -EBUSY;
		/* The lowest channel is the most significant bit. */
		*new = old & ~BIT(fls(free) - 1);
		return 0;
	case FWCMP_IRM_FREE_CHANNEL:
		if (old & arg)
			return -EBUSY;
		*new = old | arg;
		return 0;
	case FWCMP_IRM_ALLOC_BANDWIDTH:
		if (old > FWCMP_BANDWIDTH_AVAILABLE_INITIAL || old < arg)
			return -EBUSY;
		*new = old - arg;
		return 0;
	case FWCMP_IRM_FREE_BANDWIDTH:
		if (old > FWCMP_BANDWIDTH_AVAILABLE_INITIAL ||
		    arg > FWCMP_BANDWIDTH_AVAILABLE_INITIAL - old)
			return -EBUSY;
		*new = old + arg;
		return 0;
	}
	return -EINVAL;
}

/* Read IRM register @reg: 0, -EAGAIN (generation gone) or -EIO. */
static int fwcmp_irm_read(struct fwcmp_irm_ctx *x, unsigned int reg, u32 *val)
{
	__be32 data;

	switch (fw_run_transaction(x->card, TCODE_READ_QUADLET_REQUEST,
				   x->irm_id, x->generation, SCODE_100,
				   fwcmp_irm_offsets[reg], &data, 4)) {
	case RCODE_COMPLETE:
		*val = be32_to_cpu(data);
		fwcmp_irm_saw(x, reg, *val);
		return 0;
	case RCODE_GENERATION:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/*
 * Apply @op to IRM register @reg by compare-swap, starting from the guess
 * @dflt (unless the cache knows better). A guess that makes @op look
 * impossible is checked by reading the register first. Returns 0 once our
 * lock was executed, with *@changed = the bits it changed (for channels);
 * -EAGAIN when the generation is gone (the reset has freed everything);
 * -EBUSY (see fwcmp_irm_next()); -EIO after FWCMP_IRM_TRIES, or on an
 * error response.
 *
 * A lock without an answer may or may not have been executed. The same
 * compare-swap is then sent again, and not one computed from a newer value:
 * if the IRM answers with our new value, the first one was executed. This
 * cannot tell our lock from another controller's identical one that came
 * first; no compare-swap protocol can, and the identical change would have
 * to happen within one round trip.
 */
static int fwcmp_irm_update(struct fwcmp_irm_ctx *x, unsigned int reg,
			    enum fwcmp_irm_op op, u32 arg, u32 dflt,
			    u32 *changed)
{
	u32 old = fwcmp_irm_guess(x, reg, dflt), new = 0, got;
	bool unsure = false, fresh = false;
	__be32 data[2];
	unsigned int tries;
	int ret;

	for (tries = 0; tries < FWCMP_IRM_TRIES; tries++) {
		if (!unsure) {
			ret = fwcmp_irm_next(op, old, arg, &new);
			/*
			 * Only the IRM's own answer justifies a refusal: an
			 * old guess gives way to @dflt, which may well be
			 * right and then costs nothing more; failing that,
			 * the register is read.
			 */
			if (ret && !fresh && old != dflt) {
				old = dflt;
				ret = fwcmp_irm_next(op, old, arg, &new);
			}
			if (ret && !fresh) {
				ret = fwcmp_irm_read(x, reg, &old);
				if (ret)
					return ret;
				fresh = true;
				continue;
			}
			if (ret)
				return ret;
		}
		data[0] = cpu_to_be32(old);
		data[1] = cpu_to_be32(new);
		switch (fw_run_transaction(x->card, TCODE_LOCK_COMPARE_SWAP,
					   x->irm_id, x->generation, SCODE_100,
					   fwcmp_irm_offsets[reg], data, 8)) {
		case RCODE_COMPLETE:
			got = be32_to_cpu(data[0]);
			if (got == old || (unsure && got == new)) {
				fwcmp_irm_saw(x, reg, new);
				*changed = old ^ new;
				return 0;
			}
			fwcmp_irm_saw(x, reg, got);
			old = got;
			unsure = false;
			fresh = true;
			break;
		case RCODE_GENERATION:
			return -EAGAIN;
		case RCODE_BUSY:
			/* Refused before it was executed: send it again. */
			break;
		case RCODE_CANCELLED:
		case RCODE_SEND_ERROR:
		case RCODE_NO_ACK:
			/* Maybe executed; the same lock again tells. */
			unsure = true;
			break;
		default:
			return -EIO;
		}
	}
	return -EIO;
}

/* Channel @channel (0..63): its register and its bit in it. */
static unsigned int fwcmp_irm_channel_bit(unsigned int channel, u32 *bit)
{
	*bit = BIT(31 - (channel & 31));
	return channel < 32 ? FWCMP_IRM_CH_HI : FWCMP_IRM_CH_LO;
}

static int fwcmp_irm_ctx_init(struct fwcmp_irm_ctx *x, struct fwcmp_unit *u,
			      int generation)
{
	x->card = fwcmp_card(u);
	x->generation = generation;
	if (!fwcmp_card_alive(x->card))
		return -ENODEV;
	x->irm_id = fwcmp_irm_node_id(u);
	return x->irm_id < 0 ? -ENODEV : 0;
}

/* One channel of @mask (bit n = channel n): the channel or a -errno. */
static int fwcmp_irm_take_channel(struct fwcmp_irm_ctx *x, u64 mask)
{
	unsigned int reg, i;
	u32 want, changed;
	int ret = -EBUSY;

	/* Channels 0..31 in _HI first, as firewire-core does. */
	for (reg = FWCMP_IRM_CH_HI; reg <= FWCMP_IRM_CH_LO; reg++) {
		want = 0;
		for (i = 0; i < 32; i++)
			if (mask & BIT_ULL(i + (reg == FWCMP_IRM_CH_LO ? 32 : 0)))
				want |= BIT(31 - i);
		if (!want)
			continue;
		ret = fwcmp_irm_update(x, reg, FWCMP_IRM_ALLOC_CHANNEL, want,
				       ~0U, &changed);
		if (!ret)
			return 31 - (fls(changed) - 1) +
			       (reg == FWCMP_IRM_CH_LO ? 32 : 0);
		if (ret != -EBUSY)
			return ret;
	}
	return ret;
}

/* 0, -EBUSY (not allocated at the IRM), -EIO; a gone generation freed it. */
static int fwcmp_irm_put_channel(struct fwcmp_irm_ctx *x, unsigned int channel)
{
	unsigned int reg;
	u32 bit, changed;
	int ret;

	reg = fwcmp_irm_channel_bit(channel, &bit);
	ret = fwcmp_irm_update(x, reg, FWCMP_IRM_FREE_CHANNEL, bit, ~bit,
			       &changed);
	return ret == -EAGAIN ? 0 : ret;
}

static int fwcmp_irm_put_bandwidth(struct fwcmp_irm_ctx *x,
				   unsigned int bandwidth)
{
	u32 changed;
	int ret;

	ret = fwcmp_irm_update(x, FWCMP_IRM_BW, FWCMP_IRM_FREE_BANDWIDTH,
			       bandwidth,
			       FWCMP_BANDWIDTH_AVAILABLE_INITIAL - bandwidth,
			       &changed);
	return ret == -EAGAIN ? 0 : ret;
}

/*
 * Allocate one channel of @channels_mask (bit n = channel n) and @bandwidth
 * units in @generation. Returns the channel, or -ENOSPC (none free, or not
 * enough bandwidth: @reason says which), -EAGAIN (generation stale), -EIO,
 * -ENODEV (card gone).
 */
int fwcmp_irm_alloc(struct fwcmp_unit *u, int generation, u64 channels_mask,
		    unsigned int bandwidth, u32 *reason)
{
	struct fwcmp_irm_ctx x;
	int channel, ret;
	u32 changed;

	ret = fwcmp_irm_ctx_init(&x, u, generation);
	if (ret)
		return ret;

	channel = fwcmp_irm_take_channel(&x, channels_mask);
	if (channel < 0) {
		*reason = FWCMP_LOST_IRM_CHANNEL;
		return channel == -EBUSY ? -ENOSPC : channel;
	}

	ret = fwcmp_irm_update(&x, FWCMP_IRM_BW, FWCMP_IRM_ALLOC_BANDWIDTH,
			       bandwidth, FWCMP_BANDWIDTH_AVAILABLE_INITIAL,
			       &changed);
	if (ret) {
		fwcmp_irm_put_channel(&x, channel);
		*reason = FWCMP_LOST_IRM_BANDWIDTH;
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	return channel;
}

/*
 * Return @channel (if >= 0) and @bandwidth units (if non-zero) allocated in
 * @generation. When the generation is stale, the bus reset has returned
 * them already and nothing is sent. Returns the channel released or a
 * negative errno (-EBUSY: the IRM did not have it allocated); *@freed gets
 * the bandwidth units returned.
 */
int fwcmp_irm_free(struct fwcmp_unit *u, int generation, int channel,
		   unsigned int bandwidth, unsigned int *freed)
{
	struct fwcmp_irm_ctx x;
	int ret;

	*freed = 0;
	ret = fwcmp_irm_ctx_init(&x, u, generation);
	if (ret)
		return ret;
	if (channel < 0 && !bandwidth)
		return -EINVAL;

	ret = -EINVAL;
	if (channel >= 0) {
		ret = fwcmp_irm_put_channel(&x, channel);
		if (!ret)
			ret = channel;
	}
	if (bandwidth && !fwcmp_irm_put_bandwidth(&x, bandwidth))
		*freed = bandwidth;
	return ret;
}

/*
 * Give back @channels (bit n = channel n) and @bandwidth units that a
 * batch (cmp-restore.c) took at @irm_id in @generation.
 */
void fwcmp_irm_give_back(struct fw_card *card, int irm_id, int generation,
			 u64 channels, unsigned int bandwidth)
{
	struct fwcmp_irm_ctx x = {
		.card = card,
		.irm_id = irm_id,
		.generation = generation,
	};
	unsigned int ch;

	for (ch = 0; ch < 64; ch++)
		if (channels & BIT_ULL(ch))
			fwcmp_irm_put_channel(&x, ch);
	if (bandwidth)
		fwcmp_irm_put_bandwidth(&x, bandwidth);
}

static u64 fwcmp_reset_deadline(struct fw_card *card)
{
	u64 deadline;

	spin_lock_irq(&card->lock);
	deadline = card->reset_jiffies + HZ;
	spin_unlock_irq(&card->lock);
	return deadline;
}

/*
 * IEC 61883-1 9.4: for one second after a bus reset only the owners of
 * connections may allocate; everybody else waits until it is over.
 */
bool fwcmp_irm_reset_delay_over(struct fwcmp_unit *u)
{
	return time_after_eq64(get_jiffies_64(),
			       fwcmp_reset_deadline(fwcmp_card(u)));
}

u64 fwcmp_irm_reset_deadline(struct fwcmp_unit *u)
{
	return fwcmp_reset_deadline(fwcmp_card(u));
}

/*
 * Sleep until @deadline (jiffies). Called without the unit lock, so it must
 * not look at the unit, which may be removed meanwhile.
 */
int fwcmp_irm_wait_until(u64 deadline)
{
	u64 now;

	for (;;) {
		now = get_jiffies_64();
		if (time_after_eq64(now, deadline))
			return 0;
		if (msleep_interruptible(jiffies_to_msecs(deadline - now)))
			return -ERESTARTSYS;
	}
}
