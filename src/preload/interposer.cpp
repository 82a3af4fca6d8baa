/* SPDX-License-Identifier: MIT */
/**
 * @file interposer.cpp
 * @brief The routing of mqfs-preload.so (design: interposer.hpp).
 */
#include "interposer.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <new>
#include <string>

#include <cxxabi.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "client/client.hpp"
#include "proto/mqfs_proto.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8 */
#endif

namespace mqfs::preload {

namespace {

constinit Interposer gInterposer;

constexpr const char *kRealNames[] = {
	"mq_open",
	"__mq_open_2",
	"mq_close",
	"mq_unlink",
	"mq_send",
	"mq_timedsend",
	"mq_receive",
	"mq_timedreceive",
	"mq_getattr",
	"mq_setattr",
	"mq_notify",
	"__mq_timedsend_time64",
	"__mq_timedreceive_time64",
};
static_assert(std::size(kRealNames) == static_cast<size_t>(Real::Count));
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<void *>::is_always_lock_free);

using OpenFn = mqd_t (*)(const char *, int, ...);
using Open2Fn = mqd_t (*)(const char *, int);
using CloseFn = int (*)(mqd_t);
using UnlinkFn = int (*)(const char *);
using SendFn = int (*)(mqd_t, const char *, size_t, unsigned);
using TimedSendFn = int (*)(mqd_t, const char *, size_t, unsigned, const struct timespec *);
using ReceiveFn = ssize_t (*)(mqd_t, char *, size_t, unsigned *);
using TimedReceiveFn = ssize_t (*)(mqd_t, char *, size_t, unsigned *, const struct timespec *);
using GetAttrFn = int (*)(mqd_t, struct mq_attr *);
using SetAttrFn = int (*)(mqd_t, const struct mq_attr *, struct mq_attr *);
using NotifyFn = int (*)(mqd_t, const struct sigevent *);
using TimedSend64Fn = int (*)(mqd_t, const char *, size_t, unsigned, const void *);
using TimedReceive64Fn = ssize_t (*)(mqd_t, char *, size_t, unsigned *, const void *);

/* No next definition (not glibc?): as glibc without mqueue support. */
int noReal()
{
	errno = ENOSYS;
	return -1;
}

/* A client result (0, a length, or -errno) as a libc result. A success
 * leaves errno as the caller had it. */
template<typename T>
T finish(T rv, int saved)
{
	if (rv < 0) {
		errno = static_cast<int>(-rv);
		return -1;
	}
	errno = saved;
	return rv;
}

/* Called in a catch block: no exception crosses the C boundary, except the
 * forced unwind of thread cancellation, which must go on. */
int failFromException()
{
	try {
		throw;
	} catch (abi::__forced_unwind &) {
		throw;
	} catch (const std::bad_alloc &) {
		errno = ENOMEM;
	} catch (...) {
		static const char msg[] = "mqfs-preload: internal error\n";
		[[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
		errno = EIO;
	}
	return -1;
}

/*
 * glibc's mq_open, mq_unlink, mq_getattr, mq_setattr and mq_notify are no
 * cancellation points and are declared noexcept; the client code under them
 * calls open(2) and nanosleep(), which are. Keep cancellation off meanwhile.
 */
class NoCancel
{
public:
	NoCancel() { ::pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_); }
	~NoCancel() { ::pthread_setcancelstate(old_, nullptr); }
	NoCancel(const NoCancel &) = delete;
	NoCancel &operator=(const NoCancel &) = delete;

private:
	int old_ = PTHREAD_CANCEL_ENABLE;
};

/*
 * Probe the mount of \a fd: 1 mqfs (FUSE, and MQFS_IOC_INFO answers with our
 * magic and protocol version; the daemon answers it on every file of the
 * mount), 0 not mqfs, -1 cannot tell now (an O_PATH fd, EINTR...): not to be
 * remembered.
 */
int probeMount(int fd)
{
	struct statfs sfs;
	if (::fstatfs(fd, &sfs) < 0)
		return -1;
	if (static_cast<unsigned long>(sfs.f_type) != FUSE_SUPER_MAGIC)
		return 0;
	mqfs_info info = {};
	if (::ioctl(fd, MQFS_IOC_INFO, &info) == 0)
		return info.magic == MQFS_PROTO_MAGIC && info.version == MQFS_PROTO_VERSION ? 1 : 0;
	switch (errno) {
	case ENOTTY:
	case ENOSYS:
	case EINVAL:
	case EOPNOTSUPP:
		/* Another FUSE filesystem. */
		return 0;
	default:
		return -1;
	}
}

/* glibc's struct __timespec64 (what __mq_timed*_time64 take). */
#if __TIMESIZE == 64
using Timespec64 = struct timespec;
#else
struct Timespec64 {
	std::int64_t tv_sec;
#if __BYTE_ORDER == __BIG_ENDIAN
	std::int32_t pad;
	std::int32_t tv_nsec;
#else
	std::int32_t tv_nsec;
	std::int32_t pad;
#endif
};
#endif

/*
 * A 64-bit timeout as the client's struct timespec. A deadline beyond what
 * time_t holds cannot come before the end of time_t: as no deadline. An
 * invalid one stays invalid (EINVAL from the client).
 */
const struct timespec *fromTimespec64(const void *in, struct timespec &out)
{
	if (!in)
		return nullptr;
	const auto *t = static_cast<const Timespec64 *>(in);
	const std::int64_t sec = t->tv_sec;
	const long nsec = static_cast<long>(t->tv_nsec);
	const bool nsecOk = nsec >= 0 && nsec < 1000000000L;
	if (sec < 0) {
		out = { -1, 0 };
		return &out;
	}
	if constexpr (sizeof(time_t) < sizeof(std::int64_t)) {
		if (sec > static_cast<std::int64_t>(std::numeric_limits<time_t>::max())) {
			if (nsecOk)
				return nullptr;
			out = { 0, -1 };
			return &out;
		}
	}
	out.tv_sec = static_cast<time_t>(sec);
	out.tv_nsec = nsec;
	return &out;
}

/* Resolve eagerly, before main() and any thread; the lazy path stays for
 * calls made by constructors that ran before this one. */
__attribute__((constructor)) void preloadInit()
{
	Interposer::instance().resolve();
}

} /* namespace */

int MountCache::find(std::uint64_t id) const
{
	for (const auto &slot : slots_) {
		const std::uint64_t v = slot.load(std::memory_order_relaxed);
		if (v && (v >> 1) == id)
			return static_cast<int>(v & 1);
	}
	return -1;
}

void MountCache::add(std::uint64_t id, bool isMqfs)
{
	/* Two threads may add the same id to two slots; both say the same. */
	const unsigned i = next_.fetch_add(1, std::memory_order_relaxed) % kSlots;
	slots_[i].store(id << 1 | (isMqfs ? 1 : 0), std::memory_order_relaxed);
}

Interposer &Interposer::instance()
{
	return gInterposer;
}

void Interposer::resolve()
{
	const int saved = errno;
	for (unsigned i = 0; i < static_cast<unsigned>(Real::Count); i++)
		real_[i].store(::dlsym(RTLD_NEXT, kRealNames[i]), std::memory_order_relaxed);
	resolved_.store(true, std::memory_order_release);
	errno = saved;
}

template<typename Fn>
Fn Interposer::real(Real which)
{
	if (!resolved_.load(std::memory_order_acquire))
		resolve();
	return reinterpret_cast<Fn>(real_[static_cast<unsigned>(which)].load(std::memory_order_relaxed));
}

bool Interposer::isMqfs(int fd)
{
	if (fd < 0)
		return false;
	const int saved = errno;
	std::uint64_t id = 0;
	if (!noUniqueMountId_.load(std::memory_order_relaxed)) {
		struct statx sx;
		if (::statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID_UNIQUE, &sx) == 0) {
			if (sx.stx_mask & STATX_MNT_ID_UNIQUE)
				id = sx.stx_mnt_id;
			else
				noUniqueMountId_.store(true, std::memory_order_relaxed);
		} else if (errno == EBADF) {
			/* Not an open fd: glibc says EBADF. */
			errno = saved;
			return false;
		} else if (errno == ENOSYS || errno == EPERM) {
			/* No statx, or a seccomp filter refusing it. */
			noUniqueMountId_.store(true, std::memory_order_relaxed);
		}
	}
	int verdict = id ? mounts_.find(id) : -1;
	if (verdict < 0) {
		verdict = probeMount(fd);
		if (id && verdict >= 0)
			mounts_.add(id, verdict == 1);
	}
	errno = saved;
	return verdict == 1;
}

bool Interposer::rootIsMqfs()
{
	const int saved = errno;
	std::string root;
	const bool ours = client::rootPath(root) == 0;
	errno = saved;
	return ours;
}

mqd_t Interposer::open(const char *name, int oflag, mode_t mode, const struct mq_attr *attr)
{
	const int saved = errno;
	{
		NoCancel noCancel;
		try {
			if (rootIsMqfs())
				return finish(client::open(name, oflag, mode, attr), saved);
		} catch (...) {
			return failFromException();
		}
	}
	auto fn = real<OpenFn>(Real::Open);
	return fn ? fn(name, oflag, mode, attr) : noReal();
}

mqd_t Interposer::open2(const char *name, int oflag)
{
	/* _FORTIFY_SOURCE's mq_open without mode and attr. With O_CREAT,
	 * glibc's __mq_open_2 ends the program with its own message. */
	auto fn = real<Open2Fn>(Real::Open2);
	if (oflag & O_CREAT) {
		if (!fn)
			::abort();
		return fn(name, oflag);
	}
	const int saved = errno;
	{
		NoCancel noCancel;
		try {
			if (rootIsMqfs())
				return finish(client::open(name, oflag, 0, nullptr), saved);
		} catch (...) {
			return failFromException();
		}
	}
	if (fn)
		return fn(name, oflag);
	auto open = real<OpenFn>(Real::Open);
	return open ? open(name, oflag) : noReal();
}

int Interposer::close(mqd_t fd)
{
	/* mq_close() is close(2) on both sides: for an mqfs fd, FUSE_FLUSH
	 * drops the closer's notification (mqueue_flush_file()) and ends the
	 * wait of a SIGEV_THREAD helper, and FUSE_RELEASE closes the view. */
	auto fn = real<CloseFn>(Real::Close);
	return fn ? fn(fd) : noReal();
}

int Interposer::unlink(const char *name)
{
	const int saved = errno;
	{
		NoCancel noCancel;
		try {
			if (rootIsMqfs())
				return finish(client::unlink(name), saved);
		} catch (...) {
			return failFromException();
		}
	}
	auto fn = real<UnlinkFn>(Real::Unlink);
	return fn ? fn(name) : noReal();
}

int Interposer::send(mqd_t fd, const char *msg, size_t len, unsigned prio)
{
	if (!isMqfs(fd)) {
		auto fn = real<SendFn>(Real::Send);
		return fn ? fn(fd, msg, len, prio) : noReal();
	}
	const int saved = errno;
	/* A cancellation point, as glibc's: act on a pending request first. */
	::pthread_testcancel();
	try {
		return finish(client::timedsend(fd, msg, len, prio, nullptr), saved);
	} catch (...) {
		return failFromException();
	}
}

int Interposer::timedsend(mqd_t fd, const char *msg, size_t len, unsigned prio, const struct timespec *abs)
{
	if (!isMqfs(fd)) {
		auto fn = real<TimedSendFn>(Real::TimedSend);
		return fn ? fn(fd, msg, len, prio, abs) : noReal();
	}
	const int saved = errno;
	::pthread_testcancel();
	try {
		return finish(client::timedsend(fd, msg, len, prio, abs), saved);
	} catch (...) {
		return failFromException();
	}
}

ssize_t Interposer::receive(mqd_t fd, char *msg, size_t len, unsigned *prio)
{
	if (!isMqfs(fd)) {
		auto fn = real<ReceiveFn>(Real::Receive);
		return fn ? fn(fd, msg, len, prio) : noReal();
	}
	const int saved = errno;
	::pthread_testcancel();
	try {
		return finish(client::timedreceive(fd, msg, len, prio, nullptr), saved);
	} catch (...) {
		return failFromException();
	}
}

ssize_t Interposer::timedreceive(mqd_t fd, char *msg, size_t len, unsigned *prio, const struct timespec *abs)
{
	if (!isMqfs(fd)) {
		auto fn = real<TimedReceiveFn>(Real::TimedReceive);
		return fn ? fn(fd, msg, len, prio, abs) : noReal();
	}
	const int saved = errno;
	::pthread_testcancel();
	try {
		return finish(client::timedreceive(fd, msg, len, prio, abs), saved);
	} catch (...) {
		return failFromException();
	}
}

int Interposer::timedsend64(mqd_t fd, const char *msg, size_t len, unsigned prio, const void *abs)
{
	if (!isMqfs(fd)) {
		auto fn = real<TimedSend64Fn>(Real::TimedSend64);
		return fn ? fn(fd, msg, len, prio, abs) : noReal();
	}
	const int saved = errno;
	::pthread_testcancel();
	try {
		struct timespec ts;
		return finish(client::timedsend(fd, msg, len, prio, fromTimespec64(abs, ts)), saved);
	} catch (...) {
		return failFromException();
	}
}

ssize_t Interposer::timedreceive64(mqd_t fd, char *msg, size_t len, unsigned *prio, const void *abs)
{
	if (!isMqfs(fd)) {
		auto fn = real<TimedReceive64Fn>(Real::TimedReceive64);
		return fn ? fn(fd, msg, len, prio, abs) : noReal();
	}
	const int saved = errno;
	::pthread_testcancel();
	try {
		struct timespec ts;
		return finish(client::timedreceive(fd, msg, len, prio, fromTimespec64(abs, ts)), saved);
	} catch (...) {
		return failFromException();
	}
}

int Interposer::getattr(mqd_t fd, struct mq_attr *attr)
{
	if (!isMqfs(fd)) {
		auto fn = real<GetAttrFn>(Real::GetAttr);
		return fn ? fn(fd, attr) : noReal();
	}
	const int saved = errno;
	NoCancel noCancel;
	try {
		return finish(client::getattr(fd, attr), saved);
	} catch (...) {
		return failFromException();
	}
}

int Interposer::setattr(mqd_t fd, const struct mq_attr *newattr, struct mq_attr *oldattr)
{
	if (!isMqfs(fd)) {
		auto fn = real<SetAttrFn>(Real::SetAttr);
		return fn ? fn(fd, newattr, oldattr) : noReal();
	}
	const int saved = errno;
	NoCancel noCancel;
	try {
		return finish(client::setattr(fd, newattr, oldattr), saved);
	} catch (...) {
		return failFromException();
	}
}

int Interposer::notify(mqd_t fd, const struct sigevent *sev)
{
	if (!isMqfs(fd)) {
		auto fn = real<NotifyFn>(Real::Notify);
		return fn ? fn(fd, sev) : noReal();
	}
	const int saved = errno;
	NoCancel noCancel;
	try {
		return finish(client::notify(fd, sev), saved);
	} catch (...) {
		return failFromException();
	}
}

} /* namespace mqfs::preload */
