/* SPDX-License-Identifier: MIT */
/**
 * @file config_fs.hpp
 * @brief The limits tree: a second, tiny FUSE mount that mirrors /proc/sys/fs/mqueue.
 *
 * Mounted by `-o config=DIR`. DIR holds queues_max, msg_max, msgsize_max,
 * msg_default and msgsize_default with the kernel's file modes, ranges and
 * parsing (core/limits.hpp), so `echo 100 > DIR/msg_max` works as it does on
 * /proc, and a bad value fails with EINVAL and changes nothing. The values
 * are those of the queue filesystem, live: a change applies to the next
 * mq_open() without a remount.
 *
 * Permissions are checked here rather than by default_permissions, because
 * /proc answers ENOENT, not EACCES, to anyone creating a name in its 0555
 * directory: reading is for everyone, writing for root (and the owner).
 *
 * THREAD SAFETY: served by one thread; the LimitSet is atomic, times under mutex_.
 */
#pragma once

#include <array>
#include <ctime>
#include <mutex>

#include "core/limits.hpp"
#include "core/thread_annotations.hpp"
#include "fuse.hpp"

namespace mqfs::fs {

class ConfigFs
{
public:
	ConfigFs(LimitSet &limits, uid_t uid, gid_t gid);

	static fuse_lowlevel_ops ops();

	LimitSet &limits() { return limits_; }
	uid_t uid() const { return uid_; }
	gid_t gid() const { return gid_; }
	/** \brief May the caller write the limits (root of the namespace, here: root or the owner)? */
	bool privileged(uid_t caller) const { return caller == 0 || caller == uid_; }

	struct Times {
		timespec atime, mtime, ctime;
	};
	Times times(fuse_ino_t ino) const;
	void setTimes(fuse_ino_t ino, const Times &t);

private:
	LimitSet &limits_;
	const uid_t uid_;
	const gid_t gid_;
	mutable std::mutex mutex_;
	std::array<Times, 1 + kLimitCount> times_ MQFS_GUARDED_BY(mutex_); /* by ino - 1 */
};

} /* namespace mqfs::fs */
