/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwcmp.h - fwcmp private declarations, one section per source file.
 */
#ifndef FWCMP_TOOL_H
#define FWCMP_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/firewire-cmp.h>

/* Exit codes (documented in fwcmp.1 and fwcmp --help). */
#define FWCMP_EXIT_OK		0
#define FWCMP_EXIT_USAGE	1
#define FWCMP_EXIT_KERNEL	2

#define FWCMP_DEV_DIR		"/dev"
#define FWCMP_DEV_PREFIX	"fwcmp"

/* One unit as `list` and `plugs` show it. */
struct fwcmp_unit_desc {
	char path[64];			/* /dev/fwcmpN */
	char name[32];			/* fwcmpN */
	struct fwcmp_get_info info;
	char vendor_name[128];		/* config ROM textual leaves, "" if none */
	char model_name[128];
	char fw_device[32];		/* firewire-core device, "fwN", "" if unknown */
};

struct fwcmp_plug_desc {
	struct fwcmp_get_plug plug;
	int err;			/* errno of GET_PLUG, 0 on success */
};

/* ---- fwcmp.c: command line, commands ---- */
extern const char *fwcmp_prog;
void fwcmp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- fwcmp-dev.c: device nodes, sysfs names, ioctls ---- */
/* Resolve /dev/fwcmpN, fwcmpN or N into @path; -EINVAL if it is none of them. */
int fwcmp_dev_path(const char *arg, char *path, size_t len);
/*
 * Device nodes of every bound unit, sorted by number. Returns the count
 * (>= 0) and a malloc'ed array of malloc'ed paths in @paths.
 */
int fwcmp_dev_scan(char ***paths);
void fwcmp_dev_free(char **paths, int n);
/* Open @path and return the fd, or -errno. O_CLOEXEC always. */
int fwcmp_dev_open(const char *path, bool write);
/* GET_INFO; 0 or -errno. */
int fwcmp_get_info(int fd, struct fwcmp_get_info *info);
int fwcmp_get_plug(int fd, unsigned int dir, unsigned int index,
		   struct fwcmp_get_plug *plug);
/* Fill @d for the unit open on @fd at @path (info and names). 0 or -errno. */
int fwcmp_unit_describe(int fd, const char *path, struct fwcmp_unit_desc *d);

/* ---- fwcmp-print.c: text and JSON output ---- */
const char *fwcmp_speed_name(unsigned int speed);
/* Parse "S400", "s400" or "400"; returns the speed code or -1. */
int fwcmp_speed_parse(const char *s);
const char *fwcmp_dir_name(unsigned int dir);	/* "output", "input" */
const char *fwcmp_pcr_name(unsigned int dir);	/* "oPCR", "iPCR" */
const char *fwcmp_event_name(unsigned int type);
const char *fwcmp_lost_reason_name(unsigned int reason);

/* A minimal JSON writer: keys and values in order, commas handled. */
struct fwcmp_json {
	FILE *f;
	int depth;
	bool need_comma[16];
};

void fwcmp_json_init(struct fwcmp_json *j, FILE *f);
void fwcmp_json_begin_object(struct fwcmp_json *j, const char *key);
void fwcmp_json_end_object(struct fwcmp_json *j);
void fwcmp_json_begin_array(struct fwcmp_json *j, const char *key);
void fwcmp_json_end_array(struct fwcmp_json *j);
void fwcmp_json_str(struct fwcmp_json *j, const char *key, const char *val);
void fwcmp_json_uint(struct fwcmp_json *j, const char *key, unsigned long long val);
void fwcmp_json_int(struct fwcmp_json *j, const char *key, long long val);
void fwcmp_json_bool(struct fwcmp_json *j, const char *key, bool val);
void fwcmp_json_hex(struct fwcmp_json *j, const char *key, unsigned long long val,
		    int digits);
void fwcmp_json_null(struct fwcmp_json *j, const char *key);
/* Ends the top-level value with a newline. */
void fwcmp_json_finish(struct fwcmp_json *j);

void fwcmp_print_list_header(void);
void fwcmp_print_list_text(const struct fwcmp_unit_desc *d);
void fwcmp_json_unit(struct fwcmp_json *j, const struct fwcmp_unit_desc *d);

void fwcmp_print_unit_plugs_text(const struct fwcmp_unit_desc *d,
				 const struct fwcmp_plug_desc *out,
				 const struct fwcmp_plug_desc *in);
void fwcmp_json_unit_plugs(struct fwcmp_json *j, const struct fwcmp_unit_desc *d,
			   const struct fwcmp_plug_desc *out,
			   const struct fwcmp_plug_desc *in);

void fwcmp_print_connect_text(FILE *f, const char *dev,
			      const struct fwcmp_connect *c);
void fwcmp_json_connect(struct fwcmp_json *j, const char *dev,
			const struct fwcmp_connect *c);
void fwcmp_print_clear_text(const char *dev, const struct fwcmp_clear_plug *c);
void fwcmp_json_clear(struct fwcmp_json *j, const char *dev,
		      const struct fwcmp_clear_plug *c);
void fwcmp_print_event_text(FILE *f, const char *dev, const struct fwcmp_event *e);
void fwcmp_json_event(struct fwcmp_json *j, const char *dev,
		      const struct fwcmp_event *e);

#endif /* FWCMP_TOOL_H */
