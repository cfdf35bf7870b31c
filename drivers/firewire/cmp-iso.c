// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-iso.c - channel and bandwidth at the isochronous resource manager.
 *
 * firewire-core's fw_iso_resource_manage() runs the compare-swap loops on the
 * IRM's CHANNELS_AVAILABLE and BANDWIDTH_AVAILABLE registers. We ask for the
 * channel and the bandwidth in two calls so that a failure says which of the
 * two was missing; the channel is given back when the bandwidth is refused.
 */

#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/firewire.h>
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

/*
 * Allocate one channel of @channels_mask (bit n = channel n) and @bandwidth
 * units in @generation. Returns the channel, or -ENOSPC (none free, or not
 * enough bandwidth: @reason says which), -EAGAIN (generation stale), -EIO,
 * -ENODEV (card gone).
 */
int fwcmp_irm_alloc(struct fwcmp_unit *u, int generation, u64 channels_mask,
		    unsigned int bandwidth, u32 *reason)
{
	struct fw_card *card = fwcmp_card(u);
	int channel, ret, bw = 0, unused;

	if (!fwcmp_card_alive(card))
		return -ENODEV;

	fw_iso_resource_manage(card, generation, channels_mask, &channel, &bw,
			       true);
	if (channel < 0) {
		*reason = FWCMP_LOST_IRM_CHANNEL;
		return channel == -EBUSY ? -ENOSPC : channel;
	}

	bw = bandwidth;
	fw_iso_resource_manage(card, generation, 0, &ret, &bw, true);
	if (bw == 0) {
		bw = 0;
		fw_iso_resource_manage(card, generation, 1ULL << channel,
				       &unused, &bw, false);
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
	struct fw_card *card = fwcmp_card(u);
	int ret = -EINVAL, bw = bandwidth;

	*freed = 0;
	if (!fwcmp_card_alive(card))
		return -ENODEV;
	if (channel < 0 && !bw)
		return -EINVAL;

	fw_iso_resource_manage(card, generation,
			       channel >= 0 ? 1ULL << channel : 0,
			       &ret, &bw, false);
	*freed = bw;
	return ret;
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
