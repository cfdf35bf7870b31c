// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim foreign controllers: a simulated node sends a request, as
 * another PC or an AV/C controller on the bus would, so that tests can play
 * a controller doing IEC 61883-1 CMP against the PC's own plugs.
 *
 * debugfs node<N>/request: write one request, read back its outcome.
 *  - To the local node: config ROM and IRM registers are answered as OHCI
 *    answers them (sim-node.c); everything else becomes a struct fw_packet
 *    with the simulated node's source ID handed to fw_core_handle_request(),
 *    as ohci.c hands it an AR packet. firewire-core's response comes back
 *    through the card driver's send_response() (sim-card.c), which gives it
 *    to fwsim_foreign_response_locked() here.
 *  - To another simulated node: that node's register model answers it.
 * Requests go out synchronously, one per bus at a time, in the current
 * generation, at S100.
 */

#include <linux/ctype.h>
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "sim.h"

/* longer than firewire-core's default split timeout (100 ms) */
#define FWSIM_REQ_TIMEOUT_MS	1000
#define FWSIM_REQ_IN		128

void fwsim_foreign_init(struct fwsim_bus *bus)
{
	mutex_init(&bus->foreign.mutex);
	init_completion(&bus->foreign.done);
}

static void fwsim_result_data(struct fwsim_req_result *res, const void *data,
			      size_t length)
{
	const __be32 *q = data;
	unsigned int i;

	res->quadlets = min_t(size_t, length / 4, FWSIM_REQ_MAX_QUADLETS);
	for (i = 0; i < res->quadlets; i++)
		res->data[i] = be32_to_cpu(q[i]);
}

/*
 * send_response() of a packet whose destination is not the local node: the
 * response to our pending request, if it matches it. Caller holds bus->lock.
 */
bool fwsim_foreign_response_locked(struct fwsim_bus *bus, struct fw_packet *p)
{
	struct fwsim_foreign *f = &bus->foreign;
	struct fwsim_req_result *res = &f->result;
	__be32 q;

	if (!f->pending || fwsim_hdr_destination(p->header) != f->source ||
	    fwsim_hdr_tlabel(p->header) != f->tlabel)
		return false;

	res->rcode = fwsim_hdr_rcode(p->header);
	res->quadlets = 0;
	if (res->rcode == RCODE_COMPLETE) {
		if (fwsim_hdr_tcode(p->header) == TCODE_READ_QUADLET_RESPONSE) {
			/* fw_fill_response() keeps the big-endian quadlet */
			q = (__force __be32)p->header[3];
			fwsim_result_data(res, &q, 4);
		} else if (p->payload) {
			fwsim_result_data(res, p->payload, p->payload_length);
		}
	}
	res->valid = true;
	f->pending = false;
	complete(&f->done);
	return true;
}

struct fwsim_req_cmd {
	int tcode;
	int ext_tcode;
	int to;			/* FWSIM_LOCAL or a node index */
	u64 offset;
	unsigned int length;	/* bytes of data (write, lock) or to read */
	__be32 data[2];
};

/*
 * "read A", "readb A LEN", "write A V", "lock A ARG DATA", "fetch_add A V",
 * each optionally followed by "to=N" or "to=local" (the default).
 */
static int fwsim_req_parse(char *buf, struct fwsim_req_cmd *c)
{
	char *words[4], *key, *val;
	unsigned int n = 0, len;
	u32 a, b;
	int ret;

	memset(c, 0, sizeof(*c));
	c->to = FWSIM_LOCAL;
	while ((ret = fwsim_next_token(&buf, &key, &val)) > 0) {
		if (val) {
			if (strcmp(key, "to"))
				return -EINVAL;
			if (!strcmp(val, "local"))
				c->to = FWSIM_LOCAL;
			else if (kstrtoint(val, 0, &c->to) || c->to < 0 ||
				 c->to >= FWSIM_MAX_NODES)
				return -EINVAL;
			continue;
		}
		if (n == ARRAY_SIZE(words))
			return -EINVAL;
		words[n++] = key;
	}
	if (ret < 0 || n < 2)
		return -EINVAL;
	if (kstrtou64(words[1], 0, &c->offset) || c->offset >= BIT_ULL(48))
		return -EINVAL;

	if (!strcmp(words[0], "read") && n == 2) {
		c->tcode = TCODE_READ_QUADLET_REQUEST;
		c->length = 4;
	} else if (!strcmp(words[0], "readb") && n == 3) {
		if (kstrtouint(words[2], 0, &len) || !len ||
		    len > FWSIM_REQ_MAX_QUADLETS * 4)
			return -EINVAL;
		c->tcode = TCODE_READ_BLOCK_REQUEST;
		c->length = len;
	} else if (!strcmp(words[0], "write") && n == 3) {
		if (kstrtou32(words[2], 0, &a))
			return -EINVAL;
		c->tcode = TCODE_WRITE_QUADLET_REQUEST;
		c->data[0] = cpu_to_be32(a);
		c->length = 4;
	} else if (!strcmp(words[0], "lock") && n == 4) {
		if (kstrtou32(words[2], 0, &a) || kstrtou32(words[3], 0, &b))
			return -EINVAL;
		c->tcode = TCODE_LOCK_REQUEST;
		c->ext_tcode = EXTCODE_COMPARE_SWAP;
		c->data[0] = cpu_to_be32(a);
		c->data[1] = cpu_to_be32(b);
		c->length = 8;
	} else if (!strcmp(words[0], "fetch_add") && n == 3) {
		if (kstrtou32(words[2], 0, &a))
			return -EINVAL;
		c->tcode = TCODE_LOCK_REQUEST;
		c->ext_tcode = EXTCODE_FETCH_ADD;
		c->data[0] = cpu_to_be32(a);
		c->length = 4;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The request packet as the wire would carry it (CPU-order header). */
static void fwsim_req_fill(struct fw_packet *p, const struct fwsim_req_cmd *c,
			   u16 dest, u16 source, u8 tlabel,
			   unsigned int generation)
{
	memset(p, 0, sizeof(*p));
	p->header[0] = (u32)dest << 16 | (u32)tlabel << 10 |
		       1 << 8 /* retry_X */ | c->tcode << 4;
	p->header[1] = (u32)source << 16 | (u32)(c->offset >> 32);
	p->header[2] = (u32)c->offset;
	switch (c->tcode) {
	case TCODE_READ_QUADLET_REQUEST:
		p->header_length = 12;
		break;
	case TCODE_WRITE_QUADLET_REQUEST:
		p->header[3] = (__force u32)c->data[0];
		p->header_length = 16;
		break;
	case TCODE_READ_BLOCK_REQUEST:
		p->header[3] = c->length << 16;
		p->header_length = 16;
		break;
	default:
		p->header[3] = c->length << 16 | c->ext_tcode;
		p->header_length = 16;
		p->payload = (void *)c->data;
		p->payload_length = c->length;
		break;
	}
	p->speed = SCODE_100;
	p->generation = generation;
	p->ack = ACK_PENDING;
}

/* Send @c from @node and record the outcome in node->req. */
static int fwsim_foreign_request(struct fwsim_node *node,
				 const struct fwsim_req_cmd *c)
{
	struct fwsim_bus *bus = node->bus;
	struct fwsim_foreign *f = &bus->foreign;
	struct fwsim_req_result *res = &node->req;
	struct fwsim_node *dest;
	struct fw_packet p;
	struct fwsim_result r;
	unsigned long flags;
	__be32 *buf;
	u16 source, dest_id;
	int ret = 0;

	buf = kzalloc(FWSIM_ROM_QUADLETS * 4, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&f->mutex);
	spin_lock_irqsave(&bus->lock, flags);
	if (bus->dying || !bus->enabled || node->phy->phy_id < 0 ||
	    !fwsim_phy_connected(node->phy)) {
		ret = -ENOLINK;		/* the requester is not on the bus */
		goto out_unlock;
	}
	if (c->to == FWSIM_LOCAL) {
		dest = &bus->local;
		dest_id = bus->local_node_id;
	} else {
		dest = bus->nodes[c->to];
		if (!dest || dest->phy->phy_id < 0 ||
		    !fwsim_phy_connected(dest->phy)) {
			ret = -ENXIO;
			goto out_unlock;
		}
		dest_id = LOCAL_BUS | dest->phy->phy_id;
	}
	source = LOCAL_BUS | node->phy->phy_id;
	f->tlabel = f->next_tlabel++ & 0x3f;
	fwsim_req_fill(&p, c, dest_id, source, f->tlabel, bus->generation);
	p.timestamp = (fwsim_cycle_time(bus) & 0x0ffff000) >> 12;

	/* faults, statistics and the OHCI-answered registers as for any request */
	fwsim_node_request(dest, &p, &r, buf);
	memset(res, 0, sizeof(*res));
	res->valid = true;
	if (!r.to_core) {
		if (r.ack != ACK_PENDING)
			res->rcode = r.ack == ACK_BUSY_X ? RCODE_BUSY : r.ack;
		else if (!r.respond)
			res->rcode = RCODE_CANCELLED;	/* split timeout */
		else
			res->rcode = r.rcode;
		if (res->rcode == RCODE_COMPLETE && r.data)
			fwsim_result_data(res, r.data, r.length);
		if (r.reset)
			fwsim_request_reset_locked(bus, false);
		goto out_unlock;
	}

	f->source = source;
	f->result.valid = false;
	f->pending = true;
	reinit_completion(&f->done);
	spin_unlock_irqrestore(&bus->lock, flags);

	/* as ohci.c's AR tasklet does */
	local_bh_disable();
	fw_core_handle_request(&bus->card, &p);
	local_bh_enable();

	wait_for_completion_timeout(&f->done,
				    msecs_to_jiffies(FWSIM_REQ_TIMEOUT_MS));
	spin_lock_irqsave(&bus->lock, flags);
	if (r.lost) {
		/* a lost_response fault: firewire-core executed it */
		f->pending = false;
		res->rcode = RCODE_CANCELLED;
	} else if (f->pending) {
		/* no response: firewire-core or its client never answered */
		f->pending = false;
		res->rcode = RCODE_CANCELLED;
	} else {
		*res = f->result;
	}
out_unlock:
	spin_unlock_irqrestore(&bus->lock, flags);
	mutex_unlock(&f->mutex);
	kfree(buf);
	return ret;
}

static ssize_t fwsim_request_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct fwsim_node *node = file->private_data;
	struct fwsim_req_cmd c;
	char *buf;
	int ret;

	if (*ppos != 0 || count >= FWSIM_REQ_IN)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = fwsim_req_parse(strim(buf), &c);
	kfree(buf);
	if (!ret)
		ret = fwsim_foreign_request(node, &c);
	return ret < 0 ? ret : count;
}

static ssize_t fwsim_request_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct fwsim_node *node = file->private_data;
	struct fwsim_req_result res;
	char buf[64 + FWSIM_REQ_MAX_QUADLETS * 11];
	unsigned int i;
	int len;

	mutex_lock(&node->bus->foreign.mutex);
	res = node->req;
	mutex_unlock(&node->bus->foreign.mutex);

	if (!res.valid) {
		len = scnprintf(buf, sizeof(buf), "none\n");
	} else {
		len = scnprintf(buf, sizeof(buf), "rcode=%d %s\ndata=",
				res.rcode, fw_rcode_string(res.rcode));
		for (i = 0; i < res.quadlets; i++)
			len += scnprintf(buf + len, sizeof(buf) - len, "%s0x%08x",
					 i ? " " : "", res.data[i]);
		len += scnprintf(buf + len, sizeof(buf) - len, "\n");
	}
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations fwsim_request_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= fwsim_request_read,
	.write	= fwsim_request_write,
	.llseek	= default_llseek,
};

void fwsim_request_debugfs(struct fwsim_node *node)
{
	debugfs_create_file("request", 0600, node->dir, node,
			    &fwsim_request_fops);
}
