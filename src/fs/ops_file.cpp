/* SPDX-License-Identifier: MIT */
/**
 * @file ops_file.cpp
 * @brief Open files of queues: the status text, poll, close, control ioctls.
 */
#include "ops.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>

#include <fcntl.h>
#include <unistd.h>

#include "caller.hpp"
#include "core/request.hpp"
#include "proto/mqfs_proto.h"

namespace mqfs::fs {

View *openView(Filesystem &fs, const std::shared_ptr<Queue> &q, fuse_file_info *fi)
{
	if (fs.registry().opened(*q) < 0)
		return nullptr;
	auto *v = new (std::nothrow) View{ q, fi->flags & O_ACCMODE, {}, {}, {}, 1 };
	if (!v) {
		fs.registry().released(*q);
		return nullptr;
	}
	try {
		fs.trackView(v);
	} catch (const std::bad_alloc &) {
		delete v;
		fs.registry().released(*q);
		return nullptr;
	}
	fi->fh = reinterpret_cast<uint64_t>(v);
	/* Every read is answered by us: the status text is rebuilt each time
	 * and the command offsets are never cached. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return v;
}

void closeView(Filesystem &fs, View *v)
{
	fs.untrackView(v);
	fs.dropPoll(*v);
	abandonTransfers(*v);
	fs.registry().released(*v->queue);
	delete v;
}

namespace {

View &viewOf(fuse_file_info *fi)
{
	return *reinterpret_cast<View *>(fi->fh);
}

} /* namespace */

void opOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	Filesystem &fs = Filesystem::from(req);
	auto q = fs.queue(ino);
	if (!q)
		return replyErr(req, -ENOENT);
	View *v = openView(fs, q, fi);
	if (!v)
		return replyErr(req, -ENOENT);
	/* handle_truncate(): ATTR_SIZE | ATTR_MTIME | ATTR_CTIME | ATTR_OPEN;
	 * the messages and the status text stay. */
	if (fi->flags & O_TRUNC) {
		const time_t now = std::time(nullptr);
		AttrChange c;
		c.size = 0;
		c.mtime = now;
		c.ctime = now;
		q->setAttr(c);
	}
	if (fuse_reply_open(req, fi) != 0)
		closeView(fs, v);
}

void opRead(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *fi)
{
	View &v = viewOf(fi);
	ReadCommand cmd;
	if (int rv = decodeReadOffset(static_cast<uint64_t>(off), cmd); rv < 0)
		return replyErr(req, rv);
	if (cmd.kind == ReadCommand::Kind::Receive)
		return readReceive(req, v, size, cmd, fi->flags & O_NONBLOCK);
	if (cmd.kind == ReadCommand::Kind::Batch)
		return readReceiveBatch(req, v, size, cmd, fi->flags & O_NONBLOCK);
	if (cmd.kind == ReadCommand::Kind::Transfer)
		return readTransfer(req, v, size, cmd);

	/* mqueue_read_file(): the text is rebuilt at every read, and a read that
	 * returns something updates atime and ctime. */
	const std::string text = v.queue->statusLine(false);
	if (static_cast<uint64_t>(off) >= text.size())
		return (void)fuse_reply_buf(req, nullptr, 0);
	v.queue->touchAC();
	const size_t n = std::min(size, text.size() - static_cast<size_t>(off));
	fuse_reply_buf(req, text.data() + off, n);
}

void opWrite(fuse_req_t req, fuse_ino_t, const char *, size_t, off_t, fuse_file_info *)
{
	/* mqueue files have no write operation: vfs_write() says EINVAL. */
	replyErr(req, -EINVAL);
}

void opFlush(fuse_req_t req, fuse_ino_t, fuse_file_info *fi)
{
	View &v = viewOf(fi);
	/* mqueue_flush_file(): any close by the owner process drops its
	 * registration. Finding the closer's thread group costs a /proc read,
	 * so only pay it when there is a registration. */
	if (pid_t owner = v.queue->notifyOwner()) {
		if (tgidOf(fuse_req_ctx(req)->pid) == owner) {
			WakeList wake;
			v.queue->closedBy(owner, wake);
		}
	}
	replyErr(req, 0);
}

void opRelease(fuse_req_t req, fuse_ino_t, fuse_file_info *fi)
{
	closeView(Filesystem::from(req), &viewOf(fi));
	replyErr(req, 0);
}

void opFsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info *)
{
	/* No fsync operation on mqueue files: EINVAL. */
	replyErr(req, -EINVAL);
}

void opPoll(fuse_req_t req, fuse_ino_t, fuse_file_info *fi, fuse_pollhandle *ph)
{
	Filesystem &fs = Filesystem::from(req);
	View &v = viewOf(fi);
	/* Register before looking, so that a change in between still wakes. */
	if (ph)
		fs.setPoll(v, ph);
	fuse_reply_poll(req, v.queue->pollBits());
}

namespace {

bool mayChangeLimits(const Filesystem &, const fuse_ctx *ctx)
{
	/* /proc/sys/fs/mqueue is writable by root of the namespace; here, by
	 * root and by the user who runs the daemon. */
	return ctx->uid == 0 || ctx->uid == ::geteuid();
}

int ioctlLimitsGet(Filesystem &fs, mqfs_limits &out)
{
	out = {};
	out.queues_max = fs.limits().get(LimitKey::QueuesMax);
	out.msg_max = fs.limits().get(LimitKey::MsgMax);
	out.msgsize_max = fs.limits().get(LimitKey::MsgsizeMax);
	out.msg_default = fs.limits().get(LimitKey::MsgDefault);
	out.msgsize_default = fs.limits().get(LimitKey::MsgsizeDefault);
	return 0;
}

int ioctlLimitsSet(Filesystem &fs, const fuse_ctx *ctx, const mqfs_limit_set &in)
{
	static const LimitKey keys[] = { LimitKey::QueuesMax, LimitKey::MsgMax, LimitKey::MsgsizeMax,
					 LimitKey::MsgDefault, LimitKey::MsgsizeDefault };
	if (in.key >= std::size(keys) || in.reserved)
		return -EINVAL;
	if (!mayChangeLimits(fs, ctx))
		return -EPERM;
	return fs.limits().set(keys[in.key], in.value);
}

} /* namespace */

void opIoctl(fuse_req_t req, fuse_ino_t, unsigned int cmd, void *, fuse_file_info *fi,
	     unsigned flags, const void *inBuf, size_t inBufSize, size_t outBufSize)
{
	Filesystem &fs = Filesystem::from(req);
	/* 32-bit callers would lay the structs out the same, but nothing tests it. */
	if (flags & FUSE_IOCTL_COMPAT)
		return replyErr(req, -ENOSYS);

	switch (cmd) {
	case MQFS_IOC_INFO: {
		if (outBufSize < sizeof(mqfs_info))
			return replyErr(req, -EINVAL);
		mqfs_info info = {};
		info.magic = MQFS_PROTO_MAGIC;
		info.version = MQFS_PROTO_VERSION;
		info.recv_inline = fs.recvInline.load();
		info.send_inline = MQFS_SEND_INLINE;
		return (void)fuse_reply_ioctl(req, 0, &info, sizeof(info));
	}
	case MQFS_IOC_LIMITS_GET: {
		if (outBufSize < sizeof(mqfs_limits))
			return replyErr(req, -EINVAL);
		mqfs_limits l;
		ioctlLimitsGet(fs, l);
		return (void)fuse_reply_ioctl(req, 0, &l, sizeof(l));
	}
	case MQFS_IOC_LIMITS_SET: {
		if (inBufSize != sizeof(mqfs_limit_set))
			return replyErr(req, -EINVAL);
		mqfs_limit_set in;
		std::memcpy(&in, inBuf, sizeof(in));
		int rv = ioctlLimitsSet(fs, fuse_req_ctx(req), in);
		if (rv < 0)
			return replyErr(req, rv);
		return (void)fuse_reply_ioctl(req, 0, nullptr, 0);
	}
	default:
		break;
	}
	std::span<const std::byte> in(static_cast<const std::byte *>(inBuf), inBufSize);
	if (fi->fh && queueIoctl(req, viewOf(fi), cmd, in, outBufSize))
		return;
	/* mqueue files have no ioctl operation. */
	replyErr(req, -ENOTTY);
}

} /* namespace mqfs::fs */
