/* SPDX-License-Identifier: MIT */
#include "filesystem.hpp"

#include "ops.hpp"
#include "proto/mqfs_proto.h"

#include <cerrno>
#include <vector>

#include <sys/stat.h>

namespace mqfs::fs {

Filesystem::Filesystem(LimitSet &limits, uid_t uid, gid_t gid)
	: limits_(limits), registry_(limits, this, uid, gid)
{
}

Filesystem::~Filesystem()
{
	shutdown();
	std::lock_guard lock(viewsMutex_);
	for (View *v : views_)
		delete v;
	views_.clear();
}

void Filesystem::trackView(View *v)
{
	std::lock_guard lock(viewsMutex_);
	views_.insert(v);
}

void Filesystem::untrackView(View *v)
{
	std::lock_guard lock(viewsMutex_);
	views_.erase(v);
}

void Filesystem::setPoll(View &v, fuse_pollhandle *ph)
{
	std::lock_guard lock(pollMutex_);
	/* poll.c in libfuse: keep the newest handle, drop the one it replaces. */
	v.poll.reset(ph);
	polls_[v.queue->ino()].insert(&v);
}

void Filesystem::dropPoll(View &v)
{
	std::lock_guard lock(pollMutex_);
	auto it = polls_.find(v.queue->ino());
	if (it != polls_.end()) {
		it->second.erase(&v);
		if (it->second.empty())
			polls_.erase(it);
	}
	v.poll.reset();
}

void Filesystem::readinessChanged(Queue &q)
{
	std::vector<PollHandle> fire;
	{
		std::lock_guard lock(pollMutex_);
		auto it = polls_.find(q.ino());
		if (it == polls_.end())
			return;
		for (View *v : it->second)
			if (v->poll)
				fire.push_back(std::move(v->poll));
		polls_.erase(it);
	}
	/* One notification wakes every poller of that file; the kernel polls again. */
	for (auto &ph : fire)
		fuse_lowlevel_notify_poll(ph.get());
}


void Filesystem::notifyEvent(Queue &, const NotifyEvent &ev)
{
	if (ev.what == NotifyEvent::What::Fired && ev.reg.notify == kSigevSignal)
		deliverSignal(ev);
	if (ev.reg.notify == kSigevThread) {
		if (auto *w = dynamic_cast<ThreadWait *>(ev.reg.target.get()))
			w->answer(ev.what == NotifyEvent::What::Fired ? MQFS_NOTIFY_FIRED
								   : MQFS_NOTIFY_REMOVED);
	}
}

void ThreadWait::answer(std::uint32_t what)
{
	fuse_req_t r;
	{
		std::lock_guard lock(mutex);
		r = req;
		req = nullptr;
	}
	if (!r)
		return;
	/* Waits for a running interrupt callback, which will find req gone. */
	fuse_req_interrupt_func(r, nullptr, nullptr);
	mqfs_notify_wait out = {};
	out.token = token;
	out.what = what;
	fuse_reply_ioctl(r, 0, &out, sizeof(out));
}

int Filesystem::parkThreadWait(const std::shared_ptr<ThreadWait> &w)
{
	std::lock_guard lock(waitMutex_);
	auto [it, inserted] = threadWaits_.try_emplace({ w->tgid, w->token }, w);
	return inserted ? 0 : -EBUSY;
}

std::shared_ptr<ThreadWait> Filesystem::takeThreadWait(pid_t tgid, std::uint64_t token)
{
	std::lock_guard lock(waitMutex_);
	auto it = threadWaits_.find({ tgid, token });
	if (it == threadWaits_.end())
		return nullptr;
	auto w = std::move(it->second);
	threadWaits_.erase(it);
	return w;
}

std::shared_ptr<ThreadWait> Filesystem::unparkThreadWait(const ThreadWait &w)
{
	std::lock_guard lock(waitMutex_);
	auto it = threadWaits_.find({ w.tgid, w.token });
	if (it == threadWaits_.end() || it->second.get() != &w)
		return nullptr;
	auto taken = std::move(it->second);
	threadWaits_.erase(it);
	return taken;
}

void Filesystem::shutdown()
{
	std::map<std::pair<pid_t, std::uint64_t>, std::shared_ptr<ThreadWait>> waits;
	{
		std::lock_guard lock(waitMutex_);
		waits.swap(threadWaits_);
	}
	for (auto &[key, w] : waits)
		w->answer(MQFS_NOTIFY_REMOVED);
	registry_.forEach([](const std::shared_ptr<Queue> &q) {
		WakeList wake;
		q->cancelAll(-EINTR, wake);
	});
}

namespace {

/* DirStat and QueueStat carry the same fields; seconds only (s_time_gran). */
template<typename S>
struct stat toStat(std::uint64_t ino, const S &s)
{
	struct stat st = {};
	st.st_ino = ino;
	st.st_mode = s.mode;
	st.st_nlink = s.nlink;
	st.st_uid = s.uid;
	st.st_gid = s.gid;
	st.st_size = s.size;
	st.st_blksize = 4096;
	st.st_atim.tv_sec = s.atime;
	st.st_mtim.tv_sec = s.mtime;
	st.st_ctim.tv_sec = s.ctime;
	return st;
}

} /* namespace */

struct stat rootStat(const Registry &r)
{
	return toStat(kRootIno, r.dirStat());
}

struct stat queueStat(const Queue &q)
{
	const QueueStat s = q.stat();
	return toStat(s.ino, s);
}

} /* namespace mqfs::fs */
