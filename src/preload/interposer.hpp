/* SPDX-License-Identifier: MIT */
/**
 * @file interposer.hpp
 * @brief mqfs-preload.so: routes an unmodified program's mq_*() to mqfs.
 *
 * The exported functions (shim.cpp, extern "C" only) forward to the one
 * Interposer, which decides per call whether the call is ours and either
 * runs it through the client code (src/client, compiled into the shim) or
 * hands it to the next definition, normally glibc's, found once with
 * dlsym(RTLD_NEXT).
 *
 * ROUTING
 *  - Names (mq_open, __mq_open_2, mq_unlink): ours when the root
 *    ($MQFS_ROOT, default MQFS_DEFAULT_ROOT) probes as an mqfs mount
 *    (client::rootPath). Otherwise glibc's, with the arguments unchanged:
 *    without a reachable mount the shim changes nothing.
 *  - Descriptors (send, receive, getattr, setattr, notify): ours when the fd
 *    is on an mqfs mount, whatever MQFS_ROOT says, so an fd from open(2) of a
 *    queue file works as on /dev/mqueue. Everything else (kernel mqueue fds,
 *    pipes, fd -1, O_PATH fds) goes to glibc, whose errno is the kernel's.
 *  - mq_close and close(2): the same system call. Closing an mqfs fd sends
 *    FUSE_FLUSH, in which the daemon drops the closer's notification as
 *    mqueue_flush_file() does, so neither needs the shim: mq_close goes
 *    straight to glibc and close() is not interposed at all.
 *
 * WHICH MOUNT IS MQFS. A descriptor's mount is named by its unique mount id
 * (statx STATX_MNT_ID_UNIQUE, Linux 6.8; never reused while the system
 * runs), asked with AT_STATX_DONT_SYNC so that FUSE answers without a round
 * trip to the daemon. The first fd seen on a mount is probed (fstatfs:
 * FUSE_SUPER_MAGIC, then MQFS_IOC_INFO answers with our magic and protocol
 * version) and the verdict is kept in a small lock-free table. A verdict
 * never goes stale: it belongs to the mount, not to the fd, so close, dup,
 * fd reuse and fork cannot invalidate it. Without unique mount ids (older
 * kernels, or statx refused by a seccomp filter) every call probes.
 *
 * THREAD SAFETY, SIGNALS. The real functions are resolved in a constructor
 * and, should a call come before it ran (another library's constructor),
 * at the first call: each pointer is an atomic, and resolving twice stores
 * the same values. The pass-through path (statx, the table, the real call)
 * takes no lock and allocates nothing, so it is as async-signal-safe as
 * glibc's own. The mqfs path is the client code, which allocates (POSIX does
 * not list any mq_* function as async-signal-safe).
 *
 * CANCELLATION. glibc's send and receive are cancellation points, the
 * others are not: the mqfs path of the others runs with cancellation
 * disabled (the client's open(2) and nanosleep() would act on it inside a
 * noexcept function), and a forced unwind out of send or receive passes
 * through the shim untouched.
 *
 * LIFECYCLE. The Interposer is constinit with a trivial destructor: nothing
 * to construct before the first call and nothing destroyed at exit, so it
 * works from other constructors, atexit handlers and threads still running
 * at exit.
 *
 * ERRNO. Unchanged by a call that succeeds; set by one that fails, as glibc
 * would. The shim's own probes never leak their errno.
 *
 * NOT EMULATED. The shim interposes the mq_*() calls only: a program that
 * reads or writes /proc/sys/fs/mqueue/ still sees the host's (its IPC
 * namespace's) values, not the limits of the mqfs mount, which live in the
 * mount's config tree (mqfs -o config=DIR). Likewise /dev/mqueue shows the
 * kernel's queues, not the mount's.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <mqueue.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>

namespace mqfs::preload {

/** \brief The functions taken from the next library (glibc). */
enum class Real : unsigned {
	Open,
	Open2,
	Close,
	Unlink,
	Send,
	TimedSend,
	Receive,
	TimedReceive,
	GetAttr,
	SetAttr,
	Notify,
	TimedSend64,
	TimedReceive64,
	Count,
};

/**
 * \brief Mount ids known to be (or not to be) mqfs.
 *
 * Each slot holds (id << 1 | isMqfs), 0 when empty; slots are overwritten
 * round robin. Plain atomics: usable from signal handlers and after fork.
 */
class MountCache
{
public:
	constexpr MountCache() = default;

	/** \return 1 mqfs, 0 not mqfs, -1 unknown */
	int find(std::uint64_t id) const;
	void add(std::uint64_t id, bool isMqfs);

private:
	static constexpr unsigned kSlots = 32;
	std::atomic<std::uint64_t> slots_[kSlots] = {};
	std::atomic<unsigned> next_ = 0;
};

class Interposer
{
public:
	constexpr Interposer() = default;

	static Interposer &instance();

	/** \brief Look up every real function (idempotent, thread-safe). */
	void resolve();

	mqd_t open(const char *name, int oflag, mode_t mode, const struct mq_attr *attr);
	mqd_t open2(const char *name, int oflag);
	int close(mqd_t fd);
	int unlink(const char *name);
	int send(mqd_t fd, const char *msg, size_t len, unsigned prio);
	int timedsend(mqd_t fd, const char *msg, size_t len, unsigned prio, const struct timespec *abs);
	ssize_t receive(mqd_t fd, char *msg, size_t len, unsigned *prio);
	ssize_t timedreceive(mqd_t fd, char *msg, size_t len, unsigned *prio, const struct timespec *abs);
	int getattr(mqd_t fd, struct mq_attr *attr);
	int setattr(mqd_t fd, const struct mq_attr *newattr, struct mq_attr *oldattr);
	int notify(mqd_t fd, const struct sigevent *sev);

	/*
	 * The 64-bit time variants of 32-bit targets (glibc >= 2.34). \a abs
	 * points to glibc's struct __timespec64, passed on unchanged to glibc.
	 */
	int timedsend64(mqd_t fd, const char *msg, size_t len, unsigned prio, const void *abs);
	ssize_t timedreceive64(mqd_t fd, char *msg, size_t len, unsigned *prio, const void *abs);

private:
	template<typename Fn>
	Fn real(Real which);

	/** \brief Is \a fd on an mqfs mount? Keeps errno. */
	bool isMqfs(int fd);
	/** \brief Does the root probe as mqfs? Keeps errno; may throw bad_alloc. */
	bool rootIsMqfs();

	std::atomic<void *> real_[static_cast<unsigned>(Real::Count)] = {};
	std::atomic<bool> resolved_ = false;
	std::atomic<bool> noUniqueMountId_ = false;
	MountCache mounts_;
};

} /* namespace mqfs::preload */
