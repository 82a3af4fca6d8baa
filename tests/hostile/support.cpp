/* SPDX-License-Identifier: MIT */
#include "hostile.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/mqfs_proto.h"

namespace hostile {

bool longForm()
{
	static const bool on = [] {
		const char *v = std::getenv("MQFS_HOSTILE_LONG");
		return v && *v && std::strcmp(v, "0") != 0;
	}();
	return on;
}

long scaled(long dflt, long longFactor)
{
	return longForm() ? dflt * longFactor : dflt;
}

double msSince(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/* ---- daemons ---- */

ProcFigures procFigures(pid_t pid)
{
	ProcFigures f;
	std::ifstream in("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind("VmRSS:", 0) == 0)
			f.rssKiB = std::strtol(line.c_str() + 6, nullptr, 10);
		else if (line.rfind("Threads:", 0) == 0)
			f.threads = std::strtol(line.c_str() + 8, nullptr, 10);
	}
	return f;
}

namespace {

bool infoAnswers(const std::string &root)
{
	const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	mqfs_info info = {};
	const bool ok = ::ioctl(fd, MQFS_IOC_INFO, &info) == 0 && info.magic == MQFS_PROTO_MAGIC &&
			info.version == MQFS_PROTO_VERSION;
	::close(fd);
	return ok;
}

} /* namespace */

Daemon::Daemon(const std::string &opts, bool measured)
{
	const char *bin = std::getenv("MQFS_BIN");
	if (!bin || !*bin)
		throw std::runtime_error("MQFS_BIN is not set");
	char tmpl[] = "/tmp/mqfs-hostile.XXXXXX";
	if (!::mkdtemp(tmpl))
		throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
	base_ = tmpl;
	root_ = base_ + "/mnt";
	/* Other users (the tests that drop to nobody) must reach the mount. */
	::chmod(base_.c_str(), 0755);
	if (::mkdir(root_.c_str(), 0755) < 0) {
		::rmdir(base_.c_str());
		throw std::runtime_error(std::string("mkdir: ") + std::strerror(errno));
	}
	const std::string o = "allow_other" + (opts.empty() ? std::string() : "," + opts);
	/* MALLOC_PERTURB_ (meson test sets it) writes every block malloc hands
	 * out or takes back, so VmRSS would follow the peak, not what is live:
	 * a daemon whose figures we compare runs without it. */
	std::vector<std::string> env;
	for (char **e = environ; *e; e++)
		if (!measured || std::strncmp(*e, "MALLOC_PERTURB_=", 16) != 0)
			env.emplace_back(*e);
	std::vector<char *> envp;
	for (auto &e : env)
		envp.push_back(e.data());
	envp.push_back(nullptr);
	const char *argv[] = { bin, "-f", "-o", o.c_str(), root_.c_str(), nullptr };
	const pid_t parent = ::getpid();
	pid_ = ::fork();
	if (pid_ < 0) {
		stopped_ = true;
		throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
	}
	if (pid_ == 0) {
		/* Never outlive the test, whatever happens to it. */
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != parent)
			::_exit(127);
		::execve(bin, const_cast<char **>(argv), envp.data());
		std::fprintf(stderr, "exec %s: %s\n", bin, std::strerror(errno));
		::_exit(127);
	}
	registerDaemon(pid_, root_, base_);
	const auto t0 = std::chrono::steady_clock::now();
	while (!infoAnswers(root_)) {
		if (!alive()) {
			stop();
			throw std::runtime_error("the daemon exited before mounting");
		}
		if (msSince(t0) > 10000) {
			stop();
			throw std::runtime_error("the daemon did not mount within 10 s");
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
}

Daemon::~Daemon()
{
	stop();
}

bool Daemon::alive()
{
	if (exited_)
		return false;
	int st;
	if (::waitpid(pid_, &st, WNOHANG) == pid_) {
		exited_ = true;
		status_ = st;
		unregisterDaemon(pid_);
		return false;
	}
	return true;
}

bool Daemon::answers()
{
	/* A daemon that stopped answering would block the ioctl: 5 s, then EINTR. */
	Interrupter in;
	in.arm(std::chrono::seconds(5));
	const bool ok = infoAnswers(root_);
	in.disarm();
	return ok;
}

int Daemon::stop()
{
	if (stopped_)
		return status_;
	stopped_ = true;
	if (::umount2(root_.c_str(), 0) < 0 && errno != EINVAL && errno != ENOENT)
		::umount2(root_.c_str(), MNT_DETACH);
	const auto t0 = std::chrono::steady_clock::now();
	while (alive() && msSince(t0) < 5000)
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	if (alive()) {
		std::fprintf(stderr, "hostile: daemon %d did not exit within 5 s of the unmount: SIGKILL\n",
			     pid_);
		::kill(pid_, SIGKILL);
		int st;
		::waitpid(pid_, &st, 0);
		exited_ = true;
		status_ = st ? st : -1;
		unregisterDaemon(pid_);
		::umount2(root_.c_str(), MNT_DETACH);
	}
	::rmdir(root_.c_str());
	::rmdir(base_.c_str());
	return status_;
}

namespace {

std::unique_ptr<Daemon> &sharedSlot()
{
	static std::unique_ptr<Daemon> d;
	return d;
}

} /* namespace */

Daemon &sharedDaemon()
{
	auto &d = sharedSlot();
	if (!d)
		d = std::make_unique<Daemon>(kBigLimits);
	return *d;
}

int stopSharedDaemon()
{
	auto &d = sharedSlot();
	if (!d)
		return 0;
	const int st = d->stop();
	d.reset();
	return st;
}

bool haveCapSysResource()
{
	std::ifstream in("/proc/self/status");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("CapEff:", 0) == 0)
			return std::strtoull(line.c_str() + 7, nullptr, 16) & (1ull << 24);
	return false;
}

/* ---- raw requests ---- */

void Fd::reset(int fd)
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = fd;
}

long rawIoctl(int fd, unsigned long cmd, void *arg)
{
	const int rv = ::ioctl(fd, cmd, arg);
	return rv < 0 ? -errno : rv;
}

long rawPread(int fd, void *buf, size_t len, std::uint64_t off)
{
	const ssize_t n = ::pread(fd, buf, len, static_cast<off_t>(off));
	return n < 0 ? -errno : n;
}

long rawPreadv(int fd, const struct iovec *iov, int n, std::uint64_t off)
{
	const ssize_t r = ::preadv(fd, iov, n, static_cast<off_t>(off));
	return r < 0 ? -errno : r;
}

int rawOpen(const std::string &path, int flags, mode_t mode)
{
	const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

std::string createTag()
{
	/* The library pads the tag's head with '.' to exactly 256 bytes. */
	std::string t = MQFS_CREATE_TAG_HEAD;
	t.resize(MQFS_CREATE_TAG_LEN, '.');
	return t;
}

int createQueue(const Daemon &d, const std::string &name, long maxmsg, long msgsize, int extraFlags)
{
	const std::string cn =
		createTag() + std::to_string(maxmsg) + "," + std::to_string(msgsize) + ",0," + name;
	return rawOpen(d.path(cn), O_CREAT | O_EXCL | O_RDWR | extraFlags, 0600);
}

long curMsgs(int fd)
{
	mqfs_attr a = {};
	const long rv = rawIoctl(fd, MQFS_IOC_GETATTR, &a);
	return rv < 0 ? rv : a.curmsgs;
}

long waitCurMsgs(int fd, long want, int ms)
{
	const auto t0 = std::chrono::steady_clock::now();
	long n = curMsgs(fd);
	while (n != want && msSince(t0) < ms) {
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		n = curMsgs(fd);
	}
	return n;
}

long settledCurMsgs(int fd)
{
	long a = curMsgs(fd);
	for (int i = 0; i < 100; i++) {
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		const long b = curMsgs(fd);
		if (a == b)
			return b;
		a = b;
	}
	return a;
}

long sendInline(int fd, size_t len, unsigned prio, std::uint32_t flags, std::int64_t deadlineNs,
		unsigned char fill)
{
	std::vector<unsigned char> buf(MQFS_HDR_SIZE + len, fill);
	mqfs_send_hdr h = { prio, flags, deadlineNs };
	std::memcpy(buf.data(), &h, sizeof(h));
	return rawIoctl(fd, MQFS_IOC_SEND(len), buf.data());
}

long xferBegin(int fd, unsigned long cmd, std::uint64_t &len, std::uint32_t &token, unsigned prio,
	       std::uint32_t flags)
{
	mqfs_xfer x = {};
	x.len = len;
	x.prio = prio;
	x.flags = flags;
	const long rv = rawIoctl(fd, cmd, &x);
	if (rv >= 0) {
		len = x.len;
		token = x.token;
	}
	return rv;
}

long sendChunk(int fd, std::uint32_t token, std::uint64_t offset, size_t n, unsigned char fill)
{
	std::vector<unsigned char> buf(MQFS_HDR_SIZE + n, fill);
	mqfs_chunk_hdr h = { token, 0, offset };
	std::memcpy(buf.data(), &h, sizeof(h));
	return rawIoctl(fd, MQFS_IOC_SEND_CHUNK(n), buf.data());
}

long sendCommit(int fd, std::uint32_t token, std::uint32_t flags, std::int64_t deadlineNs)
{
	mqfs_xfer x = {};
	x.token = token;
	x.flags = flags;
	x.deadline_ns = deadlineNs;
	return rawIoctl(fd, MQFS_IOC_SEND_COMMIT, &x);
}

long stagedSend(int fd, size_t len, unsigned prio, std::uint32_t flags, unsigned char fill)
{
	std::uint64_t l = len;
	std::uint32_t token = 0;
	if (long rv = xferBegin(fd, MQFS_IOC_SEND_BEGIN, l, token, prio); rv < 0)
		return rv;
	for (size_t off = 0; off < len;) {
		const size_t n = std::min<size_t>(len - off, MQFS_CHUNK_MAX);
		if (long rv = sendChunk(fd, token, off, n, fill); rv < 0)
			return rv;
		off += n;
	}
	return sendCommit(fd, token, flags);
}

std::uint64_t xferOffset(std::uint64_t token, std::uint64_t pos)
{
	return MQFS_OFF_CMD | MQFS_OFF_XFER | (token << MQFS_XFER_POS_BITS) | pos;
}

long recvInline(int fd, size_t bufLen)
{
	std::vector<unsigned char> buf(MQFS_HDR_SIZE + bufLen);
	return rawPread(fd, buf.data(), buf.size(), MQFS_OFF_RECV);
}

long drain(int fd, size_t bufLen)
{
	long n = 0;
	while (recvInline(fd, bufLen) >= 0)
		n++;
	return n;
}

std::string errName(long rv)
{
	if (rv >= 0)
		return "ok";
	const char *n = ::strerrorname_np(static_cast<int>(-rv));
	return n ? n : "E" + std::to_string(-rv);
}

/* ---- what we saw ---- */

void ErrnoTable::add(const std::string &cls, long rv)
{
	std::lock_guard lock(mutex_);
	counts_[cls][errName(rv)]++;
	total_++;
}

std::uint64_t ErrnoTable::total() const
{
	std::lock_guard lock(mutex_);
	return total_;
}

void ErrnoTable::print() const
{
	std::lock_guard lock(mutex_);
	std::printf("\n=== errno per request class (count) ===\n");
	for (const auto &[cls, m] : counts_) {
		std::printf("  %-58s", cls.c_str());
		for (const auto &[e, n] : m)
			std::printf(" %s:%llu", e.c_str(), static_cast<unsigned long long>(n));
		std::printf("\n");
	}
	std::printf("hostile requests sent (all classes): %llu\n", static_cast<unsigned long long>(total_));
}

ErrnoTable &table()
{
	static ErrnoTable t;
	return t;
}

namespace {

std::mutex figMutex;
std::vector<std::string> figLines;

} /* namespace */

void figure(const std::string &line)
{
	std::lock_guard lock(figMutex);
	figLines.push_back(line);
	std::printf("hostile: %s\n", line.c_str());
	std::fflush(stdout);
}

void printFigures()
{
	std::lock_guard lock(figMutex);
	std::printf("\n=== daemon figures ===\n");
	for (const auto &l : figLines)
		std::printf("  %s\n", l.c_str());
}

/* ---- hangs ---- */

namespace {

std::atomic<std::uint64_t> ticks { 0 };
std::mutex watchMutex;
std::string currentStep = "start";
/* Each daemon we started, with its mount point and the directory above. */
std::map<pid_t, std::pair<std::string, std::string>> daemons;

} /* namespace */

void tick()
{
	ticks.fetch_add(1, std::memory_order_relaxed);
}

void step(const std::string &what)
{
	{
		std::lock_guard lock(watchMutex);
		currentStep = what;
	}
	tick();
}

void registerDaemon(pid_t pid, const std::string &root, const std::string &base)
{
	std::lock_guard lock(watchMutex);
	daemons[pid] = { root, base };
}

void unregisterDaemon(pid_t pid)
{
	std::lock_guard lock(watchMutex);
	daemons.erase(pid);
}

namespace {

std::string readFirstLine(const std::string &path)
{
	std::ifstream in(path);
	std::string line;
	std::getline(in, line);
	return line;
}

/* Where each thread of \a pid waits: state, wchan, and the top of its kernel stack. */
void dumpTasks(const char *what, pid_t pid)
{
	const std::string dir = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		return;
	while (dirent *e = ::readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		const std::string t = dir + "/" + e->d_name;
		std::string stat = readFirstLine(t + "/stat");
		const auto rp = stat.rfind(')');
		const char state = rp != std::string::npos && rp + 2 < stat.size() ? stat[rp + 2] : '?';
		std::ifstream st(t + "/stack");
		std::string frames, line;
		for (int i = 0; i < 4 && std::getline(st, line); i++)
			frames += " " + line.substr(line.find(' ') + 1);
		std::fprintf(stderr, "hostile:   %s task %s: %c %s |%s\n", what, e->d_name, state,
			     readFirstLine(t + "/wchan").c_str(), frames.c_str());
	}
	::closedir(d);
}

} /* namespace */

void startWatchdog(std::chrono::seconds quiet)
{
	std::thread([quiet] {
		/* Signals are for the test threads' Interrupters. */
		sigset_t all;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, nullptr);
		std::uint64_t last = ticks.load();
		auto since = std::chrono::steady_clock::now();
		for (;;) {
			std::this_thread::sleep_for(std::chrono::milliseconds(250));
			const std::uint64_t now = ticks.load();
			if (now != last) {
				last = now;
				since = std::chrono::steady_clock::now();
				continue;
			}
			if (std::chrono::steady_clock::now() - since < quiet)
				continue;
			std::lock_guard lock(watchMutex);
			std::fprintf(stderr,
				     "hostile: HANG: no progress for %lld s in step '%s'; "
				     "killing the daemons\n",
				     static_cast<long long>(quiet.count()), currentStep.c_str());
			dumpTasks("test", ::getpid());
			for (const auto &[p, dirs] : daemons) {
				const ProcFigures f = procFigures(p);
				std::fprintf(stderr, "hostile: daemon %d: VmRSS %ld kB, %ld threads\n", p,
					     f.rssKiB, f.threads);
				dumpTasks("daemon", p);
				::kill(p, SIGKILL);
				::umount2(dirs.first.c_str(), MNT_DETACH);
				::rmdir(dirs.first.c_str());
				::rmdir(dirs.second.c_str());
			}
			std::fflush(stderr);
			/* Our mounts die with the private mount namespace. */
			std::_Exit(1);
		}
	}).detach();
}

namespace {

void onInterrupt(int) {}

} /* namespace */

void installInterruptHandler()
{
	static const bool done = [] {
		struct sigaction sa = {};
		sa.sa_handler = onInterrupt;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0; /* no SA_RESTART: the blocked call returns EINTR */
		return ::sigaction(SIGUSR2, &sa, nullptr) == 0;
	}();
	(void)done;
}

Interrupter::Interrupter()
{
	installInterruptHandler();
	sigevent sev = {};
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
	ok_ = ::timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0;
	if (!ok_)
		throw std::runtime_error(std::string("timer_create: ") + std::strerror(errno));
}

Interrupter::~Interrupter()
{
	if (ok_)
		::timer_delete(timer_);
}

void Interrupter::arm(std::chrono::microseconds period)
{
	itimerspec its = {};
	its.it_value.tv_sec = period.count() / 1000000;
	its.it_value.tv_nsec = (period.count() % 1000000) * 1000;
	its.it_interval = its.it_value;
	::timer_settime(timer_, 0, &its, nullptr);
}

void Interrupter::disarm()
{
	const int e = errno;
	itimerspec its = {};
	::timer_settime(timer_, 0, &its, nullptr);
	errno = e;
}

} /* namespace hostile */
