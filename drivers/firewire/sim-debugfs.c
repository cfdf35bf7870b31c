// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim debugfs: ground truth (registers, counters, node IDs),
 * fault injection and bus knobs, under /sys/kernel/debug/firewire-sim/.
 *
 * Handlers take only bus->lock, never cfg_mutex: node removal holds
 * cfg_mutex while debugfs_remove_recursive() waits for running handlers.
 * That wait is also what keeps a node alive while its files are in use.
 */

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sim.h"

#define FWSIM_DFS_BUF	PAGE_SIZE
#define FWSIM_DFS_IN	512

typedef int (*fwsim_show_t)(void *priv, char *buf, size_t size);
typedef int (*fwsim_store_t)(void *priv, char *buf);

static ssize_t fwsim_dfs_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos, fwsim_show_t show)
{
	char *buf;
	ssize_t ret;
	int len;

	buf = kzalloc(FWSIM_DFS_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = show(file->private_data, buf, FWSIM_DFS_BUF);
	ret = len < 0 ? len : simple_read_from_buffer(ubuf, count, ppos, buf, len);
	kfree(buf);
	return ret;
}

static ssize_t fwsim_dfs_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos, fwsim_store_t store)
{
	char *buf;
	int ret;

	if (*ppos != 0 || count >= FWSIM_DFS_IN)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = store(file->private_data, strim(buf));
	kfree(buf);
	return ret < 0 ? ret : count;
}

#define FWSIM_DFS_RW(_name)						\
static ssize_t _name##_read(struct file *f, char __user *u, size_t n,	\
			    loff_t *pos)				\
{									\
	return fwsim_dfs_read(f, u, n, pos, _name##_show);		\
}									\
static ssize_t _name##_write(struct file *f, const char __user *u,	\
			     size_t n, loff_t *pos)			\
{									\
	return fwsim_dfs_write(f, u, n, pos, _name##_store);		\
}									\
static const struct file_operations _name##_fops = {			\
	.owner	= THIS_MODULE,						\
	.open	= simple_open,						\
	.read	= _name##_read,						\
	.write	= _name##_write,					\
	.llseek	= default_llseek,					\
}

#define FWSIM_DFS_RO(_name)						\
static ssize_t _name##_read(struct file *f, char __user *u, size_t n,	\
			    loff_t *pos)				\
{									\
	return fwsim_dfs_read(f, u, n, pos, _name##_show);		\
}									\
static const struct file_operations _name##_fops = {			\
	.owner	= THIS_MODULE,						\
	.open	= simple_open,						\
	.read	= _name##_read,						\
	.llseek	= default_llseek,					\
}

#define FWSIM_DFS_WO(_name)						\
static ssize_t _name##_write(struct file *f, const char __user *u,	\
			     size_t n, loff_t *pos)			\
{									\
	return fwsim_dfs_write(f, u, n, pos, _name##_store);		\
}									\
static const struct file_operations _name##_fops = {			\
	.owner	= THIS_MODULE,						\
	.open	= simple_open,						\
	.write	= _name##_write,					\
	.llseek	= default_llseek,					\
}

/* ---- registers ---- */

static int regfile_show(void *priv, char *buf, size_t size)
{
	struct fwsim_regfile *rf = priv;
	struct fwsim_bus *bus = rf->node->bus;
	unsigned long flags;
	u32 val;
	int ret;

	spin_lock_irqsave(&bus->lock, flags);
	ret = fwsim_reg_get(rf->node, rf->reg, &val);
	spin_unlock_irqrestore(&bus->lock, flags);
	return ret ? ret : scnprintf(buf, size, "0x%08x\n", val);
}

static int regfile_store(void *priv, char *buf)
{
	struct fwsim_regfile *rf = priv;
	struct fwsim_bus *bus = rf->node->bus;
	unsigned long flags;
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret)
		return -EINVAL;
	spin_lock_irqsave(&bus->lock, flags);
	ret = fwsim_reg_set(rf->node, rf->reg, val);
	spin_unlock_irqrestore(&bus->lock, flags);
	return ret;
}

FWSIM_DFS_RW(regfile);

/* ---- per node ---- */

static int stats_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;
	u64 stats[FWSIM_TC_COUNT][FWSIM_OUT_COUNT];
	unsigned long flags;
	int t, o, len = 0;

	spin_lock_irqsave(&node->bus->lock, flags);
	memcpy(stats, node->stats, sizeof(stats));
	spin_unlock_irqrestore(&node->bus->lock, flags);
	for (t = 0; t < FWSIM_TC_COUNT; t++)
		for (o = 0; o < FWSIM_OUT_COUNT; o++)
			len += scnprintf(buf + len, size - len, "%s.%s %llu\n",
					 fwsim_tclass_names[t],
					 fwsim_outcome_names[o], stats[t][o]);
	return len;
}

FWSIM_DFS_RO(stats);

static int stats_clear_store(void *priv, char *buf)
{
	struct fwsim_node *node = priv;
	unsigned long flags;

	spin_lock_irqsave(&node->bus->lock, flags);
	memset(node->stats, 0, sizeof(node->stats));
	spin_unlock_irqrestore(&node->bus->lock, flags);
	return 0;
}

FWSIM_DFS_WO(stats_clear);

static int fault_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;
	struct fwsim_fault faults[FWSIM_MAX_RULES], *f;
	unsigned long flags;
	int i, t, len = 0;

	spin_lock_irqsave(&node->bus->lock, flags);
	memcpy(faults, node->faults, sizeof(faults));
	spin_unlock_irqrestore(&node->bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_RULES; i++) {
		f = &faults[i];
		if (!f->armed && !f->seen && !f->fired)
			continue;
		len += scnprintf(buf + len, size - len, "%d: %s nth=%u times=",
				 i, fwsim_fault_names[f->kind], f->nth);
		if (f->times == U32_MAX)
			len += scnprintf(buf + len, size - len, "0");
		else
			len += scnprintf(buf + len, size - len, "%u", f->times);
		len += scnprintf(buf + len, size - len, " tcode=");
		if (!f->tclass_mask)
			len += scnprintf(buf + len, size - len, "any");
		for (t = 0; t < FWSIM_TC_COUNT; t++)
			if (f->tclass_mask & BIT(t))
				len += scnprintf(buf + len, size - len, "%s%s",
						 fwsim_tclass_names[t],
						 f->tclass_mask >> (t + 1) ? "," : "");
		if (f->match_offset)
			len += scnprintf(buf + len, size - len, " offset=0x%012llx",
					 f->offset);
		else
			len += scnprintf(buf + len, size - len, " offset=any");
		len += scnprintf(buf + len, size - len, " seen=%u fired=%u %s\n",
				 f->seen, f->fired, f->armed ? "armed" : "done");
	}
	return len;
}

static int fault_store(void *priv, char *buf)
{
	return fwsim_fault_parse(priv, buf);
}

FWSIM_DFS_RW(fault);

static int race_show(void *priv, char *buf, size_t size)
{
	static const char *const ops[] = { "set", "add", "or", "andnot" };
	static const char *const ons[] = { "read", "lock", "any" };
	struct fwsim_node *node = priv;
	struct fwsim_race races[FWSIM_MAX_RULES], *r;
	unsigned long flags;
	char name[16];
	int i, len = 0;

	spin_lock_irqsave(&node->bus->lock, flags);
	memcpy(races, node->races, sizeof(races));
	spin_unlock_irqrestore(&node->bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_RULES; i++) {
		r = &races[i];
		if (!r->armed && !r->fired)
			continue;
		len += scnprintf(buf + len, size - len,
				 "%d: reg=%s on=%s nth=%u %s=0x%08x seen=%u %s\n",
				 i, fwsim_reg_name(r->reg, name, sizeof(name)),
				 ons[r->on], r->nth, ops[r->op], r->value,
				 r->seen, r->armed ? "armed" : "fired");
	}
	return len;
}

static int race_store(void *priv, char *buf)
{
	return fwsim_race_parse(priv, buf);
}

FWSIM_DFS_RW(race);

static int node_id_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;
	unsigned long flags;
	int id;

	spin_lock_irqsave(&node->bus->lock, flags);
	id = node->phy && fwsim_phy_connected(node->phy) ? node->phy->phy_id : -1;
	spin_unlock_irqrestore(&node->bus->lock, flags);
	if (id < 0)
		return scnprintf(buf, size, "none\n");
	return scnprintf(buf, size, "0x%04x\n", LOCAL_BUS | id);
}

FWSIM_DFS_RO(node_id);

static int link_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;
	unsigned long flags;
	bool up;

	spin_lock_irqsave(&node->bus->lock, flags);
	up = node->phy->plugged;
	spin_unlock_irqrestore(&node->bus->lock, flags);
	return scnprintf(buf, size, "%s\n", up ? "up" : "down");
}

static int link_store(void *priv, char *buf)
{
	struct fwsim_node *node = priv;
	bool up;

	if (!strcmp(buf, "up"))
		up = true;
	else if (!strcmp(buf, "down"))
		up = false;
	else if (kstrtobool(buf, &up))
		return -EINVAL;
	return fwsim_node_link(node->bus, node->index, up);
}

FWSIM_DFS_RW(link);

static int guid_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;

	return scnprintf(buf, size, "0x%016llx\n", node->guid);
}

FWSIM_DFS_RO(guid);

static int config_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;

	return scnprintf(buf, size,
			 "index=%d guid=0x%016llx vendor=0x%06x model=0x%06x vendor_name=\"%s\" model_name=\"%s\" oplugs=%u iplugs=%u irm=%d avc=%d pcr=%d\n",
			 node->index, node->guid, node->vendor_id, node->model_id,
			 node->vendor_name, node->model_name, node->oplugs,
			 node->iplugs, node->irmc, node->avc, node->pcr);
}

FWSIM_DFS_RO(config);

static int config_rom_show(void *priv, char *buf, size_t size)
{
	struct fwsim_node *node = priv;
	u32 rom[FWSIM_ROM_QUADLETS];
	unsigned long flags;
	unsigned int i, n;
	int len = 0;

	spin_lock_irqsave(&node->bus->lock, flags);
	n = node->rom_len;
	memcpy(rom, node->rom, n * 4);
	spin_unlock_irqrestore(&node->bus->lock, flags);
	for (i = 0; i < n; i++)
		len += scnprintf(buf + len, size - len, "0x%08x\n", rom[i]);
	return len;
}

FWSIM_DFS_RO(config_rom);

static void fwsim_debugfs_regs(struct fwsim_node *node, struct dentry *dir)
{
	struct fwsim_regfile *rf = node->regfiles;
	char name[24];
	int i;

	if (node->pcr) {
		rf->node = node;
		rf->reg = FWSIM_REG_OMPR;
		debugfs_create_file("ompr", 0600, dir, rf++, &regfile_fops);
		rf->node = node;
		rf->reg = FWSIM_REG_IMPR;
		debugfs_create_file("impr", 0600, dir, rf++, &regfile_fops);
		for (i = 0; i < node->oplugs; i++) {
			rf->node = node;
			rf->reg = FWSIM_REG_OPCR(i);
			snprintf(name, sizeof(name), "opcr%d", i);
			debugfs_create_file(name, 0600, dir, rf++, &regfile_fops);
		}
		for (i = 0; i < node->iplugs; i++) {
			rf->node = node;
			rf->reg = FWSIM_REG_IPCR(i);
			snprintf(name, sizeof(name), "ipcr%d", i);
			debugfs_create_file(name, 0600, dir, rf++, &regfile_fops);
		}
	}
	if (node->irmc) {
		for (i = 0; i < FWSIM_IRM_REGS; i++) {
			rf->node = node;
			rf->reg = CSR_BUS_MANAGER_ID + 4 * i;
			fwsim_reg_name(rf->reg, name, sizeof(name));
			debugfs_create_file(fwsim_reg_name(rf->reg, name, sizeof(name)),
					    0600, dir, rf, &regfile_fops);
			rf++;
		}
	}
}

/* Called with cfg_mutex held, after the node is on the bus. */
void fwsim_debugfs_node_init(struct fwsim_node *node)
{
	struct fwsim_bus *bus = node->bus;
	char name[16];

	if (node->index == FWSIM_LOCAL)
		strscpy(name, "local", sizeof(name));
	else
		snprintf(name, sizeof(name), "node%d", node->index);
	node->dir = debugfs_create_dir(name, bus->ddir);
	fwsim_debugfs_regs(node, debugfs_create_dir("regs", node->dir));
	debugfs_create_file("stats", 0400, node->dir, node, &stats_fops);
	debugfs_create_file("stats_clear", 0200, node->dir, node, &stats_clear_fops);
	debugfs_create_file("fault", 0600, node->dir, node, &fault_fops);
	debugfs_create_file("race", 0600, node->dir, node, &race_fops);
	debugfs_create_file("node_id", 0400, node->dir, node, &node_id_fops);
	debugfs_create_file("guid", 0400, node->dir, node, &guid_fops);
	debugfs_create_file("config_rom", 0400, node->dir, node, &config_rom_fops);
	if (node->index != FWSIM_LOCAL) {
		debugfs_create_file("link", 0600, node->dir, node, &link_fops);
		debugfs_create_file("config", 0400, node->dir, node, &config_fops);
		fwsim_request_debugfs(node);
	}
}

void fwsim_debugfs_node_exit(struct fwsim_node *node)
{
	debugfs_remove_recursive(node->dir);
	node->dir = NULL;
}

/* ---- per bus ---- */

static int fwsim_node_label(struct fwsim_bus *bus, struct fwsim_node *node,
			    bool local, char *buf, size_t size)
{
	if (local)
		return scnprintf(buf, size, "local\n");
	if (!node)
		return scnprintf(buf, size, "none\n");
	return scnprintf(buf, size, "%d\n", node->index);
}

static int irm_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;
	struct fwsim_node *irm;
	unsigned long flags;
	bool local;
	int len;

	spin_lock_irqsave(&bus->lock, flags);
	irm = bus->irm;
	local = bus->irm_is_local;
	len = fwsim_node_label(bus, irm, local, buf, size);
	spin_unlock_irqrestore(&bus->lock, flags);
	return len;
}

static int irm_store(void *priv, char *buf)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	int choice, ret = 0;

	if (!strcmp(buf, "auto"))
		choice = FWSIM_IRM_AUTO;
	else if (!strcmp(buf, "local"))
		choice = FWSIM_LOCAL;
	else if (kstrtoint(buf, 0, &choice) || choice < 0 ||
		 choice >= FWSIM_MAX_NODES)
		return -EINVAL;

	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying)
		ret = -ENODEV;
	else if (choice >= 0 && !bus->nodes[choice])
		ret = -ENOENT;
	else if (choice >= 0 && !bus->nodes[choice]->irmc)
		ret = -EINVAL;
	if (!ret) {
		bus->irm_choice = choice;
		bus->forced_root = NULL;
		fwsim_request_reset_locked(bus, false);
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	return ret;
}

FWSIM_DFS_RW(irm);

static int root_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	int len;

	spin_lock_irqsave(&bus->lock, flags);
	len = fwsim_node_label(bus, bus->root_node, bus->root_is_local, buf, size);
	spin_unlock_irqrestore(&bus->lock, flags);
	return len;
}

FWSIM_DFS_RO(root);

static int latency_us_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;

	return scnprintf(buf, size, "%u\n", READ_ONCE(bus->latency_us));
}

static int latency_us_store(void *priv, char *buf)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	u32 v;

	if (kstrtou32(buf, 0, &v) || v > FWSIM_MAX_LATENCY_US)
		return -EINVAL;
	spin_lock_irqsave(&bus->lock, flags);
	bus->latency_us = v;
	spin_unlock_irqrestore(&bus->lock, flags);
	return 0;
}

FWSIM_DFS_RW(latency_us);

static int reset_after_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;

	return scnprintf(buf, size, "%u\n", READ_ONCE(bus->reset_after));
}

static int reset_after_store(void *priv, char *buf)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	u32 v;

	if (kstrtou32(buf, 0, &v))
		return -EINVAL;
	spin_lock_irqsave(&bus->lock, flags);
	bus->reset_after = v;
	spin_unlock_irqrestore(&bus->lock, flags);
	return 0;
}

FWSIM_DFS_RW(reset_after);

static int bus_reset_store(void *priv, char *buf)
{
	fwsim_request_reset(priv, false);
	return 0;
}

FWSIM_DFS_WO(bus_reset);

static int generation_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	unsigned int gen;
	bool pending;

	spin_lock_irqsave(&bus->lock, flags);
	gen = bus->generation;
	pending = bus->reset_pending;
	spin_unlock_irqrestore(&bus->lock, flags);
	return scnprintf(buf, size, "%u%s\n", gen, pending ? " pending" : "");
}

FWSIM_DFS_RO(generation);

static int counters_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	int len;

	spin_lock_irqsave(&bus->lock, flags);
	len = scnprintf(buf, size,
			"generation %u\nresets %llu\nreset_pending %d\ntransactions %llu\nstale_generation %llu\nno_ack %llu\nnodes %u\nphys %u\ngap_count %u\nlocal_node_id 0x%04x\n",
			bus->generation, bus->resets, bus->reset_pending,
			bus->txns, bus->stale, bus->no_ack, bus->nr_nodes,
			bus->nr_phys, bus->gap_count, bus->local_node_id);
	spin_unlock_irqrestore(&bus->lock, flags);
	return len;
}

FWSIM_DFS_RO(counters);

static int self_ids_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;
	u32 sids[FWSIM_MAX_PHYS];
	unsigned long flags;
	unsigned int i, n;
	int len = 0;

	spin_lock_irqsave(&bus->lock, flags);
	n = bus->self_id_count;
	memcpy(sids, bus->self_ids, n * sizeof(u32));
	spin_unlock_irqrestore(&bus->lock, flags);
	for (i = 0; i < n; i++)
		len += scnprintf(buf + len, size - len, "0x%08x\n", sids[i]);
	return len;
}

FWSIM_DFS_RO(self_ids);

/* Benchmark ground truth: when the last reset and PCR lock happened. */
static int timing_show(void *priv, char *buf, size_t size)
{
	struct fwsim_bus *bus = priv;
	unsigned long flags;
	int len;

	spin_lock_irqsave(&bus->lock, flags);
	len = scnprintf(buf, size,
			"reset_ns %llu\nfirst_cmp_ns %llu\nlast_pcr_lock_ns %llu\npcr_locks %u\nin_flight_max %u\n",
			bus->reset_ns, bus->first_cmp_ns, bus->last_pcr_lock_ns,
			bus->pcr_locks, bus->in_flight_max);
	spin_unlock_irqrestore(&bus->lock, flags);
	return len;
}

FWSIM_DFS_RO(timing);

void fwsim_debugfs_bus_init(struct fwsim_bus *bus)
{
	bus->ddir = debugfs_create_dir(dev_name(&bus->dev), fwsim_debugfs_root);
	debugfs_create_file("irm", 0600, bus->ddir, bus, &irm_fops);
	debugfs_create_file("root", 0400, bus->ddir, bus, &root_fops);
	debugfs_create_file("latency_us", 0600, bus->ddir, bus, &latency_us_fops);
	debugfs_create_file("reset_after", 0600, bus->ddir, bus, &reset_after_fops);
	debugfs_create_file("bus_reset", 0200, bus->ddir, bus, &bus_reset_fops);
	debugfs_create_file("generation", 0400, bus->ddir, bus, &generation_fops);
	debugfs_create_file("counters", 0400, bus->ddir, bus, &counters_fops);
	debugfs_create_file("self_ids", 0400, bus->ddir, bus, &self_ids_fops);
	debugfs_create_file("timing", 0400, bus->ddir, bus, &timing_fops);
	fwsim_debugfs_node_init(&bus->local);
}
