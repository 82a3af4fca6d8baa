/* SPDX-License-Identifier: MIT */
/**
 * @file mqfs_proto.h
 * @brief The control protocol between libmqfs and the mqfs daemon.
 *
 * One header for both sides. Plain C types, fixed sizes, no padding holes,
 * so the daemon can check every request before it trusts a field.
 *
 * DESIGN (see mqfs(7) for the full text and the measurements behind it)
 *  - A queue descriptor is an fd of the queue's file on the mount, so
 *    poll/select/epoll, fork, dup and close-on-exec are the kernel's own.
 *  - Control calls are FUSE "restricted" ioctls on that fd (or on the mount's
 *    root directory): the kernel copies _IOC_SIZE(cmd) bytes in and/or out,
 *    at most 16383 each way. Parked ioctls hold no inode or file-position lock,
 *    so a blocked send or receive stays interruptible and killable.
 *  - Receive is a positioned read (preadv) at an offset in the command
 *    range, so the payload lands straight in the caller's buffer.
 *  - Offsets below MQFS_OFF_CMD are the status file ("QSIZE:..."), so
 *    cat(1) still works; write(2) on a queue file is EINVAL, as on the kernel.
 *  - mq_open() with O_CREAT and an mq_attr creates through open(2) of a
 *    *create name* (MQFS_CREATE_TAG + attributes + the queue name), longer
 *    than NAME_MAX and so never a queue's own name: the kernel checks the
 *    directory permissions and opens the new file atomically; an existing
 *    queue answers EEXIST and the library opens it by its plain name.
 *
 * VERSIONING: MQFS_PROTO_VERSION is reported by MQFS_IOC_INFO; a change that
 * breaks compatibility gets new command numbers and a new version.
 */
#ifndef MQFS_PROTO_H
#define MQFS_PROTO_H

#include <linux/ioctl.h>
#include <stdint.h>

#define MQFS_PROTO_MAGIC 0x6d716673u /* "mqfs" */
#define MQFS_PROTO_VERSION 1u
#define MQFS_PROTO_VERSION_VALUE MQFS_PROTO_VERSION
#define MQFS_IOC_TYPE 'Q'

/** Reply of MQFS_IOC_INFO: identifies an mqfs mount. */
struct mqfs_info {
	uint32_t magic;       /* MQFS_PROTO_MAGIC */
	uint32_t version;     /* MQFS_PROTO_VERSION */
	uint32_t recv_inline; /* largest receive buffer one read carries */
	uint32_t send_inline; /* largest payload one send ioctl carries */
	uint64_t reserved[6];
};

/** The five tunables, in /proc/sys/fs/mqueue order. */
struct mqfs_limits {
	int64_t queues_max;
	int64_t msg_max;
	int64_t msgsize_max;
	int64_t msg_default;
	int64_t msgsize_default;
	int64_t reserved[3];
};

/** Set one tunable, with the sysctl's range check (EINVAL). */
struct mqfs_limit_set {
	uint32_t key; /* 0 queues_max, 1 msg_max, 2 msgsize_max, 3 msg_default, 4 msgsize_default */
	uint32_t reserved;
	int64_t value;
};

#define MQFS_IOC_INFO _IOR(MQFS_IOC_TYPE, 0x01, struct mqfs_info)
#define MQFS_IOC_LIMITS_GET _IOR(MQFS_IOC_TYPE, 0x02, struct mqfs_limits)
#define MQFS_IOC_LIMITS_SET _IOW(MQFS_IOC_TYPE, 0x03, struct mqfs_limit_set)

/*
 * Create names. "TAG<maxmsg>,<msgsize>,<name>", TAG being exactly 256 bytes,
 * so that no queue name (at most NAME_MAX = 255 bytes) can be one.
 */
#define MQFS_CREATE_TAG_LEN 256
#define MQFS_CREATE_TAG_HEAD "\x01mqfs-create-v1\x01"

/* Offsets at or above this are commands, not the status file. */
#define MQFS_OFF_CMD (1ull << 62)

#endif /* MQFS_PROTO_H */
