/* SPDX-License-Identifier: MIT */
/**
 * @file registry.hpp
 * @brief The set of queues of one mount: names, the root directory, limits
 *        and accounting (an IPC namespace's worth of /dev/mqueue).
 *
 * Creation follows ipc/mqueue.c mqueue_create_attr() and mqueue_get_inode():
 * ENOSPC (queues_max) -> EINVAL (attributes) -> EOVERFLOW -> EMFILE
 * (RLIMIT_MSGQUEUE) -> ENOMEM. Permission to create or unlink is checked by
 * the kernel before a request reaches us (the mount uses default_permissions).
 *
 * LIFECYCLE: a queue is *counted* (towards queues_max, and its bytes towards
 * its creator's RLIMIT_MSGQUEUE) from creation until it is both unlinked and
 * no longer open, like the kernel's inode. opened()/released() track the
 * open files; the Registry keeps the books, the Queue knows none of it.
 *
 * THREAD SAFETY: all fields are guarded by mutex_, which is taken before any
 * Queue::mutex_.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/types.h>

#include "limits.hpp"
#include "queue.hpp"
#include "result.hpp"
#include "thread_annotations.hpp"

namespace mqfs {

/** \brief Who is asking, as far as the limits care. */
struct Caller {
	uid_t uid = 0;  /* fsuid: owner of what it creates */
	gid_t gid = 0;  /* fsgid */
	uid_t ruid = 0; /* real uid: RLIMIT_MSGQUEUE is charged to it */
	pid_t pid = 0;  /* thread group id */
	bool capSysResource = false; /* CAP_SYS_RESOURCE in the effective set */
	std::uint64_t rlimitMsgqueue = ~0ull; /* soft RLIMIT_MSGQUEUE; ~0 = unlimited */
};

/** \brief The kernel's charge for a queue (mqueue_get_inode(), x86_64 sizes). */
std::uint64_t queueCharge(const QueueAttr &attr);

struct DirStat {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	unsigned nlink;
	off_t size;
	time_t atime, mtime, ctime;
};

class Registry
{
public:
	Registry(LimitSet &limits, QueueObserver *observer, uid_t uid, gid_t gid);
	MQFS_DISABLE_COPY_AND_MOVE(Registry);

	LimitSet &limits() { return limits_; }

	/**
	 * \brief Create queue \a name (mq_open() with O_CREAT, open(2), mknod(2)).
	 *
	 * \param perm permission bits, umask already applied
	 * \param attr the caller's mq_attr, or nullopt for the defaults
	 * \return the new queue, or -EEXIST, -ENOSPC, -EINVAL, -EOVERFLOW, -EMFILE, -ENOMEM
	 */
	Result<std::shared_ptr<Queue>> create(std::string_view name, mode_t perm,
					      const std::optional<QueueAttr> &attr,
					      const Caller &caller);

	std::shared_ptr<Queue> find(std::string_view name) const;

	/** \return 0 or -ENOENT */
	int unlink(std::string_view name);

	/** \brief An open file now refers to \a q. \return 0, or -ENOENT if \a q is gone. */
	int opened(const Queue &q);
	/** \brief An open file of \a q went away (FUSE release). */
	void released(const Queue &q);

	struct Entry {
		std::string name;
		std::uint64_t ino;
		std::uint64_t seq; /* creation order, for readdir offsets */
	};
	/** \brief Linked queues created before \a beforeSeq, newest first, at most \a max. */
	std::vector<Entry> list(std::uint64_t beforeSeq, std::size_t max) const;

	DirStat dirStat() const;
	void setDirAttr(const AttrChange &c);
	/** \brief The directory was read: atime follows the relatime rule. */
	void dirAccessed();

	std::size_t queueCount() const;
	std::uint64_t charged(uid_t ruid) const;

	/** \brief Call \a fn on every counted queue (for shutdown). */
	void forEach(const std::function<void(const std::shared_ptr<Queue> &)> &fn) const;

private:
	struct Account {
		std::shared_ptr<Queue> queue;
		std::string name;
		std::uint64_t seq;
		uid_t ruid;
		std::uint64_t bytes;
		long opens = 0;
		bool linked = true;
	};

	void touchDirLocked() MQFS_REQUIRES(mutex_);
	void uncountLocked(std::uint64_t ino) MQFS_REQUIRES(mutex_);

	LimitSet &limits_;
	QueueObserver *const observer_;

	mutable std::mutex mutex_; /* before Queue::mutex_ */
	std::map<std::string, std::uint64_t, std::less<>> byName_ MQFS_GUARDED_BY(mutex_);
	std::map<std::uint64_t, std::uint64_t, std::greater<>> bySeq_ MQFS_GUARDED_BY(mutex_);
	std::unordered_map<std::uint64_t, Account> accounts_ MQFS_GUARDED_BY(mutex_);
	std::unordered_map<uid_t, std::uint64_t> charged_ MQFS_GUARDED_BY(mutex_);
	std::uint64_t nextIno_ MQFS_GUARDED_BY(mutex_) = 2; /* 1 is the root */
	std::uint64_t nextSeq_ MQFS_GUARDED_BY(mutex_) = 1;

	mode_t dirPerm_ MQFS_GUARDED_BY(mutex_) = 01777;
	uid_t dirUid_ MQFS_GUARDED_BY(mutex_);
	gid_t dirGid_ MQFS_GUARDED_BY(mutex_);
	time_t dirAtime_ MQFS_GUARDED_BY(mutex_);
	time_t dirMtime_ MQFS_GUARDED_BY(mutex_);
	time_t dirCtime_ MQFS_GUARDED_BY(mutex_);
};

} /* namespace mqfs */
