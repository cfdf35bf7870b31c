/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmp-definitions.h - IEC 61883-1 plug register fields and the bandwidth formula.
 *
 * Shared by firewire-cmp and its userspace tests, so it uses only <linux/types.h>
 * and no kernel-only helpers. Register values are in CPU byte order; the wire
 * order (big endian) is handled by the callers.
 *
 * References: IEC 61883-1:2008 clause 7 (plug control registers; 7.7 oMPR,
 * 7.8 oPCR, 7.9 iMPR, 7.10 iPCR), IEEE 1394-2008 8.3.2.3 (IRM registers).
 */
#ifndef _FIREWIRE_CMP_DEFINITIONS_H
#define _FIREWIRE_CMP_DEFINITIONS_H

#include <linux/types.h>

/* Offsets from CSR_REGISTER_BASE (0xfffff0000000), IEC 61883-1 7.2. */
#define FWCMP_CSR_REGISTER_BASE		0xfffff0000000ULL
#define FWCMP_CSR_OMPR			0x900
#define FWCMP_CSR_OPCR(n)		(0x904 + (n) * 4)
#define FWCMP_CSR_IMPR			0x980
#define FWCMP_CSR_IPCR(n)		(0x984 + (n) * 4)

/* MPR fields common to oMPR and iMPR. */
#define FWCMP_MPR_RATE_MASK		0xc0000000
#define FWCMP_MPR_RATE_SHIFT		30
#define FWCMP_MPR_XRATE_MASK		0x00000060	/* 2008 edition */
#define FWCMP_MPR_XRATE_SHIFT		5
#define FWCMP_MPR_PLUGS_MASK		0x0000001f
#define FWCMP_MPR_PLUGS_SHIFT		0
/* oMPR only. */
#define FWCMP_OMPR_BCAST_BASE_MASK	0x3f000000
#define FWCMP_OMPR_BCAST_BASE_SHIFT	24
#define FWCMP_OMPR_NPERS_EXT_MASK	0x00ff0000
#define FWCMP_OMPR_NPERS_EXT_SHIFT	16
#define FWCMP_OMPR_PERS_EXT_MASK	0x0000ff00
#define FWCMP_OMPR_PERS_EXT_SHIFT	8

/* PCR fields common to oPCR and iPCR. */
#define FWCMP_PCR_ONLINE_MASK		0x80000000
#define FWCMP_PCR_ONLINE_SHIFT		31
#define FWCMP_PCR_BCAST_MASK		0x40000000
#define FWCMP_PCR_BCAST_SHIFT		30
#define FWCMP_PCR_P2P_MASK		0x3f000000
#define FWCMP_PCR_P2P_SHIFT		24
#define FWCMP_PCR_CHANNEL_MASK		0x003f0000
#define FWCMP_PCR_CHANNEL_SHIFT		16
/* oPCR only. */
#define FWCMP_OPCR_XSPEED_MASK		0x00c00000
#define FWCMP_OPCR_XSPEED_SHIFT		22
#define FWCMP_OPCR_RATE_MASK		0x0000c000
#define FWCMP_OPCR_RATE_SHIFT		14
#define FWCMP_OPCR_OVERHEAD_MASK	0x00003c00
#define FWCMP_OPCR_OVERHEAD_SHIFT	10
#define FWCMP_OPCR_PAYLOAD_MASK		0x000003ff
#define FWCMP_OPCR_PAYLOAD_SHIFT	0

/* Largest p2p connection counter (6 bits). */
#define FWCMP_PCR_P2P_MAX		63
/* Data rate value meaning "S800 or faster, see the extended field". */
#define FWCMP_RATE_EXTENDED		3

/* IEEE 1394-2008 8.3.2.3.5: BANDWIDTH_AVAILABLE after a bus reset. */
#define FWCMP_BANDWIDTH_AVAILABLE_INITIAL	4915

static inline __u32 fwcmp_field_get(__u32 reg, __u32 mask, unsigned int shift)
{
	return (reg & mask) >> shift;
}

static inline __u32 fwcmp_field_set(__u32 reg, __u32 mask, unsigned int shift,
				    __u32 val)
{
	return (reg & ~mask) | ((val << shift) & mask);
}

#define FWCMP_FIELD_HELPERS(name, field)				\
static inline __u32 fwcmp_##name##_get(__u32 reg)			\
{									\
	return fwcmp_field_get(reg, FWCMP_##field##_MASK,		\
			       FWCMP_##field##_SHIFT);			\
}									\
static inline __u32 fwcmp_##name##_set(__u32 reg, __u32 val)		\
{									\
	return fwcmp_field_set(reg, FWCMP_##field##_MASK,		\
			       FWCMP_##field##_SHIFT, val);		\
}

FWCMP_FIELD_HELPERS(mpr_rate, MPR_RATE)
FWCMP_FIELD_HELPERS(mpr_xrate, MPR_XRATE)
FWCMP_FIELD_HELPERS(mpr_plugs, MPR_PLUGS)
FWCMP_FIELD_HELPERS(ompr_bcast_base, OMPR_BCAST_BASE)
FWCMP_FIELD_HELPERS(ompr_npers_ext, OMPR_NPERS_EXT)
FWCMP_FIELD_HELPERS(ompr_pers_ext, OMPR_PERS_EXT)
FWCMP_FIELD_HELPERS(pcr_online, PCR_ONLINE)
FWCMP_FIELD_HELPERS(pcr_bcast, PCR_BCAST)
FWCMP_FIELD_HELPERS(pcr_p2p, PCR_P2P)
FWCMP_FIELD_HELPERS(pcr_channel, PCR_CHANNEL)
FWCMP_FIELD_HELPERS(opcr_xspeed, OPCR_XSPEED)
FWCMP_FIELD_HELPERS(opcr_rate, OPCR_RATE)
FWCMP_FIELD_HELPERS(opcr_overhead, OPCR_OVERHEAD)
FWCMP_FIELD_HELPERS(opcr_payload, OPCR_PAYLOAD)

/* A PCR is in use when it has a p2p or a broadcast connection (7.8). */
static inline int fwcmp_pcr_in_use(__u32 pcr)
{
	return (pcr & (FWCMP_PCR_P2P_MASK | FWCMP_PCR_BCAST_MASK)) != 0;
}

/*
 * Speed code (SCODE_100 = 0 ... SCODE_3200 = 5) of a data-rate field and its
 * extension: the extension counts up from S800 when the rate field is 3.
 */
static inline unsigned int fwcmp_rate_to_speed(__u32 rate, __u32 xrate)
{
	return rate == FWCMP_RATE_EXTENDED ? rate + xrate : rate;
}

/* Data-rate capability of an MPR as a speed code. */
static inline unsigned int fwcmp_mpr_speed(__u32 mpr)
{
	return fwcmp_rate_to_speed(fwcmp_mpr_rate_get(mpr),
				   fwcmp_mpr_xrate_get(mpr));
}

/* Speed code of an oPCR's data rate and extended speed fields. */
static inline unsigned int fwcmp_opcr_speed(__u32 opcr)
{
	return fwcmp_rate_to_speed(fwcmp_opcr_rate_get(opcr),
				   fwcmp_opcr_xspeed_get(opcr));
}

/* Set both speed fields of an oPCR from a speed code. */
static inline __u32 fwcmp_opcr_speed_set(__u32 opcr, unsigned int speed)
{
	__u32 rate = speed, xspeed = 0;

	if (speed > FWCMP_RATE_EXTENDED) {
		rate = FWCMP_RATE_EXTENDED;
		xspeed = speed - FWCMP_RATE_EXTENDED;
	}
	opcr = fwcmp_opcr_rate_set(opcr, rate);
	return fwcmp_opcr_xspeed_set(opcr, xspeed);
}

/* oPCR payload field in quadlets: 0 encodes 1024 (7.8). */
static inline unsigned int fwcmp_opcr_payload_quadlets(__u32 opcr)
{
	__u32 payload = fwcmp_opcr_payload_get(opcr);

	return payload ? payload : 1024;
}

static inline __u32 fwcmp_opcr_payload_quadlets_set(__u32 opcr,
						    unsigned int quadlets)
{
	return fwcmp_opcr_payload_set(opcr, quadlets & 0x3ff);
}

/*
 * Largest isochronous payload in quadlets at a speed: 1024 bytes at S100,
 * doubling with each step (IEEE 1394-2008 table 6-4), capped by the 10-bit
 * oPCR payload field.
 */
static inline unsigned int fwcmp_max_payload(unsigned int speed)
{
	unsigned int q = 256U << speed;

	return q < 1024 ? q : 1024;
}

/*
 * Bandwidth allocation units: the time of one quadlet at S1600, that is of
 * one byte at S400 (IEEE 1394-2008 8.3.2.3.5). An isochronous packet has
 * three header quadlets (header, header CRC, data CRC) besides its payload.
 */
static inline unsigned int fwcmp_packet_bandwidth(unsigned int quadlets,
						  unsigned int speed)
{
	unsigned int bytes = 12 + 4 * quadlets;

	if (speed <= 2)
		return bytes << (2 - speed);
	return (bytes + (1U << (speed - 2)) - 1) >> (speed - 2);
}

/*
 * Isochronous overhead in bandwidth units for the bus's gap count: about
 * 88.3 + 24.3 per cable hop (1.797 us + 0.494 us per hop at 4.5 m cables),
 * the hop count deduced from the gap count; 512 for the default gap 63.
 */
static inline unsigned int fwcmp_overhead_units(int gap_count)
{
	return gap_count < 63 ? gap_count * 97 / 10 + 89 : 512;
}

/*
 * oPCR overhead ID: the overhead in units of 32 bandwidth units, 0 meaning
 * 512 (IEC 61883-1 7.8 table 7). We round up, so that the bandwidth that
 * anyone computes from the oPCR is what was allocated.
 */
static inline unsigned int fwcmp_overhead_id(unsigned int units)
{
	unsigned int id = (units + 31) / 32;

	return id >= 16 || id == 0 ? 0 : id;
}

static inline unsigned int fwcmp_overhead_id_units(unsigned int id)
{
	return id ? id * 32 : 512;
}

/* Bandwidth of a stream as IEC 61883-1 computes it from oPCR values. */
static inline unsigned int fwcmp_stream_bandwidth(unsigned int quadlets,
						  unsigned int speed,
						  unsigned int overhead_id)
{
	return fwcmp_packet_bandwidth(quadlets, speed) +
	       fwcmp_overhead_id_units(overhead_id);
}

/* Bandwidth an oPCR's connection holds at the IRM. */
static inline unsigned int fwcmp_opcr_bandwidth(__u32 opcr)
{
	return fwcmp_stream_bandwidth(fwcmp_opcr_payload_quadlets(opcr),
				      fwcmp_opcr_speed(opcr),
				      fwcmp_opcr_overhead_get(opcr));
}

#endif /* _FIREWIRE_CMP_DEFINITIONS_H */
