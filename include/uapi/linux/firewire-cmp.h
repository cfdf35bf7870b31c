/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * firewire-cmp: IEC 61883-1 connection management for AV/C units, user API.
 *
 * One character device, /dev/fwcmpN, exists per bound AV/C unit. Programs
 * use it to read the unit's plug registers and to make and break
 * point-to-point connections on them; the driver owns the isochronous
 * channel and bandwidth taken at the isochronous resource manager (IRM),
 * restores every connection after a bus reset and breaks a connection when
 * the file that made it is closed. See
 * Documentation/userspace-api/firewire-cmp/ for the full description.
 *
 * Rules common to every ioctl:
 *  - All structs contain only __u32/__u64 fields and are padded explicitly
 *    to a multiple of 8 bytes, so they have the same layout on 32-bit and
 *    64-bit user space; no compat translation is needed.
 *  - Fields marked (in) are read by the kernel, (out) are written by it,
 *    (in/out) both. Fields named reserved must be zero on input (else
 *    EINVAL) and are zero on output. Unknown flag bits are EINVAL.
 *  - Old structs never change; new features use flags and reserved space,
 *    or new ioctls, and bump %FWCMP_ABI_VERSION.
 *  - CONNECT, DISCONNECT and CLEAR_PLUG need a descriptor opened for
 *    writing (else EBADF). GET_INFO, GET_PLUG, read() and poll() work on
 *    any descriptor.
 *  - After the unit is removed, every ioctl fails with ENODEV, read()
 *    returns the queued events and then fails with ENODEV, and poll()
 *    reports EPOLLHUP | EPOLLERR.
 *
 * Error codes (the documentation has the table per ioctl):
 *  EINVAL	bad argument, reserved field or unknown flag set, plug index
 *		out of range, bad handle (0, never issued, already broken,
 *		another descriptor's non-persistent one), version 0
 *  EBUSY	plug in use (p2p or broadcast) and no OVERLAY, or OVERLAY on
 *		another channel; BROADCAST on a plug whose broadcast bit is
 *		set
 *  ENOSPC	no free channel (or the given one is taken) or not enough
 *		bandwidth at the IRM
 *  ECONNREFUSED plug off-line
 *  ENODEV	unit removed
 *  EPERM	CLEAR_PLUG without CAP_SYS_ADMIN
 *  EBADF	CONNECT, DISCONNECT or CLEAR_PLUG on a descriptor not opened
 *		for writing; THIRD_PARTY with a peer_fd that is not an
 *		open descriptor opened for writing
 *  EAGAIN	bus resets or other controllers' locks on the plug kept
 *		interrupting the operation; nothing changed, try again. Also
 *		read() on an empty queue with O_NONBLOCK
 *  ETIMEDOUT	no response from the unit or the IRM after retries
 *  EIO		other transaction failure (busy, address or type error)
 *  EFAULT	bad user pointer
 *  ENOTTY	unknown ioctl, or wrong size or direction
 *  EINTR	interrupted by a signal before anything changed
 *  ENOMEM	out of memory, nothing changed
 */

#ifndef _UAPI_LINUX_FIREWIRE_CMP_H
#define _UAPI_LINUX_FIREWIRE_CMP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * ABI version history
 *  1  - initial version: GET_INFO, GET_PLUG, CONNECT, DISCONNECT,
 *       CLEAR_PLUG, events through read()
 *  2  - %FWCMP_CONNECT_BROADCAST, %FWCMP_EVENT_FLAG_BROADCAST,
 *       %FWCMP_CONNECT_THIRD_PARTY with &fwcmp_connect.peer_fd and
 *       .peer_index (taken from reserved[0..1]), %FWCMP_LOST_PEER
 *
 * A new version only adds: flag bits and fields that were reserved (so
 * EINVAL or zero before). A program checks GET_INFO's @version before it
 * uses them; the kernel accepts them whatever version the descriptor
 * declared, since an older program never sets them.
 */
#define FWCMP_ABI_VERSION		2

/* Plug directions, as in IEC 61883-1: output (oPCR) and input (iPCR). */
#define FWCMP_DIR_OUTPUT		0
#define FWCMP_DIR_INPUT			1

/* Largest plug index + 1: a MPR counts at most 31 plugs (IEC 61883-1). */
#define FWCMP_MAX_PLUGS			31

/* Isochronous channels are 0..63. */
#define FWCMP_MAX_CHANNEL		63
/* &fwcmp_connect.channel: let the driver choose any free channel. */
#define FWCMP_ANY_CHANNEL		0xffffffff

/* Speed codes, the same values as SCODE_* in <linux/firewire-constants.h>. */
#define FWCMP_SPEED_S100		0
#define FWCMP_SPEED_S200		1
#define FWCMP_SPEED_S400		2
#define FWCMP_SPEED_S800		3
#define FWCMP_SPEED_S1600		4
#define FWCMP_SPEED_S3200		5

/* Payload limit of the oPCR payload field, in quadlets (IEC 61883-1). */
#define FWCMP_MAX_PAYLOAD		1024

/* &fwcmp_get_info.flags */
/* Neither oMPR nor iMPR could be read: the unit has no plug registers. */
#define FWCMP_INFO_NO_PLUG_REGISTERS	(1U << 0)
/* The oMPR could not be read; output plug count is 0. */
#define FWCMP_INFO_NO_OMPR		(1U << 1)
/* The iMPR could not be read; input plug count is 0. */
#define FWCMP_INFO_NO_IMPR		(1U << 2)

/**
 * struct fwcmp_get_info - unit and plug register summary
 * @version:	(in/out) ABI version. In: the version the caller was
 *		written for, at least 1 (0 is EINVAL); the descriptor keeps
 *		the lower of the two. Out: %FWCMP_ABI_VERSION of the kernel.
 * @flags:	(out) %FWCMP_INFO_* bits.
 * @guid:	(out) the unit's node GUID (EUI-64) from its config ROM.
 * @vendor_id:	(out) vendor ID, 24 bits, from the config ROM (unit
 *		directory if it has one, else root directory).
 * @model_id:	(out) model ID, 24 bits, as @vendor_id.
 * @node_id:	(out) the unit's node ID (bus and PHY ID, 16 bits) in
 *		@generation.
 * @generation:	(out) bus generation in which @node_id, @irm_node_id and
 *		@local_node_id are valid.
 * @irm_node_id: (out) node ID of the isochronous resource manager.
 * @local_node_id: (out) node ID of the local controller (the PC).
 * @max_speed:	(out) speed code of the unit's link as firewire-core
 *		determined it (%FWCMP_SPEED_*).
 * @ompr:	(out) raw oMPR value, 0 if it could not be read.
 * @impr:	(out) raw iMPR value, 0 if it could not be read.
 * @output_plugs: (out) number of oPCRs (oMPR bits 4-0).
 * @input_plugs: (out) number of iPCRs (iMPR bits 4-0).
 * @output_speed: (out) oMPR data-rate capability as a speed code
 *		(bits 31-30, plus the extended rate of bits 6-5 when
 *		bits 31-30 are 3).
 * @input_speed: (out) iMPR data-rate capability, as @output_speed.
 * @broadcast_channel_base: (out) oMPR bits 29-24.
 * @reserved:	(in/out) must be zero; zero on output.
 *
 * The MPR values are read when the unit is bound and again after each bus
 * reset; GET_INFO does not issue transactions.
 */
struct fwcmp_get_info {
	__u32 version;
	__u32 flags;
	__u64 guid;
	__u32 vendor_id;
	__u32 model_id;
	__u32 node_id;
	__u32 generation;
	__u32 irm_node_id;
	__u32 local_node_id;
	__u32 max_speed;
	__u32 ompr;
	__u32 impr;
	__u32 output_plugs;
	__u32 input_plugs;
	__u32 output_speed;
	__u32 input_speed;
	__u32 broadcast_channel_base;
	__u32 reserved[8];
};

/**
 * struct fwcmp_get_plug - read and decode one plug control register
 * @direction:	(in) %FWCMP_DIR_OUTPUT (oPCR) or %FWCMP_DIR_INPUT (iPCR).
 * @index:	(in) plug index, less than the plug count of GET_INFO.
 * @flags:	(in) must be zero.
 * @generation:	(out) bus generation in which @value was read.
 * @value:	(out) raw register value (CPU byte order).
 * @online:	(out) bit 31, 1 when the plug is on-line.
 * @broadcast:	(out) bit 30, the broadcast connection counter.
 * @p2p:	(out) bits 29-24, the point-to-point connection counter.
 * @channel:	(out) bits 21-16, the isochronous channel.
 * @speed:	(out) oPCR only: data rate (bits 15-14) as a speed code,
 *		with the extended speed (bits 23-22) added when the data
 *		rate is 3 (S800 and faster); 0 for an iPCR.
 * @overhead_id: (out) oPCR only: bits 13-10; 0 for an iPCR.
 * @payload:	(out) oPCR only: bits 9-0 in quadlets, where the field
 *		value 0 is reported as 1024; 0 for an iPCR.
 * @reserved:	(in/out) must be zero; zero on output.
 */
struct fwcmp_get_plug {
	__u32 direction;
	__u32 index;
	__u32 flags;
	__u32 generation;
	__u32 value;
	__u32 online;
	__u32 broadcast;
	__u32 p2p;
	__u32 channel;
	__u32 speed;
	__u32 overhead_id;
	__u32 payload;
	__u32 reserved[4];
};

/* &fwcmp_connect.flags */
/*
 * Join an existing connection on the plug (ours or another controller's)
 * on the same channel instead of failing with EBUSY. No new IRM resources
 * are taken: the channel and bandwidth belong to the plug's set of
 * connections and are returned when its last connection is broken.
 */
#define FWCMP_CONNECT_OVERLAY		(1U << 0)
/*
 * The connection outlives the descriptor that made it; any descriptor on
 * the same unit opened for writing may break it. Unloading the module
 * breaks it.
 */
#define FWCMP_CONNECT_PERSISTENT	(1U << 1)
/*
 * (ABI 2) A broadcast connection (IEC 61883-1 7.8, 9.1) instead of a
 * point-to-point one: the plug's broadcast connection counter (bit 30) is
 * set instead of the p2p counter incremented. Broadcast-out on an oPCR: the
 * channel is the oMPR broadcast channel base + plug index (@channel must be
 * that or %FWCMP_ANY_CHANNEL; with base 63, "no base", any channel as for
 * p2p), and the driver takes channel and bandwidth at the IRM. Broadcast-in
 * on an iPCR: @channel is required (another unit's broadcast-out), nothing
 * is taken at the IRM. The device keeps broadcast connections over a bus
 * reset; the driver takes the IRM resources again. On a plug in use, needs
 * %FWCMP_CONNECT_OVERLAY and joins its channel. One broadcast connection
 * per plug (the counter is one bit): EBUSY when it is set already.
 */
#define FWCMP_CONNECT_BROADCAST		(1U << 2)
/*
 * (ABI 2) A third-party p2p connection between two units, the computer only
 * the controller (a camcorder's oPCR to a deck's iPCR): @direction must be
 * %FWCMP_DIR_OUTPUT and @index an oPCR of this descriptor's unit; @peer_fd a
 * descriptor of the other unit's /dev/fwcmpM opened for writing, @peer_index
 * its iPCR. The oPCR side takes channel and bandwidth at the IRM (or joins
 * with %FWCMP_CONNECT_OVERLAY), the iPCR side joins it on that channel.
 * One handle, on this descriptor: DISCONNECT breaks both sides and returns
 * the resources once; the loss of either side breaks the other and is
 * reported once, as CONN_LOST of the handle. Not with BROADCAST.
 */
#define FWCMP_CONNECT_THIRD_PARTY	(1U << 3)
/* Bits 4..31 are reserved (local plugs later). */

/**
 * struct fwcmp_connect - make a point-to-point connection on a plug
 * @direction:	(in) %FWCMP_DIR_OUTPUT (the unit transmits from an oPCR)
 *		or %FWCMP_DIR_INPUT (the unit receives on an iPCR).
 * @index:	(in) plug index, less than the plug count of GET_INFO.
 * @flags:	(in) %FWCMP_CONNECT_* bits.
 * @channel:	(in/out) In: 0..63, or %FWCMP_ANY_CHANNEL for any free
 *		channel (with %FWCMP_CONNECT_OVERLAY: the channel of the
 *		existing connection). Out: the channel of the connection.
 * @speed:	(in) speed code of the stream, %FWCMP_SPEED_S100 up to the
 *		plug's data-rate capability (GET_INFO); written to an
 *		oPCR and used for the bandwidth.
 * @payload:	(in) largest isochronous payload of the stream in quadlets
 *		(CIP header included): 1 up to %FWCMP_MAX_PAYLOAD and up to
 *		the speed's packet limit (256 quadlets at S100, doubling with
 *		each speed). Written to an oPCR and used for the bandwidth.
 * @handle:	(out) connection handle for DISCONNECT and events; never 0.
 * @bandwidth:	(out) bandwidth allocation units this connection took at
 *		the IRM, overhead included; 0 when it joined an existing
 *		connection.
 * @pcr:	(out) the plug register value the connection's lock wrote
 *		(third-party: the oPCR's).
 * @generation:	(out) bus generation of that lock.
 * @peer_fd:	(in) %FWCMP_CONNECT_THIRD_PARTY: a descriptor of the iPCR's
 *		unit's /dev/fwcmpM, opened for writing; else must be 0.
 *		(ABI 2; reserved[0] before.)
 * @peer_index:	(in) %FWCMP_CONNECT_THIRD_PARTY: that unit's iPCR index;
 *		else must be 0. (ABI 2; reserved[1] before.)
 * @reserved:	(in/out) must be zero; zero on output.
 */
struct fwcmp_connect {
	__u32 direction;
	__u32 index;
	__u32 flags;
	__u32 channel;
	__u32 speed;
	__u32 payload;
	__u32 handle;
	__u32 bandwidth;
	__u32 pcr;
	__u32 generation;
	__u32 peer_fd;
	__u32 peer_index;
	__u32 reserved[4];
};

/**
 * struct fwcmp_disconnect - break a connection
 * @handle:	(in) a handle returned by CONNECT on this descriptor, or a
 *		%FWCMP_CONNECT_PERSISTENT handle made on the same unit.
 * @reserved:	(in) must be zero.
 */
struct fwcmp_disconnect {
	__u32 handle;
	__u32 reserved;
};

/**
 * struct fwcmp_clear_plug - reset a plug left connected by other software
 * @direction:	(in) %FWCMP_DIR_OUTPUT or %FWCMP_DIR_INPUT.
 * @index:	(in) plug index.
 * @flags:	(in) must be zero.
 * @bandwidth:	(in/out) In: for an iPCR, the bandwidth units to return to
 *		the IRM along with the channel (an iPCR does not record its
 *		stream's bandwidth; 0 returns none); for an oPCR it must be
 *		0, the driver computes it from the oPCR. Out: the units
 *		returned to the IRM.
 * @old_value:	(out) plug register value before the clear.
 * @new_value:	(out) plug register value written (p2p counter 0).
 * @channel:	(out) the channel returned to the IRM, or
 *		%FWCMP_ANY_CHANNEL when none was returned (the p2p counter
 *		was already 0, a broadcast connection still uses it, or the
 *		IRM did not have it allocated).
 * @generation:	(out) bus generation of the lock.
 * @reserved:	(in/out) must be zero; zero on output.
 *
 * Needs CAP_SYS_ADMIN. Connections of this driver on the plug are reported
 * lost with %FWCMP_LOST_CLEARED.
 */
struct fwcmp_clear_plug {
	__u32 direction;
	__u32 index;
	__u32 flags;
	__u32 bandwidth;
	__u32 old_value;
	__u32 new_value;
	__u32 channel;
	__u32 generation;
	__u32 reserved[2];
};

/* &fwcmp_event.type */
#define FWCMP_EVENT_BUS_RESET		1
#define FWCMP_EVENT_CONN_RESTORED	2
#define FWCMP_EVENT_CONN_LOST		3
#define FWCMP_EVENT_UNIT_REMOVED	4

/* &fwcmp_event.flags */
/* The event queue was full: events before this one were dropped. */
#define FWCMP_EVENT_FLAG_OVERFLOW	(1U << 0)
/* (ABI 2) CONN_*: the connection is a broadcast one. */
#define FWCMP_EVENT_FLAG_BROADCAST	(1U << 1)

/* &fwcmp_event.reason of %FWCMP_EVENT_CONN_LOST */
#define FWCMP_LOST_IRM_CHANNEL		1 /* channel taken at the IRM */
#define FWCMP_LOST_IRM_BANDWIDTH	2 /* not enough bandwidth at the IRM */
#define FWCMP_LOST_PLUG_BUSY		3 /* plug used by others on another channel */
#define FWCMP_LOST_PLUG_OFFLINE		4 /* plug off-line or gone */
#define FWCMP_LOST_TRANSACTION		5 /* transactions failed after retries */
#define FWCMP_LOST_CLEARED		6 /* CLEAR_PLUG on its plug */
#define FWCMP_LOST_UNIT_REMOVED		7 /* the unit was removed */
/* (ABI 2) third-party: the other side was lost, or its descriptor closed */
#define FWCMP_LOST_PEER			8

/**
 * struct fwcmp_event - one record returned by read()
 * @type:	(out) %FWCMP_EVENT_*.
 * @flags:	(out) %FWCMP_EVENT_FLAG_* bits.
 * @generation:	(out) bus generation when the event was queued.
 * @handle:	(out) CONN_RESTORED, CONN_LOST: the connection's handle
 *		(after CONN_LOST it is no longer valid); else 0.
 * @reason:	(out) CONN_LOST: %FWCMP_LOST_*; else 0.
 * @direction:	(out) CONN_*: the connection's plug direction; else 0.
 * @index:	(out) CONN_*: the connection's plug index; else 0.
 * @channel:	(out) CONN_*: the connection's channel; else 0.
 * @node_id:	(out) BUS_RESET: the unit's new node ID; else 0.
 * @irm_node_id: (out) BUS_RESET: the IRM's node ID; else 0.
 * @reserved:	(out) zero.
 *
 * read() returns whole records only; a buffer smaller than one record is
 * EINVAL. BUS_RESET and UNIT_REMOVED go to every descriptor of the unit,
 * CONN_* events to the descriptor that made the connection, and for a
 * %FWCMP_CONNECT_PERSISTENT connection to every descriptor of the unit.
 * On removal every connection is reported lost before UNIT_REMOVED.
 */
struct fwcmp_event {
	__u32 type;
	__u32 flags;
	__u32 generation;
	__u32 handle;
	__u32 reason;
	__u32 direction;
	__u32 index;
	__u32 channel;
	__u32 node_id;
	__u32 irm_node_id;
	__u32 reserved[2];
};

/* 'J' is unused in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define FWCMP_IOC_GET_INFO	_IOWR('J', 0x00, struct fwcmp_get_info)
#define FWCMP_IOC_GET_PLUG	_IOWR('J', 0x01, struct fwcmp_get_plug)
#define FWCMP_IOC_CONNECT	_IOWR('J', 0x02, struct fwcmp_connect)
#define FWCMP_IOC_DISCONNECT	_IOW('J', 0x03, struct fwcmp_disconnect)
#define FWCMP_IOC_CLEAR_PLUG	_IOWR('J', 0x04, struct fwcmp_clear_plug)

/*
 * Local plugs: the PC's own oMPR/iMPR/oPCRs/iPCRs that firewire-cmp hosts at
 * 0xfffff0000900..0xfffff00009ff of every card when its local_oplugs or
 * local_iplugs module parameter is non-zero, so that other controllers can
 * connect to the PC with IEC 61883-1 CMP. Their state is read through the
 * misc device /dev/fwcmp-local (present only while the plugs are hosted).
 */
#define FWCMP_LOCAL_VERSION		1
#define FWCMP_LOCAL_MAX_PLUGS		31

/* fwcmp_local_plugs.flags */
#define FWCMP_LOCAL_RESTORE_WINDOW	(1u << 0) /* < 1 s since the bus reset */
#define FWCMP_LOCAL_UNTOUCHED		(1u << 1) /* no request yet: reset values */

/**
 * struct fwcmp_local_plugs - the local plugs of one card
 * @version:	(in) %FWCMP_LOCAL_VERSION.
 * @index:	(in) with @guid 0: the card's position among the local nodes
 *		firewire-core has now, counted from 0 in its device order;
 *		ENODEV past the last one. Ignored when @guid is non-zero.
 *		(out) the card's position.
 * @guid:	(in) 0, or the GUID of the card (the local node's guid in
 *		sysfs) to select it. (out) the card's GUID.
 * @generation:	(out) the bus generation the registers below are for.
 * @flags:	(out) %FWCMP_LOCAL_* bits.
 * @ms_since_reset: (out) milliseconds since the card's last bus reset,
 *		saturated at 0xffffffff.
 * @n_opcr:	(out) number of hosted oPCRs (the local_oplugs parameter).
 * @n_ipcr:	(out) number of hosted iPCRs (local_iplugs).
 * @ompr:	(out) the oMPR as a controller reads it now.
 * @impr:	(out) the iMPR.
 * @reserved:	(in) must be zero; (out) zero.
 * @opcr:	(out) oPCR[0..@n_opcr - 1]; the rest zero.
 * @ipcr:	(out) iPCR[0..@n_ipcr - 1]; the rest zero.
 *
 * Registers are in CPU byte order, with the field layout of IEC 61883-1
 * (the FWCMP_PCR_* and FWCMP_MPR_* helpers of cmp-definitions.h decode them).
 */
struct fwcmp_local_plugs {
	__u32 version;
	__u32 index;
	__u64 guid;
	__u32 generation;
	__u32 flags;
	__u32 ms_since_reset;
	__u32 n_opcr;
	__u32 n_ipcr;
	__u32 ompr;
	__u32 impr;
	__u32 reserved;
	__u32 opcr[FWCMP_LOCAL_MAX_PLUGS];
	__u32 ipcr[FWCMP_LOCAL_MAX_PLUGS];
};

/* On /dev/fwcmp-local; numbers from 0x40 on, apart from the unit ioctls. */
#define FWCMP_IOC_GET_LOCAL_PLUGS _IOWR('J', 0x40, struct fwcmp_local_plugs)

#endif /* _UAPI_LINUX_FIREWIRE_CMP_H */
