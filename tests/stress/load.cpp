/* SPDX-License-Identifier: MIT */
#include "load.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <climits>
#include <cstring>
#include <new>
#include <set>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.hpp"

namespace stress {

namespace {

constexpr std::uint16_t kMagic = 0x5a51;
constexpr std::uint8_t kPill = 0xff;
constexpr unsigned kMaxProducers = 16;
constexpr unsigned kMaxConsumers = 16;
constexpr unsigned kMaxQueues = 8;
constexpr std::size_t kHeader = 16;
constexpr std::size_t kLanding = 72 * 1024;
/* One byte more than one send ioctl of mqfs carries (MQFS_SEND_INLINE). */
constexpr std::size_t kBigMin = 16368;
/* Buffers above this take mqfs's staged receive (MQFS_RECV_INLINE). */
constexpr long kRecvInline = 65536;
constexpr unsigned kMaxProblems = 64;
constexpr std::size_t kProblemLen = 240;

struct MsgHeader {
	std::uint16_t magic;
	std::uint8_t producer;
	std::uint8_t queue;
	std::uint32_t seq;
	std::uint32_t lenPrio; /* length (17 bits) | priority << 17 */
	std::uint32_t check;   /* FNV-1a of the message with this field 0 */
};
static_assert(sizeof(MsgHeader) == kHeader);

enum Outcome { kOk, kIntr, kTimedOut, kOther, kOutcomes };

/* [timed][outcome] call counts of one worker. */
struct CallCounts {
	std::atomic<std::uint64_t> n[2][kOutcomes];
};

struct alignas(64) ProducerShm {
	std::atomic<std::uint64_t> progress; /* seq << 1 | 1 while sending seq */
	std::atomic<int> inCall;
	std::atomic<int> capped;
	std::atomic<std::uint64_t> bytes;
	CallCounts calls;
};

/* claimState of a consumer: its claims so far and the key of the last one,
 * in one word, so that a kill between a claim and its count is seen. */
constexpr unsigned kClaimCountShift = 40;
constexpr std::uint64_t kClaimKeyMask = (1ULL << kClaimCountShift) - 1;

std::uint64_t claimKey(unsigned producer, std::uint32_t seq)
{
	return static_cast<std::uint64_t>(producer) << 32 | seq;
}

struct alignas(64) ConsumerShm {
	std::atomic<std::uint32_t> id; /* incarnation id, what it claims slots with */
	std::atomic<int> inCall;
	std::atomic<int> gotPill;
	std::atomic<std::uint64_t> claimState; /* count << 40 | last claim key */
	CallCounts calls;
	alignas(64) unsigned char landing[kLanding];
};

struct LoadShm {
	std::atomic<int> stop;
	std::atomic<int> stormStop;
	std::atomic<int> ready;
	std::atomic<std::uint64_t> signalsSent;
	std::atomic<std::uint64_t> signalsHandled;
	std::atomic<std::uint64_t> duplicates;
	std::atomic<std::uint64_t> corrupt;
	std::atomic<std::uint64_t> fifo;
	std::atomic<std::uint64_t> badErrno;
	std::atomic<unsigned> problemCount;
	char problems[kMaxProblems][kProblemLen];
	std::atomic<pid_t> stormTargets[kMaxProducers + kMaxConsumers];
	ProducerShm producers[kMaxProducers];
	ConsumerShm consumers[kMaxConsumers];
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

__attribute__((format(printf, 2, 3))) void addProblem(LoadShm &s, const char *fmt, ...)
{
	const unsigned i = s.problemCount.fetch_add(1);
	if (i >= kMaxProblems)
		return;
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(s.problems[i], kProblemLen, fmt, ap);
	va_end(ap);
}

/* Everything a worker needs; forked workers read the controller's copy. */
struct Ctx {
	const Backend &be;
	const LoadConfig &cfg;
	std::uint64_t nonce;
	LoadShm *shm;
	std::atomic<std::uint32_t> *slots;
	std::vector<mqd_t> ctlFds;
	pid_t controller;
	unsigned alarmSeconds;

	std::atomic<std::uint32_t> &slot(unsigned p, std::uint32_t seq) const
	{
		return slots[static_cast<std::size_t>(p) * cfg.seqCap + seq];
	}
};

struct MsgSpec {
	unsigned queue;
	unsigned prio;
	std::size_t len;
	std::uint64_t hash;
};

MsgSpec specOf(const Ctx &c, unsigned p, std::uint32_t seq)
{
	MsgSpec m;
	m.hash = mix64(c.nonce ^ (static_cast<std::uint64_t>(p) << 40) ^ seq);
	const unsigned mask = c.cfg.producers[p].queueMask;
	unsigned k = static_cast<unsigned>(m.hash % static_cast<unsigned>(std::popcount(mask)));
	unsigned q = 0;
	for (;; q++) {
		if (!(mask & (1u << q)))
			continue;
		if (k == 0)
			break;
		k--;
	}
	m.queue = q;
	m.prio = c.cfg.prios[(m.hash >> 20) % c.cfg.prios.size()];
	const long msgsize = c.cfg.queues[q].msgsize;
	const std::uint64_t h2 = mix64(m.hash);
	if (msgsize >= static_cast<long>(kBigMin) && c.cfg.bigOneIn && h2 % c.cfg.bigOneIn == 0) {
		m.len = kBigMin + (h2 >> 16) % (static_cast<std::size_t>(msgsize) - kBigMin + 1);
	} else {
		const std::size_t top = static_cast<std::size_t>(std::min(2048L, msgsize));
		m.len = kHeader + (h2 >> 16) % (top - kHeader + 1);
	}
	return m;
}

/* xorshift64 bytes: cheap to make and to check again. */
void fillBody(unsigned char *p, std::size_t n, std::uint64_t seed)
{
	std::uint64_t x = seed | 1;
	for (std::size_t i = 0; i < n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		std::memcpy(p + i, &x, std::min<std::size_t>(8, n - i));
	}
}

bool bodyMatches(const unsigned char *p, std::size_t n, std::uint64_t seed)
{
	std::uint64_t x = seed | 1;
	for (std::size_t i = 0; i < n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (std::memcmp(p + i, &x, std::min<std::size_t>(8, n - i)) != 0)
			return false;
	}
	return true;
}

std::uint32_t checksum(std::uint64_t nonce, const unsigned char *msg, std::size_t len)
{
	std::uint32_t h = 2166136261u;
	auto eat = [&h](const unsigned char *p, std::size_t n) {
		for (std::size_t i = 0; i < n; i++) {
			h ^= p[i];
			h *= 16777619u;
		}
	};
	eat(reinterpret_cast<const unsigned char *>(&nonce), sizeof(nonce));
	MsgHeader hd;
	std::memcpy(&hd, msg, kHeader);
	hd.check = 0;
	eat(reinterpret_cast<const unsigned char *>(&hd), kHeader);
	eat(msg + kHeader, len - kHeader);
	return h;
}

void seal(std::uint64_t nonce, unsigned char *buf, const MsgHeader &h, std::size_t len)
{
	MsgHeader hd = h;
	std::memcpy(buf, &hd, kHeader);
	hd.check = checksum(nonce, buf, len);
	std::memcpy(buf, &hd, kHeader);
}

void buildMessage(const Ctx &c, unsigned p, std::uint32_t seq, const MsgSpec &m, unsigned char *buf)
{
	fillBody(buf + kHeader, m.len - kHeader, m.hash);
	const MsgHeader h = { kMagic, static_cast<std::uint8_t>(p), static_cast<std::uint8_t>(m.queue), seq,
			      static_cast<std::uint32_t>(m.len) | (m.prio << 17), 0 };
	seal(c.nonce, buf, h, m.len);
}

enum class Verdict { Empty, Message, Pill, Bad };

struct Decoded {
	Verdict v = Verdict::Bad;
	unsigned producer = 0;
	std::uint32_t seq = 0;
	unsigned queue = 0;
	unsigned prio = 0;
	std::size_t len = 0;
	const char *why = "";
};

/* What \a buf holds; \a avail is how many bytes of it may belong to it. */
Decoded decode(const Ctx &c, const unsigned char *buf, std::size_t avail)
{
	Decoded d;
	static const unsigned char zero[kHeader] = {};
	if (avail >= kHeader && std::memcmp(buf, zero, kHeader) == 0) {
		d.v = Verdict::Empty;
		return d;
	}
	if (avail < kHeader) {
		d.why = "shorter than a header";
		return d;
	}
	MsgHeader h;
	std::memcpy(&h, buf, kHeader);
	d.producer = h.producer;
	d.seq = h.seq;
	d.queue = h.queue;
	d.len = h.lenPrio & 0x1ffff;
	d.prio = h.lenPrio >> 17;
	if (h.magic != kMagic) {
		d.why = "bad magic";
		return d;
	}
	if (d.len < kHeader || d.len > avail) {
		d.why = "bad length in the header";
		return d;
	}
	if (checksum(c.nonce, buf, d.len) != h.check) {
		d.why = "checksum mismatch";
		return d;
	}
	if (h.producer == kPill) {
		d.v = d.len == kHeader ? Verdict::Pill : Verdict::Bad;
		return d;
	}
	if (h.producer >= c.cfg.producers.size() || h.seq >= c.cfg.seqCap) {
		d.why = "unknown producer or seq";
		return d;
	}
	const MsgSpec m = specOf(c, h.producer, h.seq);
	if (m.queue != d.queue || m.prio != d.prio || m.len != d.len) {
		d.why = "header differs from what the producer sent as that seq";
		return d;
	}
	if (!bodyMatches(buf + kHeader, d.len - kHeader, m.hash)) {
		d.why = "body bytes differ";
		return d;
	}
	d.v = Verdict::Message;
	return d;
}

Outcome classify(long rv, int e)
{
	if (rv >= 0)
		return kOk;
	if (e == EINTR)
		return kIntr;
	if (e == ETIMEDOUT)
		return kTimedOut;
	return kOther;
}

bool allowed(const Ctx &c, Outcome o, bool timed)
{
	switch (o) {
	case kOk: return true;
	case kIntr: return c.cfg.signals == SignalMode::NoRestart;
	case kTimedOut: return timed;
	default: return false;
	}
}

std::int64_t timeoutNs(const Ctx &c, std::uint64_t r)
{
	const std::int64_t span = std::max<std::int64_t>(1, c.cfg.maxTimeoutNs - c.cfg.minTimeoutNs);
	return c.cfg.minTimeoutNs + static_cast<std::int64_t>((r >> 8) % static_cast<std::uint64_t>(span));
}

LoadShm *gSignalShm = nullptr;

extern "C" void onStormSignal(int)
{
	if (gSignalShm)
		gSignalShm->signalsHandled.fetch_add(1, std::memory_order_relaxed);
}

void installHandler(const Ctx &c)
{
	if (c.cfg.signals == SignalMode::None)
		return;
	gSignalShm = c.shm;
	struct sigaction sa = {};
	sa.sa_handler = onStormSignal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = c.cfg.signals == SignalMode::Restart ? SA_RESTART : 0;
	::sigaction(SIGUSR1, &sa, nullptr);
}

[[noreturn]] void producerMain(const Ctx &c, unsigned p)
{
	becomeWorker(c.controller, c.alarmSeconds);
	installHandler(c);
	ProducerShm &ps = c.shm->producers[p];
	const ProducerSpec &spec = c.cfg.producers[p];
	std::vector<mqd_t> fds(c.cfg.queues.size(), -1);
	long maxSize = 0;
	for (unsigned q = 0; q < fds.size(); q++) {
		if (!(spec.queueMask & (1u << q)))
			continue;
		const QueueSpec &qs = c.cfg.queues[q];
		maxSize = std::max(maxSize, qs.msgsize);
		fds[q] = spec.inherit ? c.ctlFds[q] : c.be.open(qs.name.c_str(), O_WRONLY, 0, nullptr);
		if (fds[q] < 0) {
			addProblem(*c.shm, "producer %u: open %s: %s", p, qs.name.c_str(), errName(errno).c_str());
			::_exit(2);
		}
	}
	std::vector<unsigned char> buf(static_cast<std::size_t>(maxSize));
	std::uint64_t rng = mix64(c.nonce ^ 0x5e4d ^ p ^ (static_cast<std::uint64_t>(::getpid()) << 24));
	c.shm->ready.fetch_add(1);
	std::uint32_t seq = static_cast<std::uint32_t>(ps.progress.load() >> 1);
	while (!c.shm->stop.load(std::memory_order_relaxed)) {
		if (seq >= c.cfg.seqCap) {
			ps.capped.store(1);
			break;
		}
		const MsgSpec m = specOf(c, p, seq);
		buildMessage(c, p, seq, m, buf.data());
		const char *data = reinterpret_cast<const char *>(buf.data());
		/* "attempting seq": from here a kill leaves it in doubt. */
		ps.progress.store((static_cast<std::uint64_t>(seq) << 1) | 1);
		for (;;) {
			rng = mix64(rng);
			const bool timed = rng % 100 < spec.timedPercent;
			int rv;
			ps.inCall.store(1, std::memory_order_relaxed);
			if (timed) {
				const struct timespec dl = realtimeIn(timeoutNs(c, rng));
				rv = c.be.timedsend(fds[m.queue], data, m.len, m.prio, &dl);
			} else {
				rv = c.be.send(fds[m.queue], data, m.len, m.prio);
			}
			const int e = errno;
			ps.inCall.store(0, std::memory_order_relaxed);
			const Outcome o = classify(rv, e);
			ps.calls.n[timed][o].fetch_add(1, std::memory_order_relaxed);
			if (o == kOk)
				break;
			if (!allowed(c, o, timed)) {
				c.shm->badErrno.fetch_add(1);
				addProblem(*c.shm, "producer %u seq %u: %s on %s returned %s", p, seq,
					   timed ? "timedsend" : "send", c.cfg.queues[m.queue].name.c_str(),
					   errName(e).c_str());
				::_exit(3);
			}
			/* EINTR or ETIMEDOUT: nothing was sent; the same seq again. */
		}
		ps.bytes.fetch_add(m.len, std::memory_order_relaxed);
		ps.progress.store(static_cast<std::uint64_t>(seq + 1) << 1);
		seq++;
		sleepNs(spec.paceNs);
	}
	::_exit(0);
}

[[noreturn]] void consumerMain(const Ctx &c, unsigned ci)
{
	becomeWorker(c.controller, c.alarmSeconds);
	installHandler(c);
	ConsumerShm &cs = c.shm->consumers[ci];
	const ConsumerSpec &spec = c.cfg.consumers[ci];
	const QueueSpec &qs = c.cfg.queues[spec.queue];
	const std::uint32_t myId = cs.id.load();
	const mqd_t fd = spec.inherit ? c.ctlFds[spec.queue] : c.be.open(qs.name.c_str(), O_RDONLY, 0, nullptr);
	if (fd < 0) {
		addProblem(*c.shm, "consumer %u: open %s: %s", ci, qs.name.c_str(), errName(errno).c_str());
		::_exit(2);
	}
	const std::size_t nprio = c.cfg.prios.size();
	std::vector<std::int64_t> last(c.cfg.producers.size() * nprio, -1);
	std::uint64_t rng = mix64(c.nonce ^ 0xc0de ^ ci ^ (static_cast<std::uint64_t>(::getpid()) << 24));
	char *landing = reinterpret_cast<char *>(cs.landing);
	const std::size_t bufLen = static_cast<std::size_t>(qs.msgsize);
	c.shm->ready.fetch_add(1);
	for (;;) {
		std::memset(cs.landing, 0, kHeader);
		rng = mix64(rng);
		const bool timed = rng % 100 < spec.timedPercent;
		unsigned prio = 0xdead;
		ssize_t n;
		cs.inCall.store(1, std::memory_order_relaxed);
		if (timed) {
			const struct timespec dl = realtimeIn(timeoutNs(c, rng));
			n = c.be.timedreceive(fd, landing, bufLen, &prio, &dl);
		} else {
			n = c.be.receive(fd, landing, bufLen, &prio);
		}
		const int e = errno;
		cs.inCall.store(0, std::memory_order_relaxed);
		const Outcome o = classify(n, e);
		cs.calls.n[timed][o].fetch_add(1, std::memory_order_relaxed);
		if (o != kOk) {
			if (allowed(c, o, timed))
				continue;
			c.shm->badErrno.fetch_add(1);
			addProblem(*c.shm, "consumer %u on %s: %s returned %s", ci, qs.name.c_str(),
				   timed ? "timedreceive" : "receive", errName(e).c_str());
			::_exit(3);
		}
		const Decoded d = decode(c, cs.landing, static_cast<std::size_t>(n));
		if (d.v == Verdict::Pill && d.queue == spec.queue)
			break;
		if (d.v != Verdict::Message || d.len != static_cast<std::size_t>(n) || d.queue != spec.queue ||
		    d.prio != prio) {
			c.shm->corrupt.fetch_add(1);
			const char *why = d.v == Verdict::Message ? "length/priority/queue mismatch" : d.why;
			addProblem(*c.shm,
				   "consumer %u on %s: corrupt message (%s): %zd bytes, prio %u, header says "
				   "producer %u seq %u queue %u prio %u len %zu",
				   ci, qs.name.c_str(), why, n, prio, d.producer, d.seq, d.queue, d.prio, d.len);
			continue;
		}
		std::uint32_t expected = 0;
		if (c.slot(d.producer, d.seq).compare_exchange_strong(expected, myId)) {
			const std::uint64_t count = (cs.claimState.load() >> kClaimCountShift) + 1;
			cs.claimState.store(count << kClaimCountShift | claimKey(d.producer, d.seq));
		} else {
			c.shm->duplicates.fetch_add(1);
			addProblem(*c.shm, "consumer %u on %s: producer %u seq %u (prio %u) received again "
				   "(first by consumer incarnation %u)", ci, qs.name.c_str(), d.producer, d.seq, d.prio,
				   expected);
		}
		const std::size_t pi = static_cast<std::size_t>(
			std::find(c.cfg.prios.begin(), c.cfg.prios.end(), d.prio) - c.cfg.prios.begin());
		std::int64_t &l = last[d.producer * nprio + pi];
		if (static_cast<std::int64_t>(d.seq) <= l) {
			c.shm->fifo.fetch_add(1);
			addProblem(*c.shm, "consumer %u on %s: FIFO broken: producer %u prio %u seq %u after seq %lld",
				   ci, qs.name.c_str(), d.producer, d.prio, d.seq, static_cast<long long>(l));
		}
		l = std::max(l, static_cast<std::int64_t>(d.seq));
		sleepNs(spec.paceNs);
	}
	cs.gotPill.store(1);
	std::memset(cs.landing, 0, kHeader);
	::_exit(0);
}

[[noreturn]] void stormMain(const Ctx &c, unsigned targets)
{
	becomeWorker(c.controller, c.alarmSeconds);
	std::vector<pid_t> pids;
	for (unsigned i = 0; i < targets; i++)
		pids.push_back(c.shm->stormTargets[i].load());
	std::uint64_t sent = 0;
	while (!c.shm->stormStop.load(std::memory_order_relaxed)) {
		for (pid_t pid : pids)
			if (::kill(pid, SIGUSR1) == 0)
				sent++;
	}
	c.shm->signalsSent.store(sent);
	::_exit(0);
}

struct Worker {
	bool producer;
	unsigned index;
	pid_t pid = -1;
};

std::string workerName(const Worker &w)
{
	return std::string(w.producer ? "producer " : "consumer ") + std::to_string(w.index);
}

std::string msgName(unsigned producer, std::uint32_t seq)
{
	return "producer " + std::to_string(producer) + " seq " + std::to_string(seq);
}

/* What the controller learnt from killed consumers' buffers. */
struct Salvage {
	std::uint64_t empty = 0;   /* nothing had arrived */
	std::uint64_t claimed = 0; /* it had claimed it itself before dying */
	std::uint64_t salvaged = 0;
	std::uint64_t partial = 0; /* an unfinished staged receive */
};

/*
 * The controller's side of one load, phase by phase (the workers are the
 * *Main functions above). The destructor kills what still runs, closes
 * the controller's descriptors and removes the queues.
 */
class LoadRun
{
public:
	LoadRun(Ctx &c, Watchdog &wd, Report &rep)
		: c_(c), cfg_(c.cfg), be_(c.be), shm_(*c.shm), wd_(wd), rep_(rep), uncertain_(c.cfg.producers.size())
	{
	}
	~LoadRun();
	LoadRun(const LoadRun &) = delete;
	LoadRun &operator=(const LoadRun &) = delete;

	bool createQueues();
	bool startWorkers();
	/** \brief The timed part: kills and respawns, or just watching. */
	void run();
	/** \brief Storm off, producers finish, one pill per consumer. */
	void finish();
	/** \brief curmsgs 0 and QSIZE:0 on every queue. */
	void checkEmpty();
	/** \brief Close our descriptors; what comes back was held off the queue. */
	void drainHeldBack();
	/** \brief Every seq of every producer accounted for; the figures. */
	void account();

private:
	void spawn(Worker &w);
	bool reap(Worker &w, int timeoutMs, bool expectClean);
	void killOne(std::uint64_t &rng);
	void salvage(unsigned ci);

	Ctx &c_;
	const LoadConfig &cfg_;
	const Backend &be_;
	LoadShm &shm_;
	Watchdog &wd_;
	Report &rep_;
	std::vector<Worker> workers_;
	pid_t storm_ = -1;
	std::uint32_t nextId_ = 1;
	std::uint64_t claimedLive_ = 0; /* claims of every consumer incarnation */
	std::uint64_t kills_[2] = {};   /* [producer] */
	std::uint64_t killsInCall_ = 0;
	std::vector<std::vector<std::uint32_t>> uncertain_; /* seqs in doubt, per producer */
	Salvage salv_;
	std::uint64_t heldBack_ = 0;
	double runSeconds_ = 0;
};

LoadRun::~LoadRun()
{
	for (pid_t pid : { storm_ })
		if (pid > 0) {
			::kill(pid, SIGKILL);
			waitChild(pid, 10000);
			wd_.untrack(pid);
		}
	for (auto &w : workers_)
		if (w.pid > 0) {
			::kill(w.pid, SIGKILL);
			waitChild(w.pid, 10000);
			wd_.untrack(w.pid);
		}
	for (mqd_t fd : c_.ctlFds)
		if (fd >= 0)
			be_.close(fd);
	for (const auto &q : cfg_.queues)
		be_.unlink(q.name.c_str());
}

bool LoadRun::createQueues()
{
	for (const auto &q : cfg_.queues) {
		be_.unlink(q.name.c_str());
		struct mq_attr a = {};
		a.mq_maxmsg = q.maxmsg;
		a.mq_msgsize = q.msgsize;
		const mqd_t fd = be_.open(q.name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
		if (fd < 0) {
			rep_.fail("create " + q.name + " (" + std::to_string(q.maxmsg) + "x" +
				  std::to_string(q.msgsize) + "): " + errName(errno));
			return false;
		}
		c_.ctlFds.push_back(fd);
	}
	return true;
}

void LoadRun::spawn(Worker &w)
{
	if (!w.producer) {
		ConsumerShm &cs = shm_.consumers[w.index];
		cs.id.store(nextId_++);
		cs.inCall.store(0);
		cs.claimState.store(0);
	} else {
		shm_.producers[w.index].inCall.store(0);
	}
	std::fflush(nullptr);
	const pid_t pid = ::fork();
	if (pid == 0) {
		if (w.producer)
			producerMain(c_, w.index);
		consumerMain(c_, w.index);
	}
	w.pid = pid;
	if (pid > 0)
		wd_.track(pid, false);
	else
		rep_.fail("fork: " + errName(errno));
}

/* Reap \a w within \a timeoutMs (then SIGKILL); false if it would not die. */
bool LoadRun::reap(Worker &w, int timeoutMs, bool expectClean)
{
	auto st = waitChild(w.pid, timeoutMs);
	if (!st) {
		rep_.fail(workerName(w) + " (pid " + std::to_string(w.pid) + ") still running after " +
			  std::to_string(timeoutMs) + " ms: SIGKILL");
		::kill(w.pid, SIGKILL);
		st = waitChild(w.pid, 10000);
		if (!st) {
			rep_.fail(workerName(w) + " survived SIGKILL for 10 s (stuck in the kernel)");
			return false;
		}
	}
	wd_.untrack(w.pid);
	w.pid = -1;
	if (!w.producer)
		claimedLive_ += shm_.consumers[w.index].claimState.load() >> kClaimCountShift;
	if (expectClean && (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0))
		rep_.fail(workerName(w) + " ended with " + statusText(*st));
	return true;
}

bool LoadRun::startWorkers()
{
	for (unsigned i = 0; i < cfg_.consumers.size(); i++)
		workers_.push_back({ false, i });
	for (unsigned i = 0; i < cfg_.producers.size(); i++)
		workers_.push_back({ true, i });
	for (auto &w : workers_)
		spawn(w);
	const int n = static_cast<int>(workers_.size());
	for (int i = 0; i < 1000 && shm_.ready.load() < n; i++)
		sleepNs(10000000);
	if (shm_.ready.load() < n) {
		rep_.fail("only " + std::to_string(shm_.ready.load()) + " of " + std::to_string(n) +
			  " workers got ready within 10 s");
		return false;
	}
	if (cfg_.signals != SignalMode::None) {
		for (std::size_t i = 0; i < workers_.size(); i++)
			shm_.stormTargets[i].store(workers_[i].pid);
		std::fflush(nullptr);
		storm_ = ::fork();
		if (storm_ == 0)
			stormMain(c_, static_cast<unsigned>(workers_.size()));
		if (storm_ < 0) {
			rep_.fail("fork: " + errName(errno));
			return false;
		}
		wd_.track(storm_, false);
	}
	return true;
}

void LoadRun::run()
{
	const std::int64_t start = monoNs();
	const std::int64_t end = start + static_cast<std::int64_t>(cfg_.seconds * 1e9);
	std::uint64_t rng = mix64(c_.nonce ^ 0x4b11);
	std::vector<bool> gone(workers_.size(), false);
	while (monoNs() < end) {
		if (cfg_.kills) {
			killOne(rng);
			continue;
		}
		sleepNs(20000000);
		/* A worker that ended by itself (its violation is recorded):
		 * noted, not reaped while the storm may still signal its pid. */
		for (std::size_t i = 0; i < workers_.size(); i++) {
			siginfo_t si = {};
			const id_t id = static_cast<id_t>(workers_[i].pid);
			if (!gone[i] && ::waitid(P_PID, id, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid) {
				gone[i] = true;
				rep_.note(workerName(workers_[i]) + " ended early");
			}
		}
	}
	runSeconds_ = static_cast<double>(monoNs() - start) / 1e9;
}

void LoadRun::killOne(std::uint64_t &rng)
{
	rng = mix64(rng);
	sleepNs(2000000 + static_cast<std::int64_t>(rng % 20000000));
	rng = mix64(rng);
	Worker &w = workers_[rng % workers_.size()];
	if (w.pid < 0)
		return;
	if (auto st = waitChild(w.pid, 0)) {
		rep_.fail(workerName(w) + " ended by itself (" + statusText(*st) + ")");
		wd_.untrack(w.pid);
		w.pid = -1;
		return;
	}
	std::atomic<int> &inCall = w.producer ? shm_.producers[w.index].inCall : shm_.consumers[w.index].inCall;
	if (rng & (1u << 20)) {
		/* Aim at a call in progress (blocked, or mid-transfer). */
		const std::int64_t until = monoNs() + 3000000;
		while (!inCall.load() && monoNs() < until) {
		}
		const std::int64_t spin = monoNs() + static_cast<std::int64_t>((rng >> 24) % 300000);
		while (monoNs() < spin) {
		}
	}
	const bool wasInCall = inCall.load();
	::kill(w.pid, SIGKILL);
	if (!reap(w, 5000, false))
		return;
	kills_[w.producer]++;
	killsInCall_ += wasInCall;
	if (w.producer) {
		/* The seq it was sending may arrive 0 or 1 times; the next
		 * incarnation goes on after it. */
		ProducerShm &ps = shm_.producers[w.index];
		const std::uint64_t pr = ps.progress.load();
		if (pr & 1) {
			uncertain_[w.index].push_back(static_cast<std::uint32_t>(pr >> 1));
			ps.progress.store(((pr >> 1) + 1) << 1);
		}
	} else {
		salvage(w.index);
	}
	spawn(w);
}

/* A killed consumer: whatever its last receive delivered is in its landing buffer. */
void LoadRun::salvage(unsigned ci)
{
	ConsumerShm &cs = shm_.consumers[ci];
	const Decoded d = decode(c_, cs.landing, kLanding);
	const unsigned q = cfg_.consumers[ci].queue;
	const std::string who = "killed consumer " + std::to_string(ci);
	switch (d.v) {
	case Verdict::Empty:
		salv_.empty++;
		break;
	case Verdict::Pill:
		rep_.fail(who + " held a pill");
		break;
	case Verdict::Bad:
		/* Only an mqfs staged receive (msgsize over 64 KiB) can be cut
		 * half-way; anything else is corruption. */
		if (!be_.kernel && cfg_.queues[q].msgsize > kRecvInline) {
			salv_.partial++;
		} else {
			shm_.corrupt.fetch_add(1);
			rep_.fail(who + ": its buffer holds a bad message (" + d.why + ")");
		}
		break;
	case Verdict::Message: {
		std::atomic<std::uint32_t> &slot = c_.slot(d.producer, d.seq);
		const std::uint32_t v = slot.load();
		if (d.queue != q) {
			shm_.corrupt.fetch_add(1);
			rep_.fail(who + " got a message of another queue");
		} else if (v == cs.id.load()) {
			/* It had claimed it, and died before or after counting it. */
			salv_.claimed++;
			if ((cs.claimState.load() & kClaimKeyMask) != claimKey(d.producer, d.seq))
				claimedLive_++;
		} else if (v == 0) {
			slot.store(cs.id.load());
			salv_.salvaged++;
		} else {
			shm_.duplicates.fetch_add(1);
			rep_.fail(msgName(d.producer, d.seq) + " delivered twice (once into " + who + "'s buffer)");
		}
		break;
	}
	}
	std::memset(cs.landing, 0, kHeader);
}

void LoadRun::finish()
{
	if (storm_ > 0) {
		shm_.stormStop.store(1);
		if (!waitChild(storm_, 5000)) {
			rep_.fail("the storm process did not stop");
			::kill(storm_, SIGKILL);
			waitChild(storm_, 5000);
		}
		wd_.untrack(storm_);
		storm_ = -1;
	}
	shm_.stop.store(1);
	for (auto &w : workers_)
		if (w.producer && w.pid > 0)
			reap(w, 20000, true);
	/* Priority 0 and sent after all data: each consumer's last message. */
	for (auto &w : workers_) {
		if (w.producer || w.pid < 0)
			continue;
		const unsigned q = cfg_.consumers[w.index].queue;
		unsigned char pill[kHeader];
		const MsgHeader h = { kMagic, kPill, static_cast<std::uint8_t>(q), w.index,
				      static_cast<std::uint32_t>(kHeader), 0 };
		seal(c_.nonce, pill, h, kHeader);
		const struct timespec dl = realtimeIn(10000000000LL);
		if (be_.timedsend(c_.ctlFds[q], reinterpret_cast<const char *>(pill), kHeader, 0, &dl) < 0)
			rep_.fail("pill for consumer " + std::to_string(w.index) + ": " + errName(errno));
	}
	for (auto &w : workers_) {
		if (w.producer || w.pid < 0)
			continue;
		reap(w, 20000, true);
		if (!shm_.consumers[w.index].gotPill.load())
			rep_.fail("consumer " + std::to_string(w.index) + " ended without its pill");
	}
}

void LoadRun::checkEmpty()
{
	for (std::size_t q = 0; q < cfg_.queues.size(); q++) {
		const std::string &name = cfg_.queues[q].name;
		struct mq_attr a = {};
		if (be_.getattr(c_.ctlFds[q], &a) < 0)
			rep_.fail("getattr " + name + ": " + errName(errno));
		else if (a.mq_curmsgs != 0)
			rep_.fail(name + ": curmsgs " + std::to_string(a.mq_curmsgs) + " at the end");
		const std::string st = be_.statusLine(name.c_str());
		if (st.rfind("QSIZE:0 ", 0) != 0)
			rep_.fail(name + ": status \"" + st + "\" at the end");
	}
}

/*
 * mqfs keeps a staged receive reserved by a consumer that was killed on the
 * open file; the last close gives it back. Such messages are violations all
 * the same (they were nowhere at the end); this names their cause.
 */
void LoadRun::drainHeldBack()
{
	for (mqd_t &fd : c_.ctlFds) {
		be_.close(fd);
		fd = -1;
	}
	for (const auto &qs : cfg_.queues) {
		const mqd_t fd = be_.open(qs.name.c_str(), O_RDONLY | O_NONBLOCK, 0, nullptr);
		if (fd < 0) {
			rep_.fail("reopen " + qs.name + ": " + errName(errno));
			continue;
		}
		std::vector<unsigned char> buf(static_cast<std::size_t>(qs.msgsize));
		unsigned prio;
		ssize_t n;
		while ((n = be_.receive(fd, reinterpret_cast<char *>(buf.data()), buf.size(), &prio)) >= 0) {
			const Decoded d = decode(c_, buf.data(), static_cast<std::size_t>(n));
			if (d.v != Verdict::Message) {
				rep_.fail(qs.name + ": an unknown message appeared after the last close");
				continue;
			}
			heldBack_++;
			std::uint32_t expected = 0;
			const bool fresh = c_.slot(d.producer, d.seq).compare_exchange_strong(expected, UINT32_MAX);
			claimedLive_ += fresh;
			rep_.fail("held back: " + msgName(d.producer, d.seq) + " (" + qs.name + ", prio " +
				  std::to_string(d.prio) + ", " + std::to_string(d.len) +
				  " bytes) was in neither the queue nor a receiver at the end, and came back when "
				  "the last descriptor was closed" +
				  (fresh ? "" : ", after it had been received (duplicate)"));
		}
		be_.close(fd);
	}
}

void LoadRun::account()
{
	std::uint64_t moved = 0, bytes = 0, big = 0, unsureArrived = 0, unsureMissing = 0, lost = 0;
	std::vector<std::string> lostList;
	for (unsigned p = 0; p < cfg_.producers.size(); p++) {
		const std::uint64_t pr = shm_.producers[p].progress.load();
		const std::uint32_t final = static_cast<std::uint32_t>(pr >> 1);
		if (pr & 1)
			rep_.fail("producer " + std::to_string(p) + " ended in the middle of a send");
		if (shm_.producers[p].capped.load())
			rep_.note("producer " + std::to_string(p) + " reached the seq cap " +
				  std::to_string(cfg_.seqCap));
		const std::set<std::uint32_t> unsure(uncertain_[p].begin(), uncertain_[p].end());
		for (std::uint32_t seq = 0; seq < final; seq++) {
			const bool got = c_.slot(p, seq).load() != 0;
			const bool doubt = unsure.count(seq) != 0;
			if (got) {
				const MsgSpec m = specOf(c_, p, seq);
				moved++;
				bytes += m.len;
				big += m.len >= kBigMin;
				unsureArrived += doubt;
			} else if (doubt) {
				unsureMissing++;
			} else if (++lost <= 10) {
				const MsgSpec m = specOf(c_, p, seq);
				lostList.push_back("lost: " + msgName(p, seq) + " (" + cfg_.queues[m.queue].name +
						   ", prio " + std::to_string(m.prio) + ", " + std::to_string(m.len) +
						   " bytes)");
			}
		}
		for (std::uint32_t seq = final; seq < std::min(cfg_.seqCap, final + 64); seq++)
			if (c_.slot(p, seq).load() != 0)
				rep_.fail(msgName(p, seq) + " arrived but was never sent");
	}
	if (claimedLive_ + salv_.salvaged != moved)
		rep_.fail("counts disagree: consumers claimed " + std::to_string(claimedLive_) + " + salvaged " +
			  std::to_string(salv_.salvaged) + ", slots set " + std::to_string(moved));
	for (const auto &l : lostList)
		rep_.fail(l);
	if (lost > lostList.size())
		rep_.fail("... " + std::to_string(lost - lostList.size()) + " more lost");
	const unsigned nprob = std::min(shm_.problemCount.load(), kMaxProblems);
	for (unsigned i = 0; i < nprob; i++)
		rep_.fail(shm_.problems[i]);
	if (shm_.problemCount.load() > kMaxProblems)
		rep_.fail("... " + std::to_string(shm_.problemCount.load() - kMaxProblems) + " more problems");

	std::uint64_t calls[2][kOutcomes] = {};
	for (unsigned i = 0; i < kMaxProducers; i++)
		for (int t = 0; t < 2; t++)
			for (int o = 0; o < kOutcomes; o++)
				calls[t][o] += shm_.producers[i].calls.n[t][o].load() +
					       shm_.consumers[i].calls.n[t][o].load();
	char text[32];
	std::snprintf(text, sizeof(text), "%.1f", static_cast<double>(bytes) / 1e6);
	rep_.figure("msgs", moved);
	rep_.figure("MB", text);
	rep_.figure("big", big);
	std::snprintf(text, sizeof(text), "%.0f", static_cast<double>(moved) / std::max(runSeconds_, 0.001));
	rep_.figure("msg/s", text);
	rep_.figure("lost", lost);
	rep_.figure("dup", shm_.duplicates.load());
	rep_.figure("corrupt", shm_.corrupt.load());
	rep_.figure("fifo", shm_.fifo.load());
	if (heldBack_)
		rep_.figure("held-back", heldBack_);
	if (cfg_.kills) {
		rep_.figure("kills", std::to_string(kills_[1]) + "p+" + std::to_string(kills_[0]) + "c");
		rep_.figure("in-call", killsInCall_);
		rep_.figure("salvaged", salv_.salvaged);
		rep_.figure("claimed-then-killed", salv_.claimed);
		rep_.figure("partial", salv_.partial);
		rep_.figure("inflight-sends",
			    std::to_string(unsureArrived) + "/" + std::to_string(unsureArrived + unsureMissing));
	}
	if (cfg_.signals != SignalMode::None) {
		rep_.figure("signals", shm_.signalsSent.load());
		rep_.figure("handled", shm_.signalsHandled.load());
	}
	rep_.figure("EINTR", calls[0][kIntr] + calls[1][kIntr]);
	rep_.figure("ETIMEDOUT", calls[1][kTimedOut]);
	rep_.figure("calls", calls[0][kOk] + calls[1][kOk] + calls[0][kIntr] + calls[1][kIntr] + calls[1][kTimedOut]);
}

} /* namespace */

void runLoad(const Backend &be, const LoadConfig &cfg, Watchdog &wd, Report &rep)
{
	const std::int64_t t0 = monoNs();
	const std::size_t np = cfg.producers.size();
	if (np > kMaxProducers || cfg.consumers.size() > kMaxConsumers || cfg.queues.size() > kMaxQueues ||
	    cfg.prios.empty()) {
		rep.fail("bad load configuration");
		return;
	}
	SharedMap shmMap(sizeof(LoadShm));
	SharedMap slotMap(np * cfg.seqCap * sizeof(std::uint32_t));
	if (!shmMap.valid() || !slotMap.valid()) {
		rep.fail(std::string("mmap: ") + std::strerror(errno));
		return;
	}
	Ctx c{ be,
	       cfg,
	       mix64(cfg.seed ^ static_cast<std::uint64_t>(monoNs())),
	       new (shmMap.data()) LoadShm(),
	       static_cast<std::atomic<std::uint32_t> *>(slotMap.data()),
	       {},
	       ::getpid(),
	       static_cast<unsigned>(cfg.seconds) + 150 };
	{
		LoadRun run(c, wd, rep);
		if (run.createQueues() && run.startWorkers()) {
			run.run();
			run.finish();
			run.checkEmpty();
			run.drainHeldBack();
			run.account();
		}
	}
	rep.seconds = static_cast<double>(monoNs() - t0) / 1e9;
}

} /* namespace stress */
