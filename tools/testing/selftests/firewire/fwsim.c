// SPDX-License-Identifier: GPL-2.0
/*
 * fwsim.c - selftest access to firewire-sim's control (sysfs) and ground
 * truth / fault (debugfs) interface; see Documentation/firewire/firewire-sim.rst.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/firewire-cdev.h>
#include <linux/firewire-constants.h>

#include "fwsim.h"

#define SYS_BUS		"/sys/bus/firewire-sim"
#define SYS_FW		"/sys/bus/firewire/devices"
#define DBG_ROOT	"/sys/kernel/debug/firewire-sim"
/* Long enough for 62 discoveries on the KASAN debug kernel under TCG. */
#define SETTLE_MS	90000
#define STABLE_MS	300

static int write_str(const char *path, const char *s)
{
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(s))
		ret = -EIO;
	close(fd);
	return ret;
}

static int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void dbg_path(char *path, size_t len, unsigned int bus, int node,
		     const char *file)
{
	if (node == FWSIM_LOCAL)
		snprintf(path, len, DBG_ROOT "/fwsim%u/local/%s", bus, file);
	else
		snprintf(path, len, DBG_ROOT "/fwsim%u/node%d/%s", bus, node, file);
}

int fwsim_available(void)
{
	if (access(SYS_BUS "/new_device", W_OK) == 0)
		return 0;
	if (system("modprobe firewire-sim >/dev/null 2>&1") != 0)
		return -ENODEV;
	return access(SYS_BUS "/new_device", W_OK) == 0 ? 0 : -ENODEV;
}

int fwsim_bus_new(unsigned int bus, unsigned int nodes)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "%u %u", bus, nodes);
	ret = write_str(SYS_BUS "/new_device", buf);
	return ret ? ret : fwsim_settle(bus);
}

int fwsim_bus_del(unsigned int bus)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u", bus);
	return write_str(SYS_BUS "/del_device", buf);
}

static int sim_generation(unsigned int bus, unsigned int *gen, int *pending)
{
	char path[256], buf[64];
	int ret;

	snprintf(path, sizeof(path), DBG_ROOT "/fwsim%u/generation", bus);
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	*gen = strtoul(buf, NULL, 0);
	*pending = strstr(buf, "pending") != NULL;
	return 0;
}

int fwsim_bus_reset_nowait(unsigned int bus)
{
	char path[256];

	snprintf(path, sizeof(path), SYS_BUS "/devices/fwsim%u/bus_reset", bus);
	return write_str(path, "1");
}

int fwsim_bus_reset(unsigned int bus)
{
	unsigned int gen, now;
	int pending, ret;
	int64_t end = now_ms() + SETTLE_MS;

	ret = sim_generation(bus, &gen, &pending);
	if (ret)
		return ret;
	ret = fwsim_bus_reset_nowait(bus);
	if (ret)
		return ret;
	do {
		ret = sim_generation(bus, &now, &pending);
		if (ret)
			return ret;
		if (now != gen)
			return fwsim_settle(bus);
		sleep_ms(20);
	} while (now_ms() < end);
	return -ETIMEDOUT;
}

/* fwN (not units) whose guid attribute is @guid; 0 and name in @name. */
static int find_fw_by_guid(uint64_t guid, char *name, size_t len)
{
	char path[512], buf[64];
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	d = opendir(SYS_FW);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "fw", 2) || strchr(de->d_name, '.'))
			continue;
		snprintf(path, sizeof(path), SYS_FW "/%s/guid", de->d_name);
		if (read_str(path, buf, sizeof(buf)) < 0)
			continue;
		if (strtoull(buf, NULL, 16) == guid && strlen(de->d_name) < len) {
			memcpy(name, de->d_name, strlen(de->d_name) + 1);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Generation firewire-core has for the device, by GET_INFO on /dev/fwN. */
static int cdev_generation(const char *dev, unsigned int *gen, unsigned int *node_id)
{
	struct fw_cdev_event_bus_reset reset;
	struct fw_cdev_get_info info;
	int fd, ret = 0;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	memset(&reset, 0, sizeof(reset));
	info.version = 4;
	info.bus_reset = (uintptr_t)&reset;
	if (ioctl(fd, FW_CDEV_IOC_GET_INFO, &info) < 0)
		ret = -errno;
	close(fd);
	if (!ret) {
		*gen = reset.generation;
		if (node_id)
			*node_id = reset.node_id;
	}
	return ret;
}

static int local_guid(unsigned int bus, uint64_t *guid)
{
	return fwsim_node_guid(bus, FWSIM_LOCAL, guid);
}

/* One check of the settle condition; 1 settled, 0 not yet, <0 error. */
static int settled_once(unsigned int bus, unsigned int *gen_out)
{
	char path[256], name[64], dev[80], *buf, *line, *save;
	unsigned int gen, dgen;
	uint64_t guid;
	int pending, ret;

	ret = sim_generation(bus, &gen, &pending);
	if (ret)
		return ret;
	if (pending)
		return 0;
	*gen_out = gen;

	ret = local_guid(bus, &guid);
	if (ret)
		return ret;
	if (find_fw_by_guid(guid, name, sizeof(name)))
		return 0;
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	if (cdev_generation(dev, &dgen, NULL) || dgen != gen)
		return 0;

	buf = malloc(8192);
	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), SYS_BUS "/devices/fwsim%u/nodes", bus);
	ret = read_str(path, buf, 8192);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	ret = 1;
	for (line = strtok_r(buf, "\n", &save); line && ret == 1;
	     line = strtok_r(NULL, "\n", &save)) {
		char link[16], nid[16];
		int idx;

		if (sscanf(line, "%d %" SCNx64 " %15s %15s", &idx, &guid, link, nid) != 4)
			continue;
		if (!strcmp(nid, "none"))
			continue;
		if (find_fw_by_guid(guid, name, sizeof(name))) {
			ret = 0;
			break;
		}
		snprintf(dev, sizeof(dev), "/dev/%s", name);
		if (cdev_generation(dev, &dgen, NULL) || dgen != gen)
			ret = 0;
	}
	free(buf);
	return ret;
}

int fwsim_settle(unsigned int bus)
{
	int64_t end = now_ms() + SETTLE_MS, stable_since = -1;
	unsigned int gen = 0, last = ~0u;
	int ret;

	while (now_ms() < end) {
		ret = settled_once(bus, &gen);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (gen != last) {
				last = gen;
				stable_since = now_ms();
			} else if (now_ms() - stable_since >= STABLE_MS) {
				return 0;
			}
		} else {
			stable_since = -1;
			last = ~0u;
		}
		sleep_ms(50);
	}
	return -ETIMEDOUT;
}

int fwsim_generation(unsigned int bus, unsigned int *generation)
{
	char name[64], dev[80];
	uint64_t guid;
	int ret;

	ret = local_guid(bus, &guid);
	if (ret)
		return ret;
	ret = find_fw_by_guid(guid, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	return cdev_generation(dev, generation, NULL);
}

static int free_index(unsigned int bus)
{
	char path[256], buf[8192], *line, *save;
	int used[64] = { 0 }, idx, i;

	snprintf(path, sizeof(path), SYS_BUS "/devices/fwsim%u/nodes", bus);
	if (read_str(path, buf, sizeof(buf)) < 0)
		return -ENODEV;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d", &idx) == 1 && idx >= 0 && idx < 64)
			used[idx] = 1;
	for (i = 0; i < 62; i++)
		if (!used[i])
			return i;
	return -ENOSPC;
}

int fwsim_node_add(unsigned int bus, const struct fwsim_node_cfg *cfg)
{
	char path[256], buf[512];
	int idx, len, ret;

	idx = free_index(bus);
	if (idx < 0)
		return idx;
	len = snprintf(buf, sizeof(buf), "index=%d oplugs=%u iplugs=%u irm=%d avc=%d pcr=%d",
		       idx, cfg->oplugs, cfg->iplugs, cfg->irm, !cfg->no_avc,
		       !cfg->no_pcr);
	if (cfg->guid)
		len += snprintf(buf + len, sizeof(buf) - len, " guid=0x%" PRIx64, cfg->guid);
	if (cfg->vendor_id)
		len += snprintf(buf + len, sizeof(buf) - len, " vendor=0x%x", cfg->vendor_id);
	if (cfg->model_id)
		len += snprintf(buf + len, sizeof(buf) - len, " model=0x%x", cfg->model_id);
	if (cfg->vendor_name)
		len += snprintf(buf + len, sizeof(buf) - len, " vendor_name=\"%s\"",
				cfg->vendor_name);
	if (cfg->model_name)
		len += snprintf(buf + len, sizeof(buf) - len, " model_name=\"%s\"",
				cfg->model_name);
	snprintf(path, sizeof(path), SYS_BUS "/devices/fwsim%u/new_node", bus);
	ret = write_str(path, buf);
	if (ret)
		return ret;
	ret = fwsim_settle(bus);
	return ret ? ret : idx;
}

int fwsim_node_del(unsigned int bus, int node)
{
	char path[256], buf[32];
	int ret;

	snprintf(path, sizeof(path), SYS_BUS "/devices/fwsim%u/del_node", bus);
	snprintf(buf, sizeof(buf), "%d", node);
	ret = write_str(path, buf);
	return ret ? ret : fwsim_settle(bus);
}

int fwsim_node_link(unsigned int bus, int node, bool up)
{
	char path[256];
	int ret;

	dbg_path(path, sizeof(path), bus, node, "link");
	ret = write_str(path, up ? "up" : "down");
	return ret ? ret : fwsim_settle(bus);
}

int fwsim_node_guid(unsigned int bus, int node, uint64_t *guid)
{
	char path[256], buf[64];
	int ret;

	dbg_path(path, sizeof(path), bus, node, "guid");
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	*guid = strtoull(buf, NULL, 0);
	return 0;
}

int fwsim_fw_dev(unsigned int bus, int node, char *path, size_t len)
{
	char name[64];
	uint64_t guid;
	int ret;

	ret = fwsim_node_guid(bus, node, &guid);
	if (ret)
		return ret;
	ret = find_fw_by_guid(guid, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(path, len, "/dev/%s", name);
	return 0;
}

int fwsim_irm_node(unsigned int bus, int *node)
{
	char path[256], buf[32];
	int ret;

	snprintf(path, sizeof(path), DBG_ROOT "/fwsim%u/irm", bus);
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (!strncmp(buf, "local", 5))
		*node = FWSIM_LOCAL;
	else if (!strncmp(buf, "none", 4))
		return -ENOENT;
	else
		*node = atoi(buf);
	return 0;
}

int fwsim_reg_read(unsigned int bus, int node, const char *reg, uint32_t *val)
{
	char path[256], file[64], buf[32];
	int ret;

	snprintf(file, sizeof(file), "regs/%s", reg);
	dbg_path(path, sizeof(path), bus, node, file);
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	*val = strtoul(buf, NULL, 0);
	return 0;
}

int fwsim_reg_write(unsigned int bus, int node, const char *reg, uint32_t val)
{
	char path[256], file[64], buf[32];

	snprintf(file, sizeof(file), "regs/%s", reg);
	dbg_path(path, sizeof(path), bus, node, file);
	snprintf(buf, sizeof(buf), "0x%08x", val);
	return write_str(path, buf);
}

int fwsim_irm_read(unsigned int bus, const char *reg, uint32_t *val)
{
	int node, ret;

	ret = fwsim_irm_node(bus, &node);
	return ret ? ret : fwsim_reg_read(bus, node, reg, val);
}

int fwsim_stat(unsigned int bus, int node, const char *name, uint64_t *val)
{
	char path[256], buf[4096], *line, *save, key[64];
	unsigned long long v;
	int ret;

	dbg_path(path, sizeof(path), bus, node, "stats");
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	*val = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %llu", key, &v) == 2 && !strcmp(key, name)) {
			*val = v;
			break;
		}
	}
	return 0;
}

int fwsim_stats_clear(unsigned int bus, int node)
{
	char path[256];

	dbg_path(path, sizeof(path), bus, node, "stats_clear");
	return write_str(path, "1");
}

int fwsim_knob(unsigned int bus, int node, const char *knob, const char *value)
{
	char path[256];

	if (node == FWSIM_LOCAL)
		snprintf(path, sizeof(path), DBG_ROOT "/fwsim%u/%s", bus, knob);
	else
		dbg_path(path, sizeof(path), bus, node, knob);
	return write_str(path, value);
}

int fwsim_node_phy_id(unsigned int bus, int node)
{
	char path[256], buf[32];
	int ret;

	dbg_path(path, sizeof(path), bus, node, "node_id");
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (!strncmp(buf, "none", 4))
		return -ENOENT;
	return strtoul(buf, NULL, 0) & 0x3f;
}

int fwsim_transaction(const char *dev, int tcode, uint64_t offset,
		      const void *data, size_t length, void *resp,
		      size_t *resp_length, long generation)
{
	struct fw_cdev_event_bus_reset reset;
	struct fw_cdev_send_request req;
	struct fw_cdev_get_info info;
	union {
		struct fw_cdev_event_common common;
		struct fw_cdev_event_response response;
		char buf[4096];
	} ev;
	struct pollfd pfd;
	int fd, ret;
	ssize_t n;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	memset(&reset, 0, sizeof(reset));
	info.version = 4;
	info.bus_reset = (uintptr_t)&reset;
	if (ioctl(fd, FW_CDEV_IOC_GET_INFO, &info) < 0) {
		ret = -errno;
		goto out;
	}
	/* firewire-cdev sizes a read's response by the request length and
	 * copies the request buffer in: give it one */
	if (tcode == TCODE_READ_QUADLET_REQUEST) {
		length = 4;
	} else if (tcode == TCODE_READ_BLOCK_REQUEST && length == 0 && resp_length) {
		length = *resp_length;
	}
	if ((tcode == TCODE_READ_QUADLET_REQUEST ||
	     tcode == TCODE_READ_BLOCK_REQUEST) && !data) {
		if (length > sizeof(ev.buf)) {
			ret = -EINVAL;
			goto out;
		}
		memset(ev.buf, 0, length);
		data = ev.buf;
	}
	memset(&req, 0, sizeof(req));
	req.tcode = tcode;
	req.length = length;
	req.offset = offset;
	req.closure = 0x5151;
	req.data = (uintptr_t)data;
	req.generation = generation < 0 ? reset.generation : (uint32_t)generation;
	if (ioctl(fd, FW_CDEV_IOC_SEND_REQUEST, &req) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		ret = poll(&pfd, 1, 10000);
		if (ret <= 0) {
			ret = ret < 0 ? -errno : -ETIMEDOUT;
			goto out;
		}
		n = read(fd, &ev, sizeof(ev));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (ev.common.type != FW_CDEV_EVENT_RESPONSE)
			continue;
		ret = ev.response.rcode;
		if (resp && resp_length) {
			if (*resp_length > ev.response.length)
				*resp_length = ev.response.length;
			memcpy(resp, ev.response.data, *resp_length);
		}
		break;
	}
out:
	close(fd);
	return ret;
}

int fwsim_request(unsigned int bus, int node, const char *cmd, int *rcode,
		  uint32_t *data, size_t *quadlets)
{
	char path[256], buf[512], *p, *end;
	size_t n = 0, max = quadlets ? *quadlets : 0;
	int ret;

	dbg_path(path, sizeof(path), bus, node, "request");
	ret = write_str(path, cmd);
	if (ret < 0)
		return ret;
	ret = read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (sscanf(buf, "rcode=%d", rcode) != 1)
		return -EIO;
	p = strstr(buf, "data=");
	if (!p)
		return -EIO;
	p += 5;
	for (;;) {
		unsigned long v = strtoul(p, &end, 16);

		if (end == p)
			break;
		if (n < max && data)
			data[n] = v;
		n++;
		p = end;
	}
	if (quadlets)
		*quadlets = n;
	return 0;
}

int fwsim_foreign_read(unsigned int bus, int node, int to, uint64_t offset,
		       uint32_t *val)
{
	char cmd[96], dest[16];
	size_t n = 1;
	int rcode, ret;

	snprintf(dest, sizeof(dest), to == FWSIM_LOCAL ? "local" : "%d", to);
	snprintf(cmd, sizeof(cmd), "read 0x%llx to=%s",
		 (unsigned long long)offset, dest);
	ret = fwsim_request(bus, node, cmd, &rcode, val, &n);
	if (ret < 0)
		return ret;
	if (rcode == 0 && n != 1)
		return -EIO;
	return rcode;
}

int fwsim_foreign_lock(unsigned int bus, int node, int to, uint64_t offset,
		       uint32_t arg, uint32_t data, uint32_t *old)
{
	char cmd[128], dest[16];
	size_t n = 1;
	int rcode, ret;

	snprintf(dest, sizeof(dest), to == FWSIM_LOCAL ? "local" : "%d", to);
	snprintf(cmd, sizeof(cmd), "lock 0x%llx 0x%x 0x%x to=%s",
		 (unsigned long long)offset, arg, data, dest);
	ret = fwsim_request(bus, node, cmd, &rcode, old, &n);
	if (ret < 0)
		return ret;
	if (rcode == 0 && n != 1)
		return -EIO;
	return rcode;
}
