// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim nodes: configuration, config ROM, the registers a node
 * answers (IEC 61883-1 plug registers, IEEE 1394 IRM registers), and the
 * fault and race rules applied to requests.
 */

#include <linux/crc-itu-t.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

#define FWSIM_AVC_SPECIFIER_ID	0x00a02d
#define FWSIM_AVC_VERSION	0x010001

/* IEC 61883-1 reset values of a DV camcorder-like node. */
#define FWSIM_OMPR_DEFAULT	0xbf000000	/* S400, broadcast base 63 */
#define FWSIM_IMPR_DEFAULT	0x80000000	/* S400 */
#define FWSIM_OPCR_DEFAULT	0x803f007a	/* on-line, ch 63, S100, 122 quadlets */
#define FWSIM_IPCR_DEFAULT	0x803f0000	/* on-line, ch 63 */

const char *const fwsim_tclass_names[FWSIM_TC_COUNT] = {
	[FWSIM_TC_READ_QUADLET]	= "read_quadlet",
	[FWSIM_TC_READ_BLOCK]	= "read_block",
	[FWSIM_TC_WRITE_QUADLET] = "write_quadlet",
	[FWSIM_TC_WRITE_BLOCK]	= "write_block",
	[FWSIM_TC_LOCK]		= "lock",
};

const char *const fwsim_outcome_names[FWSIM_OUT_COUNT] = {
	[FWSIM_OUT_COMPLETE]	= "complete",
	[FWSIM_OUT_BUSY]	= "busy",
	[FWSIM_OUT_TYPE_ERROR]	= "type_error",
	[FWSIM_OUT_ADDRESS_ERROR] = "address_error",
	[FWSIM_OUT_TIMEOUT]	= "timeout",
	[FWSIM_OUT_GENERATION]	= "generation",
	[FWSIM_OUT_LOST_RESPONSE] = "lost_response",
};

const char *const fwsim_fault_names[FWSIM_FAULT_KINDS] = {
	[FWSIM_FAULT_BUSY]	= "busy",
	[FWSIM_FAULT_TYPE_ERROR] = "type_error",
	[FWSIM_FAULT_ADDRESS_ERROR] = "address_error",
	[FWSIM_FAULT_TIMEOUT]	= "timeout",
	[FWSIM_FAULT_GENERATION] = "generation",
	[FWSIM_FAULT_LOST_RESPONSE] = "lost_response",
};

static const char *const fwsim_irm_names[FWSIM_IRM_REGS] = {
	[FWSIM_BUS_MANAGER_ID]		= "bus_manager_id",
	[FWSIM_BANDWIDTH_AVAILABLE]	= "bandwidth_available",
	[FWSIM_CHANNELS_AVAILABLE_HI]	= "channels_available_hi",
	[FWSIM_CHANNELS_AVAILABLE_LO]	= "channels_available_lo",
};

/* ---- key=value parsing shared by sysfs and debugfs writers ---- */

/*
 * Split the next whitespace-separated token of *@s in place into a key and
 * an optional value ("key=value", the value may be double-quoted).
 * Returns 1 for a token, 0 at the end, -EINVAL for a malformed one.
 */
int fwsim_next_token(char **s, char **key, char **val)
{
	char *p = skip_spaces(*s);

	if (!*p)
		return 0;
	*key = p;
	*val = NULL;
	while (*p && !isspace(*p) && *p != '=')
		p++;
	if (*p == '=') {
		*p++ = '\0';
		if (*p == '"') {
			*val = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return -EINVAL;
			*p++ = '\0';
			if (*p && !isspace(*p))
				return -EINVAL;
		} else {
			*val = p;
			while (*p && !isspace(*p))
				p++;
		}
	}
	if (*p)
		*p++ = '\0';
	*s = p;
	return 1;
}

static int fwsim_parse_u32_max(const char *val, u32 max, u32 *out)
{
	u32 v;
	int ret;

	if (!val)
		return -EINVAL;
	ret = kstrtou32(val, 0, &v);
	if (ret)
		return ret == -ERANGE ? -EINVAL : ret;
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int fwsim_parse_name(const char *val, char *out)
{
	size_t i, len;

	if (!val)
		return -EINVAL;
	len = strlen(val);
	if (len == 0 || len >= FWSIM_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (val[i] < 0x20 || val[i] > 0x7e)
			return -EINVAL;
	strscpy(out, val, FWSIM_NAME_MAX);
	return 0;
}

void fwsim_node_cfg_default(struct fwsim_node_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->index = -1;
	cfg->vendor_id = FWSIM_DEFAULT_VENDOR;
	cfg->model_id = FWSIM_DEFAULT_MODEL;
	strscpy(cfg->vendor_name, "firewire-sim", FWSIM_NAME_MAX);
	strscpy(cfg->model_name, "Simulated AV/C device", FWSIM_NAME_MAX);
	cfg->oplugs = 1;
	cfg->iplugs = 1;
	cfg->avc = true;
	cfg->pcr = true;
}

/* Parse "key=value ..." of the new_node attribute into @cfg. */
int fwsim_node_cfg_parse(struct fwsim_node_cfg *cfg, char *buf)
{
	char *key, *val;
	u32 v;
	int ret;

	while ((ret = fwsim_next_token(&buf, &key, &val)) > 0) {
		if (!strcmp(key, "index")) {
			ret = fwsim_parse_u32_max(val, FWSIM_MAX_NODES - 1, &v);
			cfg->index = v;
		} else if (!strcmp(key, "guid")) {
			ret = val ? kstrtou64(val, 0, &cfg->guid) : -EINVAL;
			if (!ret && cfg->guid == 0)
				ret = -EINVAL;
		} else if (!strcmp(key, "vendor")) {
			ret = fwsim_parse_u32_max(val, 0xffffff, &cfg->vendor_id);
		} else if (!strcmp(key, "model")) {
			ret = fwsim_parse_u32_max(val, 0xffffff, &cfg->model_id);
		} else if (!strcmp(key, "vendor_name")) {
			ret = fwsim_parse_name(val, cfg->vendor_name);
		} else if (!strcmp(key, "model_name")) {
			ret = fwsim_parse_name(val, cfg->model_name);
		} else if (!strcmp(key, "oplugs")) {
			ret = fwsim_parse_u32_max(val, FWSIM_MAX_PLUGS, &v);
			cfg->oplugs = v;
		} else if (!strcmp(key, "iplugs")) {
			ret = fwsim_parse_u32_max(val, FWSIM_MAX_PLUGS, &v);
			cfg->iplugs = v;
		} else if (!strcmp(key, "irm")) {
			ret = val ? kstrtobool(val, &cfg->irmc) : -EINVAL;
		} else if (!strcmp(key, "avc")) {
			ret = val ? kstrtobool(val, &cfg->avc) : -EINVAL;
		} else if (!strcmp(key, "pcr")) {
			ret = val ? kstrtobool(val, &cfg->pcr) : -EINVAL;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			return ret == -ERANGE ? -EINVAL : ret;
	}
	return ret;
}

/* ---- config ROM (IEEE 1212 / IEEE 1394 clause 8.3.2) ---- */

static u16 fwsim_crc16(const u32 *q, unsigned int n)
{
	u16 crc = 0;
	__be32 b;

	while (n--) {
		b = cpu_to_be32(*q++);
		crc = crc_itu_t(crc, (const u8 *)&b, 4);
	}
	return crc;
}

/* A block header quadlet: length of the block and CRC-16 over it. */
static void fwsim_block_crc(u32 *rom, unsigned int at)
{
	unsigned int len = rom[at] >> 16;

	rom[at] = len << 16 | fwsim_crc16(&rom[at + 1], len);
}

/* Minimal ASCII textual descriptor leaf; returns its size in quadlets. */
static unsigned int fwsim_text_leaf(u32 *rom, unsigned int at, const char *s)
{
	size_t len = strlen(s), i;
	unsigned int q = DIV_ROUND_UP(len, 4);

	rom[at] = (2 + q) << 16;
	rom[at + 1] = 0;	/* descriptor type 0, specifier ID 0 */
	rom[at + 2] = 0;	/* width 0, character set 0, language 0 */
	for (i = 0; i < len; i++)
		rom[at + 3 + i / 4] |= (u32)(u8)s[i] << (24 - 8 * (i % 4));
	fwsim_block_crc(rom, at);
	return 3 + q;
}

static void fwsim_rom_build(struct fwsim_node *node)
{
	unsigned int root = 5, entries = node->avc ? 6 : 5;
	unsigned int unit = root + 1 + entries, vleaf, mleaf, e, len;
	u32 *rom = node->rom;

	memset(rom, 0, sizeof(node->rom));
	rom[1] = 0x31333934;			/* "1394" */
	rom[2] = (node->irmc ? BIT(31) : 0) |	/* irmc */
		 BIT(30) | BIT(29) |		/* cmc, isc */
		 0x64 << 16 |			/* cyc_clk_acc 100 ppm */
		 10 << 12 |			/* max_rec 2048 bytes */
		 2 << 4 |			/* 1394a generation, non-zero */
		 SCODE_400;			/* link_spd */
	rom[3] = node->guid >> 32;
	rom[4] = node->guid;

	vleaf = node->avc ? unit + 4 : unit;
	e = root + 1;
	rom[root] = entries << 16;
	rom[e] = 0x03 << 24 | node->vendor_id;
	e++;
	rom[e] = 0x81 << 24 | (vleaf - e);
	e++;
	rom[e] = 0x0c << 24 | 0x0083c0;		/* node capabilities */
	e++;
	rom[e] = 0x17 << 24 | node->model_id;
	e++;
	len = fwsim_text_leaf(rom, vleaf, node->vendor_name);
	mleaf = vleaf + len;
	rom[e] = 0x81 << 24 | (mleaf - e);
	e++;
	if (node->avc) {
		rom[e] = 0xd1 << 24 | (unit - e);
		rom[unit] = 3 << 16;
		rom[unit + 1] = 0x12 << 24 | FWSIM_AVC_SPECIFIER_ID;
		rom[unit + 2] = 0x13 << 24 | FWSIM_AVC_VERSION;
		rom[unit + 3] = 0x17 << 24 | node->model_id;
		fwsim_block_crc(rom, unit);
	}
	fwsim_block_crc(rom, root);
	len = fwsim_text_leaf(rom, mleaf, node->model_name);
	node->rom_len = mleaf + len;

	/* bus info block: CRC over the whole ROM */
	rom[0] = 4 << 24 | (node->rom_len - 1) << 16;
	rom[0] |= fwsim_crc16(&rom[1], node->rom_len - 1);
}

/* ---- registers ---- */

static void fwsim_irm_reset(struct fwsim_node *node)
{
	node->irm[FWSIM_BUS_MANAGER_ID] = 0x3f;
	node->irm[FWSIM_BANDWIDTH_AVAILABLE] = BANDWIDTH_AVAILABLE_INITIAL;
	node->irm[FWSIM_CHANNELS_AVAILABLE_HI] = 0xffffffff;
	node->irm[FWSIM_CHANNELS_AVAILABLE_LO] = 0xffffffff;
}

/*
 * What a node does on a bus reset (IEC 61883-1 clause 8: p2p connection
 * counters cleared, broadcast connections and everything else kept; IEEE
 * 1394 8.3.2.3: IRM registers back to their initial values).
 * Caller holds bus->lock.
 */
void fwsim_node_bus_reset(struct fwsim_node *node)
{
	int i;

	for (i = 0; i < node->oplugs; i++)
		node->opcr[i] &= ~FWSIM_PCR_P2P_MASK;
	for (i = 0; i < node->iplugs; i++)
		node->ipcr[i] &= ~FWSIM_PCR_P2P_MASK;
	if (node->irmc)
		fwsim_irm_reset(node);
}

/* The register at CSR offset @reg and its read-only mask, or NULL. */
static u32 *fwsim_reg_ptr(struct fwsim_node *node, u16 reg, u32 *ro)
{
	unsigned int n;

	*ro = 0;
	if (reg >= CSR_BUS_MANAGER_ID && reg <= CSR_CHANNELS_AVAILABLE_LO &&
	    !(reg & 3))
		return node->irmc ? &node->irm[(reg - CSR_BUS_MANAGER_ID) / 4] : NULL;
	if (!node->pcr || reg < FWSIM_REG_OMPR || reg >= FWSIM_REG_PLUG_END ||
	    (reg & 3))
		return NULL;
	if (reg == FWSIM_REG_OMPR) {
		*ro = FWSIM_MPR_RO_MASK;
		return &node->ompr;
	}
	if (reg == FWSIM_REG_IMPR) {
		*ro = FWSIM_MPR_RO_MASK;
		return &node->impr;
	}
	*ro = FWSIM_PCR_RO_MASK;
	if (reg < FWSIM_REG_IMPR) {
		n = (reg - FWSIM_REG_OPCR(0)) / 4;
		return n < node->oplugs ? &node->opcr[n] : NULL;
	}
	n = (reg - FWSIM_REG_IPCR(0)) / 4;
	return n < node->iplugs ? &node->ipcr[n] : NULL;
}

/* Ground truth access, bypassing the bus. Caller holds bus->lock. */
int fwsim_reg_get(struct fwsim_node *node, u16 reg, u32 *val)
{
	u32 ro, *p = fwsim_reg_ptr(node, reg, &ro);

	if (!p)
		return -ENOENT;
	*val = *p;
	return 0;
}

int fwsim_reg_set(struct fwsim_node *node, u16 reg, u32 val)
{
	u32 ro, *p = fwsim_reg_ptr(node, reg, &ro);

	if (!p)
		return -ENOENT;
	*p = val;
	return 0;
}

const char *fwsim_reg_name(u16 reg, char *buf, size_t len)
{
	if (reg >= CSR_BUS_MANAGER_ID && reg <= CSR_CHANNELS_AVAILABLE_LO)
		return fwsim_irm_names[(reg - CSR_BUS_MANAGER_ID) / 4];
	if (reg == FWSIM_REG_OMPR)
		return "ompr";
	if (reg == FWSIM_REG_IMPR)
		return "impr";
	if (reg < FWSIM_REG_IMPR)
		snprintf(buf, len, "opcr%u", (reg - FWSIM_REG_OPCR(0)) / 4);
	else
		snprintf(buf, len, "ipcr%u", (reg - FWSIM_REG_IPCR(0)) / 4);
	return buf;
}

int fwsim_reg_lookup(struct fwsim_node *node, const char *name, u16 *reg)
{
	unsigned int n;
	u32 ro;
	int i;

	for (i = 0; i < FWSIM_IRM_REGS; i++) {
		if (!strcmp(name, fwsim_irm_names[i])) {
			*reg = CSR_BUS_MANAGER_ID + 4 * i;
			goto found;
		}
	}
	if (!strcmp(name, "ompr")) {
		*reg = FWSIM_REG_OMPR;
	} else if (!strcmp(name, "impr")) {
		*reg = FWSIM_REG_IMPR;
	} else if (!strncmp(name, "opcr", 4) && !kstrtouint(name + 4, 10, &n) &&
		   n < FWSIM_MAX_PLUGS) {
		*reg = FWSIM_REG_OPCR(n);
	} else if (!strncmp(name, "ipcr", 4) && !kstrtouint(name + 4, 10, &n) &&
		   n < FWSIM_MAX_PLUGS) {
		*reg = FWSIM_REG_IPCR(n);
	} else {
		return -EINVAL;
	}
found:
	return fwsim_reg_ptr(node, *reg, &ro) ? 0 : -ENOENT;
}

/* ---- node life ---- */

struct fwsim_node *fwsim_node_alloc(struct fwsim_bus *bus,
				    const struct fwsim_node_cfg *cfg)
{
	struct fwsim_node *node;
	int i;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return NULL;
	node->phy = kzalloc(sizeof(*node->phy), GFP_KERNEL);
	if (!node->phy) {
		kfree(node);
		return NULL;
	}
	node->bus = bus;
	node->index = cfg->index;
	node->guid = cfg->guid ? cfg->guid :
		     (u64)FWSIM_DEFAULT_VENDOR << 40 | (u64)bus->id << 16 |
		     (cfg->index + 1);
	node->vendor_id = cfg->vendor_id;
	node->model_id = cfg->model_id;
	strscpy(node->vendor_name, cfg->vendor_name, FWSIM_NAME_MAX);
	strscpy(node->model_name, cfg->model_name, FWSIM_NAME_MAX);
	node->oplugs = cfg->pcr ? cfg->oplugs : 0;
	node->iplugs = cfg->pcr ? cfg->iplugs : 0;
	node->irmc = cfg->irmc;
	node->avc = cfg->avc;
	node->pcr = cfg->pcr;
	fwsim_rom_build(node);

	node->ompr = FWSIM_OMPR_DEFAULT | node->oplugs;
	node->impr = FWSIM_IMPR_DEFAULT | node->iplugs;
	for (i = 0; i < node->oplugs; i++)
		node->opcr[i] = FWSIM_OPCR_DEFAULT;
	for (i = 0; i < node->iplugs; i++)
		node->ipcr[i] = FWSIM_IPCR_DEFAULT;
	if (node->irmc)
		fwsim_irm_reset(node);
	return node;
}

void fwsim_node_init_local(struct fwsim_bus *bus)
{
	struct fwsim_node *local = &bus->local;

	local->bus = bus;
	local->index = FWSIM_LOCAL;
	local->phy = &bus->local_phy;
	local->irmc = true;	/* OHCI implements the IRM registers */
	fwsim_irm_reset(local);
	bus->local_phy.node = local;
	bus->local_phy.plugged = true;
	bus->local_phy.phy_id = -1;
	bus->nr_phys = 1;
}

/* Caller holds cfg_mutex. Returns the new node's index. */
int fwsim_node_add(struct fwsim_bus *bus, struct fwsim_node_cfg *cfg)
{
	struct fwsim_node *node;
	unsigned long flags;
	int i, ret = 0;

	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying) {
		ret = -ENODEV;
	} else if (bus->nr_nodes >= FWSIM_MAX_NODES) {
		ret = -ENOSPC;
	} else if (cfg->index >= 0) {
		if (bus->nodes[cfg->index])
			ret = -EEXIST;
	} else {
		for (i = 0; i < FWSIM_MAX_NODES && bus->nodes[i]; i++)
			;
		cfg->index = i;
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	if (ret)
		return ret;

	node = fwsim_node_alloc(bus, cfg);
	if (!node)
		return -ENOMEM;

	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_NODES; i++)
		if (bus->nodes[i] && bus->nodes[i]->guid == node->guid)
			ret = -EEXIST;
	if (node->guid == bus->local.guid)
		ret = -EEXIST;
	if (!ret)
		ret = fwsim_topo_place(bus, node);
	if (!ret) {
		bus->nodes[node->index] = node;
		bus->nr_nodes++;
		fwsim_request_reset_locked(bus, false);
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	if (ret) {
		kfree(node->phy);
		kfree(node);
		return ret;
	}
	fwsim_debugfs_node_init(node);
	return node->index;
}

/* Caller holds cfg_mutex. */
int fwsim_node_del(struct fwsim_bus *bus, int index)
{
	struct fwsim_node *node;
	unsigned long flags;

	if (index < 0 || index >= FWSIM_MAX_NODES)
		return -EINVAL;
	spin_lock_irqsave(&bus->lock, flags);
	node = bus->nodes[index];
	spin_unlock_irqrestore(&bus->lock, flags);
	if (!node)
		return -ENOENT;

	/* debugfs users of the node are gone once this returns */
	fwsim_debugfs_node_exit(node);

	spin_lock_irqsave(&bus->lock, flags);
	bus->nodes[index] = NULL;
	bus->nr_nodes--;
	fwsim_topo_remove(bus, node);
	if (bus->irm == node)
		bus->irm = NULL;
	if (bus->root_node == node)
		bus->root_node = NULL;
	if (bus->irm_choice == index)
		bus->irm_choice = FWSIM_IRM_AUTO;
	if (!bus->dying)
		fwsim_request_reset_locked(bus, false);
	spin_unlock_irqrestore(&bus->lock, flags);
	kfree(node);
	return 0;
}

/*
 * Unplug or replug the cable between a node and its parent. Called from
 * debugfs, so it takes only bus->lock (node_del holds cfg_mutex while it
 * waits for debugfs users).
 */
int fwsim_node_link(struct fwsim_bus *bus, int index, bool up)
{
	struct fwsim_node *node;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&bus->lock, flags);
	node = index >= 0 && index < FWSIM_MAX_NODES ? bus->nodes[index] : NULL;
	if (bus->dying) {
		ret = -ENODEV;
	} else if (!node) {
		ret = -ENOENT;
	} else if (node->phy->plugged != up) {
		node->phy->plugged = up;
		fwsim_request_reset_locked(bus, false);
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	return ret;
}

/* ---- rules ---- */

static struct fwsim_fault *fwsim_fault_match(struct fwsim_node *node,
					     enum fwsim_tclass tclass, u64 offset)
{
	struct fwsim_fault *f, *hit = NULL;
	int i;

	for (i = 0; i < FWSIM_MAX_RULES; i++) {
		f = &node->faults[i];
		if (!f->armed)
			continue;
		if (f->tclass_mask && !(f->tclass_mask & BIT(tclass)))
			continue;
		if (f->match_offset && f->offset != offset)
			continue;
		f->seen++;
		if (!hit && f->seen >= f->nth) {
			hit = f;
			if (++f->fired >= f->times)
				f->armed = false;
		}
	}
	return hit;
}

static void fwsim_race_check(struct fwsim_node *node, u16 reg, u8 on)
{
	struct fwsim_race *r;
	u32 ro, *p;
	int i;

	for (i = 0; i < FWSIM_MAX_RULES; i++) {
		r = &node->races[i];
		if (!r->armed || r->reg != reg ||
		    (r->on != FWSIM_ON_ANY && r->on != on))
			continue;
		if (++r->seen < r->nth)
			continue;
		p = fwsim_reg_ptr(node, reg, &ro);
		if (p) {
			switch (r->op) {
			case FWSIM_RACE_SET:
				*p = r->value;
				break;
			case FWSIM_RACE_ADD:
				*p += r->value;
				break;
			case FWSIM_RACE_OR:
				*p |= r->value;
				break;
			case FWSIM_RACE_ANDNOT:
				*p &= ~r->value;
				break;
			}
		}
		r->fired = true;
		r->armed = false;
	}
}

/* ---- requests ---- */

enum fwsim_tclass fwsim_tclass_of(unsigned int tcode)
{
	switch (tcode) {
	case TCODE_READ_QUADLET_REQUEST:
		return FWSIM_TC_READ_QUADLET;
	case TCODE_READ_BLOCK_REQUEST:
		return FWSIM_TC_READ_BLOCK;
	case TCODE_WRITE_QUADLET_REQUEST:
		return FWSIM_TC_WRITE_QUADLET;
	case TCODE_WRITE_BLOCK_REQUEST:
		return FWSIM_TC_WRITE_BLOCK;
	default:
		return FWSIM_TC_LOCK;
	}
}

static bool fwsim_is_read(unsigned int tcode)
{
	return tcode == TCODE_READ_QUADLET_REQUEST ||
	       tcode == TCODE_READ_BLOCK_REQUEST;
}

/* Config ROM reads, as handle_local_rom() in ohci.c answers them. */
static int fwsim_rom_request(struct fwsim_node *node, unsigned int tcode,
			     u32 csr, size_t length, struct fwsim_result *r,
			     __be32 *buf)
{
	unsigned int i = (csr - CSR_CONFIG_ROM) / 4, k;

	if ((csr & 3) || (length & 3) || length == 0 ||
	    csr - CSR_CONFIG_ROM + length > FWSIM_ROM_QUADLETS * 4)
		return RCODE_ADDRESS_ERROR;
	if (!fwsim_is_read(tcode))
		return RCODE_TYPE_ERROR;
	for (k = 0; k < length / 4; k++)
		buf[k] = cpu_to_be32(node->rom[i + k]);
	r->data = buf;
	r->length = length;
	return RCODE_COMPLETE;
}

/* Quadlet read and compare-swap of a lockable register (PCR, MPR, IRM). */
static int fwsim_lock_request(struct fwsim_node *node, struct fw_packet *p,
			      u16 reg, u32 *val, u32 ro,
			      struct fwsim_result *r, __be32 *buf)
{
	unsigned int tcode = fwsim_hdr_tcode(p->header);
	const __be32 *payload = p->payload;
	u32 arg, data, old;

	if (tcode == TCODE_READ_QUADLET_REQUEST) {
		buf[0] = cpu_to_be32(*val);
		r->data = buf;
		r->length = 4;
		fwsim_race_check(node, reg, FWSIM_ON_READ);
		return RCODE_COMPLETE;
	}
	if (tcode != TCODE_LOCK_REQUEST ||
	    fwsim_hdr_ext_tcode(p->header) != EXTCODE_COMPARE_SWAP ||
	    fwsim_hdr_data_length(p->header) != 8 || !payload)
		return RCODE_TYPE_ERROR;

	arg = be32_to_cpu(payload[0]);
	data = be32_to_cpu(payload[1]);
	old = *val;
	if (old == arg)
		*val = (data & ~ro) | (old & ro);
	buf[0] = cpu_to_be32(old);
	r->data = buf;
	r->length = 4;
	fwsim_race_check(node, reg, FWSIM_ON_LOCK);
	return RCODE_COMPLETE;
}

/* Block read of the plug register area: every quadlet must exist. */
static int fwsim_plug_block_read(struct fwsim_node *node, u32 csr,
				 size_t length, struct fwsim_result *r,
				 __be32 *buf)
{
	unsigned int k;
	u32 ro, *p;

	if ((csr & 3) || (length & 3) || length == 0 ||
	    csr + length > FWSIM_REG_PLUG_END)
		return RCODE_ADDRESS_ERROR;
	for (k = 0; k < length / 4; k++) {
		p = fwsim_reg_ptr(node, csr + 4 * k, &ro);
		if (!p)
			return RCODE_ADDRESS_ERROR;
		buf[k] = cpu_to_be32(*p);
	}
	for (k = 0; k < length / 4; k++)
		fwsim_race_check(node, csr + 4 * k, FWSIM_ON_READ);
	r->data = buf;
	r->length = length;
	return RCODE_COMPLETE;
}

static int fwsim_remote_request(struct fwsim_node *node, struct fw_packet *p,
				u64 offset, size_t length,
				struct fwsim_result *r, __be32 *buf)
{
	unsigned int tcode = fwsim_hdr_tcode(p->header);
	u32 csr, ro, *val;

	/* the initial register space, IEEE 1212: CSR core, ROM, units */
	if (offset < CSR_REGISTER_BASE || offset >= CSR_REGISTER_BASE + 0x1000)
		return RCODE_ADDRESS_ERROR;
	csr = offset - CSR_REGISTER_BASE;

	if (csr >= CSR_CONFIG_ROM && csr < CSR_CONFIG_ROM_END)
		return fwsim_rom_request(node, tcode, csr, length, r, buf);

	if (csr == CSR_STATE_CLEAR || csr == CSR_STATE_SET) {
		if (tcode == TCODE_READ_QUADLET_REQUEST) {
			buf[0] = cpu_to_be32(node->state);
			r->data = buf;
			r->length = 4;
		} else if (tcode == TCODE_WRITE_QUADLET_REQUEST) {
			u32 v = be32_to_cpu((__force __be32)p->header[3]);

			if (csr == CSR_STATE_SET)
				node->state |= v;
			else
				node->state &= ~v;
		} else {
			return RCODE_TYPE_ERROR;
		}
		return RCODE_COMPLETE;
	}

	val = fwsim_reg_ptr(node, csr, &ro);
	if (tcode == TCODE_READ_BLOCK_REQUEST && node->pcr &&
	    csr >= FWSIM_REG_OMPR && csr < FWSIM_REG_PLUG_END)
		return fwsim_plug_block_read(node, csr, length, r, buf);
	if (!val)
		return RCODE_ADDRESS_ERROR;
	/* IEC 61883-1: plugs change by compare-swap only; writes refused. */
	return fwsim_lock_request(node, p, csr, val, ro, r, buf);
}

/* handle_local_request() of ohci.c: ROM and IRM registers, else the core. */
static int fwsim_local_request(struct fwsim_node *node, struct fw_packet *p,
			       u64 offset, size_t length,
			       struct fwsim_result *r, __be32 *buf)
{
	unsigned int tcode = fwsim_hdr_tcode(p->header);
	u32 csr = offset - CSR_REGISTER_BASE;

	if (offset >= CSR_REGISTER_BASE + CSR_CONFIG_ROM &&
	    offset < CSR_REGISTER_BASE + CSR_CONFIG_ROM_END)
		return fwsim_rom_request(node, tcode, csr, length, r, buf);
	if (offset >= CSR_REGISTER_BASE + CSR_BUS_MANAGER_ID &&
	    offset <= CSR_REGISTER_BASE + CSR_CHANNELS_AVAILABLE_LO &&
	    !(offset & 3))
		return fwsim_lock_request(node, p, csr,
					  &node->irm[(csr - CSR_BUS_MANAGER_ID) / 4],
					  0, r, buf);
	r->to_core = true;
	return RCODE_COMPLETE;
}

static void fwsim_count(struct fwsim_node *node, enum fwsim_tclass tclass,
			int rcode)
{
	enum fwsim_outcome out;

	switch (rcode) {
	case RCODE_COMPLETE:
		out = FWSIM_OUT_COMPLETE;
		break;
	case RCODE_TYPE_ERROR:
		out = FWSIM_OUT_TYPE_ERROR;
		break;
	default:
		out = FWSIM_OUT_ADDRESS_ERROR;
		break;
	}
	node->stats[tclass][out]++;
}

/*
 * A request arriving at @node in the current generation. Fills @r with the
 * ack and the response; @buf (the bus's worker buffer) holds response data.
 * Caller holds bus->lock.
 */
void fwsim_node_request(struct fwsim_node *node, struct fw_packet *p,
			struct fwsim_result *r, __be32 *buf)
{
	unsigned int tcode = fwsim_hdr_tcode(p->header);
	enum fwsim_tclass tclass = fwsim_tclass_of(tcode);
	u64 offset = fwsim_hdr_offset(p->header);
	struct fwsim_fault *f;
	bool lost = false;
	size_t length;

	memset(r, 0, sizeof(*r));
	r->ack = ACK_PENDING;
	r->respond = true;
	length = tcode == TCODE_READ_QUADLET_REQUEST ||
		 tcode == TCODE_WRITE_QUADLET_REQUEST ? 4 :
		 fwsim_hdr_data_length(p->header);

	f = fwsim_fault_match(node, tclass, offset);
	if (f) {
		switch (f->kind) {
		case FWSIM_FAULT_BUSY:
			r->ack = ACK_BUSY_X;
			r->respond = false;
			node->stats[tclass][FWSIM_OUT_BUSY]++;
			break;
		case FWSIM_FAULT_TYPE_ERROR:
			r->rcode = RCODE_TYPE_ERROR;
			node->stats[tclass][FWSIM_OUT_TYPE_ERROR]++;
			break;
		case FWSIM_FAULT_ADDRESS_ERROR:
			r->rcode = RCODE_ADDRESS_ERROR;
			node->stats[tclass][FWSIM_OUT_ADDRESS_ERROR]++;
			break;
		case FWSIM_FAULT_TIMEOUT:
			r->respond = false;
			node->stats[tclass][FWSIM_OUT_TIMEOUT]++;
			break;
		case FWSIM_FAULT_GENERATION:
			r->ack = RCODE_GENERATION;
			r->respond = false;
			r->reset = true;
			node->stats[tclass][FWSIM_OUT_GENERATION]++;
			break;
		case FWSIM_FAULT_LOST_RESPONSE:
			/*
			 * Executed, but the response never arrives: the
			 * requester cannot tell this from a timeout.
			 */
			lost = true;
			break;
		}
		if (!lost)
			return;
	}

	if (node->index == FWSIM_LOCAL)
		r->rcode = fwsim_local_request(node, p, offset, length, r, buf);
	else
		r->rcode = fwsim_remote_request(node, p, offset, length, r, buf);
	if (r->to_core) {
		r->respond = false;
		r->lost = lost;
		node->bus->fwd_class[fwsim_hdr_tlabel(p->header)] = tclass;
		return;
	}
	if (r->rcode != RCODE_COMPLETE) {
		r->data = NULL;
		r->length = 0;
	}
	if (lost) {
		r->respond = false;
		node->stats[tclass][FWSIM_OUT_LOST_RESPONSE]++;
		return;
	}
	fwsim_count(node, tclass, r->rcode);
}

/* ---- rule parsers (debugfs "fault" and "race") ---- */

static int fwsim_parse_tclass(char *val, u8 *mask)
{
	char *tok;
	int i;

	*mask = 0;
	while ((tok = strsep(&val, ",")) != NULL) {
		if (!strcmp(tok, "any")) {
			*mask = 0;
			return 0;
		}
		if (!strcmp(tok, "read")) {
			*mask |= BIT(FWSIM_TC_READ_QUADLET) | BIT(FWSIM_TC_READ_BLOCK);
			continue;
		}
		if (!strcmp(tok, "write")) {
			*mask |= BIT(FWSIM_TC_WRITE_QUADLET) | BIT(FWSIM_TC_WRITE_BLOCK);
			continue;
		}
		for (i = 0; i < FWSIM_TC_COUNT; i++)
			if (!strcmp(tok, fwsim_tclass_names[i]))
				break;
		if (i == FWSIM_TC_COUNT)
			return -EINVAL;
		*mask |= BIT(i);
	}
	return 0;
}

/* Find a register by name, or accept a CSR offset or a full address. */
static int fwsim_parse_offset(struct fwsim_node *node, const char *val,
			      u64 *offset)
{
	u16 reg;
	int ret;

	if (!val)
		return -EINVAL;
	if (isdigit(val[0])) {
		ret = kstrtou64(val, 0, offset);
		if (ret)
			return -EINVAL;
		if (*offset < 0x1000)
			*offset += CSR_REGISTER_BASE;
		return *offset >= BIT_ULL(48) ? -EINVAL : 0;
	}
	ret = fwsim_reg_lookup(node, val, &reg);
	if (ret)
		return ret;
	*offset = CSR_REGISTER_BASE + reg;
	return 0;
}

/* From debugfs; takes bus->lock to install the rule (never cfg_mutex). */
int fwsim_fault_parse(struct fwsim_node *node, char *buf)
{
	struct fwsim_fault f = { .armed = true, .nth = 1, .times = 1 };
	struct fwsim_bus *bus = node->bus;
	char *key, *val, *kind = NULL;
	unsigned long flags;
	int i, ret;

	while ((ret = fwsim_next_token(&buf, &key, &val)) > 0) {
		ret = 0;
		if (!val && !kind) {
			kind = key;
		} else if (!strcmp(key, "kind")) {
			kind = val;
		} else if (!strcmp(key, "nth")) {
			ret = fwsim_parse_u32_max(val, U32_MAX, &f.nth);
			if (!ret && f.nth == 0)
				ret = -EINVAL;
		} else if (!strcmp(key, "times")) {
			ret = fwsim_parse_u32_max(val, U32_MAX, &f.times);
			if (!ret && f.times == 0)
				f.times = U32_MAX;
		} else if (!strcmp(key, "tcode")) {
			ret = val ? fwsim_parse_tclass(val, &f.tclass_mask) : -EINVAL;
		} else if (!strcmp(key, "offset") || !strcmp(key, "reg")) {
			ret = fwsim_parse_offset(node, val, &f.offset);
			f.match_offset = true;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (ret < 0 || !kind)
		return -EINVAL;

	spin_lock_irqsave(&bus->lock, flags);
	if (!strcmp(kind, "clear")) {
		memset(node->faults, 0, sizeof(node->faults));
		spin_unlock_irqrestore(&bus->lock, flags);
		return 0;
	}
	spin_unlock_irqrestore(&bus->lock, flags);

	if (!strcmp(kind, "no_response"))
		kind = "timeout";
	for (i = 0; i < FWSIM_FAULT_KINDS; i++)
		if (!strcmp(kind, fwsim_fault_names[i]))
			break;
	if (i == FWSIM_FAULT_KINDS)
		return -EINVAL;
	f.kind = i;

	ret = -ENOSPC;
	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_RULES; i++) {
		if (!node->faults[i].armed && !node->faults[i].fired &&
		    !node->faults[i].seen) {
			node->faults[i] = f;
			ret = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	return ret;
}

int fwsim_race_parse(struct fwsim_node *node, char *buf)
{
	struct fwsim_race r = { .armed = true, .nth = 1, .on = FWSIM_ON_READ };
	struct fwsim_bus *bus = node->bus;
	bool have_reg = false, have_op = false, clear = false;
	char *key, *val;
	unsigned long flags;
	s64 delta;
	int i, ret;

	while ((ret = fwsim_next_token(&buf, &key, &val)) > 0) {
		ret = 0;
		if (!val && !strcmp(key, "clear")) {
			clear = true;
		} else if (!strcmp(key, "reg")) {
			ret = val ? fwsim_reg_lookup(node, val, &r.reg) : -EINVAL;
			have_reg = true;
		} else if (!strcmp(key, "nth")) {
			ret = fwsim_parse_u32_max(val, U32_MAX, &r.nth);
			if (!ret && r.nth == 0)
				ret = -EINVAL;
		} else if (!strcmp(key, "on")) {
			if (val && !strcmp(val, "read"))
				r.on = FWSIM_ON_READ;
			else if (val && !strcmp(val, "lock"))
				r.on = FWSIM_ON_LOCK;
			else if (val && !strcmp(val, "any"))
				r.on = FWSIM_ON_ANY;
			else
				ret = -EINVAL;
		} else if (!strcmp(key, "set") || !strcmp(key, "or") ||
			   !strcmp(key, "andnot")) {
			ret = have_op ? -EINVAL :
			      fwsim_parse_u32_max(val, U32_MAX, &r.value);
			r.op = key[0] == 's' ? FWSIM_RACE_SET :
			       key[0] == 'o' ? FWSIM_RACE_OR : FWSIM_RACE_ANDNOT;
			have_op = true;
		} else if (!strcmp(key, "add")) {
			ret = have_op || !val ? -EINVAL : kstrtos64(val, 0, &delta);
			if (!ret && (delta > U32_MAX || delta < -(s64)U32_MAX))
				ret = -EINVAL;
			r.value = (u32)delta;
			r.op = FWSIM_RACE_ADD;
			have_op = true;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			return ret == -ERANGE ? -EINVAL : ret;
	}
	if (ret < 0)
		return ret;
	if (clear) {
		if (have_reg || have_op)
			return -EINVAL;
		spin_lock_irqsave(&bus->lock, flags);
		memset(node->races, 0, sizeof(node->races));
		spin_unlock_irqrestore(&bus->lock, flags);
		return 0;
	}
	if (!have_reg || !have_op)
		return -EINVAL;

	ret = -ENOSPC;
	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_RULES; i++) {
		if (!node->races[i].armed && !node->races[i].fired) {
			node->races[i] = r;
			ret = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	return ret;
}
