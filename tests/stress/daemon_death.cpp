/* SPDX-License-Identifier: MIT */
#include "daemon_death.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <new>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace stress {

namespace {

enum class Role { BlockedSend, BigSend, BlockedReceive, TimedReceive, BusySend, BusyReceive, Opener };

struct RoleSpec {
	Role role;
	const char *name;
	const char *queue;
};

struct QueueDef {
	const char *name;
	long maxmsg;
	long msgsize;
	std::size_t prefill; /* messages (of 32 bytes) put in first: a full queue */
};

const QueueDef kQueues[] = {
	{ "/death-full", 2, 64, 2 },
	{ "/death-big", 1, 40000, 1 },
	{ "/death-empty", 4, 64, 0 },
	{ "/death-busy", 8, 1024, 0 },
};

const RoleSpec kRoles[] = {
	{ Role::BlockedSend, "blocked send", "/death-full" },
	{ Role::BlockedSend, "blocked send", "/death-full" },
	{ Role::BigSend, "blocked staged send", "/death-big" },
	{ Role::BlockedReceive, "blocked receive", "/death-empty" },
	{ Role::BlockedReceive, "blocked receive", "/death-empty" },
	{ Role::TimedReceive, "blocked timedreceive", "/death-empty" },
	{ Role::BusySend, "busy send", "/death-busy" },
	{ Role::BusyReceive, "busy receive", "/death-busy" },
	{ Role::Opener, "open/getattr/close", "/death-busy" },
};
constexpr unsigned kWorkers = sizeof(kRoles) / sizeof(kRoles[0]);
constexpr std::size_t kBigLen = 30000;
const char *const kFollowUpNames[] = { "send", "receive", "getattr", "open" };

struct alignas(64) WorkerShm {
	std::atomic<std::uint64_t> ok;
	std::atomic<std::uint64_t> okAfterError;
	std::atomic<int> inCall;
	std::atomic<std::int64_t> callStartNs;
	std::atomic<int> firstErrno;
	std::atomic<std::int64_t> firstErrorNs;
	std::atomic<int> followUp[4]; /* errno, 0 for success */
	std::atomic<int> finished;
};

struct DeathShm {
	std::atomic<int> stop;
	std::atomic<int> ready;
	WorkerShm w[kWorkers];
};

struct Ctx {
	const Backend &be;
	DeathShm *shm;
	pid_t controller;
};

/* One call of the worker's role: >= 0 success, -1 with errno. */
long callOnce(const Ctx &c, Role role, mqd_t fd, const char *queue, char *buf)
{
	unsigned prio;
	switch (role) {
	case Role::BlockedSend:
		return c.be.send(fd, buf, 32, 1);
	case Role::BigSend:
		return c.be.send(fd, buf, kBigLen, 2);
	case Role::BlockedReceive:
		return c.be.receive(fd, buf, 64, &prio);
	case Role::TimedReceive: {
		const struct timespec dl = realtimeIn(60000000000LL);
		return c.be.timedreceive(fd, buf, 64, &prio, &dl);
	}
	case Role::BusySend:
		return c.be.send(fd, buf, 512, 0);
	case Role::BusyReceive:
		return c.be.receive(fd, buf, 1024, &prio);
	case Role::Opener: {
		const mqd_t q = c.be.open(queue, O_RDWR, 0, nullptr);
		if (q < 0)
			return -1;
		struct mq_attr a;
		const long rv = c.be.getattr(q, &a);
		const int e = errno;
		c.be.close(q);
		errno = e;
		return rv;
	}
	}
	return -1;
}

/* After the first error: what each other call says now. */
void followUps(const Ctx &c, WorkerShm &ws, mqd_t fd, const char *queue, char *buf)
{
	const struct timespec past = { 0, 0 };
	unsigned prio;
	long rv = c.be.timedsend(fd, buf, 16, 0, &past);
	ws.followUp[0].store(rv < 0 ? errno : 0);
	rv = c.be.timedreceive(fd, buf, 65536, &prio, &past);
	ws.followUp[1].store(rv < 0 ? errno : 0);
	struct mq_attr a;
	rv = c.be.getattr(fd, &a);
	ws.followUp[2].store(rv < 0 ? errno : 0);
	const mqd_t q = c.be.open(queue, O_RDWR, 0, nullptr);
	ws.followUp[3].store(q < 0 ? errno : 0);
	if (q >= 0)
		c.be.close(q);
}

[[noreturn]] void workerMain(const Ctx &c, unsigned i)
{
	becomeWorker(c.controller, 60);
	const RoleSpec &r = kRoles[i];
	WorkerShm &ws = c.shm->w[i];
	static char buf[65536];
	std::memset(buf, 'a' + static_cast<int>(i), sizeof(buf));
	const mqd_t fd = c.be.open(r.queue, O_RDWR, 0, nullptr);
	if (fd < 0) {
		ws.firstErrno.store(errno);
		ws.firstErrorNs.store(monoNs());
		ws.finished.store(1);
		::_exit(2);
	}
	c.shm->ready.fetch_add(1);
	while (!c.shm->stop.load()) {
		ws.callStartNs.store(monoNs());
		ws.inCall.store(1);
		const long rv = callOnce(c, r.role, fd, r.queue, buf);
		const int e = errno;
		ws.inCall.store(0);
		if (rv >= 0) {
			(ws.firstErrno.load() ? ws.okAfterError : ws.ok).fetch_add(1);
			continue;
		}
		ws.firstErrno.store(e);
		ws.firstErrorNs.store(monoNs());
		followUps(c, ws, fd, r.queue, buf);
		break;
	}
	c.be.close(fd);
	ws.finished.store(1);
	::_exit(0);
}

/* Create a queue with the defined attributes; prefilled. -1 on error. */
mqd_t makeQueue(const Backend &be, const QueueDef &q, Report &rep)
{
	be.unlink(q.name);
	struct mq_attr a = {};
	a.mq_maxmsg = q.maxmsg;
	a.mq_msgsize = q.msgsize;
	const mqd_t fd = be.open(q.name, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	if (fd < 0) {
		rep.fail(std::string("create ") + q.name + ": " + errName(errno));
		return -1;
	}
	char msg[32] = "prefill";
	for (std::size_t i = 0; i < q.prefill; i++)
		if (be.send(fd, msg, sizeof(msg), 0) < 0)
			rep.fail(std::string("prefill ") + q.name + ": " + errName(errno));
	return fd;
}

/* A new daemon must serve a whole queue life. Empty: it works. */
std::string smokeTest(const Backend &be)
{
	const char *name = "/stress-smoke";
	struct mq_attr a = {};
	a.mq_maxmsg = 4;
	a.mq_msgsize = 64;
	be.unlink(name);
	const mqd_t fd = be.open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	if (fd < 0)
		return "open: " + errName(errno);
	std::string why;
	char buf[64] = {};
	unsigned prio = 0;
	if (be.send(fd, "ping", 4, 3) < 0)
		why = "send: " + errName(errno);
	else if (be.statusLine(name).rfind("QSIZE:4 ", 0) != 0)
		why = "status after one send: " + be.statusLine(name);
	else if (be.receive(fd, buf, sizeof(buf), &prio) != 4 || std::memcmp(buf, "ping", 4) != 0 || prio != 3)
		why = "receive: " + errName(errno);
	else if (be.getattr(fd, &a) < 0 || a.mq_curmsgs != 0)
		why = "getattr: " + errName(errno);
	be.close(fd);
	if (be.unlink(name) < 0 && why.empty())
		why = "unlink: " + errName(errno);
	return why;
}

struct Tally {
	unsigned killRounds = 0, lazyRounds = 0;
	std::uint64_t parkedAtKill = 0;
	std::int64_t maxLatencyNs = 0;
	std::uint64_t callsAfterLazy = 0;
	std::map<std::string, unsigned> firstErrors;
	std::map<std::string, unsigned> followUps;
	std::map<std::string, unsigned> lazyErrors;
	std::map<std::string, unsigned> unmounts;
};

struct Round {
	const Backend &be;
	Watchdog &wd;
	Report &rep;
	SharedMap map;
	DeathShm *shm = nullptr;
	pid_t pids[kWorkers] = {};
	mqd_t fds[sizeof(kQueues) / sizeof(kQueues[0])];

	Round(const Backend &b, Watchdog &w, Report &r) : be(b), wd(w), rep(r), map(sizeof(DeathShm))
	{
		shm = new (map.data()) DeathShm();
		std::fill(std::begin(fds), std::end(fds), -1);
		std::fill(std::begin(pids), std::end(pids), -1);
	}
	~Round()
	{
		closeFds();
		for (pid_t &p : pids)
			if (p > 0) {
				::kill(p, SIGKILL);
				waitChild(p, 5000);
				wd.untrack(p);
			}
	}
	void closeFds()
	{
		for (mqd_t &fd : fds) {
			if (fd >= 0)
				be.close(fd);
			fd = -1;
		}
	}

	bool start()
	{
		for (std::size_t q = 0; q < std::size(kQueues); q++)
			if ((fds[q] = makeQueue(be, kQueues[q], rep)) < 0)
				return false;
		const Ctx c{ be, shm, ::getpid() };
		for (unsigned i = 0; i < kWorkers; i++) {
			std::fflush(nullptr);
			const pid_t pid = ::fork();
			if (pid == 0)
				workerMain(c, i);
			if (pid < 0) {
				rep.fail("fork: " + errName(errno));
				return false;
			}
			pids[i] = pid;
			wd.track(pid, false);
		}
		for (int i = 0; i < 500 && shm->ready.load() < static_cast<int>(kWorkers); i++)
			sleepNs(10000000);
		if (shm->ready.load() < static_cast<int>(kWorkers)) {
			rep.fail("only " + std::to_string(shm->ready.load()) + " clients got ready");
			return false;
		}
		return true;
	}

	/* Reap every worker by \a deadline; the ones that would not end are hangs. */
	void reapAll(std::int64_t deadline, const char *when)
	{
		for (unsigned i = 0; i < kWorkers; i++) {
			if (pids[i] <= 0)
				continue;
			const int left = static_cast<int>(std::max<std::int64_t>(0, deadline - monoNs()) / 1000000);
			auto st = waitChild(pids[i], left);
			if (!st) {
				rep.fail(std::string(kRoles[i].name) + " client hung " + when + " (in a call: " +
					 (shm->w[i].inCall.load() ? "yes" : "no") + "): SIGKILL");
				::kill(pids[i], SIGKILL);
				st = waitChild(pids[i], 10000);
			}
			if (st && (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0))
				rep.fail(std::string(kRoles[i].name) + " client ended with " + statusText(*st));
			wd.untrack(pids[i]);
			pids[i] = -1;
		}
	}
};

void killRound(Environment &env, std::unique_ptr<Daemon> &daemon, const Backend &be, std::uint64_t &rng,
	       Watchdog &wd, Report &rep, Tally &t)
{
	Round r(be, wd, rep);
	if (!r.start())
		return;
	rng = mix64(rng);
	sleepNs(300000000 + static_cast<std::int64_t>(rng % 500000000));
	const std::int64_t t0 = monoNs();
	for (unsigned i = 0; i < kWorkers; i++)
		if (r.shm->w[i].inCall.load() && t0 - r.shm->w[i].callStartNs.load() > 100000000)
			t.parkedAtKill++;
	daemon->kill9();
	auto st = daemon->reap(5000);
	if (!st || !WIFSIGNALED(*st) || WTERMSIG(*st) != SIGKILL)
		rep.fail("the killed daemon: " + (st ? statusText(*st) : std::string("not reaped")));
	r.reapAll(t0 + 5000000000LL, "after the daemon was killed");
	for (unsigned i = 0; i < kWorkers; i++) {
		WorkerShm &ws = r.shm->w[i];
		const int e = ws.firstErrno.load();
		if (!e) {
			rep.fail(std::string(kRoles[i].name) + " client ended without an error after the daemon died");
			continue;
		}
		const std::int64_t lat = ws.firstErrorNs.load() - t0;
		t.maxLatencyNs = std::max(t.maxLatencyNs, lat);
		if (lat > 2000000000LL)
			rep.fail(std::string(kRoles[i].name) + " client took " + std::to_string(lat / 1000000) +
				 " ms to fail");
		t.firstErrors[errName(e)]++;
		for (int f = 0; f < 4; f++) {
			const int fe = ws.followUp[f].load();
			t.followUps[std::string(kFollowUpNames[f]) + ":" + (fe ? errName(fe) : "ok")]++;
			if (!fe)
				rep.fail(std::string(kRoles[i].name) + " client: " + kFollowUpNames[f] +
					 " succeeded after the daemon died");
		}
		if (ws.okAfterError.load())
			rep.fail(std::string(kRoles[i].name) + " client: a call succeeded after one failed");
	}
	r.closeFds();
	const long type = fsType(daemon->mountPoint());
	if (!isMountPoint(daemon->mountPoint()))
		rep.note("the dead mount was gone before the unmount");
	else if (type >= 0)
		rep.fail("statfs of the dead mount succeeded");
	else
		t.firstErrors["statfs:" + errName(static_cast<int>(-type))]++;
	std::string how;
	if (!unmountFuse(daemon->mountPoint(), false, how))
		rep.fail("unmount of the dead mount: " + how);
	t.unmounts[how]++;
	if (isMountPoint(daemon->mountPoint()))
		rep.fail("a stale mount remains after the unmount");
	daemon = env.makeDaemon();
	if (std::string err = daemon->start(); !err.empty()) {
		rep.fail("a new daemon on the same mount point: " + err);
		return;
	}
	if (std::string err = smokeTest(be); !err.empty())
		rep.fail("the new daemon: " + err);
	t.killRounds++;
}

void lazyRound(Environment &env, std::unique_ptr<Daemon> &daemon, const Backend &be, std::uint64_t &rng,
	       Watchdog &wd, Report &rep, Tally &t)
{
	Round r(be, wd, rep);
	if (!r.start())
		return;
	rng = mix64(rng);
	sleepNs(300000000 + static_cast<std::int64_t>(rng % 500000000));
	const std::string mnt = daemon->mountPoint();
	std::string how;
	if (!unmountFuse(mnt, true, how))
		rep.fail("lazy unmount: " + how);
	daemon->mountDetached();
	t.unmounts[how]++;
	if (isMountPoint(mnt))
		rep.fail("the mount point is still listed after the lazy unmount");
	std::uint64_t before = 0;
	for (unsigned i = 0; i < kWorkers; i++)
		before += r.shm->w[i].ok.load();
	sleepNs(300000000);
	std::uint64_t after = 0;
	for (unsigned i = 0; i < kWorkers; i++)
		after += r.shm->w[i].ok.load();
	t.callsAfterLazy += after - before;

	/* A new daemon on the same point while the old one still serves. */
	std::unique_ptr<Daemon> next = env.makeDaemon();
	if (std::string err = next->start(); !err.empty())
		rep.fail("a new daemon while the old one still serves open descriptors: " + err);

	/* Stop the clients; unblock them through our own descriptors. */
	r.shm->stop.store(1);
	for (mqd_t fd : r.fds) {
		struct mq_attr nb = {};
		nb.mq_flags = O_NONBLOCK;
		if (fd >= 0 && be.setattr(fd, &nb, nullptr) < 0)
			rep.fail("setattr O_NONBLOCK after the lazy unmount: " + errName(errno));
	}
	const std::int64_t helpEnd = monoNs() + 5000000000LL;
	static char buf[65536];
	std::memset(buf, 'h', sizeof(buf));
	for (;;) {
		bool all = true;
		for (unsigned i = 0; i < kWorkers; i++)
			all = all && r.shm->w[i].finished.load();
		if (all || monoNs() > helpEnd)
			break;
		unsigned prio;
		for (std::size_t q = 0; q < std::size(kQueues); q++) {
			if (kQueues[q].prefill || q == 3)
				while (be.receive(r.fds[q], buf, sizeof(buf), &prio) >= 0) {
				}
			if (!kQueues[q].prefill)
				be.send(r.fds[q], buf, 32, 0);
		}
		sleepNs(1000000);
	}
	/* "finished" is set just before _exit(): give the exit time. */
	r.reapAll(std::max<std::int64_t>(helpEnd, monoNs() + 2000000000LL), "after the lazy unmount");
	for (unsigned i = 0; i < kWorkers; i++)
		if (int e = r.shm->w[i].firstErrno.load())
			t.lazyErrors[std::string(kRoles[i].name) + ":" + errName(e)]++;
	r.closeFds();
	/* The last descriptor is closed: the old daemon must end, cleanly. */
	auto st = daemon->reap(5000);
	if (!st) {
		rep.fail("the old daemon did not exit within 5 s of the last close after the lazy unmount");
		rep.note("old daemon: " + daemon->diagnosis());
		rep.note("old daemon output: " + daemon->log());
		daemon->kill9();
		daemon->reap(5000);
	} else if (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0) {
		rep.fail("the old daemon ended with " + statusText(*st) + " after the lazy unmount");
	}
	daemon = std::move(next);
	if (!daemon->running())
		return;
	if (!isMountPoint(mnt))
		rep.fail("the new daemon's mount disappeared when the old daemon exited");
	else if (std::string err = smokeTest(be); !err.empty())
		rep.fail("the new daemon after the old one exited: " + err);
	t.lazyRounds++;
}

std::string histogram(const std::map<std::string, unsigned> &h)
{
	std::string s;
	for (const auto &[k, n] : h)
		s += (s.empty() ? "" : ", ") + k + " x" + std::to_string(n);
	return s.empty() ? "none" : s;
}

} /* namespace */

void runDaemonDeath(Environment &env, std::unique_ptr<Daemon> &daemon, const Backend &be, double seconds,
		    std::uint64_t seed, Watchdog &wd, Report &rep)
{
	const std::int64_t t0 = monoNs();
	const std::int64_t end = t0 + static_cast<std::int64_t>(seconds * 1e9);
	std::uint64_t rng = mix64(seed ^ 0xdead);
	Tally t;
	for (unsigned round = 0;; round++) {
		if (!daemon || !daemon->running()) {
			rep.fail("no running daemon to start a round with");
			break;
		}
		if (round % 2 == 0)
			killRound(env, daemon, be, rng, wd, rep, t);
		else
			lazyRound(env, daemon, be, rng, wd, rep, t);
		/* After a failed round the next ones would only repeat it. */
		if (!rep.violations.empty() || wd.fired())
			break;
		if (round >= 1 && monoNs() >= end)
			break;
	}
	rep.figure("daemon-kills", t.killRounds);
	rep.figure("lazy-unmounts", t.lazyRounds);
	rep.figure("clients/round", kWorkers);
	rep.figure("parked-at-kill", t.parkedAtKill);
	rep.figure("max-error-latency-ms", static_cast<std::uint64_t>(t.maxLatencyNs / 1000000));
	rep.figure("calls-after-lazy-unmount", t.callsAfterLazy);
	rep.note("first errors after the kill: " + histogram(t.firstErrors));
	rep.note("follow-up calls after the kill: " + histogram(t.followUps));
	rep.note("errors after the lazy unmount: " + histogram(t.lazyErrors));
	rep.note("unmounts: " + histogram(t.unmounts));
	rep.seconds = static_cast<double>(monoNs() - t0) / 1e9;
}

} /* namespace stress */
