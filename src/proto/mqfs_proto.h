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
 * Create names. "TAG<maxmsg>,<msgsize>,<flags>,<name>" (maxmsg and msgsize
 * both "-" for the defaults; flags 1: access mode 3), TAG being exactly 256 bytes,
 * so that no queue name (at most NAME_MAX = 255 bytes) can be one.
 */
#define MQFS_CREATE_TAG_LEN 256
#define MQFS_CREATE_TAG_HEAD "\x01mqfs-create-v1\x01"

/*
 * Queue calls.
 *
 * Send: one ioctl, _IOC_SIZE = 16-byte header + payload, so payloads up to
 * MQFS_SEND_INLINE bytes take one round trip. Larger ones are staged:
 * SEND_BEGIN (checks EBADF/EMSGSIZE, returns a token), SEND_CHUNK* (16 KiB
 * each), SEND_COMMIT (sends, blocking like an inline send).
 *
 * Receive: preadv(fd, {header, buffer}, 2, MQFS_OFF_RECV | flags | deadline)
 * where the read size is 16 + the caller's buffer length; the reply is the
 * 16-byte struct mqfs_recv_hdr then the payload, straight into the buffer.
 * O_NONBLOCK comes from the file (FUSE passes f_flags with every read).
 * Buffers larger than MQFS_IOC_INFO's recv_inline set MQFS_RECV_BIGBUF and
 * pass recv_inline bytes; when the queue's mq_msgsize does not fit that, the
 * reply is a header with MQFS_RECV_NEED_BIG and the library uses RECV_BEGIN
 * (an ioctl that receives and reserves the message) and reads the payload at
 * MQFS_OFF_XFER | token << 24 | position.
 *
 * Staged transfers live on the open file (the View) until COMMIT, until the
 * last byte is read, or until the file is closed (a reserved message then
 * goes back to the head of its priority). Each thread has at most one staged
 * send and one staged receive per open file: a new SEND_BEGIN drops its
 * previous staged send, a new RECV_BEGIN gives its unread message back
 * first (a caller the daemon cannot see, whose pid FUSE gives as 0, replaces
 * nothing). An open file holds at most MQFS_STAGED_MAX staged transfers; past
 * that, those of threads that have exited are dropped, and if that is not
 * enough SEND_BEGIN and RECV_BEGIN fail with ENOMEM (as a kernel mq_send()
 * that cannot allocate its message), before anything is allocated or taken.
 */
#define MQFS_STAGED_MAX 64u
#define MQFS_HDR_SIZE 16u
#define MQFS_RECV_INLINE 65536u /* a buffer up to this size is read in one request */
#define MQFS_IOC_MAX_SIZE 16383u /* _IOC_SIZEBITS is 14 */
#define MQFS_SEND_INLINE (MQFS_IOC_MAX_SIZE - MQFS_HDR_SIZE)
#define MQFS_CHUNK_MAX (MQFS_IOC_MAX_SIZE - MQFS_HDR_SIZE)

#define MQFS_F_NONBLOCK 0x1u  /* the caller's file has O_NONBLOCK */
#define MQFS_F_DEADLINE 0x2u  /* deadline_ns is set */

struct mqfs_send_hdr {
	uint32_t prio;
	uint32_t flags;      /* MQFS_F_* */
	int64_t deadline_ns; /* absolute CLOCK_REALTIME */
	/* payload follows */
};

struct mqfs_recv_hdr {
	uint32_t len;
	uint32_t prio;
	uint32_t status; /* 0, or MQFS_RECV_NEED_BIG (no message taken) */
	uint32_t magic;  /* MQFS_PROTO_MAGIC: tells a reply from /dev/zero's bytes */
};
#define MQFS_RECV_NEED_BIG 1u

/* Offsets at or above this are commands, not the status file. */
#define MQFS_OFF_CMD (1ull << 62)
#define MQFS_OFF_XFER (1ull << 61)   /* with MQFS_OFF_CMD: a staged transfer */
#define MQFS_RECV_DEADLINE (1ull << 60)
#define MQFS_RECV_BIGBUF (1ull << 59)
#define MQFS_RECV_US_MASK ((1ull << 58) - 1) /* deadline in microseconds, rounded up */
#define MQFS_OFF_RECV MQFS_OFF_CMD
#define MQFS_XFER_POS_BITS 24
#define MQFS_XFER_TOKEN_MASK 0xffffffffull

struct mqfs_xfer {
	uint64_t len;        /* SEND_BEGIN: payload length. RECV_BEGIN: buffer length in, message length out */
	uint32_t prio;       /* in (send) or out (receive) */
	uint32_t flags;      /* MQFS_F_* */
	int64_t deadline_ns;
	uint32_t token;      /* out of *_BEGIN, in of COMMIT */
	uint32_t reserved;
};

struct mqfs_chunk_hdr {
	uint32_t token;
	uint32_t reserved;
	uint64_t offset;
	/* data follows */
};

/* mq_getattr() and the time stamps of mq_setattr(). */
struct mqfs_attr {
	int64_t maxmsg;
	int64_t msgsize;
	int64_t curmsgs;
	uint32_t flags; /* in: MQFS_ATTR_TOUCH (mq_setattr updates atime and ctime) */
	uint32_t reserved;
};
#define MQFS_ATTR_TOUCH 0x1u

/* mq_notify(). notify: SIGEV_SIGNAL 0, SIGEV_NONE 1, SIGEV_THREAD 2, or -1 for NULL. */
struct mqfs_notify_req {
	int32_t notify;
	int32_t signo;
	uint64_t value;  /* sigev_value */
	uint64_t token;  /* SIGEV_THREAD: the helper's MQFS_IOC_NOTIFY_WAIT token */
};

/* The SIGEV_THREAD helper parks this until the registration fires or goes. */
struct mqfs_notify_wait {
	uint64_t token;  /* in */
	uint32_t what;   /* out: MQFS_NOTIFY_FIRED or MQFS_NOTIFY_REMOVED */
	uint32_t reserved;
};
#define MQFS_NOTIFY_FIRED 1u
#define MQFS_NOTIFY_REMOVED 2u

/*
 * Batches: many messages per round trip (mqfs_send_batch(3)...).
 *
 * Both directions carry records: struct mqfs_batch_rec, then the payload,
 * then zero padding to a multiple of 8 bytes (MQFS_BATCH_REC_SIZE(len)).
 *
 * Send: MQFS_IOC_SEND_BATCH(size), size <= MQFS_IOC_MAX_SIZE: a struct
 * mqfs_batch_hdr (count records follow, filling the ioctl exactly). The
 * messages are sent in order as by a loop of sends until one cannot go; the
 * ioctl returns how many went (>= 1), or the error of the first (EMSGSIZE,
 * EAGAIN; a blocking batch whose first message finds the queue full waits
 * like a send, then returns 1).
 *
 * Receive: a read at MQFS_OFF_RECV | MQFS_RECV_BATCH | flags | (max - 1),
 * of 16 + buffer bytes (buffer <= MQFS_RECV_INLINE); the reply is a struct
 * mqfs_recv_hdr with status MQFS_RECV_BATCHED, len = the bytes of records,
 * prio = their count, then the records. It takes messages in receive order
 * while they fit, at most max; an empty queue gives EAGAIN under O_NONBLOCK
 * or MQFS_BATCH_NOWAIT, otherwise the read waits (no deadline) for one.
 * EMSGSIZE when the buffer cannot hold MQFS_BATCH_REC_SIZE(mq_msgsize);
 * with MQFS_RECV_BIGBUF that is the MQFS_RECV_NEED_BIG header instead.
 */
struct mqfs_batch_hdr {
	uint32_t count;
	uint32_t flags;      /* MQFS_F_* */
	int64_t deadline_ns; /* absolute CLOCK_REALTIME */
};
struct mqfs_batch_rec {
	uint32_t len;
	uint32_t prio;
};
#define MQFS_BATCH_REC_SIZE(len) ((sizeof(struct mqfs_batch_rec) + (uint64_t)(len) + 7u) & ~(uint64_t)7u)
#define MQFS_RECV_BATCHED 2u
#define MQFS_RECV_BATCH (1ull << 58)       /* with MQFS_OFF_RECV; no deadline bits then */
#define MQFS_BATCH_NOWAIT (1ull << 16)     /* never wait, whatever the file's flags */
#define MQFS_BATCH_MAX_MASK 0xffffull      /* the most messages, minus one */

#define MQFS_IOC_SEND_NR 0x20
#define MQFS_IOC_SEND(len) _IOC(_IOC_WRITE, MQFS_IOC_TYPE, MQFS_IOC_SEND_NR, MQFS_HDR_SIZE + (len))
#define MQFS_IOC_SEND_BEGIN _IOWR(MQFS_IOC_TYPE, 0x21, struct mqfs_xfer)
#define MQFS_IOC_SEND_CHUNK_NR 0x22
#define MQFS_IOC_SEND_CHUNK(len) _IOC(_IOC_WRITE, MQFS_IOC_TYPE, MQFS_IOC_SEND_CHUNK_NR, MQFS_HDR_SIZE + (len))
#define MQFS_IOC_SEND_COMMIT _IOW(MQFS_IOC_TYPE, 0x23, struct mqfs_xfer)
#define MQFS_IOC_RECV_BEGIN _IOWR(MQFS_IOC_TYPE, 0x24, struct mqfs_xfer)
#define MQFS_IOC_SEND_BATCH_NR 0x25
#define MQFS_IOC_SEND_BATCH(size) _IOC(_IOC_WRITE, MQFS_IOC_TYPE, MQFS_IOC_SEND_BATCH_NR, (size))
#define MQFS_IOC_GETATTR _IOWR(MQFS_IOC_TYPE, 0x10, struct mqfs_attr)
#define MQFS_IOC_NOTIFY _IOW(MQFS_IOC_TYPE, 0x12, struct mqfs_notify_req)
#define MQFS_IOC_NOTIFY_WAIT _IOWR(MQFS_IOC_TYPE, 0x13, struct mqfs_notify_wait)

#endif /* MQFS_PROTO_H */
