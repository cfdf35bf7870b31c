// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim: IEC 61883-1 plug registers and IEEE 1394 IRM registers as a
 * firewire-core client (/dev/fwN, FW_CDEV_IOC_SEND_REQUEST) sees them, and
 * what a bus reset does to them. Ground truth comes from the simulator.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/firewire-constants.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS 101
#define CSR(x)		(0xfffff0000000ull + (x))
#define OMPR		CSR(0x900)
#define OPCR(n)		CSR(0x904 + 4 * (n))
#define IPCR(n)		CSR(0x984 + 4 * (n))
#define BANDWIDTH	CSR(0x220)
#define CHANNELS_HI	CSR(0x224)

FIXTURE(regs) {
	int skip;
	char dev[64];
};

FIXTURE_SETUP(regs)
{
	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
	ASSERT_EQ(0, fwsim_fw_dev(BUS, 0, self->dev, sizeof(self->dev)));
}

FIXTURE_TEARDOWN(regs)
{
	if (!self->skip)
		EXPECT_EQ(0, fwsim_bus_del(BUS));
}

static int rd(const char *dev, uint64_t off, uint32_t *val)
{
	uint32_t be = 0;
	size_t len = 4;
	int rcode;

	rcode = fwsim_transaction(dev, TCODE_READ_QUADLET_REQUEST, off, NULL, 0,
				  &be, &len, -1);
	*val = ntohl(be);
	return rcode;
}

static int cas(const char *dev, uint64_t off, uint32_t arg, uint32_t data,
	       uint32_t *old)
{
	uint32_t req[2] = { htonl(arg), htonl(data) }, be = 0;
	size_t len = 4;
	int rcode;

	rcode = fwsim_transaction(dev, TCODE_LOCK_COMPARE_SWAP, off, req,
				  sizeof(req), &be, &len, -1);
	*old = ntohl(be);
	return rcode;
}

TEST_F(regs, opcr_read_is_ground_truth)
{
	uint32_t v;

	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "opcr0", 0x81053c7a));
	ASSERT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR(0), &v));
	EXPECT_EQ(0x81053c7a, v);
}

TEST_F(regs, opcr_compare_swap_succeeds)
{
	uint32_t cur, old, now;

	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &cur));
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, OPCR(0), cur, cur + 0x01000000, &old));
	EXPECT_EQ(cur, old);
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &now));
	EXPECT_EQ(cur + 0x01000000, now);
}

TEST_F(regs, opcr_compare_swap_fails_on_mismatch)
{
	uint32_t cur, old, now;

	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &cur));
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, OPCR(0), cur ^ 1, 0x80000000, &old));
	EXPECT_EQ(cur, old);
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &now));
	EXPECT_EQ(cur, now);
}

TEST_F(regs, opcr_online_bit_is_read_only)
{
	uint32_t cur, old, now;

	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &cur));
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, OPCR(0), cur, cur & ~0x80000000u, &old));
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &now));
	EXPECT_EQ(cur, now);
}

TEST_F(regs, pcr_quadlet_write_is_type_error)
{
	uint32_t cur, now, v = htonl(0x80000000);

	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ipcr0", &cur));
	EXPECT_EQ(RCODE_TYPE_ERROR,
		  fwsim_transaction(self->dev, TCODE_WRITE_QUADLET_REQUEST, IPCR(0),
				    &v, 4, NULL, NULL, -1));
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ipcr0", &now));
	EXPECT_EQ(cur, now);
}

TEST_F(regs, pcr_fetch_add_is_type_error)
{
	uint32_t req[2] = { htonl(1), 0 };

	EXPECT_EQ(RCODE_TYPE_ERROR,
		  fwsim_transaction(self->dev, TCODE_LOCK_FETCH_ADD, OPCR(0),
				    req, 4, NULL, NULL, -1));
}

TEST_F(regs, missing_plug_is_address_error)
{
	uint32_t v;

	EXPECT_EQ(RCODE_ADDRESS_ERROR, rd(self->dev, OPCR(1), &v));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, rd(self->dev, CSR(0x1000), &v));
}

TEST_F(regs, mpr_block_read)
{
	uint32_t buf[2], ompr, opcr;
	size_t len = sizeof(buf);

	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ompr", &ompr));
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &opcr));
	ASSERT_EQ(RCODE_COMPLETE,
		  fwsim_transaction(self->dev, TCODE_READ_BLOCK_REQUEST, OMPR,
				    NULL, 8, buf, &len, -1));
	ASSERT_EQ(8u, len);
	EXPECT_EQ(ompr, ntohl(buf[0]));
	EXPECT_EQ(opcr, ntohl(buf[1]));
	EXPECT_EQ(1u, ompr & 0x1f);
}

TEST_F(regs, irm_bandwidth_compare_swap)
{
	uint32_t old, now;

	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, BANDWIDTH, 4915, 4915 - 500, &old));
	EXPECT_EQ(4915u, old);
	ASSERT_EQ(0, fwsim_irm_read(BUS, "bandwidth_available", &now));
	EXPECT_EQ(4415u, now);
	/* a stale compare fails and returns the current value */
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, BANDWIDTH, 4915, 0, &old));
	EXPECT_EQ(4415u, old);
	ASSERT_EQ(0, fwsim_irm_read(BUS, "bandwidth_available", &now));
	EXPECT_EQ(4415u, now);
}

TEST_F(regs, irm_channels_compare_swap)
{
	uint32_t old, now;

	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, CHANNELS_HI, 0xffffffff, 0x7fffffff, &old));
	EXPECT_EQ(0xffffffff, old);
	ASSERT_EQ(0, fwsim_irm_read(BUS, "channels_available_hi", &now));
	EXPECT_EQ(0x7fffffffu, now);
}

TEST_F(regs, irm_quadlet_write_is_type_error)
{
	uint32_t v = htonl(0);

	EXPECT_EQ(RCODE_TYPE_ERROR,
		  fwsim_transaction(self->dev, TCODE_WRITE_QUADLET_REQUEST, BANDWIDTH,
				    &v, 4, NULL, NULL, -1));
}

TEST_F(regs, bus_reset_clears_p2p_keeps_broadcast)
{
	uint32_t opcr, ipcr;

	/* on-line, broadcast, 3 p2p, channel 5, S400, overhead 3, payload 122 */
	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "opcr0", 0xc3058c7a));
	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "ipcr0", 0x82050000));
	ASSERT_EQ(0, fwsim_bus_reset(BUS));
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &opcr));
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "ipcr0", &ipcr));
	EXPECT_EQ(0xc0058c7a, opcr);
	EXPECT_EQ(0x80050000, ipcr);
}

TEST_F(regs, bus_reset_resets_irm_registers)
{
	uint32_t bw, hi, lo, bm;

	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "bandwidth_available", 1000));
	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "channels_available_hi", 0x12345678));
	ASSERT_EQ(0, fwsim_reg_write(BUS, 0, "channels_available_lo", 0));
	ASSERT_EQ(0, fwsim_bus_reset(BUS));
	ASSERT_EQ(0, fwsim_irm_read(BUS, "bandwidth_available", &bw));
	ASSERT_EQ(0, fwsim_irm_read(BUS, "channels_available_hi", &hi));
	ASSERT_EQ(0, fwsim_irm_read(BUS, "channels_available_lo", &lo));
	ASSERT_EQ(0, fwsim_irm_read(BUS, "bus_manager_id", &bm));
	EXPECT_EQ(4915u, bw);
	EXPECT_EQ(0xffffffff, hi);
	EXPECT_EQ(0xffffffff, lo);
	/* firewire-core became bus manager: the local node's ID */
	EXPECT_NE(0x3fu, bm);
}

TEST_F(regs, race_makes_next_compare_swap_fail)
{
	uint32_t v, old, now;

	ASSERT_EQ(0, fwsim_knob(BUS, 0, "race", "reg=opcr0 nth=1 add=0x01000000"));
	ASSERT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR(0), &v));
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, OPCR(0), v, v + 0x01000000, &old));
	EXPECT_EQ(v + 0x01000000, old);
	ASSERT_EQ(0, fwsim_reg_read(BUS, 0, "opcr0", &now));
	EXPECT_EQ(v + 0x01000000, now);
	/* the retry with the returned value succeeds */
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, OPCR(0), old, old + 0x01000000, &v));
	EXPECT_EQ(old, v);
}

TEST_F(regs, stale_generation_is_rcode_generation)
{
	unsigned int gen;
	uint32_t v;
	size_t len = 4;

	ASSERT_EQ(0, fwsim_generation(BUS, &gen));
	ASSERT_EQ(0, fwsim_bus_reset(BUS));
	EXPECT_EQ(RCODE_GENERATION,
		  fwsim_transaction(self->dev, TCODE_READ_QUADLET_REQUEST, OPCR(0),
				    NULL, 0, &v, &len, gen));
}

TEST_F(regs, counters_by_type_and_outcome)
{
	uint64_t n;
	uint32_t v, old;

	ASSERT_EQ(0, fwsim_stats_clear(BUS, 0));
	ASSERT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR(0), &v));
	ASSERT_EQ(RCODE_ADDRESS_ERROR, rd(self->dev, OPCR(5), &v));
	ASSERT_EQ(RCODE_COMPLETE, cas(self->dev, OPCR(0), v, v, &old));
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "read_quadlet.complete", &n));
	EXPECT_EQ(1ull, n);
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "read_quadlet.address_error", &n));
	EXPECT_EQ(1ull, n);
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "lock.complete", &n));
	EXPECT_EQ(1ull, n);
}

TEST_HARNESS_MAIN
