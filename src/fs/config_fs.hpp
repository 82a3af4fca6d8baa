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
 * THREAD SAFETY: served by one thread; the LimitSet is atomic.
 */
#pragma once

#include <ctime>

#include "core/limits.hpp"
#include "fuse.hpp"

namespace mqfs::fs {

class ConfigFs
{
public:
	ConfigFs(LimitSet &limits, uid_t uid, gid_t gid)
		: limits_(limits), uid_(uid), gid_(gid), mountTime_(std::time(nullptr))
	{
	}

	static fuse_lowlevel_ops ops();

	LimitSet &limits() { return limits_; }
	uid_t uid() const { return uid_; }
	gid_t gid() const { return gid_; }
	time_t mountTime() const { return mountTime_; }

private:
	LimitSet &limits_;
	const uid_t uid_;
	const gid_t gid_;
	const time_t mountTime_;
};

} /* namespace mqfs::fs */
