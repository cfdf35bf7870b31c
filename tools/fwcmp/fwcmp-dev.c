// SPDX-License-Identifier: GPL-2.0
/*
 * fwcmp-dev.c - find /dev/fwcmpN nodes, talk to them, and name their units.
 *
 * Names come from the config ROM's textual leaves as firewire-core exports
 * them in sysfs (vendor_name, model_name of /sys/bus/firewire/devices/fwN
 * and of its units fwN.M). The unit is found through the character device's
 * sysfs entry (/sys/dev/char/MAJ:MIN/device), and if that does not lead to a
 * firewire unit, by matching the GUID of GET_INFO against every fwN/guid.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fwcmp.h"

#define FW_SYSFS_DEVICES	"/sys/bus/firewire/devices"

int fwcmp_dev_path(const char *arg, char *path, size_t len)
{
	const char *num = arg;
	const char *p;

	if (!strncmp(num, FWCMP_DEV_DIR "/", strlen(FWCMP_DEV_DIR "/")))
		num += strlen(FWCMP_DEV_DIR "/");
	if (!strncmp(num, FWCMP_DEV_PREFIX, strlen(FWCMP_DEV_PREFIX)))
		num += strlen(FWCMP_DEV_PREFIX);
	if (!*num || strlen(num) > 6)
		return -EINVAL;
	for (p = num; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	snprintf(path, len, "%s/%s%s", FWCMP_DEV_DIR, FWCMP_DEV_PREFIX, num);
	return 0;
}

static int fwcmp_dev_number(const char *name)
{
	const char *p = name + strlen(FWCMP_DEV_PREFIX);

	if (strncmp(name, FWCMP_DEV_PREFIX, strlen(FWCMP_DEV_PREFIX)) || !*p)
		return -1;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	return atoi(name + strlen(FWCMP_DEV_PREFIX));
}

static int fwcmp_dev_cmp(const void *a, const void *b)
{
	const char *na = strrchr(*(char *const *)a, '/') + 1;
	const char *nb = strrchr(*(char *const *)b, '/') + 1;

	return fwcmp_dev_number(na) - fwcmp_dev_number(nb);
}

int fwcmp_dev_scan(char ***paths)
{
	DIR *dir = opendir(FWCMP_DEV_DIR);
	struct dirent *de;
	char **v = NULL;
	int n = 0;

	*paths = NULL;
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[PATH_MAX];
		struct stat st;
		char **nv;

		if (fwcmp_dev_number(de->d_name) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", FWCMP_DEV_DIR, de->d_name);
		if (stat(path, &st) || !S_ISCHR(st.st_mode))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(path);
		if (!v[n])
			break;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(v, n, sizeof(*v), fwcmp_dev_cmp);
	*paths = v;
	return n;
}

void fwcmp_dev_free(char **paths, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int fwcmp_dev_open(const char *path, bool write)
{
	int fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int fwcmp_get_info(int fd, struct fwcmp_get_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = FWCMP_ABI_VERSION;
	return ioctl(fd, FWCMP_IOC_GET_INFO, info) ? -errno : 0;
}

int fwcmp_get_plug(int fd, unsigned int dir, unsigned int index,
		   struct fwcmp_get_plug *plug)
{
	memset(plug, 0, sizeof(*plug));
	plug->direction = dir;
	plug->index = index;
	return ioctl(fd, FWCMP_IOC_GET_PLUG, plug) ? -errno : 0;
}

/* Read a one-line sysfs attribute without its newline; "" if absent. */
static void fwcmp_sysfs_read(const char *dir, const char *attr, char *buf,
			     size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

/* Is @dir a firewire-core device (fwN) or unit (fwN.M) directory? */
static bool fwcmp_is_fw_name(const char *name, bool unit)
{
	const char *p = name + 2;
	bool dot = false;

	if (strncmp(name, "fw", 2) || !isdigit((unsigned char)*p))
		return false;
	for (; *p; p++) {
		if (*p == '.' && !dot && unit && isdigit((unsigned char)p[1]))
			dot = true;
		else if (!isdigit((unsigned char)*p))
			return false;
	}
	return dot == unit;
}

/* Unit directory of the character device on @fd via /sys/dev/char. */
static bool fwcmp_sysfs_unit_dir(int fd, char *unit_dir, size_t len)
{
	char link[PATH_MAX], *base;
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return false;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(link, unit_dir))
		return false;
	base = strrchr(unit_dir, '/');
	if (!base || !fwcmp_is_fw_name(base + 1, true))
		return false;
	(void)len;
	return true;
}

/* firewire-core device directory whose guid attribute equals @guid. */
static bool fwcmp_sysfs_device_by_guid(uint64_t guid, char *dev_dir, size_t len)
{
	DIR *dir = opendir(FW_SYSFS_DEVICES);
	struct dirent *de;
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		char path[PATH_MAX], val[64];

		if (!fwcmp_is_fw_name(de->d_name, false))
			continue;
		snprintf(path, sizeof(path), "%s/%s", FW_SYSFS_DEVICES, de->d_name);
		fwcmp_sysfs_read(path, "guid", val, sizeof(val));
		if (val[0] && strtoull(val, NULL, 0) == guid) {
			snprintf(dev_dir, len, "%s", path);
			found = true;
		}
	}
	closedir(dir);
	return found;
}

int fwcmp_unit_describe(int fd, const char *path, struct fwcmp_unit_desc *d)
{
	char unit_dir[PATH_MAX], dev_dir[PATH_MAX];
	const char *base = strrchr(path, '/');
	bool have_unit;
	int err;

	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", path);
	snprintf(d->name, sizeof(d->name), "%s", base ? base + 1 : path);
	err = fwcmp_get_info(fd, &d->info);
	if (err)
		return err;

	/* Text leaves: the unit's model name first, the device's after. */
	have_unit = fwcmp_sysfs_unit_dir(fd, unit_dir, sizeof(unit_dir));
	if (have_unit) {
		snprintf(dev_dir, sizeof(dev_dir), "%s", unit_dir);
		*strrchr(dev_dir, '/') = '\0';
		fwcmp_sysfs_read(unit_dir, "model_name", d->model_name,
				 sizeof(d->model_name));
		fwcmp_sysfs_read(unit_dir, "vendor_name", d->vendor_name,
				 sizeof(d->vendor_name));
	} else if (!fwcmp_sysfs_device_by_guid(d->info.guid, dev_dir,
					       sizeof(dev_dir))) {
		return 0;
	}
	if (!d->vendor_name[0])
		fwcmp_sysfs_read(dev_dir, "vendor_name", d->vendor_name,
				 sizeof(d->vendor_name));
	if (!d->model_name[0])
		fwcmp_sysfs_read(dev_dir, "model_name", d->model_name,
				 sizeof(d->model_name));
	base = strrchr(dev_dir, '/');
	snprintf(d->fw_device, sizeof(d->fw_device), "%s", base ? base + 1 : "");
	return 0;
}
