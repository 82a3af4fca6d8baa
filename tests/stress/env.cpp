/* SPDX-License-Identifier: MIT */
#include "env.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

namespace stress {

namespace {

constexpr long kFuseSuperMagic = 0x65735546;
constexpr long kMqueueMagic = 0x19800202;
constexpr unsigned kMaxTracked = 256;
constexpr std::size_t kLabelLen = 96;
constexpr std::size_t kPathLen = 256;
/* Private real uids: base + pid % span (the parity harness uses 54320). */
constexpr uid_t kRealUidBase = 54400;
constexpr uid_t kRealUidSpan = 1000;

} /* namespace */

/* Shared by the controller and the watchdog process. The paths are written
 * once before anything can fire; the label is atomic chars because the
 * watchdog may read it while the controller re-arms. */
struct WatchdogShm {
	std::atomic<std::int64_t> deadlineNs;
	std::atomic<double> armedSeconds;
	std::atomic<int> fired;
	std::atomic<int> stop;
	std::atomic<char> label[kLabelLen];
	std::atomic<pid_t> pids[kMaxTracked];
	std::atomic<int> isDaemon[kMaxTracked];
	char base[kPathLen];
	char kernelDir[kPathLen];
	char mqfsDir[kPathLen];
};

namespace {

void say(const char *text)
{
	(void)!::write(2, text, std::strlen(text));
}

void killTracked(WatchdogShm &s, bool daemons)
{
	for (unsigned i = 0; i < kMaxTracked; i++) {
		const pid_t p = s.pids[i].load();
		if (p > 0 && (s.isDaemon[i].load() != 0) == daemons)
			::kill(p, SIGKILL);
	}
}

/* Detach the mounts and remove our directory; only what we made. */
void cleanPaths(WatchdogShm &s)
{
	for (const char *m : { s.mqfsDir, s.kernelDir })
		if (m[0])
			::umount2(m, MNT_DETACH);
	if (!s.base[0])
		return;
	if (DIR *d = ::opendir(s.base)) {
		while (struct dirent *e = ::readdir(d)) {
			if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, ".."))
				continue;
			const std::string p = std::string(s.base) + "/" + e->d_name;
			if (::unlink(p.c_str()) < 0)
				::rmdir(p.c_str());
		}
		::closedir(d);
	}
	::rmdir(s.base);
}

[[noreturn]] void watchdogMain(WatchdogShm &s, pid_t controller)
{
	::prctl(PR_SET_NAME, "mqstress-wdog");
	::signal(SIGINT, SIG_IGN); /* a terminal's ^C is for the controller */
	for (;;) {
		if (s.stop.load())
			::_exit(0);
		if (::getppid() != controller) {
			/* The controller died without ending the run. */
			killTracked(s, true);
			killTracked(s, false);
			sleepNs(200000000);
			cleanPaths(s);
			say("mqstress: watchdog: the controller died; mounts detached, directories removed\n");
			::_exit(0);
		}
		const std::int64_t d = s.deadlineNs.load();
		if (d && monoNs() > d)
			break;
		sleepNs(50000000);
	}
	s.fired.store(1);
	char label[kLabelLen + 1] = {};
	for (std::size_t i = 0; i < kLabelLen; i++)
		label[i] = s.label[i].load(std::memory_order_relaxed);
	char msg[300];
	std::snprintf(msg, sizeof(msg),
		      "\nmqstress: WATCHDOG: \"%s\" did not end within %.0f s: SIGKILL to the daemon and the workers\n",
		      label, s.armedSeconds.load());
	say(msg);
	killTracked(s, true);
	killTracked(s, false);
	/* Give the controller time to notice, report and tear down. */
	for (int i = 0; i < 300 && ::getppid() == controller && !s.stop.load(); i++)
		sleepNs(50000000);
	if (s.stop.load())
		::_exit(0);
	if (::getppid() == controller) {
		say("mqstress: WATCHDOG: the controller is stuck too: SIGKILL\n");
		::kill(controller, SIGKILL);
		for (int i = 0; i < 100 && ::getppid() == controller; i++)
			sleepNs(20000000);
	}
	killTracked(s, true);
	killTracked(s, false);
	cleanPaths(s);
	::_exit(0);
}

} /* namespace */

/* ------------------------------------------------------------------ */

Watchdog::~Watchdog()
{
	stop();
}

std::string Watchdog::start()
{
	map_ = SharedMap(sizeof(WatchdogShm));
	if (!map_.valid())
		return std::string("mmap: ") + std::strerror(errno);
	shm_ = new (map_.data()) WatchdogShm();
	std::fflush(nullptr);
	const pid_t controller = ::getpid();
	const pid_t pid = ::fork();
	if (pid < 0)
		return std::string("fork: ") + std::strerror(errno);
	if (pid == 0) {
		::prctl(PR_SET_PDEATHSIG, 0);
		watchdogMain(*shm_, controller);
	}
	pid_ = pid;
	return {};
}

void Watchdog::setPaths(const std::string &base, const std::string &kernelDir, const std::string &mqfsDir)
{
	std::snprintf(shm_->base, kPathLen, "%s", base.c_str());
	std::snprintf(shm_->kernelDir, kPathLen, "%s", kernelDir.c_str());
	std::snprintf(shm_->mqfsDir, kPathLen, "%s", mqfsDir.c_str());
}

void Watchdog::arm(const std::string &label, double seconds)
{
	if (!shm_)
		return;
	for (std::size_t i = 0; i < kLabelLen; i++) {
		const char ch = i < label.size() && i + 1 < kLabelLen ? label[i] : '\0';
		shm_->label[i].store(ch, std::memory_order_relaxed);
	}
	shm_->armedSeconds.store(seconds);
	shm_->deadlineNs.store(monoNs() + static_cast<std::int64_t>(seconds * 1e9));
}

bool Watchdog::fired() const
{
	return shm_ && shm_->fired.load();
}

void Watchdog::track(pid_t pid, bool daemon)
{
	if (!shm_)
		return;
	for (unsigned i = 0; i < kMaxTracked; i++) {
		pid_t expected = 0;
		if (shm_->pids[i].load() == 0) {
			shm_->isDaemon[i].store(daemon);
			if (shm_->pids[i].compare_exchange_strong(expected, pid))
				return;
		}
	}
}

void Watchdog::untrack(pid_t pid)
{
	if (!shm_)
		return;
	for (unsigned i = 0; i < kMaxTracked; i++) {
		pid_t expected = pid;
		if (shm_->pids[i].compare_exchange_strong(expected, 0))
			return;
	}
}

void Watchdog::stop()
{
	if (pid_ <= 0)
		return;
	shm_->stop.store(1);
	if (!waitChild(pid_, 5000)) {
		::kill(pid_, SIGKILL);
		::waitpid(pid_, nullptr, 0);
	}
	pid_ = -1;
}

/* ------------------------------------------------------------------ */

Daemon::Daemon(Watchdog &wd, std::string bin, std::string mountPoint, std::string options, std::string logPath)
	: wd_(wd), bin_(std::move(bin)), mnt_(std::move(mountPoint)), opts_(std::move(options)),
	  log_(std::move(logPath))
{
}

Daemon::~Daemon()
{
	if (running()) {
		const std::string why = stop();
		if (!why.empty())
			std::fprintf(stderr, "mqstress: daemon teardown: %s\n", why.c_str());
	}
	::unlink(log_.c_str());
}

std::string Daemon::start()
{
	std::fflush(nullptr);
	const pid_t parent = ::getpid();
	const pid_t pid = ::fork();
	if (pid < 0)
		return std::string("fork: ") + std::strerror(errno);
	if (pid == 0) {
		/* Plain root: exec with real uid != euid would be a secure exec. */
		if (::setresuid(0, 0, 0) < 0)
			::_exit(126);
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != parent)
			::_exit(127);
		int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			::dup2(fd, 1);
			::dup2(fd, 2);
		}
		int nul = ::open("/dev/null", O_RDONLY);
		if (nul >= 0)
			::dup2(nul, 0);
		const char *bin = bin_.c_str();
		::execl(bin, bin, "-f", "-o", opts_.c_str(), mnt_.c_str(), static_cast<char *>(nullptr));
		std::fprintf(stderr, "exec %s: %s\n", bin_.c_str(), std::strerror(errno));
		::_exit(127);
	}
	pid_ = pid;
	wd_.track(pid, true);
	for (int i = 0; i < 500; i++) {
		int st;
		if (::waitpid(pid, &st, WNOHANG) == pid) {
			wd_.untrack(pid);
			pid_ = -1;
			return "the mqfs daemon died during start-up (" + statusText(st) + "); its output:\n" + log();
		}
		if (fsType(mnt_) == kFuseSuperMagic && isMountPoint(mnt_)) {
			ownsMount_ = true;
			mntId_ = stress::mountId(mnt_);
			struct stat root;
			dev_ = ::stat(mnt_.c_str(), &root) == 0 ? root.st_dev : 0;
			return {};
		}
		sleepNs(10000000);
	}
	return "timed out (5 s) waiting for the mqfs mount; daemon output:\n" + log();
}

void Daemon::kill9()
{
	if (pid_ > 0)
		::kill(pid_, SIGKILL);
}

std::optional<int> Daemon::reap(int timeoutMs)
{
	if (pid_ <= 0)
		return std::nullopt;
	auto st = waitChild(pid_, timeoutMs);
	if (st) {
		wd_.untrack(pid_);
		pid_ = -1;
	}
	return st;
}

std::string Daemon::stop(bool unmount)
{
	if (pid_ <= 0)
		return {};
	std::string why;
	if (unmount && ownsMount_ && isMountPoint(mnt_) && ::umount2(mnt_.c_str(), 0) < 0) {
		why += std::string("umount: ") + std::strerror(errno) + " (detached instead); ";
		::umount2(mnt_.c_str(), MNT_DETACH);
	}
	auto st = reap(5000);
	if (!st) {
		why += "did not exit within 5 s of the unmount: SIGKILL; ";
		kill9();
		st = reap(5000);
	}
	if (!st)
		why += "could not be reaped; ";
	else if (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0)
		why += "ended with " + statusText(*st) + "; ";
	if (!why.empty())
		why += "daemon output:\n" + log();
	return why;
}

std::string Daemon::log() const
{
	return readFile(log_).value_or("");
}

std::string Daemon::diagnosis() const
{
	std::string out = "threads (tid state wchan):";
	for (const auto &t : threadStates(pid_))
		out += " [" + t + "]";
	/* fusectl shows the connection's queue; mounted in our private
	 * mount namespace only, on demand. */
	const std::string ctl = "/sys/fs/fuse/connections";
	if (fsType(ctl) != 0x65735543 /* FUSECTL_SUPER_MAGIC */)
		::mount("none", ctl.c_str(), "fusectl", 0, nullptr);
	const std::string conn = ctl + "/" + std::to_string(minor(dev_));
	std::string waiting = readFile(conn + "/waiting").value_or("?");
	while (!waiting.empty() && waiting.back() == '\n')
		waiting.pop_back();
	out += "; connection " + std::to_string(minor(dev_)) + " waiting=" + waiting;
	out += "; files open on its mount (id " + std::to_string(mntId_) + "):";
	const auto holders = mountHolders(mntId_);
	for (const auto &h : holders)
		out += " [" + h + "]";
	if (holders.empty())
		out += " none";
	return out;
}

/* ------------------------------------------------------------------ */

namespace {

/* Is our namespace of this kind the one of PID 1 or of our parent? */
bool sharedNs(const char *kind)
{
	char self[128] = {};
	const std::string selfPath = std::string("/proc/self/ns/") + kind;
	if (::readlink(selfPath.c_str(), self, sizeof(self) - 1) < 0)
		return true;
	for (const std::string &pid : { std::string("1"), std::to_string(::getppid()) }) {
		char other[128] = {};
		const std::string p = "/proc/" + pid + "/ns/" + kind;
		if (::readlink(p.c_str(), other, sizeof(other) - 1) >= 0 && std::strcmp(self, other) == 0)
			return true;
	}
	/* PROC_IPC_INIT_INO: the initial IPC namespace. */
	return std::strcmp(kind, "ipc") == 0 && std::strcmp(self, "ipc:[4026531839]") == 0;
}

} /* namespace */

std::string Environment::setup(Watchdog &wd, const std::string &mqfsBin)
{
	wd_ = &wd;
	bin_ = mqfsBin;
	if (::geteuid() != 0)
		return "must run as root";
	if (sharedNs("ipc") || sharedNs("mnt"))
		return "refusing to run outside a private IPC and mount namespace "
		       "(run it through tests/integration/run-parity.sh)";
	if (!bin_.empty() && ::access(bin_.c_str(), X_OK) < 0)
		return "MQFS_BIN=" + bin_ + ": " + std::strerror(errno);

	char tmpl[] = "/tmp/mqstress.XXXXXX";
	if (!::mkdtemp(tmpl))
		return std::string("mkdtemp: ") + std::strerror(errno);
	base_ = tmpl;
	kernelDir_ = base_ + "/kernel";
	mqfsDir_ = base_ + "/mqfs";
	wd.setPaths(base_, kernelDir_, mqfsDir_);
	if (::chmod(base_.c_str(), 0755) < 0)
		return "chmod " + base_ + ": " + std::strerror(errno);
	for (const auto &d : { kernelDir_, mqfsDir_ })
		if (::mkdir(d.c_str(), 0755) < 0)
			return "mkdir " + d + ": " + std::strerror(errno);

	if (::mount("none", kernelDir_.c_str(), "mqueue", 0, nullptr) < 0)
		return "mount mqueue on " + kernelDir_ + ": " + std::strerror(errno);
	kernelMounted_ = true;
	if (fsType(kernelDir_) != kMqueueMagic)
		return "the kernel mqueue mount has an unexpected f_type";

	/* Our IPC namespace's own sysctls (checked private above). */
	const std::string sys = "/proc/sys/fs/mqueue/";
	if (int rv = writeFile(sys + "msg_max", std::to_string(kMsgMax) + "\n"); rv < 0)
		return "write msg_max: " + errName(-rv);
	if (int rv = writeFile(sys + "msgsize_max", std::to_string(kMsgsizeMax) + "\n"); rv < 0)
		return "write msgsize_max: " + errName(-rv);

	const uid_t ruid = kRealUidBase + static_cast<uid_t>(::getpid()) % kRealUidSpan;
	if (::setresuid(ruid, 0, 0) < 0)
		return std::string("setresuid: ") + std::strerror(errno);
	if (::setenv("MQFS_ROOT", mqfsDir_.c_str(), 1) < 0)
		return std::string("setenv: ") + std::strerror(errno);
	return {};
}

std::unique_ptr<Daemon> Environment::makeDaemon()
{
	const std::string opts = "allow_other,msg_max=" + std::to_string(kMsgMax) +
				 ",msgsize_max=" + std::to_string(kMsgsizeMax);
	const std::string log = base_ + "/daemon-" + std::to_string(++daemons_) + ".log";
	return std::make_unique<Daemon>(*wd_, bin_, mqfsDir_, opts, log);
}

Environment::~Environment()
{
	if (kernelMounted_ && ::umount2(kernelDir_.c_str(), 0) < 0) {
		std::fprintf(stderr, "mqstress: umount %s: %s (detached)\n", kernelDir_.c_str(), std::strerror(errno));
		::umount2(kernelDir_.c_str(), MNT_DETACH);
	}
	if (isMountPoint(mqfsDir_))
		::umount2(mqfsDir_.c_str(), MNT_DETACH);
	for (const auto &d : { mqfsDir_, kernelDir_, base_ })
		if (!d.empty() && ::rmdir(d.c_str()) < 0 && errno != ENOENT)
			std::fprintf(stderr, "mqstress: rmdir %s: %s\n", d.c_str(), std::strerror(errno));
}

bool unmountFuse(const std::string &path, bool lazy, std::string &how)
{
	std::vector<std::string> argv = { "fusermount3", "-u" };
	if (lazy)
		argv.push_back("-z");
	argv.push_back(path);
	const CommandResult r = runCommand(argv, 10000);
	std::string cmd = lazy ? "fusermount3 -u -z" : "fusermount3 -u";
	if (r.status == 0 && !isMountPoint(path)) {
		how = cmd;
		return true;
	}
	how = cmd + " failed (" + (r.status == -2 ? std::string("timed out") : statusText(r.status)) + ": " +
	      r.output + ")";
	if (::umount2(path.c_str(), lazy ? MNT_DETACH : 0) < 0) {
		how += std::string("; umount2: ") + std::strerror(errno);
		return false;
	}
	how += "; umount2 worked";
	return !isMountPoint(path);
}

} /* namespace stress */
