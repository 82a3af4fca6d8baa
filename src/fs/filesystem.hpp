/* SPDX-License-Identifier: MIT */
/**
 * @file filesystem.hpp
 * @brief The state of one mqfs mount, shared by the FUSE callbacks.
 *
 * The callbacks (ops_*.cpp) are thin: they find the Filesystem through
 * fuse_req_userdata(), call the core, and reply. Nothing here is global.
 *
 * THREAD SAFETY: the core objects lock themselves. pollMutex_ guards the
 * poll handles and nests inside no other lock (readinessChanged() is called
 * after the queue lock is released).
 */
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/limits.hpp"
#include "core/registry.hpp"
#include "core/timer.hpp"
#include "fuse.hpp"
#include "node_table.hpp"

namespace mqfs::fs {

/**
 * \brief A message larger than one round trip, on its way in or out.
 *
 * Staged on the View it travels through; a receive's message goes back to
 * the head of its queue if the View is closed before it was all read.
 */
struct Transfer {
	bool send;
	pid_t tid;          /* the thread that began it */
	Message msg;
	unsigned prio;
	std::uint64_t done; /* bytes copied so far */
};

/** \brief One open file of a queue (the FUSE file handle): gVisor's View. */
struct View {
	std::shared_ptr<Queue> queue;
	int accmode; /* O_RDONLY, O_WRONLY, O_RDWR, or 3 (neither) */
	PollHandle poll; /* guarded by Filesystem::pollMutex_ */

	std::mutex xferMutex;
	std::unordered_map<std::uint32_t, Transfer> xfers MQFS_GUARDED_BY(xferMutex);
	std::uint32_t nextToken MQFS_GUARDED_BY(xferMutex) = 1;

	bool canRead() const { return accmode == 0 || accmode == 2; }
	bool canWrite() const { return accmode == 1 || accmode == 2; }
};

/**
 * \brief The parked MQFS_IOC_NOTIFY_WAIT of a SIGEV_THREAD helper thread.
 *
 * Parked first (keyed by the process and a token), bound to a registration
 * by MQFS_IOC_NOTIFY, answered once: FIRED, REMOVED, or EINTR if its caller
 * dies. LIFECYCLE: whoever takes req (under mutex) answers it, after
 * unregistering the interrupt callback outside the mutex. A wait that ends
 * before it is bound leaves the table at once (unparkThreadWait(), under
 * mutex: mutex before Filesystem::waitMutex_).
 */
struct ThreadWait final : NotifyTarget {
	std::mutex mutex;
	fuse_req_t req MQFS_GUARDED_BY(mutex) = nullptr;
	pid_t tgid = 0;
	std::uint64_t token = 0;

	/** \brief Answer the wait with \a what (MQFS_NOTIFY_*), if still parked. */
	void answer(std::uint32_t what);
};

class Filesystem final : public QueueObserver
{
public:
	Filesystem(LimitSet &limits, uid_t uid, gid_t gid);
	~Filesystem() override;
	MQFS_DISABLE_COPY_AND_MOVE(Filesystem);

	static Filesystem &from(fuse_req_t req)
	{
		return *static_cast<Filesystem *>(fuse_req_userdata(req));
	}

	Registry &registry() { return registry_; }
	NodeTable &nodes() { return nodes_; }
	DeadlineTimer &timer() { return timer_; }
	LimitSet &limits() { return limits_; }

	void setSession(fuse_session *se) { session_ = se; }
	fuse_session *session() const { return session_; }

	/** \brief Find the queue of an inode the kernel knows. */
	std::shared_ptr<Queue> queue(fuse_ino_t ino) const { return nodes_.get(ino); }

	/* Poll handles, one per open file, fired when readiness changes. */
	void setPoll(View &v, fuse_pollhandle *ph);
	void dropPoll(View &v);

	/* Open files: the views the kernel has not released. Those still open
	 * when the session ends (clients holding descriptors of an unmounted or
	 * aborted mount) are freed with the Filesystem. */
	void trackView(View *v);
	void untrackView(View *v);

	/* SIGEV_THREAD waits not yet bound to a registration. */
	/** \return 0 or -EBUSY (token in use) */
	int parkThreadWait(const std::shared_ptr<ThreadWait> &w);
	std::shared_ptr<ThreadWait> takeThreadWait(pid_t tgid, std::uint64_t token);
	/**
	 * \brief Take \a w out of the parked waits (its wait ended unbound).
	 * \return the reference the table held (release it after any lock of
	 *         \a w), or nullptr if it was not parked.
	 */
	std::shared_ptr<ThreadWait> unparkThreadWait(const ThreadWait &w);

	/** \brief End every parked call (unmount, shutdown). */
	void shutdown();

	/* QueueObserver */
	void readinessChanged(Queue &q) override;
	void notifyEvent(Queue &q, const NotifyEvent &ev) override;

	/* Size limits of one round trip, negotiated at init. */
	std::atomic<std::uint32_t> recvInline{ 64 * 1024 };

private:
	LimitSet &limits_;
	Registry registry_;
	NodeTable nodes_;
	DeadlineTimer timer_;
	fuse_session *session_ = nullptr;

	std::mutex waitMutex_;
	std::map<std::pair<pid_t, std::uint64_t>, std::shared_ptr<ThreadWait>> threadWaits_
		MQFS_GUARDED_BY(waitMutex_);

	std::mutex viewsMutex_;
	std::unordered_set<View *> views_ MQFS_GUARDED_BY(viewsMutex_);
	std::mutex pollMutex_;
	std::unordered_map<std::uint64_t, std::unordered_set<View *>> polls_ MQFS_GUARDED_BY(pollMutex_);
};

/** \brief Fill the operations table of the queue filesystem. */
fuse_lowlevel_ops queueOps();

/** \brief Attributes of the root or of a queue, as a struct stat. */
struct stat rootStat(const Registry &r);
struct stat queueStat(const Queue &q);

} /* namespace mqfs::fs */
