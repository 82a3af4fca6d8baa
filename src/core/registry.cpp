/* SPDX-License-Identifier: MIT */
#include "registry.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <new>

#include <sys/stat.h>

namespace mqfs {

std::uint64_t queueCharge(const QueueAttr &attr)
{
	const auto maxmsg = static_cast<std::uint64_t>(attr.maxmsg);
	const auto msgsize = static_cast<std::uint64_t>(attr.msgsize);
	return maxmsg * kMsgMsgSize + std::min<std::uint64_t>(maxmsg, kMqPrioMax) * kTreeNodeSize +
	       maxmsg * msgsize;
}

Registry::Registry(LimitSet &limits, QueueObserver *observer, uid_t uid, gid_t gid)
	: limits_(limits), observer_(observer), dirUid_(uid), dirGid_(gid)
{
	dirAtime_ = dirMtime_ = dirCtime_ = std::time(nullptr);
}

void Registry::touchDirLocked()
{
	dirAtime_ = dirMtime_ = dirCtime_ = std::time(nullptr);
}

Result<std::shared_ptr<Queue>> Registry::create(std::string_view name, mode_t perm,
						const std::optional<QueueAttr> &attr,
						const Caller &caller)
{
	std::lock_guard lock(mutex_);

	if (byName_.count(name))
		return Result<std::shared_ptr<Queue>>::error(-EEXIST);

	/* mqueue_create_attr(): "mq_queues_count >= mq_queues_max" (both
	 * unsigned, so queues_max -1 means no limit) -> ENOSPC, before the
	 * attributes are looked at. */
	const auto queuesMax = static_cast<unsigned>(static_cast<int>(limits_.get(LimitKey::QueuesMax)));
	if (accounts_.size() >= queuesMax && !caller.capSysResource)
		return Result<std::shared_ptr<Queue>>::error(-ENOSPC);

	QueueAttr a;
	if (!attr) {
		/* mq_open(3): NULL attr -> min(max, default) of each. */
		a.maxmsg = std::min(limits_.get(LimitKey::MsgMax), limits_.get(LimitKey::MsgDefault));
		a.msgsize = std::min(limits_.get(LimitKey::MsgsizeMax),
				     limits_.get(LimitKey::MsgsizeDefault));
	} else {
		/* mq_attr_ok() */
		a = *attr;
		if (a.maxmsg <= 0 || a.msgsize <= 0)
			return Result<std::shared_ptr<Queue>>::error(-EINVAL);
		if (caller.capSysResource) {
			if (a.maxmsg > kHardMsgMax || a.msgsize > kHardMsgsizeMax)
				return Result<std::shared_ptr<Queue>>::error(-EINVAL);
		} else if (a.maxmsg > limits_.get(LimitKey::MsgMax) ||
			   a.msgsize > limits_.get(LimitKey::MsgsizeMax)) {
			return Result<std::shared_ptr<Queue>>::error(-EINVAL);
		}
		/* Cannot overflow within the hard limits on a 64-bit machine, but
		 * the kernel checks, and so do we. */
		if (static_cast<unsigned long>(a.msgsize) > ULONG_MAX / static_cast<unsigned long>(a.maxmsg))
			return Result<std::shared_ptr<Queue>>::error(-EOVERFLOW);
	}

	/* mqueue_get_inode(): "msgqueue > rlimit(RLIMIT_MSGQUEUE)" -> EMFILE.
	 * No capability lifts this one. */
	const std::uint64_t bytes = queueCharge(a);
	const std::uint64_t used = charged_.count(caller.ruid) ? charged_.at(caller.ruid) : 0;
	if (caller.rlimitMsgqueue != ~0ull && used + bytes > caller.rlimitMsgqueue)
		return Result<std::shared_ptr<Queue>>::error(-EMFILE);

	std::shared_ptr<Queue> q;
	try {
		const std::uint64_t ino = nextIno_;
		q = std::make_shared<Queue>(ino, a, caller.uid, caller.gid, perm, std::time(nullptr),
					    observer_);
		const std::uint64_t seq = nextSeq_;
		accounts_.emplace(ino, Account{ q, std::string(name), seq, caller.ruid, bytes });
		try {
			byName_.emplace(std::string(name), ino);
			bySeq_.emplace(seq, ino);
		} catch (...) {
			byName_.erase(std::string(name));
			accounts_.erase(ino);
			throw;
		}
		nextIno_++;
		nextSeq_++;
	} catch (const std::bad_alloc &) {
		return Result<std::shared_ptr<Queue>>::error(-ENOMEM);
	}
	charged_[caller.ruid] = used + bytes;
	touchDirLocked();
	return q;
}

std::shared_ptr<Queue> Registry::find(std::string_view name) const
{
	std::lock_guard lock(mutex_);
	auto it = byName_.find(name);
	if (it == byName_.end())
		return nullptr;
	return accounts_.at(it->second).queue;
}

void Registry::uncountLocked(std::uint64_t ino)
{
	auto it = accounts_.find(ino);
	auto c = charged_.find(it->second.ruid);
	c->second -= it->second.bytes;
	if (c->second == 0)
		charged_.erase(c);
	accounts_.erase(it);
}

int Registry::unlink(std::string_view name)
{
	std::lock_guard lock(mutex_);
	auto it = byName_.find(name);
	if (it == byName_.end())
		return -ENOENT;
	const std::uint64_t ino = it->second;
	Account &acc = accounts_.at(ino);
	byName_.erase(it);
	bySeq_.erase(acc.seq);
	acc.linked = false;
	acc.queue->setLinked(false);
	touchDirLocked();
	if (acc.opens == 0)
		uncountLocked(ino);
	return 0;
}

int Registry::opened(const Queue &q)
{
	std::lock_guard lock(mutex_);
	auto it = accounts_.find(q.ino());
	if (it == accounts_.end())
		return -ENOENT;
	it->second.opens++;
	return 0;
}

void Registry::released(const Queue &q)
{
	std::lock_guard lock(mutex_);
	auto it = accounts_.find(q.ino());
	if (it == accounts_.end())
		return;
	if (--it->second.opens == 0 && !it->second.linked)
		uncountLocked(q.ino());
}

std::vector<Registry::Entry> Registry::list(std::uint64_t beforeSeq, std::size_t max) const
{
	std::lock_guard lock(mutex_);
	std::vector<Entry> out;
	for (auto it = bySeq_.upper_bound(beforeSeq); it != bySeq_.end() && out.size() < max; ++it) {
		const Account &acc = accounts_.at(it->second);
		out.push_back({ acc.name, it->second, it->first });
	}
	return out;
}

DirStat Registry::dirStat() const
{
	std::lock_guard lock(mutex_);
	/* mqueue root: DIRENT_SIZE 20 per linked queue on top of 2 * DIRENT_SIZE. */
	return { static_cast<mode_t>(S_IFDIR | dirPerm_),
		 dirUid_,
		 dirGid_,
		 2,
		 static_cast<off_t>(40 + 20 * byName_.size()),
		 dirAtime_,
		 dirMtime_,
		 dirCtime_ };
}

void Registry::setDirAttr(const AttrChange &c)
{
	std::lock_guard lock(mutex_);
	if (c.mode)
		dirPerm_ = *c.mode & 07777;
	if (c.uid)
		dirUid_ = *c.uid;
	if (c.gid)
		dirGid_ = *c.gid;
	if (c.atime)
		dirAtime_ = *c.atime;
	if (c.mtime)
		dirMtime_ = *c.mtime;
	if (c.ctime)
		dirCtime_ = *c.ctime;
}

void Registry::dirAccessed()
{
	std::lock_guard lock(mutex_);
	/* relatime_need_update(): when atime is not newer than mtime or ctime,
	 * or is a day old. */
	const time_t now = std::time(nullptr);
	if (dirAtime_ <= dirMtime_ || dirAtime_ <= dirCtime_ || now - dirAtime_ >= 24 * 3600)
		dirAtime_ = now;
}

std::size_t Registry::queueCount() const
{
	std::lock_guard lock(mutex_);
	return accounts_.size();
}

std::uint64_t Registry::charged(uid_t ruid) const
{
	std::lock_guard lock(mutex_);
	auto it = charged_.find(ruid);
	return it == charged_.end() ? 0 : it->second;
}

void Registry::forEach(const std::function<void(const std::shared_ptr<Queue> &)> &fn) const
{
	std::vector<std::shared_ptr<Queue>> all;
	{
		std::lock_guard lock(mutex_);
		for (const auto &[ino, acc] : accounts_)
			all.push_back(acc.queue);
	}
	for (const auto &q : all)
		fn(q);
}

} /* namespace mqfs */
