/* SPDX-License-Identifier: MIT */
/**
 * @file mqbench.cpp
 * @brief Side-by-side benchmark: kernel mqueue, a do-nothing FUSE filesystem
 *        (the limit of any FUSE design), and mqfs through libmqfs.
 *
 * Run by scripts/bench.sh inside a private IPC + mount namespace:
 *   mqbench --mqfs-root M --null-root N [--reps 5] [--json FILE]
 * N is served by `mqbench --serve-null N` (same libfuse loop settings as the
 * mqfs daemon: multi-threaded, 16 threads). Each workload runs --reps times;
 * the median rate is reported with the ratios mqfs/kernel and mqfs/null.
 *
 * Workloads:
 *  - pair:   send + receive in one process, 64 B
 *  - stream: producer and consumer processes, 64 B / 1 KiB / 8 KiB, depth 10
 *  - pingpong: two processes, each receives then sends, 64 B
 *  - getattr: mq_getattr rate
 * The null filesystem does the same number of requests per message as mqfs
 * (one ioctl per send, one read per receive) without any queue behind them.
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)
#include <fuse_lowlevel.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <mqueue.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mqfs/mqfs.h"

namespace {

using Clock = std::chrono::steady_clock;

/* ---- the do-nothing FUSE filesystem ---- */

void nullLookup(fuse_req_t req, fuse_ino_t, const char *)
{
	fuse_entry_param e = {};
	e.ino = 2;
	e.attr.st_ino = 2;
	e.attr.st_mode = S_IFREG | 0666;
	e.attr.st_nlink = 1;
	e.attr.st_size = 80;
	fuse_reply_entry(req, &e);
}

void nullGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *)
{
	struct stat st = {};
	st.st_ino = ino;
	st.st_mode = ino == 1 ? S_IFDIR | 0777 : S_IFREG | 0666;
	st.st_nlink = 1;
	fuse_reply_attr(req, &st, 0);
}

void nullOpen(fuse_req_t req, fuse_ino_t, fuse_file_info *fi)
{
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

void nullRead(fuse_req_t req, fuse_ino_t, size_t size, off_t, fuse_file_info *)
{
	static char buf[16 + 8192];
	fuse_reply_buf(req, buf, std::min<size_t>(size, 16 + 64));
}

void nullIoctl(fuse_req_t req, fuse_ino_t, unsigned int, void *, fuse_file_info *, unsigned,
	       const void *, size_t, size_t)
{
	fuse_reply_ioctl(req, 0, nullptr, 0);
}

int serveNull(const char *mnt)
{
	fuse_lowlevel_ops ops = {};
	ops.lookup = nullLookup;
	ops.getattr = nullGetattr;
	ops.open = nullOpen;
	ops.read = nullRead;
	ops.ioctl = nullIoctl;
	char arg0[] = "mqbench-null";
	char *argv[] = { arg0, nullptr };
	fuse_args args = FUSE_ARGS_INIT(1, argv);
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

/* ---- backends ---- */

struct Backend {
	const char *name;
	std::function<int(const char *, int, long, long)> open; /* name, oflag, maxmsg, msgsize */
	std::function<int(int, const char *, size_t)> send;
	std::function<ssize_t(int, char *, size_t)> receive;
	std::function<int(int)> getattr;
	std::function<void(const char *)> unlink;
};

Backend kernelBackend()
{
	return { "kernel",
		 [](const char *n, int fl, long mx, long sz) {
			 mq_attr a = {};
			 a.mq_maxmsg = mx;
			 a.mq_msgsize = sz;
			 return static_cast<int>(mq_open(n, fl | O_CREAT, 0600, &a));
		 },
		 [](int q, const char *b, size_t n) { return mq_send(q, b, n, 0); },
		 [](int q, char *b, size_t n) { return mq_receive(q, b, n, nullptr); },
		 [](int q) {
			 mq_attr a;
			 return mq_getattr(q, &a);
		 },
		 [](const char *n) { mq_unlink(n); } };
}

Backend mqfsBackend()
{
	return { "mqfs",
		 [](const char *n, int fl, long mx, long sz) {
			 mq_attr a = {};
			 a.mq_maxmsg = mx;
			 a.mq_msgsize = sz;
			 return static_cast<int>(mqfs_open(n, fl | O_CREAT, 0600, &a));
		 },
		 [](int q, const char *b, size_t n) { return mqfs_send(q, b, n, 0); },
		 [](int q, char *b, size_t n) { return static_cast<ssize_t>(mqfs_receive(q, b, n, nullptr)); },
		 [](int q) {
			 mq_attr a;
			 return mqfs_getattr(q, &a);
		 },
		 [](const char *n) { mqfs_unlink(n); } };
}

/* The same requests as mqfs (one ioctl per send, one read per receive),
 * answered at once by a filesystem that does nothing. */
Backend nullBackend(const std::string &root)
{
	return { "null-fuse",
		 [root](const char *n, int fl, long, long) {
			 return ::open((root + "/" + (n + 1)).c_str(), (fl & O_ACCMODE) | O_CLOEXEC);
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
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

/* Messages per second for one run of \a body moving \a count messages. */
template<typename F>
double rate(long count, F body)
{
	auto t0 = Clock::now();
	body();
	const double s = std::chrono::duration<double>(Clock::now() - t0).count();
	return count / s;
}

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

double streamRun(const Backend &b, long n, size_t size, long depth)
{
	int q = b.open("/bench-stream", O_RDWR, depth, static_cast<long>(size));
	std::vector<char> buf(size);
	double r = rate(n, [&] {
		pid_t c = fork();
		if (c == 0) {
			for (long i = 0; i < n; i++)
				b.send(q, buf.data(), size);
			_exit(0);
		}
		for (long i = 0; i < n; i++)
			b.receive(q, buf.data(), size);
		waitpid(c, nullptr, 0);
	});
	::close(q);
	b.unlink("/bench-stream");
	return r;
}

double pingpongRun(const Backend &b, long n)
{
	int a = b.open("/bench-ping", O_RDWR, 10, 64);
	int z = b.open("/bench-pong", O_RDWR, 10, 64);
	char buf[64] = {};
	double r = rate(n, [&] {
		pid_t c = fork();
		if (c == 0) {
			for (long i = 0; i < n; i++) {
				b.receive(a, buf, 64);
				b.send(z, buf, 64);
			}
			_exit(0);
		}
		for (long i = 0; i < n; i++) {
			b.send(a, buf, 64);
			b.receive(z, buf, 64);
		}
		waitpid(c, nullptr, 0);
	});
	::close(a);
	::close(z);
	b.unlink("/bench-ping");
	b.unlink("/bench-pong");
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

} /* namespace */

int main(int argc, char **argv)
{
	if (argc == 3 && !std::strcmp(argv[1], "--serve-null"))
		return serveNull(argv[2]);

	std::string nullRoot, jsonPath;
	int reps = 5;
	long scale = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!std::strcmp(argv[i], "--null-root"))
			nullRoot = argv[i + 1];
		else if (!std::strcmp(argv[i], "--reps"))
			reps = std::atoi(argv[i + 1]);
		else if (!std::strcmp(argv[i], "--json"))
			jsonPath = argv[i + 1];
		else if (!std::strcmp(argv[i], "--scale"))
			scale = std::atol(argv[i + 1]);
	}
	if (nullRoot.empty() || !std::getenv("MQFS_ROOT")) {
		std::fprintf(stderr, "usage: MQFS_ROOT=M mqbench --null-root N [--reps R] [--scale S] [--json FILE]\n");
		return 1;
	}
	const Backend backends[] = { kernelBackend(), nullBackend(nullRoot), mqfsBackend() };

	struct Work {
		std::string name;
		std::function<double(const Backend &)> run;
	};
	const std::vector<Work> works = {
		{ "pair 64B (send+receive, 1 process)", [&](const Backend &b) { return pairRun(b, 20000 * scale); } },
		{ "stream 64B depth 10", [&](const Backend &b) { return streamRun(b, 20000 * scale, 64, 10); } },
		{ "stream 1KiB depth 10", [&](const Backend &b) { return streamRun(b, 20000 * scale, 1024, 10); } },
		{ "stream 8KiB depth 10", [&](const Backend &b) { return streamRun(b, 10000 * scale, 8192, 10); } },
		{ "ping-pong 64B (round trips)", [&](const Backend &b) { return pingpongRun(b, 5000 * scale); } },
		{ "getattr", [&](const Backend &b) { return getattrRun(b, 20000 * scale); } },
	};

	FILE *json = jsonPath.empty() ? nullptr : std::fopen(jsonPath.c_str(), "w");
	if (json)
		std::fprintf(json, "[\n");
	std::printf("%-38s %12s %12s %12s %9s %9s\n", "workload (ops/s, median)", "kernel", "null-fuse",
		    "mqfs", "mqfs/kern", "mqfs/null");
	for (size_t w = 0; w < works.size(); w++) {
		double med[3];
		for (int b = 0; b < 3; b++) {
			std::vector<double> rs;
			for (int r = 0; r < reps; r++)
				rs.push_back(works[w].run(backends[b]));
			med[b] = median(rs);
		}
		std::printf("%-38s %12.0f %12.0f %12.0f %9.2f %9.2f\n", works[w].name.c_str(), med[0], med[1],
			    med[2], med[2] / med[0], med[2] / med[1]);
		if (json)
			std::fprintf(json,
				     "  {\"workload\": \"%s\", \"kernel\": %.0f, \"null_fuse\": %.0f, \"mqfs\": %.0f, "
				     "\"mqfs_over_kernel\": %.3f, \"mqfs_over_null\": %.3f}%s\n",
				     works[w].name.c_str(), med[0], med[1], med[2], med[2] / med[0], med[2] / med[1],
				     w + 1 < works.size() ? "," : "");
	}
	if (json) {
		std::fprintf(json, "]\n");
		std::fclose(json);
	}
	return 0;
}
