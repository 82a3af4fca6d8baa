/* SPDX-License-Identifier: MIT */
#include "parked.hpp"

#include <cerrno>

#include <sys/uio.h>

#include "proto/mqfs_proto.h"

namespace mqfs::fs {

namespace {

/* The waiter whose interrupt callback this thread is running (libfuse holds
 * its req->lock, so complete() must not unregister it from here). */
thread_local ParkedCall *tlsInterrupting = nullptr;

} /* namespace */

void ParkedCall::arm()
{
	/* If the request was interrupted already, this calls interrupted() at
	 * once; the waiter is Idle, so cancel() only records EINTR for park(). */
	fuse_req_interrupt_func(req_, &ParkedCall::interrupted, this);
	if (deadline)
		fs_.timer().arm(this, *deadline);
}

void ParkedCall::disarm()
{
	if (tlsInterrupting != this)
		fuse_req_interrupt_func(req_, nullptr, nullptr);
	fs_.timer().disarm(this);
}

void ParkedCall::discard()
{
	disarm();
	delete this;
}

void ParkedCall::interrupted(fuse_req_t, void *data)
{
	auto *self = static_cast<ParkedCall *>(data);
	tlsInterrupting = self;
	{
		WakeList wake;
		self->queue()->cancel(self, -EINTR, wake);
	}
	tlsInterrupting = nullptr;
}

void ParkedCall::complete(int result)
{
	disarm();
	reply(result);
	delete this;
}

int replyMessage(fuse_req_t req, const Message &msg, unsigned prio)
{
	mqfs_recv_hdr h = {};
	h.len = static_cast<uint32_t>(msg.size());
	h.prio = prio;
	h.magic = MQFS_PROTO_MAGIC;
	iovec iov[2] = { { &h, sizeof(h) }, { const_cast<std::byte *>(msg.data()), msg.size() } };
	return fuse_reply_iov(req, iov, msg.size() ? 2 : 1);
}

void ParkedReceive::reply(int result)
{
	if (result < 0) {
		fuse_reply_err(req(), -result);
		return;
	}
	replyFn_(req(), *queue(), context, message(), prio());
}

void ParkedSend::reply(int result)
{
	if (result < 0)
		fuse_reply_err(req(), -result);
	else
		fuse_reply_ioctl(req(), okResult, nullptr, 0);
}

} /* namespace mqfs::fs */
