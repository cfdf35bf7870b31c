// SPDX-License-Identifier: GPL-2.0
/*
 * firewire-sim fault injection as a firewire-core client sees it: each
 * fault kind arrives as the matching rcode; bus knobs (reset after the k-th
 * transaction, latency) and the debugfs knobs' input validation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <linux/firewire-constants.h>

#include "kselftest_harness.h"
#include "fwsim.h"

#define BUS 102
#define OPCR0	0xfffff0000904ull
#define OMPR	0xfffff0000900ull

FIXTURE(fault) {
	int skip;
	char dev[64];
};

FIXTURE_SETUP(fault)
{
	self->skip = fwsim_available() != 0;
	if (self->skip)
		SKIP(return, "firewire-sim not available");
	fwsim_bus_del(BUS);
	ASSERT_EQ(0, fwsim_bus_new(BUS, 1));
	ASSERT_EQ(0, fwsim_fw_dev(BUS, 0, self->dev, sizeof(self->dev)));
}

FIXTURE_TEARDOWN(fault)
{
	if (!self->skip)
		EXPECT_EQ(0, fwsim_bus_del(BUS));
}

static int rd(const char *dev, uint64_t off)
{
	uint32_t be;
	size_t len = 4;

	return fwsim_transaction(dev, TCODE_READ_QUADLET_REQUEST, off, NULL, 0,
				 &be, &len, -1);
}

static int cas(const char *dev, uint64_t off)
{
	uint32_t req[2] = { 0, 0 }, be;
	size_t len = 4;

	return fwsim_transaction(dev, TCODE_LOCK_COMPARE_SWAP, off, req,
				 sizeof(req), &be, &len, -1);
}

TEST_F(fault, busy_is_rcode_busy)
{
	uint64_t n;

	ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "busy reg=opcr0"));
	EXPECT_EQ(RCODE_BUSY, rd(self->dev, OPCR0));
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR0));
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "read_quadlet.busy", &n));
	EXPECT_EQ(1ull, n);
}

TEST_F(fault, type_error_is_rcode_type_error)
{
	ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "type_error tcode=lock"));
	EXPECT_EQ(RCODE_TYPE_ERROR, cas(self->dev, OPCR0));
}

TEST_F(fault, address_error_is_rcode_address_error)
{
	ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "address_error reg=opcr0"));
	EXPECT_EQ(RCODE_ADDRESS_ERROR, rd(self->dev, OPCR0));
}

TEST_F(fault, no_response_is_rcode_cancelled)
{
	uint64_t n;

	ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "timeout reg=opcr0"));
	/* firewire-core's split timeout ends the transaction */
	EXPECT_EQ(RCODE_CANCELLED, rd(self->dev, OPCR0));
	ASSERT_EQ(0, fwsim_stat(BUS, 0, "read_quadlet.timeout", &n));
	EXPECT_EQ(1ull, n);
}

TEST_F(fault, generation_is_rcode_generation)
{
	unsigned int before, after;

	ASSERT_EQ(0, fwsim_generation(BUS, &before));
	ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "generation reg=opcr0"));
	EXPECT_EQ(RCODE_GENERATION, rd(self->dev, OPCR0));
	ASSERT_EQ(0, fwsim_settle(BUS));
	ASSERT_EQ(0, fwsim_generation(BUS, &after));
	EXPECT_NE(before, after);
}

TEST_F(fault, nth_and_offset_match)
{
	ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "busy nth=2 reg=opcr0"));
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OMPR));	/* other offset */
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR0));	/* 1st match */
	EXPECT_EQ(RCODE_BUSY, rd(self->dev, OPCR0));		/* 2nd match */
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR0));
}

TEST_F(fault, reset_after_kth_transaction)
{
	unsigned int before, after;

	ASSERT_EQ(0, fwsim_generation(BUS, &before));
	ASSERT_EQ(0, fwsim_knob(BUS, FWSIM_LOCAL, "reset_after", "2"));
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR0));
	ASSERT_EQ(0, fwsim_generation(BUS, &after));
	EXPECT_EQ(before, after);
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR0));
	usleep(200000);
	ASSERT_EQ(0, fwsim_settle(BUS));
	ASSERT_EQ(0, fwsim_generation(BUS, &after));
	EXPECT_NE(before, after);
}

TEST_F(fault, latency_delays_transactions)
{
	struct timespec a, b;
	long ms;

	ASSERT_EQ(0, fwsim_knob(BUS, FWSIM_LOCAL, "latency_us", "300000"));
	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_EQ(RCODE_COMPLETE, rd(self->dev, OPCR0));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ASSERT_EQ(0, fwsim_knob(BUS, FWSIM_LOCAL, "latency_us", "0"));
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	EXPECT_GE(ms, 300);
}

TEST_F(fault, knobs_validate_input)
{
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, 0, "fault", "explode"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, 0, "fault", "busy nth=0"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, 0, "fault", "busy tcode=nope"));
	EXPECT_EQ(-ENOENT, fwsim_knob(BUS, 0, "fault", "busy reg=opcr9"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, 0, "race", "reg=opcr0"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, 0, "race", "reg=opcr0 set=1 or=2"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, FWSIM_LOCAL, "latency_us", "1000001"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, FWSIM_LOCAL, "reset_after", "-1"));
	EXPECT_EQ(-EINVAL, fwsim_knob(BUS, 0, "link", "sideways"));
	EXPECT_EQ(0, fwsim_knob(BUS, 0, "fault", "clear"));
}

TEST_F(fault, rule_table_full_is_enospc)
{
	int i;

	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, fwsim_knob(BUS, 0, "fault", "busy nth=1000"));
	EXPECT_EQ(-ENOSPC, fwsim_knob(BUS, 0, "fault", "busy nth=1000"));
	EXPECT_EQ(0, fwsim_knob(BUS, 0, "fault", "clear"));
	EXPECT_EQ(0, fwsim_knob(BUS, 0, "fault", "busy nth=1000"));
}

TEST_HARNESS_MAIN
