/* SPDX-License-Identifier: MIT */
#include "common.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

namespace stress {

std::int64_t monoNs()
{
	struct timespec ts;
	::clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

void sleepNs(std::int64_t ns)
{
	if (ns <= 0)
		return;
	const std::int64_t end = monoNs() + ns;
	struct timespec ts = { static_cast<time_t>(end / 1000000000LL), static_cast<long>(end % 1000000000LL) };
	while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
	}
}

struct timespec realtimeIn(std::int64_t ns)
{
	struct timespec ts;
	::clock_gettime(CLOCK_REALTIME, &ts);
	std::int64_t t = static_cast<std::int64_t>(ts.tv_nsec) + ns;
	ts.tv_sec += static_cast<time_t>(t / 1000000000LL);
	ts.tv_nsec = static_cast<long>(t % 1000000000LL);
	return ts;
}

std::string errName(int e)
{
	const char *n = ::strerrorname_np(e);
	return n ? n : "errno " + std::to_string(e);
}

std::uint64_t mix64(std::uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

SharedMap::SharedMap(std::size_t bytes)
{
	void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED) {
		addr_ = p;
		size_ = bytes;
	}
}

SharedMap::~SharedMap()
{
	if (addr_)
		::munmap(addr_, size_);
}

SharedMap::SharedMap(SharedMap &&other) noexcept : addr_(other.addr_), size_(other.size_)
{
	other.addr_ = nullptr;
	other.size_ = 0;
}

SharedMap &SharedMap::operator=(SharedMap &&other) noexcept
{
	if (this != &other) {
		if (addr_)
			::munmap(addr_, size_);
		addr_ = other.addr_;
		size_ = other.size_;
		other.addr_ = nullptr;
		other.size_ = 0;
	}
	return *this;
}

std::optional<std::string> readFile(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	std::string out;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			const int e = errno;
			::close(fd);
			errno = e;
			return std::nullopt;
		}
		if (n == 0)
			break;
		out.append(buf, static_cast<std::size_t>(n));
	}
	::close(fd);
	return out;
}

int writeFile(const std::string &path, const std::string &text)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = ::write(fd, text.data(), text.size());
	const int e = errno;
	::close(fd);
	if (n != static_cast<ssize_t>(text.size()))
		return n < 0 ? -e : -EIO;
	return 0;
}

std::optional<ProcFigures> procFigures(pid_t pid)
{
	const std::string dir = "/proc/" + std::to_string(pid);
	auto status = readFile(dir + "/status");
	if (!status)
		return std::nullopt;
	ProcFigures f;
	auto field = [&](const char *key) -> long {
		const std::string k = std::string("\n") + key + ":";
		auto pos = status->find(k);
		if (pos == std::string::npos)
			return -1;
		return std::strtol(status->c_str() + pos + k.size(), nullptr, 10);
	};
	f.threads = field("Threads");
	f.rssKb = field("VmRSS");
	if (DIR *d = ::opendir((dir + "/fd").c_str())) {
		f.fds = 0;
		while (struct dirent *e = ::readdir(d))
			if (e->d_name[0] != '.')
				f.fds++;
		::closedir(d);
	}
	return f;
}

namespace {

/* Calls \a fn(mount id, mount point) for each line of /proc/self/mountinfo.
 * Mount points with space, tab, newline or backslash (octal escapes) are
 * not ours and never match. */
template<typename F>
void eachMount(F fn)
{
	auto info = readFile("/proc/self/mountinfo");
	if (!info)
		return;
	std::size_t start = 0;
	while (start < info->size()) {
		std::size_t end = info->find('\n', start);
		if (end == std::string::npos)
			end = info->size();
		const std::string line = info->substr(start, end - start);
		start = end + 1;
		std::size_t pos = 0;
		for (int field = 0; field < 4 && pos != std::string::npos; field++) {
			pos = line.find(' ', pos);
			if (pos != std::string::npos)
				pos++;
		}
		if (pos == std::string::npos)
			continue;
		const std::size_t stop = line.find(' ', pos);
		fn(std::strtol(line.c_str(), nullptr, 10), line.substr(pos, stop - pos));
	}
}

std::string procComm(const std::string &pid)
{
	std::string comm = readFile("/proc/" + pid + "/comm").value_or("?");
	while (!comm.empty() && comm.back() == '\n')
		comm.pop_back();
	return comm;
}

} /* namespace */

long mountId(const std::string &path)
{
	long id = -1;
	eachMount([&](long mid, const std::string &point) {
		if (point == path)
			id = mid;
	});
	return id;
}

std::vector<std::string> mountHolders(long mntId)
{
	std::vector<std::string> out;
	const std::string key = "mnt_id:\t" + std::to_string(mntId) + "\n";
	DIR *proc = ::opendir("/proc");
	if (!proc)
		return out;
	while (struct dirent *p = ::readdir(proc)) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		const std::string dir = std::string("/proc/") + p->d_name + "/fdinfo";
		DIR *d = ::opendir(dir.c_str());
		if (!d)
			continue;
		while (struct dirent *f = ::readdir(d)) {
			if (f->d_name[0] == '.')
				continue;
			auto info = readFile(dir + "/" + f->d_name);
			if (info && info->find(key) != std::string::npos)
				out.push_back(std::string(p->d_name) + " (" + procComm(p->d_name) + ") fd " + f->d_name);
		}
		::closedir(d);
	}
	::closedir(proc);
	return out;
}

std::vector<std::string> threadStates(pid_t pid)
{
	std::vector<std::string> out;
	const std::string dir = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		return out;
	while (struct dirent *t = ::readdir(d)) {
		if (t->d_name[0] == '.')
			continue;
		const std::string task = dir + "/" + t->d_name;
		const std::string stat = readFile(task + "/stat").value_or("");
		const std::size_t paren = stat.rfind(')');
		const char state = paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
		std::string wchan = readFile(task + "/wchan").value_or("?");
		out.push_back(std::string(t->d_name) + " " + state + " " + wchan);
	}
	::closedir(d);
	return out;
}

bool isMountPoint(const std::string &path)
{
	bool found = false;
	eachMount([&](long, const std::string &point) { found = found || point == path; });
	return found;
}

long fsType(const std::string &path)
{
	struct statfs sf;
	if (::statfs(path.c_str(), &sf) < 0)
		return -errno;
	return static_cast<long>(sf.f_type);
}

std::optional<int> waitChild(pid_t pid, int timeoutMs)
{
	const std::int64_t end = monoNs() + static_cast<std::int64_t>(timeoutMs) * 1000000LL;
	for (;;) {
		int st = 0;
		pid_t r = ::waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1; /* not our child any more: treat as gone */
		if (monoNs() >= end)
			return std::nullopt;
		sleepNs(1000000);
	}
}

std::string statusText(int status)
{
	if (status == -1)
		return "not a child";
	if (WIFEXITED(status))
		return "exit " + std::to_string(WEXITSTATUS(status));
	if (WIFSIGNALED(status))
	{
		const char *abbrev = ::sigabbrev_np(WTERMSIG(status));
		return std::string("signal SIG") + (abbrev ? abbrev : std::to_string(WTERMSIG(status)).c_str());
	}
	return "status " + std::to_string(status);
}

CommandResult runCommand(const std::vector<std::string> &argv, int timeoutMs)
{
	CommandResult res;
	int p[2];
	if (argv.empty() || ::pipe2(p, O_CLOEXEC) < 0)
		return res;
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	std::fflush(nullptr);
	const pid_t parent = ::getpid();
	const pid_t pid = ::fork();
	if (pid < 0) {
		::close(p[0]);
		::close(p[1]);
		return res;
	}
	if (pid == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != parent)
			::_exit(127);
		::dup2(p[1], 1);
		::dup2(p[1], 2);
		/* Our real uid is a private one (see Environment); tools that
		 * look at it (fusermount3) should see root. */
		if (::setresuid(0, 0, 0) < 0)
			::_exit(126);
		::execvp(args[0], args.data());
		std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
		::_exit(127);
	}
	::close(p[1]);
	::fcntl(p[0], F_SETFL, O_NONBLOCK);
	const std::int64_t end = monoNs() + static_cast<std::int64_t>(timeoutMs) * 1000000LL;
	for (;;) {
		char buf[1024];
		ssize_t n = ::read(p[0], buf, sizeof(buf));
		if (n > 0) {
			res.output.append(buf, static_cast<std::size_t>(n));
			continue;
		}
		int st;
		if (::waitpid(pid, &st, WNOHANG) == pid) {
			while ((n = ::read(p[0], buf, sizeof(buf))) > 0)
				res.output.append(buf, static_cast<std::size_t>(n));
			res.status = st;
			break;
		}
		if (monoNs() >= end) {
			::kill(pid, SIGKILL);
			::waitpid(pid, &st, 0);
			res.status = -2;
			break;
		}
		sleepNs(2000000);
	}
	::close(p[0]);
	while (!res.output.empty() && res.output.back() == '\n')
		res.output.pop_back();
	return res;
}

void printReport(const Report &r)
{
	std::string line = r.scenario + " [" + r.backend + "]";
	if (r.skipped) {
		std::printf("%-28s skipped", line.c_str());
	} else {
		std::printf("%-28s %s in %.1f s:", line.c_str(), r.violations.empty() ? "PASS" : "FAIL", r.seconds);
		for (const auto &[name, value] : r.figures)
			std::printf(" %s=%s", name.c_str(), value.c_str());
	}
	std::printf("\n");
	for (const auto &n : r.notes)
		std::printf("    note: %s\n", n.c_str());
	const std::size_t shown = std::min<std::size_t>(r.violations.size(), 30);
	for (std::size_t i = 0; i < shown; i++)
		std::printf("    VIOLATION: %s\n", r.violations[i].c_str());
	if (r.violations.size() > shown)
		std::printf("    ... and %zu more violations\n", r.violations.size() - shown);
	std::fflush(stdout);
}

void becomeWorker(pid_t controller, unsigned alarmSeconds)
{
	::prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (::getppid() != controller)
		::_exit(120);
	struct sigaction sa = {};
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			::sigaction(sig, &sa, nullptr);
	sigset_t none;
	sigemptyset(&none);
	::sigprocmask(SIG_SETMASK, &none, nullptr);
	::alarm(alarmSeconds);
}

} /* namespace stress */
