// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit test of firewire-cmp's register field
 * helpers, its bandwidth formula and the layout of its uAPI structs.
 *
 * Needs no kernel module: it tests drivers/firewire/cmp-definitions.h and
 * include/uapi/linux/firewire-cmp.h as compiled here. Expected values are
 * computed by hand from the cited sources, never by the code under test.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/firewire-cmp.h>

#include "cmp-definitions.h"
#include "kselftest_harness.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

/* Registers with all bits set and none set, to see that a set leaks nothing. */
static const __u32 bases[] = { 0x00000000, 0xffffffff, 0xa5a5a5a5, 0x5a5a5a5a };

struct field {
	const char *name;
	__u32 mask;
	__u32 max;
	__u32 (*get)(__u32 reg);
	__u32 (*set)(__u32 reg, __u32 val);
};

/* Field positions from IEC 61883-1:2008 7.7-7.10 (mission.md, "CMP facts"). */
static const struct field fields[] = {
	{ "mpr_rate", 0xc0000000, 3, fwcmp_mpr_rate_get, fwcmp_mpr_rate_set },
	{ "mpr_xrate", 0x00000060, 3, fwcmp_mpr_xrate_get, fwcmp_mpr_xrate_set },
	{ "mpr_plugs", 0x0000001f, 31, fwcmp_mpr_plugs_get, fwcmp_mpr_plugs_set },
	{ "ompr_bcast_base", 0x3f000000, 63, fwcmp_ompr_bcast_base_get, fwcmp_ompr_bcast_base_set },
	{ "ompr_npers_ext", 0x00ff0000, 255, fwcmp_ompr_npers_ext_get, fwcmp_ompr_npers_ext_set },
	{ "ompr_pers_ext", 0x0000ff00, 255, fwcmp_ompr_pers_ext_get, fwcmp_ompr_pers_ext_set },
	{ "pcr_online", 0x80000000, 1, fwcmp_pcr_online_get, fwcmp_pcr_online_set },
	{ "pcr_bcast", 0x40000000, 1, fwcmp_pcr_bcast_get, fwcmp_pcr_bcast_set },
	{ "pcr_p2p", 0x3f000000, 63, fwcmp_pcr_p2p_get, fwcmp_pcr_p2p_set },
	{ "pcr_channel", 0x003f0000, 63, fwcmp_pcr_channel_get, fwcmp_pcr_channel_set },
	{ "opcr_xspeed", 0x00c00000, 3, fwcmp_opcr_xspeed_get, fwcmp_opcr_xspeed_set },
	{ "opcr_rate", 0x0000c000, 3, fwcmp_opcr_rate_get, fwcmp_opcr_rate_set },
	{ "opcr_overhead", 0x00003c00, 15, fwcmp_opcr_overhead_get, fwcmp_opcr_overhead_set },
	{ "opcr_payload", 0x000003ff, 1023, fwcmp_opcr_payload_get, fwcmp_opcr_payload_set },
};

TEST(field_round_trip)
{
	unsigned int f, b;
	__u32 v, reg;

	for (f = 0; f < ARRAY_SIZE(fields); f++) {
		const struct field *fd = &fields[f];

		for (b = 0; b < ARRAY_SIZE(bases); b++) {
			for (v = 0; v <= fd->max; v++) {
				reg = fd->set(bases[b], v);
				ASSERT_EQ(v, fd->get(reg))
					TH_LOG("%s value %u base %08x", fd->name,
					       v, bases[b]);
				/* Only the field's bits may change. */
				ASSERT_EQ(bases[b] & ~fd->mask, reg & ~fd->mask)
					TH_LOG("%s leaks outside its mask",
					       fd->name);
			}
			/* A value too wide for the field is cut to it. */
			reg = fd->set(bases[b], fd->max + 1);
			ASSERT_EQ(bases[b] & ~fd->mask, reg & ~fd->mask);
		}
	}
}

/*
 * A hand-assembled oPCR: on-line, p2p 1, channel 63, data rate S200,
 * overhead ID 15, payload 122 quadlets (a DV packet, IEC 61883-2):
 * 0x80000000 | 1 << 24 | 63 << 16 | 1 << 14 | 15 << 10 | 122 = 0x813f7c7a.
 */
TEST(opcr_decode_known_value)
{
	__u32 opcr = 0x813f7c7a;

	EXPECT_EQ(1, fwcmp_pcr_online_get(opcr));
	EXPECT_EQ(0, fwcmp_pcr_bcast_get(opcr));
	EXPECT_EQ(1, fwcmp_pcr_p2p_get(opcr));
	EXPECT_EQ(63, fwcmp_pcr_channel_get(opcr));
	EXPECT_EQ(0, fwcmp_opcr_xspeed_get(opcr));
	EXPECT_EQ(1, fwcmp_opcr_rate_get(opcr));
	EXPECT_EQ(FWCMP_SPEED_S200, fwcmp_opcr_speed(opcr));
	EXPECT_EQ(15, fwcmp_opcr_overhead_get(opcr));
	EXPECT_EQ(122, fwcmp_opcr_payload_quadlets(opcr));
	EXPECT_TRUE(fwcmp_pcr_in_use(opcr));
	EXPECT_FALSE(fwcmp_pcr_in_use(0x80000000));
	EXPECT_TRUE(fwcmp_pcr_in_use(0xc0000000));	/* broadcast only */
}

TEST(opcr_encode_known_value)
{
	__u32 opcr = FWCMP_PCR_ONLINE_MASK;

	opcr = fwcmp_pcr_p2p_set(opcr, 1);
	opcr = fwcmp_pcr_channel_set(opcr, 63);
	opcr = fwcmp_opcr_speed_set(opcr, FWCMP_SPEED_S200);
	opcr = fwcmp_opcr_overhead_set(opcr, 15);
	opcr = fwcmp_opcr_payload_quadlets_set(opcr, 122);
	EXPECT_EQ(0x813f7c7a, opcr);
}

/*
 * oPCR payload: 10 bits in quadlets, 0 meaning 1024 (IEC 61883-1 7.8);
 * speed: data rate 3 means S800 and faster with the extended speed in
 * bits 23-22 (IEC 61883-1:2008 7.8; sound/firewire/cmp.c opcr_set_modify()).
 */
TEST(opcr_payload_and_speed_encoding)
{
	unsigned int s;
	__u32 opcr;

	opcr = fwcmp_opcr_payload_quadlets_set(0, 1024);
	EXPECT_EQ(0, fwcmp_opcr_payload_get(opcr));
	EXPECT_EQ(1024, fwcmp_opcr_payload_quadlets(0x80000000));
	EXPECT_EQ(1, fwcmp_opcr_payload_quadlets(0x80000001));
	EXPECT_EQ(1023, fwcmp_opcr_payload_quadlets(0x800003ff));

	for (s = FWCMP_SPEED_S100; s <= FWCMP_SPEED_S3200; s++) {
		opcr = fwcmp_opcr_speed_set(0x80000000, s);
		EXPECT_EQ(s, fwcmp_opcr_speed(opcr));
	}
	/* S1600: rate 3, extended 1: 3 << 14 | 1 << 22 */
	EXPECT_EQ(0x8040c000, fwcmp_opcr_speed_set(0x80000000,
						   FWCMP_SPEED_S1600));
	/* S400: rate 2, extended 0 */
	EXPECT_EQ(0x80008000, fwcmp_opcr_speed_set(0x80c0c000,
						   FWCMP_SPEED_S400));
}

/*
 * oMPR: rate S400 (2 << 30), broadcast channel base 63 (63 << 24), 31
 * plugs = 0xbf00001f. An S3200 MPR: rate 3 and extended rate 2 in bits 6-5
 * (sound/firewire/cmp.c MPR_XSPEED_MASK 0x60) = 0xc0000040.
 */
TEST(mpr_decode_known_value)
{
	EXPECT_EQ(2, fwcmp_mpr_rate_get(0xbf00001f));
	EXPECT_EQ(FWCMP_SPEED_S400, fwcmp_mpr_speed(0xbf00001f));
	EXPECT_EQ(63, fwcmp_ompr_bcast_base_get(0xbf00001f));
	EXPECT_EQ(31, fwcmp_mpr_plugs_get(0xbf00001f));
	EXPECT_EQ(FWCMP_SPEED_S3200, fwcmp_mpr_speed(0xc0000040));
	EXPECT_EQ(FWCMP_SPEED_S800, fwcmp_mpr_speed(0xc0000001));
	EXPECT_EQ(1, fwcmp_mpr_plugs_get(0xc0000001));
	/* Persistent / non-persistent extension fields of an oMPR. */
	EXPECT_EQ(0x12, fwcmp_ompr_npers_ext_get(0x00123400));
	EXPECT_EQ(0x34, fwcmp_ompr_pers_ext_get(0x00123400));
}

TEST(register_offsets)
{
	/* IEC 61883-1 7.2: oMPR 0x900, oPCR[n] 0x904 + 4n, iMPR 0x980, ... */
	EXPECT_EQ(0xfffff0000000ULL, FWCMP_CSR_REGISTER_BASE);
	EXPECT_EQ(0x900, FWCMP_CSR_OMPR);
	EXPECT_EQ(0x904, FWCMP_CSR_OPCR(0));
	EXPECT_EQ(0x97c, FWCMP_CSR_OPCR(30));	/* 0x904 + 0x78 */
	EXPECT_EQ(0x980, FWCMP_CSR_IMPR);
	EXPECT_EQ(0x984, FWCMP_CSR_IPCR(0));
	EXPECT_EQ(0x9fc, FWCMP_CSR_IPCR(30));	/* 0x984 + 0x78 */
}

/*
 * Packet bandwidth in allocation units (one quadlet at S1600 = one byte at
 * S400, IEEE 1394-2008 8.3.2.3.5), three header quadlets plus payload, as
 * sound/firewire/iso-resources.c packet_bandwidth(). For 122 quadlets:
 * 12 + 488 = 500 bytes; S100 x4 = 2000, S200 x2 = 1000, S400 500,
 * S800 500/2 = 250, S1600 500/4 = 125, S3200 500/8 = 62.5 -> 63 (rounded up).
 */
TEST(packet_bandwidth)
{
	EXPECT_EQ(2000, fwcmp_packet_bandwidth(122, FWCMP_SPEED_S100));
	EXPECT_EQ(1000, fwcmp_packet_bandwidth(122, FWCMP_SPEED_S200));
	EXPECT_EQ(500, fwcmp_packet_bandwidth(122, FWCMP_SPEED_S400));
	EXPECT_EQ(250, fwcmp_packet_bandwidth(122, FWCMP_SPEED_S800));
	EXPECT_EQ(125, fwcmp_packet_bandwidth(122, FWCMP_SPEED_S1600));
	EXPECT_EQ(63, fwcmp_packet_bandwidth(122, FWCMP_SPEED_S3200));
	/* 1 quadlet at S100: (12 + 4) * 4 = 64; 1024 quadlets at S400: 4108 */
	EXPECT_EQ(64, fwcmp_packet_bandwidth(1, FWCMP_SPEED_S100));
	EXPECT_EQ(4108, fwcmp_packet_bandwidth(1024, FWCMP_SPEED_S400));
}

/*
 * Overhead from the gap count, sound/firewire/iso-resources.c
 * current_bandwidth_overhead(): gap * 97 / 10 + 89, 512 for gap 63.
 * gap 5: 485 / 10 = 48, + 89 = 137. gap 0: 89. gap 62: 601 + 89 = 690.
 */
TEST(overhead_units)
{
	EXPECT_EQ(512, fwcmp_overhead_units(63));
	EXPECT_EQ(137, fwcmp_overhead_units(5));
	EXPECT_EQ(89, fwcmp_overhead_units(0));
	EXPECT_EQ(690, fwcmp_overhead_units(62));
}

/*
 * Overhead ID: multiples of 32 units, 0 meaning 512 (IEC 61883-1 7.8,
 * table "overhead ID"). Rounded up: 137 -> 5 (160), 32 -> 1, 33 -> 2,
 * 480 -> 15, 481..512 and more -> 0 (512).
 */
TEST(overhead_id)
{
	EXPECT_EQ(5, fwcmp_overhead_id(137));
	EXPECT_EQ(160, fwcmp_overhead_id_units(5));
	EXPECT_EQ(1, fwcmp_overhead_id(32));
	EXPECT_EQ(2, fwcmp_overhead_id(33));
	EXPECT_EQ(15, fwcmp_overhead_id(480));
	EXPECT_EQ(0, fwcmp_overhead_id(481));
	EXPECT_EQ(0, fwcmp_overhead_id(512));
	EXPECT_EQ(0, fwcmp_overhead_id(690));
	EXPECT_EQ(512, fwcmp_overhead_id_units(0));
	EXPECT_EQ(32, fwcmp_overhead_id_units(1));
}

/*
 * Whole stream: 122 quadlets at S400 with overhead ID 5: 500 + 160 = 660;
 * with the default gap count 63 (overhead ID 0): 500 + 512 = 1012. The oPCR
 * 0x813f7c7a (S200, ID 15, 122 q): 1000 + 480 = 1480.
 */
TEST(stream_bandwidth)
{
	EXPECT_EQ(660, fwcmp_stream_bandwidth(122, FWCMP_SPEED_S400, 5));
	EXPECT_EQ(1012, fwcmp_stream_bandwidth(122, FWCMP_SPEED_S400, 0));
	EXPECT_EQ(1480, fwcmp_opcr_bandwidth(0x813f7c7a));
	/* Four such S400 streams fit in 4915 units, five do not. */
	EXPECT_LE(4 * 1012, FWCMP_BANDWIDTH_AVAILABLE_INITIAL);
	EXPECT_GT(5 * 1012, FWCMP_BANDWIDTH_AVAILABLE_INITIAL);
}

/* IEEE 1394-2008 table 6-4: 1024 bytes at S100, doubling, capped at 1024 q. */
TEST(max_payload)
{
	EXPECT_EQ(256, fwcmp_max_payload(FWCMP_SPEED_S100));
	EXPECT_EQ(512, fwcmp_max_payload(FWCMP_SPEED_S200));
	EXPECT_EQ(1024, fwcmp_max_payload(FWCMP_SPEED_S400));
	EXPECT_EQ(1024, fwcmp_max_payload(FWCMP_SPEED_S800));
	EXPECT_EQ(1024, fwcmp_max_payload(FWCMP_SPEED_S3200));
}

/* ---- uAPI layout: the same on every ABI (i386 aligns __u64 to 4) ---- */

#define CHECK_OFF(type, field, off)					\
	do {								\
		EXPECT_EQ(off, offsetof(struct type, field))		\
			TH_LOG(#type "." #field);			\
	} while (0)

TEST(uapi_get_info_layout)
{
	EXPECT_EQ(104, sizeof(struct fwcmp_get_info));
	CHECK_OFF(fwcmp_get_info, version, 0);
	CHECK_OFF(fwcmp_get_info, flags, 4);
	CHECK_OFF(fwcmp_get_info, guid, 8);
	CHECK_OFF(fwcmp_get_info, vendor_id, 16);
	CHECK_OFF(fwcmp_get_info, model_id, 20);
	CHECK_OFF(fwcmp_get_info, node_id, 24);
	CHECK_OFF(fwcmp_get_info, generation, 28);
	CHECK_OFF(fwcmp_get_info, irm_node_id, 32);
	CHECK_OFF(fwcmp_get_info, local_node_id, 36);
	CHECK_OFF(fwcmp_get_info, max_speed, 40);
	CHECK_OFF(fwcmp_get_info, ompr, 44);
	CHECK_OFF(fwcmp_get_info, impr, 48);
	CHECK_OFF(fwcmp_get_info, output_plugs, 52);
	CHECK_OFF(fwcmp_get_info, input_plugs, 56);
	CHECK_OFF(fwcmp_get_info, output_speed, 60);
	CHECK_OFF(fwcmp_get_info, input_speed, 64);
	CHECK_OFF(fwcmp_get_info, broadcast_channel_base, 68);
	CHECK_OFF(fwcmp_get_info, reserved, 72);
}

TEST(uapi_get_plug_layout)
{
	EXPECT_EQ(64, sizeof(struct fwcmp_get_plug));
	CHECK_OFF(fwcmp_get_plug, direction, 0);
	CHECK_OFF(fwcmp_get_plug, index, 4);
	CHECK_OFF(fwcmp_get_plug, flags, 8);
	CHECK_OFF(fwcmp_get_plug, generation, 12);
	CHECK_OFF(fwcmp_get_plug, value, 16);
	CHECK_OFF(fwcmp_get_plug, online, 20);
	CHECK_OFF(fwcmp_get_plug, broadcast, 24);
	CHECK_OFF(fwcmp_get_plug, p2p, 28);
	CHECK_OFF(fwcmp_get_plug, channel, 32);
	CHECK_OFF(fwcmp_get_plug, speed, 36);
	CHECK_OFF(fwcmp_get_plug, overhead_id, 40);
	CHECK_OFF(fwcmp_get_plug, payload, 44);
	CHECK_OFF(fwcmp_get_plug, reserved, 48);
}

TEST(uapi_connect_layout)
{
	EXPECT_EQ(64, sizeof(struct fwcmp_connect));
	CHECK_OFF(fwcmp_connect, direction, 0);
	CHECK_OFF(fwcmp_connect, index, 4);
	CHECK_OFF(fwcmp_connect, flags, 8);
	CHECK_OFF(fwcmp_connect, channel, 12);
	CHECK_OFF(fwcmp_connect, speed, 16);
	CHECK_OFF(fwcmp_connect, payload, 20);
	CHECK_OFF(fwcmp_connect, handle, 24);
	CHECK_OFF(fwcmp_connect, bandwidth, 28);
	CHECK_OFF(fwcmp_connect, pcr, 32);
	CHECK_OFF(fwcmp_connect, generation, 36);
	CHECK_OFF(fwcmp_connect, peer_fd, 40);
	CHECK_OFF(fwcmp_connect, peer_index, 44);
	CHECK_OFF(fwcmp_connect, reserved, 48);
}

TEST(uapi_disconnect_layout)
{
	EXPECT_EQ(8, sizeof(struct fwcmp_disconnect));
	CHECK_OFF(fwcmp_disconnect, handle, 0);
	CHECK_OFF(fwcmp_disconnect, reserved, 4);
}

TEST(uapi_clear_plug_layout)
{
	EXPECT_EQ(40, sizeof(struct fwcmp_clear_plug));
	CHECK_OFF(fwcmp_clear_plug, direction, 0);
	CHECK_OFF(fwcmp_clear_plug, index, 4);
	CHECK_OFF(fwcmp_clear_plug, flags, 8);
	CHECK_OFF(fwcmp_clear_plug, bandwidth, 12);
	CHECK_OFF(fwcmp_clear_plug, old_value, 16);
	CHECK_OFF(fwcmp_clear_plug, new_value, 20);
	CHECK_OFF(fwcmp_clear_plug, channel, 24);
	CHECK_OFF(fwcmp_clear_plug, generation, 28);
	CHECK_OFF(fwcmp_clear_plug, reserved, 32);
}

TEST(uapi_event_layout)
{
	EXPECT_EQ(48, sizeof(struct fwcmp_event));
	CHECK_OFF(fwcmp_event, type, 0);
	CHECK_OFF(fwcmp_event, flags, 4);
	CHECK_OFF(fwcmp_event, generation, 8);
	CHECK_OFF(fwcmp_event, handle, 12);
	CHECK_OFF(fwcmp_event, reason, 16);
	CHECK_OFF(fwcmp_event, direction, 20);
	CHECK_OFF(fwcmp_event, index, 24);
	CHECK_OFF(fwcmp_event, channel, 28);
	CHECK_OFF(fwcmp_event, node_id, 32);
	CHECK_OFF(fwcmp_event, irm_node_id, 36);
	CHECK_OFF(fwcmp_event, reserved, 40);
}

/* The ioctl numbers are ABI: type 'J', numbers 0..4, sizes of the structs. */
TEST(uapi_ioctl_numbers)
{
	EXPECT_EQ('J', _IOC_TYPE(FWCMP_IOC_GET_INFO));
	EXPECT_EQ(0, _IOC_NR(FWCMP_IOC_GET_INFO));
	EXPECT_EQ(1, _IOC_NR(FWCMP_IOC_GET_PLUG));
	EXPECT_EQ(2, _IOC_NR(FWCMP_IOC_CONNECT));
	EXPECT_EQ(3, _IOC_NR(FWCMP_IOC_DISCONNECT));
	EXPECT_EQ(4, _IOC_NR(FWCMP_IOC_CLEAR_PLUG));
	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(FWCMP_IOC_CONNECT));
	EXPECT_EQ(_IOC_WRITE, _IOC_DIR(FWCMP_IOC_DISCONNECT));
	EXPECT_EQ(104, _IOC_SIZE(FWCMP_IOC_GET_INFO));
	EXPECT_EQ(64, _IOC_SIZE(FWCMP_IOC_GET_PLUG));
	EXPECT_EQ(64, _IOC_SIZE(FWCMP_IOC_CONNECT));
	EXPECT_EQ(8, _IOC_SIZE(FWCMP_IOC_DISCONNECT));
	EXPECT_EQ(40, _IOC_SIZE(FWCMP_IOC_CLEAR_PLUG));
	EXPECT_EQ(2, FWCMP_ABI_VERSION);
	EXPECT_EQ(0xffffffff, FWCMP_ANY_CHANNEL);
	/* ABI 2 took flag bits from the reserved ones, never the old ones. */
	EXPECT_EQ(1u << 2, FWCMP_CONNECT_BROADCAST);
	EXPECT_EQ(1u << 1, FWCMP_EVENT_FLAG_BROADCAST);
}

TEST_HARNESS_MAIN
