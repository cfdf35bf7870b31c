// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim foreign controllers: a simulated node sends requests
 * (debugfs node<N>/request) to another simulated node, whose register model
 * answers, and to the local node, where OHCI-answered registers and
 * firewire-core's address handlers answer. Ground truth from the simulator.
 */
#include <errno.h>
#include <stdint.h>

#include <linux/firewire-constants.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS 104
#define CSR(x)		(0xfffff0000000ull + (x))

FIXTURE(req) {
	int skip;
};

FIXTURE_SETUP(req)
{
	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 2));
}

FIXTURE_TEARDOWN(req)
{
	if (!self->skip)
		EXPECT_EQ(0, fwsim_bus_del(BUS));
}

TEST_F(req, read_other_node_is_ground_truth)
{
	uint32_t v = 0;

	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "opcr0", 0x81053c7a));
	ASSERT_EQ(RCODE_COMPLETE, fwsim_foreign_read(BUS, 1, 0, CSR(0x904), &v));
	EXPECT_EQ(0x81053c7a, v);
}

TEST_F(req, compare_swap_other_node)
{
	uint32_t v = 0, old = 0;
	uint64_t n0 = 0, n1 = 0;

	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ipcr0", &v));
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "lock.complete", &n0));
	ASSERT_EQ(RCODE_COMPLETE,
		  fwsim_foreign_lock(BUS, 1, 0, CSR(0x984), v,
				     (v & ~0x3f3f0000u) | 0x01050000, &old));
	EXPECT_EQ(v, old);
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ipcr0", &v));
	EXPECT_EQ(0x01050000u, v & 0x3f3f0000u);
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "lock.complete", &n1));
	EXPECT_EQ(n0 + 1, n1);

	/* a stale compare value changes nothing and returns the current one */
	ASSERT_EQ(RCODE_COMPLETE,
		  fwsim_foreign_lock(BUS, 1, 0, CSR(0x984), 0, 0x12345678, &old));
	EXPECT_EQ(v, old);
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ipcr0", &old));
	EXPECT_EQ(v, old);
}

TEST_F(req, other_node_errors)
{
	int rcode;

	ASSERT_EQ(0, fwsim_request(BUS, 1, "write 0xfffff0000984 0 to=0",
				   &rcode, NULL, NULL));
	EXPECT_EQ(RCODE_TYPE_ERROR, rcode);
	ASSERT_EQ(0, fwsim_request(BUS, 1, "read 0xfffff00009fc to=0",
				   &rcode, NULL, NULL));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, rcode);
}

TEST_F(req, local_config_rom_and_irm)
{
	uint32_t q[4];
	size_t n = 4;
	int rcode, irm;

	/* answered as OHCI answers it: the bus info block starts with 4 */
	ASSERT_EQ(0, fwsim_request(BUS, 0, "readb 0xfffff0000400 16",
				   &rcode, q, &n));
	ASSERT_EQ(RCODE_COMPLETE, rcode);
	ASSERT_EQ(4u, n);
	EXPECT_EQ(4u, q[0] >> 24);
	EXPECT_EQ(0x31333934u, q[1]);	/* "1394" */

	ASSERT_EQ(0, fwsim_irm_node(BUS, &irm));
	if (irm == FWSIM_LOCAL) {
		ASSERT_EQ(RCODE_COMPLETE,
			  fwsim_foreign_read(BUS, 0, FWSIM_LOCAL, CSR(0x220), q));
		EXPECT_EQ((uint32_t)FWSIM_BANDWIDTH_INITIAL, q[0]);
	}
}

TEST_F(req, local_core_answers)
{
	int rcode;

	/* firewire-core answers where no address handler is */
	ASSERT_EQ(0, fwsim_request(BUS, 0, "read 0xfffe00000000", &rcode,
				   NULL, NULL));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, rcode);
	/* and its own CSRs through the card driver: NODE_IDS */
	ASSERT_EQ(0, fwsim_request(BUS, 0, "read 0xfffff0000008", &rcode,
				   NULL, NULL));
	EXPECT_EQ(RCODE_COMPLETE, rcode);
}

TEST_F(req, bad_input)
{
	int rcode;

	EXPECT_EQ(-EINVAL, fwsim_request(BUS, 0, "frobnicate 0x0", &rcode,
					 NULL, NULL));
	EXPECT_EQ(-EINVAL, fwsim_request(BUS, 0, "read", &rcode, NULL, NULL));
	EXPECT_EQ(-EINVAL, fwsim_request(BUS, 0, "read 0x1000000000000",
					 &rcode, NULL, NULL));
	EXPECT_EQ(-EINVAL, fwsim_request(BUS, 0, "readb 0xfffff0000400 1000",
					 &rcode, NULL, NULL));
	EXPECT_EQ(-EINVAL, fwsim_request(BUS, 0, "read 0x0 to=99",
					 &rcode, NULL, NULL));
	/* no node 7 on this bus */
	EXPECT_EQ(-ENXIO, fwsim_request(BUS, 0, "read 0xfffff0000900 to=7",
					&rcode, NULL, NULL));
}

TEST_F(req, unplugged_requester)
{
	int rcode;

	ASSERT_EQ(0, fwsim_node_link(BUS, 1, false));
	EXPECT_EQ(-ENOLINK, fwsim_request(BUS, 1, "read 0xfffff0000400",
					  &rcode, NULL, NULL));
	ASSERT_EQ(0, fwsim_node_link(BUS, 1, true));
	ASSERT_EQ(0, fwsim_request(BUS, 1, "read 0xfffff0000400", &rcode,
				   NULL, NULL));
	EXPECT_EQ(RCODE_COMPLETE, rcode);
}

TEST_HARNESS_MAIN
