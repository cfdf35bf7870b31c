// SPDX-License-Identifier: GPL-2.0
/*
 * fwcmp-print.c - fwcmp's text and JSON output.
 *
 * The JSON keys are a stable interface (fwcmp.1, "JSON OUTPUT"): keys are
 * only ever added, never renamed or removed, and a key's type never changes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fwcmp.h"
#include "cmp-definitions.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const fwcmp_speed_names[] = {
	"S100", "S200", "S400", "S800", "S1600", "S3200",
};

const char *fwcmp_speed_name(unsigned int speed)
{
	if (speed < ARRAY_SIZE(fwcmp_speed_names))
		return fwcmp_speed_names[speed];
	return "S?";
}

int fwcmp_speed_parse(const char *s)
{
	unsigned int i;

	if (*s == 'S' || *s == 's')
		s++;
	for (i = 0; i < ARRAY_SIZE(fwcmp_speed_names); i++)
		if (!strcmp(s, fwcmp_speed_names[i] + 1))
			return i;
	return -1;
}

const char *fwcmp_dir_name(unsigned int dir)
{
	return dir == FWCMP_DIR_OUTPUT ? "output" : "input";
}

const char *fwcmp_pcr_name(unsigned int dir)
{
	return dir == FWCMP_DIR_OUTPUT ? "oPCR" : "iPCR";
}

const char *fwcmp_event_name(unsigned int type)
{
	switch (type) {
	case FWCMP_EVENT_BUS_RESET:	return "bus-reset";
	case FWCMP_EVENT_CONN_RESTORED:	return "restored";
	case FWCMP_EVENT_CONN_LOST:	return "lost";
	case FWCMP_EVENT_UNIT_REMOVED:	return "removed";
	default:			return "unknown";
	}
}

const char *fwcmp_lost_reason_name(unsigned int reason)
{
	switch (reason) {
	case FWCMP_LOST_IRM_CHANNEL:	return "irm-channel";
	case FWCMP_LOST_IRM_BANDWIDTH:	return "irm-bandwidth";
	case FWCMP_LOST_PLUG_BUSY:	return "plug-busy";
	case FWCMP_LOST_PLUG_OFFLINE:	return "plug-offline";
	case FWCMP_LOST_TRANSACTION:	return "transaction";
	case FWCMP_LOST_CLEARED:	return "cleared";
	case FWCMP_LOST_UNIT_REMOVED:	return "unit-removed";
	case FWCMP_LOST_PEER:		return "peer";
	default:			return "unknown";
	}
}

/* ---- JSON writer ---- */

void fwcmp_json_init(struct fwcmp_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void fwcmp_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void fwcmp_json_key(struct fwcmp_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		fwcmp_json_string(j->f, key);
		fputc(':', j->f);
	}
}

void fwcmp_json_begin_object(struct fwcmp_json *j, const char *key)
{
	fwcmp_json_key(j, key);
	fputc('{', j->f);
	j->need_comma[++j->depth] = false;
}

void fwcmp_json_end_object(struct fwcmp_json *j)
{
	fputc('}', j->f);
	j->depth--;
}

void fwcmp_json_begin_array(struct fwcmp_json *j, const char *key)
{
	fwcmp_json_key(j, key);
	fputc('[', j->f);
	j->need_comma[++j->depth] = false;
}

void fwcmp_json_end_array(struct fwcmp_json *j)
{
	fputc(']', j->f);
	j->depth--;
}

void fwcmp_json_str(struct fwcmp_json *j, const char *key, const char *val)
{
	fwcmp_json_key(j, key);
	fwcmp_json_string(j->f, val);
}

void fwcmp_json_uint(struct fwcmp_json *j, const char *key, unsigned long long val)
{
	fwcmp_json_key(j, key);
	fprintf(j->f, "%llu", val);
}

void fwcmp_json_int(struct fwcmp_json *j, const char *key, long long val)
{
	fwcmp_json_key(j, key);
	fprintf(j->f, "%lld", val);
}

void fwcmp_json_bool(struct fwcmp_json *j, const char *key, bool val)
{
	fwcmp_json_key(j, key);
	fputs(val ? "true" : "false", j->f);
}

/* Hex values are strings: a 64-bit GUID does not fit a JSON number exactly. */
void fwcmp_json_hex(struct fwcmp_json *j, const char *key, unsigned long long val,
		    int digits)
{
	fwcmp_json_key(j, key);
	fprintf(j->f, "\"0x%0*llx\"", digits, val);
}

void fwcmp_json_null(struct fwcmp_json *j, const char *key)
{
	fwcmp_json_key(j, key);
	fputs("null", j->f);
}

void fwcmp_json_finish(struct fwcmp_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
	j->need_comma[0] = false;
}

/* ---- list ---- */

static const char *fwcmp_or_dash(const char *s)
{
	return s[0] ? s : "-";
}

void fwcmp_print_list_header(void)
{
	printf("%-12s %-18s %-6s %-4s %-4s %-20s %s\n",
	       "DEVICE", "GUID", "NODE", "OUT", "IN", "VENDOR", "MODEL");
}

void fwcmp_print_list_text(const struct fwcmp_unit_desc *d)
{
	const struct fwcmp_get_info *i = &d->info;

	printf("%-12s 0x%016llx 0x%04x %-4u %-4u %-20s %s\n",
	       d->path, (unsigned long long)i->guid, i->node_id,
	       i->output_plugs, i->input_plugs,
	       fwcmp_or_dash(d->vendor_name), fwcmp_or_dash(d->model_name));
}

static void fwcmp_json_unit_fields(struct fwcmp_json *j,
				   const struct fwcmp_unit_desc *d)
{
	const struct fwcmp_get_info *i = &d->info;

	fwcmp_json_str(j, "device", d->path);
	fwcmp_json_str(j, "name", d->name);
	fwcmp_json_hex(j, "guid", i->guid, 16);
	fwcmp_json_uint(j, "vendor_id", i->vendor_id);
	fwcmp_json_uint(j, "model_id", i->model_id);
	fwcmp_json_str(j, "vendor_name", d->vendor_name);
	fwcmp_json_str(j, "model_name", d->model_name);
	fwcmp_json_str(j, "fw_device", d->fw_device);
	fwcmp_json_uint(j, "node_id", i->node_id);
	fwcmp_json_uint(j, "generation", i->generation);
	fwcmp_json_uint(j, "irm_node_id", i->irm_node_id);
	fwcmp_json_uint(j, "local_node_id", i->local_node_id);
	fwcmp_json_str(j, "max_speed", fwcmp_speed_name(i->max_speed));
	fwcmp_json_uint(j, "output_plugs", i->output_plugs);
	fwcmp_json_uint(j, "input_plugs", i->input_plugs);
	fwcmp_json_uint(j, "abi_version", i->version);
	fwcmp_json_uint(j, "flags", i->flags);
}

void fwcmp_json_unit(struct fwcmp_json *j, const struct fwcmp_unit_desc *d)
{
	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_unit_fields(j, d);
	fwcmp_json_end_object(j);
}

/* ---- plugs ---- */

static unsigned int fwcmp_plug_count(const struct fwcmp_unit_desc *d,
				     unsigned int dir)
{
	unsigned int n = dir == FWCMP_DIR_OUTPUT ? d->info.output_plugs
						 : d->info.input_plugs;

	return n < FWCMP_MAX_PLUGS ? n : FWCMP_MAX_PLUGS;
}

static void fwcmp_print_plug_text(unsigned int dir, unsigned int index,
				  const struct fwcmp_plug_desc *pd)
{
	const struct fwcmp_get_plug *p = &pd->plug;
	char name[16];

	snprintf(name, sizeof(name), "%s[%u]", fwcmp_pcr_name(dir), index);
	if (pd->err) {
		printf("  %-9s error: %s\n", name, strerror(pd->err));
		return;
	}
	printf("  %-9s 0x%08x  %-8s bcast %u  p2p %-2u  ch %-2u", name, p->value,
	       p->online ? "on-line" : "off-line", p->broadcast, p->p2p,
	       p->channel);
	if (dir == FWCMP_DIR_OUTPUT)
		printf("  %-5s  overhead %-2u  payload %-4u  bw %u",
		       fwcmp_speed_name(p->speed), p->overhead_id, p->payload,
		       fwcmp_stream_bandwidth(p->payload, p->speed,
					      p->overhead_id));
	if (p->p2p || p->broadcast)
		printf("  %s", p->broadcast ? "connected (broadcast)" : "connected");
	putchar('\n');
}

void fwcmp_print_unit_plugs_text(const struct fwcmp_unit_desc *d,
				 const struct fwcmp_plug_desc *out,
				 const struct fwcmp_plug_desc *in)
{
	const struct fwcmp_get_info *i = &d->info;
	unsigned int n;

	printf("%s: %s %s, GUID 0x%016llx, node 0x%04x, IRM 0x%04x, generation %u\n",
	       d->path, fwcmp_or_dash(d->vendor_name), fwcmp_or_dash(d->model_name),
	       (unsigned long long)i->guid, i->node_id, i->irm_node_id,
	       i->generation);
	if (i->flags & FWCMP_INFO_NO_PLUG_REGISTERS) {
		printf("  no plug registers\n");
		return;
	}
	if (i->flags & FWCMP_INFO_NO_OMPR)
		printf("  oMPR      unreadable\n");
	else
		printf("  oMPR      0x%08x  %s capable, broadcast channel base %u, %u output plug%s\n",
		       i->ompr, fwcmp_speed_name(i->output_speed),
		       i->broadcast_channel_base, i->output_plugs,
		       i->output_plugs == 1 ? "" : "s");
	for (n = 0; n < fwcmp_plug_count(d, FWCMP_DIR_OUTPUT); n++)
		fwcmp_print_plug_text(FWCMP_DIR_OUTPUT, n, &out[n]);
	if (i->flags & FWCMP_INFO_NO_IMPR)
		printf("  iMPR      unreadable\n");
	else
		printf("  iMPR      0x%08x  %s capable, %u input plug%s\n",
		       i->impr, fwcmp_speed_name(i->input_speed), i->input_plugs,
		       i->input_plugs == 1 ? "" : "s");
	for (n = 0; n < fwcmp_plug_count(d, FWCMP_DIR_INPUT); n++)
		fwcmp_print_plug_text(FWCMP_DIR_INPUT, n, &in[n]);
}

static void fwcmp_json_plug(struct fwcmp_json *j, unsigned int dir,
			    unsigned int index, const struct fwcmp_plug_desc *pd)
{
	const struct fwcmp_get_plug *p = &pd->plug;

	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_str(j, "direction", fwcmp_dir_name(dir));
	fwcmp_json_uint(j, "index", index);
	if (pd->err) {
		fwcmp_json_str(j, "error", strerror(pd->err));
		fwcmp_json_end_object(j);
		return;
	}
	fwcmp_json_hex(j, "value", p->value, 8);
	fwcmp_json_bool(j, "online", p->online);
	fwcmp_json_uint(j, "broadcast", p->broadcast);
	fwcmp_json_uint(j, "p2p", p->p2p);
	fwcmp_json_uint(j, "channel", p->channel);
	fwcmp_json_bool(j, "connected", p->p2p || p->broadcast);
	if (dir == FWCMP_DIR_OUTPUT) {
		fwcmp_json_str(j, "speed", fwcmp_speed_name(p->speed));
		fwcmp_json_uint(j, "overhead_id", p->overhead_id);
		fwcmp_json_uint(j, "payload", p->payload);
		fwcmp_json_uint(j, "bandwidth",
				fwcmp_stream_bandwidth(p->payload, p->speed,
						       p->overhead_id));
	}
	fwcmp_json_uint(j, "generation", p->generation);
	fwcmp_json_end_object(j);
}

void fwcmp_json_unit_plugs(struct fwcmp_json *j, const struct fwcmp_unit_desc *d,
			   const struct fwcmp_plug_desc *out,
			   const struct fwcmp_plug_desc *in)
{
	const struct fwcmp_get_info *i = &d->info;
	unsigned int n;

	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_unit_fields(j, d);
	fwcmp_json_hex(j, "ompr", i->ompr, 8);
	fwcmp_json_hex(j, "impr", i->impr, 8);
	fwcmp_json_str(j, "output_speed", fwcmp_speed_name(i->output_speed));
	fwcmp_json_str(j, "input_speed", fwcmp_speed_name(i->input_speed));
	fwcmp_json_uint(j, "broadcast_channel_base", i->broadcast_channel_base);
	fwcmp_json_begin_array(j, "plugs");
	for (n = 0; n < fwcmp_plug_count(d, FWCMP_DIR_OUTPUT); n++)
		fwcmp_json_plug(j, FWCMP_DIR_OUTPUT, n, &out[n]);
	for (n = 0; n < fwcmp_plug_count(d, FWCMP_DIR_INPUT); n++)
		fwcmp_json_plug(j, FWCMP_DIR_INPUT, n, &in[n]);
	fwcmp_json_end_array(j);
	fwcmp_json_end_object(j);
}

/* ---- connect, clear ---- */

void fwcmp_print_connect_text(FILE *f, const char *dev,
			      const struct fwcmp_connect *c)
{
	bool bcast = c->flags & FWCMP_CONNECT_BROADCAST;
	/* Broadcast-in takes nothing at the IRM without joining anything. */
	bool joined = !c->bandwidth &&
		      (!bcast || c->direction == FWCMP_DIR_OUTPUT);

	fprintf(f, "%s: %s[%u] connected on channel %u, %s, payload %u, %u bandwidth units%s, handle %u%s%s\n",
		dev, fwcmp_pcr_name(c->direction), c->index, c->channel,
		fwcmp_speed_name(c->speed), c->payload, c->bandwidth,
		joined ? " (overlay)" : "", c->handle,
		c->flags & FWCMP_CONNECT_PERSISTENT ? " (persistent)" : "",
		bcast ? " (broadcast)" : "");
}

void fwcmp_json_connect(struct fwcmp_json *j, const char *dev,
			const struct fwcmp_connect *c)
{
	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_str(j, "device", dev);
	fwcmp_json_str(j, "direction", fwcmp_dir_name(c->direction));
	fwcmp_json_uint(j, "index", c->index);
	fwcmp_json_uint(j, "handle", c->handle);
	fwcmp_json_uint(j, "channel", c->channel);
	fwcmp_json_str(j, "speed", fwcmp_speed_name(c->speed));
	fwcmp_json_uint(j, "payload", c->payload);
	fwcmp_json_uint(j, "bandwidth", c->bandwidth);
	fwcmp_json_hex(j, "pcr", c->pcr, 8);
	fwcmp_json_uint(j, "generation", c->generation);
	fwcmp_json_bool(j, "persistent", c->flags & FWCMP_CONNECT_PERSISTENT);
	fwcmp_json_bool(j, "overlay", c->flags & FWCMP_CONNECT_OVERLAY);
	fwcmp_json_bool(j, "broadcast", c->flags & FWCMP_CONNECT_BROADCAST);
	fwcmp_json_bool(j, "third_party", c->flags & FWCMP_CONNECT_THIRD_PARTY);
	fwcmp_json_end_object(j);
}

void fwcmp_print_clear_text(const char *dev, const struct fwcmp_clear_plug *c)
{
	printf("%s: %s[%u] 0x%08x -> 0x%08x", dev, fwcmp_pcr_name(c->direction),
	       c->index, c->old_value, c->new_value);
	if (c->channel != FWCMP_ANY_CHANNEL)
		printf(", channel %u and %u bandwidth units returned to the IRM\n",
		       c->channel, c->bandwidth);
	else if (c->bandwidth)
		printf(", %u bandwidth units returned to the IRM\n", c->bandwidth);
	else
		printf(", nothing returned to the IRM\n");
}

void fwcmp_json_clear(struct fwcmp_json *j, const char *dev,
		      const struct fwcmp_clear_plug *c)
{
	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_str(j, "device", dev);
	fwcmp_json_str(j, "direction", fwcmp_dir_name(c->direction));
	fwcmp_json_uint(j, "index", c->index);
	fwcmp_json_hex(j, "old_value", c->old_value, 8);
	fwcmp_json_hex(j, "new_value", c->new_value, 8);
	if (c->channel == FWCMP_ANY_CHANNEL)
		fwcmp_json_null(j, "channel");
	else
		fwcmp_json_uint(j, "channel", c->channel);
	fwcmp_json_uint(j, "bandwidth", c->bandwidth);
	fwcmp_json_uint(j, "generation", c->generation);
	fwcmp_json_end_object(j);
}

/* ---- events ---- */

void fwcmp_print_event_text(FILE *f, const char *dev, const struct fwcmp_event *e)
{
	fprintf(f, "%s: %s generation %u", dev, fwcmp_event_name(e->type),
		e->generation);
	switch (e->type) {
	case FWCMP_EVENT_BUS_RESET:
		fprintf(f, " node 0x%04x irm 0x%04x", e->node_id, e->irm_node_id);
		break;
	case FWCMP_EVENT_CONN_LOST:
	case FWCMP_EVENT_CONN_RESTORED:
		fprintf(f, " handle %u %s[%u] channel %u", e->handle,
			fwcmp_pcr_name(e->direction), e->index, e->channel);
		if (e->type == FWCMP_EVENT_CONN_LOST)
			fprintf(f, " reason %s", fwcmp_lost_reason_name(e->reason));
		if (e->flags & FWCMP_EVENT_FLAG_BROADCAST)
			fprintf(f, " broadcast");
		break;
	}
	if (e->flags & FWCMP_EVENT_FLAG_OVERFLOW)
		fprintf(f, " (earlier events dropped)");
	fputc('\n', f);
	fflush(f);
}

void fwcmp_json_event(struct fwcmp_json *j, const char *dev,
		      const struct fwcmp_event *e)
{
	fwcmp_json_begin_object(j, NULL);
	fwcmp_json_str(j, "device", dev);
	fwcmp_json_str(j, "event", fwcmp_event_name(e->type));
	fwcmp_json_uint(j, "generation", e->generation);
	fwcmp_json_bool(j, "overflow", e->flags & FWCMP_EVENT_FLAG_OVERFLOW);
	switch (e->type) {
	case FWCMP_EVENT_BUS_RESET:
		fwcmp_json_uint(j, "node_id", e->node_id);
		fwcmp_json_uint(j, "irm_node_id", e->irm_node_id);
		break;
	case FWCMP_EVENT_CONN_LOST:
	case FWCMP_EVENT_CONN_RESTORED:
		fwcmp_json_uint(j, "handle", e->handle);
		fwcmp_json_str(j, "direction", fwcmp_dir_name(e->direction));
		fwcmp_json_uint(j, "index", e->index);
		fwcmp_json_uint(j, "channel", e->channel);
		fwcmp_json_bool(j, "broadcast",
				e->flags & FWCMP_EVENT_FLAG_BROADCAST);
		if (e->type == FWCMP_EVENT_CONN_LOST)
			fwcmp_json_str(j, "reason",
				       fwcmp_lost_reason_name(e->reason));
		break;
	}
	fwcmp_json_end_object(j);
	fwcmp_json_finish(j);
}
