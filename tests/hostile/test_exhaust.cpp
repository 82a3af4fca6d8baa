/* SPDX-License-Identifier: MIT */
/*
 * Part 2: resource exhaustion. One client must not make the daemon hold
 * more memory than the limits allow: queues_max, msg_max x msgsize and the
 * RLIMIT_MSGQUEUE charge for what is stored; for what is in flight (staged
 * transfers, parked requests) a bound per open file and per live thread.
 * Each test runs its own daemon, so that its VmRSS figures are its own.
 */
#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.hpp"
#include "proto/mqfs_proto.h"

using namespace hostile;
using namespace std::chrono_literals;

namespace {

constexpr long kStagedMax = MQFS_STAGED_MAX;

std::string kib(long v)
{
	return std::to_string(v) + " kB";
}

/* "what: VmRSS a -> b kB (+d), threads x -> y" */
void report(const std::string &what, const ProcFigures &a, const ProcFigures &b)
{
	figure(what + ": VmRSS " + std::to_string(a.rssKiB) + " -> " + kib(b.rssKiB) + " (+" +
	       std::to_string(b.rssKiB - a.rssKiB) + "), threads " + std::to_string(a.threads) + " -> " +
	       std::to_string(b.threads));
}

/* Run \a fn in a child that is uid/gid nobody with RLIMIT_MSGQUEUE \a rlim;
 * the longs it writes to its pipe come back. */
std::vector<long> asNobody(rlim_t rlim, const std::function<void(std::vector<long> &)> &fn)
{
	int pfd[2];
	if (::pipe(pfd) < 0)
		return {};
	const pid_t pid = ::fork();
	if (pid == 0) {
		::close(pfd[0]);
		std::vector<long> out;
		rlimit r = { rlim, rlim };
		if (::setrlimit(RLIMIT_MSGQUEUE, &r) == 0 && ::setgroups(0, nullptr) == 0 &&
		    ::setgid(65534) == 0 && ::setuid(65534) == 0)
			fn(out);
		else
			out.push_back(-9999);
		(void)!::write(pfd[1], out.data(), out.size() * sizeof(long));
		::_exit(0);
	}
	::close(pfd[1]);
	std::vector<long> got;
	long v;
	while (::read(pfd[0], &v, sizeof v) == sizeof v)
		got.push_back(v);
	::close(pfd[0]);
	::waitpid(pid, nullptr, 0);
	return got;
}

long setLimit(int rootFd, uint32_t key, int64_t value)
{
	mqfs_limit_set s = { key, 0, value };
	return rawIoctl(rootFd, MQFS_IOC_LIMITS_SET, &s);
}

/* A thread that blocks in \a fn; stop() interrupts it until it returns. */
class Blocker
{
public:
	explicit Blocker(std::function<long()> fn)
	{
		thread_ = std::thread([this, fn] {
			handle_ = pthread_self();
			started_ = true;
			result_ = fn();
			done_ = true;
		});
		while (!started_)
			std::this_thread::yield();
	}
	~Blocker() { stop(); }
	Blocker(const Blocker &) = delete;
	Blocker &operator=(const Blocker &) = delete;

	void stop()
	{
		if (!thread_.joinable())
			return;
		while (!done_) {
			pthread_kill(handle_, SIGUSR2);
			std::this_thread::sleep_for(1ms);
		}
		thread_.join();
	}
	bool done() const { return done_; }
	long result() const { return result_; }

private:
	std::atomic<bool> started_ { false };
	std::atomic<bool> done_ { false };
	std::atomic<long> result_ { 0 };
	pthread_t handle_ {};
	std::thread thread_;
};

} /* namespace */

TEST_CASE("queues_max and RLIMIT_MSGQUEUE hold for an unprivileged creator", "[exhaust]")
{
	step("exhaust: queues_max, rlimit");
	installInterruptHandler();
	Daemon d("", true);
	Fd root(rawOpen(d.root(), O_RDONLY | O_DIRECTORY));
	REQUIRE(root.valid());
	REQUIRE(setLimit(root.get(), 0, 5) == 0);
	const ProcFigures f0 = d.figures();

	/* Charge of (4, 1024): 4 * 48 + 4 * 48 + 4 * 1024 = 4480 bytes. */
	const rlim_t rlim = 100000;
	auto got = asNobody(rlim, [&](std::vector<long> &out) {
		for (int i = 0; i < 8; i++)
			out.push_back(createQueue(d, "u" + std::to_string(i), 4, 1024));
	});
	REQUIRE(got.size() == 8);
	for (int i = 0; i < 8; i++)
		table().add("create as nobody past queues_max 5", got[i] < 0 ? got[i] : 0);
	for (int i = 0; i < 5; i++)
		CHECK(got[i] >= 0);
	for (int i = 5; i < 8; i++)
		CHECK(got[i] == -ENOSPC);
	/* CAP_SYS_RESOURCE lifts queues_max, as on the kernel. */
	if (haveCapSysResource()) {
		Fd r(createQueue(d, "rootq", 4, 1024));
		CHECK(r.valid());
		table().add("create as root (CAP_SYS_RESOURCE) past queues_max", r.valid() ? 0 : r.get());
	}
	REQUIRE(setLimit(root.get(), 0, 1000) == 0);
	got = asNobody(rlim, [&](std::vector<long> &out) {
		/* attributes above msg_max / msgsize_max: EINVAL without the capability */
		out.push_back(createQueue(d, "big1", 11, 1024));
		out.push_back(createQueue(d, "big2", 4, 8193));
		int made = 0;
		long last = 0;
		for (int i = 5; i < 100; i++) {
			last = createQueue(d, "u" + std::to_string(i), 4, 1024);
			if (last < 0)
				break;
			made++;
		}
		out.push_back(made);
		out.push_back(last);
		/* Fill every queue the child owns: 4 messages each, then EAGAIN. */
		long sent = 0, refused = 0;
		for (int i = 0; i < 5 + made; i++) {
			Fd f(rawOpen(d.path("u" + std::to_string(i)), O_WRONLY));
			for (int k = 0; k < 6; k++) {
				const long rv = sendInline(f.get(), 1024, 0, MQFS_F_NONBLOCK);
				if (rv == 0)
					sent++;
				else if (rv == -EAGAIN)
					refused++;
			}
		}
		out.push_back(sent);
		out.push_back(refused);
	});
	REQUIRE(got.size() == 6);
	table().add("create as nobody, maxmsg > msg_max", got[0] < 0 ? got[0] : 0);
	table().add("create as nobody, msgsize > msgsize_max", got[1] < 0 ? got[1] : 0);
	table().add("create as nobody past RLIMIT_MSGQUEUE", got[3] < 0 ? got[3] : 0);
	CHECK(got[0] == -EINVAL);
	CHECK(got[1] == -EINVAL);
	/* 100000 / 4480 = 22 queues in all, 5 made before. */
	CHECK(got[2] == long(rlim / 4480) - 5);
	CHECK(got[3] == -EMFILE);
	const long queues = 5 + got[2];
	CHECK(got[4] == queues * 4);
	CHECK(got[5] == queues * 2);
	const ProcFigures f1 = d.figures();
	report("rlimit: " + std::to_string(queues) + " queues of nobody (RLIMIT_MSGQUEUE " +
		       std::to_string(rlim) + "), all full",
	       f0, f1);
	/* What they hold is 22 * 4 KiB of payload; allow for the allocator and
	 * a request thread or two more. */
	CHECK_RSS(f1.rssKiB - f0.rssKiB < 2048);
	REQUIRE(d.answers());
	root.reset();
	CHECK(d.stop() == 0);
}

TEST_CASE("a full queue and huge or negative lengths take no memory", "[exhaust]")
{
	step("exhaust: full queue, huge lengths");
	Daemon d(kBigLimits, true);
	const size_t msgsize = 8192;
	Fd q(createQueue(d, "full", 10, msgsize, O_NONBLOCK));
	REQUIRE(q.valid());
	const ProcFigures f0 = d.figures();
	for (int i = 0; i < 10; i++)
		REQUIRE(sendInline(q.get(), msgsize) == 0);
	const ProcFigures f1 = d.figures();
	const long n = scaled(5000);
	for (long i = 0; i < n; i++) {
		table().add("full queue: SEND NONBLOCK", sendInline(q.get(), msgsize, 0, MQFS_F_NONBLOCK));
		std::uint64_t len = i % 2 ? UINT64_MAX : std::uint64_t(1) << 63;
		std::uint32_t tok;
		table().add("SEND_BEGIN 2^63 / 2^64-1 (\"-1\")",
			    xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok));
		len = std::uint64_t(INT64_MIN);
		table().add("SEND_BEGIN INT64_MIN as u64", xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok));
		table().add("SEND 16367 bytes on an 8192 queue", sendInline(q.get(), MQFS_SEND_INLINE));
		if (i % 1000 == 0)
			tick();
	}
	const ProcFigures f2 = d.figures();
	report("full queue: 10 x 8 KiB stored", f0, f1);
	report("full queue: " + std::to_string(4 * n) + " refused sends and oversized BEGINs", f1, f2);
	CHECK_RSS(f2.rssKiB - f1.rssKiB < 1024);
	CHECK(curMsgs(q.get()) == 10);

	/* About the largest message the default RLIMIT_MSGQUEUE (819200) lets
	 * us make: each BEGIN of it is within the limits; the next one of the
	 * same thread replaces it. */
	const size_t hugeSize = 700000;
	Fd h(createQueue(d, "huge", 1, hugeSize, O_NONBLOCK));
	REQUIRE(h.valid());
	const ProcFigures f3 = d.figures();
	for (int i = 0; i < 200; i++) {
		std::uint64_t len = hugeSize;
		std::uint32_t tok;
		REQUIRE(xferBegin(h.get(), MQFS_IOC_SEND_BEGIN, len, tok) == 0);
		REQUIRE(sendChunk(h.get(), tok, 0, MQFS_CHUNK_MAX) == 0);
		table().add("SEND_BEGIN 700000 B, replaced by the next", 0);
	}
	const ProcFigures f4 = d.figures();
	report("200 BEGINs of 700000 bytes by one thread on one fd", f3, f4);
	CHECK_RSS(f4.rssKiB - f3.rssKiB < 2048);
	REQUIRE(d.answers());
	q.reset();
	h.reset();
	CHECK(d.stop() == 0);
}

TEST_CASE("staged sends: bounded per open file, whatever the threads do", "[exhaust][staged]")
{
	step("exhaust: staged sends");
	Daemon d("", true);
	const size_t msgsize = 8192;
	Fd q(createQueue(d, "stage", 10, msgsize, O_NONBLOCK));
	REQUIRE(q.valid());
	const ProcFigures f0 = d.figures();

	/* Threads that begin a staged send, fill it, and exit without COMMIT. */
	const long threads = scaled(2000);
	long ok = 0, refused = 0;
	for (long i = 0; i < threads; i++) {
		long rv = 0;
		std::thread([&] {
			std::uint64_t len = msgsize;
			std::uint32_t tok;
			rv = xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok);
			if (rv == 0)
				rv = sendChunk(q.get(), tok, 0, msgsize);
		}).join();
		table().add("SEND_BEGIN+CHUNK by a thread that then exits", rv);
		rv == 0 ? ok++ : refused++;
		if (i % 100 == 0)
			tick();
	}
	const ProcFigures f1 = d.figures();
	report("staged sends: " + std::to_string(threads) + " exited threads x 8 KiB on one fd (" +
		       std::to_string(ok) + " ok, " + std::to_string(refused) + " refused)",
	       f0, f1);
	CHECK(refused == 0);
	/* Unbounded would be threads x 8 KiB; allow the per-file cap's worth. */
	CHECK_RSS(f1.rssKiB - f0.rssKiB < long(kStagedMax * msgsize / 1024 + 2048));

	/* Many fds, one staged send each: bounded by RLIMIT_NOFILE (a figure). */
	{
		const int nfd = 500;
		std::vector<Fd> fds;
		for (int i = 0; i < nfd; i++) {
			fds.emplace_back(rawOpen(d.path("stage"), O_RDWR));
			std::uint64_t len = msgsize;
			std::uint32_t tok;
			REQUIRE(xferBegin(fds.back().get(), MQFS_IOC_SEND_BEGIN, len, tok) == 0);
			REQUIRE(sendChunk(fds.back().get(), tok, 0, msgsize) == 0);
		}
		const ProcFigures f2 = d.figures();
		report("staged sends: 500 fds x one 8 KiB staged send", f1, f2);
		fds.clear();
		report("staged sends: those 500 fds closed", f2, d.figures());
	}
	REQUIRE(d.answers());
	q.reset();
	CHECK(d.stop() == 0);
}

TEST_CASE("staged sends: live threads beyond the per-file cap get ENOMEM", "[exhaust][staged]")
{
	step("exhaust: staged cap");
	Daemon d("", true);
	Fd q(createQueue(d, "cap", 10, 8192, O_NONBLOCK));
	REQUIRE(q.valid());
	const int n = kStagedMax + 8;
	std::atomic<int> begun { 0 };
	std::atomic<bool> release { false };
	std::vector<long> rv(n, 1);
	std::vector<std::thread> ts;
	for (int i = 0; i < n; i++) {
		ts.emplace_back([&, i] {
			std::uint64_t len = 100;
			std::uint32_t tok;
			rv[i] = xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok);
			begun++;
			while (!release)
				std::this_thread::sleep_for(1ms);
		});
		/* In order, so that the last ones are the ones refused. */
		while (begun.load() <= i)
			std::this_thread::yield();
	}
	release = true;
	for (auto &t : ts)
		t.join();
	int ok = 0;
	for (int i = 0; i < n; i++) {
		table().add("SEND_BEGIN by live threads on one fd", rv[i]);
		ok += rv[i] == 0;
		if (i >= kStagedMax)
			CHECK(errName(rv[i]) == "ENOMEM");
	}
	CHECK(ok == kStagedMax);
	/* They have exited: their staged sends are reclaimed by the next BEGIN. */
	std::uint64_t len = 100;
	std::uint32_t tok;
	CHECK(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok) == 0);
	REQUIRE(d.answers());
	q.reset();
	CHECK(d.stop() == 0);
}

TEST_CASE("staged receives: one thread cannot hoard messages outside the queue", "[exhaust][staged]")
{
	step("exhaust: staged receives");
	Daemon d("", true);
	const size_t msgsize = 8192;
	const long maxmsg = 10;
	Fd q(createQueue(d, "hoard", maxmsg, msgsize, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd r(rawOpen(d.path("hoard"), O_RDONLY));
	REQUIRE(r.valid());
	const ProcFigures f0 = d.figures();
	const long n = scaled(2000);
	long taken = 0, sent = 0, over = 0;
	for (long i = 0; i < n; i++) {
		const long s = sendInline(q.get(), msgsize, 0, MQFS_F_NONBLOCK);
		sent += s == 0;
		std::uint64_t len = msgsize;
		std::uint32_t tok;
		const long rv = xferBegin(r.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK);
		table().add("RECV_BEGIN never read, same thread, same fd", rv);
		taken += rv == 0;
		if (curMsgs(q.get()) > maxmsg + 1)
			over++;
		if (i % 100 == 0)
			tick();
	}
	const ProcFigures f1 = d.figures();
	report("staged receives: " + std::to_string(n) + " sends + RECV_BEGINs never read (" +
		       std::to_string(sent) + " sent, " + std::to_string(taken) + " taken)",
	       f0, f1);
	/* Without a bound: n x 8 KiB held in the daemon, while the queue
	 * (maxmsg 10) looks empty and keeps taking more. */
	CHECK_RSS(f1.rssKiB - f0.rssKiB < 2048);
	CHECK(sent < maxmsg + 10);
	CHECK(over == 0);
	r.reset();
	const long back = settledCurMsgs(q.get());
	figure("staged receives: curmsgs after the reader closed: " + std::to_string(back) + " (maxmsg " +
	       std::to_string(maxmsg) + ")");
	CHECK(back <= maxmsg + 1);

	/* Threads that take one each and exit. */
	drain(q.get(), msgsize);
	const ProcFigures f2 = d.figures();
	const long threads = scaled(500);
	long refused = 0;
	Fd r2(rawOpen(d.path("hoard"), O_RDONLY));
	for (long i = 0; i < threads; i++) {
		sendInline(q.get(), msgsize, 0, MQFS_F_NONBLOCK);
		long rv = 0;
		std::thread([&] {
			std::uint64_t len = msgsize;
			std::uint32_t tok;
			rv = xferBegin(r2.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK);
		}).join();
		table().add("RECV_BEGIN never read by a thread that exits", rv);
		refused += rv != 0 && rv != -EAGAIN;
		if (i % 100 == 0)
			tick();
	}
	const ProcFigures f3 = d.figures();
	report("staged receives: " + std::to_string(threads) + " exited threads, one unread each", f2, f3);
	CHECK(refused == 0);
	CHECK_RSS(f3.rssKiB - f2.rssKiB < long(kStagedMax * msgsize / 1024 + 2048));
	r2.reset();
	CHECK(curMsgs(q.get()) <= maxmsg + kStagedMax);
	REQUIRE(d.answers());
	q.reset();
	CHECK(d.stop() == 0);
}

TEST_CASE("parked requests hold no daemon thread; interrupted waits leave nothing", "[exhaust][parked]")
{
	step("exhaust: parked");
	Daemon d("", true);
	Fd q(createQueue(d, "park", 10, 128));
	REQUIRE(q.valid());
	const ProcFigures f0 = d.figures();
	const int p = static_cast<int>(scaled(200, 5));
	{
		std::vector<std::unique_ptr<Blocker>> bs;
		for (int i = 0; i < p; i++) {
			bs.push_back(std::make_unique<Blocker>([&] {
				std::vector<unsigned char> b(16 + 128);
				return rawPread(q.get(), b.data(), b.size(), MQFS_OFF_RECV);
			}));
			bs.push_back(std::make_unique<Blocker>([&, i] {
				mqfs_notify_wait w = { 100000u + unsigned(i), 0, 0 };
				return rawIoctl(q.get(), MQFS_IOC_NOTIFY_WAIT, &w);
			}));
		}
		std::this_thread::sleep_for(300ms);
		tick();
		const ProcFigures f1 = d.figures();
		report(std::to_string(p) + " parked receives + " + std::to_string(p) + " parked NOTIFY_WAITs",
		       f0, f1);
		CHECK(f1.threads <= 16 + 4);
		/* Half the receivers get a message, everything else is interrupted. */
		for (int i = 0; i < p / 2; i++)
			CHECK(sendInline(q.get(), 10) == 0);
		int got = 0, intr = 0;
		for (auto &b : bs) {
			b->stop();
			got += b->result() == 16 + 10;
			intr += b->result() == -EINTR;
			table().add("parked receive / NOTIFY_WAIT, released", b->result());
		}
		CHECK(got == p / 2);
		CHECK(intr == p + p / 2);
		tick();
	}
	/* Interrupted NOTIFY_WAITs with fresh tokens, from 16 threads. */
	const ProcFigures f2 = d.figures();
	const long waits = scaled(10000);
	std::atomic<long> busy { 0 }, done { 0 };
	std::vector<std::thread> ts;
	for (int t = 0; t < 16; t++) {
		ts.emplace_back([&, t] {
			Interrupter in;
			for (long i = t; i < waits; i += 16) {
				mqfs_notify_wait w = { 1000000u + std::uint64_t(i), 0, 0 };
				const long rv = in.run(
					1ms, [&] { return rawIoctl(q.get(), MQFS_IOC_NOTIFY_WAIT, &w); });
				busy += rv == -EBUSY;
				table().add("NOTIFY_WAIT fresh token, interrupted", rv);
				done++;
			}
		});
	}
	/* Feed the watchdog only while the waits make progress. */
	for (long seen = -1; done < waits; std::this_thread::sleep_for(100ms)) {
		if (done != seen)
			tick();
		seen = done;
	}
	for (auto &t : ts)
		t.join();
	const ProcFigures f3 = d.figures();
	report(std::to_string(waits) + " interrupted NOTIFY_WAITs", f2, f3);
	CHECK(busy == 0);
	/* The same tokens again: each one parks anew (EINTR), none is EBUSY. */
	{
		Interrupter in;
		long again = 0;
		for (long i = 0; i < 100; i++) {
			mqfs_notify_wait w = { 1000000u + std::uint64_t(i), 0, 0 };
			const long rv =
				in.run(2ms, [&] { return rawIoctl(q.get(), MQFS_IOC_NOTIFY_WAIT, &w); });
			table().add("NOTIFY_WAIT token of an interrupted wait", rv);
			again += rv == -EBUSY;
		}
		CHECK(again == 0);
	}
	CHECK_RSS(f3.rssKiB - f2.rssKiB < 1024);
	REQUIRE(d.answers());
	q.reset();
	CHECK(d.stop() == 0);
}

TEST_CASE("the daemon ends with requests parked in it", "[exhaust][parked]")
{
	step("exhaust: SIGTERM with parked requests");
	auto d = std::make_unique<Daemon>();
	Fd q(createQueue(*d, "term", 1, 128));
	REQUIRE(q.valid());
	REQUIRE(sendInline(q.get(), 1) == 0);
	Fd e(createQueue(*d, "empty", 1, 128));
	REQUIRE(e.valid());
	std::uint64_t len = 100;
	std::uint32_t tok;
	REQUIRE(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok) == 0);
	Blocker sender([&] { return sendInline(q.get(), 1); });
	Blocker receiver([&] {
		std::vector<unsigned char> b(16 + 128);
		return rawPread(e.get(), b.data(), b.size(), MQFS_OFF_RECV);
	});
	Blocker waiter([&] {
		mqfs_notify_wait w = { 5, 0, 0 };
		return rawIoctl(e.get(), MQFS_IOC_NOTIFY_WAIT, &w);
	});
	std::this_thread::sleep_for(100ms);
	CHECK(!sender.done());
	CHECK(!receiver.done());
	CHECK(!waiter.done());
	::kill(d->pid(), SIGTERM);
	const auto t0 = std::chrono::steady_clock::now();
	while ((!sender.done() || !receiver.done() || !waiter.done()) && msSince(t0) < 5000)
		std::this_thread::sleep_for(5ms);
	const double ms = msSince(t0);
	CHECK(sender.done());
	CHECK(receiver.done());
	CHECK(waiter.done());
	sender.stop();
	receiver.stop();
	waiter.stop();
	table().add("parked send at SIGTERM", sender.result());
	table().add("parked receive at SIGTERM", receiver.result());
	table().add("parked NOTIFY_WAIT at SIGTERM", waiter.result());
	figure("SIGTERM with 3 parked requests: they returned within " + std::to_string(long(ms)) + " ms (" +
	       errName(sender.result()) + ", " + errName(receiver.result()) + ", " +
	       errName(waiter.result()) + ")");
	q.reset();
	e.reset();
	const int st = d->stop();
	CHECK(st == 0);
}
