/* SPDX-License-Identifier: MIT */
/**
 * @file ops_queue.cpp
 * @brief The queue calls of the client protocol (see proto/mqfs_proto.h).
 *
 * Error order is the kernel's: the library checks what needs no queue
 * (timeout validity, priority, mq_notify arguments); the kernel's VFS gives
 * EBADF for a read on a file without read access; we check the rest in the
 * order of ipc/mqueue.c (EBADF for access, then EMSGSIZE, then EAGAIN or
 * blocking).
 */
#include "ops.hpp"

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caller.hpp"
#include "parked.hpp"
#include "proto/mqfs_proto.h"

namespace mqfs::fs {

static_assert(sizeof(mqfs_send_hdr) == MQFS_HDR_SIZE);
static_assert(sizeof(mqfs_recv_hdr) == MQFS_HDR_SIZE);
static_assert(sizeof(mqfs_chunk_hdr) == MQFS_HDR_SIZE);
static_assert(sizeof(mqfs_xfer) == 32);
static_assert(sizeof(mqfs_attr) == 32);
static_assert(sizeof(mqfs_notify_req) == 24);

namespace {

/* The sender as the siginfo of a notification shows it. Resolved lazily:
 * only a send that fires a notification pays for the /proc read. */
Sender senderOf(fuse_req_t req)
{
	return Sender{ fuse_req_ctx(req)->pid, fuse_req_ctx(req)->uid };
}

/* A receive whose caller has gone: the message goes back to its queue. */
void giveBack(Queue &q, Message &msg, unsigned prio)
{
	WakeList wake;
	q.requeue(std::move(msg), prio, wake);
}

/*
 * Staged transfers are bounded (mqfs_proto.h, MQFS_STAGED_MAX): one send and
 * one receive per thread and file, at most MQFS_STAGED_MAX per file. Without
 * a bound a client could pile up messages outside every limit: threads that
 * exit after SEND_BEGIN, or one thread that RECV_BEGINs and never reads.
 */

/* The thread that began \a t has exited (its tid is no longer in use). */
bool stagerGone(const Transfer &t)
{
	/* tid 0 (see stagedRoomLocked()): never reclaimed. */
	return t.tid > 0 && ::kill(t.tid, 0) < 0 && errno == ESRCH;
}

/*
 * Make room on \a v for one more staged transfer of thread \a tid: that
 * thread's previous one of the same direction goes, and at the cap so do
 * those of exited threads. Receives whose message must go back to the queue
 * are moved to \a back (give them back once xferMutex is released).
 * \return 0, or -ENOMEM when MQFS_STAGED_MAX live transfers remain.
 */
int stagedRoomLocked(View &v, pid_t tid, bool send, std::vector<Transfer> &back)
	MQFS_REQUIRES(v.xferMutex)
{
	const auto drop = [&](auto it) {
		if (!it->second.send)
			back.push_back(std::move(it->second));
		return v.xfers.erase(it);
	};
	/* tid 0: a caller in a pid namespace we cannot see. Such callers are
	 * told apart by nobody, so none replaces another's transfer. */
	if (tid > 0) {
		for (auto it = v.xfers.begin(); it != v.xfers.end();)
			it = it->second.send == send && it->second.tid == tid ? drop(it) : std::next(it);
	}
	if (v.xfers.size() < MQFS_STAGED_MAX)
		return 0;
	for (auto it = v.xfers.begin(); it != v.xfers.end();)
		it = stagerGone(it->second) ? drop(it) : std::next(it);
	return v.xfers.size() < MQFS_STAGED_MAX ? 0 : -ENOMEM;
}

void giveBackAll(Queue &q, std::vector<Transfer> &back)
{
	for (auto &t : back)
		giveBack(q, t.msg, t.prio);
	back.clear();
}

void replyInline(fuse_req_t req, Queue &q, void *, Message &msg, unsigned prio)
{
	/* The message has left the queue: it is delivered even if the caller
	 * was interrupted meanwhile. The kernel still waits for this answer and
	 * returns it (a signal cannot undo a completed receive, as in
	 * ipc/mqueue.c), or the caller is dying and the message dies with it,
	 * as on the kernel. Giving it back would let the next message of its
	 * priority overtake it. Only a reply that cannot be sent gives it back. */
	if (replyMessage(req, msg, prio) != 0)
		giveBack(q, msg, prio);
}

/* Run one receive: at once, or parked with \a fn as the reply. */
void doReceive(fuse_req_t req, View &v, size_t bufLen, const Deadline &deadline, bool nonblock,
	       ParkedReceive::ReplyFn fn, void *context)
{
	Message msg;
	unsigned prio = 0;
	int rv;
	/* First without a waiter: most receives find a message, and then no
	 * waiter is allocated, armed and disarmed. */
	{
		WakeList wake;
		rv = v.queue->receive(bufLen, msg, prio, nullptr, wake);
	}
	if (rv == -EAGAIN && !nonblock) {
		/* Empty: park. The queue may have changed since; receive() decides again. */
		auto *w = new (std::nothrow) ParkedReceive(v.queue, req, Filesystem::from(req), fn);
		if (!w)
			return replyErr(req, -ENOMEM);
		w->deadline = deadline;
		w->context = context;
		w->arm();
		{
			WakeList wake;
			rv = v.queue->receive(bufLen, msg, prio, w, wake);
		}
		if (rv == kParked)
			return;
		/* Not parked: let go of the waiter (before the reply frees req),
		 * then answer here as it would have. */
		w->discard();
	}
	if (rv < 0)
		return replyErr(req, rv);
	fn(req, *v.queue, context, msg, prio);
}

void replyBigBegin(fuse_req_t req, Queue &q, void *context, Message &msg, unsigned prio)
{
	View &v = *static_cast<View *>(context);
	/* Delivered even if interrupted, as in replyInline(). */
	mqfs_xfer out = {};
	out.len = msg.size();
	out.prio = prio;
	std::uint32_t token = 0;
	if (msg.size()) {
		std::vector<Transfer> back;
		int rv;
		{
			std::lock_guard lock(v.xferMutex);
			rv = stagedRoomLocked(v, fuse_req_ctx(req)->pid, false, back);
			if (rv == 0) {
				token = v.nextToken++;
				if (!token)
					token = v.nextToken++;
				v.xfers[token] = Transfer{ false, fuse_req_ctx(req)->pid, std::move(msg), prio, 0 };
			}
		}
		giveBackAll(q, back);
		if (rv < 0) {
			giveBack(q, msg, prio);
			fuse_reply_err(req, -rv);
			return;
		}
	}
	out.token = token;
	if (fuse_reply_ioctl(req, 0, &out, sizeof(out)) != 0 && token) {
		std::unique_lock lock(v.xferMutex);
		auto it = v.xfers.find(token);
		if (it != v.xfers.end()) {
			Transfer t = std::move(it->second);
			v.xfers.erase(it);
			lock.unlock();
			giveBack(*v.queue, t.msg, t.prio);
		}
	}
}

/* Run one send: at once, or parked until there is room. The ioctl's result
 * is \a okResult on success. */
void doSend(fuse_req_t req, View &v, Message &msg, unsigned prio, const Deadline &deadline,
	    bool nonblock, int okResult = 0)
{
	int rv;
	/* First without a waiter, as in doReceive(). */
	{
		WakeList wake;
		rv = v.queue->send(msg, prio, senderOf(req), nullptr, wake);
	}
	if (rv == -EAGAIN && !nonblock) {
		auto *w = new (std::nothrow) ParkedSend(Waiter::Kind::Send, v.queue, req, Filesystem::from(req));
		if (!w)
			return replyErr(req, -ENOMEM);
		w->deadline = deadline;
		w->okResult = okResult;
		w->arm();
		{
			WakeList wake;
			rv = v.queue->send(msg, prio, senderOf(req), w, wake);
		}
		if (rv == kParked)
			return;
		w->discard();
	}
	if (rv < 0)
		return replyErr(req, rv);
	fuse_reply_ioctl(req, okResult, nullptr, 0);
}

/*
 * A batch of sends: in order, as many as go without waiting. The payloads
 * are copied (allocated) before the queue lock is taken, up to the first one
 * larger than mq_msgsize, which ends the batch as it would end a loop.
 */
int ioctlSendBatch(fuse_req_t req, View &v, unsigned cmd, std::span<const std::byte> in)
{
	thread_local SendBatchRequest r;
	if (int rv = decodeSendBatch(cmd, in, r); rv < 0)
		return rv;
	if (!v.canWrite())
		return -EBADF;
	const auto msgsize = static_cast<std::uint64_t>(v.queue->attr().msgsize);
	thread_local std::vector<BatchItem> items;
	items.clear();
	try {
		for (const BatchRecord &rec : r.items) {
			if (rec.len > msgsize)
				break;
			items.push_back({ Message(r.records.subspan(rec.offset, rec.len)), rec.prio });
		}
	} catch (const std::bad_alloc &) {
		items.clear();
		return -ENOMEM;
	}
	if (items.empty())
		return -EMSGSIZE;
	int stop;
	std::size_t sent;
	{
		WakeList wake;
		sent = v.queue->sendMany(items, senderOf(req), stop, wake);
	}
	if (sent > 0) {
		items.clear();
		fuse_reply_ioctl(req, static_cast<int>(sent), nullptr, 0);
		return 0;
	}
	/* The queue is full: the first message waits like a send would. */
	Message first = std::move(items.front().msg);
	const unsigned prio = items.front().prio;
	items.clear();
	doSend(req, v, first, prio, r.deadline, r.nonblock, 1);
	return 0;
}

int ioctlSend(fuse_req_t req, View &v, unsigned cmd, std::span<const std::byte> in)
{
	SendRequest r;
	if (int rv = decodeSend(cmd, in, r); rv < 0)
		return rv;
	/* mq_send(3): "mqdes ... is not open for writing" -> EBADF */
	if (!v.canWrite())
		return -EBADF;
	if (static_cast<long>(r.payload.size()) > v.queue->attr().msgsize)
		return -EMSGSIZE;
	Message msg(r.payload);
	doSend(req, v, msg, r.prio, r.deadline, r.nonblock);
	return 0;
}

/* The fixed struct of SEND_BEGIN, SEND_COMMIT and RECV_BEGIN, checked. */
int readXfer(std::span<const std::byte> in, mqfs_xfer &x)
{
	if (in.size() != sizeof(x))
		return -EINVAL;
	std::memcpy(&x, in.data(), sizeof(x));
	if (x.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE))
		return -EINVAL;
	return 0;
}

int ioctlSendBegin(fuse_req_t req, View &v, std::span<const std::byte> in)
{
	mqfs_xfer x;
	if (int rv = readXfer(in, x); rv < 0)
		return rv;
	if (x.prio >= kMqPrioMax)
		return -EINVAL;
	if (!v.canWrite())
		return -EBADF;
	/* Checked before anything is allocated: at most mq_msgsize bytes. */
	if (x.len > static_cast<std::uint64_t>(v.queue->attr().msgsize))
		return -EMSGSIZE;
	std::vector<Transfer> back;
	std::uint32_t token = 0;
	int rv;
	{
		std::lock_guard lock(v.xferMutex);
		/* One staged send per thread and file: a new one replaces the old.
		 * At the cap, ENOMEM before anything is allocated. */
		rv = stagedRoomLocked(v, fuse_req_ctx(req)->pid, true, back);
		if (rv == 0) {
			try {
				token = v.nextToken++;
				if (!token)
					token = v.nextToken++;
				v.xfers.emplace(token, Transfer{ true, fuse_req_ctx(req)->pid, Message::withSize(x.len),
								 x.prio, 0 });
			} catch (const std::bad_alloc &) {
				rv = -ENOMEM;
			}
		}
	}
	giveBackAll(*v.queue, back);
	if (rv < 0)
		return rv;
	x.token = token;
	fuse_reply_ioctl(req, 0, &x, sizeof(x));
	return 0;
}

int ioctlSendChunk(fuse_req_t req, View &v, unsigned cmd, std::span<const std::byte> in)
{
	mqfs_chunk_hdr h;
	if (_IOC_DIR(cmd) != _IOC_WRITE || in.size() != _IOC_SIZE(cmd) || in.size() < sizeof(h))
		return -EINVAL;
	std::memcpy(&h, in.data(), sizeof(h));
	auto data = in.subspan(sizeof(h));
	std::lock_guard lock(v.xferMutex);
	auto it = v.xfers.find(h.token);
	if (it == v.xfers.end() || !it->second.send)
		return -EINVAL;
	Transfer &t = it->second;
	if (h.offset != t.done || data.size() > t.msg.size() - t.done)
		return -EINVAL;
	if (!data.empty())
		std::memcpy(t.msg.data() + t.done, data.data(), data.size());
	t.done += data.size();
	fuse_reply_ioctl(req, 0, nullptr, 0);
	return 0;
}

int ioctlSendCommit(fuse_req_t req, View &v, std::span<const std::byte> in)
{
	mqfs_xfer x;
	if (int rv = readXfer(in, x); rv < 0)
		return rv;
	Transfer t;
	{
		std::lock_guard lock(v.xferMutex);
		auto it = v.xfers.find(x.token);
		if (it == v.xfers.end() || !it->second.send || it->second.done != it->second.msg.size())
			return -EINVAL;
		t = std::move(it->second);
		v.xfers.erase(it);
	}
	doSend(req, v, t.msg, t.prio, wireDeadline(x.flags, x.deadline_ns), x.flags & MQFS_F_NONBLOCK);
	return 0;
}

int ioctlRecvBegin(fuse_req_t req, View &v, std::span<const std::byte> in)
{
	mqfs_xfer x;
	if (int rv = readXfer(in, x); rv < 0)
		return rv;
	/* mq_receive(3): "mqdes ... is not open for reading" -> EBADF */
	if (!v.canRead())
		return -EBADF;
	/* This thread's unread reservation goes back first (it may be the
	 * message it now receives again); a full file is refused at once. */
	{
		std::vector<Transfer> back;
		int rv;
		{
			std::lock_guard lock(v.xferMutex);
			rv = stagedRoomLocked(v, fuse_req_ctx(req)->pid, false, back);
		}
		giveBackAll(*v.queue, back);
		if (rv < 0)
			return rv;
	}
	const size_t bufLen = x.len > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(x.len);
	doReceive(req, v, bufLen, wireDeadline(x.flags, x.deadline_ns), x.flags & MQFS_F_NONBLOCK,
		  replyBigBegin, &v);
	return 0;
}

int ioctlGetattr(fuse_req_t req, View &v, std::span<const std::byte> in)
{
	mqfs_attr a;
	if (in.size() != sizeof(a))
		return -EINVAL;
	std::memcpy(&a, in.data(), sizeof(a));
	if (a.flags & ~MQFS_ATTR_TOUCH)
		return -EINVAL;
	/* mq_setattr() with new attributes updates atime and ctime. */
	if (a.flags & MQFS_ATTR_TOUCH)
		v.queue->touchAC();
	const QueueCounts c = v.queue->counts();
	a = {};
	a.maxmsg = c.attr.maxmsg;
	a.msgsize = c.attr.msgsize;
	a.curmsgs = c.curmsgs;
	fuse_reply_ioctl(req, 0, &a, sizeof(a));
	return 0;
}

/* Delivery of SIGEV_SIGNAL: a pidfd taken at registration, so a recycled
 * pid never receives it. */
class SignalTarget final : public NotifyTarget
{
public:
	explicit SignalTarget(int pidfd) : pidfd_(pidfd) {}
	~SignalTarget() override
	{
		if (pidfd_ >= 0)
			::close(pidfd_);
	}
	int pidfd() const { return pidfd_; }

private:
	int pidfd_;
};

int ioctlNotify(fuse_req_t req, View &v, std::span<const std::byte> in)
{
	mqfs_notify_req n;
	if (in.size() != sizeof(n))
		return -EINVAL;
	std::memcpy(&n, in.data(), sizeof(n));
	const pid_t owner = tgidOf(fuse_req_ctx(req)->pid);
	if (!owner)
		return -ESRCH;
	WakeList wake;
	if (n.notify == -1) {
		/* mq_notify(NULL): only the owner's removes it; otherwise 0. */
		v.queue->notifyUnregister(owner, wake);
		fuse_reply_ioctl(req, 0, nullptr, 0);
		return 0;
	}
	/* mq_notify(3): "sevp->sigev_notify is not one of the permitted values",
	 * "sigev_signo is not a valid signal number" -> EINVAL */
	if (n.notify != kSigevSignal && n.notify != kSigevNone && n.notify != kSigevThread)
		return -EINVAL;
	if (n.notify == kSigevSignal && (n.signo < 0 || n.signo > _NSIG - 1))
		return -EINVAL;
	NotifyReg reg;
	reg.owner = owner;
	reg.notify = n.notify;
	reg.signo = n.notify == kSigevSignal ? n.signo : 0;
	reg.value = n.value;
	if (n.notify == kSigevSignal) {
		int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, owner, 0));
		if (pidfd < 0)
			return -errno;
		try {
			reg.target = std::make_shared<SignalTarget>(pidfd);
		} catch (const std::bad_alloc &) {
			::close(pidfd);
			return -ENOMEM;
		}
	}
	std::shared_ptr<ThreadWait> tw;
	if (n.notify == kSigevThread) {
		/* The helper thread's wait must be parked already; the library
		 * retries while it is on its way. */
		tw = Filesystem::from(req).takeThreadWait(owner, n.token);
		/* Even EBUSY waits for the helper: its wait must be answered, or
		 * it would hold the queue file open for ever. */
		if (!tw)
			return -EAGAIN;
		reg.token = n.token;
		reg.target = tw;
	}
	if (int rv = v.queue->notifyRegister(std::move(reg), wake); rv < 0) {
		if (tw)
			tw->answer(MQFS_NOTIFY_REMOVED);
		return rv;
	}
	fuse_reply_ioctl(req, 0, nullptr, 0);
	return 0;
}

/*
 * The wait whose interrupt callback this thread is registering. If the
 * request was interrupted already, fuse_req_interrupt_func() runs the
 * callback at once, holding the request's lock, which it releases after:
 * replying there would free the request under it (libfuse takes a reference
 * only when an INTERRUPT runs the callback). So the callback only notes it,
 * and ioctlNotifyWait() answers once the registration call has returned.
 */
thread_local ThreadWait *tlsRegistering = nullptr;
thread_local bool tlsInterruptedEarly = false;

void threadWaitInterrupted(fuse_req_t req, void *data)
{
	auto *w = static_cast<ThreadWait *>(data);
	if (w == tlsRegistering) {
		tlsInterruptedEarly = true;
		return;
	}
	Filesystem &fs = Filesystem::from(req);
	std::shared_ptr<ThreadWait> unparked;
	fuse_req_t r;
	{
		std::lock_guard lock(w->mutex);
		r = w->req;
		w->req = nullptr;
		/* An unbound wait that ended must not stay parked: its token would
		 * be EBUSY for ever, a registration could bind to it, and each one
		 * would cost memory. Done under w->mutex, while w surely lives:
		 * ioctlNotifyWait() holds it until it sees req gone, the table
		 * after that. (w->mutex, then waitMutex_.) */
		unparked = fs.unparkThreadWait(*w);
	}
	/* Called with libfuse's req lock held: reply, but do not unregister. */
	if (r)
		fuse_reply_err(r, EINTR);
}

int ioctlNotifyWait(fuse_req_t req, std::span<const std::byte> in)
{
	Filesystem &fs = Filesystem::from(req);
	mqfs_notify_wait nw;
	if (in.size() != sizeof(nw))
		return -EINVAL;
	std::memcpy(&nw, in.data(), sizeof(nw));
	const pid_t tgid = tgidOf(fuse_req_ctx(req)->pid);
	if (!tgid)
		return -ESRCH;
	std::shared_ptr<ThreadWait> w;
	try {
		w = std::make_shared<ThreadWait>();
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
	w->tgid = tgid;
	w->token = nw.token;
	{
		std::lock_guard lock(w->mutex);
		w->req = req;
	}
	tlsRegistering = w.get();
	tlsInterruptedEarly = false;
	fuse_req_interrupt_func(req, threadWaitInterrupted, w.get());
	tlsRegistering = nullptr;
	if (tlsInterruptedEarly) {
		{
			std::lock_guard lock(w->mutex);
			w->req = nullptr;
		}
		fuse_req_interrupt_func(req, nullptr, nullptr);
		return -EINTR;
	}
	fuse_req_t busy = nullptr;
	{
		/* Checked and parked under w->mutex, which the interrupt callback
		 * takes too: either it ran before (req gone, answered) or it will
		 * find the wait parked and unpark it. Parking after an answer would
		 * leave the token EBUSY for the caller's next wait. */
		std::lock_guard lock(w->mutex);
		if (!w->req)
			return 0; /* interrupted since, and answered */
		if (fs.parkThreadWait(w) < 0) {
			busy = w->req;
			w->req = nullptr;
		}
	}
	if (busy) {
		fuse_req_interrupt_func(busy, nullptr, nullptr);
		fuse_reply_err(busy, EBUSY);
	}
	return 0;
}

} /* namespace */

void deliverSignal(const NotifyEvent &ev)
{
	auto *t = dynamic_cast<SignalTarget *>(ev.reg.target.get());
	/* signo 0 uses the registration up and delivers nothing. */
	if (!t || ev.reg.signo == 0)
		return;
	siginfo_t si = {};
	si.si_signo = ev.reg.signo;
	si.si_code = SI_MESGQ;
	si.si_errno = 0;
	si.si_value.sival_ptr = reinterpret_cast<void *>(static_cast<uintptr_t>(ev.reg.value));
	const pid_t tgid = tgidOf(ev.sender.pid);
	si.si_pid = tgid ? tgid : ev.sender.pid;
	if (auto st = readProcStatus(ev.sender.pid))
		si.si_uid = st->ruid;
	else
		si.si_uid = ev.sender.ruid;
	::syscall(SYS_pidfd_send_signal, t->pidfd(), ev.reg.signo, &si, 0);
}

namespace {

/* The caller's buffer is larger than its read, and mq_msgsize does not fit
 * the read: the library must take the staged way. Nothing is taken. */
void replyNeedBig(fuse_req_t req)
{
	mqfs_recv_hdr h = {};
	h.status = MQFS_RECV_NEED_BIG;
	h.magic = MQFS_PROTO_MAGIC;
	fuse_reply_buf(req, reinterpret_cast<const char *>(&h), sizeof(h));
}

} /* namespace */

void readReceive(fuse_req_t req, View &v, size_t size, const ReadCommand &cmd, bool nonblock)
{
	if (!v.canRead())
		return replyErr(req, -EBADF);
	if (size < MQFS_HDR_SIZE)
		return replyErr(req, -EINVAL);
	const size_t bufLen = size - MQFS_HDR_SIZE;
	/* The caller's buffer is larger than one read; if mq_msgsize does not
	 * fit in this one, the library must go the staged way (RECV_BEGIN). */
	if (cmd.bigBuffer && bufLen < static_cast<size_t>(v.queue->attr().msgsize)) {
		return replyNeedBig(req);
	}
	doReceive(req, v, bufLen, cmd.deadline, nonblock, replyInline, nullptr);
}

namespace {

/* Reply with a batch of records; on failure they go back, in order. */
void replyBatch(fuse_req_t req, Queue &q, std::span<BatchItem> items)
{
	/* Delivered even if interrupted, as in replyInline(). */
	std::size_t bytes = 0;
	for (const BatchItem &it : items)
		bytes += MQFS_BATCH_REC_SIZE(it.msg.size());
	thread_local std::vector<std::byte> buf;
	int rv = -ENOMEM;
	try {
		buf.resize(MQFS_HDR_SIZE + bytes);
		mqfs_recv_hdr h = {};
		h.len = static_cast<uint32_t>(bytes);
		h.prio = static_cast<uint32_t>(items.size());
		h.status = MQFS_RECV_BATCHED;
		h.magic = MQFS_PROTO_MAGIC;
		std::memcpy(buf.data(), &h, sizeof(h));
		std::span<std::byte> out(buf);
		std::size_t pos = MQFS_HDR_SIZE;
		for (const BatchItem &it : items)
			pos += encodeBatchRecord(out.subspan(pos), it.prio, it.msg.bytes());
		rv = fuse_reply_buf(req, reinterpret_cast<const char *>(buf.data()), buf.size());
	} catch (const std::bad_alloc &) {
	}
	if (rv == 0)
		return;
	/* The reader never got them (libfuse has freed req unless we ran out of memory). */
	WakeList wake;
	q.requeueMany(items, wake);
	if (rv == -ENOMEM)
		fuse_reply_err(req, ENOMEM);
}

/* A batch read that had to wait gets the one message that ended the wait. */
void replyBatchOne(fuse_req_t req, Queue &q, void *, Message &msg, unsigned prio)
{
	BatchItem one{ std::move(msg), prio };
	replyBatch(req, q, std::span(&one, 1));
}

} /* namespace */

void readReceiveBatch(fuse_req_t req, View &v, size_t size, const ReadCommand &cmd, bool nonblock)
{
	if (!v.canRead())
		return replyErr(req, -EBADF);
	if (size < MQFS_HDR_SIZE)
		return replyErr(req, -EINVAL);
	const size_t bufLen = size - MQFS_HDR_SIZE;
	/* Room for one record of mq_msgsize, as mq_receive() wants room for one message. */
	if (bufLen < MQFS_BATCH_REC_SIZE(v.queue->attr().msgsize)) {
		if (!cmd.bigBuffer)
			return replyErr(req, -EMSGSIZE);
		return replyNeedBig(req);
	}
	thread_local std::vector<BatchItem> items;
	items.clear();
	size_t room = bufLen;
	const auto fits = [&room](std::size_t len) {
		const std::size_t need = MQFS_BATCH_REC_SIZE(len);
		if (need > room)
			return false;
		room -= need;
		return true;
	};
	try {
		items.reserve(std::min<size_t>(cmd.maxCount, bufLen / sizeof(mqfs_batch_rec)));
		WakeList wake;
		v.queue->receiveMany(cmd.maxCount, fits, items, wake);
	} catch (const std::bad_alloc &) {
		if (!items.empty()) {
			WakeList wake;
			v.queue->requeueMany(items, wake);
			items.clear();
		}
		return replyErr(req, -ENOMEM);
	}
	if (!items.empty()) {
		replyBatch(req, *v.queue, items);
		items.clear();
		return;
	}
	if (nonblock || cmd.noWait)
		return replyErr(req, -EAGAIN);
	doReceive(req, v, bufLen, Deadline{}, false, replyBatchOne, nullptr);
}

void readTransfer(fuse_req_t req, View &v, size_t size, const ReadCommand &cmd)
{
	std::unique_lock lock(v.xferMutex);
	auto it = v.xfers.find(cmd.token);
	if (it == v.xfers.end() || it->second.send)
		return replyErr(req, -EINVAL);
	Transfer &t = it->second;
	if (cmd.position != t.done || cmd.position > t.msg.size())
		return replyErr(req, -EINVAL);
	const size_t n = std::min<size_t>(size, t.msg.size() - t.done);
	if (fuse_reply_buf(req, reinterpret_cast<const char *>(t.msg.data() + t.done), n) != 0) {
		/* The reader went away mid-message: it never got it whole. */
		Transfer gone = std::move(t);
		v.xfers.erase(it);
		lock.unlock();
		giveBack(*v.queue, gone.msg, gone.prio);
		return;
	}
	t.done += n;
	if (t.done == t.msg.size())
		v.xfers.erase(it);
}

void abandonTransfers(View &v)
{
	std::vector<Transfer> back;
	{
		std::lock_guard lock(v.xferMutex);
		for (auto &[token, t] : v.xfers)
			if (!t.send)
				back.push_back(std::move(t));
		v.xfers.clear();
	}
	for (auto &t : back)
		giveBack(*v.queue, t.msg, t.prio);
}

bool queueIoctl(fuse_req_t req, View &v, unsigned cmd, std::span<const std::byte> in, size_t)
{
	int rv;
	if (_IOC_TYPE(cmd) == MQFS_IOC_TYPE && _IOC_NR(cmd) == MQFS_IOC_SEND_NR)
		rv = ioctlSend(req, v, cmd, in);
	else if (_IOC_TYPE(cmd) == MQFS_IOC_TYPE && _IOC_NR(cmd) == MQFS_IOC_SEND_CHUNK_NR)
		rv = ioctlSendChunk(req, v, cmd, in);
	else if (_IOC_TYPE(cmd) == MQFS_IOC_TYPE && _IOC_NR(cmd) == MQFS_IOC_SEND_BATCH_NR)
		rv = ioctlSendBatch(req, v, cmd, in);
	else if (cmd == MQFS_IOC_SEND_BEGIN)
		rv = ioctlSendBegin(req, v, in);
	else if (cmd == MQFS_IOC_SEND_COMMIT)
		rv = ioctlSendCommit(req, v, in);
	else if (cmd == MQFS_IOC_RECV_BEGIN)
		rv = ioctlRecvBegin(req, v, in);
	else if (cmd == MQFS_IOC_GETATTR)
		rv = ioctlGetattr(req, v, in);
	else if (cmd == MQFS_IOC_NOTIFY)
		rv = ioctlNotify(req, v, in);
	else if (cmd == MQFS_IOC_NOTIFY_WAIT)
		rv = ioctlNotifyWait(req, in);
	else
		return false;
	if (rv < 0)
		replyErr(req, rv);
	return true;
}

} /* namespace mqfs::fs */
