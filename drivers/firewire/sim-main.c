// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim: simulated IEEE 1394 buses for testing firewire-core clients
 * without hardware. Module, "firewire-sim" bus type and bus devices.
 *
 *   echo "ID [NODES]" > /sys/bus/firewire-sim/new_device
 *   echo "ID" > /sys/bus/firewire-sim/del_device
 *
 * Each device fwsim<ID> is one bus: one fw_card with the device as parent.
 * See Documentation/firewire/firewire-sim.rst.
 */

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "sim.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define FWSIM_BUS_CONST const
#else
#define FWSIM_BUS_CONST
#endif

#define FWSIM_MAX_RECEIVE	10	/* 2048 bytes */

struct dentry *fwsim_debugfs_root;

/* All buses; fwsim_buses_mutex also serializes creation and removal. */
static LIST_HEAD(fwsim_buses);
static DEFINE_MUTEX(fwsim_buses_mutex);
static bool fwsim_exiting;		/* fwsim_buses_mutex */

/* One count for the module plus one per bus device not yet released. */
static atomic_t fwsim_live = ATOMIC_INIT(1);
static DECLARE_COMPLETION(fwsim_all_released);

static struct bus_type fwsim_bus_type;
static const struct attribute_group *fwsim_dev_groups[];

static void fwsim_bus_release(struct device *dev)
{
	struct fwsim_bus *bus = fwsim_bus_of_dev(dev);

	mutex_destroy(&bus->cfg_mutex);
	kfree(bus);
	if (atomic_dec_and_test(&fwsim_live))
		complete(&fwsim_all_released);
}

static struct fwsim_bus *fwsim_bus_find(unsigned int id)
{
	struct fwsim_bus *bus;

	list_for_each_entry(bus, &fwsim_buses, link)
		if (bus->id == id)
			return bus;
	return NULL;
}

/* Free nodes, PHYs and debugfs of a bus no longer on the air. */
static void fwsim_bus_free_nodes(struct fwsim_bus *bus)
{
	unsigned long flags;
	int i;

	debugfs_remove_recursive(bus->ddir);
	bus->ddir = NULL;

	mutex_lock(&bus->cfg_mutex);
	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_NODES; i++) {
		kfree(bus->nodes[i]);
		bus->nodes[i] = NULL;
	}
	bus->nr_nodes = 0;
	bus->irm = NULL;
	bus->root_node = NULL;
	fwsim_topo_free_all(bus);
	spin_unlock_irqrestore(&bus->lock, flags);
	mutex_unlock(&bus->cfg_mutex);
}

/*
 * Take a bus off the air and unregister it. firewire-core's
 * fw_core_remove_card() waits until every reference to the card is gone;
 * an open /dev/fwN of this bus holds one until it is closed.
 */
static void fwsim_bus_teardown(struct fwsim_bus *bus)
{
	unsigned long flags;

	mutex_lock(&bus->cfg_mutex);
	spin_lock_irqsave(&bus->lock, flags);
	bus->dying = true;
	spin_unlock_irqrestore(&bus->lock, flags);
	mutex_unlock(&bus->cfg_mutex);

	/* no bus reset may be reported once the core starts tearing down */
	cancel_work_sync(&bus->reset_work);
	fw_core_remove_card(&bus->card);

	/* complete what is still queued with RCODE_CANCELLED */
	mod_delayed_work(bus->wq, &bus->tx_work, 0);
	flush_delayed_work(&bus->tx_work);
	hrtimer_cancel(&bus->tx_timer);
	destroy_workqueue(bus->wq);
	bus->wq = NULL;
	WARN_ON(!list_empty(&bus->txq));

	fwsim_bus_free_nodes(bus);
	device_unregister(&bus->dev);
}

int fwsim_bus_create(unsigned int id, unsigned int nodes)
{
	struct fwsim_node_cfg cfg;
	struct fwsim_bus *bus;
	unsigned int i;
	int ret;

	if (id > FWSIM_MAX_BUS_ID || nodes > FWSIM_MAX_NODES)
		return -EINVAL;

	mutex_lock(&fwsim_buses_mutex);
	if (fwsim_exiting) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (fwsim_bus_find(id)) {
		ret = -EEXIST;
		goto out_unlock;
	}

	bus = kzalloc(sizeof(*bus), GFP_KERNEL);
	if (!bus) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	bus->id = id;
	mutex_init(&bus->cfg_mutex);
	spin_lock_init(&bus->lock);
	INIT_LIST_HEAD(&bus->txq);
	INIT_WORK(&bus->reset_work, fwsim_reset_work);
	INIT_DELAYED_WORK(&bus->tx_work, fwsim_tx_work);
	fwsim_foreign_init(bus);
	fwsim_tx_timer_init(bus);
	bus->irm_choice = FWSIM_IRM_AUTO;
	bus->gap_count = 63;
	bus->phy_regs[1] = 63;
	bus->phy_regs[2] = PHY_EXTENDED_REGISTERS | FWSIM_PORTS;
	bus->phy_regs[3] = SCODE_400 << 5;
	bus->local.guid = (u64)FWSIM_DEFAULT_VENDOR << 40 | (u64)id << 16;
	fwsim_node_init_local(bus);

	device_initialize(&bus->dev);
	bus->dev.bus = &fwsim_bus_type;
	bus->dev.groups = fwsim_dev_groups;
	bus->dev.release = fwsim_bus_release;
	atomic_inc(&fwsim_live);
	ret = dev_set_name(&bus->dev, "fwsim%u", id);
	if (ret)
		goto err_put;

	bus->wq = alloc_ordered_workqueue("firewire-sim%u", 0, id);
	if (!bus->wq) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = device_add(&bus->dev);
	if (ret)
		goto err_wq;

	fw_card_initialize(&bus->card, &fwsim_card_driver, &bus->dev);
	fwsim_debugfs_bus_init(bus);

	mutex_lock(&bus->cfg_mutex);
	for (i = 0, ret = 0; i < nodes && ret >= 0; i++) {
		fwsim_node_cfg_default(&cfg);
		cfg.index = i;
		cfg.irmc = i == 0;	/* the default IRM */
		ret = fwsim_node_add(bus, &cfg);
	}
	mutex_unlock(&bus->cfg_mutex);
	if (ret < 0)
		goto err_nodes;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	ret = fw_card_add(&bus->card, FWSIM_MAX_RECEIVE, SCODE_400,
			  bus->local.guid, 1);
#else
	ret = fw_card_add(&bus->card, FWSIM_MAX_RECEIVE, SCODE_400,
			  bus->local.guid);
#endif
	if (ret)
		goto err_nodes;

	list_add_tail(&bus->link, &fwsim_buses);
	mutex_unlock(&fwsim_buses_mutex);
	return 0;

err_nodes:
	fwsim_bus_free_nodes(bus);
	device_del(&bus->dev);
err_wq:
	hrtimer_cancel(&bus->tx_timer);
	destroy_workqueue(bus->wq);
err_put:
	put_device(&bus->dev);
out_unlock:
	mutex_unlock(&fwsim_buses_mutex);
	return ret;
}

int fwsim_bus_destroy(unsigned int id)
{
	struct fwsim_bus *bus;

	mutex_lock(&fwsim_buses_mutex);
	bus = fwsim_bus_find(id);
	if (bus)
		list_del(&bus->link);
	mutex_unlock(&fwsim_buses_mutex);
	if (!bus)
		return -ENOENT;
	fwsim_bus_teardown(bus);
	return 0;
}

/* ---- bus type attributes ---- */

static ssize_t new_device_store(FWSIM_BUS_CONST struct bus_type *bt,
				const char *buf, size_t count)
{
	unsigned int id, nodes = 1;
	char extra;
	int n, ret;

	n = sscanf(buf, "%u %u %c", &id, &nodes, &extra);
	if (n < 1 || n > 2)
		return -EINVAL;
	ret = fwsim_bus_create(id, nodes);
	return ret ? ret : count;
}
static BUS_ATTR_WO(new_device);

static ssize_t del_device_store(FWSIM_BUS_CONST struct bus_type *bt,
				const char *buf, size_t count)
{
	unsigned int id;
	char extra;
	int ret;

	if (sscanf(buf, "%u %c", &id, &extra) != 1)
		return -EINVAL;
	ret = fwsim_bus_destroy(id);
	return ret ? ret : count;
}
static BUS_ATTR_WO(del_device);

static struct attribute *fwsim_bus_attrs[] = {
	&bus_attr_new_device.attr,
	&bus_attr_del_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fwsim_bus);

static struct bus_type fwsim_bus_type = {
	.name		= "firewire-sim",
	.bus_groups	= fwsim_bus_groups,
};

/* ---- bus device attributes ---- */

static ssize_t new_node_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct fwsim_bus *bus = fwsim_bus_of_dev(dev);
	struct fwsim_node_cfg cfg;
	char *s;
	int ret;

	s = kstrndup(buf, count, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	fwsim_node_cfg_default(&cfg);
	ret = fwsim_node_cfg_parse(&cfg, s);
	kfree(s);
	if (ret)
		return ret;

	mutex_lock(&bus->cfg_mutex);
	ret = fwsim_node_add(bus, &cfg);
	mutex_unlock(&bus->cfg_mutex);
	if (ret < 0)
		fwsim_info(bus, "new_node failed: %d\n", ret);
	return ret < 0 ? ret : count;
}
static DEVICE_ATTR_WO(new_node);

static ssize_t del_node_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct fwsim_bus *bus = fwsim_bus_of_dev(dev);
	unsigned long flags;
	bool dying;
	int index, ret;

	ret = kstrtoint(buf, 0, &index);
	if (ret)
		return -EINVAL;

	mutex_lock(&bus->cfg_mutex);
	spin_lock_irqsave(&bus->lock, flags);
	dying = bus->dying;
	spin_unlock_irqrestore(&bus->lock, flags);
	ret = dying ? -ENODEV : fwsim_node_del(bus, index);
	mutex_unlock(&bus->cfg_mutex);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(del_node);

static ssize_t bus_reset_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	fwsim_request_reset(fwsim_bus_of_dev(dev), false);
	return count;
}
static DEVICE_ATTR_WO(bus_reset);

static ssize_t nodes_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct fwsim_bus *bus = fwsim_bus_of_dev(dev);
	struct fwsim_node *node;
	unsigned long flags;
	int i, id, len = 0;

	spin_lock_irqsave(&bus->lock, flags);
	for (i = 0; i < FWSIM_MAX_NODES; i++) {
		node = bus->nodes[i];
		if (!node)
			continue;
		id = fwsim_phy_connected(node->phy) ? node->phy->phy_id : -1;
		len += sysfs_emit_at(buf, len, "%d 0x%016llx %s ", i, node->guid,
				     node->phy->plugged ? "up" : "down");
		if (id >= 0)
			len += sysfs_emit_at(buf, len, "0x%04x", LOCAL_BUS | id);
		else
			len += sysfs_emit_at(buf, len, "none");
		len += sysfs_emit_at(buf, len, "%s%s\n", node->irmc ? " irmc" : "",
				     bus->irm == node ? " irm" : "");
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	return len;
}
static DEVICE_ATTR_RO(nodes);

static struct attribute *fwsim_dev_attrs[] = {
	&dev_attr_new_node.attr,
	&dev_attr_del_node.attr,
	&dev_attr_bus_reset.attr,
	&dev_attr_nodes.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fwsim_dev);

/* ---- module ---- */

static int __init fwsim_init(void)
{
	int ret;

	fwsim_debugfs_root = debugfs_create_dir("firewire-sim", NULL);
	ret = bus_register(&fwsim_bus_type);
	if (ret)
		debugfs_remove_recursive(fwsim_debugfs_root);
	return ret;
}

static void __exit fwsim_exit(void)
{
	struct fwsim_bus *bus, *tmp;
	LIST_HEAD(doomed);

	mutex_lock(&fwsim_buses_mutex);
	fwsim_exiting = true;
	list_splice_init(&fwsim_buses, &doomed);
	mutex_unlock(&fwsim_buses_mutex);

	list_for_each_entry_safe(bus, tmp, &doomed, link) {
		list_del(&bus->link);
		fwsim_bus_teardown(bus);
	}
	bus_unregister(&fwsim_bus_type);

	/* every bus device released: nothing of ours is referenced any more */
	if (!atomic_dec_and_test(&fwsim_live))
		wait_for_completion(&fwsim_all_released);
	debugfs_remove_recursive(fwsim_debugfs_root);
}

module_init(fwsim_init);
module_exit(fwsim_exit);

MODULE_DESCRIPTION("Simulated IEEE 1394 bus for firewire-core");
MODULE_LICENSE("GPL");
