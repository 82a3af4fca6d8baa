/* SPDX-License-Identifier: MIT */
/**
 * @file client.cpp
 * @brief The mq_* calls over the mqfs control protocol (proto/mqfs_proto.h).
 *
 * Error precedence follows the kernel (spec: mqueue-behaviour.md 2.7, 3, 4,
 * 5): what glibc or the syscall entry checks without the queue (names,
 * timeouts, priorities, notify arguments) is checked here first; the rest is
 * the daemon's or the VFS's, in the kernel's order.
 *
 * EINTR: the daemon cannot ask the kernel to restart a call, so when a
 * blocked call is interrupted the library restarts it itself (with the same
 * absolute deadline) if every signal handler of the process was installed
 * with SA_RESTART, as the kernel would have for the signal that came.
 */
#include "client.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>
#include <new>

#include <pthread.h>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/name.hpp"
#include "core/request.hpp"
#include "mqfs/mqfs.h"
#include "proto/mqfs_proto.h"

namespace mqfs::client {

namespace {

/*
 * The largest buffer one receive read carries, as the daemon reports it (it
 * depends on the kernel's FUSE max_pages: 1012 KiB on Linux 6.x). Until a
 * mount was probed, the protocol's floor: a read is never larger than the
 * kernel lets through in one request, or it would be split into requests at
 * offsets that mean other calls.
 */
std::atomic<std::uint32_t> recvInline{ MQFS_RECV_INLINE };

/* Is the mount at \a root an mqfs mount of a protocol we speak? */
int probeRoot(const std::string &root)
{
	int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -ENOSYS;
	mqfs_info info = {};
	int rv = ::ioctl(fd, MQFS_IOC_INFO, &info);
	::close(fd);
	if (rv < 0 || info.magic != MQFS_PROTO_MAGIC || info.version != MQFS_PROTO_VERSION)
		return -ENOSYS;
	if (info.recv_inline > MQFS_RECV_INLINE)
		recvInline.store(info.recv_inline, std::memory_order_relaxed);
	return 0;
}

/*
 * The last root that probed fine, with its st_dev (an unmounted root shows
 * another one). Lock-free, so that a fork() while another thread is in here
 * leaves nothing locked in the child. Never freed (one entry per change), so
 * that it outlives every caller: atexit handlers and other libraries'
 * destructors may call us after our own destructors ran, and constructors
 * before our constructors.
 */
struct RootCache {
	std::string root;
	dev_t dev;
};
std::atomic<const RootCache *> cachedRoot{ nullptr };

/* Did every handler the process installed ask for SA_RESTART? */
bool restartAfterSignal()
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sig == SIGKILL || sig == SIGSTOP || ::sigaction(sig, nullptr, &sa) < 0)
			continue;
		/* Fault signals come from the faulting instruction, not while a
		 * thread waits in a system call: their handlers (sanitizers and
		 * crash reporters install them) do not decide restarts. */
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
		    sig == SIGSYS)
			continue;
		if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
			continue;
		if (!(sa.sa_flags & SA_RESTART))
			return false;
	}
	return true;
}

/* timespec64_valid(): the kernel's check of every timeout, first of all. */
int checkTimeout(const struct timespec *abs, Deadline &out)
{
	out.reset();
	if (!abs)
		return 0;
	if (abs->tv_sec < 0 || abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000L)
		return -EINVAL;
	using namespace std::chrono;
	/* Beyond what a time_point holds (year 2262) is as good as never. */
	if (abs->tv_sec >= static_cast<time_t>(INT64_MAX / 1000000000LL) - 1)
		return 0;
	out = Clock::time_point(duration_cast<Clock::duration>(seconds(abs->tv_sec) + nanoseconds(abs->tv_nsec)));
	return 0;
}

void wireDeadline(const Deadline &d, std::uint32_t &flags, std::int64_t &ns)
{
	if (d) {
		flags |= MQFS_F_DEADLINE;
		ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d->time_since_epoch()).count();
	}
}

/* An ioctl that is not ours on that file (not an mqfs queue): EBADF, as the
 * kernel says for an fd that is not a message queue. */
int queueIoctl(int fd, unsigned long cmd, void *arg)
{
	/* The calls that block are cancellation points, as glibc's system
	 * calls are: cancellable inside the system call only (SYSCALL_CANCEL). */
	const bool blocking = (_IOC_TYPE(cmd) == MQFS_IOC_TYPE && (_IOC_NR(cmd) == MQFS_IOC_SEND_NR ||
								 _IOC_NR(cmd) == MQFS_IOC_SEND_BATCH_NR)) ||
			      cmd == MQFS_IOC_SEND_COMMIT || cmd == MQFS_IOC_RECV_BEGIN;
	int oldType = PTHREAD_CANCEL_DEFERRED;
	if (blocking)
		pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &oldType);
	int rv = ::ioctl(fd, cmd, arg);
	if (blocking) {
		const int e = errno;
		pthread_setcanceltype(oldType, nullptr);
		errno = e;
	}
	if (rv < 0) {
		int e = errno;
		return e == ENOTTY || e == ENOSYS ? -EBADF : -e;
	}
	return rv;
}

/* Run \a call, restarting it after EINTR when SA_RESTART says so. */
template<typename F>
auto restarting(F call)
{
	for (;;) {
		auto rv = call();
		if (rv != -EINTR || !restartAfterSignal())
			return rv;
	}
}

/* A failed receive read: not a queue of ours (a pipe, a directory, another
 * file) is EBADF, as the kernel says for an fd that is not a queue. */
int readError(int e)
{
	return e == ESPIPE || e == EISDIR || e == EINVAL || e == ENXIO ? -EBADF : -e;
}

int fileFlags(int fd)
{
	int fl = ::fcntl(fd, F_GETFL);
	return fl < 0 ? -errno : fl;
}

/*
 * Each thread's send buffer. Not a thread_local object with a destructor:
 * the main thread's run at the start of exit(), before the atexit handlers,
 * which may still send. A key frees a thread's buffer when the thread ends;
 * the main thread's lives as long as the process.
 */
class SendBuffer
{
public:
	std::byte *data() const { return data_; }
	size_t size() const { return size_; }
	void resize(size_t n)
	{
		void *p = std::realloc(data_, n);
		if (!p)
			throw std::bad_alloc();
		static const bool keyMade = [] {
			return pthread_key_create(&key_, [](void *b) { std::free(b); }) == 0;
		}();
		if (keyMade)
			pthread_setspecific(key_, p);
		data_ = static_cast<std::byte *>(p);
		size_ = n;
	}

private:
	static inline pthread_key_t key_;
	static inline thread_local std::byte *data_ = nullptr;
	static inline thread_local size_t size_ = 0;
};
SendBuffer sendBuf;

int sendInline(int fd, const char *msg, size_t len, unsigned prio, std::uint32_t flags, std::int64_t ns)
{
	const size_t total = MQFS_HDR_SIZE + len;
	if (sendBuf.size() < total)
		sendBuf.resize(total);
	mqfs_send_hdr h = { prio, flags, ns };
	std::memcpy(sendBuf.data(), &h, sizeof(h));
	if (len)
		std::memcpy(sendBuf.data() + MQFS_HDR_SIZE, msg, len);
	return queueIoctl(fd, MQFS_IOC_SEND(len), sendBuf.data());
}

int sendStaged(int fd, const char *msg, size_t len, unsigned prio, std::uint32_t flags, std::int64_t ns)
{
	mqfs_xfer x = {};
	x.len = len;
	x.prio = prio;
	if (int rv = queueIoctl(fd, MQFS_IOC_SEND_BEGIN, &x); rv < 0)
		return rv;
	if (sendBuf.size() < MQFS_IOC_MAX_SIZE)
		sendBuf.resize(MQFS_IOC_MAX_SIZE);
	for (size_t off = 0; off < len;) {
		const size_t n = std::min<size_t>(len - off, MQFS_CHUNK_MAX);
		mqfs_chunk_hdr c = { x.token, 0, off };
		std::memcpy(sendBuf.data(), &c, sizeof(c));
		std::memcpy(sendBuf.data() + sizeof(c), msg + off, n);
		/* An EINTR here ends the send like one of a blocked send would (the
		 * caller restarts it under SA_RESTART); the next SEND_BEGIN of this
		 * thread drops the half-staged message in the daemon. */
		if (int rv = queueIoctl(fd, MQFS_IOC_SEND_CHUNK(n), sendBuf.data()); rv < 0)
			return rv;
		off += n;
	}
	x.flags = flags;
	x.deadline_ns = ns;
	return queueIoctl(fd, MQFS_IOC_SEND_COMMIT, &x);
}

ssize_t receiveStaged(int fd, char *msg, size_t len, unsigned *prio, const Deadline &deadline, bool nonblock)
{
	mqfs_xfer x = {};
	x.len = len;
	if (nonblock)
		x.flags |= MQFS_F_NONBLOCK;
	wireDeadline(deadline, x.flags, x.deadline_ns);
	if (int rv = queueIoctl(fd, MQFS_IOC_RECV_BEGIN, &x); rv < 0)
		return rv;
	for (std::uint64_t pos = 0; pos < x.len;) {
		const std::uint64_t off = MQFS_OFF_CMD | MQFS_OFF_XFER |
					  (static_cast<std::uint64_t>(x.token) << MQFS_XFER_POS_BITS) | pos;
		ssize_t n = ::pread(fd, msg + pos, x.len - pos, static_cast<off_t>(off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		pos += static_cast<std::uint64_t>(n);
	}
	if (prio)
		*prio = x.prio;
	return static_cast<ssize_t>(x.len);
}

/*
 * SIGEV_THREAD. Like glibc, a helper thread with every signal blocked waits
 * for the notification (here: a parked MQFS_IOC_NOTIFY_WAIT on the queue's
 * fd) and starts the user's function in a new detached thread made with a
 * copy of the user's attributes.
 */
struct ThreadNotify {
	int fd;
	std::uint64_t token;
	void (*fn)(union sigval);
	union sigval value;
	bool hasAttr = false;
	pthread_attr_t attr;
};

void *runNotifyFunction(void *arg)
{
	auto *tn = static_cast<ThreadNotify *>(arg);
	auto fn = tn->fn;
	union sigval v = tn->value;
	if (tn->hasAttr)
		pthread_attr_destroy(&tn->attr);
	delete tn;
	fn(v);
	return nullptr;
}

void *notifyHelper(void *arg)
{
	auto *tn = static_cast<ThreadNotify *>(arg);
	mqfs_notify_wait w = {};
	w.token = tn->token;
	int rv;
	do {
		rv = ::ioctl(tn->fd, MQFS_IOC_NOTIFY_WAIT, &w);
	} while (rv < 0 && errno == EINTR);
	if (rv == 0 && w.what == MQFS_NOTIFY_FIRED) {
		pthread_attr_t def;
		pthread_attr_t *attr = tn->hasAttr ? &tn->attr : &def;
		if (!tn->hasAttr)
			pthread_attr_init(&def);
		pthread_attr_setdetachstate(attr, PTHREAD_CREATE_DETACHED);
		/* glibc runs the function with every signal unblocked, not with
		 * this helper's fully blocked mask. */
		sigset_t old, none;
		sigemptyset(&none);
		pthread_t t;
		pthread_sigmask(SIG_SETMASK, &none, &old);
		const bool hadAttr = tn->hasAttr;
		if (pthread_create(&t, attr, runNotifyFunction, tn) == 0)
			tn = nullptr;
		pthread_sigmask(SIG_SETMASK, &old, nullptr);
		if (!hadAttr)
			pthread_attr_destroy(&def);
	}
	if (tn) {
		if (tn->hasAttr)
			pthread_attr_destroy(&tn->attr);
		delete tn;
	}
	return nullptr;
}

/* Copy what pthread_create() reads of the caller's attributes. */
void copyAttr(const pthread_attr_t *from, pthread_attr_t *to)
{
	pthread_attr_init(to);
	size_t n;
	int i;
	struct sched_param sp;
	if (pthread_attr_getstacksize(from, &n) == 0)
		pthread_attr_setstacksize(to, n);
	if (pthread_attr_getguardsize(from, &n) == 0)
		pthread_attr_setguardsize(to, n);
	if (pthread_attr_getinheritsched(from, &i) == 0)
		pthread_attr_setinheritsched(to, i);
	if (pthread_attr_getschedpolicy(from, &i) == 0)
		pthread_attr_setschedpolicy(to, i);
	if (pthread_attr_getschedparam(from, &sp) == 0)
		pthread_attr_setschedparam(to, &sp);
	if (pthread_attr_getscope(from, &i) == 0)
		pthread_attr_setscope(to, i);
}

int notifyThread(int fd, const struct sigevent *sev)
{
	static std::atomic<std::uint64_t> counter{ 0 };
	auto *tn = new ThreadNotify;
	tn->fd = fd;
	tn->token = (static_cast<std::uint64_t>(::getpid()) << 32) ^ ++counter ^
		    static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tn));
	tn->fn = sev->sigev_notify_function;
	tn->value = sev->sigev_value;
	if (sev->sigev_notify_attributes) {
		copyAttr(sev->sigev_notify_attributes, &tn->attr);
		tn->hasAttr = true;
	}
	const std::uint64_t token = tn->token;

	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t ha;
	pthread_attr_init(&ha);
	pthread_attr_setdetachstate(&ha, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&ha, 64 * 1024);
	pthread_t t;
	int rc = pthread_create(&t, &ha, notifyHelper, tn);
	pthread_attr_destroy(&ha);
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	if (rc != 0) {
		if (tn->hasAttr)
			pthread_attr_destroy(&tn->attr);
		delete tn;
		return -EAGAIN;
	}

	/* Register once the helper's wait is parked (the daemon says EAGAIN
	 * until then); on failure the daemon ends the wait and the helper
	 * frees itself. */
	mqfs_notify_req n = {};
	n.notify = SIGEV_THREAD;
	n.value = reinterpret_cast<std::uintptr_t>(sev->sigev_value.sival_ptr);
	n.token = token;
	for (int i = 0; i < 20000; i++) {
		int rv = queueIoctl(fd, MQFS_IOC_NOTIFY, &n);
		if (rv != -EAGAIN)
			return rv;
		struct timespec ts = { 0, 100000 };
		::nanosleep(&ts, nullptr);
	}
	return -EAGAIN;
}

/*
 * mq_open() creates the queue with mode & ~umask and keeps the setgid bit
 * whatever the directory (vfs_mkobj()). open(2) with O_CREAT drops it, when
 * group execute is also asked for, in a setgid directory whose group the
 * caller is not in (mode_strip_sgid()). The new queue is ours and belongs to
 * our fsgid, so a chmod puts the bit back, as the kernel would have kept it.
 */
void restoreSetgid(int fd, mode_t mode)
{
	if (!(mode & S_ISGID))
		return;
	struct stat st;
	if (::fstat(fd, &st) == 0 && !(st.st_mode & S_ISGID))
		(void)::fchmod(fd, (st.st_mode & 07777) | S_ISGID);
}

} /* namespace */

int rootPath(std::string &out)
{
	const char *env = std::getenv("MQFS_ROOT");
	std::string root = env && *env ? env : MQFS_DEFAULT_ROOT;
	/* Only the device is wanted, and the kernel knows it without asking
	 * the daemon: AT_STATX_DONT_SYNC saves a FUSE round trip per call. */
	struct statx stx;
	if (::statx(AT_FDCWD, root.c_str(), AT_STATX_DONT_SYNC, 0, &stx) < 0)
		return -ENOSYS;
	struct stat st = {};
	st.st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	if (const RootCache *c = cachedRoot.load(std::memory_order_acquire);
	    c && c->root == root && c->dev == st.st_dev) {
		out = std::move(root);
		return 0;
	}
	if (int rv = probeRoot(root); rv < 0)
		return rv;
	cachedRoot.store(new RootCache{ root, st.st_dev }, std::memory_order_release);
	out = std::move(root);
	return 0;
}

int open(const char *name, int oflag, mode_t mode, const struct mq_attr *attr)
{
	if (!name)
		return -EINVAL;
	if (int rv = checkPosixName(name); rv < 0)
		return rv;
	std::string root;
	if (int rv = rootPath(root); rv < 0)
		return rv;
	const std::string qname = name + 1;
	const std::string path = root + "/" + qname;
	const int acc = oflag & O_ACCMODE;
	/* mq_open() fds are always close-on-exec; O_TRUNC truncates nothing and
	 * O_CREAT/O_EXCL are ours to handle. */
	const int flags = (oflag & ~(O_CREAT | O_EXCL | O_TRUNC | O_DIRECTORY)) | O_CLOEXEC;

	/* The queue may come and go between our create and open attempts;
	 * the kernel does each attempt atomically, we retry. */
	for (int attempt = 0; attempt < 100; attempt++) {
		/* O_CREAT of a queue that exists (the common case: every party
		 * calls mq_open(O_CREAT)) is an open, whatever attr says: try that
		 * first, it takes two round trips where the create name takes
		 * four. Access mode 3 has its own rule below. */
		if ((oflag & (O_CREAT | O_EXCL)) == O_CREAT && acc != O_ACCMODE && attempt == 0) {
			int fd = ::open(path.c_str(), flags);
			if (fd >= 0)
				return fd;
			if (errno != ENOENT)
				return -errno;
		}
		if (oflag & O_CREAT) {
			/* Attributes, and the no-access of access mode 3, travel in a
			 * create name (see mqfs(7)). */
			std::string cpath = path;
			if (attr || acc == O_ACCMODE) {
				std::optional<QueueAttr> qa;
				if (attr)
					qa = QueueAttr{ attr->mq_maxmsg, attr->mq_msgsize };
				cpath = root + "/" +
					encodeCreateName(qname, qa, acc == O_ACCMODE ? kCreateNoAccess : 0);
			}
			int fd = ::open(cpath.c_str(), flags | O_CREAT | O_EXCL, mode);
			if (fd >= 0) {
				restoreSetgid(fd, mode);
				return fd;
			}
			if (errno != EEXIST)
				return -errno;
			/* mq_open(3): "O_CREAT and O_EXCL ... queue already exists" -> EEXIST */
			if (oflag & O_EXCL)
				return -EEXIST;
		}
		/* An existing queue with access mode O_WRONLY|O_RDWR: EINVAL, before
		 * permissions are looked at. */
		if (acc == O_ACCMODE) {
			int pfd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
			if (pfd < 0) {
				if (errno == ENOENT && (oflag & O_CREAT))
					continue;
				return -errno;
			}
			::close(pfd);
			return -EINVAL;
		}
		int fd = ::open(path.c_str(), flags);
		if (fd >= 0)
			return fd;
		if (errno == ENOENT && (oflag & O_CREAT))
			continue;
		return -errno;
	}
	return -EAGAIN;
}

int unlink(const char *name)
{
	if (!name)
		return -EINVAL;
	if (int rv = checkPosixName(name); rv < 0)
		return rv;
	std::string root;
	if (int rv = rootPath(root); rv < 0)
		return rv;
	const std::string path = root + "/" + (name + 1);
	if (::unlink(path.c_str()) < 0) {
		/* glibc mq_unlink(): the kernel's EPERM (sticky bit) becomes EACCES. */
		return errno == EPERM ? -EACCES : -errno;
	}
	return 0;
}

int timedsend(int fd, const char *msg, size_t len, unsigned prio, const struct timespec *abs)
{
	Deadline deadline;
	if (int rv = checkTimeout(abs, deadline); rv < 0)
		return rv;
	/* mq_send(3): "msg_prio >= MQ_PRIO_MAX" -> EINVAL, before the fd. */
	if (prio >= MQ_PRIO_MAX)
		return -EINVAL;
	return restarting([&]() -> int {
		int fl = fileFlags(fd);
		if (fl < 0)
			return fl;
		std::uint32_t flags = (fl & O_NONBLOCK) ? MQFS_F_NONBLOCK : 0;
		std::int64_t ns = 0;
		wireDeadline(deadline, flags, ns);
		if (len <= MQFS_SEND_INLINE)
			return sendInline(fd, msg, len, prio, flags, ns);
		return sendStaged(fd, msg, len, prio, flags, ns);
	});
}

ssize_t timedreceive(int fd, char *msg, size_t len, unsigned *prio, const struct timespec *abs)
{
	Deadline deadline;
	if (int rv = checkTimeout(abs, deadline); rv < 0)
		return rv;
	return restarting([&]() -> ssize_t {
		const size_t inl = recvInline.load(std::memory_order_relaxed);
		const bool big = len > inl;
		const size_t n = big ? inl : len;
		mqfs_recv_hdr h = {};
		iovec iov[2] = { { &h, sizeof(h) }, { msg, n } };
		ssize_t got = ::preadv(fd, iov, n ? 2 : 1, static_cast<off_t>(encodeRecvOffset(deadline, big)));
		if (got < 0)
			return readError(errno);
		if (static_cast<size_t>(got) < sizeof(h) || h.magic != MQFS_PROTO_MAGIC)
			return -EBADF;
		if (h.status == MQFS_RECV_NEED_BIG) {
			int fl = fileFlags(fd);
			if (fl < 0)
				return fl;
			return receiveStaged(fd, msg, len, prio, deadline, fl & O_NONBLOCK);
		}
		if (prio)
			*prio = h.prio;
		return static_cast<ssize_t>(h.len);
	});
}

ssize_t sendBatch(int fd, const struct mqfs_msg *msgs, size_t count, const struct timespec *abs)
{
	Deadline deadline;
	if (int rv = checkTimeout(abs, deadline); rv < 0)
		return rv;
	for (size_t i = 0; i < count; i++)
		if (msgs[i].msg_prio >= MQ_PRIO_MAX)
			return -EINVAL;
	if (count == 0)
		return 0;
	const int fl = fileFlags(fd);
	if (fl < 0)
		return fl;
	std::uint32_t flags = (fl & O_NONBLOCK) ? MQFS_F_NONBLOCK : 0;
	std::int64_t ns = 0;
	wireDeadline(deadline, flags, ns);
	if (sendBuf.size() < MQFS_IOC_MAX_SIZE)
		sendBuf.resize(MQFS_IOC_MAX_SIZE);
	const std::span<std::byte> buf(sendBuf.data(), MQFS_IOC_MAX_SIZE);

	size_t done = 0;
	while (done < count) {
		ssize_t rv;
		const mqfs_msg &first = msgs[done];
		if (sizeof(mqfs_batch_hdr) + MQFS_BATCH_REC_SIZE(first.msg_len) > MQFS_IOC_MAX_SIZE) {
			/* Too large to share an ioctl: an ordinary send. */
			rv = first.msg_len <= MQFS_SEND_INLINE
				     ? sendInline(fd, first.msg_ptr, first.msg_len, first.msg_prio, flags, ns)
				     : sendStaged(fd, first.msg_ptr, first.msg_len, first.msg_prio, flags, ns);
			if (rv == 0)
				rv = 1;
		} else {
			size_t pos = sizeof(mqfs_batch_hdr);
			std::uint32_t n = 0;
			for (size_t i = done; i < count; i++, n++) {
				const auto payload = std::as_bytes(std::span(msgs[i].msg_ptr, msgs[i].msg_len));
				if (pos + MQFS_BATCH_REC_SIZE(payload.size()) > buf.size())
					break;
				pos += encodeBatchRecord(buf.subspan(pos), msgs[i].msg_prio, payload);
			}
			const mqfs_batch_hdr h = { n, flags, ns };
			std::memcpy(buf.data(), &h, sizeof(h));
			rv = queueIoctl(fd, MQFS_IOC_SEND_BATCH(pos), buf.data());
		}
		/* Nothing sent yet: as a single send, restarted under SA_RESTART.
		 * Otherwise the count tells what went; the next call sees the error. */
		if (rv == -EINTR && done == 0 && restartAfterSignal())
			continue;
		if (rv < 0)
			return done ? static_cast<ssize_t>(done) : rv;
		done += static_cast<size_t>(rv);
	}
	return static_cast<ssize_t>(done);
}

ssize_t receiveBatch(int fd, char *buf, size_t len, struct mqfs_msg *msgs, size_t count,
		     const struct timespec *abs)
{
	Deadline deadline;
	if (int rv = checkTimeout(abs, deadline); rv < 0)
		return rv;
	if (count == 0)
		return 0;
	/* The one message a wait ends with (or one too large for a batch read). */
	const auto single = [&]() -> ssize_t {
		unsigned prio = 0;
		const ssize_t n = timedreceive(fd, buf, len, &prio, abs);
		if (n < 0)
			return n;
		msgs[0] = { buf, static_cast<size_t>(n), prio };
		return 1;
	};
	const unsigned max = static_cast<unsigned>(std::min<size_t>(count, MQFS_BATCH_MAX_MASK + 1));
	thread_local std::vector<BatchRecord> recs;
	return restarting([&]() -> ssize_t {
		const bool big = len > MQFS_RECV_INLINE;
		const size_t n = big ? MQFS_RECV_INLINE : len;
		mqfs_recv_hdr h = {};
		iovec iov[2] = { { &h, sizeof(h) }, { buf, n } };
		/* A timed wait is a single timed receive: batch reads carry no deadline. */
		const std::uint64_t off = encodeBatchRecvOffset(max, deadline.has_value(), big);
		const ssize_t got = ::preadv(fd, iov, n ? 2 : 1, static_cast<off_t>(off));
		if (got < 0) {
			const int e = errno;
			if (readError(e) == -EBADF)
				return -EBADF;
			if (e == EAGAIN && deadline) {
				const int fl = fileFlags(fd);
				if (fl < 0)
					return fl;
				if (!(fl & O_NONBLOCK))
					return single();
			}
			return -e;
		}
		if (static_cast<size_t>(got) < sizeof(h) || h.magic != MQFS_PROTO_MAGIC)
			return -EBADF;
		if (h.status == MQFS_RECV_NEED_BIG)
			return single();
		const size_t bytes = static_cast<size_t>(got) - sizeof(h);
		if (h.status != MQFS_RECV_BATCHED || h.len != bytes || h.prio == 0 || h.prio > max)
			return -EPROTO;
		recs.resize(h.prio);
		if (decodeBatchRecords(std::as_bytes(std::span(buf, bytes)), recs) < 0)
			return -EPROTO;
		for (size_t i = 0; i < recs.size(); i++)
			msgs[i] = { buf + recs[i].offset, recs[i].len, recs[i].prio };
		return static_cast<ssize_t>(recs.size());
	});
}

int getattr(int fd, struct mq_attr *attr)
{
	/* glibc: mq_getattr() is mq_getsetattr(mqdes, NULL, attr). */
	return setattr(fd, nullptr, attr);
}

int setattr(int fd, const struct mq_attr *newattr, struct mq_attr *oldattr)
{
	/* mq_getsetattr(): unknown mq_flags bits -> EINVAL, before the fd. */
	if (newattr && (newattr->mq_flags & ~static_cast<long>(O_NONBLOCK)))
		return -EINVAL;
	mqfs_attr a = {};
	a.flags = newattr ? MQFS_ATTR_TOUCH : 0;
	if (int rv = queueIoctl(fd, MQFS_IOC_GETATTR, &a); rv < 0)
		return rv;
	int fl = fileFlags(fd);
	if (fl < 0)
		return fl;
	if (oldattr) {
		*oldattr = {};
		oldattr->mq_flags = fl & O_NONBLOCK;
		oldattr->mq_maxmsg = a.maxmsg;
		oldattr->mq_msgsize = a.msgsize;
		oldattr->mq_curmsgs = a.curmsgs;
	}
	if (newattr) {
		/* Only O_NONBLOCK of the open file changes, exactly as F_SETFL would. */
		const int want = (fl & ~O_NONBLOCK) | (newattr->mq_flags & O_NONBLOCK);
		if (want != fl && ::fcntl(fd, F_SETFL, want) < 0)
			return -errno;
	}
	return 0;
}

int notify(int fd, const struct sigevent *sev)
{
	mqfs_notify_req n = {};
	if (!sev) {
		n.notify = -1;
	} else {
		/* mq_notify(3): EINVAL for a bad sigev_notify or signal, before the fd. */
		if (sev->sigev_notify != SIGEV_SIGNAL && sev->sigev_notify != SIGEV_NONE &&
		    sev->sigev_notify != SIGEV_THREAD)
			return -EINVAL;
		if (sev->sigev_notify == SIGEV_SIGNAL &&
		    (sev->sigev_signo < 0 || sev->sigev_signo > NSIG - 1))
			return -EINVAL;
		if (sev->sigev_notify == SIGEV_THREAD)
			return notifyThread(fd, sev);
		n.notify = sev->sigev_notify;
		n.signo = sev->sigev_signo;
		n.value = reinterpret_cast<std::uintptr_t>(sev->sigev_value.sival_ptr);
	}
	return queueIoctl(fd, MQFS_IOC_NOTIFY, &n);
}

} /* namespace mqfs::client */
