/* SPDX-License-Identifier: MIT */
/**
 * @file notify.hpp
 * @brief mq_notify() registrations, and the observer the glue gives a Queue.
 *
 * The core keeps the registration and decides when it fires or goes away
 * (ipc/mqueue.c __do_notify() and remove_notification()); delivering a signal
 * or waking a SIGEV_THREAD helper is the glue's business, behind
 * QueueObserver.
 */
#pragma once

#include <cstdint>
#include <memory>

#include <sys/types.h>

namespace mqfs {

class Queue;

/** \brief Whatever the glue needs to reach the owner (a pidfd, a parked request). */
class NotifyTarget
{
public:
	virtual ~NotifyTarget() = default;
};

/* <signal.h> values, kept here so the core needs no libc signal headers. */
inline constexpr int kSigevSignal = 0;
inline constexpr int kSigevNone = 1;
inline constexpr int kSigevThread = 2;

struct NotifyReg {
	pid_t owner = 0; /* thread group id of the registering process; 0 = none */
	int notify = 0;  /* sigev_notify */
	int signo = 0;   /* sigev_signo (SIGEV_SIGNAL) */
	std::uint64_t value = 0; /* sigev_value */
	std::uint64_t token = 0; /* identifies the registration to the glue */
	std::shared_ptr<NotifyTarget> target;
};

struct NotifySender {
	pid_t pid = 0;
	uid_t ruid = 0;
};

struct NotifyEvent {
	enum class What { Fired, Removed };
	What what;
	NotifyReg reg;
	NotifySender sender; /* Fired only */
};

/**
 * \brief Told, without any queue lock, what changed on a queue.
 */
class QueueObserver
{
public:
	virtual ~QueueObserver() = default;
	/** \brief curmsgs crossed 0 or maxmsg: poll readiness may have changed. */
	virtual void readinessChanged(Queue &q) = 0;
	/** \brief A registration fired or was removed. */
	virtual void notifyEvent(Queue &q, const NotifyEvent &ev) = 0;
};

} /* namespace mqfs */
