// SPDX-License-Identifier: GPL-2.0
/*
 * cmp-cdev.c - /dev/fwcmpN: open/release, ioctl dispatch, events by read/poll.
 *
 * After the unit is removed every ioctl fails with ENODEV, read() hands out
 * the queued events and then fails with ENODEV, and poll() reports
 * EPOLLHUP | EPOLLERR, as firewire-core's own character device does.
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cmp.h"

/* Caller holds client->u->lock (or the unit is not visible yet). */
void fwcmp_queue_event(struct fwcmp_client *client, const struct fwcmp_event *e)
{
	unsigned long flags;
	unsigned int limit;

	/* One slot is kept for UNIT_REMOVED, so that it is never dropped. */
	limit = e->type == FWCMP_EVENT_UNIT_REMOVED ?
		FWCMP_EVENT_QUEUE_LEN + 1 : FWCMP_EVENT_QUEUE_LEN;

	spin_lock_irqsave(&client->event_lock, flags);
	if (client->count >= limit) {
		client->overflow = true;
	} else {
		struct fwcmp_event *slot;

		slot = &client->events[(client->head + client->count) %
				       ARRAY_SIZE(client->events)];
		*slot = *e;
		if (client->overflow)
			slot->flags |= FWCMP_EVENT_FLAG_OVERFLOW;
		client->overflow = false;
		client->count++;
	}
	spin_unlock_irqrestore(&client->event_lock, flags);
	wake_up_interruptible(&client->wait);
}

void fwcmp_broadcast_event(struct fwcmp_unit *u, const struct fwcmp_event *e)
{
	struct fwcmp_client *client;

	lockdep_assert_held(&u->lock);
	list_for_each_entry(client, &u->clients, unit_node)
		fwcmp_queue_event(client, e);
}

static bool fwcmp_has_events(struct fwcmp_client *client)
{
	bool ret;

	spin_lock_irq(&client->event_lock);
	ret = client->count != 0;
	spin_unlock_irq(&client->event_lock);
	return ret;
}

static int fwcmp_open(struct inode *inode, struct file *file)
{
	struct fwcmp_unit *u = container_of(inode->i_cdev, struct fwcmp_unit,
					    cdev);
	struct fwcmp_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return -ENOMEM;

	client->u = u;
	client->writable = !!(file->f_mode & FMODE_WRITE);
	client->version = FWCMP_ABI_VERSION;
	INIT_LIST_HEAD(&client->conns);
	mutex_init(&client->read_mutex);
	init_waitqueue_head(&client->wait);
	spin_lock_init(&client->event_lock);

	get_device(&u->dev);
	mutex_lock(&u->lock);
	if (u->removed) {
		mutex_unlock(&u->lock);
		put_device(&u->dev);
		kfree(client);
		return -ENODEV;
	}
	list_add_tail(&client->unit_node, &u->clients);
	mutex_unlock(&u->lock);

	file->private_data = client;
	return stream_open(inode, file);
}

static int fwcmp_release(struct inode *inode, struct file *file)
{
	struct fwcmp_client *client = file->private_data;
	struct fwcmp_unit *u = client->u;

	fwcmp_client_break_all(client);
	mutex_destroy(&client->read_mutex);
	kfree(client);
	put_device(&u->dev);
	return 0;
}

static ssize_t fwcmp_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct fwcmp_client *client = file->private_data;
	struct fwcmp_unit *u = client->u;
	const size_t size = sizeof(struct fwcmp_event);
	struct fwcmp_event e;
	ssize_t done = 0;
	int err;

	if (count < size)
		return -EINVAL;

	if (mutex_lock_interruptible(&client->read_mutex))
		return -ERESTARTSYS;

	while (!fwcmp_has_events(client)) {
		if (READ_ONCE(u->removed)) {
			done = -ENODEV;
			goto out;
		}
		if (file->f_flags & O_NONBLOCK) {
			done = -EAGAIN;
			goto out;
		}
		err = wait_event_interruptible(client->wait,
					       fwcmp_has_events(client) ||
					       READ_ONCE(u->removed));
		if (err) {
			done = err;
			goto out;
		}
	}

	/* Peek, copy, then consume: a fault loses no event. */
	while (done + size <= count) {
		spin_lock_irq(&client->event_lock);
		if (!client->count) {
			spin_unlock_irq(&client->event_lock);
			break;
		}
		e = client->events[client->head];
		spin_unlock_irq(&client->event_lock);

		if (copy_to_user(buf + done, &e, size)) {
			if (!done)
				done = -EFAULT;
			break;
		}

		spin_lock_irq(&client->event_lock);
		client->head = (client->head + 1) % ARRAY_SIZE(client->events);
		client->count--;
		spin_unlock_irq(&client->event_lock);
		done += size;
	}
out:
	mutex_unlock(&client->read_mutex);
	return done;
}

static __poll_t fwcmp_poll(struct file *file, poll_table *pt)
{
	struct fwcmp_client *client = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &client->wait, pt);
	if (fwcmp_has_events(client))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(client->u->removed))
		mask |= EPOLLHUP | EPOLLERR;
	return mask;
}

/* ---- ioctls ---- */

static int fwcmp_ioctl_get_info(struct fwcmp_client *client, void *buffer)
{
	struct fwcmp_get_info *a = buffer;
	struct fwcmp_unit *u = client->u;
	struct fw_card *card;
	int generation, node_id, irm;
	unsigned int i;
	u32 version = a->version;

	if (!version)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(a->reserved); i++)
		if (a->reserved[i])
			return -EINVAL;

	mutex_lock(&u->lock);
	if (u->removed) {
		mutex_unlock(&u->lock);
		return -ENODEV;
	}
	client->version = min_t(u32, version, FWCMP_ABI_VERSION);
	card = fwcmp_card(u);

	memset(a, 0, sizeof(*a));
	a->version = FWCMP_ABI_VERSION;
	a->guid = u->guid;
	a->vendor_id = u->vendor_id;
	a->model_id = u->model_id;
	fwcmp_current_gen(u, &generation, &node_id);
	a->generation = generation;
	a->node_id = node_id & 0xffff;
	irm = fwcmp_irm_node_id(u);
	a->irm_node_id = irm < 0 ? 0 : irm;
	spin_lock_irq(&card->lock);
	a->local_node_id = card->node_id & 0xffff;
	spin_unlock_irq(&card->lock);
	a->max_speed = fwcmp_fw_device(u)->max_speed;

	if (u->mpr_state[FWCMP_DIR_OUTPUT] != FWCMP_MPR_PRESENT)
		a->flags |= FWCMP_INFO_NO_OMPR;
	if (u->mpr_state[FWCMP_DIR_INPUT] != FWCMP_MPR_PRESENT)
		a->flags |= FWCMP_INFO_NO_IMPR;
	if ((a->flags & FWCMP_INFO_NO_OMPR) && (a->flags & FWCMP_INFO_NO_IMPR))
		a->flags |= FWCMP_INFO_NO_PLUG_REGISTERS;
	a->ompr = u->mpr[FWCMP_DIR_OUTPUT];
	a->impr = u->mpr[FWCMP_DIR_INPUT];
	a->output_plugs = fwcmp_plug_count(u, FWCMP_DIR_OUTPUT);
	a->input_plugs = fwcmp_plug_count(u, FWCMP_DIR_INPUT);
	a->output_speed = fwcmp_mpr_speed(a->ompr);
	a->input_speed = fwcmp_mpr_speed(a->impr);
	a->broadcast_channel_base = fwcmp_ompr_bcast_base_get(a->ompr);
	mutex_unlock(&u->lock);
	return 0;
}

static int fwcmp_ioctl_get_plug(struct fwcmp_client *client, void *buffer)
{
	struct fwcmp_get_plug *a = buffer;
	struct fwcmp_unit *u = client->u;
	int generation, node_id, err, tries = 0;
	struct fwcmp_plug *p;
	unsigned int i;
	u32 v;

	if (a->flags || a->direction > FWCMP_DIR_INPUT)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(a->reserved); i++)
		if (a->reserved[i])
			return -EINVAL;

	mutex_lock(&u->lock);
	if (u->removed) {
		err = -ENODEV;
		goto out;
	}
	if (a->index >= fwcmp_plug_count(u, a->direction)) {
		err = -EINVAL;
		goto out;
	}
	p = &u->plugs[a->direction][a->index];
	do {
		fwcmp_current_gen(u, &generation, &node_id);
		err = fwcmp_pcr_read(u, p, generation, node_id, &v);
	} while (err == -EAGAIN && ++tries < 4);
	if (err)
		goto out;

	a->generation = generation;
	a->value = v;
	a->online = fwcmp_pcr_online_get(v);
	a->broadcast = fwcmp_pcr_bcast_get(v);
	a->p2p = fwcmp_pcr_p2p_get(v);
	a->channel = fwcmp_pcr_channel_get(v);
	if (a->direction == FWCMP_DIR_OUTPUT) {
		a->speed = fwcmp_opcr_speed(v);
		a->overhead_id = fwcmp_opcr_overhead_get(v);
		a->payload = fwcmp_opcr_payload_quadlets(v);
	} else {
		a->speed = 0;
		a->overhead_id = 0;
		a->payload = 0;
	}
out:
	mutex_unlock(&u->lock);
	return err;
}

static int fwcmp_ioctl_connect(struct fwcmp_client *client, void *buffer)
{
	struct fwcmp_connect *a = buffer;

	if (!client->writable)
		return -EBADF;
	if ((a->flags & FWCMP_CONNECT_BROADCAST) &&
	    (a->flags & FWCMP_CONNECT_THIRD_PARTY))
		return -EINVAL;
	if (a->flags & FWCMP_CONNECT_BROADCAST)
		return fwcmp_bcast_connect(client, a);
	if (a->flags & FWCMP_CONNECT_THIRD_PARTY)
		return fwcmp_3p_connect(client, a);
	return fwcmp_connect(client, buffer);
}

static int fwcmp_ioctl_disconnect(struct fwcmp_client *client, void *buffer)
{
	struct fwcmp_disconnect *a = buffer;
	int err;

	if (!client->writable)
		return -EBADF;
	if (a->reserved)
		return -EINVAL;
	err = fwcmp_disconnect(client, a->handle, false);
	/* A third-party connection's other side is broken by then too. */
	if (!err)
		fwcmp_xpair_flush();
	return err;
}

static int fwcmp_ioctl_clear_plug(struct fwcmp_client *client, void *buffer)
{
	if (!client->writable)
		return -EBADF;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return fwcmp_clear_plug(client, buffer);
}

union fwcmp_ioctl_arg {
	struct fwcmp_get_info get_info;
	struct fwcmp_get_plug get_plug;
	struct fwcmp_connect connect;
	struct fwcmp_disconnect disconnect;
	struct fwcmp_clear_plug clear_plug;
};

static const struct {
	unsigned int cmd;
	int (*fn)(struct fwcmp_client *client, void *buffer);
} fwcmp_ioctls[] = {
	[_IOC_NR(FWCMP_IOC_GET_INFO)] = { FWCMP_IOC_GET_INFO,
					  fwcmp_ioctl_get_info },
	[_IOC_NR(FWCMP_IOC_GET_PLUG)] = { FWCMP_IOC_GET_PLUG,
					  fwcmp_ioctl_get_plug },
	[_IOC_NR(FWCMP_IOC_CONNECT)] = { FWCMP_IOC_CONNECT,
					 fwcmp_ioctl_connect },
	[_IOC_NR(FWCMP_IOC_DISCONNECT)] = { FWCMP_IOC_DISCONNECT,
					    fwcmp_ioctl_disconnect },
	[_IOC_NR(FWCMP_IOC_CLEAR_PLUG)] = { FWCMP_IOC_CLEAR_PLUG,
					    fwcmp_ioctl_clear_plug },
};

static long fwcmp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct fwcmp_client *client = file->private_data;
	void __user *uptr = (void __user *)arg;
	union fwcmp_ioctl_arg buffer;
	unsigned int nr = _IOC_NR(cmd);
	unsigned int size = _IOC_SIZE(cmd);
	int ret;

	if (READ_ONCE(client->u->removed))
		return -ENODEV;

	/* The whole command must match: type, number, direction and size. */
	if (_IOC_TYPE(cmd) != _IOC_TYPE(FWCMP_IOC_GET_INFO) ||
	    nr >= ARRAY_SIZE(fwcmp_ioctls) || !fwcmp_ioctls[nr].fn ||
	    fwcmp_ioctls[nr].cmd != cmd || size > sizeof(buffer))
		return -ENOTTY;

	memset(&buffer, 0, sizeof(buffer));
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(&buffer, uptr, size))
		return -EFAULT;
	/*
	 * Prove the result can be written back before anything changes, so
	 * that a bad pointer leaves no state behind.
	 */
	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uptr, &buffer, size))
		return -EFAULT;

	ret = fwcmp_ioctls[nr].fn(client, &buffer);
	if (ret)
		return ret;

	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uptr, &buffer, size)) {
		if (cmd == FWCMP_IOC_CONNECT)
			/* The caller cannot learn the handle: undo. */
			fwcmp_disconnect(client, buffer.connect.handle, true);
		return -EFAULT;
	}
	return 0;
}

const struct file_operations fwcmp_fops = {
	.owner		= THIS_MODULE,
	.open		= fwcmp_open,
	.release	= fwcmp_release,
	.read		= fwcmp_read,
	.poll		= fwcmp_poll,
	.unlocked_ioctl	= fwcmp_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
