/* SPDX-License-Identifier: MIT */
/**
 * @file mqbench.cpp
 * @brief Side-by-side benchmark: kernel mqueue, a do-nothing FUSE filesystem
 *        (the limit of any FUSE design), and mqfs through libmqfs.
 *
 * Run by scripts/bench.sh as root inside a private IPC + mount namespace,
 * which mounts the kernel's mqueue on K, serves the null filesystem on N
 * (`mqbench --serve-null N`, the same libfuse loop settings as mqfs) and
 * mqfs on M:
 *   MQFS_ROOT=M mqbench --kernel-root K --null-root N --mqfs-pid P
 *           --null-pid P2 --mqfs-bin BIN [--reps R] [--scale S] [--quick]
 *           [--only TEXT] [--json FILE]
 * --only runs the workloads whose name contains TEXT ("mqfs-only": just the
 * mqfs-only figures); --quick is one repetition.
 * Each workload runs R times per backend; the median rate is reported with
 * the ratios mqfs/kernel and mqfs/null. Then mqfs-only figures: daemon
 * memory (fresh daemons started from BIN), CPU per message, the cost of 1000
 * parked receivers.
 *
 * The null filesystem answers what mqfs is asked for a message (one ioctl
 * per send, one read per receive) with no queue behind it: a read parks until
 * a send ioctl on the same file answers it (or takes a send that came
 * first), so ping-pong and streaming have the same wake-up pattern as mqfs.
 * Sends never block there, so it is an upper bound.
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)
#include <fuse_lowlevel.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mqfs/mqfs.h"

namespace {

using Clock = std::chrono::steady_clock;

/* ===================================================================== */
/* The null filesystem                                                    */
/* ===================================================================== */

struct NullFs {
	std::mutex mutex;
	std::map<std::string, fuse_ino_t> byName;
	std::vector<std::string> names; /* ino - 2 */
	std::map<fuse_ino_t, std::deque<fuse_req_t>> parked;
	std::map<fuse_ino_t, long> ready; /* sends not yet read */
};
NullFs gNull;

struct stat nullStat(fuse_ino_t ino)
{
	struct stat st = {};
	st.st_ino = ino;
	st.st_mode = ino == 1 ? S_IFDIR | 01777 : S_IFREG | 0666;
	st.st_nlink = 1;
	st.st_size = ino == 1 ? 0 : 80;
	return st;
}

fuse_ino_t nullInode(const char *name, bool create)
{
	std::lock_guard lock(gNull.mutex);
	auto it = gNull.byName.find(name);
	if (it != gNull.byName.end())
		return it->second;
	if (!create)
		return 0;
	gNull.names.push_back(name);
	const fuse_ino_t ino = gNull.names.size() + 1;
	gNull.byName.emplace(name, ino);
	return ino;
}

void nullLookup(fuse_req_t req, fuse_ino_t, const char *name)
{
	/* Every name exists: the benchmark opens queues without creating them. */
	fuse_entry_param e = {};
	e.ino = nullInode(name, true);
	e.attr = nullStat(e.ino);
	fuse_reply_entry(req, &e);
}

void nullCreate(fuse_req_t req, fuse_ino_t, const char *name, mode_t, fuse_file_info *fi)
{
	fuse_entry_param e = {};
	e.ino = nullInode(name, true);
	e.attr = nullStat(e.ino);
	fi->direct_io = 1;
	fuse_reply_create(req, &e, fi);
}

void nullGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *)
{
	const struct stat st = nullStat(ino);
	fuse_reply_attr(req, &st, 0);
}

void nullOpen(fuse_req_t req, fuse_ino_t, fuse_file_info *fi)
{
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

void nullReaddir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *)
{
	std::vector<char> buf(size);
	size_t used = 0;
	std::lock_guard lock(gNull.mutex);
	for (size_t i = static_cast<size_t>(off); i < gNull.names.size(); i++) {
		const struct stat st = nullStat(i + 2);
		const size_t n = fuse_add_direntry(req, buf.data() + used, size - used, gNull.names[i].c_str(), &st,
						   static_cast<off_t>(i + 1));
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf.data(), used);
}

const char kNullStatus[] = "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n";

void nullAnswer(fuse_req_t req, size_t size)
{
	static char buf[16 + 65536];
	fuse_reply_buf(req, buf, std::min<size_t>(size, 16 + 64));
}

void nullRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info *fi)
{
	if (static_cast<std::uint64_t>(off) < (1ull << 62)) {
		const size_t len = sizeof(kNullStatus) - 1;
		if (static_cast<size_t>(off) >= len)
			return (void)fuse_reply_buf(req, nullptr, 0);
		return (void)fuse_reply_buf(req, kNullStatus + off, std::min(size, len - static_cast<size_t>(off)));
	}
	{
		std::lock_guard lock(gNull.mutex);
		long &r = gNull.ready[ino];
		if (r == 0) {
			if (fi->flags & O_NONBLOCK)
				return (void)fuse_reply_err(req, EAGAIN);
			gNull.parked[ino].push_back(req);
			return;
		}
		r--;
	}
	nullAnswer(req, size);
}

void nullIoctl(fuse_req_t req, fuse_ino_t ino, unsigned int, void *, fuse_file_info *, unsigned,
	       const void *, size_t, size_t)
{
	fuse_req_t reader = nullptr;
	{
		std::lock_guard lock(gNull.mutex);
		auto &q = gNull.parked[ino];
		if (!q.empty()) {
			reader = q.front();
			q.pop_front();
		} else {
			gNull.ready[ino]++;
		}
	}
	if (reader)
		nullAnswer(reader, 16 + 64);
	fuse_reply_ioctl(req, 0, nullptr, 0);
}

int serveNull(const char *mnt)
{
	fuse_lowlevel_ops ops = {};
	ops.lookup = nullLookup;
	ops.create = nullCreate;
	ops.getattr = nullGetattr;
	ops.open = nullOpen;
	ops.read = nullRead;
	ops.readdir = nullReaddir;
	ops.ioctl = nullIoctl;
	char arg0[] = "mqbench-null";
	char arg1[] = "-oallow_other";
	char *argv[] = { arg0, arg1, nullptr };
	fuse_args args = FUSE_ARGS_INIT(2, argv);
	fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), nullptr);
	if (!se || fuse_session_mount(se, mnt) != 0)
		return 1;
	fuse_set_signal_handlers(se);
	fuse_loop_config *lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(lc, 16);
	fuse_loop_cfg_set_idle_threads(lc, 8);
	fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	fuse_remove_signal_handlers(se);
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return 0;
}

/* ===================================================================== */
/* Backends                                                               */
/* ===================================================================== */

struct Backend {
	const char *name;
	std::string root; /* the directory with one file per queue */
	std::function<int(const char *, int, long, long)> open; /* name, oflag, maxmsg, msgsize */
	std::function<int(int, const char *, size_t)> send;
	std::function<ssize_t(int, char *, size_t)> receive;
	std::function<int(int)> getattr;
	std::function<void(const char *)> unlink;
	pid_t daemon = 0; /* the FUSE server, for CPU time */
};

mq_attr attrOf(long maxmsg, long msgsize)
{
	mq_attr a = {};
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	return a;
}

Backend kernelBackend(const std::string &root)
{
	return { "kernel", root,
		 [](const char *n, int fl, long mx, long sz) {
			 mq_attr a = attrOf(mx, sz);
			 return static_cast<int>(mq_open(n, fl | O_CREAT, 0666, &a));
		 },
		 [](int q, const char *b, size_t n) { return mq_send(q, b, n, 0); },
		 [](int q, char *b, size_t n) { return mq_receive(q, b, n, nullptr); },
		 [](int q) {
			 mq_attr a;
			 return mq_getattr(q, &a);
		 },
		 [](const char *n) { mq_unlink(n); } };
}

Backend mqfsBackend(const std::string &root, pid_t pid)
{
	Backend be{ "mqfs", root,
		   [](const char *n, int fl, long mx, long sz) {
			   mq_attr a = attrOf(mx, sz);
			   return static_cast<int>(mqfs_open(n, fl | O_CREAT, 0666, &a));
		   },
		   [](int q, const char *b, size_t n) { return mqfs_send(q, b, n, 0); },
		   [](int q, char *b, size_t n) { return static_cast<ssize_t>(mqfs_receive(q, b, n, nullptr)); },
		   [](int q) {
			   mq_attr a;
			   return mqfs_getattr(q, &a);
		   },
		   [](const char *n) { mqfs_unlink(n); } };
	be.daemon = pid;
	return be;
}

/* The same requests as mqfs (one ioctl per send, one read per receive). */
Backend nullBackend(const std::string &root, pid_t pid)
{
	Backend be{ "null-fuse", root,
		   [root](const char *n, int fl, long, long) {
			   return ::open((root + "/" + (n + 1)).c_str(), (fl & (O_ACCMODE | O_NONBLOCK)) | O_CREAT | O_CLOEXEC,
					 0666);
		   },
		   [](int q, const char *b, size_t n) {
			   static thread_local char buf[16384];
			   std::memcpy(buf + 16, b, std::min<size_t>(n, sizeof(buf) - 16));
			   return ::ioctl(q, _IOC(_IOC_WRITE, 'Q', 0x20, 16 + n), buf);
		   },
		   [](int q, char *b, size_t n) {
			   char hdr[16];
			   iovec iov[2] = { { hdr, 16 }, { b, n } };
			   return ::preadv(q, iov, 2, static_cast<off_t>(1ull << 62)) - 16;
		   },
		   [](int q) { return ::ioctl(q, _IOR('Q', 0x10, char[32]), nullptr); },
		   [](const char *) {} };
	be.daemon = pid;
	return be;
}

/* ===================================================================== */
/* Measuring                                                              */
/* ===================================================================== */

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

double seconds(Clock::time_point t0)
{
	return std::chrono::duration<double>(Clock::now() - t0).count();
}

/* Operations per second of one run of \a body doing \a count operations. */
template<typename F>
double rate(long count, F body)
{
	const auto t0 = Clock::now();
	body();
	return static_cast<double>(count) / seconds(t0);
}

/* utime + stime of a process, in seconds. */
double cpuOf(pid_t pid)
{
	std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
	std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
	const auto p = s.rfind(')');
	if (p == std::string::npos)
		return 0;
	std::vector<std::string> fields;
	size_t i = p + 2;
	while (i < s.size()) {
		size_t j = s.find(' ', i);
		if (j == std::string::npos)
			j = s.size();
		fields.push_back(s.substr(i, j - i));
		i = j + 1;
	}
	/* fields[0] is field 3 (state); utime is field 14, stime 15 */
	if (fields.size() < 13)
		return 0;
	return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/* A field of /proc/<pid>/status in kB (VmRSS) or as a count (Threads). */
long statusField(pid_t pid, const char *key)
{
	std::ifstream f("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	const std::string k = std::string(key) + ":";
	while (std::getline(f, line))
		if (line.compare(0, k.size(), k) == 0)
			return std::atol(line.c_str() + k.size());
	return -1;
}

double childCpu()
{
	rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	auto s = [](const timeval &t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
	return s(ru.ru_utime) + s(ru.ru_stime);
}

pid_t forkChild(const std::function<void()> &fn)
{
	const pid_t c = fork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn();
		_exit(0);
	}
	return c;
}

void reap(pid_t c)
{
	while (waitpid(c, nullptr, 0) < 0 && errno == EINTR) {
	}
}

/* CPU seconds (clients + daemon) of the last measured stream, per message. */
struct CpuSample {
	double client = 0, daemon = 0;
	long messages = 0;
};
CpuSample gLastCpu;

/* ===================================================================== */
/* Workloads                                                              */
/* ===================================================================== */

double pairRun(const Backend &b, long n)
{
	int q = b.open("/bench-pair", O_RDWR, 10, 64);
	char buf[64] = {};
	double r = rate(n, [&] {
		for (long i = 0; i < n; i++) {
			b.send(q, buf, 64);
			b.receive(q, buf, 64);
		}
	});
	::close(q);
	b.unlink("/bench-pair");
	return r;
}

/* \a producers and \a consumers processes on one queue; n messages in all. */
double streamRun(const Backend &b, long n, size_t size, long depth, int producers = 1, int consumers = 1,
		 const char *name = "/bench-stream")
{
	int q = b.open(name, O_RDWR, depth, static_cast<long>(size));
	if (q < 0) {
		std::fprintf(stderr, "%s: open %s (depth %ld, %zu B): %s\n", b.name, name, depth, size,
			     std::strerror(errno));
		return 0;
	}
	const double c0 = childCpu(), d0 = b.daemon ? cpuOf(b.daemon) : 0;
	double r = rate(n, [&] {
		std::vector<pid_t> kids;
		for (int p = 0; p < producers; p++)
			kids.push_back(forkChild([&, p] {
				std::vector<char> buf(size);
				const long mine = n / producers + (p < n % producers ? 1 : 0);
				for (long i = 0; i < mine; i++)
					b.send(q, buf.data(), size);
			}));
		for (int c = 0; c < consumers; c++)
			kids.push_back(forkChild([&, c] {
				std::vector<char> buf(size);
				const long mine = n / consumers + (c < n % consumers ? 1 : 0);
				for (long i = 0; i < mine; i++)
					b.receive(q, buf.data(), size);
			}));
		for (pid_t k : kids)
			reap(k);
	});
	gLastCpu = { childCpu() - c0, b.daemon ? cpuOf(b.daemon) - d0 : 0, n };
	::close(q);
	b.unlink(name);
	return r;
}

/* mqfs batches: the producer sends \a perCall messages per call, the
 * consumer receives up to 1024 per call into 64 KiB. */
double batchStreamRun(const Backend &b, long n, size_t size, long depth, size_t perCall)
{
	int q = b.open("/bench-batch", O_RDWR, depth, static_cast<long>(size));
	if (q < 0)
		return 0;
	const double c0 = childCpu(), d0 = b.daemon ? cpuOf(b.daemon) : 0;
	double r = rate(n, [&] {
		pid_t prod = forkChild([&] {
			std::vector<char> payload(size);
			std::vector<mqfs_msg> msgs(perCall, mqfs_msg{ payload.data(), size, 0 });
			for (long done = 0; done < n;) {
				const size_t k = static_cast<size_t>(std::min<long>(n - done, static_cast<long>(perCall)));
				const ssize_t sent = mqfs_send_batch(q, msgs.data(), k);
				if (sent <= 0)
					_exit(1);
				done += sent;
			}
		});
		pid_t cons = forkChild([&] {
			std::vector<char> buf(65536);
			std::vector<mqfs_msg> msgs(1024);
			for (long got = 0; got < n;) {
				const ssize_t k = mqfs_receive_batch(q, buf.data(), buf.size(), msgs.data(), msgs.size());
				if (k <= 0)
					_exit(1);
				got += k;
			}
		});
		reap(prod);
		reap(cons);
	});
	gLastCpu = { childCpu() - c0, b.daemon ? cpuOf(b.daemon) - d0 : 0, n };
	::close(q);
	b.unlink("/bench-batch");
	return r;
}

double pingpongRun(const Backend &b, long n)
{
	int a = b.open("/bench-ping", O_RDWR, 10, 64);
	int z = b.open("/bench-pong", O_RDWR, 10, 64);
	char buf[64] = {};
	double r = rate(n, [&] {
		pid_t c = forkChild([&] {
			for (long i = 0; i < n; i++) {
				b.receive(a, buf, 64);
				b.send(z, buf, 64);
			}
		});
		for (long i = 0; i < n; i++) {
			b.send(a, buf, 64);
			b.receive(z, buf, 64);
		}
		reap(c);
	});
	::close(a);
	::close(z);
	b.unlink("/bench-ping");
	b.unlink("/bench-pong");
	return r;
}

/* \a queues queues, one producer and one consumer process each. */
double manyQueuesRun(const Backend &b, long n, int queues)
{
	std::vector<int> qs;
	std::vector<std::string> names;
	for (int i = 0; i < queues; i++) {
		names.push_back("/bench-many-" + std::to_string(i));
		qs.push_back(b.open(names.back().c_str(), O_RDWR, 10, 64));
	}
	const long per = n / queues;
	double r = rate(per * queues, [&] {
		std::vector<pid_t> kids;
		for (int i = 0; i < queues; i++) {
			const int q = qs[static_cast<size_t>(i)];
			kids.push_back(forkChild([&, q] {
				char buf[64] = {};
				for (long k = 0; k < per; k++)
					b.send(q, buf, 64);
			}));
			kids.push_back(forkChild([&, q] {
				char buf[64];
				for (long k = 0; k < per; k++)
					b.receive(q, buf, 64);
			}));
		}
		for (pid_t k : kids)
			reap(k);
	});
	for (size_t i = 0; i < qs.size(); i++) {
		::close(qs[i]);
		b.unlink(names[i].c_str());
	}
	return r;
}

double openCloseRun(const Backend &b, long n)
{
	int q = b.open("/bench-open", O_RDWR, 10, 64);
	::close(q);
	double r = rate(n, [&] {
		for (long i = 0; i < n; i++)
			::close(b.open("/bench-open", O_RDWR, 10, 64));
	});
	b.unlink("/bench-open");
	return r;
}

double getattrRun(const Backend &b, long n)
{
	int q = b.open("/bench-attr", O_RDWR, 10, 64);
	double r = rate(n, [&] {
		for (long i = 0; i < n; i++)
			b.getattr(q);
	});
	::close(q);
	b.unlink("/bench-attr");
	return r;
}

/*
 * Create \a count queues "/bulk-<i>" of 1 message of 1 byte. RLIMIT_MSGQUEUE
 * (819200 bytes, hard) is charged per real uid on the kernel and on mqfs
 * (97 bytes each here), so children of 2000 queues each run as uids 60000+.
 */
bool createBulk(const Backend &b, int count)
{
	constexpr int kPerUid = 2000;
	std::vector<pid_t> kids;
	for (int start = 0; start < count; start += kPerUid) {
		kids.push_back(forkChild([&, start] {
			const uid_t uid = static_cast<uid_t>(60000 + start / kPerUid);
			if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
				_exit(2);
			for (int i = start; i < std::min(count, start + kPerUid); i++) {
				const std::string name = "/bulk-" + std::to_string(i);
				const int q = b.open(name.c_str(), O_RDWR | O_EXCL, 1, 1);
				if (q < 0)
					_exit(3);
				::close(q);
			}
		}));
	}
	bool ok = true;
	for (pid_t k : kids) {
		int st = 0;
		while (waitpid(k, &st, 0) < 0 && errno == EINTR) {
		}
		ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	return ok;
}

void removeBulk(const Backend &b, int count)
{
	for (int i = 0; i < count; i++)
		b.unlink(("/bulk-" + std::to_string(i)).c_str());
}

/* Seconds of `sh -c script` with D set to \a dir. */
double shellSeconds(const std::string &script, const std::string &dir)
{
	const auto t0 = Clock::now();
	pid_t c = fork();
	if (c == 0) {
		setenv("D", dir.c_str(), 1);
		execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char *>(nullptr));
		_exit(127);
	}
	int st = 0;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		std::fprintf(stderr, "shell step failed: %s\n", script.c_str());
	return seconds(t0);
}

/* ===================================================================== */
/* mqfs-only figures                                                      */
/* ===================================================================== */

/* A fresh daemon on a fresh directory, unmounted and reaped at the end. */
class FreshDaemon
{
public:
	FreshDaemon(const std::string &bin, const std::string &opts)
	{
		char tmpl[] = "/tmp/mqbench-mem.XXXXXX";
		if (!mkdtemp(tmpl))
			return;
		dir_ = tmpl;
		pid_ = fork();
		if (pid_ == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execl(bin.c_str(), "mqfs", "-f", "-o", opts.c_str(), dir_.c_str(), static_cast<char *>(nullptr));
			_exit(127);
		}
		for (int i = 0; i < 100; i++) {
			struct stat a, b;
			if (stat(dir_.c_str(), &a) == 0 && stat("/tmp", &b) == 0 && a.st_dev != b.st_dev) {
				up_ = true;
				break;
			}
			usleep(20000);
		}
	}
	~FreshDaemon()
	{
		if (!dir_.empty())
			umount2(dir_.c_str(), MNT_DETACH);
		if (pid_ > 0) {
			for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; i++)
				usleep(20000);
			kill(pid_, SIGKILL);
			waitpid(pid_, nullptr, 0);
		}
		if (!dir_.empty())
			rmdir(dir_.c_str());
	}
	FreshDaemon(const FreshDaemon &) = delete;
	FreshDaemon &operator=(const FreshDaemon &) = delete;

	bool up() const { return up_; }
	pid_t pid() const { return pid_; }
	const std::string &dir() const { return dir_; }

private:
	std::string dir_;
	pid_t pid_ = -1;
	bool up_ = false;
};

struct Extra {
	std::string name;
	double value;
	std::string unit;
	std::string target;
};

std::vector<Extra> mqfsOnly(const std::string &bin, const Backend &mq, long scale)
{
	std::vector<Extra> out;
	const std::string opts = "allow_other,msg_max=65536,queues_max=100000";
	const char *savedRoot = std::getenv("MQFS_ROOT");
	const std::string saved = savedRoot ? savedRoot : "";
	{
		FreshDaemon d(bin, opts);
		if (d.up()) {
			setenv("MQFS_ROOT", d.dir().c_str(), 1);
			Backend b = mqfsBackend(d.dir(), d.pid());
			const long rss0 = statusField(d.pid(), "VmRSS");
			if (createBulk(b, 10000)) {
				const long rss1 = statusField(d.pid(), "VmRSS");
				out.push_back({ "daemon RSS with 10,000 empty queues", rss1 / 1024.0, "MiB", "< 20 MiB" });
				out.push_back({ "  of which the queues (RSS growth)", (rss1 - rss0) * 1024.0 / 10000, "B/queue", "" });
			} else {
				std::fprintf(stderr, "could not create 10,000 queues on a fresh mqfs\n");
			}
		}
	}
	{
		/* 100,000 messages of 64 B: 20 queues of 5000, each created by its
		 * own uid (each charges 800,000 of the 819,200 bytes allowed). */
		FreshDaemon d(bin, opts);
		if (d.up()) {
			setenv("MQFS_ROOT", d.dir().c_str(), 1);
			std::vector<pid_t> kids;
			for (int i = 0; i < 20; i++)
				kids.push_back(forkChild([i] {
					const uid_t uid = static_cast<uid_t>(61000 + i);
					if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
						_exit(2);
					mq_attr a = attrOf(5000, 64);
					const int q = mqfs_open(("/mem-" + std::to_string(i)).c_str(), O_RDWR | O_CREAT, 0666, &a);
					_exit(q < 0 ? 3 : 0);
				}));
			for (pid_t k : kids)
				reap(k);
			const long rss0 = statusField(d.pid(), "VmRSS");
			char payload[64] = {};
			long sent = 0;
			for (int i = 0; i < 20; i++) {
				const int q = mqfs_open(("/mem-" + std::to_string(i)).c_str(), O_WRONLY | O_NONBLOCK, 0, nullptr);
				std::vector<mqfs_msg> msgs(200, mqfs_msg{ payload, sizeof(payload), 0 });
				for (int k = 0; k < 25 && q >= 0; k++) {
					const ssize_t n = mqfs_send_batch(q, msgs.data(), msgs.size());
					sent += n > 0 ? n : 0;
				}
				::close(q);
			}
			const long rss1 = statusField(d.pid(), "VmRSS");
			if (sent == 100000)
				out.push_back({ "daemon memory per queued 64 B message beyond the payload",
						(rss1 - rss0) * 1024.0 / 100000 - 64, "B", "<= 64 B" });
			else
				std::fprintf(stderr, "only %ld of 100000 messages were queued\n", sent);
		}
	}
	setenv("MQFS_ROOT", saved.c_str(), 1);

	/* 1000 receivers parked on one queue: daemon threads, and the rate of a
	 * send+receive pair on another queue with and without them. */
	{
		/* Medians of 5 runs each: single runs swing by tens of percent. */
		const auto pairRate = [&] {
			std::vector<double> rs;
			for (int i = 0; i < 5; i++)
				rs.push_back(pairRun(mq, 10000 * scale));
			return median(rs);
		};
		const double alone = pairRate();
		const long threads0 = statusField(mq.daemon, "Threads");
		const int parkedQ = mq.open("/bench-parked", O_RDWR, 10, 64);
		pid_t holder = forkChild([&] {
			std::vector<pthread_t> ts(1000);
			pthread_attr_t at;
			pthread_attr_init(&at);
			pthread_attr_setstacksize(&at, 64 * 1024);
			for (auto &t : ts)
				pthread_create(
					&t, &at,
					[](void *arg) -> void * {
						char buf[64];
						mqfs_receive(static_cast<int>(reinterpret_cast<intptr_t>(arg)), buf, sizeof(buf), nullptr);
						return nullptr;
					},
					reinterpret_cast<void *>(static_cast<intptr_t>(parkedQ)));
			for (auto &t : ts)
				pthread_join(t, nullptr);
		});
		usleep(500000);
		const long threads1 = statusField(mq.daemon, "Threads");
		const double with = pairRate();
		char buf[64] = {};
		const auto t0 = Clock::now();
		for (int i = 0; i < 1000; i++)
			mq.send(parkedQ, buf, sizeof(buf));
		reap(holder);
		const double deliver = seconds(t0);
		::close(parkedQ);
		mq.unlink("/bench-parked");
		out.push_back({ "daemon threads: idle / with 1000 parked receivers", static_cast<double>(threads1 - threads0),
				"more threads (" + std::to_string(threads0) + " -> " + std::to_string(threads1) + ")", "0" });
		out.push_back({ "send+receive rate with 1000 parked receivers / without", with / alone, "x", ">= 0.90" });
		out.push_back({ "delivering to the 1000 parked receivers", deliver * 1000, "ms", "" });
	}
	return out;
}

struct Row {
	std::string name;
	std::function<double(const Backend &)> run;
	bool kernel = true, null = true;
	bool cpu = false; /* report CPU per message */
};

} /* namespace */

int main(int argc, char **argv)
{
	if (argc == 3 && !std::strcmp(argv[1], "--serve-null"))
		return serveNull(argv[2]);

	std::string kernelRoot, nullRoot, jsonPath, mqfsBin, only;
	pid_t mqfsPid = 0, nullPid = 0;
	int reps = 5;
	long scale = 1;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		if (a == "--quick") {
			quick = true;
			continue;
		}
		if (a == "--kernel-root")
			kernelRoot = v;
		else if (a == "--null-root")
			nullRoot = v;
		else if (a == "--mqfs-pid")
			mqfsPid = std::atoi(v);
		else if (a == "--null-pid")
			nullPid = std::atoi(v);
		else if (a == "--mqfs-bin")
			mqfsBin = v;
		else if (a == "--reps")
			reps = std::max(1, std::atoi(v));
		else if (a == "--json")
			jsonPath = v;
		else if (a == "--only")
			only = v;
		else if (a == "--scale")
			scale = std::max(1L, std::atol(v));
		else {
			std::fprintf(stderr, "mqbench: unknown option %s\n", a.c_str());
			return 1;
		}
		i++;
	}
	const char *mqfsRoot = std::getenv("MQFS_ROOT");
	if (nullRoot.empty() || kernelRoot.empty() || !mqfsRoot || !mqfsPid || !nullPid || mqfsBin.empty()) {
		std::fprintf(stderr, "usage: MQFS_ROOT=M mqbench --kernel-root K --null-root N --mqfs-pid P "
				     "--null-pid P --mqfs-bin BIN [--reps R] [--scale S] [--quick] [--only TEXT] [--json FILE]\n"
				     "(scripts/bench.sh sets all of this up)\n");
		return 1;
	}
	const Backend backends[] = { kernelBackend(kernelRoot), nullBackend(nullRoot, nullPid),
				     mqfsBackend(mqfsRoot, mqfsPid) };
	const Backend &mq = backends[2];

	std::vector<Row> rows = {
		{ "pair 64B (send+receive, 1 process)", [&](const Backend &b) { return pairRun(b, 20000 * scale); } },
		{ "ping-pong 64B (round trips)", [&](const Backend &b) { return pingpongRun(b, 5000 * scale); } },
		{ "stream 64B depth 10", [&](const Backend &b) { return streamRun(b, 20000 * scale, 64, 10); }, true, true,
		  true },
		{ "stream 1KiB depth 10", [&](const Backend &b) { return streamRun(b, 20000 * scale, 1024, 10); } },
		{ "stream 8KiB depth 10", [&](const Backend &b) { return streamRun(b, 10000 * scale, 8192, 10); } },
		{ "stream 64B depth 1024", [&](const Backend &b) { return streamRun(b, 40000 * scale, 64, 1024); }, true,
		  true, true },
		/* RLIMIT_MSGQUEUE (819200, hard) allows at most 731 x 1 KiB and 98 x 8 KiB */
		{ "stream 1KiB depth 700", [&](const Backend &b) { return streamRun(b, 20000 * scale, 1024, 700); } },
		{ "stream 8KiB depth 96", [&](const Backend &b) { return streamRun(b, 10000 * scale, 8192, 96); } },
		{ "4 producers + 4 consumers 64B, 1 queue", [&](const Backend &b) {
			 return streamRun(b, 40000 * scale, 64, 10, 4, 4);
		 } },
		{ "100 queues x (1 producer + 1 consumer) 64B", [&](const Backend &b) {
			 return manyQueuesRun(b, 40000 * scale, 100);
		 } },
		{ "open+close", [&](const Backend &b) { return openCloseRun(b, 10000 * scale); } },
		{ "getattr", [&](const Backend &b) { return getattrRun(b, 20000 * scale); } },
		{ "ls -l of 10,000 queues (entries/s)", [&](const Backend &b) {
			 return 10000 / shellSeconds("ls -l \"$D\" >/dev/null", b.root);
		 } },
		{ "cat of 10,000 queues (files/s)", [&](const Backend &b) {
			 return 10000 / shellSeconds("cat \"$D\"/* >/dev/null", b.root);
		 } },
		{ "batch stream 64B depth 1024 (mqfs: 200/send, <=1024/receive)", [&](const Backend &b) {
			 return &b == &mq ? batchStreamRun(b, 200000 * scale, 64, 1024, 200)
					  : streamRun(b, 40000 * scale, 64, 1024);
		 },
		  true, false, true },
		{ "batch stream 1KiB depth 700 (mqfs: 15/send)", [&](const Backend &b) {
			 return &b == &mq ? batchStreamRun(b, 40000 * scale, 1024, 700, 15)
					  : streamRun(b, 20000 * scale, 1024, 700);
		 },
		  true, false },
	};
	if (quick)
		reps = 1;
	if (!only.empty())
		std::erase_if(rows, [&](const Row &r) { return r.name.find(only) == std::string::npos; });

	FILE *json = jsonPath.empty() ? nullptr : std::fopen(jsonPath.c_str(), "w");
	if (json)
		std::fprintf(json, "{\n  \"workloads\": [\n");
	std::printf("%-62s %11s %11s %11s %9s %9s\n", "workload (ops/s, median)", "kernel", "null-fuse", "mqfs",
		    "mqfs/kern", "mqfs/null");
	std::vector<std::string> cpuLines;
	for (size_t w = 0; w < rows.size(); w++) {
		const Row &row = rows[w];
		const bool bulk = row.name.find("10,000") != std::string::npos;
		double med[3] = { 0, 0, 0 };
		CpuSample cpu[3];
		bool use[3];
		for (int bi = 0; bi < 3; bi++)
			use[bi] = !((bi == 0 && !row.kernel) || (bi == 1 && !row.null));
		for (int bi = 0; bi < 3; bi++) {
			const Backend &b = backends[bi];
			if (!use[bi] || !bulk)
				continue;
			if (bi != 1 && !createBulk(b, 10000))
				std::fprintf(stderr, "%s: could not create 10,000 queues\n", b.name);
			if (bi == 1)
				for (int i = 0; i < 10000; i++)
					::close(b.open(("/bulk-" + std::to_string(i)).c_str(), O_RDWR, 1, 1));
		}
		/* Repetitions interleave the backends, so that a slow phase of the
		 * machine (these VMs drift by tens of percent) hits all three. */
		std::vector<double> rs[3];
		for (int r = 0; r < (bulk ? std::min(reps, 3) : reps); r++)
			for (int bi = 0; bi < 3; bi++) {
				if (!use[bi])
					continue;
				rs[bi].push_back(row.run(backends[bi]));
				if (row.cpu)
					cpu[bi] = gLastCpu;
			}
		for (int bi = 0; bi < 3; bi++) {
			if (!use[bi])
				continue;
			if (bulk && bi != 1)
				removeBulk(backends[bi], 10000);
			med[bi] = median(rs[bi]);
		}
		auto cell = [](double v) {
			char s[32];
			if (v > 0)
				std::snprintf(s, sizeof(s), "%11.0f", v);
			else
				std::snprintf(s, sizeof(s), "%11s", "-");
			return std::string(s);
		};
		auto ratio = [](double a, double b) {
			char s[32];
			if (a > 0 && b > 0)
				std::snprintf(s, sizeof(s), "%9.2f", a / b);
			else
				std::snprintf(s, sizeof(s), "%9s", "-");
			return std::string(s);
		};
		std::printf("%-62s %s %s %s %s %s\n", row.name.c_str(), cell(med[0]).c_str(), cell(med[1]).c_str(),
			    cell(med[2]).c_str(), ratio(med[2], med[0]).c_str(), ratio(med[2], med[1]).c_str());
		std::fflush(stdout);
		if (json)
			std::fprintf(json,
				     "    {\"workload\": \"%s\", \"kernel\": %.0f, \"null_fuse\": %.0f, \"mqfs\": %.0f, "
				     "\"mqfs_over_kernel\": %.3f, \"mqfs_over_null\": %.3f},\n",
				     row.name.c_str(), med[0], med[1], med[2], med[0] > 0 ? med[2] / med[0] : 0,
				     med[1] > 0 ? med[2] / med[1] : 0);
		if (row.cpu) {
			char line[256];
			auto us = [](const CpuSample &c, bool daemon) {
				return c.messages ? (daemon ? c.daemon : c.client) * 1e6 / static_cast<double>(c.messages) : 0;
			};
			std::snprintf(line, sizeof(line),
				      "%-50s clients %.2f / %.2f / %.2f, servers - / %.2f / %.2f", row.name.c_str(),
				      us(cpu[0], false), us(cpu[1], false), us(cpu[2], false), us(cpu[1], true),
				      us(cpu[2], true));
			cpuLines.push_back(line);
		}
	}
	std::printf("\nCPU microseconds per message (last repetition; kernel / null-fuse / mqfs):\n");
	for (auto &l : cpuLines)
		std::printf("  %s\n", l.c_str());

	std::vector<Extra> extras;
	if (only.empty() || only == "mqfs-only") {
		std::printf("\nmqfs only:\n");
		extras = mqfsOnly(mqfsBin, mq, scale);
	}
	for (const Extra &e : extras)
		std::printf("  %-62s %10.2f %s%s%s\n", e.name.c_str(), e.value, e.unit.c_str(),
			    e.target.empty() ? "" : "   target ", e.target.c_str());
	if (json) {
		std::fprintf(json, "    {}\n  ],\n  \"mqfs_only\": [\n");
		for (size_t i = 0; i < extras.size(); i++)
			std::fprintf(json, "    {\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}%s\n",
				     extras[i].name.c_str(), extras[i].value, extras[i].unit.c_str(),
				     i + 1 < extras.size() ? "," : "");
		std::fprintf(json, "  ]\n}\n");
		std::fclose(json);
	}
	return 0;
}
