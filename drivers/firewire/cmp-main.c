// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-main.c - firewire-cmp module: AV/C unit driver, device class, sysfs.
 *
 * Binds AV/C units (IEC 61883-1 / AV/C: unit specifier ID 0x00a02d, version
 * 0x010001) and gives each one a character device /dev/fwcmpN through which
 * programs make IEC 61883-1 connections on the unit's plugs.
 */

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/firewire.h>
#include <linux/firewire-constants.h>
#include <linux/idr.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include "cmp.h"

#define FWCMP_MINORS		256
#define FWCMP_MPR_TRIES		3

static dev_t fwcmp_devt;
static DEFINE_IDA(fwcmp_minors);
struct workqueue_struct *fwcmp_wq;

void fwcmp_plug_err(struct fwcmp_unit *u, unsigned int dir, unsigned int index,
		    const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	/*
	 * On our own device, not the fw_unit: .remove drops the unit while
	 * u, and so u->dev, lives on until the last file is closed.
	 */
	dev_err_ratelimited(&u->dev, "%cPCR%u: %pV",
			    dir == FWCMP_DIR_INPUT ? 'i' : 'o', index, &vaf);
	va_end(args);
}

/*
 * firewire-core updates the node ID before the generation (see struct
 * fw_device), so reading them in the other order never pairs a new node ID
 * with an old generation the wrong way round.
 */
void fwcmp_current_gen(struct fwcmp_unit *u, int *generation, int *node_id)
{
	struct fw_device *device = fwcmp_fw_device(u);

	*generation = READ_ONCE(device->generation);
	/* Pairs with the smp_wmb() between the two stores in firewire-core. */
	smp_rmb();
	*node_id = READ_ONCE(device->node_id);
}

unsigned int fwcmp_plug_count(struct fwcmp_unit *u, unsigned int dir)
{
	if (u->mpr_state[dir] != FWCMP_MPR_PRESENT)
		return 0;
	return fwcmp_mpr_plugs_get(u->mpr[dir]);
}

/*
 * Read the MPRs not known yet. An address error means the unit has no plug
 * registers (it still binds); other failures are tried again after the
 * next bus reset. Caller holds u->lock or owns u exclusively (probe).
 */
int fwcmp_read_mprs(struct fwcmp_unit *u)
{
	static const u64 offsets[FWCMP_DIRS] = {
		[FWCMP_DIR_OUTPUT] = FWCMP_CSR_OMPR,
		[FWCMP_DIR_INPUT] = FWCMP_CSR_IMPR,
	};
	struct fw_device *device = fwcmp_fw_device(u);
	int generation, node_id, rcode = RCODE_COMPLETE, tries;
	unsigned int dir;
	__be32 data;

	for (dir = 0; dir < FWCMP_DIRS; dir++) {
		if (u->mpr_state[dir] != FWCMP_MPR_UNKNOWN)
			continue;
		for (tries = 0; tries < FWCMP_MPR_TRIES; tries++) {
			fwcmp_current_gen(u, &generation, &node_id);
			rcode = fw_run_transaction(device->card,
						   TCODE_READ_QUADLET_REQUEST,
						   node_id, generation,
						   device->max_speed,
						   FWCMP_CSR_REGISTER_BASE +
						   offsets[dir], &data, 4);
			if (rcode == RCODE_COMPLETE ||
			    rcode == RCODE_ADDRESS_ERROR ||
			    rcode == RCODE_TYPE_ERROR)
				break;
		}
		if (rcode == RCODE_COMPLETE) {
			u->mpr[dir] = be32_to_cpu(data);
			u->mpr_state[dir] = FWCMP_MPR_PRESENT;
		} else if (rcode == RCODE_ADDRESS_ERROR ||
			   rcode == RCODE_TYPE_ERROR) {
			u->mpr[dir] = 0;
			u->mpr_state[dir] = FWCMP_MPR_ABSENT;
		} else {
			dev_info(&u->unit->device, "%cMPR not read: %s\n",
				 dir == FWCMP_DIR_INPUT ? 'i' : 'o',
				 fw_rcode_string(rcode));
		}
	}
	return 0;
}

/* ---- sysfs attributes of /sys/class/fwcmp/fwcmpN ---- */

static struct fwcmp_unit *fwcmp_from_dev(struct device *dev)
{
	return container_of(dev, struct fwcmp_unit, dev);
}

static ssize_t guid_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", fwcmp_from_dev(dev)->guid);
}
static DEVICE_ATTR_RO(guid);

static ssize_t node_id_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	int generation, node_id;

	fwcmp_current_gen(fwcmp_from_dev(dev), &generation, &node_id);
	return sysfs_emit(buf, "0x%04x\n", node_id & 0xffff);
}
static DEVICE_ATTR_RO(node_id);

static ssize_t output_plugs_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct fwcmp_unit *u = fwcmp_from_dev(dev);
	unsigned int n;

	mutex_lock(&u->lock);
	n = fwcmp_plug_count(u, FWCMP_DIR_OUTPUT);
	mutex_unlock(&u->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(output_plugs);

static ssize_t input_plugs_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct fwcmp_unit *u = fwcmp_from_dev(dev);
	unsigned int n;

	mutex_lock(&u->lock);
	n = fwcmp_plug_count(u, FWCMP_DIR_INPUT);
	mutex_unlock(&u->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(input_plugs);

static struct attribute *fwcmp_attrs[] = {
	&dev_attr_guid.attr,
	&dev_attr_node_id.attr,
	&dev_attr_output_plugs.attr,
	&dev_attr_input_plugs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fwcmp);

/* Group access only; udev rules add the group and uaccess tag. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *fwcmp_devnode(const struct device *dev, umode_t *mode)
#else
static char *fwcmp_devnode(struct device *dev, umode_t *mode)
#endif
{
	if (mode)
		*mode = 0660;
	return NULL;
}

static struct class fwcmp_class = {
	.name		= "fwcmp",
	.devnode	= fwcmp_devnode,
	.dev_groups	= fwcmp_groups,
};

/* ---- the unit driver ---- */

/* The last reference is gone: no file, no work, no driver binding. */
static void fwcmp_dev_release(struct device *dev)
{
	struct fwcmp_unit *u = fwcmp_from_dev(dev);

	WARN_ON(!xa_empty(&u->handles));
	xa_destroy(&u->handles);
	mutex_destroy(&u->lock);
	ida_free(&fwcmp_minors, u->minor);
	if (u->unit)	/* probe failed before remove could drop it */
		fw_unit_put(u->unit);
	kfree(u);
}

static void fwcmp_read_ids(const u32 *directory, u32 *vendor, u32 *model)
{
	struct fw_csr_iterator ci;
	int key, value;

	fw_csr_iterator_init(&ci, directory);
	while (fw_csr_iterator_next(&ci, &key, &value)) {
		if (key == CSR_VENDOR)
			*vendor = value;
		else if (key == CSR_MODEL)
			*model = value;
	}
}

static int fwcmp_probe(struct fw_unit *unit, const struct ieee1394_device_id *id)
{
	struct fw_device *device = fw_parent_device(unit);
	struct fwcmp_unit *u;
	int minor, err;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;

	minor = ida_alloc_max(&fwcmp_minors, FWCMP_MINORS - 1, GFP_KERNEL);
	if (minor < 0) {
		kfree(u);
		return minor;
	}

	u->unit = fw_unit_get(unit);
	u->minor = minor;
	mutex_init(&u->lock);
	xa_init_flags(&u->handles, XA_FLAGS_ALLOC1);
	u->next_handle = 1;
	INIT_LIST_HEAD(&u->clients);
	fwcmp_plugs_init(u);

	u->guid = (u64)device->config_rom[3] << 32 | device->config_rom[4];
	fwcmp_read_ids(&device->config_rom[5], &u->vendor_id, &u->model_id);
	fwcmp_read_ids(unit->directory, &u->vendor_id, &u->model_id);

	/* From here on the release callback undoes everything above. */
	device_initialize(&u->dev);
	u->dev.class = &fwcmp_class;
	u->dev.parent = &unit->device;
	u->dev.devt = MKDEV(MAJOR(fwcmp_devt), minor);
	u->dev.release = fwcmp_dev_release;
	err = dev_set_name(&u->dev, "fwcmp%d", minor);
	if (err)
		goto err_put;

	mutex_lock(&u->lock);
	u->generation = device->generation;
	fwcmp_read_mprs(u);
	mutex_unlock(&u->lock);

	cdev_init(&u->cdev, &fwcmp_fops);
	u->cdev.owner = THIS_MODULE;
	dev_set_drvdata(&unit->device, u);
	err = cdev_device_add(&u->cdev, &u->dev);
	if (err)
		goto err_put;

	fwcmp_restore_add_unit(u);
	return 0;

err_put:
	put_device(&u->dev);
	return err;
}

static void fwcmp_update(struct fw_unit *unit)
{
	struct fwcmp_unit *u = dev_get_drvdata(&unit->device);

	mutex_lock(&u->lock);
	if (!u->removed) {
		fwcmp_bus_reset(u);
		fwcmp_restore_queue();
	}
	mutex_unlock(&u->lock);
}

static void fwcmp_remove(struct fw_unit *unit)
{
	struct fwcmp_unit *u = dev_get_drvdata(&unit->device);
	struct fwcmp_event e = { .type = FWCMP_EVENT_UNIT_REMOVED };
	struct fwcmp_client *client;
	int generation, node_id;

	/* From now on no batch restore includes the unit. */
	fwcmp_restore_del_unit(u);
	mutex_lock(&u->lock);
	u->dying = true;
	fwcmp_break_all(u, FWCMP_LOST_UNIT_REMOVED);
	fwcmp_current_gen(u, &generation, &node_id);
	e.generation = generation;
	fwcmp_broadcast_event(u, &e);
	/* Only now: read() must not report ENODEV before these events. */
	WRITE_ONCE(u->removed, true);
	list_for_each_entry(client, &u->clients, unit_node)
		wake_up_interruptible(&client->wait);
	mutex_unlock(&u->lock);

	cdev_device_del(&u->cdev, &u->dev);

	/*
	 * Open files keep u, but not the unit: firewire-core's card removal
	 * waits for the last device reference and must not wait for our
	 * users to close. From here on nothing follows u->unit: every path
	 * checks u->removed under u->lock first.
	 */
	fw_unit_put(u->unit);
	u->unit = NULL;
	put_device(&u->dev);
}

static const struct ieee1394_device_id fwcmp_id_table[] = {
	{
		.match_flags	= IEEE1394_MATCH_SPECIFIER_ID |
				  IEEE1394_MATCH_VERSION,
		.specifier_id	= 0x00a02d,	/* 1394 Trade Association */
		.version	= 0x010001,	/* AV/C */
	},
	{ }
};
MODULE_DEVICE_TABLE(ieee1394, fwcmp_id_table);

static struct fw_driver fwcmp_driver = {
	.driver = {
		.owner	= THIS_MODULE,
		.name	= KBUILD_MODNAME,
		.bus	= &fw_bus_type,
	},
	.probe		= fwcmp_probe,
	.update		= fwcmp_update,
	.remove		= fwcmp_remove,
	.id_table	= fwcmp_id_table,
};

/* Work of cmp-xconn.c: on our queue, so that module exit drains it. */
void fwcmp_queue_work(struct work_struct *work)
{
	queue_work(fwcmp_wq, work);
}

static int __init fwcmp_init(void)
{
	int err;

	err = alloc_chrdev_region(&fwcmp_devt, 0, FWCMP_MINORS, "fwcmp");
	if (err)
		return err;
	err = class_register(&fwcmp_class);
	if (err)
		goto err_chrdev;
	fwcmp_wq = alloc_workqueue("firewire-cmp", WQ_UNBOUND | WQ_MEM_RECLAIM,
				   0);
	if (!fwcmp_wq) {
		err = -ENOMEM;
		goto err_class;
	}
	err = driver_register(&fwcmp_driver.driver);
	if (err)
		goto err_wq;
	err = fwcmp_local_init();
	if (err)
		goto err_driver;
	return 0;

err_driver:
	driver_unregister(&fwcmp_driver.driver);
err_wq:
	destroy_workqueue(fwcmp_wq);
err_class:
	class_unregister(&fwcmp_class);
err_chrdev:
	unregister_chrdev_region(fwcmp_devt, FWCMP_MINORS);
	return err;
}

/*
 * Unbinding every unit breaks every connection, persistent ones included,
 * and returns their channels and bandwidth. Open files hold a module
 * reference, so this runs only when no descriptor is open.
 */
static void __exit fwcmp_exit(void)
{
	fwcmp_local_exit();
	driver_unregister(&fwcmp_driver.driver);
	fwcmp_restore_exit();
	destroy_workqueue(fwcmp_wq);
	class_unregister(&fwcmp_class);
	unregister_chrdev_region(fwcmp_devt, FWCMP_MINORS);
	ida_destroy(&fwcmp_minors);
}

module_init(fwcmp_init);
module_exit(fwcmp_exit);

MODULE_DESCRIPTION("IEC 61883-1 connection management for AV/C units");
MODULE_LICENSE("GPL");
