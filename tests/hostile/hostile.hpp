/* SPDX-License-Identifier: MIT */
/**
 * @file hostile.hpp
 * @brief The hostile-client suite: raw protocol requests, no libmqfs.
 *
 * The program talks to its own mqfs daemons straight through the mount
 * (ioctl, preadv, open) with requests the library would never send:
 * malformed, truncated, oversized, out of order, abandoned. After each group
 * it checks that the daemon still answers MQFS_IOC_INFO and is alive, and it
 * measures the daemon's VmRSS and Threads to find anything that grows
 * without bound.
 *
 * It runs as root in a private IPC + mount namespace (run-parity.sh), so
 * the host's /dev/mqueue is never touched, and every daemon it starts is
 * unmounted and reaped by a Daemon guard (SIGKILL when it will not go, and
 * PR_SET_PDEATHSIG if this program dies first).
 *
 * THREAD SAFETY: ErrnoTable, step() and the watchdog may be used from any
 * thread; Catch2 assertions only from the main thread.
 *
 * Set MQFS_HOSTILE_LONG=1 for the long form (more ioctl types and sizes,
 * 10x the repetitions).
 */
#pragma once

#include <cstdlib>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

namespace hostile {

/** \brief True when MQFS_HOSTILE_LONG is set to something other than 0. */
bool longForm();
/** \brief \a dflt, or \a dflt * \a longFactor in the long form. */
long scaled(long dflt, long longFactor = 10);

/* ---- daemons ---- */

/**
 * \brief CHECK a bound on the daemon's RSS growth, except in a sanitizer
 *        build (scripts/sanitize.sh sets MQFS_SANITIZED): ASan's quarantine
 *        and shadow memory make RSS say nothing there; LeakSanitizer checks.
 */
#define CHECK_RSS(cond)                             \
	do {                                        \
		if (!std::getenv("MQFS_SANITIZED")) \
			CHECK(cond);                \
	} while (0)

/** \brief A few lines of /proc/PID/status (-1 when unreadable). */
struct ProcFigures {
	long rssKiB = -1;
	long threads = -1;
};
ProcFigures procFigures(pid_t pid);

/**
 * \brief One mqfs daemon on a fresh temporary mount point, for its lifetime.
 *
 * `MQFS_BIN -f -o allow_other[,OPTS] MOUNTPOINT`; the constructor waits until
 * MQFS_IOC_INFO answers on the root and throws std::runtime_error if the
 * daemon exits or does not mount within 10 s.
 */
class Daemon
{
public:
	/** \param measured its VmRSS is compared: run it without MALLOC_PERTURB_ */
	explicit Daemon(const std::string &opts = "", bool measured = false);
	~Daemon();
	Daemon(const Daemon &) = delete;
	Daemon &operator=(const Daemon &) = delete;

	/**
	 * \brief Unmount, wait up to 5 s, then SIGKILL; remove the directories.
	 * Idempotent. \return the daemon's wait status (0: exited with 0).
	 */
	int stop();

	pid_t pid() const { return pid_; }
	const std::string &root() const { return root_; }
	std::string path(const std::string &leaf) const { return root_ + "/" + leaf; }

	/** \brief Not exited (reaps it and remembers the status if it has). */
	bool alive();
	/** \brief MQFS_IOC_INFO on the root answers with our magic within 5 s. */
	bool answers();
	ProcFigures figures() const { return procFigures(pid_); }

private:
	std::string base_;
	std::string root_;
	pid_t pid_ = -1;
	bool exited_ = false;
	int status_ = 0;
	bool stopped_ = false;
};

/** \brief Mount options raising msg_max and msgsize_max to the hard limits,
 *        for queues larger than an unprivileged creator may make. */
inline constexpr const char *kBigLimits = "msg_max=65536,msgsize_max=16777216";

/** \brief CAP_SYS_RESOURCE in our effective set (sandboxes often drop it). */
bool haveCapSysResource();

/** \brief The daemon shared by the malformed-request tests (started on first
 *        use, with kBigLimits). */
Daemon &sharedDaemon();
/** \brief Stop the shared daemon, if started. \return its wait status. */
int stopSharedDaemon();

/* ---- raw requests: every wrapper returns the result or -errno ---- */

/** \brief A file descriptor, closed by the destructor. */
class Fd
{
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	~Fd() { reset(); }
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept
	{
		reset(o.release());
		return *this;
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;

	int get() const { return fd_; }
	bool valid() const { return fd_ >= 0; }
	[[nodiscard]] int release()
	{
		const int f = fd_;
		fd_ = -1;
		return f;
	}
	void reset(int fd = -1);

private:
	int fd_ = -1;
};

long rawIoctl(int fd, unsigned long cmd, void *arg);
long rawPread(int fd, void *buf, size_t len, std::uint64_t off);
long rawPreadv(int fd, const struct iovec *iov, int n, std::uint64_t off);
/** \brief open(2): the fd or -errno. */
int rawOpen(const std::string &path, int flags, mode_t mode = 0600);

/** \brief The 256-byte tag of a create name (see mqfs_proto.h). */
std::string createTag();
/** \brief Create (O_CREAT|O_EXCL|O_RDWR, 0600) queue \a name with \a maxmsg and \a msgsize. */
int createQueue(const Daemon &d, const std::string &name, long maxmsg, long msgsize, int extraFlags = 0);
/** \brief MQFS_IOC_GETATTR's curmsgs, or -errno. */
long curMsgs(int fd);
/**
 * \brief curmsgs once it equals \a want, or what it is after \a ms.
 * A close(2) sends FUSE_RELEASE in the background: what a closed file gives
 * back arrives shortly after close() returns.
 */
long waitCurMsgs(int fd, long want, int ms = 2000);
/** \brief curmsgs once two readings 50 ms apart agree. */
long settledCurMsgs(int fd);
/** \brief Inline MQFS_IOC_SEND of \a len bytes of \a fill. */
long sendInline(int fd, size_t len, unsigned prio = 0, std::uint32_t flags = 0, std::int64_t deadlineNs = 0,
		unsigned char fill = 'm');
/** \brief SEND_BEGIN, SEND_CHUNKs of \a fill, SEND_COMMIT: 0 or the first -errno. */
long stagedSend(int fd, size_t len, unsigned prio = 0, std::uint32_t flags = 0, unsigned char fill = 's');
/** \brief SEND_BEGIN or RECV_BEGIN: \a token and \a len out. */
long xferBegin(int fd, unsigned long cmd, std::uint64_t &len, std::uint32_t &token, unsigned prio = 0,
	       std::uint32_t flags = 0);
/** \brief One SEND_CHUNK of \a n bytes of \a fill at \a offset. */
long sendChunk(int fd, std::uint32_t token, std::uint64_t offset, size_t n, unsigned char fill = 's');
/** \brief SEND_COMMIT of \a token. */
long sendCommit(int fd, std::uint32_t token, std::uint32_t flags = 0, std::int64_t deadlineNs = 0);
/** \brief The offset of a staged receive's bytes. */
std::uint64_t xferOffset(std::uint64_t token, std::uint64_t pos);
/** \brief One nonblocking receive at MQFS_OFF_RECV into a \a bufLen buffer. */
long recvInline(int fd, size_t bufLen);
/** \brief Receive until EAGAIN (the fd must be O_NONBLOCK). \return how many. */
long drain(int fd, size_t bufLen);

/** \brief "EINVAL", "ENOTTY", ... or "ok" for rv >= 0. */
std::string errName(long rv);

/* ---- what we saw ---- */

/** \brief Per request class, how often each result came back. */
class ErrnoTable
{
public:
	/** \brief Count one hostile request of class \a cls that returned \a rv. */
	void add(const std::string &cls, long rv);
	/** \brief Print the table (one line per class) to stdout. */
	void print() const;
	std::uint64_t total() const;

private:
	mutable std::mutex mutex_;
	std::map<std::string, std::map<std::string, std::uint64_t>> counts_;
	std::uint64_t total_ = 0;
};
ErrnoTable &table();

/** \brief Record a figure line ("what: numbers") for the final summary. */
void figure(const std::string &line);
void printFigures();

/* ---- hangs ---- */

/** \brief Name what runs now and feed the watchdog. */
void step(const std::string &what);
/** \brief Feed the watchdog (for long loops). */
void tick();
/**
 * \brief Start the watchdog: with no tick() for \a quiet, it prints the
 *        current step and where every thread waits, SIGKILLs every daemon
 *        we started, removes their directories and exits 1.
 */
void startWatchdog(std::chrono::seconds quiet);
/** \brief A daemon the watchdog kills, and whose directories it removes. */
void registerDaemon(pid_t pid, const std::string &root, const std::string &base);
void unregisterDaemon(pid_t pid);

/**
 * \brief Interrupts the calling thread's blocking calls with SIGUSR2 (a
 *        handler without SA_RESTART), so a parked request ends in EINTR.
 *
 * A POSIX timer aimed at the thread that made the Interrupter; it repeats
 * every period until disarmed, so a signal that lands just before the call
 * starts does not leave it blocked.
 */
class Interrupter
{
public:
	Interrupter();
	~Interrupter();
	Interrupter(const Interrupter &) = delete;
	Interrupter &operator=(const Interrupter &) = delete;

	void arm(std::chrono::microseconds period);
	void disarm();

	/** \brief Run \a fn with the timer armed. */
	template <typename F>
	long run(std::chrono::microseconds period, F fn)
	{
		arm(period);
		const long rv = fn();
		disarm();
		return rv;
	}

private:
	timer_t timer_ {};
	bool ok_ = false;
};

/** \brief Install the SIGUSR2 handler (no SA_RESTART); idempotent. */
void installInterruptHandler();

/** \brief Milliseconds since \a t0 (steady clock). */
double msSince(std::chrono::steady_clock::time_point t0);

} /* namespace hostile */
