// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim topology: the physical PHY tree, the choice of root and IRM,
 * and the self-ID packets of a bus reset.
 *
 * Rules (Documentation/firewire/firewire-sim.rst):
 *  - Every PHY has FWSIM_PORTS ports. A new node is plugged into the first
 *    free port found breadth-first from the local PHY (ports in ascending
 *    order), so the tree stays shallow: 62 nodes are at most 5 hops away
 *    and the bus diameter stays below 16 hops.
 *  - A PHY never moves. firewire-core's update_tree() pairs the nodes of
 *    two generations by their path of ports from the local node, so a node
 *    deleted while others hang behind it leaves a repeater PHY (link off,
 *    no contender bit), removed once nothing is behind it any more.
 *  - The root is the PHY forced by the last PHY configuration packet, else
 *    the chosen IRM node (bus knob "irm"), else the lowest-numbered
 *    contender node, else the local node. PHY IDs are assigned children
 *    first, ports in ascending order, so the root gets the highest PHY ID;
 *    being a contender it is the IRM (the highest-numbered contender).
 *  - Every self-ID carries gap_count_table[diameter], the value
 *    firewire-core's bus manager would choose, so it never has to reset the
 *    bus again to fix the gap count.
 */

#include <linux/slab.h>

#include "sim.h"

/* IEEE 1394a table E-1, as used by firewire-core's bus manager. */
static const u8 fwsim_gap_count_table[] = {
	63, 5, 7, 8, 10, 13, 16, 18, 21, 24, 26, 29, 32, 35, 37, 40
};

#define SELF_ID_PORT_NCONN	1
#define SELF_ID_PORT_PARENT	2
#define SELF_ID_PORT_CHILD	3
#define SELF_ID_SPEED_S400	2

static bool fwsim_is_child(const struct fwsim_phy *phy, int port)
{
	const struct fwsim_phy *n = phy->port[port];

	return n && n->up == phy && n->up_port == port;
}

static bool fwsim_has_children(const struct fwsim_phy *phy)
{
	int i;

	for (i = 0; i < FWSIM_PORTS; i++)
		if (fwsim_is_child(phy, i))
			return true;
	return false;
}

/* The neighbour on @port if the cable between us is connected. */
static struct fwsim_phy *fwsim_peer(struct fwsim_phy *phy, int port)
{
	struct fwsim_phy *n = phy->port[port];

	if (!n)
		return NULL;
	if (fwsim_is_child(phy, port))
		return n->plugged ? n : NULL;
	return phy->plugged ? n : NULL;
}

/* Whether every cable between @phy and the local PHY is plugged in now. */
bool fwsim_phy_connected(const struct fwsim_phy *phy)
{
	for (; phy->up; phy = phy->up)
		if (!phy->plugged)
			return false;
	return true;
}

/* Caller holds bus->lock. */
int fwsim_topo_place(struct fwsim_bus *bus, struct fwsim_node *node)
{
	struct fwsim_phy *queue[FWSIM_MAX_PHYS];
	struct fwsim_phy *p, *n, *c = node->phy;
	unsigned int head = 0, tail = 0;
	int i;

	if (bus->nr_phys >= FWSIM_MAX_PHYS)
		return -ENOSPC;

	queue[tail++] = &bus->local_phy;
	while (head < tail) {
		p = queue[head++];
		/* port 0 of a simulated PHY faces the local node */
		for (i = p == &bus->local_phy ? 0 : 1; i < FWSIM_PORTS; i++) {
			n = p->port[i];
			if (!n) {
				p->port[i] = c;
				c->port[0] = p;
				c->up = p;
				c->up_port = i;
				c->plugged = true;
				c->node = node;
				c->phy_id = -1;
				bus->nr_phys++;
				return 0;
			}
			if (n->plugged && tail < ARRAY_SIZE(queue))
				queue[tail++] = n;
		}
	}
	return -ENOSPC;
}

/*
 * Take @node's PHY off the tree, or leave it as a repeater when other PHYs
 * hang behind it. Caller holds bus->lock; node->phy is NULL afterwards.
 */
void fwsim_topo_remove(struct fwsim_bus *bus, struct fwsim_node *node)
{
	struct fwsim_phy *phy = node->phy, *up;

	node->phy = NULL;
	phy->node = NULL;
	if (bus->forced_root == phy)
		bus->forced_root = NULL;
	if (fwsim_has_children(phy))
		return;

	for (;;) {
		up = phy->up;
		up->port[phy->up_port] = NULL;
		if (bus->forced_root == phy)
			bus->forced_root = NULL;
		if (phy->phy_id >= 0 && bus->by_phy_id[phy->phy_id] == phy)
			bus->by_phy_id[phy->phy_id] = NULL;
		kfree(phy);
		bus->nr_phys--;
		if (up == &bus->local_phy || up->node || fwsim_has_children(up))
			break;
		phy = up;
	}
}

static void fwsim_free_subtree(struct fwsim_phy *phy)
{
	int i;

	for (i = 0; i < FWSIM_PORTS; i++)
		if (fwsim_is_child(phy, i))
			fwsim_free_subtree(phy->port[i]);
	if (phy->up)
		kfree(phy);
}

/* Teardown: every node has been freed already. Caller holds bus->lock. */
void fwsim_topo_free_all(struct fwsim_bus *bus)
{
	fwsim_free_subtree(&bus->local_phy);
	memset(bus->local_phy.port, 0, sizeof(bus->local_phy.port));
	memset(bus->by_phy_id, 0, sizeof(bus->by_phy_id));
	bus->forced_root = NULL;
	bus->nr_phys = 1;
}

static void fwsim_clear(struct fwsim_phy *phy)
{
	int i;

	phy->phy_id = -1;
	phy->dfs_parent = NULL;
	for (i = 0; i < FWSIM_PORTS; i++)
		if (fwsim_is_child(phy, i))
			fwsim_clear(phy->port[i]);
}

/* Mark the PHYs connected to the local one (phy_id 0 = reachable). */
static void fwsim_mark(struct fwsim_phy *phy)
{
	struct fwsim_phy *n;
	int i;

	phy->phy_id = 0;
	for (i = 0; i < FWSIM_PORTS; i++) {
		n = fwsim_peer(phy, i);
		if (n && n->phy_id < 0)
			fwsim_mark(n);
	}
}

/*
 * Number the tree from @phy down, children before parents in port order,
 * and compute depth and hop count the way core-topology.c does.
 */
static void fwsim_number(struct fwsim_bus *bus, struct fwsim_phy *phy,
			 struct fwsim_phy *parent, int *next)
{
	int depths[2] = { -1, -1 };
	int max_child_hops = 0;
	struct fwsim_phy *n;
	int i;

	phy->dfs_parent = parent;
	for (i = 0; i < FWSIM_PORTS; i++) {
		n = fwsim_peer(phy, i);
		if (!n || n == parent)
			continue;
		fwsim_number(bus, n, phy, next);
		if (n->hops > max_child_hops)
			max_child_hops = n->hops;
		if (n->depth > depths[0]) {
			depths[1] = depths[0];
			depths[0] = n->depth;
		} else if (n->depth > depths[1]) {
			depths[1] = n->depth;
		}
	}
	phy->depth = depths[0] + 1;
	phy->hops = max(max_child_hops, depths[0] + depths[1] + 2);
	phy->phy_id = (*next)++;
	bus->by_phy_id[phy->phy_id] = phy;
}

static struct fwsim_phy *fwsim_choose_root(struct fwsim_bus *bus)
{
	struct fwsim_node *node;
	int i;

	if (bus->forced_root && bus->forced_root->phy_id == 0)
		return bus->forced_root;

	if (bus->irm_choice == FWSIM_LOCAL)
		return &bus->local_phy;
	if (bus->irm_choice >= 0) {
		node = bus->nodes[bus->irm_choice];
		if (node && node->irmc && node->phy->phy_id == 0)
			return node->phy;
	}
	for (i = 0; i < FWSIM_MAX_NODES; i++) {
		node = bus->nodes[i];
		if (node && node->irmc && node->phy->phy_id == 0)
			return node->phy;
	}
	return &bus->local_phy;
}

static u32 fwsim_self_id(struct fwsim_bus *bus, struct fwsim_phy *phy)
{
	bool local = phy == &bus->local_phy;
	bool link, contender;
	struct fwsim_phy *n;
	u32 sid;
	int i;

	if (local) {
		link = bus->phy_regs[4] & PHY_LINK_ACTIVE;
		contender = bus->phy_regs[4] & PHY_CONTENDER;
	} else {
		link = phy->node;
		contender = phy->node && phy->node->irmc;
	}

	sid = 2u << 30 | (u32)phy->phy_id << 24 | (u32)bus->gap_count << 16 |
	      SELF_ID_SPEED_S400 << 14;
	if (link)
		sid |= BIT(22);
	if (contender)
		sid |= BIT(11);
	for (i = 0; i < FWSIM_PORTS; i++) {
		n = fwsim_peer(phy, i);
		if (!n)
			sid |= SELF_ID_PORT_NCONN << (6 - 2 * i);
		else if (n == phy->dfs_parent)
			sid |= SELF_ID_PORT_PARENT << (6 - 2 * i);
		else
			sid |= SELF_ID_PORT_CHILD << (6 - 2 * i);
	}
	if (local && bus->reset_by_local)
		sid |= BIT(1);	/* initiated reset */
	return sid;
}

/*
 * A bus reset: new topology, generation, self-IDs, and the register resets
 * every node performs. Caller holds bus->lock.
 */
void fwsim_topo_reset(struct fwsim_bus *bus)
{
	struct fwsim_phy *root, *phy;
	struct fwsim_node *node;
	int i, count = 0, irm_id = -1;

	memset(bus->by_phy_id, 0, sizeof(bus->by_phy_id));
	fwsim_clear(&bus->local_phy);
	fwsim_mark(&bus->local_phy);
	root = fwsim_choose_root(bus);
	fwsim_clear(&bus->local_phy);
	fwsim_number(bus, root, NULL, &count);

	bus->gap_count = root->hops < ARRAY_SIZE(fwsim_gap_count_table) ?
			 fwsim_gap_count_table[root->hops] : 63;
	bus->self_id_count = count;
	for (i = 0; i < count; i++) {
		phy = bus->by_phy_id[i];
		bus->self_ids[i] = fwsim_self_id(bus, phy);
		if (bus->self_ids[i] & BIT(11))
			irm_id = i;
	}

	bus->local_node_id = LOCAL_BUS | bus->local_phy.phy_id;
	bus->root_is_local = root == &bus->local_phy;
	bus->root_node = root->node;
	bus->irm_is_local = irm_id >= 0 &&
			    bus->by_phy_id[irm_id] == &bus->local_phy;
	bus->irm = irm_id >= 0 ? bus->by_phy_id[irm_id]->node : NULL;
	if (bus->irm_is_local)
		bus->irm = &bus->local;

	bus->generation = (bus->generation + 1) & 0xff;
	bus->resets++;

	bus->phy_regs[0] = bus->local_phy.phy_id << 2 |
			   (bus->root_is_local ? 0x02 : 0) | 0x01;
	bus->phy_regs[1] = (bus->forced_root == &bus->local_phy ? 0x80 : 0) |
			   bus->gap_count;
	bus->phy_regs[5] &= ~PHY_BUS_SHORT_RESET;
	if (!bus->root_is_local)
		bus->cmstr = false;

	if (bus->next_rom_len) {
		memcpy(bus->local.rom, bus->next_rom, bus->next_rom_len * 4);
		bus->local.rom_len = bus->next_rom_len;
		bus->next_rom_len = 0;
	}

	fwsim_node_bus_reset(&bus->local);
	for (i = 0; i < FWSIM_MAX_NODES; i++) {
		node = bus->nodes[i];
		if (node)
			fwsim_node_bus_reset(node);
	}
	bus->reset_pending = false;
	bus->reset_by_local = false;
}
