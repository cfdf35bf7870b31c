// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-local.c - local plugs: the PC's own oMPR, iMPR, oPCRs and iPCRs
 * (IEC 61883-1), hosted at 0xfffff0000900..0xfffff00009ff of the local node
 * so that other controllers on the bus can connect to the PC with CMP.
 *
 * firewire-core's address handlers are global: one handler answers this
 * range on every card. Each card is a node of its own bus, so each card
 * gets its own register set (struct fwcmp_local_card), keyed by the card's
 * index, which firewire-core never reuses. A set is made at the first
 * request a card receives; a work item then drops the sets of cards that
 * are gone (their local node has left firewire-core's device list).
 *
 * Bus resets (IEC 61883-1, as firewire-sim's nodes implement it): every
 * p2p connection counter is cleared, broadcast connections and all other
 * fields are kept; the controllers that made the p2p connections have 1 s
 * to restore them. A handler is not told of bus resets, so a set catches up
 * with its card's generation whenever it is touched.
 *
 * User space reads the state through /dev/fwcmp-local (ioctl
 * FWCMP_IOC_GET_LOCAL_PLUGS), present while plugs are hosted.
 */

#include <linux/bitfield.h>
#include <linux/firewire-constants.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cmp.h"

#define FWCMP_LOCAL_START	(CSR_REGISTER_BASE + FWCMP_CSR_OMPR)
#define FWCMP_LOCAL_END		(CSR_REGISTER_BASE + 0xa00)

/*
 * Bits a compare-swap may change; read-only fields (data rate capability,
 * plug counts, on-line) and fields we implement as reserved (the MPR
 * extension fields) keep their value, as IEEE 1212 has writes to reserved
 * fields ignored.
 */
#define FWCMP_OMPR_WRITABLE	FWCMP_OMPR_BCAST_BASE_MASK
#define FWCMP_IMPR_WRITABLE	0
#define FWCMP_OPCR_WRITABLE	(~FWCMP_PCR_ONLINE_MASK)
#define FWCMP_IPCR_WRITABLE	(FWCMP_PCR_BCAST_MASK | FWCMP_PCR_P2P_MASK | \
				 FWCMP_PCR_CHANNEL_MASK)

/* Reset values: on-line, channel 63 (none), S100, 122 quadlets (DV SD). */
#define FWCMP_LOCAL_OPCR_INIT	0x803f007a
#define FWCMP_LOCAL_IPCR_INIT	0x803f0000
#define FWCMP_LOCAL_BCAST_BASE	63

static unsigned int local_oplugs;
module_param(local_oplugs, uint, 0444);
MODULE_PARM_DESC(local_oplugs,
		 "oPCRs the PC hosts for other controllers (0..31, default 0; with local_iplugs 0: no local plugs)");

static unsigned int local_iplugs;
module_param(local_iplugs, uint, 0444);
MODULE_PARM_DESC(local_iplugs,
		 "iPCRs the PC hosts for other controllers (0..31, default 0)");

/* The plug registers of one card, fwcmp_local.lock. */
struct fwcmp_local_card {
	struct list_head link;
	int card_index;
	u64 guid;
	int generation;
	u64 reset_jiffies;
	unsigned int sweep;		/* last garbage collection that saw it */
	u32 ompr, impr;
	u32 opcr[FWCMP_LOCAL_MAX_PLUGS];
	u32 ipcr[FWCMP_LOCAL_MAX_PLUGS];
};

static struct {
	spinlock_t lock;		/* handler runs in softirq/irq-off context */
	struct list_head cards;
	unsigned int sweep;
	bool hosting;
	struct work_struct gc_work;
} fwcmp_local = {
	.lock = __SPIN_LOCK_UNLOCKED(fwcmp_local.lock),
	.cards = LIST_HEAD_INIT(fwcmp_local.cards),
};

/* The data rate capability of the MPRs: the card's link speed. */
static u32 fwcmp_local_mpr_rate(struct fw_card *card)
{
	unsigned int speed = min_t(unsigned int, card->link_speed, SCODE_3200);

	if (speed < SCODE_800)
		return FIELD_PREP(FWCMP_MPR_RATE_MASK, speed);
	return FIELD_PREP(FWCMP_MPR_RATE_MASK, FWCMP_RATE_EXTENDED) |
	       FIELD_PREP(FWCMP_MPR_XRATE_MASK, speed - SCODE_800);
}

static void fwcmp_local_card_init(struct fwcmp_local_card *c,
				  struct fw_card *card)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->card_index = card->index;
	c->guid = card->guid;
	c->generation = READ_ONCE(card->generation);
	c->reset_jiffies = READ_ONCE(card->reset_jiffies);
	c->ompr = fwcmp_local_mpr_rate(card) |
		  FIELD_PREP(FWCMP_OMPR_BCAST_BASE_MASK, FWCMP_LOCAL_BCAST_BASE) |
		  local_oplugs;
	c->impr = fwcmp_local_mpr_rate(card) | local_iplugs;
	for (i = 0; i < local_oplugs; i++)
		c->opcr[i] = FWCMP_LOCAL_OPCR_INIT;
	for (i = 0; i < local_iplugs; i++)
		c->ipcr[i] = FWCMP_LOCAL_IPCR_INIT;
}

/* Apply the bus resets since the set was last touched. Caller holds lock. */
static void fwcmp_local_catch_up(struct fwcmp_local_card *c,
				 struct fw_card *card)
{
	int generation = READ_ONCE(card->generation);
	unsigned int i;

	if (c->generation == generation)
		return;
	for (i = 0; i < local_oplugs; i++)
		c->opcr[i] &= ~FWCMP_PCR_P2P_MASK;
	for (i = 0; i < local_iplugs; i++)
		c->ipcr[i] &= ~FWCMP_PCR_P2P_MASK;
	c->generation = generation;
	c->reset_jiffies = READ_ONCE(card->reset_jiffies);
}

/* Caller holds lock. */
static struct fwcmp_local_card *fwcmp_local_find(struct fw_card *card)
{
	struct fwcmp_local_card *c;

	list_for_each_entry(c, &fwcmp_local.cards, link)
		if (c->card_index == card->index)
			return c;
	return NULL;
}

/* The register at @csr and its writable bits, or NULL. Caller holds lock. */
static u32 *fwcmp_local_reg(struct fwcmp_local_card *c, u32 csr, u32 *writable)
{
	unsigned int n;

	if (csr & 3)
		return NULL;
	if (csr == FWCMP_CSR_OMPR) {
		*writable = FWCMP_OMPR_WRITABLE;
		return &c->ompr;
	}
	if (csr == FWCMP_CSR_IMPR) {
		*writable = FWCMP_IMPR_WRITABLE;
		return &c->impr;
	}
	if (csr < FWCMP_CSR_IMPR) {
		n = (csr - FWCMP_CSR_OPCR(0)) / 4;
		*writable = FWCMP_OPCR_WRITABLE;
		return n < local_oplugs ? &c->opcr[n] : NULL;
	}
	n = (csr - FWCMP_CSR_IPCR(0)) / 4;
	*writable = FWCMP_IPCR_WRITABLE;
	return n < local_iplugs ? &c->ipcr[n] : NULL;
}

/*
 * What a plug register space answers (IEC 61883-1 with IEEE 1212):
 * quadlet reads and compare-swap of an existing register; block reads made
 * only of existing registers (as firewire-sim's devices and AV/C devices
 * answer them); an address error where no register is; a type error for
 * writes and every other lock type, which these registers do not support.
 */
static int fwcmp_local_answer(struct fwcmp_local_card *c, int tcode, u32 csr,
			      __be32 *data, size_t length)
{
	u32 writable, arg, val, *reg;
	unsigned int i;

	switch (tcode) {
	case TCODE_READ_QUADLET_REQUEST:
		reg = fwcmp_local_reg(c, csr, &writable);
		if (!reg)
			return RCODE_ADDRESS_ERROR;
		data[0] = cpu_to_be32(*reg);
		return RCODE_COMPLETE;
	case TCODE_READ_BLOCK_REQUEST:
		if (length == 0 || (length & 3))
			return RCODE_ADDRESS_ERROR;
		for (i = 0; i < length / 4; i++) {
			reg = fwcmp_local_reg(c, csr + 4 * i, &writable);
			if (!reg)
				return RCODE_ADDRESS_ERROR;
			data[i] = cpu_to_be32(*reg);
		}
		return RCODE_COMPLETE;
	case TCODE_LOCK_COMPARE_SWAP:
		reg = fwcmp_local_reg(c, csr, &writable);
		if (!reg)
			return RCODE_ADDRESS_ERROR;
		if (length != 8)
			return RCODE_TYPE_ERROR;
		arg = be32_to_cpu(data[0]);
		val = be32_to_cpu(data[1]);
		data[0] = cpu_to_be32(*reg);
		if (*reg == arg)
			*reg = (val & writable) | (*reg & ~writable);
		return RCODE_COMPLETE;
	default:
		/* writes, and lock types other than compare-swap */
		return fwcmp_local_reg(c, csr, &writable) ? RCODE_TYPE_ERROR :
							    RCODE_ADDRESS_ERROR;
	}
}

static void fwcmp_local_request(struct fw_card *card, struct fw_request *request,
				int tcode, int destination, int source,
				int generation, unsigned long long offset,
				void *payload, size_t length, void *callback_data)
{
	struct fwcmp_local_card *c, *fresh = NULL;
	unsigned long flags;
	int rcode;

	spin_lock_irqsave(&fwcmp_local.lock, flags);
	c = fwcmp_local_find(card);
	if (!c) {
		/* the first request to this card: its registers come to be */
		spin_unlock_irqrestore(&fwcmp_local.lock, flags);
		fresh = kmalloc(sizeof(*fresh), GFP_ATOMIC);
		if (!fresh) {
			/* resp_conflict_error: "resource conflict, may retry" */
			fw_send_response(card, request, RCODE_CONFLICT_ERROR);
			return;
		}
		fwcmp_local_card_init(fresh, card);
		spin_lock_irqsave(&fwcmp_local.lock, flags);
		c = fwcmp_local_find(card);
		if (!c) {
			fresh->sweep = fwcmp_local.sweep;
			list_add(&fresh->link, &fwcmp_local.cards);
			c = fresh;
			fresh = NULL;
			/* and the sets of cards that are gone go */
			schedule_work(&fwcmp_local.gc_work);
		}
	}
	fwcmp_local_catch_up(c, card);
	rcode = fwcmp_local_answer(c, tcode, offset - CSR_REGISTER_BASE,
				   payload, length);
	spin_unlock_irqrestore(&fwcmp_local.lock, flags);
	kfree(fresh);

	fw_send_response(card, request, rcode);
}

static struct fw_address_handler fwcmp_local_handler = {
	.length			= FWCMP_LOCAL_END - FWCMP_LOCAL_START,
	.address_callback	= fwcmp_local_request,
};

static const struct fw_address_region fwcmp_local_region = {
	.start	= FWCMP_LOCAL_START,
	.end	= FWCMP_LOCAL_END,
};

/*
 * The local nodes firewire-core has now, one per card. A unit's parent is
 * its fw_device, also on fw_bus_type; a device's parent is the card's
 * device, which is not.
 */
static bool fwcmp_is_local_node(struct device *dev)
{
	return dev->parent && dev->parent->bus != &fw_bus_type &&
	       fw_device(dev)->is_local;
}

static int fwcmp_local_mark(struct device *dev, void *data)
{
	struct fwcmp_local_card *c;
	unsigned long flags;

	if (!fwcmp_is_local_node(dev))
		return 0;
	spin_lock_irqsave(&fwcmp_local.lock, flags);
	c = fwcmp_local_find(fw_device(dev)->card);
	if (c)
		c->sweep = *(unsigned int *)data;
	spin_unlock_irqrestore(&fwcmp_local.lock, flags);
	return 0;
}

static void fwcmp_local_gc(struct work_struct *work)
{
	struct fwcmp_local_card *c, *tmp;
	unsigned long flags;
	unsigned int sweep;
	LIST_HEAD(dead);

	spin_lock_irqsave(&fwcmp_local.lock, flags);
	sweep = ++fwcmp_local.sweep;	/* sets made from now on survive */
	spin_unlock_irqrestore(&fwcmp_local.lock, flags);

	bus_for_each_dev(&fw_bus_type, NULL, &sweep, fwcmp_local_mark);

	spin_lock_irqsave(&fwcmp_local.lock, flags);
	list_for_each_entry_safe(c, tmp, &fwcmp_local.cards, link)
		if (c->sweep != sweep)
			list_move(&c->link, &dead);
	spin_unlock_irqrestore(&fwcmp_local.lock, flags);

	list_for_each_entry_safe(c, tmp, &dead, link)
		kfree(c);
}

/* ---- /dev/fwcmp-local ---- */

struct fwcmp_local_lookup {
	u64 guid;
	u32 index;
	u32 seen;
	struct fw_device *device;	/* with a reference */
};

static int fwcmp_local_select(struct device *dev, void *data)
{
	struct fwcmp_local_lookup *l = data;
	struct fw_device *device;
	u32 pos;

	if (!fwcmp_is_local_node(dev))
		return 0;
	device = fw_device(dev);
	pos = l->seen++;
	if (l->guid ? device->card->guid != l->guid : pos != l->index)
		return 0;
	get_device(dev);
	l->device = device;
	l->index = pos;
	return 1;
}

static void fwcmp_local_fill(struct fw_card *card, struct fwcmp_local_plugs *a)
{
	struct fwcmp_local_card *c, tmp;
	unsigned long flags;
	u64 ms;

	spin_lock_irqsave(&fwcmp_local.lock, flags);
	c = fwcmp_local_find(card);
	if (c) {
		fwcmp_local_catch_up(c, card);
	} else {
		/* never asked: the registers a first request would find */
		fwcmp_local_card_init(&tmp, card);
		c = &tmp;
		a->flags |= FWCMP_LOCAL_UNTOUCHED;
	}
	a->guid = card->guid;
	a->generation = c->generation;
	a->n_opcr = local_oplugs;
	a->n_ipcr = local_iplugs;
	a->ompr = c->ompr;
	a->impr = c->impr;
	memcpy(a->opcr, c->opcr, sizeof(a->opcr));
	memcpy(a->ipcr, c->ipcr, sizeof(a->ipcr));
	ms = jiffies_to_msecs(get_jiffies_64() - c->reset_jiffies);
	spin_unlock_irqrestore(&fwcmp_local.lock, flags);

	a->ms_since_reset = min_t(u64, ms, U32_MAX);
	if (ms < 1000)
		a->flags |= FWCMP_LOCAL_RESTORE_WINDOW;
}

static long fwcmp_local_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct fwcmp_local_plugs a;
	struct fwcmp_local_lookup l = {};

	if (cmd != FWCMP_IOC_GET_LOCAL_PLUGS)
		return -ENOTTY;
	if (copy_from_user(&a, (void __user *)arg, sizeof(a)))
		return -EFAULT;
	if (a.version != FWCMP_LOCAL_VERSION || a.reserved)
		return -EINVAL;

	l.guid = a.guid;
	l.index = a.index;
	bus_for_each_dev(&fw_bus_type, NULL, &l, fwcmp_local_select);
	if (!l.device)
		return -ENODEV;

	memset(&a, 0, sizeof(a));
	a.version = FWCMP_LOCAL_VERSION;
	a.index = l.index;
	fwcmp_local_fill(l.device->card, &a);
	put_device(&l.device->device);

	return copy_to_user((void __user *)arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static const struct file_operations fwcmp_local_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= fwcmp_local_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/*
 * World-readable: it tells only what any node on the bus reads from these
 * registers with a quadlet read, and it changes nothing.
 */
static struct miscdevice fwcmp_local_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "fwcmp-local",
	.fops	= &fwcmp_local_fops,
	.mode	= 0444,
};

int fwcmp_local_init(void)
{
	int err;

	if (local_oplugs > FWCMP_LOCAL_MAX_PLUGS ||
	    local_iplugs > FWCMP_LOCAL_MAX_PLUGS) {
		pr_err("firewire_cmp: local_oplugs and local_iplugs are 0..%u (IEC 61883-1)\n",
		       FWCMP_LOCAL_MAX_PLUGS);
		return -EINVAL;
	}
	if (!local_oplugs && !local_iplugs)
		return 0;

	INIT_WORK(&fwcmp_local.gc_work, fwcmp_local_gc);
	err = fw_core_add_address_handler(&fwcmp_local_handler,
					  &fwcmp_local_region);
	if (err == -EBUSY) {
		pr_err("firewire_cmp: cannot host local plugs: 0x%llx-0x%llx already has an owner (a libraw1394 program hosting plugs with libiec61883?); stop it or load with local_oplugs=0 local_iplugs=0\n",
		       FWCMP_LOCAL_START, FWCMP_LOCAL_END - 1);
		return err;
	}
	if (err)
		return err;
	err = misc_register(&fwcmp_local_misc);
	if (err) {
		fw_core_remove_address_handler(&fwcmp_local_handler);
		return err;
	}
	fwcmp_local.hosting = true;
	pr_info("firewire_cmp: hosting local plugs: %u oPCR, %u iPCR\n",
		local_oplugs, local_iplugs);
	return 0;
}

void fwcmp_local_exit(void)
{
	struct fwcmp_local_card *c, *tmp;

	if (!fwcmp_local.hosting)
		return;
	misc_deregister(&fwcmp_local_misc);
	/* no callback runs once it returns, so none schedules the GC again */
	fw_core_remove_address_handler(&fwcmp_local_handler);
	cancel_work_sync(&fwcmp_local.gc_work);
	list_for_each_entry_safe(c, tmp, &fwcmp_local.cards, link)
		kfree(c);
	INIT_LIST_HEAD(&fwcmp_local.cards);
	fwcmp_local.hosting = false;
}
