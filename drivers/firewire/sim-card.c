// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim card driver: the struct fw_card_driver firewire-core drives,
 * bus resets reported with self-IDs, and delivery of request packets to
 * the simulated nodes (with latency, faults and cancellation).
 *
 * Packet flow, mirroring ohci.c:
 *  - send_request() queues the packet; the bus worker (ordered workqueue)
 *    delivers it once its latency has passed, woken by an hrtimer at the
 *    earliest due time (jiffies are far coarser than a bus transaction), and
 *    then delivers every packet that is due, so that requests in flight
 *    together complete together as on a real bus: stale generation ->
 *    RCODE_GENERATION, no node at the address -> RCODE_NO_ACK, else the node
 *    acks (ACK_PENDING, or ACK_BUSY_X as a fault) and, after the ack
 *    callback, its response goes to fw_core_handle_response().
 *  - Requests to the local node: config ROM and IRM registers are answered
 *    here (handle_local_request() in ohci.c), everything else goes to
 *    fw_core_handle_request(), whose response comes back in send_response().
 *  - cancel_packet() takes a still queued packet off the queue and
 *    completes it with RCODE_CANCELLED; for a packet whose ack callback is
 *    running it waits for that callback to return (as ohci.c disables its
 *    AT tasklet) and returns -ENOENT, as for every packet already acked.
 */

#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>

#include "sim.h"

#define FWSIM_TICKS_PER_CYCLE	3072	/* 24.576 MHz / 8000 Hz */
#define FWSIM_CYCLES_PER_SEC	8000
#define FWSIM_TX_BATCH		64

/* ---- cycle timer (IEEE 1394 CYCLE_TIME, derived from ktime) ---- */

static u64 fwsim_ticks(struct fwsim_bus *bus)
{
	/* 24.576 MHz = 3072 ticks per 125000 ns */
	return mul_u64_u32_div(ktime_get_ns(), 3072, 125000) +
	       (u64)READ_ONCE(bus->tick_offset);
}

static u32 fwsim_split_ticks(u64 ticks, u64 *seconds)
{
	u32 offset, cycle;
	u64 cycles;

	cycles = div_u64_rem(ticks, FWSIM_TICKS_PER_CYCLE, &offset);
	*seconds = div_u64_rem(cycles, FWSIM_CYCLES_PER_SEC, &cycle);
	return (u32)(*seconds & 0x7f) << 25 | cycle << 12 | offset;
}

u32 fwsim_cycle_time(struct fwsim_bus *bus)
{
	u64 seconds;

	return fwsim_split_ticks(fwsim_ticks(bus), &seconds);
}

/* OHCI timestamp format (3 bits of seconds, 13 of cycles). */
static u32 fwsim_tstamp(struct fwsim_bus *bus)
{
	return (fwsim_cycle_time(bus) & 0x0ffff000) >> 12;
}

/* ---- bus resets ---- */

/* Caller holds bus->lock. */
void fwsim_request_reset_locked(struct fwsim_bus *bus, bool by_local)
{
	if (bus->dying || !bus->enabled)
		return;
	bus->reset_pending = true;
	bus->reset_by_local |= by_local;
	queue_work(bus->wq, &bus->reset_work);
}

void fwsim_request_reset(struct fwsim_bus *bus, bool by_local)
{
	unsigned long flags;

	spin_lock_irqsave(&bus->lock, flags);
	fwsim_request_reset_locked(bus, by_local);
	spin_unlock_irqrestore(&bus->lock, flags);
}

/*
 * Report one bus reset. Requests that arrived while it was pending are
 * coalesced into it, as a PHY merges resets; the generation still goes up
 * by exactly one per report, so firewire-core can compare topologies.
 */
void fwsim_reset_work(struct work_struct *work)
{
	struct fwsim_bus *bus = container_of(work, struct fwsim_bus, reset_work);
	unsigned int count, generation;
	unsigned long flags;
	bool abdicate;
	u16 node_id;

	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying || !bus->enabled || !bus->reset_pending) {
		spin_unlock_irqrestore(&bus->lock, flags);
		return;
	}
	fwsim_topo_reset(bus);
	count = bus->self_id_count;
	memcpy(bus->sid_report, bus->self_ids, count * sizeof(u32));
	node_id = bus->local_node_id;
	generation = bus->generation;
	abdicate = bus->abdicate;
	bus->abdicate = false;
	bus->reset_ns = ktime_get_ns();
	bus->first_cmp_ns = 0;
	bus->pcr_locks = 0;
	bus->in_flight_max = bus->in_flight;
	spin_unlock_irqrestore(&bus->lock, flags);

	fw_core_handle_bus_reset(&bus->card, node_id, generation, count,
				 bus->sid_report, abdicate);
}

/* ---- struct fw_card_driver ---- */

static int fwsim_enable(struct fw_card *card, const __be32 *config_rom,
			size_t length)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	unsigned long flags;
	size_t i;

	if (length > FWSIM_ROM_QUADLETS)
		return -EINVAL;

	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < length; i++)
		bus->local.rom[i] = be32_to_cpu(config_rom[i]);
	bus->local.rom_len = length;
	/* as ohci_enable(): link on, contender, then a bus reset */
	bus->phy_regs[4] |= PHY_LINK_ACTIVE | PHY_CONTENDER;
	bus->enabled = true;
	spin_unlock_irqrestore(&bus->lock, flags);

	fw_schedule_bus_reset(card, false, true);
	return 0;
}

static int fwsim_read_phy_reg(struct fw_card *card, int address)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	unsigned long flags;
	int val;

	if (address < 0 || address >= ARRAY_SIZE(bus->phy_regs))
		return -EINVAL;
	spin_lock_irqsave(&bus->lock, flags);
	val = bus->phy_regs[address];
	spin_unlock_irqrestore(&bus->lock, flags);
	return val;
}

static int fwsim_update_phy_reg(struct fw_card *card, int address,
				int clear_bits, int set_bits)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	unsigned long flags;
	bool reset = false;
	u8 val;

	if (address < 0 || address >= ARRAY_SIZE(bus->phy_regs))
		return -EINVAL;

	spin_lock_irqsave(&bus->lock, flags);
	val = (bus->phy_regs[address] & ~clear_bits) | set_bits;
	/* IBR (register 1) and ISBR (register 5) start a reset and self-clear */
	if ((address == 1 || address == 5) && (val & PHY_BUS_RESET)) {
		val &= ~PHY_BUS_RESET;
		reset = true;
	}
	if (address == 5)
		val &= ~PHY_INT_STATUS_BITS;	/* write 1 to clear */
	bus->phy_regs[address] = val;
	if (reset)
		fwsim_request_reset_locked(bus, true);
	spin_unlock_irqrestore(&bus->lock, flags);
	return 0;
}

static int fwsim_set_config_rom(struct fw_card *card,
				const __be32 *config_rom, size_t length)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	unsigned long flags;
	size_t i;

	if (length > FWSIM_ROM_QUADLETS)
		return -EINVAL;

	/* like OHCI's ConfigROMmapNext: takes effect at the next reset */
	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < length; i++)
		bus->next_rom[i] = be32_to_cpu(config_rom[i]);
	bus->next_rom_len = length;
	spin_unlock_irqrestore(&bus->lock, flags);

	fw_schedule_bus_reset(card, true, true);
	return 0;
}

static void fwsim_complete(struct fw_card *card, struct fw_packet *p, int ack)
{
	p->ack = ack;
	p->callback(p, card, ack);
}

/* PHY packets: a configuration packet sets the root and gap count. */
static void fwsim_phy_packet(struct fwsim_bus *bus, struct fw_packet *p)
{
	u32 q = p->header[1];
	unsigned long flags;
	int ack = ACK_COMPLETE;

	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying) {
		ack = RCODE_CANCELLED;
	} else if (p->generation != bus->generation) {
		ack = RCODE_GENERATION;
	} else if ((q >> 30) == 0 && p->header[2] == ~q) {
		if (q & BIT(23))	/* R: force root */
			bus->forced_root = bus->by_phy_id[(q >> 24) & 0x3f];
		if (q & BIT(22))	/* T: gap count */
			bus->phy_regs[1] = (bus->phy_regs[1] & ~0x3f) |
					   ((q >> 16) & 0x3f);
	}
	spin_unlock_irqrestore(&bus->lock, flags);

	p->timestamp = fwsim_tstamp(bus);
	fwsim_complete(&bus->card, p, ack);
}

/* Wake the bus worker at @due_ns unless it is woken earlier. Caller holds bus->lock. */
static void fwsim_tx_timer_arm(struct fwsim_bus *bus, u64 due_ns)
{
	ktime_t due = ns_to_ktime(due_ns);

	if (!hrtimer_is_queued(&bus->tx_timer) ||
	    ktime_before(due, hrtimer_get_expires(&bus->tx_timer)))
		hrtimer_start(&bus->tx_timer, due, HRTIMER_MODE_ABS);
}

static enum hrtimer_restart fwsim_tx_timer_fn(struct hrtimer *timer)
{
	struct fwsim_bus *bus = container_of(timer, struct fwsim_bus, tx_timer);

	queue_delayed_work(bus->wq, &bus->tx_work, 0);
	return HRTIMER_NORESTART;
}

void fwsim_tx_timer_init(struct fwsim_bus *bus)
{
	hrtimer_init(&bus->tx_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	bus->tx_timer.function = fwsim_tx_timer_fn;
}

static void fwsim_send_request(struct fw_card *card, struct fw_packet *packet)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	struct fwsim_txn *txn;
	unsigned long flags;

	packet->timestamp = fwsim_tstamp(bus);
	if (fwsim_hdr_tcode(packet->header) == TCODE_LINK_INTERNAL) {
		fwsim_phy_packet(bus, packet);
		return;
	}

	txn = kmalloc(sizeof(*txn), GFP_ATOMIC);
	if (!txn) {
		fwsim_complete(card, packet, RCODE_SEND_ERROR);
		return;
	}
	txn->packet = packet;

	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying) {
		spin_unlock_irqrestore(&bus->lock, flags);
		kfree(txn);
		fwsim_complete(card, packet, RCODE_CANCELLED);
		return;
	}
	txn->due_ns = ktime_get_ns() + (u64)bus->latency_us * NSEC_PER_USEC;
	list_add_tail(&txn->link, &bus->txq);
	if (++bus->in_flight > bus->in_flight_max)
		bus->in_flight_max = bus->in_flight;
	if (bus->latency_us)
		fwsim_tx_timer_arm(bus, txn->due_ns);
	else
		queue_delayed_work(bus->wq, &bus->tx_work, 0);
	spin_unlock_irqrestore(&bus->lock, flags);
}

static enum fwsim_outcome fwsim_outcome_of(int rcode)
{
	switch (rcode) {
	case RCODE_COMPLETE:
		return FWSIM_OUT_COMPLETE;
	case RCODE_TYPE_ERROR:
		return FWSIM_OUT_TYPE_ERROR;
	case RCODE_BUSY:
		return FWSIM_OUT_BUSY;
	default:
		return FWSIM_OUT_ADDRESS_ERROR;
	}
}

static void fwsim_send_response(struct fw_card *card, struct fw_packet *packet)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	unsigned int dest = fwsim_hdr_destination(packet->header);
	unsigned long flags;
	bool local = false;
	int ack = ACK_COMPLETE;
	struct fwsim_phy *phy;

	packet->timestamp = fwsim_tstamp(bus);
	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying) {
		ack = RCODE_CANCELLED;
	} else if (packet->generation != bus->generation) {
		ack = RCODE_GENERATION;
	} else if (dest == bus->local_node_id) {
		unsigned int tlabel = fwsim_hdr_tlabel(packet->header);

		/* A lost_response fault: executed, the answer never comes. */
		local = !(bus->fwd_lost & BIT_ULL(tlabel));
		bus->fwd_lost &= ~BIT_ULL(tlabel);
		bus->local.stats[bus->fwd_class[tlabel]]
				[local ? fwsim_outcome_of(fwsim_hdr_rcode(packet->header)) :
				 FWSIM_OUT_LOST_RESPONSE]++;
	} else if (fwsim_foreign_response_locked(bus, packet)) {
		/* the response to a simulated node's request: it acks */
	} else {
		/* no request of that node is waiting: nobody acks */
		phy = (dest & 0xffc0) == LOCAL_BUS ? bus->by_phy_id[dest & 0x3f] : NULL;
		if (!phy || !phy->node || !fwsim_phy_connected(phy))
			ack = RCODE_NO_ACK;
	}
	spin_unlock_irqrestore(&bus->lock, flags);

	if (local)
		fw_core_handle_response(card, packet);
	fwsim_complete(card, packet, ack);
}

static int fwsim_cancel_packet(struct fw_card *card, struct fw_packet *packet)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	struct fwsim_txn *txn, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&bus->lock, flags);
	list_for_each_entry(txn, &bus->txq, link) {
		if (txn->packet == packet) {
			list_del(&txn->link);
			bus->in_flight--;
			found = txn;
			break;
		}
	}
	while (!found && bus->tx_current == packet) {
		spin_unlock_irqrestore(&bus->lock, flags);
		cpu_relax();
		spin_lock_irqsave(&bus->lock, flags);
	}
	spin_unlock_irqrestore(&bus->lock, flags);

	if (!found)
		return -ENOENT;
	kfree(found);
	fwsim_complete(card, packet, RCODE_CANCELLED);
	return 0;
}

static int fwsim_enable_phys_dma(struct fw_card *card, int node_id,
				 int generation)
{
	return -ENODEV;
}

static u32 fwsim_read_csr(struct fw_card *card, int csr_offset)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	u64 seconds;
	u32 value;

	switch (csr_offset) {
	case CSR_STATE_CLEAR:
	case CSR_STATE_SET:
		value = READ_ONCE(bus->cmstr) ? CSR_STATE_BIT_CMSTR : 0;
		if (READ_ONCE(bus->abdicate))
			value |= CSR_STATE_BIT_ABDICATE;
		return value;
	case CSR_NODE_IDS:
		return (u32)READ_ONCE(bus->local_node_id) << 16;
	case CSR_CYCLE_TIME:
		return fwsim_cycle_time(bus);
	case CSR_BUS_TIME:
		fwsim_split_ticks(fwsim_ticks(bus), &seconds);
		return (((u32)seconds & ~0x7f) + READ_ONCE(bus->bus_time_offset)) |
		       ((u32)seconds & 0x7f);
	case CSR_BUSY_TIMEOUT:
		return READ_ONCE(bus->busy_timeout);
	default:
		return 0;
	}
}

static void fwsim_write_csr(struct fw_card *card, int csr_offset, u32 value)
{
	struct fwsim_bus *bus = fwsim_bus_of_card(card);
	const u64 period = 128ULL * FWSIM_CYCLES_PER_SEC * FWSIM_TICKS_PER_CYCLE;
	unsigned long flags;
	u64 seconds, now, want;
	u32 cycle, offset;

	spin_lock_irqsave(&bus->lock, flags);
	switch (csr_offset) {
	case CSR_STATE_CLEAR:
		if (value & CSR_STATE_BIT_CMSTR)
			bus->cmstr = false;
		if (value & CSR_STATE_BIT_ABDICATE)
			bus->abdicate = false;
		break;
	case CSR_STATE_SET:
		if ((value & CSR_STATE_BIT_CMSTR) && bus->root_is_local)
			bus->cmstr = true;
		if (value & CSR_STATE_BIT_ABDICATE)
			bus->abdicate = true;
		break;
	case CSR_CYCLE_TIME:
		cycle = min_t(u32, (value >> 12) & 0x1fff, FWSIM_CYCLES_PER_SEC - 1);
		offset = min_t(u32, value & 0xfff, FWSIM_TICKS_PER_CYCLE - 1);
		want = ((u64)(value >> 25) * FWSIM_CYCLES_PER_SEC + cycle) *
		       FWSIM_TICKS_PER_CYCLE + offset;
		div64_u64_rem(fwsim_ticks(bus), period, &now);
		WRITE_ONCE(bus->tick_offset, bus->tick_offset + (s64)(want - now));
		break;
	case CSR_BUS_TIME:
		fwsim_split_ticks(fwsim_ticks(bus), &seconds);
		WRITE_ONCE(bus->bus_time_offset,
			   (value & ~0x7f) - ((u32)seconds & ~0x7f));
		break;
	case CSR_BUSY_TIMEOUT:
		WRITE_ONCE(bus->busy_timeout, value);
		break;
	default:
		break;
	}
	spin_unlock_irqrestore(&bus->lock, flags);
}

static struct fw_iso_context *
fwsim_allocate_iso_context(struct fw_card *card, int type, int channel,
			   size_t header_size)
{
	return ERR_PTR(-ENODEV);
}

static void fwsim_free_iso_context(struct fw_iso_context *ctx)
{
}

static int fwsim_start_iso(struct fw_iso_context *ctx, s32 cycle, u32 sync,
			   u32 tags)
{
	return -ENODEV;
}

static int fwsim_set_iso_channels(struct fw_iso_context *ctx, u64 *channels)
{
	return -ENODEV;
}

static int fwsim_queue_iso(struct fw_iso_context *ctx,
			   struct fw_iso_packet *packet,
			   struct fw_iso_buffer *buffer, unsigned long payload)
{
	return -ENODEV;
}

static void fwsim_flush_queue_iso(struct fw_iso_context *ctx)
{
}

static int fwsim_flush_iso_completions(struct fw_iso_context *ctx)
{
	return -ENODEV;
}

static int fwsim_stop_iso(struct fw_iso_context *ctx)
{
	return -ENODEV;
}

const struct fw_card_driver fwsim_card_driver = {
	.enable			= fwsim_enable,
	.read_phy_reg		= fwsim_read_phy_reg,
	.update_phy_reg		= fwsim_update_phy_reg,
	.set_config_rom		= fwsim_set_config_rom,
	.send_request		= fwsim_send_request,
	.send_response		= fwsim_send_response,
	.cancel_packet		= fwsim_cancel_packet,
	.enable_phys_dma	= fwsim_enable_phys_dma,
	.read_csr		= fwsim_read_csr,
	.write_csr		= fwsim_write_csr,
	.allocate_iso_context	= fwsim_allocate_iso_context,
	.free_iso_context	= fwsim_free_iso_context,
	.start_iso		= fwsim_start_iso,
	.set_iso_channels	= fwsim_set_iso_channels,
	.queue_iso		= fwsim_queue_iso,
	.flush_queue_iso	= fwsim_flush_queue_iso,
	.flush_iso_completions	= fwsim_flush_iso_completions,
	.stop_iso		= fwsim_stop_iso,
};

/* ---- packet delivery ---- */

/* Where a request packet ends up. Caller holds bus->lock. */
static void fwsim_deliver(struct fwsim_bus *bus, struct fw_packet *p,
			  struct fwsim_result *r)
{
	unsigned int dest = fwsim_hdr_destination(p->header);
	struct fwsim_phy *phy;

	memset(r, 0, sizeof(*r));
	if (bus->dying) {
		r->ack = RCODE_CANCELLED;
		return;
	}
	if (p->generation != bus->generation) {
		r->ack = RCODE_GENERATION;
		bus->stale++;
		return;
	}
	if ((dest & 0x3f) == 0x3f) {
		/* broadcast: simulated nodes ignore it, nobody responds */
		r->ack = ACK_COMPLETE;
		return;
	}
	phy = (dest & 0xffc0) == LOCAL_BUS ? bus->by_phy_id[dest & 0x3f] : NULL;
	if (!phy || !phy->node || !fwsim_phy_connected(phy)) {
		r->ack = RCODE_NO_ACK;
		bus->no_ack++;
		return;
	}
	bus->txns++;
	fwsim_node_request(phy->node, p, r, bus->resp_buf);
	if (r->to_core) {
		u64 bit = BIT_ULL(fwsim_hdr_tlabel(p->header));

		bus->fwd_lost = r->lost ? bus->fwd_lost | bit :
					  bus->fwd_lost & ~bit;
	}
	if (bus->reset_after && --bus->reset_after == 0)
		r->reset = true;
}

/*
 * The first queued packet that is due (all of them once the bus is dying),
 * or NULL; then the timer is armed for the earliest one still in flight.
 * Caller holds bus->lock.
 */
static struct fwsim_txn *fwsim_next_due(struct fwsim_bus *bus)
{
	struct fwsim_txn *txn;
	u64 now = ktime_get_ns(), next = U64_MAX;

	list_for_each_entry(txn, &bus->txq, link) {
		if (txn->due_ns <= now || bus->dying)
			return txn;
		next = min(next, txn->due_ns);
	}
	if (next != U64_MAX)
		fwsim_tx_timer_arm(bus, next);
	return NULL;
}

/*
 * A request a node answered about connection management: IRM resource
 * registers (not BUS_MANAGER_ID, which firewire-core locks after every
 * reset) and plug registers. For benchmarks.
 */
static bool fwsim_is_cmp_request(const struct fw_packet *p,
				 const struct fwsim_result *r)
{
	u64 offset = fwsim_hdr_offset(p->header) - CSR_REGISTER_BASE;

	return r->respond &&
	       ((offset >= CSR_BANDWIDTH_AVAILABLE &&
		 offset <= CSR_CHANNELS_AVAILABLE_LO) ||
		(offset >= FWSIM_REG_OMPR && offset < FWSIM_REG_PLUG_END));
}

/* A PCR lock the node executed: the end of a restore, for benchmarks. */
static bool fwsim_is_pcr_lock(const struct fw_packet *p,
			      const struct fwsim_result *r)
{
	u64 offset = fwsim_hdr_offset(p->header) - CSR_REGISTER_BASE;

	return fwsim_hdr_tcode(p->header) == TCODE_LOCK_REQUEST &&
	       r->respond && r->rcode == RCODE_COMPLETE &&
	       offset > FWSIM_REG_OMPR && offset < FWSIM_REG_PLUG_END &&
	       offset != FWSIM_REG_IMPR;
}

void fwsim_tx_work(struct work_struct *work)
{
	struct fwsim_bus *bus = container_of(to_delayed_work(work),
					     struct fwsim_bus, tx_work);
	struct fw_card *card = &bus->card;
	struct fw_packet *packet, response;
	struct fwsim_result r;
	struct fwsim_txn *txn;
	unsigned long flags;
	int n;

	for (n = 0; n < FWSIM_TX_BATCH; n++) {
		spin_lock_irqsave(&bus->lock, flags);
		txn = fwsim_next_due(bus);
		if (!txn) {
			spin_unlock_irqrestore(&bus->lock, flags);
			return;
		}
		list_del(&txn->link);
		bus->in_flight--;
		packet = txn->packet;
		bus->tx_current = packet;
		fwsim_deliver(bus, packet, &r);
		if (!bus->first_cmp_ns && fwsim_is_cmp_request(packet, &r))
			bus->first_cmp_ns = ktime_get_ns();
		if (fwsim_is_pcr_lock(packet, &r)) {
			bus->last_pcr_lock_ns = ktime_get_ns();
			bus->pcr_locks++;
		}
		spin_unlock_irqrestore(&bus->lock, flags);
		kfree(txn);

		/* the ack; cancel_packet() waits while tx_current is ours */
		local_bh_disable();
		fwsim_complete(card, packet, r.ack);
		local_bh_enable();
		spin_lock_irqsave(&bus->lock, flags);
		bus->tx_current = NULL;
		spin_unlock_irqrestore(&bus->lock, flags);

		/* with ACK_PENDING the packet lives until its response */
		if (r.to_core) {
			fw_core_handle_request(card, packet);
		} else if (r.respond) {
			memset(&response, 0, sizeof(response));
			fw_fill_response(&response, packet->header, r.rcode,
					 r.data, r.length);
			response.speed = packet->speed;
			response.generation = packet->generation;
			response.timestamp = fwsim_tstamp(bus);
			response.ack = ACK_COMPLETE;
			fw_core_handle_response(card, &response);
		}
		if (r.reset)
			fwsim_request_reset(bus, false);
	}
	/* let the reset work and others in */
	queue_delayed_work(bus->wq, &bus->tx_work, 0);
}
