/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rel_util.h - helpers of the reliability and security selftests (rel_*_test.c):
 * seeds, the run length (FWCMP_LONG), the documented errno table of every
 * ioctl, a bus-wide "nothing is held" check, module load/unload, fail-nth.
 *
 * Sections:
 *  1. seeds and a small PRNG (xorshift64*), counts scaled by FWCMP_LONG
 *  2. documented errnos per ioctl (include/uapi/linux/firewire-cmp.h and
 *     Documentation/userspace-api/firewire-cmp/)
 *  3. the idle invariant: no p2p counter and no IRM resource held on a bus
 *  4. module unload/reload
 *  5. fault injection (fail-nth, failslab)
 */
#ifndef REL_UTIL_H
#define REL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwcmp_util.h"

/* ---- 1. seeds, PRNG, run length ---- */
struct rel_rng {
	uint64_t s;
};

/*
 * The seed of this program: $FWCMP_SEED if set (to replay a failure), else
 * one from the clock. Printed once as "# seed N (replay: FWCMP_SEED=N)".
 */
uint64_t rel_seed(void);
void rel_rng_init(struct rel_rng *r, uint64_t seed);
uint64_t rel_rand64(struct rel_rng *r);
uint32_t rel_rand32(struct rel_rng *r);
/* Uniform in 0..n-1 (n > 0). */
uint32_t rel_below(struct rel_rng *r, uint32_t n);
/* True with probability pct/100. */
bool rel_chance(struct rel_rng *r, unsigned int pct);
/* A boundary value for a 32-bit field (0, 1, max, sign bit, 63, 64, ...). */
uint32_t rel_boundary32(struct rel_rng *r);

/* FWCMP_LONG=1 in the environment (vmtest.sh --long). */
bool rel_long(void);
/* @normal, or @long_count with FWCMP_LONG=1. */
unsigned long rel_count(unsigned long normal, unsigned long long_count);
long long rel_now_ms(void);

/* ---- 2. documented errnos ---- */
/*
 * True when @err (a positive errno) is documented for @cmd. @cmd not one of
 * the five FWCMP_IOC_* commands: only ENOTTY. @removed: the unit is gone,
 * so ENODEV (for any command) is documented too.
 */
bool rel_errno_documented(unsigned long cmd, int err, bool removed);
/* "GET_INFO", ..., or "ioctl 0x%08lx" (static buffer). */
const char *rel_cmd_name(unsigned long cmd);

/* ---- 3. the idle invariant ---- */
/*
 * For a bus on which nothing should be connected any more: every plug of
 * every linked node has p2p 0 and the IRM is back at its initial bandwidth
 * and channels (minus broadcast channel 31 when the local node is IRM).
 * Independent of any model. Returns 0 or -EPROTO with @why, and counts what
 * is held in *@stale_p2p (sum of p2p counters), *@leaked_bw (units) and
 * *@leaked_ch (channels) when those are not NULL.
 */
int rel_idle_check(struct fwcmp_bus *b, char *why, size_t len,
		   unsigned int *stale_p2p, unsigned int *leaked_bw,
		   unsigned int *leaked_ch);

/* A line "NAME value" of the bus's debugfs counters file (resets, ...). */
int rel_bus_counter(unsigned int bus, const char *name, uint64_t *val);
/*
 * Faults the simulator answered on a node since its stats were cleared:
 * busy, type_error, address_error, timeout and lost_response outcomes of
 * every request type.
 */
uint64_t rel_node_faults(unsigned int bus, int node);

/* ---- 4. modules ---- */
/* delete_module(@name, O_NONBLOCK): 0 or -errno. */
int rel_module_unload(const char *name);
/* modprobe @name; 0 or -ENOENT. */
int rel_module_load(const char *name);
bool rel_module_loaded(const char *name);

/* ---- 5. fault injection ---- */
/* /sys/kernel/debug/failslab exists (debug kernel). */
bool rel_have_failslab(void);
/*
 * Make every allocation of a task a fail-nth candidate (failslab and
 * fail_page_alloc ignore-gfp-wait N, ignore-gfp-highmem N, verbose 0),
 * like tools/testing/selftests/iommu/iommufd_fail_nth.c. 0 or -errno.
 */
int rel_fault_setup(void);
/* Open /proc/self/task/<tid>/fail-nth of the calling thread. */
int rel_fail_nth_open(void);
int rel_fail_nth_set(int fd, unsigned int n);
/*
 * Read the counter back and disarm it: 0 = the n-th fault point was reached
 * (the fault fired), > 0 = fewer points than n were passed, -errno.
 */
int rel_fail_nth_end(int fd);

#endif /* REL_UTIL_H */
