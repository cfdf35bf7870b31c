/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwsim.h - selftest access to firewire-sim's control and ground-truth interface.
 *
 * Every test that needs a bus goes through these helpers, so the sysfs/debugfs
 * layout (Documentation/firewire/firewire-sim.rst) is spelt out in one place
 * (fwsim.c). Ground truth is read from the simulator, never from the driver
 * under test. All functions return 0 (or a non-negative value where stated)
 * on success and a negative errno on failure.
 */
#ifndef FWSIM_H
#define FWSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Node index meaning "the local node" (the PC); only its IRM registers exist. */
#define FWSIM_LOCAL		(-1)

/* IRM register values right after a bus reset (IEEE 1394-2008 8.3.2.3). */
#define FWSIM_BANDWIDTH_INITIAL	4915
#define FWSIM_CHANNELS_HI_INITIAL	0xffffffffu
#define FWSIM_CHANNELS_LO_INITIAL	0xffffffffu

struct fwsim_node_cfg {
	uint64_t guid;		/* 0: derived from bus id and node index */
	uint32_t vendor_id;	/* 24 bits; 0: a default */
	uint32_t model_id;	/* 24 bits; 0: a default */
	const char *vendor_name; /* NULL: a default textual leaf */
	const char *model_name;
	unsigned int oplugs;	/* number of oPCRs, 0..31 */
	unsigned int iplugs;	/* number of iPCRs, 0..31 */
	bool irm;		/* contender: IRM when the highest-numbered contender */
	bool no_avc;		/* no AV/C unit directory (firewire-cmp must not bind) */
	bool no_pcr;		/* no plug registers: address error at 0x900.. */
};

/* Buses. fwsim_bus_new() creates a bus with @nodes default nodes (node 0 is an
 * AV/C camcorder-like node with 1 oPCR and 1 iPCR that is also the IRM) and
 * returns once firewire-core has discovered all of them (fwsim_settle()). */
int fwsim_bus_new(unsigned int bus, unsigned int nodes);
int fwsim_bus_del(unsigned int bus);
/* Issue a bus reset and wait until it has settled. */
int fwsim_bus_reset(unsigned int bus);
/* Issue a bus reset and return at once (for tests that race with it). */
int fwsim_bus_reset_nowait(unsigned int bus);
/* Wait (up to a few seconds) until no reset is pending and firewire-core has
 * a device for every linked node, with the current generation. */
int fwsim_settle(unsigned int bus);
/* Current bus generation as firewire-core sees it. */
int fwsim_generation(unsigned int bus, unsigned int *generation);

/* Nodes. Returns the new node's index (>= 0), stable until it is deleted. */
int fwsim_node_add(unsigned int bus, const struct fwsim_node_cfg *cfg);
int fwsim_node_del(unsigned int bus, int node);
/* Unplug (@up false) or replug a node; each is a bus reset. Waits to settle. */
int fwsim_node_link(unsigned int bus, int node, bool up);
/* Path of firewire-core's /dev/fwN for a node (matched by GUID). */
int fwsim_fw_dev(unsigned int bus, int node, char *path, size_t len);
int fwsim_node_guid(unsigned int bus, int node, uint64_t *guid);
/* Index of the node that is IRM now (FWSIM_LOCAL for the PC). */
int fwsim_irm_node(unsigned int bus, int *node);

/*
 * Ground truth registers, read and written directly, bypassing the bus. Names:
 * "ompr", "impr", "opcrN", "ipcrN", and on an IRM node (or FWSIM_LOCAL when the
 * local node is IRM) "bandwidth_available", "channels_available_hi",
 * "channels_available_lo", "bus_manager_id".
 */
int fwsim_reg_read(unsigned int bus, int node, const char *reg, uint32_t *val);
int fwsim_reg_write(unsigned int bus, int node, const char *reg, uint32_t val);
/* The same for whichever node is the IRM now. */
int fwsim_irm_read(unsigned int bus, const char *reg, uint32_t *val);

/*
 * Transaction counters of a node, by request type and outcome: names such as
 * "read_quadlet.complete", "lock.complete", "lock.busy", "write_quadlet.address_error",
 * "read_block.complete", "lock.timeout". Unknown names read as 0.
 */
int fwsim_stat(unsigned int bus, int node, const char *name, uint64_t *val);
int fwsim_stats_clear(unsigned int bus, int node);

/*
 * Fault injection and bus knobs: write @value to the debugfs knob @knob of a
 * node, or of the bus with node == FWSIM_LOCAL. See firewire-sim.rst for knobs.
 */
int fwsim_knob(unsigned int bus, int node, const char *knob, const char *value);

/* Skip helpers: 0 when firewire-sim is loaded (loading it if needed). */
int fwsim_available(void);

/* Extensions (firewire-sim engineer). */

/* PHY ID (0..62) of a node in the current generation, -ENOENT when it is not
 * on the bus (unplugged). */
int fwsim_node_phy_id(unsigned int bus, int node);

/*
 * One transaction through firewire-core's /dev/fwN (FW_CDEV_IOC_SEND_REQUEST)
 * to the node behind @dev: an independent client. @tcode as in
 * <linux/firewire-constants.h> (lock: TCODE_LOCK_COMPARE_SWAP etc., data =
 * arg,data big endian). @generation < 0: the current one. Returns the rcode
 * (>= 0) and copies at most *@resp_length bytes of response data, updating
 * *@resp_length; a negative errno when the request could not be sent.
 */
int fwsim_transaction(const char *dev, int tcode, uint64_t offset,
		      const void *data, size_t length, void *resp,
		      size_t *resp_length, long generation);

/*
 * Foreign controller: simulated node @node sends a request (debugfs
 * node<N>/request) and waits for its response. @cmd is "read A", "readb A LEN",
 * "write A V", "lock A ARG DATA" (compare-swap) or "fetch_add A V", optionally
 * followed by "to=N" (a simulated node) or "to=local" (the PC, the default).
 * Fills *@rcode (RCODE_*, juju's pseudo rcodes included: RCODE_CANCELLED when
 * nobody responded) and at most *@quadlets response quadlets (CPU order),
 * updating *@quadlets to how many there were. Returns 0, or a negative errno
 * when the request could not be sent (-ENOLINK: @node is not on the bus).
 */
int fwsim_request(unsigned int bus, int node, const char *cmd, int *rcode,
		  uint32_t *data, size_t *quadlets);
/* Quadlet read / compare-swap from @node to @to (FWSIM_LOCAL or a node):
 * returns the rcode (>= 0) or a negative errno. */
int fwsim_foreign_read(unsigned int bus, int node, int to, uint64_t offset,
		       uint32_t *val);
int fwsim_foreign_lock(unsigned int bus, int node, int to, uint64_t offset,
		       uint32_t arg, uint32_t data, uint32_t *old);

#endif /* FWSIM_H */
