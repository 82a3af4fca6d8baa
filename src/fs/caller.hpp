/* SPDX-License-Identifier: MIT */
/**
 * @file caller.hpp
 * @brief Who sent a FUSE request, read from /proc as the kernel would see it.
 *
 * FUSE gives the caller's fsuid, fsgid and thread id. The limits need more:
 * the real uid (RLIMIT_MSGQUEUE is charged to it), CAP_SYS_RESOURCE in the
 * effective set (never the uid: root without the capability is limited like
 * anyone) and the soft RLIMIT_MSGQUEUE of the calling process.
 */
#pragma once

#include <optional>

#include <sys/types.h>

#include "core/registry.hpp"

namespace mqfs::fs {

struct ProcStatus {
	pid_t tgid = 0;
	uid_t ruid = 0;
	bool capSysResource = false;
};

/** \brief Parse /proc/<tid>/status. nullopt when the task is gone or invisible. */
std::optional<ProcStatus> readProcStatus(pid_t tid);

/** \brief The soft RLIMIT_MSGQUEUE of \a tid, from /proc/<tid>/limits (~0 = unlimited). */
std::uint64_t readMsgqueueLimit(pid_t tid);

/** \brief The thread group of \a tid (0 when unknown). */
pid_t tgidOf(pid_t tid);

/** \brief Everything Registry::create() needs to know about the caller. */
Caller describeCaller(uid_t fsuid, gid_t fsgid, pid_t tid);

} /* namespace mqfs::fs */
