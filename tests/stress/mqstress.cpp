/* SPDX-License-Identifier: MIT */
/**
 * @file mqstress.cpp
 * @brief Stress test of mqfs against the kernel's mqueue: many processes,
 *        kills, signal storms, daemon death. See --help.
 *
 * Every load scenario runs on the kernel (glibc mq_*) and on mqfs (libmqfs
 * mqfs_*) through one interface (backend.hpp), with the same checker, so
 * the kernel run validates the checker. Scenarios:
 *   exactly-once  8 producers, 8 consumers, 4 queues: none lost, duplicated
 *                 or corrupted, FIFO per producer and priority, queues
 *                 empty by curmsgs and by the QSIZE status line
 *   kill          the same load with producers and consumers SIGKILLed at
 *                 random moments and respawned; the daemon must not leak
 *                 threads, memory or descriptors
 *   signals       blocked senders and receivers under a storm of SIGUSR1,
 *                 handler with SA_RESTART, then without
 *   daemon        mqfs only: kill -9 of the daemon and lazy unmount under load
 */
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "backend.hpp"
#include "common.hpp"
#include "daemon_death.hpp"
#include "env.hpp"
#include "load.hpp"

using namespace stress;

namespace {

constexpr double kDefaultSeconds = 3;

const char kUsage[] =
	"usage: mqstress [--seconds N] [--backend kernel|mqfs|both] [--scenario LIST] [--seed N]\n"
	"\n"
	"Stress test of mqfs, run side by side on the kernel's mqueue (glibc mq_*)\n"
	"and on mqfs (libmqfs mqfs_*) with one checker. Needs root in a private IPC\n"
	"and mount namespace: run it through tests/integration/run-parity.sh.\n"
	"\n"
	"  --seconds N      seconds per scenario (default 3: the short form of the\n"
	"                   meson test 'stress'); also MQFS_STRESS_SECONDS=N.\n"
	"                   Long form: --seconds 60\n"
	"  --backend B      kernel, mqfs or both (default both)\n"
	"  --scenario LIST  comma-separated, from: exactly-once, kill, signals, daemon\n"
	"                   (default: all)\n"
	"  --seed N         seed of the message contents and of the kill schedule\n"
	"\n"
	"Scenarios:\n"
	"  exactly-once  8 producers and 8 consumers (processes) on 4 queues, priorities\n"
	"                0/1/7/31999, 16..2048-byte messages and some of 16368..70000\n"
	"                bytes (mqfs's staged send and receive). Every message carries\n"
	"                producer, seq, priority and a checksum. Proves: none lost,\n"
	"                duplicated or corrupted, FIFO per producer and priority, and\n"
	"                curmsgs 0 and QSIZE:0 at the end.\n"
	"  kill          the same under SIGKILL of producers and consumers at random\n"
	"                moments (often inside a call), respawned. A killed receiver's\n"
	"                message is counted from its shared buffer; a killed sender's\n"
	"                message may arrive 0 or 1 times. mqfs: the daemon's Threads,\n"
	"                VmRSS and descriptors before and after (bounded growth).\n"
	"  signals       senders blocked on a full queue and receivers on an empty one,\n"
	"                timed and untimed, while another process sends SIGUSR1 as fast\n"
	"                as it can: handler with SA_RESTART (no EINTR allowed), then\n"
	"                without (EINTR allowed). Nothing lost or duplicated.\n"
	"  daemon        mqfs only: kill -9 of the daemon while clients are blocked and\n"
	"                busy (every call must fail promptly, fusermount3 -u must clean\n"
	"                the dead mount, a new daemon must work), and fusermount3 -u -z\n"
	"                under load (clients finish, the old daemon exits 0).\n"
	"\n"
	"Environment: MQFS_BIN (the mqfs daemon; needed for the mqfs backend),\n"
	"MQFS_STRESS_SECONDS. Prints the figures of every scenario and backend; exit\n"
	"status 0 if no violation, 1 if any, 2 on a usage or setup error. A watchdog\n"
	"process ends a run that hangs (and that run fails).\n";

struct Options {
	double seconds = kDefaultSeconds;
	bool kernel = true;
	bool mqfs = true;
	bool exactlyOnce = true, kill = true, signals = true, daemon = true;
	std::uint64_t seed = 0;
};

bool parseSeconds(const char *s, double &out)
{
	char *end;
	errno = 0;
	const double v = std::strtod(s, &end);
	if (errno || *end || v <= 0 || v > 3600)
		return false;
	out = v;
	return true;
}

/* 0: go on; otherwise the exit status. */
int parseOptions(int argc, char **argv, Options &o)
{
	if (const char *env = std::getenv("MQFS_STRESS_SECONDS"); env && *env && !parseSeconds(env, o.seconds)) {
		std::fprintf(stderr, "mqstress: bad MQFS_STRESS_SECONDS=%s\n", env);
		return 2;
	}
	o.seed = static_cast<std::uint64_t>(monoNs()) ^ static_cast<std::uint64_t>(::getpid()) << 32;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		if (a == "-h" || a == "--help") {
			std::fputs(kUsage, stdout);
			return -1;
		}
		if (!v) {
			std::fprintf(stderr, "mqstress: %s needs a value\n%s", a.c_str(), kUsage);
			return 2;
		}
		i++;
		if (a == "--seconds") {
			if (!parseSeconds(v, o.seconds)) {
				std::fprintf(stderr, "mqstress: bad --seconds %s\n", v);
				return 2;
			}
		} else if (a == "--backend") {
			const std::string b = v;
			o.kernel = b == "kernel" || b == "both";
			o.mqfs = b == "mqfs" || b == "both";
			if (!o.kernel && !o.mqfs) {
				std::fprintf(stderr, "mqstress: bad --backend %s\n", v);
				return 2;
			}
		} else if (a == "--scenario") {
			o.exactlyOnce = o.kill = o.signals = o.daemon = false;
			std::string list = v;
			for (std::size_t pos = 0; pos <= list.size();) {
				std::size_t comma = list.find(',', pos);
				if (comma == std::string::npos)
					comma = list.size();
				const std::string s = list.substr(pos, comma - pos);
				if (s == "exactly-once")
					o.exactlyOnce = true;
				else if (s == "kill")
					o.kill = true;
				else if (s == "signals")
					o.signals = true;
				else if (s == "daemon")
					o.daemon = true;
				else {
					std::fprintf(stderr, "mqstress: unknown scenario '%s'\n", s.c_str());
					return 2;
				}
				pos = comma + 1;
			}
		} else if (a == "--seed") {
			char *end;
			o.seed = std::strtoull(v, &end, 0);
			if (*end) {
				std::fprintf(stderr, "mqstress: bad --seed %s\n", v);
				return 2;
			}
		} else {
			std::fprintf(stderr, "mqstress: unknown option %s\n%s", a.c_str(), kUsage);
			return 2;
		}
	}
	return 0;
}

/* Scenarios 1 and 2: four queues whose rlimit charge (500640 bytes) fits
 * RLIMIT_MSGQUEUE's 819200 with room to spare. */
LoadConfig loadConfig(double seconds, std::uint64_t seed, bool kills)
{
	LoadConfig c;
	c.queues = {
		{ "/stress-q0", 8, 2048 },
		{ "/stress-q1", 10, 20000 }, /* big sends: staged on mqfs */
		{ "/stress-q2", 1, 2048 },   /* every send waits for a receive */
		{ "/stress-q3", 4, 70000 },  /* big sends, and staged receives on mqfs */
	};
	for (unsigned p = 0; p < 8; p++)
		c.producers.push_back({ 0xf, p % 2 == 0, 25, 0 });
	for (unsigned i = 0; i < 8; i++)
		c.consumers.push_back({ i % 4, i < 4, 25, 0 });
	c.prios = { 0, 1, 7, 31999 };
	c.bigOneIn = 16;
	c.seconds = seconds;
	c.kills = kills;
	c.seed = seed;
	return c;
}

/* Scenario 3: fast senders on a full queue with one slow receiver, fast
 * receivers on an empty queue with one slow sender, and a busy queue where
 * two receivers compete for the messages of two senders (an interrupted
 * receive must not let a later message overtake an earlier one). */
LoadConfig stormConfig(double seconds, std::uint64_t seed, SignalMode mode)
{
	LoadConfig c;
	c.queues = { { "/storm-full", 2, 20000 }, { "/storm-empty", 2, 70000 }, { "/storm-busy", 8, 2048 } };
	for (unsigned p = 0; p < 4; p++)
		c.producers.push_back({ 0x1, p % 2 == 0, 50, 0 });
	c.producers.push_back({ 0x2, false, 50, 1000000 });
	for (unsigned p = 0; p < 2; p++)
		c.producers.push_back({ 0x4, p == 0, 50, 0 });
	c.consumers.push_back({ 0, false, 50, 1000000 });
	for (unsigned i = 1; i <= 4; i++)
		c.consumers.push_back({ 1, i % 2 == 0, 50, 0 });
	for (unsigned i = 0; i < 2; i++)
		c.consumers.push_back({ 2, i == 0, 50, 0 });
	c.prios = { 0, 3, 31999 };
	c.bigOneIn = 8;
	c.seconds = seconds;
	c.signals = mode;
	c.seed = seed;
	c.minTimeoutNs = 1000000;
	c.maxTimeoutNs = 20000000;
	return c;
}

/* Daemon figures, after letting idle pool threads go. */
std::optional<ProcFigures> settledFigures(pid_t pid)
{
	sleepNs(1500000000);
	return procFigures(pid);
}

void leakCheck(const ProcFigures &b, const ProcFigures &a, Report &rep)
{
	rep.figure("daemon-threads", std::to_string(b.threads) + "->" + std::to_string(a.threads));
	rep.figure("daemon-rss-kB", std::to_string(b.rssKb) + "->" + std::to_string(a.rssKb));
	rep.figure("daemon-fds", std::to_string(b.fds) + "->" + std::to_string(a.fds));
	/* The libfuse pool keeps up to max_idle_threads (8) idle workers. */
	if (a.threads > std::max(b.threads, 12L))
		rep.fail("daemon threads grew from " + std::to_string(b.threads) + " to " + std::to_string(a.threads));
	/* Not in a sanitizer build (scripts/sanitize.sh): its quarantine and
	 * shadow memory make RSS say nothing about leaks; LeakSanitizer does. */
	if (a.rssKb > b.rssKb + 16384 && !std::getenv("MQFS_SANITIZED"))
		rep.fail("daemon VmRSS grew from " + std::to_string(b.rssKb) + " to " + std::to_string(a.rssKb) +
			 " kB");
	if (a.fds > b.fds + 2)
		rep.fail("daemon descriptors grew from " + std::to_string(b.fds) + " to " + std::to_string(a.fds));
}

struct Run {
	const Options &o;
	Watchdog &wd;
	std::deque<Report> reports;

	Report &begin(const std::string &scenario, const Backend &be, double budget)
	{
		wd.arm(scenario + " on " + be.name, budget);
		Report r;
		r.scenario = scenario;
		r.backend = be.name;
		reports.push_back(std::move(r));
		std::printf("-- %s [%s] ...\n", scenario.c_str(), be.name);
		std::fflush(stdout);
		return reports.back();
	}
	void end(Report &r)
	{
		if (wd.fired())
			r.fail("the watchdog fired (something hung)");
		printReport(r);
	}
};

} /* namespace */

int main(int argc, char **argv)
{
	Options o;
	if (int rv = parseOptions(argc, argv, o); rv != 0)
		return rv < 0 ? 0 : rv;
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	/* Let the watchdog clean up after a terminal's ^C or a test runner's
	 * SIGTERM: ending at once is enough. */
	for (int sig : { SIGINT, SIGTERM, SIGHUP })
		::signal(sig, [](int s) { ::_exit(128 + s); });

	const char *binEnv = std::getenv("MQFS_BIN");
	const std::string bin = o.mqfs && binEnv ? binEnv : "";
	if (o.mqfs && bin.empty()) {
		std::fprintf(stderr, "mqstress: MQFS_BIN is not set (path of the mqfs daemon)\n");
		return 2;
	}
	Watchdog wd;
	if (std::string err = wd.start(); !err.empty()) {
		std::fprintf(stderr, "mqstress: watchdog: %s\n", err.c_str());
		return 2;
	}
	Environment env;
	if (std::string err = env.setup(wd, bin); !err.empty()) {
		std::fprintf(stderr, "mqstress: setup: %s\n", err.c_str());
		return 2;
	}
	std::printf("mqstress: seed %llu, %.1f s per scenario, backends:%s%s\n",
		    static_cast<unsigned long long>(o.seed), o.seconds, o.kernel ? " kernel" : "",
		    o.mqfs ? " mqfs" : "");

	Run run{ o, wd, {} };
	const double budget = o.seconds * 2 + 120;
	std::unique_ptr<Daemon> daemon;
	std::vector<Backend> backends;
	if (o.kernel)
		backends.push_back(kernelBackend(env.kernelDir()));
	if (o.mqfs)
		backends.push_back(mqfsBackend(env.mqfsDir()));
	const std::int64_t t0 = monoNs();
	for (const Backend &be : backends) {
		if (!be.kernel) {
			daemon = env.makeDaemon();
			if (std::string err = daemon->start(); !err.empty()) {
				std::fprintf(stderr, "mqstress: %s\n", err.c_str());
				return 2;
			}
		}
		if (o.exactlyOnce) {
			Report &r = run.begin("exactly-once", be, budget);
			runLoad(be, loadConfig(o.seconds, o.seed, false), wd, r);
			run.end(r);
		}
		if (o.kill) {
			Report &r = run.begin("kill", be, budget + 10);
			std::optional<ProcFigures> before;
			if (daemon && daemon->running())
				before = settledFigures(daemon->pid());
			runLoad(be, loadConfig(o.seconds, o.seed + 1, true), wd, r);
			if (before) {
				if (auto after = settledFigures(daemon->pid()))
					leakCheck(*before, *after, r);
				else
					r.fail("the daemon is gone after the kill scenario");
			}
			run.end(r);
		}
		if (o.signals) {
			const SignalMode modes[] = { SignalMode::Restart, SignalMode::NoRestart };
			for (SignalMode m : modes) {
				const char *name =
					m == SignalMode::Restart ? "signals/SA_RESTART" : "signals/no-SA_RESTART";
				Report &r = run.begin(name, be, budget);
				runLoad(be, stormConfig(o.seconds / 2, o.seed + 2, m), wd, r);
				run.end(r);
			}
		}
		if (o.daemon) {
			Report &r = run.begin("daemon-death", be, budget + 60);
			if (be.kernel) {
				r.skipped = true;
				r.note("the kernel has no daemon to kill");
			} else {
				runDaemonDeath(env, daemon, be, o.seconds, o.seed + 3, wd, r);
			}
			run.end(r);
		}
		if (daemon) {
			wd.arm("stopping the daemon", 30);
			Report &r = run.begin("teardown", be, 30);
			if (std::string why = daemon->stop(); !why.empty())
				r.fail("the daemon did not shut down cleanly: " + why);
			daemon.reset();
			run.end(r);
		}
		wd.arm("between backends", 60);
	}

	std::size_t violations = 0;
	for (const auto &r : run.reports)
		violations += r.violations.size();
	std::printf("mqstress: %s: %zu violations in %zu reports, %.1f s (seed %llu)\n",
		    violations ? "FAIL" : "PASS", violations, run.reports.size(),
		    static_cast<double>(monoNs() - t0) / 1e9, static_cast<unsigned long long>(o.seed));
	const bool fired = wd.fired();
	daemon.reset();
	wd.stop();
	return violations || fired ? 1 : 0;
}
