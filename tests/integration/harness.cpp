/* SPDX-License-Identifier: MIT */
#include "harness.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace parity {

namespace {

constexpr long kFuseSuperMagic = 0x65735546;
constexpr long kMqueueMagic = 0x19800202;
const char *const kProcSys = "/proc/sys/fs/mqueue";
/* The real uid of the test process (effective uid stays 0). */
constexpr uid_t kTestRealUid = 54320;

/* Everything the signal handler needs, in plain arrays. */
char gBase[256], gK[300], gM[300], gC[300], gLog[300];
volatile pid_t gDaemon = -1;
volatile pid_t gMainPid = -1;
volatile sig_atomic_t gKMounted = 0;
std::atomic<bool> gTornDown{ true };

Side gKernel{ "kernel", {}, kProcSys, true };
Side gMqfs{ "mqfs", {}, {}, false };

void sleepMs(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

/* Async-signal-safe emergency teardown. */
extern "C" void onFatalSignal(int sig)
{
	if (::getpid() != gMainPid)
		::_exit(128 + sig);
	if (gM[0])
		::umount2(gM, MNT_DETACH);
	if (gC[0])
		::umount2(gC, MNT_DETACH);
	if (gDaemon > 0) {
		::kill(gDaemon, SIGTERM);
		int st;
		bool reaped = false;
		for (int i = 0; i < 300 && !reaped; i++) {
			if (::waitpid(gDaemon, &st, WNOHANG) == gDaemon)
				reaped = true;
			else
				sleepMs(10);
		}
		if (!reaped) {
			::kill(gDaemon, SIGKILL);
			::waitpid(gDaemon, &st, 0);
		}
		gDaemon = -1;
	}
	if (gKMounted)
		::umount2(gK, MNT_DETACH);
	if (gK[0])
		::rmdir(gK);
	if (gM[0])
		::rmdir(gM);
	if (gC[0])
		::rmdir(gC);
	if (gLog[0])
		::unlink(gLog);
	if (gBase[0])
		::rmdir(gBase);
	static const char msg[] = "\nparity: interrupted, mounts removed and daemon reaped\n";
	(void)!::write(2, msg, sizeof(msg) - 1);
	::signal(sig, SIG_DFL);
	::raise(sig);
	::_exit(128 + sig);
}

void atExitTeardown()
{
	if (::getpid() != gMainPid || gTornDown)
		return;
	std::fflush(nullptr);
	if (teardownEnvironment() != 0)
		::_exit(1);
}

std::string slurp(const std::string &path)
{
	std::string out;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return out;
	char buf[4096];
	ssize_t n;
	while ((n = ::read(fd, buf, sizeof(buf))) > 0)
		out.append(buf, static_cast<size_t>(n));
	::close(fd);
	return out;
}

long fsType(const char *path)
{
	struct statfs sf;
	if (::statfs(path, &sf) < 0)
		return -1;
	return static_cast<long>(sf.f_type);
}

/* Is our namespace of this kind shared with the host? Compared with PID 1
 * and with our parent (run-parity.sh execs unshare, which execs us, so the
 * parent is still outside), and for IPC with the initial namespace's fixed
 * inode number (PROC_IPC_INIT_INO). */
bool sameNs(const char *kind)
{
	char self[128] = {};
	const std::string selfPath = std::string("/proc/self/ns/") + kind;
	if (::readlink(selfPath.c_str(), self, sizeof(self) - 1) < 0)
		return true; /* cannot tell: assume the worst */
	for (const std::string &pid : { std::string("1"), std::to_string(::getppid()) }) {
		char other[128] = {};
		const std::string p = "/proc/" + pid + "/ns/" + kind;
		if (::readlink(p.c_str(), other, sizeof(other) - 1) >= 0 && std::strcmp(self, other) == 0)
			return true;
	}
	return std::strcmp(kind, "ipc") == 0 && std::strcmp(self, "ipc:[4026531839]") == 0;
}

/* umount2(), ignoring "not mounted"; false when something held it busy. */
bool umountOne(const char *path, std::string &why)
{
	if (!path[0])
		return true;
	if (::umount2(path, 0) == 0 || errno == EINVAL || errno == ENOENT)
		return true;
	why += std::string("umount ") + path + ": " + std::strerror(errno) + "; ";
	::umount2(path, MNT_DETACH);
	return false;
}

void writeAllFd(int fd, const std::string &s)
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

std::string readAllFd(int fd)
{
	std::string out;
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<size_t>(n));
	}
	return out;
}

std::string replaceAll(std::string s, const std::string &from, const std::string &to)
{
	if (from.empty())
		return s;
	size_t pos = 0;
	while ((pos = s.find(from, pos)) != std::string::npos) {
		s.replace(pos, from.size(), to);
		pos += to.size();
	}
	return s;
}

std::string diffTable(const Obs &k, const Obs &m)
{
	std::ostringstream os;
	const size_t n = std::max(k.size(), m.size());
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (i >= k.size() || i >= m.size() || k[i] != m[i])
			bad++;
	const bool full = n <= 150;
	os << bad << " of " << n << " observation lines differ (kernel " << k.size() << " lines, mqfs "
	   << m.size() << " lines)" << (full ? "" : "; only differing lines shown") << "\n";
	for (size_t i = 0; i < n; i++) {
		const bool same = i < k.size() && i < m.size() && k[i] == m[i];
		if (same) {
			if (full)
				os << "     [" << i << "] " << k[i] << "\n";
			continue;
		}
		os << "  !! [" << i << "] kernel: " << (i < k.size() ? k[i] : "<missing>") << "\n";
		os << "  !! [" << i << "] mqfs:   " << (i < m.size() ? m[i] : "<missing>") << "\n";
	}
	return os.str();
}

} /* namespace */

/* ------------------------------------------------------------------ */

const Side &kernelSide()
{
	return gKernel;
}

const Side &mqfsSide()
{
	return gMqfs;
}

pid_t daemonPid()
{
	return gDaemon;
}

std::string setupEnvironment()
{
	gMainPid = ::getpid();
	if (::geteuid() != 0)
		return "must run as root";
	if (sameNs("ipc") || sameNs("mnt"))
		return "refusing to run outside a private IPC and mount namespace "
		       "(use run-parity.sh: unshare -i -m --propagation private)";
	const char *bin = std::getenv("MQFS_BIN");
	if (!bin || !*bin)
		return "MQFS_BIN is not set (path of the mqfs daemon)";
	if (::access(bin, X_OK) < 0)
		return std::string("MQFS_BIN=") + bin + ": " + std::strerror(errno);

	char tmpl[] = "/tmp/mqfs-parity.XXXXXX";
	if (!::mkdtemp(tmpl))
		return std::string("mkdtemp: ") + std::strerror(errno);
	std::snprintf(gBase, sizeof(gBase), "%s", tmpl);
	std::snprintf(gK, sizeof(gK), "%s/kernel", gBase);
	std::snprintf(gM, sizeof(gM), "%s/mqfs", gBase);
	std::snprintf(gC, sizeof(gC), "%s/config", gBase);
	std::snprintf(gLog, sizeof(gLog), "%s/daemon.log", gBase);
	gTornDown = false;
	std::atexit(atExitTeardown);
	struct sigaction sa = {};
	sa.sa_handler = onFatalSignal;
	sigemptyset(&sa.sa_mask);
	for (int sig : { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS })
		::sigaction(sig, &sa, nullptr);

	/* uid 65534 must be able to walk to the mount points. */
	if (::chmod(gBase, 0755) < 0)
		return std::string("chmod base: ") + std::strerror(errno);
	for (const char *d : { gK, gM, gC })
		if (::mkdir(d, 0755) < 0 || ::chmod(d, 0755) < 0)
			return std::string("mkdir ") + d + ": " + std::strerror(errno);
	for (std::string p = gBase; p.size() > 1; p = p.substr(0, p.rfind('/'))) {
		struct stat st;
		if (::stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH))
			return "parent directory " + p + " is not traversable by others";
		if (p.rfind('/') == 0)
			break;
	}

	if (::mount("none", gK, "mqueue", 0, nullptr) < 0)
		return std::string("mount mqueue on ") + gK + ": " + std::strerror(errno);
	gKMounted = 1;
	if (fsType(gK) != kMqueueMagic)
		return "kernel mount has an unexpected f_type";

	const pid_t parent = ::getpid();
	const std::string opts = std::string("allow_other,config=") + gC;
	pid_t pid = ::fork();
	if (pid < 0)
		return std::string("fork: ") + std::strerror(errno);
	if (pid == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (::getppid() != parent)
			::_exit(127);
		int fd = ::open(gLog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			::dup2(fd, 1);
			::dup2(fd, 2);
		}
		int nul = ::open("/dev/null", O_RDONLY);
		if (nul >= 0)
			::dup2(nul, 0);
		::execl(bin, bin, "-f", "-o", opts.c_str(), gM, static_cast<char *>(nullptr));
		std::fprintf(stderr, "exec %s: %s\n", bin, std::strerror(errno));
		::_exit(127);
	}
	gDaemon = pid;

	for (int i = 0; i < 500; i++) {
		int st;
		if (::waitpid(pid, &st, WNOHANG) == pid) {
			gDaemon = -1;
			return "the mqfs daemon died during start-up (status " + std::to_string(st) +
			       "); its output:\n" + slurp(gLog);
		}
		if (fsType(gM) == kFuseSuperMagic && fsType(gC) == kFuseSuperMagic) {
			gKernel.root = gK;
			gMqfs.root = gM;
			gMqfs.sys = gC;
			/* The kernel charges RLIMIT_MSGQUEUE to the creator's real uid,
			 * summed over every IPC namespace of the user namespace: as
			 * real uid 0 we would share the 819200-byte budget with any
			 * other root process of the machine that holds queues. Keep
			 * euid/suid 0 (and every capability) but a real uid of our own. */
			if (::setresuid(kTestRealUid, 0, 0) < 0)
				return std::string("setresuid: ") + std::strerror(errno);
			return {};
		}
		sleepMs(10);
	}
	return "timed out (5 s) waiting for the mqfs mounts; daemon output:\n" + slurp(gLog);
}

int teardownEnvironment()
{
	if (gTornDown.exchange(true))
		return 0;
	int failed = 0;
	std::string why;
	if (!umountOne(gM, why))
		failed = 1;
	if (!umountOne(gC, why))
		failed = 1;
	if (gDaemon > 0) {
		int st = 0;
		bool reaped = false;
		for (int i = 0; i < 500 && !reaped; i++) {
			if (::waitpid(gDaemon, &st, WNOHANG) == gDaemon)
				reaped = true;
			else
				sleepMs(10);
		}
		if (!reaped) {
			why += "the daemon did not exit within 5 s of the unmount: SIGKILL; ";
			::kill(gDaemon, SIGKILL);
			::waitpid(gDaemon, &st, 0);
			failed = 1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			why += "the daemon ended with " +
			       (WIFEXITED(st) ? "exit status " + std::to_string(WEXITSTATUS(st))
					      : "signal " + std::to_string(WTERMSIG(st))) +
			       "; ";
			failed = 1;
		}
		gDaemon = -1;
	}
	if (gKMounted) {
		if (::umount2(gK, 0) < 0) {
			why += std::string("umount ") + gK + ": " + std::strerror(errno) + "; ";
			::umount2(gK, MNT_DETACH);
			failed = 1;
		}
		gKMounted = 0;
	}
	const std::string log = gLog[0] ? slurp(gLog) : std::string();
	for (const char *d : { gK, gM, gC })
		if (d[0])
			::rmdir(d);
	if (gLog[0])
		::unlink(gLog);
	if (gBase[0] && ::rmdir(gBase) < 0) {
		why += std::string("rmdir ") + gBase + ": " + std::strerror(errno) + "; ";
		failed = 1;
	}
	if (failed) {
		std::fprintf(stderr, "parity: TEARDOWN FAILED: %s\n", why.c_str());
		if (!log.empty())
			std::fprintf(stderr, "parity: daemon output:\n%s\n", log.c_str());
	}
	return failed;
}

void resetBoth()
{
	::umask(022);
	for (const Side *s : { &gKernel, &gMqfs }) {
		DIR *d = ::opendir(s->root.c_str());
		if (!d)
			throw std::runtime_error("reset: opendir " + s->root + ": " + std::strerror(errno));
		std::vector<std::string> names;
		while (struct dirent *e = ::readdir(d))
			if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
				names.push_back(e->d_name);
		::closedir(d);
		for (const auto &n : names)
			if (::unlink(s->q(n).c_str()) < 0 && errno != ENOENT)
				throw std::runtime_error("reset: unlink " + s->q(n) + ": " + std::strerror(errno));
		if (::chmod(s->root.c_str(), 01777) < 0 || ::chown(s->root.c_str(), 0, 0) < 0)
			throw std::runtime_error("reset: chmod/chown " + s->root + ": " + std::strerror(errno));
		static const std::pair<const char *, const char *> dflt[] = {
			{ "queues_max", "256\n" },   { "msg_max", "10\n" },		{ "msgsize_max", "8192\n" },
			{ "msg_default", "10\n" },   { "msgsize_default", "8192\n" },
		};
		for (const auto &[file, value] : dflt) {
			int fd = ::open(s->s(file).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (fd < 0)
				throw std::runtime_error("reset: open " + s->s(file) + ": " + std::strerror(errno));
			ssize_t n = ::write(fd, value, std::strlen(value));
			int e = errno;
			::close(fd);
			if (n != static_cast<ssize_t>(std::strlen(value)))
				throw std::runtime_error("reset: write " + s->s(file) + ": " + std::strerror(e));
		}
	}
}

/* ------------------------------------------------------------------ */

void requireEqualObs(const std::string &what, const Obs &kernel, const Obs &mqfs)
{
	const bool kernel_equals_mqfs = kernel == mqfs;
	/* PARITY_DUMP=1: print every scenario's observations, for review. */
	if (const char *dump = std::getenv("PARITY_DUMP"); dump && *dump == '1') {
		std::fprintf(stderr, "==== %s\n", what.c_str());
		for (size_t i = 0; i < std::max(kernel.size(), mqfs.size()); i++) {
			const bool same = i < kernel.size() && i < mqfs.size() && kernel[i] == mqfs[i];
			if (same)
				std::fprintf(stderr, "     [%zu] %s\n", i, kernel[i].c_str());
			else
				std::fprintf(stderr, "  !! [%zu] kernel: %s\n  !! [%zu] mqfs:   %s\n", i,
					     i < kernel.size() ? kernel[i].c_str() : "<missing>", i,
					     i < mqfs.size() ? mqfs[i].c_str() : "<missing>");
		}
	}
	INFO("scenario: " << what << "\n" << (kernel_equals_mqfs ? std::string() : diffTable(kernel, mqfs)));
	REQUIRE(kernel_equals_mqfs);
}

void requireParity(const std::string &what, const Scenario &fn)
{
	const mode_t um = ::umask(022);
	::umask(um);
	char cwd[4096];
	if (!::getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	const Obs k = fn(gKernel);
	::umask(um);
	const Obs m = fn(gMqfs);
	::umask(um);
	if (cwd[0])
		(void)!::chdir(cwd);
	requireEqualObs(what, k, m);
}

void requireParityConcurrent(const std::string &what, const Scenario &fn)
{
	Obs k, m;
	std::thread tk([&] { k = fn(gKernel); });
	std::thread tm([&] { m = fn(gMqfs); });
	tk.join();
	tm.join();
	requireEqualObs(what, k, m);
}

/* ------------------------------------------------------------------ */

std::string errName(int e)
{
	const char *n = ::strerrorname_np(e);
	return n ? n : "errno" + std::to_string(e);
}

std::string rc(long rv)
{
	const int e = errno;
	if (rv < 0)
		return "ERR " + errName(e);
	return std::to_string(rv);
}

std::string fdrc(int fd)
{
	const int e = errno;
	if (fd < 0)
		return "ERR " + errName(e);
	return "fd";
}

std::string esc(const std::string &bytes)
{
	std::string out;
	char tmp[8];
	for (unsigned char c : bytes) {
		switch (c) {
		case '\n': out += "\\n"; break;
		case '\t': out += "\\t"; break;
		case '\r': out += "\\r"; break;
		case '\\': out += "\\\\"; break;
		case '"': out += "\\\""; break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				std::snprintf(tmp, sizeof(tmp), "\\x%02x", c);
				out += tmp;
			} else {
				out += static_cast<char>(c);
			}
		}
	}
	return "\"" + out + "\"";
}

std::string statDesc(const struct stat &st)
{
	char buf[256];
	std::snprintf(buf, sizeof(buf),
		      "mode=0%o nlink=%lu uid=%u gid=%u size=%lld blocks=%lld blksize=%ld nsec(a,m,c)=%ld,%ld,%ld",
		      st.st_mode, static_cast<unsigned long>(st.st_nlink), st.st_uid, st.st_gid,
		      static_cast<long long>(st.st_size), static_cast<long long>(st.st_blocks),
		      static_cast<long>(st.st_blksize), st.st_atim.tv_nsec, st.st_mtim.tv_nsec, st.st_ctim.tv_nsec);
	return buf;
}

std::string statPath(const std::string &path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) < 0)
		return rc(-1);
	return statDesc(st);
}

std::string fstatFd(int fd)
{
	struct stat st;
	if (::fstat(fd, &st) < 0)
		return rc(-1);
	return statDesc(st);
}

std::string rel(const struct timespec &before, const struct timespec &after)
{
	if (before.tv_sec == after.tv_sec && before.tv_nsec == after.tv_nsec)
		return "=";
	if (after.tv_sec > before.tv_sec || (after.tv_sec == before.tv_sec && after.tv_nsec > before.tv_nsec))
		return "+";
	return "-";
}

std::string timeRel(const struct stat &before, const struct stat &after)
{
	return "a" + rel(before.st_atim, after.st_atim) + " m" + rel(before.st_mtim, after.st_mtim) + " c" +
	       rel(before.st_ctim, after.st_ctim);
}

std::string readSmall(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "open " + rc(-1);
	char buf[4096];
	ssize_t n = ::read(fd, buf, sizeof(buf));
	std::string r = n < 0 ? "read " + rc(-1) : esc(std::string(buf, static_cast<size_t>(n)));
	::close(fd);
	return r;
}

std::string writeOnce(const std::string &path, const std::string &bytes)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return "open " + rc(-1);
	ssize_t n = ::write(fd, bytes.data(), bytes.size());
	std::string r = rc(n);
	::close(fd);
	return r;
}

std::string createQueue(const std::string &path, mode_t mode)
{
	int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, mode);
	std::string r = fdrc(fd);
	if (fd >= 0)
		::close(fd);
	return r;
}

std::string listDir(const std::string &dir, bool withType)
{
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		return "opendir " + rc(-1);
	std::string out;
	errno = 0;
	while (struct dirent *e = ::readdir(d)) {
		out += (out.empty() ? "" : " ") + esc(e->d_name);
		if (withType)
			out += ":" + std::to_string(e->d_type);
	}
	if (errno)
		out += " readdir " + rc(-1);
	::closedir(d);
	return out;
}

void waitNextSecond()
{
	struct timespec now;
	::clock_gettime(CLOCK_REALTIME, &now);
	const long ns = 1000000000L - now.tv_nsec + 50000000L;
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
	while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

namespace {

/* A child with exactly these credentials runs fn; one framed message per
 * observation line comes back, and the child's status is checked. */
Obs runWithIds(uid_t uid, gid_t gid, const std::vector<gid_t> &groups, unsigned long rlimitMsgqueue,
	       const std::function<Obs()> &fn)
{
	int p[2];
	if (::pipe2(p, O_CLOEXEC) < 0)
		return { "pipe " + rc(-1) };
	std::fflush(nullptr);
	pid_t pid = ::fork();
	if (pid < 0)
		return { "fork " + rc(-1) };
	if (pid == 0) {
		::close(p[0]);
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		std::string out;
		auto put = [&](const std::string &s) {
			const uint32_t len = static_cast<uint32_t>(s.size());
			out.append(reinterpret_cast<const char *>(&len), sizeof(len));
			out += s;
		};
		if (rlimitMsgqueue) {
			struct rlimit rl = { rlimitMsgqueue, rlimitMsgqueue };
			if (::setrlimit(RLIMIT_MSGQUEUE, &rl) < 0)
				put("setrlimit " + rc(-1));
		}
		if (::setgroups(groups.size(), groups.data()) < 0 || ::setresgid(gid, gid, gid) < 0 ||
		    ::setresuid(uid, uid, uid) < 0) {
			put("cannot take the credentials: " + rc(-1));
		} else {
			try {
				for (const auto &s : fn())
					put(s);
			} catch (const std::exception &ex) {
				put(std::string("child exception: ") + ex.what());
			}
		}
		writeAllFd(p[1], out);
		::_exit(0);
	}
	::close(p[1]);
	const std::string raw = readAllFd(p[0]);
	::close(p[0]);
	int st = 0;
	while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	Obs obs;
	for (size_t off = 0; off + sizeof(uint32_t) <= raw.size();) {
		uint32_t len;
		std::memcpy(&len, raw.data() + off, sizeof(len));
		off += sizeof(len);
		obs.push_back(raw.substr(off, len));
		off += len;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		obs.push_back("child ended abnormally: status " + std::to_string(st));
	return obs;
}

} /* namespace */

Obs runAs(uid_t id, const std::function<Obs()> &fn, unsigned long rlimitMsgqueue)
{
	return runWithIds(id, id, {}, rlimitMsgqueue, fn);
}

Obs runAsIds(uid_t uid, gid_t gid, const std::vector<gid_t> &groups, const std::function<Obs()> &fn)
{
	return runWithIds(uid, gid, groups, 0, fn);
}

Obs shell(const Side &side, const std::string &script)
{
	int p[2];
	if (::pipe2(p, O_CLOEXEC) < 0)
		return { "pipe " + rc(-1) };
	std::fflush(nullptr);
	pid_t pid = ::fork();
	if (pid < 0)
		return { "fork " + rc(-1) };
	if (pid == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		::dup2(p[1], 1);
		::dup2(p[1], 2);
		int nul = ::open("/dev/null", O_RDONLY);
		if (nul >= 0)
			::dup2(nul, 0);
		if (::chdir(side.root.c_str()) < 0)
			::_exit(126);
		/* dash keeps privileges anyway, but be plain root in the shell. */
		if (::setresuid(0, 0, 0) < 0)
			::_exit(125);
		::setenv("D", side.root.c_str(), 1);
		::setenv("S", side.sys.c_str(), 1);
		::setenv("LC_ALL", "C", 1);
		::setenv("TZ", "UTC", 1);
		::umask(022);
		::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char *>(nullptr));
		::_exit(127);
	}
	::close(p[1]);
	std::string out = readAllFd(p[0]);
	::close(p[0]);
	int st = 0;
	while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	out = replaceAll(out, side.root, "$D");
	out = replaceAll(out, side.sys, "$S");
	Obs obs;
	std::istringstream in(out);
	std::string line;
	while (std::getline(in, line))
		obs.push_back(line);
	obs.push_back(WIFEXITED(st) ? "exit " + std::to_string(WEXITSTATUS(st))
				    : "signal " + std::to_string(WTERMSIG(st)));
	return obs;
}

int runThenTeardown(const std::function<int()> &run)
{
	/* RAII: even an exception out of run() tears down. */
	struct Guard {
		~Guard()
		{
			if (teardownEnvironment() != 0)
				std::fprintf(stderr, "parity: teardown reported a failure\n");
		}
	};
	int result;
	int td;
	{
		Guard g;
		result = run();
		std::fflush(nullptr);
		td = teardownEnvironment();
	}
	if (td != 0) {
		std::fprintf(stderr, "parity: FAILED: the daemon did not shut down cleanly (see above)\n");
		return result ? result : 1;
	}
	return result;
}

} /* namespace parity */
