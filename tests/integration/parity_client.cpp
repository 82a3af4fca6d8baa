/* SPDX-License-Identifier: MIT */
/**
 * @file parity_client.cpp
 * @brief Kernel parity of libmqfs: every scenario is one function run twice,
 *        once with an ops table of the kernel's mq_* (glibc, on the private
 *        IPC namespace's queues) and once with the mqfs_* functions of
 *        libmqfs (MQFS_ROOT = the mqfs mount). The observation vectors
 *        (return values, errno names, received bytes and priorities, getattr
 *        fields, status lines, poll bits, siginfo fields) must be equal. The
 *        kernel is the oracle.
 *
 * Status lines are read through the queue files: the kernel side from the
 * kernel mqueue mount, the mqfs side from the mqfs mount. A read by the
 * registering process itself cancels its registration (spec 5, removal
 * trigger (c)), so status lines that must not disturb a registration are read
 * by a forked child ("peek").
 *
 * Also here: a randomized differential test ([random]: seed MQFS_RANDOM_SEED,
 * op count MQFS_RANDOM_OPS) and a kill test against mqfs only ([kill]).
 *
 * Run through run-parity.sh (root, private IPC + mount namespace) with
 * MQFS_BIN naming the daemon. Reference: spec/mqueue-behaviour.md 1-5, 8, 11.
 */
#define CATCH_CONFIG_RUNNER
#define CATCH_CONFIG_CONSOLE_WIDTH 240
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.hpp"
#include "mqfs/mqfs.h"
#include "mqfs/mqfs.hpp"

using namespace parity;

namespace {

/* ===================================================================== */
/* The two ops tables                                                     */
/* ===================================================================== */

struct Ops {
	const char *name;
	mqd_t (*open)(const char *, int, mode_t, const struct mq_attr *);
	int (*close)(mqd_t);
	int (*unlink)(const char *);
	int (*send)(mqd_t, const char *, size_t, unsigned);
	int (*timedsend)(mqd_t, const char *, size_t, unsigned, const struct timespec *);
	ssize_t (*receive)(mqd_t, char *, size_t, unsigned *);
	ssize_t (*timedreceive)(mqd_t, char *, size_t, unsigned *, const struct timespec *);
	int (*getattr)(mqd_t, struct mq_attr *);
	int (*setattr)(mqd_t, const struct mq_attr *, struct mq_attr *);
	int (*notify)(mqd_t, const struct sigevent *);
};

/* glibc declares mq_getattr()'s attr and mq_setattr()'s newattr nonnull, and
 * the answers to NULL are among the things compared: not UBSan findings. */
__attribute__((no_sanitize("undefined"))) int kernelGetattr(mqd_t q, struct mq_attr *a)
{
	return ::mq_getattr(q, a);
}

__attribute__((no_sanitize("undefined"))) int kernelSetattr(mqd_t q, const struct mq_attr *n, struct mq_attr *o)
{
	return ::mq_setattr(q, n, o);
}

const Ops kKernelOps = {
	"kernel",
	[](const char *n, int f, mode_t m, const struct mq_attr *a) -> mqd_t { return ::mq_open(n, f, m, a); },
	[](mqd_t q) { return ::mq_close(q); },
	[](const char *n) { return ::mq_unlink(n); },
	[](mqd_t q, const char *p, size_t l, unsigned pr) { return ::mq_send(q, p, l, pr); },
	[](mqd_t q, const char *p, size_t l, unsigned pr, const struct timespec *t) {
		return ::mq_timedsend(q, p, l, pr, t);
	},
	[](mqd_t q, char *p, size_t l, unsigned *pr) { return ::mq_receive(q, p, l, pr); },
	[](mqd_t q, char *p, size_t l, unsigned *pr, const struct timespec *t) {
		return ::mq_timedreceive(q, p, l, pr, t);
	},
	kernelGetattr,
	kernelSetattr,
	[](mqd_t q, const struct sigevent *e) { return ::mq_notify(q, e); },
};

const Ops kMqfsOps = {
	"mqfs",
	[](const char *n, int f, mode_t m, const struct mq_attr *a) -> mqd_t { return ::mqfs_open(n, f, m, a); },
	::mqfs_close,
	::mqfs_unlink,
	::mqfs_send,
	::mqfs_timedsend,
	::mqfs_receive,
	::mqfs_timedreceive,
	::mqfs_getattr,
	::mqfs_setattr,
	::mqfs_notify,
};

const Ops &opsOf(const Side &s)
{
	return s.kernel ? kKernelOps : kMqfsOps;
}

using ClientScenario = std::function<Obs(const Side &, const Ops &)>;

/* The signal the watchdog uses to interrupt a hung call of the main thread;
 * its handler (installed in main(), without SA_RESTART) does nothing. */
constexpr int kWatchdogSignal = SIGWINCH;

extern "C" void onWatchdogSignal(int)
{
}

/*
 * While one side of a scenario runs in the main thread: if it takes longer
 * than \a seconds, a blocked call is presumably hung (mqfs never answering),
 * so interrupt the main thread with kWatchdogSignal once a second until the
 * scenario ends. The call then fails with EINTR and the scenario goes on;
 * fired() adds a line to the observations, so the run cannot pass.
 */
class Watchdog {
public:
	explicit Watchdog(int seconds) : target_(::pthread_self())
	{
		/* The thread must not take process-directed signals (SIGEV_SIGNAL
		 * notifications are waited for with sigtimedwait in the main thread). */
		sigset_t all, old;
		sigfillset(&all);
		::pthread_sigmask(SIG_SETMASK, &all, &old);
		struct Restore {
			sigset_t *old;
			~Restore() { ::pthread_sigmask(SIG_SETMASK, old, nullptr); }
		} restore{ &old };
		thread_ = std::thread([this, seconds] {
			std::unique_lock<std::mutex> lock(mutex_);
			if (cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return done_; }))
				return;
			while (!done_) {
				fired_++;
				::pthread_kill(target_, kWatchdogSignal);
				cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; });
			}
		});
	}
	~Watchdog()
	{
		{
			std::lock_guard<std::mutex> lock(mutex_);
			done_ = true;
		}
		cv_.notify_all();
		thread_.join();
	}
	int fired() const { return fired_; }
	Watchdog(const Watchdog &) = delete;
	Watchdog &operator=(const Watchdog &) = delete;

private:
	pthread_t target_;
	std::mutex mutex_;
	std::condition_variable cv_;
	bool done_ = false;
	std::atomic<int> fired_{ 0 };
	std::thread thread_;
};

void parityClient(const std::string &what, const ClientScenario &fn)
{
	requireParity(what, [&fn](const Side &side) {
		Obs o;
		int fired;
		{
			Watchdog dog(30);
			o = fn(side, opsOf(side));
			fired = dog.fired();
		}
		if (fired)
			o.push_back("WATCHDOG: a call hung for 30 s; interrupted " + std::to_string(fired) + " times");
		return o;
	});
}

/* ===================================================================== */
/* Small helpers                                                          */
/* ===================================================================== */

/* The kernel's O_LARGEFILE bit (glibc defines O_LARGEFILE as 0 on x86_64).
 * Every open(2) through FUSE gets it (force_o_largefile), mq_open never
 * does: an inherent difference of an fd of a FUSE file, masked out of F_GETFL. */
constexpr int kKernelOLargefile = 0100000;

const char *const kStatusIdle = "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n";

struct mq_attr mkattr(long maxmsg, long msgsize, long flags = 0, long curmsgs = 0)
{
	struct mq_attr a;
	std::memset(&a, 0, sizeof(a));
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	a.mq_flags = flags;
	a.mq_curmsgs = curmsgs;
	return a;
}

void sleepMs(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

void sleepUs(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };
	while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

struct timespec nowClock(clockid_t c = CLOCK_REALTIME)
{
	struct timespec t;
	::clock_gettime(c, &t);
	return t;
}

struct timespec addMs(struct timespec t, long ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* b - a in microseconds */
long diffUs(const struct timespec &a, const struct timespec &b)
{
	return (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000L;
}

/* Called right after a call that had \a deadline: did it end not before the
 * deadline and within 100 ms after it? */
std::string lateness(const struct timespec &deadline)
{
	const long us = diffUs(deadline, nowClock());
	if (us < 0)
		return "EARLY by " + std::to_string(-us) + " us";
	if (us > 100000)
		return "LATE by " + std::to_string(us / 1000) + " ms";
	return "on time";
}

/* "waited" when at least \a minMs passed since \a t0, else "did not wait". */
std::string waited(const struct timespec &t0, long minMs)
{
	const long us = diffUs(t0, nowClock(CLOCK_MONOTONIC));
	return us >= minMs * 1000 ? "waited" : "returned after " + std::to_string(us / 1000) + " ms";
}

std::string hexs(unsigned long v)
{
	char b[32];
	std::snprintf(b, sizeof(b), "0x%lx", v);
	return b;
}

std::uint64_t fnv1a(const char *p, size_t n)
{
	std::uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= static_cast<unsigned char>(p[i]);
		h *= 1099511628211ull;
	}
	return h;
}

std::string label(const std::string &bytes)
{
	if (bytes.size() <= 40)
		return esc(bytes);
	char h[40];
	std::snprintf(h, sizeof(h), "%016" PRIx64, fnv1a(bytes.data(), bytes.size()));
	return esc(bytes.substr(0, 12)) + "...(" + std::to_string(bytes.size()) + " bytes, fnv " + h + ")";
}

std::uint64_t splitmix(std::uint64_t &x)
{
	std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

std::string pattern(size_t n, std::uint64_t seed)
{
	std::string s(n, '\0');
	std::uint64_t st = seed;
	for (size_t i = 0; i < n; i += 8) {
		std::uint64_t v = splitmix(st);
		std::memcpy(&s[i], &v, std::min<size_t>(8, n - i));
	}
	return s;
}

std::string attrStr(const struct mq_attr &a)
{
	char b[200];
	std::snprintf(b, sizeof(b), "flags=0%lo maxmsg=%ld msgsize=%ld curmsgs=%ld pad=%s", a.mq_flags, a.mq_maxmsg,
		      a.mq_msgsize, a.mq_curmsgs,
		      (a.__pad[0] | a.__pad[1] | a.__pad[2] | a.__pad[3]) ? "NONZERO" : "0");
	return b;
}

std::string getattrStr(const Ops &ops, int fd)
{
	struct mq_attr a;
	std::memset(&a, 0x5a, sizeof(a));
	int r = ops.getattr(fd, &a);
	if (r < 0)
		return rc(r);
	return attrStr(a);
}

std::string sendStr(const Ops &ops, int fd, const std::string &m, unsigned prio)
{
	return rc(ops.send(fd, m.data(), m.size(), prio));
}

std::string tsendStr(const Ops &ops, int fd, const std::string &m, unsigned prio, const struct timespec &abs)
{
	return rc(ops.timedsend(fd, m.data(), m.size(), prio, &abs));
}

/* Receive with a buffer of \a buflen (allocated: \a alloc bytes, default buflen). */
std::string recvWith(const Ops &ops, int fd, size_t buflen, const struct timespec *abs, bool timed, size_t alloc = 0,
		     bool withPrio = true)
{
	if (!alloc)
		alloc = buflen;
	std::vector<char> buf(alloc + 1, '\0');
	unsigned prio = 12345;
	ssize_t n = timed ? ops.timedreceive(fd, buf.data(), buflen, withPrio ? &prio : nullptr, abs)
			  : ops.receive(fd, buf.data(), buflen, withPrio ? &prio : nullptr);
	if (n < 0) {
		std::string r = rc(n);
		return r + (prio != 12345 ? " (prio written)" : "");
	}
	return std::to_string(n) + " prio=" + (withPrio ? std::to_string(prio) : "-") + " " +
	       label(std::string(buf.data(), static_cast<size_t>(n)));
}

std::string recvStr(const Ops &ops, int fd, size_t buflen)
{
	return recvWith(ops, fd, buflen, nullptr, false);
}

std::string trecvStr(const Ops &ops, int fd, size_t buflen, const struct timespec &abs)
{
	return recvWith(ops, fd, buflen, &abs, true);
}

/* Never blocks: a timed call with a deadline in the past. For set-up and
 * clean-up steps whose blocking would only be a consequence of an earlier
 * difference. */
std::string recvNow(const Ops &ops, int fd, size_t buflen)
{
	const struct timespec zero = { 0, 0 };
	return recvWith(ops, fd, buflen, &zero, true);
}

std::string sendNow(const Ops &ops, int fd, const std::string &m, unsigned prio)
{
	const struct timespec zero = { 0, 0 };
	return rc(ops.timedsend(fd, m.data(), m.size(), prio, &zero));
}

/* Receive and compare with \a expected byte for byte. */
std::string recvExact(const Ops &ops, int fd, size_t buflen, const std::string &expected)
{
	std::vector<char> buf(buflen + 1, '\0');
	unsigned prio = 12345;
	ssize_t n = ops.receive(fd, buf.data(), buflen, &prio);
	if (n < 0)
		return rc(n);
	std::string r = std::to_string(n) + " prio=" + std::to_string(prio);
	if (static_cast<size_t>(n) != expected.size())
		return r + " LENGTH DIFFERS from the " + std::to_string(expected.size()) + " sent";
	if (std::memcmp(buf.data(), expected.data(), expected.size()) != 0) {
		size_t i = 0;
		while (buf[i] == expected[i])
			i++;
		return r + " BYTES DIFFER from offset " + std::to_string(i);
	}
	return r + " byte-exact";
}

std::string modeOf(const std::string &path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) < 0)
		return rc(-1);
	char b[96];
	std::snprintf(b, sizeof(b), "mode=0%o uid=%u gid=%u", st.st_mode, st.st_uid, st.st_gid);
	return b;
}

std::string fdFlagsWithout(int fd, int bits)
{
	int fdf = ::fcntl(fd, F_GETFD);
	int fl = ::fcntl(fd, F_GETFL);
	if (fdf < 0 || fl < 0)
		return "F_GETFD/F_GETFL " + rc(-1);
	char b[64];
	std::snprintf(b, sizeof(b), "cloexec=%d F_GETFL=0%o", fdf & FD_CLOEXEC, fl & ~kKernelOLargefile & ~bits);
	return b;
}

std::string fdFlags(int fd)
{
	int fdf = ::fcntl(fd, F_GETFD);
	if (fdf < 0)
		return "F_GETFD " + rc(-1);
	int fl = ::fcntl(fd, F_GETFL);
	if (fl < 0)
		return "F_GETFL " + rc(-1);
	char b[64];
	std::snprintf(b, sizeof(b), "cloexec=%d F_GETFL=0%o", fdf & FD_CLOEXEC, fl & ~kKernelOLargefile);
	return b;
}

std::string setSys(const Side &s, const char *file, long v)
{
	return std::string(file) + "=" + std::to_string(v) + ": " + writeOnce(s.s(file), std::to_string(v) + "\n");
}

constexpr short kAllPollEvents = POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | POLLWRNORM | POLLWRBAND |
				 POLLMSG | POLLRDHUP;

std::string pollBits(int fd, short events = kAllPollEvents)
{
	struct pollfd p = { fd, events, 0 };
	int n = ::poll(&p, 1, 0);
	if (n < 0)
		return "poll " + rc(n);
	return "n=" + std::to_string(n) + " revents=" + hexs(static_cast<unsigned short>(p.revents));
}

std::string selectBits(int fd)
{
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &e);
	struct timeval tv = { 0, 0 };
	int n = ::select(fd + 1, &r, &w, &e, &tv);
	if (n < 0)
		return "select " + rc(n);
	return "n=" + std::to_string(n) + " r=" + std::to_string(FD_ISSET(fd, &r) ? 1 : 0) +
	       " w=" + std::to_string(FD_ISSET(fd, &w) ? 1 : 0) + " e=" + std::to_string(FD_ISSET(fd, &e) ? 1 : 0);
}

/* ---- status lines ---- */

using Names = std::map<pid_t, std::string>;

/* The status line with the NOTIFY_PID value replaced by a role name
 * ("self", "child", ...), checking its padding (%-6d) on the way. */
std::string normStatus(const std::string &raw, const Names &names)
{
	const std::string key = "NOTIFY_PID:";
	const size_t p = raw.find(key);
	if (p == std::string::npos)
		return esc(raw);
	const size_t d = p + key.size();
	size_t e = d;
	while (e < raw.size() && raw[e] >= '0' && raw[e] <= '9')
		e++;
	const std::string digits = raw.substr(d, e - d);
	if (digits.empty() || digits == "0")
		return esc(raw);
	size_t sp = e;
	while (sp < raw.size() && raw[sp] == ' ')
		sp++;
	const pid_t pid = static_cast<pid_t>(std::atol(digits.c_str()));
	auto it = names.find(pid);
	const std::string name = it != names.end() ? it->second : "unknown-pid";
	const bool padOk = (sp - d) == std::max<size_t>(6, e - d);
	return esc(raw.substr(0, d) + "{" + name + "}" + (padOk ? "" : "{BAD PADDING}") + raw.substr(sp));
}

std::string readRaw(const std::string &path, bool &ok)
{
	ok = false;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "open " + rc(-1);
	char buf[4096];
	ssize_t n = ::read(fd, buf, sizeof(buf));
	std::string r = n < 0 ? "read " + rc(-1) : std::string(buf, static_cast<size_t>(n));
	::close(fd);
	ok = n >= 0;
	return r;
}

/* Status line read by this process with open/read/close (which, for the
 * registering process, is a removal trigger, as on the kernel). */
std::string statusSelf(const Side &s, const std::string &name, const Names &names = {})
{
	bool ok;
	std::string r = readRaw(s.q(name.substr(1)), ok);
	return ok ? normStatus(r, names) : r;
}

/* ---- children ---- */

void writeAll(int fd, const std::string &s)
{
	size_t off = 0;
	while (off < s.size()) {
		ssize_t n = ::write(fd, s.data() + off, s.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += static_cast<size_t>(n);
	}
}

struct Kid {
	pid_t pid = -1;
	int rfd = -1;
};

/* Fork a child that runs \a fn; its observations come back through a pipe. */
Kid startKid(const std::function<Obs()> &fn)
{
	int p[2];
	if (::pipe2(p, O_CLOEXEC) < 0)
		return {};
	std::fflush(nullptr);
	const pid_t parent = ::getpid();
	pid_t pid = ::fork();
	if (pid < 0) {
		::close(p[0]);
		::close(p[1]);
		return {};
	}
	if (pid == 0) {
		::close(p[0]);
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != parent)
			::_exit(99);
		std::string out;
		auto put = [&out](const std::string &s) {
			const std::uint32_t len = static_cast<std::uint32_t>(s.size());
			out.append(reinterpret_cast<const char *>(&len), sizeof(len));
			out += s;
		};
		try {
			for (const auto &s : fn())
				put(s);
		} catch (const std::exception &ex) {
			put(std::string("child exception: ") + ex.what());
		}
		writeAll(p[1], out);
		::_exit(0);
	}
	::close(p[1]);
	return { pid, p[0] };
}

Obs joinKid(Kid &k)
{
	if (k.pid < 0)
		return { "fork failed" };
	/* Read until EOF, for at most 30 s: a child hung in a call is killed. */
	std::string raw;
	bool killed = false;
	const struct timespec t0 = nowClock(CLOCK_MONOTONIC);
	for (;;) {
		const long left = 30000 - diffUs(t0, nowClock(CLOCK_MONOTONIC)) / 1000;
		struct pollfd p = { k.rfd, POLLIN, 0 };
		int n = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			::kill(k.pid, SIGKILL);
			killed = true;
			break;
		}
		char buf[8192];
		ssize_t r = ::read(k.rfd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		raw.append(buf, static_cast<size_t>(r));
	}
	::close(k.rfd);
	int st = 0;
	while (::waitpid(k.pid, &st, 0) < 0 && errno == EINTR) {
	}
	k.pid = -1;
	Obs obs;
	if (killed)
		obs.push_back("CHILD HUNG for 30 s and was killed (its observations are lost)");
	for (size_t off = 0; off + sizeof(std::uint32_t) <= raw.size();) {
		std::uint32_t len;
		std::memcpy(&len, raw.data() + off, sizeof(len));
		off += sizeof(len);
		obs.push_back(raw.substr(off, len));
		off += len;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		obs.push_back("child ended abnormally: status " + std::to_string(st));
	return obs;
}

Obs inChild(const std::function<Obs()> &fn)
{
	Kid k = startKid(fn);
	return joinKid(k);
}

void append(Obs &o, const Obs &more, const std::string &prefix = "")
{
	for (const auto &s : more)
		o.push_back(prefix + s);
}

/* Status line read by a forked child: it is not the owner of anything, so
 * its open/read/close leaves every registration alone. */
std::string statusPeek(const Side &s, const std::string &name, const Names &names)
{
	const std::string path = s.q(name.substr(1));
	Obs r = inChild([&path] {
		bool ok;
		std::string raw = readRaw(path, ok);
		return Obs{ ok ? "1" : "0", raw };
	});
	if (r.size() != 2)
		return "peek failed";
	return r[0] == "1" ? normStatus(r[1], names) : r[1];
}

/* A watchdog: a child that runs \a fn after \a ms unless destroyed first.
 * It unblocks a call that mqfs would otherwise leave hanging (the rescue
 * shows up in the observations as a difference). */
struct Rescue {
	pid_t pid = -1;
	Rescue(long ms, const std::function<void()> &fn)
	{
		std::fflush(nullptr);
		pid = ::fork();
		if (pid == 0) {
			::prctl(PR_SET_PDEATHSIG, SIGKILL);
			sleepMs(ms);
			fn();
			::_exit(0);
		}
	}
	~Rescue()
	{
		if (pid > 0) {
			::kill(pid, SIGKILL);
			while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
			}
		}
	}
	Rescue(const Rescue &) = delete;
	Rescue &operator=(const Rescue &) = delete;
};

/* ---- signals ---- */

volatile sig_atomic_t gAlarms = 0;

extern "C" void onAlarm(int)
{
	gAlarms = gAlarms + 1;
}

extern "C" void onUnused(int)
{
}

void armTimerMs(long ms)
{
	struct itimerval it = {};
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	::setitimer(ITIMER_REAL, &it, nullptr);
}

/* In a forked child: every installed handler back to SIG_DFL, so that the
 * only handler is the one the scenario installs. */
void resetHandlers()
{
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct sigaction sa;
		if (::sigaction(sig, nullptr, &sa) < 0)
			continue;
		if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			::signal(sig, SIG_DFL);
	}
	sigset_t none;
	sigemptyset(&none);
	::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void installAlarm(bool restart)
{
	struct sigaction sa = {};
	sa.sa_handler = onAlarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	::sigaction(SIGALRM, &sa, nullptr);
	gAlarms = 0;
}

struct BlockSignal {
	int sig;
	sigset_t old;
	explicit BlockSignal(int s) : sig(s)
	{
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		::pthread_sigmask(SIG_BLOCK, &set, &old);
	}
	~BlockSignal()
	{
		/* Drop anything still pending before unblocking. */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		struct timespec zero = { 0, 0 };
		while (::sigtimedwait(&set, nullptr, &zero) > 0) {
		}
		::pthread_sigmask(SIG_SETMASK, &old, nullptr);
	}
};

std::string waitSig(int sig, long ms, const Names &names)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	siginfo_t si;
	std::memset(&si, 0, sizeof(si));
	int r;
	while ((r = ::sigtimedwait(&set, &si, &ts)) < 0 && errno == EINTR) {
	}
	if (r < 0)
		return "no signal (" + rc(r) + ")";
	auto it = names.find(si.si_pid);
	char b[300];
	std::snprintf(b, sizeof(b), "signo=%d code=%d errno=%d value=0x%lx pid={%s} uid=%u", si.si_signo, si.si_code,
		      si.si_errno, static_cast<unsigned long>(reinterpret_cast<std::uintptr_t>(si.si_value.sival_ptr)),
		      it != names.end() ? it->second.c_str() : ("unknown " + std::to_string(si.si_pid)).c_str(),
		      static_cast<unsigned>(si.si_uid));
	return b;
}

struct sigevent sevNone()
{
	struct sigevent e;
	std::memset(&e, 0, sizeof(e));
	e.sigev_notify = SIGEV_NONE;
	return e;
}

struct sigevent sevSignal(int signo, long value)
{
	struct sigevent e;
	std::memset(&e, 0, sizeof(e));
	e.sigev_notify = SIGEV_SIGNAL;
	e.sigev_signo = signo;
	e.sigev_value.sival_ptr = reinterpret_cast<void *>(value);
	return e;
}

/* Close every fd in the list at scope exit (the ones a scenario keeps). */
struct Fds {
	std::vector<int> v;
	int add(int fd)
	{
		if (fd >= 0)
			v.push_back(fd);
		return fd;
	}
	~Fds()
	{
		for (int fd : v)
			::close(fd);
	}
};

std::string closeStr(const Ops &ops, Fds &fds, int fd)
{
	auto it = std::find(fds.v.begin(), fds.v.end(), fd);
	if (it != fds.v.end())
		fds.v.erase(it);
	return rc(ops.close(fd));
}

} /* namespace */

/* ===================================================================== */
/* 1. Names                                                               */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client names: slash rules, dot names, 255/256/4096 bytes, odd bytes", "[client][names]")
{
	const std::vector<std::string> names = {
		"",	"abc",	  "/",	      "//a",	     "/a/b",
		"/a/",	"/.",	  "/..",      "/...",	     "/sp ace",
		"/tab\tnl\n", std::string("/\x80\xff", 3), "/" + std::string(255, 'n'), "/" + std::string(256, 'n'),
		"/" + std::string(4096, 'n'),
	};
	parityClient("names", [&names](const Side &s, const Ops &ops) {
		Obs o;
		const struct mq_attr a = mkattr(2, 16);
		for (const auto &n : names) {
			const std::string l = label(n);
			int fd = ops.open(n.c_str(), O_RDWR, 0, nullptr);
			o.push_back(Line() << l << " open: " << fdrc(fd));
			if (fd >= 0)
				ops.close(fd);
			fd = ops.open(n.c_str(), O_RDWR | O_CREAT, 0600, &a);
			o.push_back(Line() << l << " create: " << fdrc(fd));
			if (fd >= 0) {
				o.push_back(l + " getattr: " + getattrStr(ops, fd));
				ops.close(fd);
			}
			fd = ops.open(n.c_str(), O_RDONLY | O_CREAT | O_EXCL, 0600, nullptr);
			o.push_back(Line() << l << " create O_EXCL again: " << fdrc(fd));
			if (fd >= 0)
				ops.close(fd);
		}
		o.push_back("dir: " + listDir(s.root));
		for (const auto &n : names) {
			o.push_back(Line() << label(n) << " unlink: " << rc(ops.unlink(n.c_str())));
			o.push_back(Line() << label(n) << " unlink again: " << rc(ops.unlink(n.c_str())));
		}
		o.push_back("dir after: " + listDir(s.root));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client unlink: missing queue, sticky root (EPERM becomes EACCES), root 0755", "[client][names][unlink]")
{
	parityClient("unlink permissions", [](const Side &s, const Ops &ops) {
		Obs o;
		::umask(0);
		const struct mq_attr a = mkattr(2, 16);
		o.push_back("unlink missing: " + rc(ops.unlink("/missing")));
		int fd = ops.open("/st", O_RDWR | O_CREAT, 0666, &a);
		o.push_back("root creates /st 0666: " + fdrc(fd));
		if (fd >= 0)
			ops.close(fd);
		append(o, runAs(65534, [&ops] {
			       Obs c;
			       c.push_back("nobody unlink root's /st: " + rc(ops.unlink("/st")));
			       const struct mq_attr a2 = mkattr(2, 16);
			       int f = ops.open("/mine", O_RDWR | O_CREAT, 0600, &a2);
			       c.push_back("nobody create /mine: " + fdrc(f));
			       if (f >= 0)
				       ops.close(f);
			       c.push_back("nobody unlink own /mine: " + rc(ops.unlink("/mine")));
			       f = ops.open("/mine2", O_RDWR | O_CREAT, 0600, &a2);
			       c.push_back("nobody create /mine2: " + fdrc(f));
			       if (f >= 0)
				       ops.close(f);
			       return c;
		       }),
		       "[65534] ");
		o.push_back("/st: " + modeOf(s.q("st")));
		o.push_back("/mine2: " + modeOf(s.q("mine2")));
		o.push_back("root unlink nobody's /mine2: " + rc(ops.unlink("/mine2")));
		o.push_back("chmod root 0755: " + rc(::chmod(s.root.c_str(), 0755)));
		fd = ops.open("/own", O_RDWR | O_CREAT, 0666, &a);
		o.push_back("root creates /own: " + fdrc(fd));
		if (fd >= 0)
			ops.close(fd);
		::chown(s.q("own").c_str(), 65534, 65534);
		append(o, runAs(65534, [&ops] {
			       Obs c;
			       const struct mq_attr a2 = mkattr(2, 16);
			       int f = ops.open("/x", O_RDWR | O_CREAT, 0600, &a2);
			       c.push_back("nobody create under 0755: " + fdrc(f));
			       if (f >= 0)
				       ops.close(f);
			       c.push_back("nobody unlink own /own under 0755: " + rc(ops.unlink("/own")));
			       f = ops.open("/st", O_RDWR, 0, nullptr);
			       c.push_back("nobody open existing /st O_RDWR: " + fdrc(f));
			       if (f >= 0)
				       ops.close(f);
			       return c;
		       }),
		       "[65534] ");
		o.push_back("chmod root 01777: " + rc(::chmod(s.root.c_str(), 01777)));
		o.push_back("unlink /st: " + rc(ops.unlink("/st")));
		o.push_back("unlink /own: " + rc(ops.unlink("/own")));
		o.push_back("unlink /st again: " + rc(ops.unlink("/st")));
		o.push_back("dir: " + listDir(s.root, false));
		return o;
	});
}

/* ===================================================================== */
/* 2. mq_open                                                             */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client open: O_CREAT/O_EXCL, ENOENT, access mode 3, always FD_CLOEXEC", "[client][open]")
{
	parityClient("open flags", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(4, 32);
		auto tryOpen = [&](const std::string &what, const char *n, int fl, const struct mq_attr *at) {
			int fd = ops.open(n, fl, 0600, at);
			std::string r = fdrc(fd);
			if (fd >= 0) {
				r += " " + getattrStr(ops, fd) + " " + fdFlags(fd);
				ops.close(fd);
			}
			o.push_back(what + ": " + r);
		};
		tryOpen("missing O_RDWR", "/q", O_RDWR, nullptr);
		tryOpen("missing O_RDWR|O_EXCL", "/q", O_RDWR | O_EXCL, nullptr);
		tryOpen("missing mode 3", "/q", O_ACCMODE, nullptr);
		int q = fds.add(ops.open("/q", O_RDWR | O_CREAT | O_EXCL, 0600, &a));
		o.push_back("create O_EXCL: " + fdrc(q) + " " + getattrStr(ops, q));
		tryOpen("existing O_CREAT|O_EXCL", "/q", O_RDWR | O_CREAT | O_EXCL, &a);
		tryOpen("existing O_EXCL without O_CREAT", "/q", O_RDWR | O_EXCL, nullptr);
		tryOpen("existing O_CREAT", "/q", O_RDWR | O_CREAT, &a);
		tryOpen("existing mode 3", "/q", O_ACCMODE, nullptr);
		tryOpen("existing mode 3|O_NONBLOCK", "/q", O_ACCMODE | O_NONBLOCK, nullptr);
		tryOpen("existing mode 3|O_CREAT", "/q", O_ACCMODE | O_CREAT, &a);
		tryOpen("existing mode 3|O_CREAT|O_EXCL", "/q", O_ACCMODE | O_CREAT | O_EXCL, &a);

		/* Access mode 3 with O_CREAT on a new queue: created, fd with neither read nor write. */
		int m3 = fds.add(ops.open("/m3", O_ACCMODE | O_CREAT, 0600, &a));
		o.push_back("new queue, mode 3|O_CREAT: " + fdrc(m3));
		o.push_back("  /m3 exists: " + modeOf(s.q("m3")));
		o.push_back("  send on mode-3 fd: " + sendStr(ops, m3, "x", 0));
		o.push_back("  receive on mode-3 fd: " + recvStr(ops, m3, 32));
		o.push_back("  getattr on mode-3 fd: " + getattrStr(ops, m3));
		const struct mq_attr nb = mkattr(0, 0, O_NONBLOCK);
		o.push_back("  setattr O_NONBLOCK on mode-3 fd: " + rc(ops.setattr(m3, &nb, nullptr)));
		o.push_back("  getattr: " + getattrStr(ops, m3));
		o.push_back("  poll empty: " + pollBits(m3));
		int w = fds.add(ops.open("/m3", O_WRONLY, 0, nullptr));
		o.push_back("  open /m3 O_WRONLY: " + fdrc(w));
		o.push_back("  send via it: " + sendStr(ops, w, "x", 0));
		o.push_back("  poll mode-3 fd with a message: " + pollBits(m3));
		struct sigevent none = sevNone();
		o.push_back("  notify NONE on mode-3 fd: " + rc(ops.notify(m3, &none)));
		o.push_back("  notify NULL on mode-3 fd: " + rc(ops.notify(m3, nullptr)));
		o.push_back("  status: " + statusSelf(s, "/m3"));

		/* Close-on-exec: always, whatever the flags; dup clears it. */
		for (int fl : { O_RDONLY, O_WRONLY | O_NONBLOCK, O_RDWR | O_CLOEXEC, O_RDWR | O_CREAT }) {
			int fd = ops.open("/q", fl, 0600, &a);
			std::string r = fdrc(fd);
			if (fd >= 0) {
				r += " cloexec=" + std::to_string(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
				int d = ::dup(fd);
				r += " dup: cloexec=" + std::to_string(::fcntl(d, F_GETFD) & FD_CLOEXEC);
				::close(d);
				ops.close(fd);
			}
			o.push_back("flags 0" + [fl] {
				char b[16];
				std::snprintf(b, sizeof(b), "%o", fl);
				return std::string(b);
			}() + ": " + r);
		}
		o.push_back("close q: " + closeStr(ops, fds, q));
		o.push_back("close m3: " + closeStr(ops, fds, m3));
		o.push_back("close w: " + closeStr(ops, fds, w));
		o.push_back("unlink /q: " + rc(ops.unlink("/q")));
		o.push_back("unlink /m3: " + rc(ops.unlink("/m3")));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client open: O_PATH, O_TRUNC, and which flags F_GETFL shows (O_APPEND, O_CLOEXEC, O_DIRECTORY)", "[client][open][open-other]")
{
	parityClient("open other flags", [](const Side &side, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(4, 32);
		int q = fds.add(ops.open("/q", O_RDWR | O_CREAT, 0600, &a));
		o.push_back("create: " + fdrc(q));
		o.push_back("send keep: " + sendStr(ops, q, "keep", 1));
		int p = ops.open("/q", O_PATH, 0, nullptr);
		o.push_back("O_PATH: " + fdrc(p));
		if (p >= 0) {
			o.push_back("  send: " + sendStr(ops, p, "x", 0));
			o.push_back("  receive: " + recvStr(ops, p, 32));
			o.push_back("  getattr: " + getattrStr(ops, p));
			struct sigevent none = sevNone();
			o.push_back("  notify: " + rc(ops.notify(p, &none)));
			o.push_back("  close: " + rc(ops.close(p)));
		}
		int t = ops.open("/q", O_RDWR | O_TRUNC, 0, nullptr);
		o.push_back("O_TRUNC: " + fdrc(t));
		if (t >= 0) {
			o.push_back("  getattr: " + getattrStr(ops, t) + " " + fdFlags(t));
			ops.close(t);
		}
		int ap = ops.open("/q", O_RDWR | O_APPEND, 0, nullptr);
		o.push_back("O_APPEND: " + fdrc(ap));
		if (ap >= 0) {
			o.push_back("  " + fdFlags(ap));
			ops.close(ap);
		}
		/* A documented difference: mq_open() keeps O_CLOEXEC and
		 * O_DIRECTORY in the file's flags, an fd from open(2) (which libmqfs
		 * uses) never shows them. Compared without those bits, and each
		 * side's bits asserted. */
		auto flagsAsDesigned = [&side](int fd, int bit) {
			const int fl = ::fcntl(fd, F_GETFL);
			const bool shown = fl >= 0 && (fl & bit);
			return std::string(shown == side.kernel ? "as designed" : "NOT as designed");
		};
		int ce = ops.open("/q", O_RDWR | O_CLOEXEC, 0, nullptr);
		o.push_back("O_CLOEXEC: " + fdrc(ce));
		if (ce >= 0) {
			o.push_back("  " + fdFlagsWithout(ce, O_CLOEXEC) + ", O_CLOEXEC in F_GETFL " +
				    flagsAsDesigned(ce, O_CLOEXEC));
			ops.close(ce);
		}
		int dir = ops.open("/q", O_RDONLY | O_DIRECTORY, 0, nullptr);
		o.push_back("O_DIRECTORY: " + fdrc(dir));
		if (dir >= 0) {
			o.push_back("  " + fdFlagsWithout(dir, O_DIRECTORY) + " " + getattrStr(ops, dir) +
				    ", O_DIRECTORY in F_GETFL " + flagsAsDesigned(dir, O_DIRECTORY));
			ops.close(dir);
		}
		o.push_back("receive: " + recvStr(ops, q, 32));
		o.push_back("close: " + closeStr(ops, fds, q));
		o.push_back("unlink: " + rc(ops.unlink("/q")));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client open: NULL attr is min(max, default) of the sysctls", "[client][open][attr]")
{
	parityClient("attr defaults", [](const Side &s, const Ops &ops) {
		Obs o;
		auto make = [&](const char *n) {
			int fd = ops.open(n, O_RDWR | O_CREAT | O_EXCL, 0600, nullptr);
			std::string r = fdrc(fd);
			if (fd >= 0) {
				r += " " + getattrStr(ops, fd);
				ops.close(fd);
			}
			o.push_back(std::string(n) + " NULL attr: " + r);
			o.push_back(std::string(n) + " unlink: " + rc(ops.unlink(n)));
		};
		make("/d0");
		o.push_back(setSys(s, "msg_default", 20));
		o.push_back(setSys(s, "msgsize_default", 100000));
		make("/d1"); /* 10 x 8192 */
		o.push_back(setSys(s, "msg_max", 50));
		o.push_back(setSys(s, "msgsize_max", 200000));
		o.push_back(setSys(s, "msgsize_default", 30000));
		make("/d2"); /* 20 x 30000 */
		o.push_back(setSys(s, "msg_default", 5));
		o.push_back(setSys(s, "msgsize_default", 300));
		make("/d3"); /* 5 x 300 */
		o.push_back(setSys(s, "msg_default", 30));
		o.push_back(setSys(s, "msgsize_default", 40000));
		make("/d4"); /* 30 x 40000 = 1.2 MB: over RLIMIT_MSGQUEUE (819200) */
		o.push_back(setSys(s, "msg_max", 10));
		o.push_back(setSys(s, "msgsize_max", 8192));
		o.push_back(setSys(s, "msg_default", 10));
		o.push_back(setSys(s, "msgsize_default", 8192));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client open: attr EINVAL cases, flags/curmsgs ignored, attr ignored for an existing queue",
		 "[client][open][attr]")
{
	parityClient("attr validation", [](const Side &s, const Ops &ops) {
		Obs o;
		const struct mq_attr cases[] = {
			mkattr(0, 8192),  mkattr(10, 0),      mkattr(-1, 8192), mkattr(10, -1),
			mkattr(11, 8192), mkattr(10, 8193),   mkattr(LONG_MAX, 1), mkattr(1, LONG_MAX),
			mkattr(1, 1),	  mkattr(10, 8192),  mkattr(1, 8192),  mkattr(3, 100, O_NONBLOCK, 7),
			mkattr(2, 64, -1, -1),
		};
		for (const auto &a : cases) {
			int fd = ops.open("/a", O_RDWR | O_CREAT | O_EXCL, 0600, &a);
			std::string r = fdrc(fd);
			if (fd >= 0) {
				r += " " + getattrStr(ops, fd);
				ops.close(fd);
				ops.unlink("/a");
			}
			o.push_back("create with " + attrStr(a) + ": " + r);
		}
		o.push_back(setSys(s, "msg_max", 20));
		o.push_back(setSys(s, "msgsize_max", 10000));
		for (const auto &a : { mkattr(20, 8192), mkattr(21, 8192), mkattr(10, 10000), mkattr(10, 10001) }) {
			int fd = ops.open("/a", O_RDWR | O_CREAT | O_EXCL, 0600, &a);
			std::string r = fdrc(fd);
			if (fd >= 0) {
				r += " " + getattrStr(ops, fd);
				ops.close(fd);
				ops.unlink("/a");
			}
			o.push_back("raised limits, create with " + attrStr(a) + ": " + r);
		}
		o.push_back(setSys(s, "msg_max", 10));
		o.push_back(setSys(s, "msgsize_max", 8192));
		const struct mq_attr e = mkattr(3, 100);
		int q = ops.open("/e", O_RDWR | O_CREAT | O_EXCL, 0600, &e);
		o.push_back("create /e 3x100: " + fdrc(q));
		for (const auto &a : { mkattr(0, 0), mkattr(100, 100000), mkattr(-5, 1) }) {
			int fd = ops.open("/e", O_RDWR | O_CREAT, 0600, &a);
			std::string r = fdrc(fd);
			if (fd >= 0) {
				r += " " + getattrStr(ops, fd);
				ops.close(fd);
			}
			o.push_back("existing /e, O_CREAT with " + attrStr(a) + ": " + r);
			fd = ops.open("/e", O_RDWR | O_CREAT | O_EXCL, 0600, &a);
			o.push_back("existing /e, O_CREAT|O_EXCL with it: " + fdrc(fd));
			if (fd >= 0)
				ops.close(fd);
		}
		if (q >= 0)
			ops.close(q);
		o.push_back("unlink /e: " + rc(ops.unlink("/e")));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client open: mode & ~umask, setuid/setgid/sticky kept, owner, permission checks",
		 "[client][open][mode]")
{
	parityClient("mode and umask", [](const Side &s, const Ops &ops) {
		Obs o;
		const struct mq_attr a = mkattr(2, 16);
		struct Case {
			const char *name;
			mode_t umask;
			mode_t mode;
		};
		const Case cases[] = {
			{ "/u1", 077, 0666 }, { "/u2", 0, 07777 }, { "/u3", 022, 0777 },
			{ "/u4", 022, S_IFDIR | 0644 }, { "/u5", 0, 0 }, { "/u6", 027, 0666 },
		};
		for (const auto &c : cases) {
			::umask(c.umask);
			int fd = ops.open(c.name, O_RDWR | O_CREAT, c.mode, &a);
			o.push_back(Line() << c.name << " umask 0" << [&c] {
				char b[40];
				std::snprintf(b, sizeof(b), "%o mode 0%o", c.umask, c.mode);
				return std::string(b);
			}() << ": " << fdrc(fd) << " " << modeOf(s.q(c.name + 1)));
			if (fd >= 0)
				ops.close(fd);
		}
		::umask(022);
		int fd = ops.open("/u5", O_RDWR, 0, nullptr);
		o.push_back("root opens mode-0 /u5 O_RDWR: " + fdrc(fd));
		if (fd >= 0)
			ops.close(fd);
		append(o, runAs(65534, [&ops] {
			       Obs c;
			       ::umask(0);
			       const struct mq_attr a2 = mkattr(2, 16);
			       int f = ops.open("/n1", O_RDWR | O_CREAT, 0640, &a2);
			       c.push_back("nobody creates /n1 0640: " + fdrc(f));
			       if (f >= 0)
				       ops.close(f);
			       for (const char *n : { "/u5", "/u1", "/u3", "/u6" }) {
				       for (int fl : { O_RDONLY, O_WRONLY, O_RDWR }) {
					       f = ops.open(n, fl, 0, nullptr);
					       c.push_back(Line() << "nobody opens " << n << " acc " << std::to_string(fl)
								  << ": " << fdrc(f));
					       if (f >= 0)
						       ops.close(f);
				       }
			       }
			       return c;
		       }),
		       "[65534] ");
		o.push_back("/n1: " + modeOf(s.q("n1")));
		for (const char *n : { "/u1", "/u2", "/u3", "/u4", "/u5", "/u6", "/n1" })
			ops.unlink(n);
		o.push_back("dir: " + listDir(s.root, false));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client open: queues_max ENOSPC before attr EINVAL, existing opens fine, unlinked-but-open counts",
		 "[client][open][limits]")
{
	parityClient("queues_max", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(1, 1);
		const struct mq_attr bad = mkattr(0, 0);
		o.push_back(setSys(s, "queues_max", 2));
		int n1 = fds.add(ops.open("/n1", O_RDWR | O_CREAT, 0600, &a));
		o.push_back("/n1: " + fdrc(n1));
		int n2 = fds.add(ops.open("/n2", O_RDWR | O_CREAT, 0600, &a));
		o.push_back("/n2: " + fdrc(n2));
		auto try3 = [&](const std::string &what, const char *n, int fl, const struct mq_attr *at) {
			int fd = ops.open(n, fl, 0600, at);
			o.push_back(what + ": " + fdrc(fd));
			if (fd >= 0) {
				ops.close(fd);
			}
		};
		try3("/n3 1x1 at the limit", "/n3", O_RDWR | O_CREAT, &a);
		try3("/n3 bad attr at the limit", "/n3", O_RDWR | O_CREAT, &bad);
		try3("/n3 NULL attr at the limit", "/n3", O_RDWR | O_CREAT, nullptr);
		try3("/n3 mode 3 at the limit", "/n3", O_ACCMODE | O_CREAT, &a);
		try3("existing /n1 O_CREAT at the limit", "/n1", O_RDWR | O_CREAT, &a);
		try3("existing /n1 at the limit", "/n1", O_RDONLY, nullptr);
		o.push_back("unlink /n1 (still open): " + rc(ops.unlink("/n1")));
		try3("/n3 while /n1 is unlinked but open", "/n3", O_RDWR | O_CREAT, &a);
		o.push_back("close /n1: " + closeStr(ops, fds, n1));
		int n3 = fds.add(ops.open("/n3", O_RDWR | O_CREAT, 0600, &a));
		o.push_back("/n3 right after the last close of /n1: " + fdrc(n3));
		o.push_back(setSys(s, "queues_max", 0));
		try3("/n4 queues_max 0", "/n4", O_RDWR | O_CREAT, &a);
		o.push_back(setSys(s, "queues_max", -1));
		try3("/n4 queues_max -1", "/n4", O_RDWR | O_CREAT, &a);
		o.push_back(setSys(s, "queues_max", 256));
		for (const char *n : { "/n2", "/n3", "/n4" })
			o.push_back(std::string("unlink ") + n + ": " + rc(ops.unlink(n)));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client open: RLIMIT_MSGQUEUE gives EMFILE (lowered limit in a child; the default limit)",
		 "[client][open][limits][rlimit]")
{
	parityClient("rlimit", [](const Side &, const Ops &ops) {
		Obs o;
		/* One default queue (82880 bytes) and two 1x1 (97 each) fit exactly. */
		append(o, inChild([&ops] {
			       Obs c;
			       const rlim_t lim = 82880 + 97 + 97;
			       struct rlimit rl = { lim, lim };
			       c.push_back("setrlimit: " + rc(::setrlimit(RLIMIT_MSGQUEUE, &rl)));
			       const struct mq_attr one = mkattr(1, 1);
			       const struct mq_attr bad = mkattr(0, 1);
			       Fds fds;
			       int r1 = fds.add(ops.open("/r1", O_RDWR | O_CREAT, 0600, nullptr));
			       c.push_back("/r1 default: " + fdrc(r1));
			       int r2 = fds.add(ops.open("/r2", O_RDWR | O_CREAT, 0600, &one));
			       c.push_back("/r2 1x1: " + fdrc(r2));
			       int r3 = fds.add(ops.open("/r3", O_RDWR | O_CREAT, 0600, &one));
			       c.push_back("/r3 1x1: " + fdrc(r3));
			       auto tryOne = [&](const std::string &what, const struct mq_attr *at) {
				       int f = ops.open("/r4", O_RDWR | O_CREAT, 0600, at);
				       c.push_back(what + ": " + fdrc(f));
				       if (f >= 0) {
					       ops.close(f);
					       ops.unlink("/r4");
				       }
			       };
			       tryOne("/r4 1x1 over the limit", &one);
			       tryOne("/r4 bad attr over the limit", &bad);
			       int e = ops.open("/r1", O_RDWR | O_CREAT, 0600, nullptr);
			       c.push_back("existing /r1 O_CREAT: " + fdrc(e));
			       if (e >= 0)
				       ops.close(e);
			       c.push_back("unlink /r2 (open): " + rc(ops.unlink("/r2")));
			       tryOne("/r4 while /r2 is unlinked but open", &one);
			       c.push_back("close /r2: " + closeStr(ops, fds, r2));
			       tryOne("/r4 right after the last close of /r2", &one);
			       for (int fd : { r1, r3 })
				       closeStr(ops, fds, fd);
			       ops.unlink("/r1");
			       ops.unlink("/r3");
			       return c;
		       }),
		       "[child, lowered limit] ");
		/* The default 819200: exactly nine default queues. */
		append(o, inChild([&ops] {
			       Obs c;
			       Fds fds;
			       for (int i = 0; i < 10; i++) {
				       const std::string n = "/d" + std::to_string(i);
				       int fd = fds.add(ops.open(n.c_str(), O_RDWR | O_CREAT, 0600, nullptr));
				       c.push_back(n + " default attr: " + fdrc(fd));
			       }
			       /* 819200 - 9 x 82880 = 73280 = 10 x (96 + 7232) */
			       const struct mq_attr rest = mkattr(10, 7232);
			       const struct mq_attr over = mkattr(10, 7233);
			       int fd = fds.add(ops.open("/rest", O_RDWR | O_CREAT, 0600, &over));
			       c.push_back("10 bytes too many: " + fdrc(fd));
			       ops.unlink("/rest");
			       fd = fds.add(ops.open("/rest", O_RDWR | O_CREAT, 0600, &rest));
			       c.push_back("exactly the rest of 819200: " + fdrc(fd));
			       for (int i = 0; i < 10; i++)
				       ops.unlink(("/d" + std::to_string(i)).c_str());
			       ops.unlink("/rest");
			       return c;
		       }),
		       "[child, default limit] ");
		return o;
	});
}

/* ===================================================================== */
/* 3. Sending and receiving                                               */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client send/receive: error precedence (timeout, prio, EBADF, EMSGSIZE, EAGAIN)", "[client][send]")
{
	parityClient("send/receive precedence", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(2, 64);
		int q = fds.add(ops.open("/e", O_RDWR | O_CREAT, 0600, &a));
		int r = fds.add(ops.open("/e", O_RDONLY, 0, nullptr));
		int w = fds.add(ops.open("/e", O_WRONLY, 0, nullptr));
		int nb = fds.add(ops.open("/e", O_RDWR | O_NONBLOCK, 0, nullptr));
		o.push_back("opens: " + fdrc(q) + " " + fdrc(r) + " " + fdrc(w) + " " + fdrc(nb));
		const struct timespec bads[] = { { 0, 1000000000L }, { -1, 0 }, { 0, -1 }, { -5, 2000000000L } };
		for (const auto &t : bads) {
			const std::string l = "timeout {" + std::to_string(t.tv_sec) + "," + std::to_string(t.tv_nsec) + "} ";
			o.push_back(l + "timedsend w (space): " + tsendStr(ops, w, "x", 0, t));
			o.push_back(l + "timedsend O_NONBLOCK: " + tsendStr(ops, nb, "x", 0, t));
			o.push_back(l + "timedsend fd -1: " + tsendStr(ops, -1, "x", 0, t));
			o.push_back(l + "timedsend O_RDONLY fd: " + tsendStr(ops, r, "x", 0, t));
			o.push_back(l + "timedsend prio 32768: " + tsendStr(ops, w, "x", 32768, t));
			o.push_back(l + "timedsend too long: " + tsendStr(ops, w, std::string(65, 'L'), 0, t));
			o.push_back(l + "timedreceive r (empty): " + trecvStr(ops, r, 64, t));
			o.push_back(l + "timedreceive O_NONBLOCK: " + trecvStr(ops, nb, 64, t));
			o.push_back(l + "timedreceive fd -1: " + trecvStr(ops, -1, 64, t));
			o.push_back(l + "timedreceive small buffer: " + trecvStr(ops, r, 1, t));
			o.push_back(l + "timedreceive O_WRONLY fd: " + trecvStr(ops, w, 64, t));
		}
		o.push_back("send fd -1 prio 32768: " + sendStr(ops, -1, "x", 32768));
		o.push_back("send fd -1 prio UINT_MAX: " + sendStr(ops, -1, "x", UINT_MAX));
		o.push_back("send O_RDONLY fd prio 32768: " + sendStr(ops, r, "x", 32768));
		o.push_back("send too long prio 32768: " + sendStr(ops, w, std::string(100, 'L'), 32768));
		o.push_back("send fd -1 prio 32767: " + sendStr(ops, -1, "x", 32767));
		o.push_back("send O_RDONLY fd too long: " + sendStr(ops, r, std::string(65, 'L'), 0));
		o.push_back("send too long: " + sendStr(ops, w, std::string(65, 'L'), 0));
		o.push_back("send 64 bytes prio 32767: " + sendStr(ops, w, std::string(64, 'M'), 32767));
		o.push_back("send 0 bytes: " + sendStr(ops, w, "", 0));
		o.push_back("getattr (full): " + getattrStr(ops, q));
		o.push_back("send O_NONBLOCK full: " + sendStr(ops, nb, "x", 0));
		o.push_back("send O_NONBLOCK full too long: " + sendStr(ops, nb, std::string(65, 'L'), 0));
		o.push_back("receive O_WRONLY fd: " + recvStr(ops, w, 64));
		o.push_back("receive O_WRONLY fd small buffer: " + recvStr(ops, w, 1));
		o.push_back("receive small buffer (full queue): " + recvStr(ops, r, 63));
		o.push_back("getattr (still full): " + getattrStr(ops, q));
		o.push_back("receive fd -1: " + recvStr(ops, -1, 64));
		o.push_back("receive buflen SIZE_MAX: " + recvWith(ops, r, SIZE_MAX, nullptr, false, 1 << 20));
		o.push_back("receive NULL prio pointer: " + recvWith(ops, r, 64, nullptr, false, 0, false));
		o.push_back("receive small buffer, empty O_NONBLOCK: " + recvStr(ops, nb, 63));
		o.push_back("receive buffer 0, empty O_NONBLOCK: " + recvStr(ops, nb, 0));
		o.push_back("receive empty O_NONBLOCK: " + recvStr(ops, nb, 64));
		o.push_back("status: " + statusSelf(s, "/e"));

		/* Descriptors that are not message queues. */
		int p[2];
		::pipe2(p, O_CLOEXEC);
		int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
		int devzero = ::open("/dev/zero", O_RDWR | O_CLOEXEC);
		int dir = ::open(s.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		const std::pair<const char *, int> others[] = {
			{ "pipe read end", p[0] }, { "pipe write end", p[1] }, { "/dev/null", devnull },
			{ "/dev/zero", devzero },  { "queue root directory", dir },
		};
		for (const auto &[what, fd] : others) {
			const std::string l = std::string(what) + ": ";
			o.push_back(l + "send " + sendStr(ops, fd, "x", 0));
			o.push_back(l + "receive " + recvStr(ops, fd, 64));
			o.push_back(l + "getattr " + getattrStr(ops, fd));
			const struct mq_attr zero = mkattr(0, 0);
			o.push_back(l + "setattr " + rc(ops.setattr(fd, &zero, nullptr)));
			struct sigevent none = sevNone();
			o.push_back(l + "notify " + rc(ops.notify(fd, &none)));
		}
		for (int fd : { p[0], p[1], devnull, devzero, dir })
			::close(fd);
		for (int fd : { q, r, w, nb })
			closeStr(ops, fds, fd);
		o.push_back("unlink: " + rc(ops.unlink("/e")));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client send/receive: priority order, zero-length messages, QSIZE, EAGAIN", "[client][send]")
{
	parityClient("priority order", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(10, 32);
		int q = fds.add(ops.open("/p", O_RDWR | O_CREAT, 0600, &a));
		const std::pair<unsigned, const char *> msgs[] = {
			{ 1, "one" }, { 5, "five-a" }, { 3, "three" }, { 5, "five-b" }, { 0, "zero" }, { 32767, "max" }, { 5, "five-c" },
		};
		for (const auto &[pr, m] : msgs)
			o.push_back(Line() << "send " << m << " prio " << std::to_string(pr) << ": " << sendStr(ops, q, m, pr));
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("status: " + statusSelf(s, "/p"));
		for (size_t i = 0; i < 8; i++) {
			int nb = ops.open("/p", O_RDONLY | O_NONBLOCK, 0, nullptr);
			o.push_back("receive: " + recvStr(ops, nb, 32));
			ops.close(nb);
		}
		o.push_back("send zero-length prio 9: " + sendStr(ops, q, "", 9));
		o.push_back("send zero-length prio 9 again: " + sendStr(ops, q, "", 9));
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("status: " + statusSelf(s, "/p"));
		o.push_back("receive: " + recvStr(ops, q, 32));
		o.push_back("receive NULL prio: " + recvWith(ops, q, 32, nullptr, false, 0, false));
		o.push_back("status: " + statusSelf(s, "/p"));
		/* EAGAIN both ways on a 2-message queue. */
		const struct mq_attr two = mkattr(2, 8);
		int f = fds.add(ops.open("/f", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &two));
		o.push_back("receive empty: " + recvStr(ops, f, 8));
		o.push_back("send 1: " + sendStr(ops, f, "12345678", 1));
		o.push_back("send 2: " + sendStr(ops, f, "abc", 2));
		o.push_back("send 3 (full): " + sendStr(ops, f, "x", 3));
		o.push_back("getattr: " + getattrStr(ops, f));
		o.push_back("status: " + statusSelf(s, "/f"));
		o.push_back("receive: " + recvStr(ops, f, 8));
		o.push_back("receive: " + recvStr(ops, f, 8));
		o.push_back("receive (empty): " + recvStr(ops, f, 8));
		for (int fd : { q, f })
			closeStr(ops, fds, fd);
		ops.unlink("/p");
		ops.unlink("/f");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client timed: ETIMEDOUT at the deadline, past deadlines only when the call must wait",
		 "[client][send][timed]")
{
	parityClient("timed calls", [](const Side &, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(1, 16);
		int q = fds.add(ops.open("/t", O_RDWR | O_CREAT, 0600, &a));
		int nb = fds.add(ops.open("/t", O_RDWR | O_NONBLOCK, 0, nullptr));
		const struct timespec zero = { 0, 0 };
		const struct timespec never = { LONG_MAX, 0 };
		{
			Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
			struct timespec dl = addMs(nowClock(), 250);
			std::string r = trecvStr(ops, q, 16, dl);
			o.push_back("timedreceive, empty, +250 ms: " + r + ", " + lateness(dl));
		}
		o.push_back("timedreceive, empty, {0,0}: " + trecvStr(ops, q, 16, zero));
		o.push_back("timedreceive, empty, CLOCK_MONOTONIC now: " + trecvStr(ops, q, 16, nowClock(CLOCK_MONOTONIC)));
		{
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			std::string r = trecvStr(ops, nb, 16, addMs(nowClock(), 2000));
			o.push_back("timedreceive O_NONBLOCK, empty, +2 s: " + r + ", " + waited(t0, 1000));
		}
		o.push_back("timedsend {0,0} with space: " + tsendStr(ops, q, "a", 1, zero));
		o.push_back("timedsend {0,0} full: " + tsendStr(ops, q, "b", 1, zero));
		o.push_back("timedsend CLOCK_MONOTONIC now, full: " + tsendStr(ops, q, "b", 1, nowClock(CLOCK_MONOTONIC)));
		{
			Rescue rescue(5000, [&ops, q] {
				char b[16];
				ops.receive(q, b, 16, nullptr);
			});
			struct timespec dl = addMs(nowClock(), 250);
			std::string r = tsendStr(ops, q, "c", 1, dl);
			o.push_back("timedsend full, +250 ms: " + r + ", " + lateness(dl));
		}
		{
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			std::string r = tsendStr(ops, nb, "c", 1, addMs(nowClock(), 2000));
			o.push_back("timedsend O_NONBLOCK full, +2 s: " + r + ", " + waited(t0, 1000));
		}
		o.push_back("timedreceive {0,0} with a message: " + trecvStr(ops, q, 16, zero));
		o.push_back("timedsend far future {LONG_MAX,0}: " + tsendStr(ops, q, "d", 2, never));
		o.push_back("timedreceive far future: " + trecvStr(ops, q, 16, never));
		o.push_back("getattr: " + getattrStr(ops, q));
		for (int fd : { q, nb })
			closeStr(ops, fds, fd);
		ops.unlink("/t");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client blocking: a receive woken by a forked sender, a blocked sender admitted by a receive",
		 "[client][send][blocking]")
{
	parityClient("blocking calls", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(1, 16);
		int q = fds.add(ops.open("/b", O_RDWR | O_CREAT, 0600, &a));
		Names names{ { ::getpid(), "self" } };
		{
			Kid k = startKid([&ops, q] {
				sleepMs(200);
				return Obs{ "child send: " + sendStr(ops, q, "wake", 7) };
			});
			Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			std::string r = recvStr(ops, q, 16);
			o.push_back("blocking receive: " + r + ", " + waited(t0, 150));
			append(o, joinKid(k));
		}
		o.push_back("getattr after the hand-off: " + getattrStr(ops, q));
		o.push_back("status: " + statusSelf(s, "/b"));
		o.push_back("send x: " + sendStr(ops, q, "x", 1));
		{
			Kid k = startKid([&ops, q] {
				struct timespec t0 = nowClock(CLOCK_MONOTONIC);
				std::string r = sendStr(ops, q, "y", 3);
				return Obs{ "child blocking send: " + r + ", " + waited(t0, 150) };
			});
			Rescue rescue(5000, [&ops, q] {
				char b[16];
				ops.receive(q, b, 16, nullptr);
			});
			sleepMs(250);
			o.push_back("getattr with a blocked sender: " + getattrStr(ops, q));
			o.push_back("status with a blocked sender: " + statusPeek(s, "/b", names));
			o.push_back("receive: " + recvStr(ops, q, 16));
			append(o, joinKid(k));
		}
		o.push_back("getattr after admission: " + getattrStr(ops, q));
		o.push_back("status: " + statusSelf(s, "/b"));
		o.push_back("receive: " + recvStr(ops, q, 16));
		closeStr(ops, fds, q);
		ops.unlink("/b");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client signals: a handler without SA_RESTART interrupts blocked calls with EINTR",
		 "[client][send][signals]")
{
	parityClient("EINTR", [](const Side &, const Ops &ops) {
		return inChild([&ops] {
			Obs o;
			resetHandlers();
			installAlarm(false);
			const struct mq_attr a = mkattr(1, 16);
			int q = ops.open("/i", O_RDWR | O_CREAT, 0600, &a);
			o.push_back("open: " + fdrc(q));
			{
				Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
				armTimerMs(150);
				struct timespec t0 = nowClock(CLOCK_MONOTONIC);
				std::string r = recvStr(ops, q, 16);
				o.push_back("blocking receive, SIGALRM at 150 ms: " + r + ", " + waited(t0, 100) +
					    ", handler ran " + std::to_string(gAlarms));
			}
			gAlarms = 0;
			{
				Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
				armTimerMs(150);
				struct timespec dl = addMs(nowClock(), 3000);
				struct timespec t0 = nowClock(CLOCK_MONOTONIC);
				std::string r = trecvStr(ops, q, 16, dl);
				o.push_back("timedreceive +3 s, SIGALRM at 150 ms: " + r + ", " + waited(t0, 100) +
					    (diffUs(t0, nowClock(CLOCK_MONOTONIC)) < 2000000 ? ", before the deadline" : ", AT THE DEADLINE") +
					    ", handler ran " + std::to_string(gAlarms));
			}
			o.push_back("send x: " + sendNow(ops, q, "x", 0));
			gAlarms = 0;
			{
				Rescue rescue(5000, [&ops, q] {
					char b[16];
					ops.receive(q, b, 16, nullptr);
				});
				armTimerMs(150);
				struct timespec t0 = nowClock(CLOCK_MONOTONIC);
				std::string r = sendStr(ops, q, "y", 0);
				o.push_back("blocking send (full), SIGALRM at 150 ms: " + r + ", " + waited(t0, 100) +
					    ", handler ran " + std::to_string(gAlarms));
			}
			o.push_back("getattr: " + getattrStr(ops, q));
			o.push_back("receive: " + recvNow(ops, q, 16));
			ops.close(q);
			ops.unlink("/i");
			return o;
		});
	});
}

namespace {

/* The SA_RESTART checks, run in a child whose only handlers are SIGALRM's
 * (SA_RESTART) and, with \a otherHandler, a never-raised SIGUSR2 handler
 * without SA_RESTART (the kernel looks only at the handler of the signal
 * that came). */
Obs restartScenario(const Ops &ops, bool otherHandler)
{
	return inChild([&ops, otherHandler] {
		Obs o;
		resetHandlers();
		installAlarm(true);
		if (otherHandler) {
			struct sigaction sa = {};
			sa.sa_handler = onUnused;
			sigemptyset(&sa.sa_mask);
			sa.sa_flags = 0;
			::sigaction(SIGUSR2, &sa, nullptr);
		}
		const struct mq_attr a = mkattr(1, 16);
		int q = ops.open("/sr", O_RDWR | O_CREAT, 0600, &a);
		o.push_back("open: " + fdrc(q));
		{
			Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
			armTimerMs(200);
			struct timespec dl = addMs(nowClock(), 600);
			std::string r = trecvStr(ops, q, 16, dl);
			o.push_back("timedreceive +600 ms, SIGALRM at 200 ms: " + r + ", " + lateness(dl) + ", handler ran " +
				    std::to_string(gAlarms));
		}
		gAlarms = 0;
		{
			Kid k = startKid([&ops, q] {
				sleepMs(400);
				return Obs{ "child send: " + sendStr(ops, q, "late", 4) };
			});
			Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
			armTimerMs(150);
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			std::string r = recvStr(ops, q, 16);
			o.push_back("blocking receive, SIGALRM at 150 ms, send at 400 ms: " + r + ", " + waited(t0, 300) +
				    ", handler ran " + std::to_string(gAlarms));
			append(o, joinKid(k));
		}
		o.push_back("send full: " + sendNow(ops, q, "full", 0));
		gAlarms = 0;
		{
			Rescue rescue(5000, [&ops, q] {
				char b[16];
				ops.receive(q, b, 16, nullptr);
			});
			armTimerMs(200);
			struct timespec dl = addMs(nowClock(), 600);
			std::string r = tsendStr(ops, q, "t", 0, dl);
			o.push_back("timedsend (full) +600 ms, SIGALRM at 200 ms: " + r + ", " + lateness(dl) +
				    ", handler ran " + std::to_string(gAlarms));
		}
		gAlarms = 0;
		{
			Kid k = startKid([&ops, q] {
				sleepMs(400);
				return Obs{ "child receive: " + recvStr(ops, q, 16) };
			});
			Rescue rescue(5000, [&ops, q] {
				char b[16];
				ops.receive(q, b, 16, nullptr);
			});
			armTimerMs(150);
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			std::string r = sendStr(ops, q, "z", 0);
			o.push_back("blocking send (full), SIGALRM at 150 ms, receive at 400 ms: " + r + ", " + waited(t0, 300) +
				    ", handler ran " + std::to_string(gAlarms));
			append(o, joinKid(k));
		}
		o.push_back("receive: " + recvNow(ops, q, 16));
		ops.close(q);
		ops.unlink("/sr");
		return o;
	});
}

} /* namespace */

TEST_CASE_METHOD(Fresh, "client signals: SA_RESTART restarts blocked calls and keeps the absolute deadline",
		 "[client][send][signals]")
{
	parityClient("SA_RESTART", [](const Side &, const Ops &ops) { return restartScenario(ops, false); });
}

/* A documented difference (mqfs(7), README): after EINTR the library cannot
 * tell which signal interrupted the call, so it restarts only when every
 * installed handler has SA_RESTART. The kernel looks at the handler of the
 * signal that came. Each side's actual behaviour is asserted. */
TEST_CASE_METHOD(Fresh, "client signals: SA_RESTART on SIGALRM while another signal has a handler without it",
		 "[client][send][signals][difference]")
{
	const Obs k = restartScenario(opsOf(parity::kernelSide()), true);
	const Obs m = restartScenario(opsOf(parity::mqfsSide()), true);
	INFO("kernel: " << (k.size() > 1 ? k[1] : std::string("?")));
	INFO("mqfs:   " << (m.size() > 1 ? m[1] : std::string("?")));
	REQUIRE(k.size() > 1);
	REQUIRE(m.size() > 1);
	CHECK(k[1].find("ETIMEDOUT") != std::string::npos);
	CHECK(m[1].find("EINTR") != std::string::npos);
}

TEST_CASE_METHOD(Fresh, "client large messages: 16367/16368/65536/65537 bytes, 800000 bytes, 1 MiB and 16 MiB queues",
		 "[client][send][large]")
{
	parityClient("large messages", [](const Side &s, const Ops &ops) {
		Obs o;
		o.push_back(setSys(s, "msgsize_max", 16777216));
		/* Root without CAP_SYS_RESOURCE: RLIMIT_MSGQUEUE (hard 819200) still
		 * applies, so these queues cost too much. */
		for (long sz : { 1048576L, 16777216L, 16777217L }) {
			const struct mq_attr a = mkattr(1, sz);
			int fd = ops.open("/big", O_RDWR | O_CREAT, 0600, &a);
			o.push_back("create 1 x " + std::to_string(sz) + ": " + fdrc(fd));
			if (fd >= 0) {
				const std::string m = pattern(static_cast<size_t>(sz), 77);
				o.push_back("  send: " + sendStr(ops, fd, m, 3));
				o.push_back("  receive: " + recvExact(ops, fd, static_cast<size_t>(sz), m));
				ops.close(fd);
			}
			ops.unlink("/big");
		}
		{
			const long sz = 800000;
			const struct mq_attr a = mkattr(1, sz);
			int fd = ops.open("/big", O_RDWR | O_CREAT, 0600, &a);
			o.push_back("create 1 x 800000: " + fdrc(fd));
			const std::string m = pattern(sz, 1234);
			o.push_back("  send 800000: " + sendStr(ops, fd, m, 17));
			o.push_back("  status: " + statusSelf(s, "/big"));
			o.push_back("  receive 799999-byte buffer: " + recvStr(ops, fd, sz - 1));
			o.push_back("  receive: " + recvExact(ops, fd, sz, m));
			o.push_back("  send 800001: " + sendStr(ops, fd, pattern(sz + 1, 1), 0));
			o.push_back("  send 0: " + sendStr(ops, fd, "", 0));
			o.push_back("  receive: " + recvExact(ops, fd, sz, ""));
			ops.close(fd);
			ops.unlink("/big");
		}
		{
			const struct mq_attr a = mkattr(4, 65537);
			int fd = ops.open("/mid", O_RDWR | O_CREAT, 0600, &a);
			o.push_back("create 4 x 65537: " + fdrc(fd));
			const std::string m1 = pattern(16367, 1), m2 = pattern(16368, 2), m3 = pattern(65537, 3),
					  m4 = pattern(65536, 4);
			o.push_back("  send 16367 prio 1: " + sendStr(ops, fd, m1, 1));
			o.push_back("  send 16368 prio 2: " + sendStr(ops, fd, m2, 2));
			o.push_back("  send 65537 prio 3: " + sendStr(ops, fd, m3, 3));
			o.push_back("  send 65536 prio 0: " + sendStr(ops, fd, m4, 0));
			o.push_back("  send 65538: " + sendStr(ops, fd, pattern(65538, 5), 0));
			o.push_back("  status: " + statusSelf(s, "/mid"));
			o.push_back("  receive 65536-byte buffer: " + recvStr(ops, fd, 65536));
			o.push_back("  receive: " + recvExact(ops, fd, 65537, m3));
			o.push_back("  receive (1 MiB buffer): " + recvExact(ops, fd, 1 << 20, m2));
			o.push_back("  receive: " + recvExact(ops, fd, 65537, m1));
			o.push_back("  receive: " + recvExact(ops, fd, 65537, m4));
			o.push_back("  getattr: " + getattrStr(ops, fd));
			ops.close(fd);
			ops.unlink("/mid");
		}
		{
			const struct mq_attr a = mkattr(2, 65536);
			int fd = ops.open("/m64", O_RDWR | O_CREAT, 0600, &a);
			o.push_back("create 2 x 65536: " + fdrc(fd));
			const std::string m = pattern(65536, 9), m2 = pattern(16384, 10);
			o.push_back("  send 65536: " + sendStr(ops, fd, m, 5));
			o.push_back("  send 16384: " + sendStr(ops, fd, m2, 4));
			o.push_back("  receive 65536-byte buffer: " + recvExact(ops, fd, 65536, m));
			o.push_back("  receive 65536-byte buffer: " + recvExact(ops, fd, 65536, m2));
			ops.close(fd);
			ops.unlink("/m64");
		}
		o.push_back(setSys(s, "msgsize_max", 8192));
		return o;
	});
}

/* ===================================================================== */
/* 4. mq_getattr / mq_setattr                                             */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client getattr/setattr: flags 0 or O_NONBLOCK, EINVAL before the fd, F_SETFL, dup/fork, curmsgs",
		 "[client][attr]")
{
	parityClient("getattr/setattr", [](const Side &, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(4, 32);
		int q = fds.add(ops.open("/g", O_RDWR | O_CREAT, 0600, &a));
		o.push_back("getattr: " + getattrStr(ops, q));
		for (long fl : { static_cast<long>(O_NONBLOCK | 1), 1L, -1L, static_cast<long>(O_APPEND), static_cast<long>(O_NONBLOCK | O_APPEND),
				 static_cast<long>(O_RDWR) }) {
			const struct mq_attr n = mkattr(0, 0, fl);
			o.push_back("setattr flags " + hexs(static_cast<unsigned long>(fl)) + ": " + rc(ops.setattr(q, &n, nullptr)));
			o.push_back("  same, fd -1: " + rc(ops.setattr(-1, &n, nullptr)));
		}
		{
			const struct mq_attr n = mkattr(0, 0, O_NONBLOCK);
			o.push_back("setattr O_NONBLOCK, fd -1: " + rc(ops.setattr(-1, &n, nullptr)));
		}
		o.push_back("getattr after the failures: " + getattrStr(ops, q));
		{
			const struct mq_attr n = mkattr(99, 99, O_NONBLOCK, 99);
			struct mq_attr old;
			std::memset(&old, 0x5a, sizeof(old));
			int r = ops.setattr(q, &n, &old);
			o.push_back("setattr O_NONBLOCK maxmsg/msgsize/curmsgs 99: " + rc(r) + " old: " + attrStr(old));
		}
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("F_GETFL: " + fdFlags(q));
		o.push_back("fcntl F_SETFL 0: " + rc(::fcntl(q, F_SETFL, 0)));
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("fcntl F_SETFL O_NONBLOCK|O_APPEND: " + rc(::fcntl(q, F_SETFL, O_NONBLOCK | O_APPEND)));
		o.push_back("getattr: " + getattrStr(ops, q));
		{
			const struct mq_attr n = mkattr(0, 0, 0);
			o.push_back("setattr 0: " + rc(ops.setattr(q, &n, nullptr)));
		}
		o.push_back("F_GETFL (O_APPEND stays): " + fdFlags(q));
		{
			struct mq_attr old;
			std::memset(&old, 0x5a, sizeof(old));
			int r = ops.setattr(q, nullptr, &old);
			o.push_back("setattr(NULL, &old): " + rc(r) + " " + attrStr(old));
			const struct mq_attr n = mkattr(0, 0, O_NONBLOCK);
			o.push_back("setattr(O_NONBLOCK, NULL): " + rc(ops.setattr(q, &n, nullptr)));
			o.push_back("setattr(NULL, NULL): " + rc(ops.setattr(q, nullptr, nullptr)));
			o.push_back("getattr: " + getattrStr(ops, q));
		}
		{
			const struct mq_attr n = mkattr(0, 0, 0);
			ops.setattr(q, &n, nullptr);
			::fcntl(q, F_SETFL, 0);
		}
		int d = fds.add(::dup(q));
		{
			const struct mq_attr n = mkattr(0, 0, O_NONBLOCK);
			o.push_back("setattr O_NONBLOCK on a dup: " + rc(ops.setattr(d, &n, nullptr)));
		}
		o.push_back("getattr original: " + getattrStr(ops, q));
		append(o, inChild([&ops, q] {
			       const struct mq_attr n = mkattr(0, 0, 0);
			       return Obs{ "child setattr 0: " + rc(ops.setattr(q, &n, nullptr)),
					   "child getattr: " + getattrStr(ops, q) };
		       }),
		       "[child] ");
		o.push_back("getattr after the child's setattr: " + getattrStr(ops, q));
		o.push_back("getattr of the dup: " + getattrStr(ops, d));
		int q2 = fds.add(ops.open("/g", O_RDWR, 0, nullptr));
		{
			const struct mq_attr n = mkattr(0, 0, O_NONBLOCK);
			o.push_back("setattr O_NONBLOCK on a second mq_open: " + rc(ops.setattr(q2, &n, nullptr)));
		}
		o.push_back("getattr second: " + getattrStr(ops, q2));
		o.push_back("getattr first (independent): " + getattrStr(ops, q));
		/* curmsgs is live. */
		for (int i = 0; i < 3; i++)
			o.push_back("send: " + sendStr(ops, q, "m" + std::to_string(i), static_cast<unsigned>(i)));
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("receive: " + recvStr(ops, q2, 32));
		o.push_back("getattr: " + getattrStr(ops, q));
		append(o, inChild([&ops, q] { return Obs{ "child send: " + sendStr(ops, q, "c", 9) }; }), "[child] ");
		o.push_back("getattr: " + getattrStr(ops, q2));
		/* Other access modes. */
		int w = fds.add(ops.open("/g", O_WRONLY, 0, nullptr));
		int r = fds.add(ops.open("/g", O_RDONLY | O_NONBLOCK, 0, nullptr));
		o.push_back("getattr O_WRONLY: " + getattrStr(ops, w));
		o.push_back("getattr O_RDONLY|O_NONBLOCK: " + getattrStr(ops, r));
		{
			const struct mq_attr n = mkattr(0, 0, O_NONBLOCK);
			o.push_back("setattr O_WRONLY: " + rc(ops.setattr(w, &n, nullptr)) + " " + getattrStr(ops, w));
		}
		o.push_back("getattr fd -1: " + getattrStr(ops, -1));
		o.push_back("getattr NULL attr: " + rc(ops.getattr(q, nullptr)));
		for (int fd : { q, d, q2, w, r })
			closeStr(ops, fds, fd);
		ops.unlink("/g");
		return o;
	});
}

/* ===================================================================== */
/* 5. mq_notify                                                           */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client notify: EBUSY (owner too), NULL from a non-owner, one-shot, SIGEV_NONE used up, empty->non-empty only",
		 "[client][notify]")
{
	parityClient("notify basics", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		Names names{ { ::getpid(), "self" } };
		const struct mq_attr a = mkattr(4, 16);
		int q = fds.add(ops.open("/n", O_RDWR | O_CREAT, 0600, &a));
		struct sigevent none = sevNone();
		struct sigevent sig = sevSignal(SIGUSR1, 1);
		o.push_back("status: " + statusPeek(s, "/n", names));
		o.push_back("notify NULL, nothing registered: " + rc(ops.notify(q, nullptr)));
		o.push_back("notify NONE: " + rc(ops.notify(q, &none)));
		o.push_back("status: " + statusPeek(s, "/n", names));
		o.push_back("notify NONE again (owner): " + rc(ops.notify(q, &none)));
		o.push_back("notify SIGNAL (owner): " + rc(ops.notify(q, &sig)));
		append(o, inChild([&ops, q, &none] {
			       Obs c;
			       c.push_back("notify NONE: " + rc(ops.notify(q, &none)));
			       c.push_back("notify NULL: " + rc(ops.notify(q, nullptr)));
			       c.push_back("close: " + rc(ops.close(q)));
			       return c;
		       }),
		       "[child] ");
		o.push_back("status after the child: " + statusPeek(s, "/n", names));
		o.push_back("notify NONE (still registered): " + rc(ops.notify(q, &none)));
		o.push_back("send a: " + sendStr(ops, q, "a", 0));
		o.push_back("status (used up): " + statusPeek(s, "/n", names));
		o.push_back("notify NONE with a message queued: " + rc(ops.notify(q, &none)));
		o.push_back("send b (not empty before): " + sendStr(ops, q, "b", 0));
		o.push_back("status (still registered): " + statusPeek(s, "/n", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		o.push_back("receive: " + recvStr(ops, q, 16));
		o.push_back("status (empty, still registered): " + statusPeek(s, "/n", names));
		o.push_back("send zero-length: " + sendStr(ops, q, "", 0));
		o.push_back("status (fired): " + statusPeek(s, "/n", names));
		o.push_back("send c: " + sendStr(ops, q, "c", 0));
		o.push_back("notify NONE: " + rc(ops.notify(q, &none)));
		o.push_back("notify NULL (owner): " + rc(ops.notify(q, nullptr)));
		o.push_back("status: " + statusPeek(s, "/n", names));
		o.push_back("notify NULL again: " + rc(ops.notify(q, nullptr)));
		o.push_back("notify SIGNAL signo 0: " + rc(ops.notify(q, &(sig = sevSignal(0, 5)))));
		o.push_back("status: " + statusPeek(s, "/n", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		o.push_back("receive: " + recvStr(ops, q, 16));
		o.push_back("send d: " + sendStr(ops, q, "d", 0));
		o.push_back("status (signo 0 used up): " + statusPeek(s, "/n", names));
		closeStr(ops, fds, q);
		ops.unlink("/n");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client notify: SIGEV_SIGNAL siginfo (SI_MESGQ, value, sender pid and real uid)", "[client][notify][siginfo]")
{
	parityClient("notify siginfo", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		BlockSignal blk(SIGUSR1);
		const pid_t self = ::getpid();
		Names names{ { self, "self" } };
		const struct mq_attr a = mkattr(4, 16);
		int q = fds.add(ops.open("/s", O_RDWR | O_CREAT, 0600, &a));
		struct sigevent sig = sevSignal(SIGUSR1, 0x1234);
		o.push_back("notify SIGUSR1 value 0x1234: " + rc(ops.notify(q, &sig)));
		o.push_back("status: " + statusPeek(s, "/s", names));
		o.push_back("pending before any send: " + waitSig(SIGUSR1, 0, names));
		Kid k = startKid([&ops, q] {
			if (::setresgid(65534, 65534, 65534) < 0 || ::setresuid(65534, 65534, 65534) < 0)
				return Obs{ "setresuid " + rc(-1) };
			return Obs{ "child (uid 65534) send: " + sendStr(ops, q, "x", 0) };
		});
		names[k.pid] = "child";
		append(o, joinKid(k), "[child] ");
		o.push_back("signal: " + waitSig(SIGUSR1, 2000, names));
		o.push_back("status: " + statusPeek(s, "/s", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		sig = sevSignal(SIGUSR1, 0x5678);
		o.push_back("notify SIGUSR1 value 0x5678: " + rc(ops.notify(q, &sig)));
		o.push_back("send from self: " + sendStr(ops, q, "y", 0));
		o.push_back("signal: " + waitSig(SIGUSR1, 2000, names) + " (getuid " + std::to_string(::getuid()) + ")");
		o.push_back("status: " + statusPeek(s, "/s", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		/* signo 0: nothing is delivered, the registration is still used up. */
		sig = sevSignal(0, 9);
		o.push_back("notify signo 0: " + rc(ops.notify(q, &sig)));
		o.push_back("status: " + statusPeek(s, "/s", names));
		o.push_back("send: " + sendStr(ops, q, "z", 0));
		o.push_back("status: " + statusPeek(s, "/s", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		/* An RT signal with a pointer-sized value. */
		BlockSignal blkrt(SIGRTMIN + 2);
		sig = sevSignal(SIGRTMIN + 2, 0x7fffffffl);
		o.push_back("notify SIGRTMIN+2: " + rc(ops.notify(q, &sig)));
		o.push_back("send: " + sendStr(ops, q, "r", 0));
		o.push_back("signal: " + waitSig(SIGRTMIN + 2, 2000, names));
		closeStr(ops, fds, q);
		ops.unlink("/s");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client notify: no notification on hand-off to a waiting receiver or on admitting a blocked sender",
		 "[client][notify][handoff]")
{
	parityClient("notify hand-off", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		BlockSignal blk(SIGUSR1);
		Names names{ { ::getpid(), "self" } };
		const struct mq_attr a = mkattr(2, 16);
		int q = fds.add(ops.open("/h", O_RDWR | O_CREAT, 0600, &a));
		struct sigevent sig = sevSignal(SIGUSR1, 1);
		o.push_back("notify SIGUSR1 value 1: " + rc(ops.notify(q, &sig)));
		{
			Kid k = startKid([&ops, q] { return Obs{ "child blocking receive: " + recvStr(ops, q, 16) }; });
			Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
			sleepMs(250);
			o.push_back("send h (a receiver waits): " + sendStr(ops, q, "h", 0));
			append(o, joinKid(k), "[child] ");
		}
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("status (still registered): " + statusPeek(s, "/h", names));
		o.push_back("signal: " + waitSig(SIGUSR1, 200, names));
		o.push_back("send n: " + sendStr(ops, q, "n", 0));
		o.push_back("signal: " + waitSig(SIGUSR1, 2000, names));
		o.push_back("status: " + statusPeek(s, "/h", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		/* maxmsg 1, full, one blocked sender. */
		const struct mq_attr one = mkattr(1, 16);
		int f = fds.add(ops.open("/h1", O_RDWR | O_CREAT, 0600, &one));
		o.push_back("send x: " + sendStr(ops, f, "x", 0));
		sig = sevSignal(SIGUSR1, 2);
		o.push_back("notify SIGUSR1 value 2 (queue full): " + rc(ops.notify(f, &sig)));
		{
			Kid k = startKid([&ops, f] { return Obs{ "child blocking send y: " + sendStr(ops, f, "y", 4) }; });
			Rescue rescue(5000, [&ops, f] {
				char b[16];
				ops.receive(f, b, 16, nullptr);
			});
			sleepMs(250);
			o.push_back("receive (admits the sender): " + recvStr(ops, f, 16));
			append(o, joinKid(k), "[child] ");
		}
		o.push_back("getattr: " + getattrStr(ops, f));
		o.push_back("status (still registered): " + statusPeek(s, "/h1", names));
		o.push_back("signal: " + waitSig(SIGUSR1, 200, names));
		o.push_back("receive: " + recvStr(ops, f, 16));
		o.push_back("send z: " + sendStr(ops, f, "z", 0));
		o.push_back("signal: " + waitSig(SIGUSR1, 2000, names));
		for (int fd : { q, f })
			closeStr(ops, fds, fd);
		ops.unlink("/h");
		ops.unlink("/h1");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client notify: removed by the owner's close of any fd of the queue and by its status read",
		 "[client][notify][removal]")
{
	parityClient("notify removal", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		Names names{ { ::getpid(), "self" } };
		const struct mq_attr a = mkattr(2, 16);
		int q = fds.add(ops.open("/r", O_RDWR | O_CREAT, 0600, &a));
		int other = fds.add(ops.open("/o", O_RDWR | O_CREAT, 0600, &a));
		struct sigevent none = sevNone();
		auto reg = [&](const std::string &why) {
			o.push_back("register (" + why + "): " + rc(ops.notify(q, &none)));
		};
		reg("close(dup)");
		o.push_back("close(dup(q)): " + rc(::close(::dup(q))));
		o.push_back("  status: " + statusPeek(s, "/r", names));
		reg("second mq_open");
		int q2 = ops.open("/r", O_RDONLY, 0, nullptr);
		o.push_back("  open + close a second fd: " + fdrc(q2) + " " + rc(ops.close(q2)));
		o.push_back("  status: " + statusPeek(s, "/r", names));
		reg("open(2) of the file");
		int pf = ::open(s.q("r").c_str(), O_RDONLY | O_CLOEXEC);
		o.push_back("  open(2) + close: " + fdrc(pf) + " " + rc(::close(pf)));
		o.push_back("  status: " + statusPeek(s, "/r", names));
		reg("owner reads the status file");
		o.push_back("  owner's own status read: " + statusSelf(s, "/r", names));
		o.push_back("  status: " + statusPeek(s, "/r", names));
		reg("child close and NULL");
		append(o, inChild([&ops, q] {
			       return Obs{ "child notify NULL: " + rc(ops.notify(q, nullptr)), "child close: " + rc(ops.close(q)) };
		       }),
		       "  [child] ");
		o.push_back("  status: " + statusPeek(s, "/r", names));
		o.push_back("  close another queue's fd: " + closeStr(ops, fds, other));
		o.push_back("  status: " + statusPeek(s, "/r", names));
		o.push_back("  getattr (not a close): " + getattrStr(ops, q));
		o.push_back("  register again: " + rc(ops.notify(q, &none)));
		o.push_back("  unlink: " + rc(ops.unlink("/r")));
		{
			Obs pr = inChild([q] {
				char buf[200];
				ssize_t n = ::pread(q, buf, sizeof(buf), 0);
				return Obs{ n < 0 ? "pread " + rc(n) : std::string(buf, static_cast<size_t>(n)) };
			});
			for (const auto &line : pr)
				o.push_back("  status of the unlinked queue (child's pread): " + normStatus(line, names));
		}
		o.push_back("  register after unlink: " + rc(ops.notify(q, &none)));
		o.push_back("  owner NULL: " + rc(ops.notify(q, nullptr)));
		o.push_back("  register: " + rc(ops.notify(q, &none)));
		closeStr(ops, fds, q);
		o.push_back("unlink /o: " + rc(ops.unlink("/o")));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client notify: bad sigev_notify or signo EINVAL before the fd; EBADF cases", "[client][notify][errors]")
{
	parityClient("notify errors", [](const Side &, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(2, 16);
		int q = fds.add(ops.open("/x", O_RDWR | O_CREAT, 0600, &a));
		int w = fds.add(ops.open("/x", O_WRONLY, 0, nullptr));
		for (int how : { 3, 4, -1, 99 }) {
			struct sigevent e = sevNone();
			e.sigev_notify = how;
			e.sigev_signo = SIGUSR1;
			o.push_back("sigev_notify " + std::to_string(how) + ", fd -1: " + rc(ops.notify(-1, &e)));
			o.push_back("sigev_notify " + std::to_string(how) + ", queue: " + rc(ops.notify(q, &e)));
		}
		for (int signo : { 65, -1, 1000 }) {
			struct sigevent e = sevSignal(signo, 0);
			o.push_back("SIGNAL signo " + std::to_string(signo) + ", fd -1: " + rc(ops.notify(-1, &e)));
			o.push_back("SIGNAL signo " + std::to_string(signo) + ", queue: " + rc(ops.notify(q, &e)));
		}
		struct sigevent e0 = sevSignal(0, 0);
		struct sigevent none = sevNone();
		o.push_back("SIGNAL signo 0, fd -1: " + rc(ops.notify(-1, &e0)));
		o.push_back("NONE, fd -1: " + rc(ops.notify(-1, &none)));
		o.push_back("NULL, fd -1: " + rc(ops.notify(-1, nullptr)));
		o.push_back("NULL, fd 1000: " + rc(ops.notify(1000, nullptr)));
		struct sigevent e64 = sevSignal(64, 0);
		o.push_back("SIGNAL signo 64: " + rc(ops.notify(q, &e64)));
		o.push_back("NULL: " + rc(ops.notify(q, nullptr)));
		o.push_back("NONE on an O_WRONLY fd: " + rc(ops.notify(w, &none)));
		o.push_back("NONE on the O_RDWR fd (EBUSY): " + rc(ops.notify(q, &none)));
		o.push_back("NULL on the O_RDWR fd: " + rc(ops.notify(q, nullptr)));
		for (int fd : { q, w })
			closeStr(ops, fds, fd);
		ops.unlink("/x");
		return o;
	});
}

namespace {

std::atomic<int> gThreadCalls{ 0 };
std::atomic<long> gThreadValue{ 0 };
std::atomic<pid_t> gThreadTid{ 0 };
sem_t gThreadSem;

void threadCallback(union sigval sv)
{
	gThreadValue = static_cast<long>(reinterpret_cast<std::intptr_t>(sv.sival_ptr));
	gThreadTid = static_cast<pid_t>(::syscall(SYS_gettid));
	gThreadCalls++;
	::sem_post(&gThreadSem);
}

/* Threads of this process waiting in a FUSE request (a parked ioctl or
 * read on an mqfs file), after a short settle time. The kernel side never
 * has any; on the mqfs side a SIGEV_THREAD helper is one while its
 * registration lives, and must be gone once the registration is. */
int parkedThreads()
{
	sleepMs(100);
	int n = 0;
	DIR *d = ::opendir("/proc/self/task");
	if (!d)
		return -1;
	while (struct dirent *e = ::readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		bool ok;
		std::string w = readRaw(std::string("/proc/self/task/") + e->d_name + "/wchan", ok);
		if (ok && w.find("fuse") != std::string::npos)
			n++;
		else if (ok && w == "request_wait_answer")
			n++;
	}
	::closedir(d);
	return n;
}

/* \a live: SIGEV_THREAD registrations that should exist now (each has
 * one parked helper on the mqfs side; the kernel side has none at all). */
std::string parkedCheck(const Side &s, int live)
{
	const int want = s.kernel ? 0 : live;
	const int n = parkedThreads();
	return n == want ? "as expected" : "UNEXPECTED: " + std::to_string(n) + " (expected " + std::to_string(want) + ")";
}

std::string waitCallback(long ms)
{
	struct timespec dl = addMs(nowClock(), ms);
	int r;
	while ((r = ::sem_timedwait(&gThreadSem, &dl)) < 0 && errno == EINTR) {
	}
	if (r < 0)
		return "callback did not run within " + std::to_string(ms) + " ms";
	const pid_t main = static_cast<pid_t>(::syscall(SYS_gettid));
	return "callback ran: value=" + hexs(static_cast<unsigned long>(gThreadValue.load())) + " thread=" +
	       (gThreadTid == main ? "the caller's" : "another");
}

} /* namespace */

TEST_CASE_METHOD(Fresh, "client notify: SIGEV_THREAD runs the function in a new thread with the sigval, one-shot",
		 "[client][notify][thread]")
{
	::sem_init(&gThreadSem, 0, 0);
	parityClient("notify SIGEV_THREAD", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		Names names{ { ::getpid(), "self" } };
		while (::sem_trywait(&gThreadSem) == 0) {
		}
		gThreadCalls = 0;
		const struct mq_attr a = mkattr(4, 16);
		int q = fds.add(ops.open("/th", O_RDWR | O_CREAT, 0600, &a));
		struct sigevent e;
		std::memset(&e, 0, sizeof(e));
		e.sigev_notify = SIGEV_THREAD;
		e.sigev_notify_function = threadCallback;
		e.sigev_notify_attributes = nullptr;
		e.sigev_value.sival_ptr = reinterpret_cast<void *>(0x4242);
		o.push_back("notify THREAD: " + rc(ops.notify(q, &e)));
		o.push_back("status: " + statusPeek(s, "/th", names));
		o.push_back("notify THREAD again: " + rc(ops.notify(q, &e)));
		o.push_back("  threads parked in mqfs requests: " + parkedCheck(s, 1));
		o.push_back("send: " + sendStr(ops, q, "t", 0));
		o.push_back(waitCallback(3000));
		o.push_back("status: " + statusPeek(s, "/th", names));
		o.push_back("receive: " + recvStr(ops, q, 16));
		o.push_back("send again: " + sendStr(ops, q, "u", 0));
		sleepMs(200);
		o.push_back("calls (one-shot): " + std::to_string(gThreadCalls.load()));
		o.push_back("  threads parked in mqfs requests: " + parkedCheck(s, 0));
		o.push_back("receive: " + recvStr(ops, q, 16));
		/* With a pthread attr (detached), then removal by NULL. */
		pthread_attr_t attr;
		::pthread_attr_init(&attr);
		::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		e.sigev_notify_attributes = &attr;
		e.sigev_value.sival_ptr = reinterpret_cast<void *>(0x77);
		o.push_back("notify THREAD with attr: " + rc(ops.notify(q, &e)));
		::pthread_attr_destroy(&attr);
		o.push_back("send: " + sendStr(ops, q, "v", 0));
		o.push_back(waitCallback(3000));
		o.push_back("receive: " + recvStr(ops, q, 16));
		e.sigev_notify_attributes = nullptr;
		o.push_back("notify THREAD: " + rc(ops.notify(q, &e)));
		o.push_back("notify NULL: " + rc(ops.notify(q, nullptr)));
		o.push_back("status: " + statusPeek(s, "/th", names));
		o.push_back("send: " + sendStr(ops, q, "w", 0));
		sleepMs(200);
		o.push_back("calls after removal: " + std::to_string(gThreadCalls.load()));
		o.push_back("  threads parked in mqfs requests: " + parkedCheck(s, 0));
		o.push_back("notify THREAD after removal: " + rc(ops.notify(q, &e)));
		o.push_back("notify NULL: " + rc(ops.notify(q, nullptr)));
		o.push_back("  threads parked in mqfs requests: " + parkedCheck(s, 0));
		o.push_back("close: " + closeStr(ops, fds, q));
		o.push_back("  threads parked in mqfs requests: " + parkedCheck(s, 0));
		ops.unlink("/th");
		return o;
	});
}

/* ===================================================================== */
/* 8. poll / select / epoll                                               */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client poll/select: 0x104 empty, 0x145 partly full, 0x41 full, whatever the access mode",
		 "[client][poll]")
{
	parityClient("poll bits", [](const Side &, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(2, 16);
		int q = fds.add(ops.open("/p", O_RDWR | O_CREAT, 0600, &a));
		int r = fds.add(ops.open("/p", O_RDONLY, 0, nullptr));
		int w = fds.add(ops.open("/p", O_WRONLY, 0, nullptr));
		int m3 = fds.add(ops.open("/p3", O_ACCMODE | O_CREAT, 0600, &a));
		auto all = [&](const std::string &when) {
			o.push_back(when + ": rdwr " + pollBits(q) + ", rdonly " + pollBits(r) + ", wronly " + pollBits(w) +
				    ", POLLIN only " + pollBits(q, POLLIN) + ", POLLOUT only " + pollBits(q, POLLOUT));
			o.push_back(when + ": select rdwr " + selectBits(q) + ", wronly " + selectBits(w));
		};
		all("empty");
		o.push_back("send: " + sendStr(ops, w, "1", 0));
		all("one message");
		o.push_back("send: " + sendStr(ops, w, "2", 0));
		all("full");
		o.push_back("receive: " + recvStr(ops, r, 16));
		all("one message");
		o.push_back("receive: " + recvStr(ops, r, 16));
		all("empty again");
		o.push_back("mode-3 fd, empty: " + pollBits(m3));
		int w3 = fds.add(ops.open("/p3", O_WRONLY, 0, nullptr));
		o.push_back("send to /p3: " + sendStr(ops, w3, "x", 0));
		o.push_back("mode-3 fd, one message: " + pollBits(m3));
		for (int fd : { q, r, w, m3, w3 })
			closeStr(ops, fds, fd);
		ops.unlink("/p");
		ops.unlink("/p3");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client epoll: edge-triggered EPOLLIN woken by another process's send; POLLOUT woken by a receive",
		 "[client][poll][epoll]")
{
	parityClient("epoll wake-ups", [](const Side &, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(2, 16);
		int q = fds.add(ops.open("/e", O_RDWR | O_CREAT, 0600, &a));
		int ep = fds.add(::epoll_create1(EPOLL_CLOEXEC));
		struct epoll_event ev = {};
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u64 = 7;
		o.push_back("epoll_ctl ADD EPOLLIN|EPOLLET: " + rc(::epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev)));
		auto wait = [&](int ms) {
			struct epoll_event out[4] = {};
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			int n = ::epoll_wait(ep, out, 4, ms);
			std::string r = "n=" + rc(n);
			for (int i = 0; i < n; i++)
				r += " events=" + hexs(out[i].events) + " data=" + std::to_string(out[i].data.u64);
			if (ms > 0)
				r += ", " + waited(t0, 100);
			return r;
		};
		o.push_back("epoll_wait 0 (empty): " + wait(0));
		{
			Kid k = startKid([&ops, q] {
				sleepMs(200);
				return Obs{ "child send: " + sendStr(ops, q, "e", 0) };
			});
			o.push_back("epoll_wait 3 s: " + wait(3000));
			append(o, joinKid(k), "[child] ");
		}
		o.push_back("epoll_wait 0 (edge consumed): " + wait(0));
		o.push_back("send from self: " + sendStr(ops, q, "f", 0));
		o.push_back("epoll_wait 0 (new edge): " + wait(0));
		o.push_back("epoll_wait 0: " + wait(0));
		o.push_back("full now, poll: " + pollBits(q));
		{
			Kid k = startKid([&ops, q] {
				sleepMs(200);
				return Obs{ "child receive: " + recvStr(ops, q, 16) };
			});
			struct pollfd p = { q, POLLOUT, 0 };
			struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			int n = ::poll(&p, 1, 3000);
			o.push_back("poll POLLOUT 3 s on a full queue: n=" + rc(n) + " revents=" +
				    hexs(static_cast<unsigned short>(p.revents)) + ", " + waited(t0, 100));
			append(o, joinKid(k), "[child] ");
		}
		int ep2 = fds.add(::epoll_create1(EPOLL_CLOEXEC));
		ev.events = EPOLLIN | EPOLLOUT;
		o.push_back("level-triggered epoll: " + rc(::epoll_ctl(ep2, EPOLL_CTL_ADD, q, &ev)));
		{
			struct epoll_event out[2] = {};
			int n = ::epoll_wait(ep2, out, 2, 0);
			o.push_back("  epoll_wait: n=" + rc(n) + " events=" + hexs(n > 0 ? out[0].events : 0));
		}
		o.push_back("receive: " + recvStr(ops, q, 16));
		{
			struct epoll_event out[2] = {};
			int n = ::epoll_wait(ep2, out, 2, 0);
			o.push_back("  epoll_wait empty: n=" + rc(n) + " events=" + hexs(n > 0 ? out[0].events : 0));
		}
		for (int fd : { q, ep, ep2 })
			closeStr(ops, fds, fd);
		ops.unlink("/e");
		return o;
	});
}

/* ===================================================================== */
/* Descriptors from open(2), read(2) of an mq fd, fork                    */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "client descriptors: an open(2) fd of the queue file works with send/receive/getattr/notify",
		 "[client][fd]")
{
	parityClient("open(2) descriptors", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		Names names{ { ::getpid(), "self" } };
		const struct mq_attr a = mkattr(4, 32);
		int c = ops.open("/f", O_RDWR | O_CREAT, 0600, &a);
		o.push_back("create: " + fdrc(c));
		ops.close(c);
		int fd = fds.add(::open(s.q("f").c_str(), O_RDWR));
		o.push_back("open(2) O_RDWR: " + fdrc(fd) + " " + fdFlags(fd));
		o.push_back("send: " + sendStr(ops, fd, "via open", 3));
		o.push_back("getattr: " + getattrStr(ops, fd));
		o.push_back("receive: " + recvStr(ops, fd, 32));
		struct sigevent none = sevNone();
		o.push_back("notify NONE: " + rc(ops.notify(fd, &none)));
		o.push_back("status: " + statusPeek(s, "/f", names));
		o.push_back("notify NULL: " + rc(ops.notify(fd, nullptr)));
		const struct mq_attr nb = mkattr(0, 0, O_NONBLOCK);
		o.push_back("setattr O_NONBLOCK: " + rc(ops.setattr(fd, &nb, nullptr)));
		o.push_back("receive empty: " + recvStr(ops, fd, 32));
		int ro = fds.add(::open(s.q("f").c_str(), O_RDONLY | O_CLOEXEC));
		int wo = fds.add(::open(s.q("f").c_str(), O_WRONLY | O_CLOEXEC));
		o.push_back("open(2) O_RDONLY send: " + sendStr(ops, ro, "x", 0));
		o.push_back("open(2) O_WRONLY send: " + sendStr(ops, wo, "y", 1));
		o.push_back("open(2) O_WRONLY receive: " + recvStr(ops, wo, 32));
		o.push_back("open(2) O_RDONLY receive: " + recvStr(ops, ro, 32));
		o.push_back("open(2) O_RDONLY receive small buffer: " + recvStr(ops, ro, 31));
		/* read(2) on an mq_open fd gives the status line. */
		int q = fds.add(ops.open("/f", O_RDWR, 0, nullptr));
		o.push_back("send: " + sendStr(ops, q, "abc", 0));
		char buf[200];
		ssize_t n = ::read(q, buf, sizeof(buf));
		o.push_back("read(2) on an mq fd: " + (n < 0 ? rc(n) : std::to_string(n) + " " + esc(std::string(buf, n))));
		n = ::read(q, buf, sizeof(buf));
		o.push_back("read(2) again: " + rc(n));
		int qw = fds.add(ops.open("/f", O_WRONLY, 0, nullptr));
		n = ::read(qw, buf, sizeof(buf));
		o.push_back("read(2) on an O_WRONLY mq fd: " + rc(n));
		o.push_back("write(2) on an mq fd: " + rc(::write(q, "x", 1)));
		o.push_back("receive: " + recvStr(ops, q, 32));
		for (int f : { fd, ro, wo, q, qw })
			closeStr(ops, fds, f);
		ops.unlink("/f");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client fork: the child shares the queue and O_NONBLOCK, not the registration; its exit removes its own",
		 "[client][fork]")
{
	parityClient("fork sharing", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		Names names{ { ::getpid(), "self" } };
		const struct mq_attr a = mkattr(4, 32);
		int q = fds.add(ops.open("/k", O_RDWR | O_CREAT, 0600, &a));
		struct sigevent none = sevNone();
		o.push_back("parent registers: " + rc(ops.notify(q, &none)));
		int ready[2], go[2];
		::pipe2(ready, O_CLOEXEC);
		::pipe2(go, O_CLOEXEC);
		Kid k = startKid([&] {
			Obs c;
			::close(ready[0]);
			::close(go[1]);
			c.push_back("child notify (the parent's registration is not inherited): " + rc(ops.notify(q, &none)));
			c.push_back("child notify NULL (not the owner): " + rc(ops.notify(q, nullptr)));
			c.push_back("child send (fires the parent's registration): " + sendStr(ops, q, "from child", 2));
			const struct mq_attr nb = mkattr(0, 0, O_NONBLOCK);
			c.push_back("child setattr O_NONBLOCK: " + rc(ops.setattr(q, &nb, nullptr)));
			c.push_back("child registers: " + rc(ops.notify(q, &none)));
			(void)!::write(ready[1], "r", 1);
			char b;
			(void)!::read(go[0], &b, 1);
			return c;
		});
		names[k.pid] = "child";
		::close(ready[1]);
		::close(go[0]);
		char b;
		(void)!::read(ready[0], &b, 1);
		o.push_back("getattr (the child's O_NONBLOCK): " + getattrStr(ops, q));
		o.push_back("status (the child's registration): " + statusPeek(s, "/k", names));
		o.push_back("parent registers: " + rc(ops.notify(q, &none)));
		o.push_back("parent NULL (not the owner): " + rc(ops.notify(q, nullptr)));
		o.push_back("parent receives: " + recvStr(ops, q, 32));
		o.push_back("status: " + statusPeek(s, "/k", names));
		(void)!::write(go[1], "g", 1);
		append(o, joinKid(k), "[child] ");
		::close(ready[0]);
		::close(go[1]);
		o.push_back("status after the child's exit: " + statusPeek(s, "/k", names));
		o.push_back("parent registers: " + rc(ops.notify(q, &none)));
		o.push_back("parent NULL: " + rc(ops.notify(q, nullptr)));
		o.push_back("getattr: " + getattrStr(ops, q));
		closeStr(ops, fds, q);
		ops.unlink("/k");
		return o;
	});
}

/* ===================================================================== */
/* Randomized differential test                                          */
/* ===================================================================== */

namespace {

struct RSide {
	const Side *side;
	const Ops *ops;
	std::vector<int> fds[3];
};

const char *const kRandNames[3] = { "/r0", "/r1", "/r2" };

std::uint64_t envU64(const char *name, std::uint64_t dflt)
{
	const char *v = std::getenv(name);
	if (!v || !*v)
		return dflt;
	return std::strtoull(v, nullptr, 0);
}

int pickFd(RSide &rs, unsigned qi, std::uint64_t sel)
{
	auto &v = rs.fds[qi];
	if (v.empty() || sel % 41 == 0)
		return -1;
	return v[sel % v.size()];
}

long msgsizeOf(const Ops &ops, int fd)
{
	struct mq_attr a = {};
	return ops.getattr(fd, &a) < 0 ? 64 : a.mq_msgsize;
}

} /* namespace */

/* ===================================================================== */
/* Batches (mqfs_*_batch), against what they are specified to be: loops   */
/* of single kernel calls                                                  */
/* ===================================================================== */

namespace {

struct Msg {
	std::string text;
	unsigned prio;
};

/*
 * mqfs_timedsend_batch() on mqfs. On the kernel, its definition: a priority
 * check of all first, then mq_timedsend() of each in order until one fails;
 * the count, or that failure when none went.
 */
std::string batchSend(const Side &s, int fd, const std::vector<Msg> &msgs, const struct timespec *abs = nullptr)
{
	if (s.kernel) {
		for (const Msg &m : msgs)
			if (m.prio >= MQ_PRIO_MAX)
				return "ERR EINVAL";
		size_t k = 0;
		for (const Msg &m : msgs) {
			const int rv = abs ? ::mq_timedsend(fd, m.text.data(), m.text.size(), m.prio, abs)
					   : ::mq_send(fd, m.text.data(), m.text.size(), m.prio);
			if (rv < 0)
				return k ? "sent " + std::to_string(k) : rc(rv);
			k++;
		}
		return "sent " + std::to_string(k);
	}
	std::vector<mqfs_msg> v;
	for (const Msg &m : msgs)
		v.push_back({ const_cast<char *>(m.text.data()), m.text.size(), m.prio });
	const ssize_t n = abs ? ::mqfs_timedsend_batch(fd, v.data(), v.size(), abs)
			      : ::mqfs_send_batch(fd, v.data(), v.size());
	return n < 0 ? rc(n) : "sent " + std::to_string(n);
}

/*
 * mqfs_timedreceive_batch() on mqfs (buffer room for \a count messages of
 * \a msgsize). On the kernel: one mq_timedreceive() that may wait, then
 * receives that do not wait, until \a count or the queue is empty.
 */
std::string batchRecv(const Side &s, int fd, size_t count, size_t msgsize, const struct timespec *abs = nullptr)
{
	std::vector<std::string> got;
	std::vector<unsigned> prios;
	if (s.kernel) {
		std::vector<char> buf(msgsize);
		for (size_t i = 0; i < count; i++) {
			static const struct timespec zero = { 0, 0 };
			unsigned prio = 0;
			ssize_t n = i == 0 ? (abs ? ::mq_timedreceive(fd, buf.data(), buf.size(), &prio, abs)
						  : ::mq_receive(fd, buf.data(), buf.size(), &prio))
					   : ::mq_timedreceive(fd, buf.data(), buf.size(), &prio, &zero);
			if (n < 0) {
				if (i == 0)
					return rc(n);
				break;
			}
			got.emplace_back(buf.data(), static_cast<size_t>(n));
			prios.push_back(prio);
		}
	} else {
		std::vector<char> buf(count * MQFS_BATCH_COST(msgsize));
		std::vector<mqfs_msg> msgs(count);
		const ssize_t n = abs ? ::mqfs_timedreceive_batch(fd, buf.data(), buf.size(), msgs.data(), count, abs)
				      : ::mqfs_receive_batch(fd, buf.data(), buf.size(), msgs.data(), count);
		if (n < 0)
			return rc(n);
		for (ssize_t i = 0; i < n; i++) {
			got.emplace_back(msgs[i].msg_ptr, msgs[i].msg_len);
			prios.push_back(msgs[i].msg_prio);
		}
	}
	std::string r = "got " + std::to_string(got.size()) + ":";
	for (size_t i = 0; i < got.size(); i++)
		r += " " + label(got[i]) + "/" + std::to_string(prios[i]);
	return r;
}

std::vector<Msg> numbered(const std::string &stem, std::initializer_list<unsigned> prios)
{
	std::vector<Msg> v;
	for (unsigned p : prios)
		v.push_back({ stem + std::to_string(v.size()), p });
	return v;
}

} /* namespace */

TEST_CASE_METHOD(Fresh, "client batch: counts, EAGAIN, EMSGSIZE mid-batch, EINVAL first, EBADF, order, zero length",
		 "[client][batch]")
{
	parityClient("batch non-blocking", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(5, 64);
		int q = fds.add(ops.open("/bt", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a));
		const auto eight = numbered("m", { 1, 5, 1, 9, 0, 3, 3, 2 });
		o.push_back("send 8 into 5 slots: " + batchSend(s, q, eight));
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("status: " + statusSelf(s, "/bt"));
		o.push_back("send 3 more: " + batchSend(s, q, std::vector<Msg>(eight.begin() + 5, eight.end())));
		o.push_back("receive up to 3: " + batchRecv(s, q, 3, 64));
		o.push_back("receive up to 10: " + batchRecv(s, q, 10, 64));
		o.push_back("receive from empty: " + batchRecv(s, q, 4, 64));
		const std::vector<Msg> mixed = { { "ok", 0 }, { std::string(65, 'L'), 0 }, { "after", 0 } };
		o.push_back("send ok, 65 bytes, after: " + batchSend(s, q, mixed));
		o.push_back("send 65 bytes, after: " + batchSend(s, q, std::vector<Msg>(mixed.begin() + 1, mixed.end())));
		o.push_back("send with prio 32768 last: " + batchSend(s, q, { { "a", 0 }, { "b", 32768 } }));
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("send zero-length ones: " + batchSend(s, q, { { "", 4 }, { "", 4 }, { "x", 4 } }));
		o.push_back("receive all: " + batchRecv(s, q, 10, 64));
		/* a buffer smaller than mq_msgsize (mqfs: than one record of it) */
		{
			char small[10];
			mqfs_msg m[1];
			const ssize_t n = s.kernel ? ::mq_receive(q, small, sizeof(small), nullptr)
						   : ::mqfs_receive_batch(q, small, sizeof(small), m, 1);
			o.push_back("receive into 10 bytes: " + rc(n));
		}
		int ro = fds.add(ops.open("/bt", O_RDONLY, 0, nullptr));
		int wo = fds.add(ops.open("/bt", O_WRONLY, 0, nullptr));
		o.push_back("send on O_RDONLY: " + batchSend(s, ro, { { "r", 0 } }));
		o.push_back("receive on O_WRONLY: " + batchRecv(s, wo, 2, 64));
		o.push_back("status: " + statusSelf(s, "/bt"));
		ops.unlink("/bt");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client batch: blocking send through a full queue, timeouts, a receive woken by a sender",
		 "[client][batch][blocking]")
{
	parityClient("batch blocking", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(2, 32);
		int q = fds.add(ops.open("/bb", O_RDWR | O_CREAT, 0600, &a));
		{
			Kid k = startKid([&ops, q] {
				Obs r;
				for (int i = 0; i < 6; i++) {
					sleepMs(40);
					r.push_back("child receive: " + recvStr(ops, q, 32));
				}
				return r;
			});
			Rescue rescue(8000, [&ops, q] {
				char b[32];
				for (int i = 0; i < 6; i++)
					ops.receive(q, b, 32, nullptr);
			});
			o.push_back("blocking batch of 6 into 2 slots: " + batchSend(s, q, numbered("s", { 0, 1, 0, 1, 0, 1 })));
			append(o, joinKid(k));
		}
		o.push_back("getattr: " + getattrStr(ops, q));
		o.push_back("fill: " + batchSend(s, q, { { "f1", 0 } }));
		{
			const struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			const struct timespec dl = addMs(nowClock(), 200);
			o.push_back("timed batch of 3, one slot: " + batchSend(s, q, numbered("t", { 2, 2, 2 }), &dl) + ", " +
				    waited(t0, 150));
		}
		{
			const struct timespec dl = addMs(nowClock(), 100);
			o.push_back("timed batch into a full queue: " + batchSend(s, q, { { "z", 0 } }, &dl));
		}
		o.push_back("receive all: " + batchRecv(s, q, 10, 32));
		{
			const struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			const struct timespec dl = addMs(nowClock(), 200);
			o.push_back("timed batch receive, empty: " + batchRecv(s, q, 4, 32, &dl) + ", " + waited(t0, 150));
		}
		{
			Kid k = startKid([&ops, q] {
				sleepMs(150);
				return Obs{ "child send: " + sendStr(ops, q, "wake", 3) };
			});
			Rescue rescue(5000, [&ops, q] { ops.send(q, "RESCUE", 6, 0); });
			const struct timespec t0 = nowClock(CLOCK_MONOTONIC);
			o.push_back("blocking batch receive: " + batchRecv(s, q, 4, 32) + ", " + waited(t0, 100));
			append(o, joinKid(k));
		}
		ops.unlink("/bb");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "client batch: a batch receive admits blocked senders one per message; notification as a loop",
		 "[client][batch][notify]")
{
	parityClient("batch admission and notify", [](const Side &s, const Ops &ops) {
		Obs o;
		Fds fds;
		const struct mq_attr a = mkattr(2, 16);
		int q = fds.add(ops.open("/ba", O_RDWR | O_CREAT, 0600, &a));
		o.push_back("fill: " + batchSend(s, q, { { "x", 0 }, { "y", 0 } }));
		std::vector<Kid> kids;
		for (unsigned p : { 1u, 5u, 9u }) {
			kids.push_back(startKid([&ops, q, p] {
				return Obs{ "child send " + std::to_string(p) + ": " + sendStr(ops, q, std::to_string(p), p) };
			}));
			sleepMs(100); /* blocked in this order */
		}
		{
			Rescue rescue(8000, [&ops, q] {
				char b[16];
				for (int i = 0; i < 5; i++)
					ops.receive(q, b, 16, nullptr);
			});
			o.push_back("receive up to 5: " + batchRecv(s, q, 5, 16));
			for (Kid &k : kids)
				append(o, joinKid(k));
		}
		o.push_back("getattr: " + getattrStr(ops, q));
		const struct sigevent none = { .sigev_value = {}, .sigev_signo = 0, .sigev_notify = SIGEV_NONE, ._sigev_un = {} };
		o.push_back("notify SIGEV_NONE: " + rc(ops.notify(q, &none)));
		o.push_back("status: " + statusSelf(s, "/ba"));
		o.push_back("batch of 2 into the empty queue: " + batchSend(s, q, { { "n1", 0 }, { "n2", 0 } }));
		o.push_back("status (registration used up): " + statusSelf(s, "/ba"));
		o.push_back("notify again: " + rc(ops.notify(q, &none)));
		o.push_back("receive 1: " + recvStr(ops, q, 16));
		o.push_back("batch of 1 into a non-empty queue: " + batchSend(s, q, { { "n3", 0 } }));
		o.push_back("status (still registered): " + statusSelf(s, "/ba"));
		ops.unlink("/ba");
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "mqfs batch: buffer room, 8-byte alignment, messages larger than one batch read", "[mqfs][batch]")
{
	const std::string root = mqfsSide().root;
	::setenv("MQFS_ROOT", root.c_str(), 1);
	struct mq_attr a = mkattr(10, 100);
	const int q = ::mqfs_open("/al", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a);
	REQUIRE(q >= 0);
	std::vector<mqfs_msg> out(10);
	{
		const std::string m(100, 'm');
		std::vector<mqfs_msg> in(3, mqfs_msg{ const_cast<char *>(m.data()), m.size(), 1 });
		REQUIRE(::mqfs_send_batch(q, in.data(), in.size()) == 3);
		alignas(8) char buf[2 * MQFS_BATCH_COST(100) + 7];
		CHECK(::mqfs_receive_batch(q, buf, sizeof(buf), out.data(), out.size()) == 2);
		CHECK(reinterpret_cast<uintptr_t>(out[0].msg_ptr) % 8 == 0);
		CHECK(reinterpret_cast<uintptr_t>(out[1].msg_ptr) % 8 == 0);
		CHECK(std::string(out[1].msg_ptr, out[1].msg_len) == m);
		CHECK(::mqfs_receive_batch(q, buf, MQFS_BATCH_COST(100) - 1, out.data(), 1) == -1);
		CHECK(errno == EMSGSIZE);
		CHECK(::mqfs_receive_batch(q, buf, MQFS_BATCH_COST(100), out.data(), 5) == 1);
		CHECK(::mqfs_receive_batch(q, buf, sizeof(buf), out.data(), 5) == -1);
		CHECK(errno == EAGAIN);
	}
	::close(q);
	REQUIRE(::mqfs_unlink("/al") == 0);

	/* mq_msgsize 70000: records do not fit a 64 KiB read; each batch call
	 * still moves every message, byte-exact, one per call. */
	REQUIRE(setSys(mqfsSide(), "msgsize_max", 70000) == "msgsize_max=70000: 6");
	a = mkattr(3, 70000);
	const int b = ::mqfs_open("/big", O_RDWR | O_CREAT | O_NONBLOCK, 0600, &a);
	REQUIRE(b >= 0);
	const std::string m1 = pattern(100, 1), m2 = pattern(70000, 2), m3 = pattern(20000, 3);
	std::vector<mqfs_msg> in = { { const_cast<char *>(m1.data()), m1.size(), 0 },
				     { const_cast<char *>(m2.data()), m2.size(), 0 },
				     { const_cast<char *>(m3.data()), m3.size(), 0 } };
	CHECK(::mqfs_send_batch(b, in.data(), in.size()) == 3);
	std::vector<char> buf(3 * MQFS_BATCH_COST(70000));
	std::vector<std::string> got;
	for (int i = 0; i < 5; i++) {
		const ssize_t n = ::mqfs_receive_batch(b, buf.data(), buf.size(), out.data(), out.size());
		if (n < 0)
			break;
		for (ssize_t j = 0; j < n; j++)
			got.emplace_back(out[j].msg_ptr, out[j].msg_len);
	}
	CHECK(got == std::vector<std::string>{ m1, m2, m3 });
	::close(b);
	REQUIRE(::mqfs_unlink("/big") == 0);

	/* The C++ faces of the same calls; a NUL inside a name is EINVAL, not a shorter name. */
	{
		using namespace std::literals;
		mqfs::MessageQueue bad("/a\0b"sv, O_RDWR | O_CREAT, 0600);
		CHECK(bad.error() == -EINVAL);
		CHECK(mqfs::MessageQueue::unlink("/a\0b"sv) == -EINVAL);
		mqfs::MessageQueue cq("/cxx", O_RDWR | O_CREAT | O_NONBLOCK, 0600, mqfs::Attr{ 4, 8 });
		REQUIRE(cq.isValid());
		char p1[] = "one", p2[] = "two";
		const mqfs_msg two[] = { { p1, 3, 1 }, { p2, 3, 2 } };
		CHECK(cq.sendBatch(two) == 2);
		alignas(8) std::byte rb[64];
		mqfs_msg rcvd[4];
		CHECK(cq.receiveBatch(rb, rcvd) == 2);
		CHECK(std::string(rcvd[0].msg_ptr, rcvd[0].msg_len) == "two");
		CHECK(cq.receiveBatch(rb, rcvd) == -EAGAIN);
		CHECK(mqfs::MessageQueue::unlink("/cxx") == 0);
	}
}

TEST_CASE_METHOD(Fresh, "client random differential: seeded operations on 3 queues, compared at every step", "[client][random]")
{
	const std::uint64_t seed = envU64("MQFS_RANDOM_SEED", 20240601);
	const std::uint64_t nops = envU64("MQFS_RANDOM_OPS", 10000);
	/* MQFS_RANDOM_ACCMODE3=0 leaves out opens with access mode 3 (to look
	 * past that known difference while investigating; default: included). */
	const bool withMode3 = envU64("MQFS_RANDOM_ACCMODE3", 1) != 0;
	std::uint64_t rng = seed;
	auto next = [&rng] { return splitmix(rng); };

	RSide sides[2] = { { &kernelSide(), &kKernelOps, {} }, { &mqfsSide(), &kMqfsOps, {} } };
	std::deque<std::string> history;
	const unsigned kMaxFds = 18;

	struct Cleanup {
		RSide *sides;
		~Cleanup()
		{
			for (int i = 0; i < 2; i++)
				for (auto &v : sides[i].fds)
					for (int fd : v)
						::close(fd);
		}
	} cleanup{ sides };

	std::map<std::string, unsigned> opCounts;
	bool diverged = false;
	std::string report;
	const auto t0 = nowClock(CLOCK_MONOTONIC);
	for (std::uint64_t step = 0; step < nops && !diverged; step++) {
		const unsigned qi = static_cast<unsigned>(next() % 3);
		const char *qname = kRandNames[qi];
		const std::uint64_t r1 = next(), r2 = next(), r3 = next(), r4 = next();
		unsigned kind = static_cast<unsigned>(next() % 100);
		const unsigned totalFds =
			static_cast<unsigned>(sides[0].fds[0].size() + sides[0].fds[1].size() + sides[0].fds[2].size());
		/* kinds: 0-7 open, 8-11 close, 12-36 send, 37-61 receive, 62-67 getattr,
		 * 68-71 setattr, 72-79 notify, 80-82 unlink, 83-85 recreate, 86-92 status,
		 * 93-95 fcntl O_NONBLOCK, 96-97 dup, 98-99 status by pread */
		if ((kind < 8 || kind >= 96) && totalFds >= kMaxFds && kind < 98)
			kind = 8;
		std::string desc;
		std::function<std::string(RSide &)> op;
		if (kind < 8) {
			static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR, O_ACCMODE };
			int fl = accs[r1 % (withMode3 ? 5 : 4)];
			if (r1 & 0x100)
				fl |= O_NONBLOCK;
			if (r1 & 0x200)
				fl |= O_CREAT;
			if ((fl & O_CREAT) && (r1 & 0x1c00) == 0)
				fl |= O_EXCL;
			static const long sizes[] = { 1, 2, 16, 100, 1000, 4000, 8192 };
			struct mq_attr at = mkattr(1 + static_cast<long>(r2 % 8), sizes[r3 % 7]);
			const unsigned attrSel = static_cast<unsigned>(r4 % 40);
			const bool nullAttr = attrSel == 0;
			if (attrSel == 1)
				at.mq_maxmsg = 0;
			else if (attrSel == 2)
				at.mq_msgsize = 8193;
			else if (attrSel == 3)
				at.mq_maxmsg = 11;
			char b[160];
			std::snprintf(b, sizeof(b), "open %s flags 0%o attr %s", qname, fl,
				      nullAttr ? "NULL" : (std::to_string(at.mq_maxmsg) + "x" + std::to_string(at.mq_msgsize)).c_str());
			desc = b;
			op = [=](RSide &rs) {
				int fd = rs.ops->open(qname, fl, 0600, nullAttr ? nullptr : &at);
				std::string r = fdrc(fd);
				if (fd >= 0) {
					rs.fds[qi].push_back(fd);
					r += " " + getattrStr(*rs.ops, fd);
				}
				return r;
			};
			opCounts["open"]++;
		} else if (kind < 12) {
			desc = std::string("close a fd of ") + qname;
			op = [=](RSide &rs) {
				auto &v = rs.fds[qi];
				if (v.empty())
					return std::string("no fd");
				const size_t i = r1 % v.size();
				const int fd = v[i];
				v.erase(v.begin() + static_cast<long>(i));
				return rc(rs.ops->close(fd));
			};
			opCounts["close"]++;
		} else if (kind < 37) {
			static const unsigned prios[] = { 0, 1, 2, 3, 5, 31, 32767, 0, 1, 2, 32768, UINT_MAX };
			const unsigned prio = prios[r2 % (r2 % 20 == 0 ? 12 : 10)];
			const bool plain = r4 & 1;
			desc = std::string("send on ") + qname + " fd#" + std::to_string(r1 % 97) + " prio " + std::to_string(prio) +
			       (plain ? " (plain if O_NONBLOCK)" : " (timed {0,0})");
			op = [=](RSide &rs) {
				const int fd = pickFd(rs, qi, r1);
				const long m = msgsizeOf(*rs.ops, fd);
				const size_t len = static_cast<size_t>(r3 % static_cast<std::uint64_t>(m + 2));
				const std::string payload = pattern(len, r4);
				const int fl = ::fcntl(fd, F_GETFL);
				int r;
				if (plain && fl >= 0 && (fl & O_NONBLOCK))
					r = rs.ops->send(fd, payload.data(), len, prio);
				else {
					const struct timespec zero = { 0, 0 };
					r = rs.ops->timedsend(fd, payload.data(), len, prio, &zero);
				}
				return "len " + std::to_string(len) + ": " + rc(r);
			};
			opCounts["send"]++;
		} else if (kind < 62) {
			const bool plain = r4 & 1;
			desc = std::string("receive on ") + qname + " fd#" + std::to_string(r1 % 97) +
			       (plain ? " (plain if O_NONBLOCK)" : " (timed {0,0})");
			op = [=](RSide &rs) {
				const int fd = pickFd(rs, qi, r1);
				const long m = msgsizeOf(*rs.ops, fd);
				const size_t choices[] = { 0, static_cast<size_t>(m - 1), static_cast<size_t>(m), static_cast<size_t>(m),
							   static_cast<size_t>(m + 1), static_cast<size_t>(2 * m + 7), 65537 };
				const size_t len = choices[r2 % 7];
				std::vector<char> buf(len + 1, '\0');
				unsigned prio = 4242;
				const int fl = ::fcntl(fd, F_GETFL);
				ssize_t n;
				if (plain && fl >= 0 && (fl & O_NONBLOCK))
					n = rs.ops->receive(fd, buf.data(), len, &prio);
				else {
					const struct timespec zero = { 0, 0 };
					n = rs.ops->timedreceive(fd, buf.data(), len, &prio, &zero);
				}
				if (n < 0)
					return "buf " + std::to_string(len) + ": " + rc(n);
				return "buf " + std::to_string(len) + ": " + std::to_string(n) + " prio " + std::to_string(prio) + " " +
				       label(std::string(buf.data(), static_cast<size_t>(n)));
			};
			opCounts["receive"]++;
		} else if (kind < 68) {
			desc = std::string("getattr on ") + qname + " fd#" + std::to_string(r1 % 97);
			op = [=](RSide &rs) { return getattrStr(*rs.ops, pickFd(rs, qi, r1)); };
			opCounts["getattr"]++;
		} else if (kind < 72) {
			static const long flags[] = { 0, O_NONBLOCK, 0, O_NONBLOCK, O_NONBLOCK | O_APPEND, 1 };
			const long fl = flags[r2 % 6];
			desc = std::string("setattr on ") + qname + " fd#" + std::to_string(r1 % 97) + " flags " + hexs(static_cast<unsigned long>(fl));
			op = [=](RSide &rs) {
				const struct mq_attr n = mkattr(0, 0, fl);
				struct mq_attr old = {};
				int r = rs.ops->setattr(pickFd(rs, qi, r1), &n, &old);
				return r < 0 ? rc(r) : "old " + attrStr(old);
			};
			opCounts["setattr"]++;
		} else if (kind < 80) {
			const unsigned how = static_cast<unsigned>(r2 % 3);
			desc = std::string("notify on ") + qname + " fd#" + std::to_string(r1 % 97) +
			       (how == 0 ? " NULL" : how == 1 ? " NONE" : " SIGNAL signo 0");
			op = [=](RSide &rs) {
				struct sigevent e = how == 1 ? sevNone() : sevSignal(0, static_cast<long>(r3 & 0xffff));
				return rc(rs.ops->notify(pickFd(rs, qi, r1), how == 0 ? nullptr : &e));
			};
			opCounts["notify"]++;
		} else if (kind < 83) {
			desc = std::string("unlink ") + qname;
			op = [=](RSide &rs) { return rc(rs.ops->unlink(qname)); };
			opCounts["unlink"]++;
		} else if (kind < 86) {
			const struct mq_attr at = mkattr(1 + static_cast<long>(r2 % 6), 1 + static_cast<long>(r3 % 300));
			desc = std::string("recreate ") + qname + " " + std::to_string(at.mq_maxmsg) + "x" + std::to_string(at.mq_msgsize);
			op = [=](RSide &rs) {
				std::string r = "unlink " + rc(rs.ops->unlink(qname));
				if (totalFds >= kMaxFds)
					return r;
				int fd = rs.ops->open(qname, O_RDWR | O_CREAT | O_EXCL | ((r1 & 1) ? O_NONBLOCK : 0), 0600, &at);
				r += ", create " + fdrc(fd);
				if (fd >= 0)
					rs.fds[qi].push_back(fd);
				return r;
			};
			opCounts["recreate"]++;
		} else if (kind < 93) {
			desc = std::string("status read (open/read/close) of ") + qname;
			op = [=](RSide &rs) { return statusSelf(*rs.side, qname, { { ::getpid(), "self" } }); };
			opCounts["status"]++;
		} else if (kind < 96) {
			const bool on = r2 & 1;
			desc = std::string("fcntl F_SETFL ") + (on ? "O_NONBLOCK" : "0") + " on " + qname + " fd#" + std::to_string(r1 % 97);
			op = [=](RSide &rs) {
				const int fd = pickFd(rs, qi, r1);
				int fl = ::fcntl(fd, F_GETFL);
				if (fl < 0)
					return rc(fl);
				return rc(::fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK)));
			};
			opCounts["fcntl"]++;
		} else if (kind < 98) {
			desc = std::string("dup a fd of ") + qname;
			op = [=](RSide &rs) {
				auto &v = rs.fds[qi];
				if (v.empty())
					return std::string("no fd");
				int d = ::fcntl(v[r1 % v.size()], F_DUPFD_CLOEXEC, 0);
				if (d >= 0)
					v.push_back(d);
				return fdrc(d);
			};
			opCounts["dup"]++;
		} else {
			desc = std::string("pread status at offset ") + std::to_string(r2 % 70) + " of a fd of " + qname;
			op = [=](RSide &rs) {
				const int fd = pickFd(rs, qi, r1);
				char buf[128];
				ssize_t n = ::pread(fd, buf, sizeof(buf), static_cast<off_t>(r2 % 70));
				if (n < 0)
					return rc(n);
				return normStatus(std::string(buf, static_cast<size_t>(n)), { { ::getpid(), "self" } });
			};
			opCounts["pread"]++;
		}
		const std::string k = op(sides[0]);
		const std::string m = op(sides[1]);
		history.push_back("step " + std::to_string(step) + ": " + desc + " -> " + k +
				  (k == m ? "" : "  ||  mqfs: " + m));
		if (history.size() > 25)
			history.pop_front();
		if (k != m) {
			diverged = true;
			std::ostringstream os;
			os << "DIVERGENCE at step " << step << " (MQFS_RANDOM_SEED=" << seed << ", MQFS_RANDOM_OPS=" << nops
			   << ")\n  op:     " << desc << "\n  kernel: " << k << "\n  mqfs:   " << m << "\n  last steps:\n";
			for (const auto &h : history)
				os << "    " << h << "\n";
			report = os.str();
		}
	}
	const long ms = diffUs(t0, nowClock(CLOCK_MONOTONIC)) / 1000;
	std::ostringstream counts;
	for (const auto &[name, n] : opCounts)
		counts << name << "=" << n << " ";
	std::fprintf(stderr, "random differential: seed %" PRIu64 ", %s in %ld ms: %s\n", seed,
		     diverged ? "DIVERGED" : (std::to_string(nops) + " steps").c_str(), ms, counts.str().c_str());
	for (int i = 0; i < 2; i++) {
		for (auto &v : sides[i].fds) {
			for (int fd : v)
				::close(fd);
			v.clear();
		}
		for (const char *n : kRandNames)
			sides[i].ops->unlink(n);
	}
	INFO(report);
	REQUIRE_FALSE(diverged);
	CHECK(ms < 60000);
}

/* ===================================================================== */
/* Kill test (mqfs only)                                                  */
/* ===================================================================== */

namespace {

constexpr size_t kKillMsg = 48;

struct KillSlot {
	volatile int ready;
	volatile int returned;
	volatile long rv;
	char buf[64];
};

std::string killPayload(unsigned id)
{
	char b[kKillMsg + 1];
	std::snprintf(b, sizeof(b), "kill-%06u-", id);
	std::string s(b);
	while (s.size() < kKillMsg)
		s += static_cast<char>('a' + (id + s.size()) % 26);
	return s;
}

/* -1: not a message; -2: corrupt; else the id. */
long parseKillPayload(const char *p, size_t n)
{
	bool zero = true;
	for (size_t i = 0; i < n; i++)
		zero = zero && p[i] == 0;
	if (zero)
		return -1;
	unsigned id;
	if (std::sscanf(p, "kill-%06u-", &id) != 1)
		return -2;
	const std::string want = killPayload(id);
	if (std::memcmp(p, want.data(), want.size()) != 0)
		return -2;
	for (size_t i = want.size(); i < n; i++)
		if (p[i] != 0)
			return -2;
	return id;
}

void spinUs(long us)
{
	const struct timespec t0 = nowClock(CLOCK_MONOTONIC);
	while (diffUs(t0, nowClock(CLOCK_MONOTONIC)) < us) {
	}
}

} /* namespace */

TEST_CASE_METHOD(Fresh, "mqfs kill: a receiver SIGKILLed around delivery loses or duplicates nothing", "[mqfs][kill]")
{
	const unsigned rounds = static_cast<unsigned>(envU64("MQFS_KILL_ROUNDS", 200));
	const Side &s = mqfsSide();
	const std::string maxText = std::to_string(std::max(rounds, 10u)) + "\n";
	REQUIRE(writeOnce(s.s("msg_max"), maxText) == std::to_string(maxText.size()));
	const struct mq_attr a = mkattr(std::max(static_cast<long>(rounds), 10L), 64);
	const int q = ::mqfs_open("/kill", O_RDWR | O_CREAT, 0600, &a);
	REQUIRE(q >= 0);
	const size_t mapLen = sizeof(KillSlot) * rounds;
	void *map = ::mmap(nullptr, mapLen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(map != MAP_FAILED);
	auto *slots = static_cast<KillSlot *>(map);
	std::memset(map, 0, mapLen);
	std::uint64_t rng = 99;
	unsigned stuck = 0, sendFailures = 0, returnedNormally = 0, killedWithMessage = 0;
	std::vector<std::string> problems;
	for (unsigned i = 0; i < rounds; i++) {
		KillSlot *slot = &slots[i];
		std::fflush(nullptr);
		const pid_t pid = ::fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			::prctl(PR_SET_PDEATHSIG, SIGKILL);
			slot->ready = 1;
			unsigned prio;
			ssize_t n = ::mqfs_receive(q, slot->buf, sizeof(slot->buf), &prio);
			slot->rv = n;
			slot->returned = 1;
			::_exit(0);
		}
		const struct timespec w0 = nowClock(CLOCK_MONOTONIC);
		while (!slot->ready && diffUs(w0, nowClock(CLOCK_MONOTONIC)) < 2000000)
			sleepUs(20);
		/* Sometimes let the receiver park in the daemon first. */
		const long park = static_cast<long>(splitmix(rng) % 4) * 300;
		if (park)
			sleepUs(park);
		const long delay = static_cast<long>(splitmix(rng) % 201);
		const std::string msg = killPayload(i);
		const bool sendFirst = (i % 2) == 0;
		if (!sendFirst)
			::kill(pid, SIGKILL);
		if (!sendFirst)
			spinUs(delay);
		if (::mqfs_send(q, msg.data(), msg.size(), i % 32) != 0) {
			sendFailures++;
			problems.push_back("round " + std::to_string(i) + ": send " + rc(-1));
		}
		if (sendFirst) {
			spinUs(delay);
			::kill(pid, SIGKILL);
		}
		int st = 0;
		bool reaped = false;
		const struct timespec k0 = nowClock(CLOCK_MONOTONIC);
		while (diffUs(k0, nowClock(CLOCK_MONOTONIC)) < 5000000) {
			if (::waitpid(pid, &st, WNOHANG) == pid) {
				reaped = true;
				break;
			}
			sleepUs(200);
		}
		if (!reaped) {
			stuck++;
			problems.push_back("round " + std::to_string(i) + ": the killed receiver did not die within 5 s");
			::kill(pid, SIGKILL);
			::waitpid(pid, &st, 0);
		}
		if (slot->returned)
			returnedNormally++;
	}
	/* Account. */
	std::vector<unsigned> count(rounds, 0);
	for (unsigned i = 0; i < rounds; i++) {
		const long id = parseKillPayload(slots[i].buf, sizeof(slots[i].buf));
		if (id == -2)
			problems.push_back("slot " + std::to_string(i) + ": corrupt buffer " + esc(std::string(slots[i].buf, sizeof(slots[i].buf))));
		if (id >= 0 && static_cast<unsigned long>(id) < rounds) {
			count[static_cast<size_t>(id)]++;
			if (!slots[i].returned)
				killedWithMessage++;
		}
		if (slots[i].returned && slots[i].rv != static_cast<long>(kKillMsg))
			problems.push_back("slot " + std::to_string(i) + ": receive returned " + std::to_string(slots[i].rv));
	}
	unsigned inQueue = 0;
	for (;;) {
		char buf[64] = {};
		const struct timespec zero = { 0, 0 };
		ssize_t n = ::mqfs_timedreceive(q, buf, sizeof(buf), nullptr, &zero);
		if (n < 0) {
			if (errno != ETIMEDOUT && errno != EAGAIN)
				problems.push_back("drain: " + rc(n));
			break;
		}
		const long id = parseKillPayload(buf, sizeof(buf));
		if (id < 0 || static_cast<unsigned long>(id) >= rounds) {
			problems.push_back("drain: unexpected message " + esc(std::string(buf, static_cast<size_t>(n))));
			continue;
		}
		count[static_cast<size_t>(id)]++;
		inQueue++;
	}
	std::vector<unsigned> lost, dup;
	for (unsigned i = 0; i < rounds; i++) {
		if (count[i] == 0)
			lost.push_back(i);
		if (count[i] > 1)
			dup.push_back(i);
	}
	struct mq_attr end = {};
	::mqfs_getattr(q, &end);
	::close(q);
	::mqfs_unlink("/kill");
	::munmap(map, mapLen);
	writeOnce(s.s("msg_max"), "10\n");
	std::ostringstream os;
	os << rounds << " rounds: " << returnedNormally << " receivers returned normally, " << killedWithMessage
	   << " killed receivers had a message in their buffer, " << inQueue << " messages left in the queue, "
	   << lost.size() << " lost, " << dup.size() << " duplicated, " << stuck << " receivers stuck, " << sendFailures
	   << " send failures, curmsgs at the end " << end.mq_curmsgs;
	std::fprintf(stderr, "kill test: %s\n", os.str().c_str());
	for (size_t i = 0; i < lost.size() && i < 20; i++)
		os << "\n  lost: message " << lost[i];
	for (size_t i = 0; i < dup.size() && i < 20; i++)
		os << "\n  duplicated: message " << dup[i] << " (" << count[dup[i]] << " copies)";
	for (size_t i = 0; i < problems.size() && i < 20; i++)
		os << "\n  " << problems[i];
	INFO(os.str());
	CHECK(lost.empty());
	CHECK(dup.empty());
	CHECK(stuck == 0);
	CHECK(problems.empty());
	CHECK(end.mq_curmsgs == 0);
}

/* ===================================================================== */

int main(int argc, char **argv)
{
	Catch::Session session;
	if (int r = session.applyCommandLine(argc, argv); r != 0)
		return r;
	const auto &cfg = session.configData();
	if (cfg.listTests || cfg.listTestNamesOnly || cfg.listTags || cfg.listReporters || cfg.showHelp)
		return session.run();

	if (std::string err = setupEnvironment(); !err.empty()) {
		std::fprintf(stderr, "parity: setup failed: %s\n", err.c_str());
		teardownEnvironment();
		return 1;
	}
	{
		struct sigaction sa = {};
		sa.sa_handler = onWatchdogSignal;
		sigemptyset(&sa.sa_mask);
		::sigaction(kWatchdogSignal, &sa, nullptr);
	}
	/* libmqfs finds the mount through MQFS_ROOT. */
	::setenv("MQFS_ROOT", mqfsSide().root.c_str(), 1);
	return runThenTeardown([&session] { return session.run(); });
}
