/* SPDX-License-Identifier: MIT */
/*
 * One queue: sections 3, 5, 6 and 8 of spec/mqueue-behaviour.md. Blocked
 * callers are served first come, first served here (the core cannot see task
 * priorities), which queue.hpp documents as its one deliberate difference.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "queue.hpp"

using mqfs::Clock;
using mqfs::Message;
using mqfs::NotifyEvent;
using mqfs::NotifyReg;
using mqfs::Queue;
using mqfs::QueueAttr;
using mqfs::Sender;
using mqfs::WakeList;
using mqfs::Waiter;

namespace {

class TestWaiter : public Waiter
{
public:
	TestWaiter(Kind kind, std::shared_ptr<Queue> q) : Waiter(kind, std::move(q)) {}

	bool abandoned() override { return abandon; }
	void complete(int result) override { results.push_back(result); }

	bool abandon = false;
	std::vector<int> results;
};

class TestObserver : public mqfs::QueueObserver
{
public:
	void readinessChanged(Queue &) override { ready++; }
	void notifyEvent(Queue &, const NotifyEvent &ev) override { events.push_back(ev); }

	int ready = 0;
	std::vector<NotifyEvent> events;
};

Message msgOf(const std::string &s)
{
	return Message(std::span<const std::byte>(reinterpret_cast<const std::byte *>(s.data()), s.size()));
}

std::string textOf(const Message &m)
{
	if (m.size() == 0)
		return {};
	return std::string(reinterpret_cast<const char *>(m.data()), m.size());
}

std::shared_ptr<Queue> makeQueue(long maxmsg, long msgsize, TestObserver *obs = nullptr,
				 mode_t perm = 0644)
{
	return std::make_shared<Queue>(7, QueueAttr{ maxmsg, msgsize }, 1000, 1000, perm, 1000, obs);
}

const Sender kSender{ 4321, 1000 };

/* A send that must not block (nullptr waiter, like O_NONBLOCK). */
int sendNb(Queue &q, const std::string &s, unsigned prio, const Sender &from = kSender)
{
	WakeList wake;
	Message m = msgOf(s);
	return q.send(m, prio, from, nullptr, wake);
}

struct Received {
	int rc;
	std::string text;
	unsigned prio;
};

Received receiveNb(Queue &q)
{
	WakeList wake;
	Message out;
	unsigned prio = ~0u;
	const int rc = q.receive(static_cast<std::size_t>(q.attr().msgsize), out, prio, nullptr, wake);
	return { rc, textOf(out), prio };
}

int sendWait(Queue &q, TestWaiter &w, const std::string &s, unsigned prio, const Sender &from = kSender)
{
	WakeList wake;
	Message m = msgOf(s);
	return q.send(m, prio, from, &w, wake);
}

int receiveWait(Queue &q, TestWaiter &w)
{
	WakeList wake;
	Message out;
	unsigned prio = 0;
	return q.receive(static_cast<std::size_t>(q.attr().msgsize), out, prio, &w, wake);
}

NotifyReg regOf(pid_t owner, int notify, int signo = 0, std::uint64_t value = 0, std::uint64_t token = 0)
{
	NotifyReg r;
	r.owner = owner;
	r.notify = notify;
	r.signo = signo;
	r.value = value;
	r.token = token;
	return r;
}

int doRegister(Queue &q, NotifyReg r)
{
	WakeList wake;
	return q.notifyRegister(std::move(r), wake);
}

std::string statusOf(std::uint64_t qsize, int notify, int signo, pid_t pid)
{
	return mqfs::formatStatusLine(qsize, notify, signo, pid);
}

void setTimes(Queue &q, time_t t)
{
	mqfs::AttrChange c;
	c.atime = t;
	c.mtime = t;
	c.ctime = t;
	q.setAttr(c);
}

} /* namespace */

TEST_CASE("receive: highest priority first, FIFO within", "[queue]")
{
	auto q = makeQueue(10, 16);
	const std::vector<std::pair<std::string, unsigned>> sent = {
		{ "1", 1 }, { "5a", 5 }, { "3", 3 }, { "5b", 5 }, { "0", 0 }, { "32767", 32767 }, { "5c", 5 },
	};
	for (const auto &[text, prio] : sent)
		REQUIRE(sendNb(*q, text, prio) == 0);
	CHECK(q->counts().curmsgs == 7);

	const std::vector<std::pair<std::string, unsigned>> expected = {
		{ "32767", 32767 }, { "5a", 5 }, { "5b", 5 }, { "5c", 5 }, { "3", 3 }, { "1", 1 }, { "0", 0 },
	};
	for (const auto &[text, prio] : expected) {
		const Received r = receiveNb(*q);
		REQUIRE(r.rc == 0);
		CHECK(r.text == text);
		CHECK(r.prio == prio);
	}
	CHECK(q->counts().curmsgs == 0);
	CHECK(receiveNb(*q).rc == -EAGAIN);
}

TEST_CASE("send/receive: zero-length messages are allowed", "[queue]")
{
	auto q = makeQueue(4, 8);
	REQUIRE(sendNb(*q, "", 3) == 0);
	CHECK(q->counts().curmsgs == 1);
	CHECK(q->counts().qsize == 0);
	CHECK(q->statusLine(false) == statusOf(0, 0, 0, 0));

	WakeList wake;
	Message out = msgOf("junk");
	unsigned prio = 0;
	/* buflen SIZE_MAX is fine */
	REQUIRE(q->receive(SIZE_MAX, out, prio, nullptr, wake) == 0);
	CHECK(out.size() == 0);
	CHECK(prio == 3);
	CHECK(q->counts().curmsgs == 0);
}

TEST_CASE("send: EMSGSIZE when len > mq_msgsize, checked before the queue is full", "[queue]")
{
	auto q = makeQueue(1, 8);
	CHECK(sendNb(*q, "123456789", 0) == -EMSGSIZE);
	CHECK(q->counts().curmsgs == 0);
	REQUIRE(sendNb(*q, "12345678", 0) == 0);
	/* full now: EMSGSIZE still comes first, for blocking senders too */
	CHECK(sendNb(*q, "123456789", 0) == -EMSGSIZE);
	TestWaiter w(Waiter::Kind::Send, q);
	CHECK(sendWait(*q, w, "123456789", 0) == -EMSGSIZE);
	CHECK(w.results.empty());
	CHECK(q->counts().curmsgs == 1);
}

TEST_CASE("receive: EMSGSIZE when buflen < mq_msgsize, even on an empty queue", "[queue]")
{
	auto q = makeQueue(2, 8);
	WakeList wake;
	Message out;
	unsigned prio = 0;
	/* empty and O_NONBLOCK: EMSGSIZE, not EAGAIN */
	CHECK(q->receive(7, out, prio, nullptr, wake) == -EMSGSIZE);
	/* empty and blocking: EMSGSIZE, not parked */
	TestWaiter w(Waiter::Kind::Receive, q);
	CHECK(q->receive(7, out, prio, &w, wake) == -EMSGSIZE);
	CHECK(q->receive(0, out, prio, &w, wake) == -EMSGSIZE);
	/* with a 1-byte message in the queue: still EMSGSIZE, and the message stays */
	REQUIRE(sendNb(*q, "x", 0) == 0);
	CHECK(q->receive(7, out, prio, nullptr, wake) == -EMSGSIZE);
	CHECK(q->counts().curmsgs == 1);
	CHECK(q->receive(8, out, prio, nullptr, wake) == 0);
	CHECK(textOf(out) == "x");
	wake.run();
	CHECK(w.results.empty());
}

TEST_CASE("send/receive: EAGAIN without a waiter (O_NONBLOCK) when full or empty", "[queue]")
{
	auto q = makeQueue(2, 8);
	CHECK(receiveNb(*q).rc == -EAGAIN);
	REQUIRE(sendNb(*q, "a", 1) == 0);
	REQUIRE(sendNb(*q, "b", 2) == 0);

	WakeList wake;
	Message m = msgOf("c");
	CHECK(q->send(m, 3, kSender, nullptr, wake) == -EAGAIN);
	/* the message is not taken on failure */
	CHECK(textOf(m) == "c");
	CHECK(q->counts().curmsgs == 2);
	CHECK(q->counts().qsize == 2);
}

TEST_CASE("send: a waiting receiver gets the message directly, nothing is stored or notified", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(4, 16, &obs);
	REQUIRE(doRegister(*q, regOf(100, mqfs::kSigevNone)) == 0);

	TestWaiter r(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, r) == mqfs::kParked);
	CHECK(r.results.empty());

	REQUIRE(sendNb(*q, "hello", 7) == 0);
	REQUIRE(r.results.size() == 1);
	CHECK(r.results[0] == 0);
	CHECK(textOf(r.message()) == "hello");
	CHECK(r.prio() == 7);

	/* curmsgs and QSIZE never moved, no notification fired, registration stays */
	CHECK(q->counts().curmsgs == 0);
	CHECK(q->counts().qsize == 0);
	CHECK(obs.events.empty());
	CHECK(q->statusLine(false) == statusOf(0, 1, 0, 100));
	CHECK(doRegister(*q, regOf(101, mqfs::kSigevNone)) == -EBUSY);

	/* the registration is still live: the next stored message fires it */
	REQUIRE(sendNb(*q, "again", 1) == 0);
	REQUIRE(obs.events.size() == 1);
	CHECK(obs.events[0].what == NotifyEvent::What::Fired);
	CHECK(obs.events[0].reg.owner == 100);
}

TEST_CASE("send: waiting receivers are served in FIFO order", "[queue]")
{
	auto q = makeQueue(4, 16);
	TestWaiter a(Waiter::Kind::Receive, q), b(Waiter::Kind::Receive, q), c(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, a) == mqfs::kParked);
	REQUIRE(receiveWait(*q, b) == mqfs::kParked);
	REQUIRE(receiveWait(*q, c) == mqfs::kParked);
	REQUIRE(sendNb(*q, "1", 1) == 0);
	REQUIRE(sendNb(*q, "2", 9) == 0);
	REQUIRE(sendNb(*q, "3", 0) == 0);
	REQUIRE(a.results == std::vector<int>{ 0 });
	REQUIRE(b.results == std::vector<int>{ 0 });
	REQUIRE(c.results == std::vector<int>{ 0 });
	CHECK(textOf(a.message()) == "1");
	CHECK(textOf(b.message()) == "2");
	CHECK(textOf(c.message()) == "3");
	CHECK(q->counts().curmsgs == 0);
}

TEST_CASE("receive: blocked senders are admitted one per receive, FIFO, then by message priority", "[queue]")
{
	/* Spec section 3: queue [x,y] full, senders with prio 1, 5, 9 blocked in that
	 * order. The kernel (task priorities nice 10/0/0) gives x,5,9,1,y. With FIFO
	 * admission: receive 1 takes x and admits 1 -> [1,y]; receive 2 takes 1 and
	 * admits 5 -> [5,y]; receive 3 takes 5 and admits 9 -> [9,y]; then 9, then y. */
	TestObserver obs;
	auto q = makeQueue(2, 8, &obs);
	REQUIRE(sendNb(*q, "x", 0) == 0);
	REQUIRE(sendNb(*q, "y", 0) == 0);
	REQUIRE(doRegister(*q, regOf(100, mqfs::kSigevSignal, 10)) == 0);

	TestWaiter s1(Waiter::Kind::Send, q), s5(Waiter::Kind::Send, q), s9(Waiter::Kind::Send, q);
	REQUIRE(sendWait(*q, s1, "1", 1) == mqfs::kParked);
	REQUIRE(sendWait(*q, s5, "5", 5) == mqfs::kParked);
	REQUIRE(sendWait(*q, s9, "9", 9) == mqfs::kParked);
	/* not-yet-admitted messages are invisible to curmsgs and QSIZE */
	CHECK(q->counts().curmsgs == 2);
	CHECK(q->counts().qsize == 2);

	std::vector<std::string> got;
	std::vector<std::size_t> done; /* senders completed after each receive */
	for (int i = 0; i < 5; i++) {
		const Received r = receiveNb(*q);
		REQUIRE(r.rc == 0);
		got.push_back(r.text);
		done.push_back(s1.results.size() + s5.results.size() + s9.results.size());
		if (i < 3)
			CHECK(q->counts().curmsgs == 2);
	}
	CHECK(got == std::vector<std::string>{ "x", "1", "5", "9", "y" });
	CHECK(done == std::vector<std::size_t>{ 1, 2, 3, 3, 3 });
	CHECK(s1.results == std::vector<int>{ 0 });
	CHECK(s5.results == std::vector<int>{ 0 });
	CHECK(s9.results == std::vector<int>{ 0 });
	CHECK(q->counts().curmsgs == 0);
	/* admitting senders never fires the notification */
	CHECK(obs.events.empty());
	CHECK(q->statusLine(false) == statusOf(0, 0, 10, 100));
}

TEST_CASE("receive: an admitted sender's message does not fire the notification, even into an empty queue", "[queue]")
{
	/* spec section 11.3: maxmsg 1, full, one blocked sender, one receive */
	TestObserver obs;
	auto q = makeQueue(1, 8, &obs);
	REQUIRE(sendNb(*q, "old", 0) == 0);
	REQUIRE(doRegister(*q, regOf(100, mqfs::kSigevNone)) == 0);
	TestWaiter s(Waiter::Kind::Send, q);
	REQUIRE(sendWait(*q, s, "new", 3) == mqfs::kParked);

	const Received r = receiveNb(*q);
	REQUIRE(r.rc == 0);
	CHECK(r.text == "old");
	CHECK(s.results == std::vector<int>{ 0 });
	CHECK(q->counts().curmsgs == 1);
	CHECK(q->counts().qsize == 3);
	CHECK(obs.events.empty());
	/* still registered */
	CHECK(q->statusLine(false) == statusOf(3, 1, 0, 100));
}

TEST_CASE("notify: fires on empty -> 1 with no receiver waiting, then is gone", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(4, 8, &obs);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevSignal, 10, 77, 9)) == 0);
	CHECK(obs.events.empty());

	REQUIRE(sendNb(*q, "a", 0, Sender{ 55, 1001 }) == 0);
	REQUIRE(obs.events.size() == 1);
	const NotifyEvent &ev = obs.events[0];
	CHECK(ev.what == NotifyEvent::What::Fired);
	CHECK(ev.reg.owner == 42);
	CHECK(ev.reg.notify == mqfs::kSigevSignal);
	CHECK(ev.reg.signo == 10);
	CHECK(ev.reg.value == 77);
	CHECK(ev.reg.token == 9);
	CHECK(ev.sender.pid == 55);
	CHECK(ev.sender.ruid == 1001);

	/* one-shot: gone from the status line, and a new registration is accepted */
	CHECK(q->statusLine(false) == statusOf(1, 0, 0, 0));
	REQUIRE(receiveNb(*q).rc == 0);
	REQUIRE(sendNb(*q, "b", 0) == 0);
	CHECK(obs.events.size() == 1);
	CHECK(doRegister(*q, regOf(42, mqfs::kSigevSignal, 10)) == 0);
}

TEST_CASE("notify: registering on a non-empty queue fires only after it empties and refills", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(4, 8, &obs);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevNone)) == 0);
	REQUIRE(sendNb(*q, "b", 0) == 0); /* curmsgs 1 -> 2: nothing */
	CHECK(obs.events.empty());
	REQUIRE(receiveNb(*q).rc == 0);
	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(obs.events.empty());
	/* zero-length messages trigger it too */
	REQUIRE(sendNb(*q, "", 0) == 0);
	REQUIRE(obs.events.size() == 1);
	CHECK(obs.events[0].what == NotifyEvent::What::Fired);
}

TEST_CASE("notify: SIGEV_NONE and signo 0 are used up by the first message", "[queue]")
{
	for (const NotifyReg &reg : { regOf(42, mqfs::kSigevNone), regOf(42, mqfs::kSigevSignal, 0),
				      regOf(42, mqfs::kSigevThread, 5) }) {
		INFO("sigev_notify " << reg.notify);
		TestObserver obs;
		auto q = makeQueue(4, 8, &obs);
		REQUIRE(doRegister(*q, reg) == 0);
		REQUIRE(sendNb(*q, "a", 0) == 0);
		REQUIRE(obs.events.size() == 1);
		CHECK(obs.events[0].what == NotifyEvent::What::Fired);
		CHECK(q->statusLine(false) == statusOf(1, 0, 0, 0));
	}
}

TEST_CASE("notify: EBUSY while registered, even for the same owner", "[queue]")
{
	auto q = makeQueue(4, 8);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevSignal, 10)) == 0);
	CHECK(doRegister(*q, regOf(42, mqfs::kSigevSignal, 10)) == -EBUSY);
	CHECK(doRegister(*q, regOf(42, mqfs::kSigevNone)) == -EBUSY);
	CHECK(doRegister(*q, regOf(43, mqfs::kSigevNone)) == -EBUSY);
	/* the first registration is untouched */
	CHECK(q->statusLine(false) == statusOf(0, 0, 10, 42));
}

TEST_CASE("notifyUnregister: a non-owner's NULL is a no-op, the owner's removes it", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(4, 8, &obs);
	{
		/* nothing registered: nothing happens */
		WakeList wake;
		q->notifyUnregister(42, wake);
	}
	CHECK(obs.events.empty());

	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevThread, 0, 0, 5)) == 0);
	{
		WakeList wake;
		q->notifyUnregister(43, wake);
	}
	CHECK(obs.events.empty());
	CHECK(q->statusLine(false) == statusOf(0, 2, 0, 42));

	{
		WakeList wake;
		q->notifyUnregister(42, wake);
	}
	REQUIRE(obs.events.size() == 1);
	CHECK(obs.events[0].what == NotifyEvent::What::Removed);
	CHECK(obs.events[0].reg.owner == 42);
	CHECK(obs.events[0].reg.token == 5);
	CHECK(q->statusLine(false) == statusOf(0, 0, 0, 0));
	/* and a send no longer fires anything */
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(obs.events.size() == 1);
}

TEST_CASE("closedBy: the owner's close removes the registration, another's does not", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(4, 8, &obs);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevSignal, 12, 0, 3)) == 0);
	{
		WakeList wake;
		q->closedBy(43, wake);
	}
	CHECK(obs.events.empty());
	CHECK(q->statusLine(false) == statusOf(0, 0, 12, 42));
	{
		WakeList wake;
		q->closedBy(42, wake);
	}
	REQUIRE(obs.events.size() == 1);
	CHECK(obs.events[0].what == NotifyEvent::What::Removed);
	CHECK(obs.events[0].reg.owner == 42);
	CHECK(obs.events[0].reg.token == 3);
	CHECK(q->statusLine(false) == statusOf(0, 0, 0, 0));
	{
		/* a second close by the former owner: nothing left to remove */
		WakeList wake;
		q->closedBy(42, wake);
	}
	CHECK(obs.events.size() == 1);
}

TEST_CASE("statusLine: exact 60-byte format", "[queue]")
{
	auto q = makeQueue(4, 128);
	const std::string empty = q->statusLine(false);
	CHECK(empty == "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n");
	CHECK(empty.size() == 60);
}

TEST_CASE("statusLine: QSIZE is the sum of payload bytes", "[queue]")
{
	auto q = makeQueue(4, 128);
	REQUIRE(sendNb(*q, std::string(5, 'a'), 0) == 0);
	REQUIRE(sendNb(*q, "", 0) == 0);
	REQUIRE(sendNb(*q, std::string(100, 'c'), 0) == 0);
	CHECK(q->counts().qsize == 105);
	CHECK(q->statusLine(false) == "QSIZE:105        NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n");
	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(q->counts().qsize == 100);
}

TEST_CASE("statusLine: NOTIFY, SIGNO and NOTIFY_PID for each registration type", "[queue]")
{
	SECTION("SIGEV_SIGNAL shows its signal")
	{
		auto q = makeQueue(4, 8);
		REQUIRE(doRegister(*q, regOf(1234, mqfs::kSigevSignal, 10)) == 0);
		CHECK(q->statusLine(false) == "QSIZE:0          NOTIFY:0     SIGNO:10    NOTIFY_PID:1234  \n");
	}
	SECTION("SIGEV_NONE")
	{
		auto q = makeQueue(4, 8);
		REQUIRE(doRegister(*q, regOf(1234, mqfs::kSigevNone, 10)) == 0);
		CHECK(q->statusLine(false) == "QSIZE:0          NOTIFY:1     SIGNO:0     NOTIFY_PID:1234  \n");
	}
	SECTION("SIGEV_THREAD shows SIGNO 0 (sigev_signo is the netlink fd)")
	{
		auto q = makeQueue(4, 8);
		REQUIRE(doRegister(*q, regOf(1234, mqfs::kSigevThread, 17)) == 0);
		CHECK(q->statusLine(false) == "QSIZE:0          NOTIFY:2     SIGNO:0     NOTIFY_PID:1234  \n");
	}
}

TEST_CASE("formatStatusLine: wide values widen their fields, cut at 79 characters", "[queue]")
{
	CHECK(statusOf(12345678901ull, 0, 64, 4194304) ==
	      "QSIZE:12345678901 NOTIFY:0     SIGNO:64    NOTIFY_PID:4194304\n");
	const std::string huge = statusOf(UINT64_MAX, INT_MIN, INT_MIN, INT_MIN);
	CHECK(huge.size() == 79);
	CHECK(huge == std::string("QSIZE:18446744073709551615 NOTIFY:-2147483648 SIGNO:-2147483648 "
				  "NOTIFY_PID:-2147483648\n")
			      .substr(0, 79));
}

TEST_CASE("pollBits: 0x104 empty, 0x145 partly full, 0x41 full", "[queue]")
{
	auto q = makeQueue(2, 8);
	CHECK(q->pollBits() == 0x104);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(q->pollBits() == 0x145);
	REQUIRE(sendNb(*q, "b", 0) == 0);
	CHECK(q->pollBits() == 0x41);
	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(q->pollBits() == 0x145);
	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(q->pollBits() == 0x104);
}

TEST_CASE("pollBits: a maxmsg 1 queue goes straight from 0x104 to 0x41", "[queue]")
{
	auto q = makeQueue(1, 8);
	CHECK(q->pollBits() == 0x104);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(q->pollBits() == 0x41);
}

TEST_CASE("observer: readinessChanged is reported when curmsgs crosses 0 or maxmsg", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(1, 8, &obs);
	REQUIRE(sendNb(*q, "a", 0) == 0); /* 0 -> 1 = maxmsg */
	CHECK(obs.ready >= 1);
	const int afterSend = obs.ready;
	REQUIRE(receiveNb(*q).rc == 0); /* 1 -> 0 */
	CHECK(obs.ready > afterSend);
}

TEST_CASE("cancel: a parked waiter is completed with the error exactly once", "[queue]")
{
	auto q = makeQueue(2, 8);
	TestWaiter r(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, r) == mqfs::kParked);
	{
		WakeList wake;
		q->cancel(&r, -EINTR, wake);
		CHECK(r.results.empty()); /* completion runs once the lock is gone */
	}
	CHECK(r.results == std::vector<int>{ -EINTR });
	{
		WakeList wake;
		q->cancel(&r, -ETIMEDOUT, wake);
	}
	CHECK(r.results == std::vector<int>{ -EINTR });
	/* it is no longer waiting: a send stores its message */
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(q->counts().curmsgs == 1);
	CHECK(r.results.size() == 1);
}

TEST_CASE("cancel: a parked sender is completed with the error and its message dropped", "[queue]")
{
	auto q = makeQueue(1, 8);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	TestWaiter s(Waiter::Kind::Send, q);
	REQUIRE(sendWait(*q, s, "b", 0) == mqfs::kParked);
	{
		WakeList wake;
		q->cancel(&s, -ETIMEDOUT, wake);
	}
	CHECK(s.results == std::vector<int>{ -ETIMEDOUT });
	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(q->counts().curmsgs == 0); /* b was not admitted */
	CHECK(s.results.size() == 1);
}

TEST_CASE("cancel: an Idle waiter makes the later park return the error", "[queue]")
{
	SECTION("receiver")
	{
		auto q = makeQueue(2, 8);
		TestWaiter r(Waiter::Kind::Receive, q);
		{
			WakeList wake;
			q->cancel(&r, -EINTR, wake);
		}
		CHECK(receiveWait(*q, r) == -EINTR);
		CHECK(r.results.empty());
		/* not parked: the next send is stored */
		REQUIRE(sendNb(*q, "a", 0) == 0);
		CHECK(q->counts().curmsgs == 1);
		CHECK(r.results.empty());
	}
	SECTION("sender")
	{
		auto q = makeQueue(1, 8);
		REQUIRE(sendNb(*q, "a", 0) == 0);
		TestWaiter s(Waiter::Kind::Send, q);
		{
			WakeList wake;
			q->cancel(&s, -ETIMEDOUT, wake);
		}
		CHECK(sendWait(*q, s, "b", 0) == -ETIMEDOUT);
		REQUIRE(receiveNb(*q).rc == 0);
		CHECK(q->counts().curmsgs == 0);
		CHECK(s.results.empty());
	}
}

TEST_CASE("cancelAll: every parked waiter ends with the error", "[queue]")
{
	auto q = makeQueue(1, 8);
	auto q2 = makeQueue(1, 8);
	REQUIRE(sendNb(*q2, "a", 0) == 0);
	TestWaiter r1(Waiter::Kind::Receive, q), r2(Waiter::Kind::Receive, q);
	TestWaiter s1(Waiter::Kind::Send, q2);
	REQUIRE(receiveWait(*q, r1) == mqfs::kParked);
	REQUIRE(receiveWait(*q, r2) == mqfs::kParked);
	REQUIRE(sendWait(*q2, s1, "b", 0) == mqfs::kParked);
	{
		WakeList wake;
		q->cancelAll(-ESHUTDOWN, wake);
		q2->cancelAll(-ESHUTDOWN, wake);
	}
	CHECK(r1.results == std::vector<int>{ -ESHUTDOWN });
	CHECK(r2.results == std::vector<int>{ -ESHUTDOWN });
	CHECK(s1.results == std::vector<int>{ -ESHUTDOWN });
}

TEST_CASE("send: an abandoned receiver gets EINTR and the message goes to the next one", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(2, 8, &obs);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevNone)) == 0);
	TestWaiter a(Waiter::Kind::Receive, q), b(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, a) == mqfs::kParked);
	REQUIRE(receiveWait(*q, b) == mqfs::kParked);
	a.abandon = true;
	REQUIRE(sendNb(*q, "m", 4) == 0);
	CHECK(a.results == std::vector<int>{ -EINTR });
	REQUIRE(b.results == std::vector<int>{ 0 });
	CHECK(textOf(b.message()) == "m");
	CHECK(b.prio() == 4);
	CHECK(q->counts().curmsgs == 0);
	CHECK(obs.events.empty());
}

TEST_CASE("send: with only an abandoned receiver the message is stored (and notifies)", "[queue]")
{
	TestObserver obs;
	auto q = makeQueue(2, 8, &obs);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevNone)) == 0);
	TestWaiter a(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, a) == mqfs::kParked);
	a.abandon = true;
	REQUIRE(sendNb(*q, "m", 4) == 0);
	CHECK(a.results == std::vector<int>{ -EINTR });
	CHECK(textOf(a.message()).empty());
	CHECK(q->counts().curmsgs == 1);
	/* nobody was waiting any more, so empty -> 1 fires the registration */
	REQUIRE(obs.events.size() == 1);
	CHECK(obs.events[0].what == NotifyEvent::What::Fired);
	const Received r = receiveNb(*q);
	CHECK(r.text == "m");
}

TEST_CASE("receive: an abandoned blocked sender gets EINTR and the next one is admitted", "[queue]")
{
	auto q = makeQueue(1, 8);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	TestWaiter s1(Waiter::Kind::Send, q), s2(Waiter::Kind::Send, q);
	REQUIRE(sendWait(*q, s1, "b", 0) == mqfs::kParked);
	REQUIRE(sendWait(*q, s2, "c", 0) == mqfs::kParked);
	s1.abandon = true;
	CHECK(receiveNb(*q).text == "a");
	CHECK(s1.results == std::vector<int>{ -EINTR });
	CHECK(s2.results == std::vector<int>{ 0 });
	CHECK(receiveNb(*q).text == "c");
	CHECK(receiveNb(*q).rc == -EAGAIN);
}

TEST_CASE("send/receive: an abandoned waiter is not parked", "[queue]")
{
	auto q = makeQueue(1, 8);
	TestWaiter r(Waiter::Kind::Receive, q);
	r.abandon = true;
	CHECK(receiveWait(*q, r) == -EINTR);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(q->counts().curmsgs == 1);
	TestWaiter s(Waiter::Kind::Send, q);
	s.abandon = true;
	CHECK(sendWait(*q, s, "b", 0) == -EINTR);
	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(q->counts().curmsgs == 0);
	CHECK(r.results.empty());
	CHECK(s.results.empty());
}

TEST_CASE("requeue: a message goes back to the head of its priority", "[queue]")
{
	auto q = makeQueue(4, 8);
	REQUIRE(sendNb(*q, "a", 5) == 0);
	REQUIRE(sendNb(*q, "b", 5) == 0);
	REQUIRE(sendNb(*q, "hi", 9) == 0);
	REQUIRE(sendNb(*q, "lo", 1) == 0);
	{
		WakeList wake;
		q->requeue(msgOf("z"), 5, wake);
	}
	CHECK(q->counts().curmsgs == 5);
	std::vector<std::string> got;
	for (int i = 0; i < 5; i++)
		got.push_back(receiveNb(*q).text);
	CHECK(got == std::vector<std::string>{ "hi", "z", "a", "b", "lo" });
}

TEST_CASE("requeue: a waiting receiver gets the message", "[queue]")
{
	auto q = makeQueue(4, 8);
	TestWaiter r(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, r) == mqfs::kParked);
	{
		WakeList wake;
		q->requeue(msgOf("back"), 3, wake);
	}
	REQUIRE(r.results == std::vector<int>{ 0 });
	CHECK(textOf(r.message()) == "back");
	CHECK(r.prio() == 3);
	CHECK(q->counts().curmsgs == 0);
}

TEST_CASE("deadline in the past: ETIMEDOUT only when the call would have to wait", "[queue]")
{
	auto q = makeQueue(1, 8);
	const Clock::time_point epoch{}; /* {0, 0} */
	const Clock::time_point past = Clock::now() - std::chrono::seconds(1);

	SECTION("receive")
	{
		TestWaiter r(Waiter::Kind::Receive, q);
		r.deadline = epoch;
		CHECK(receiveWait(*q, r) == -ETIMEDOUT);
		r.deadline = past;
		CHECK(receiveWait(*q, r) == -ETIMEDOUT);
		CHECK(r.results.empty());
		/* not parked: a send is stored */
		REQUIRE(sendNb(*q, "a", 2) == 0);
		CHECK(q->counts().curmsgs == 1);
		/* with a message there, the same deadline succeeds */
		TestWaiter r2(Waiter::Kind::Receive, q);
		r2.deadline = epoch;
		WakeList wake;
		Message out;
		unsigned prio = 0;
		CHECK(q->receive(8, out, prio, &r2, wake) == 0);
		CHECK(textOf(out) == "a");
		CHECK(prio == 2);
	}
	SECTION("send")
	{
		TestWaiter s(Waiter::Kind::Send, q);
		s.deadline = epoch;
		/* space available: succeeds */
		CHECK(sendWait(*q, s, "a", 0) == 0);
		CHECK(q->counts().curmsgs == 1);
		/* full: ETIMEDOUT at once */
		TestWaiter s2(Waiter::Kind::Send, q);
		s2.deadline = past;
		CHECK(sendWait(*q, s2, "b", 0) == -ETIMEDOUT);
		CHECK(s2.results.empty());
		REQUIRE(receiveNb(*q).rc == 0);
		CHECK(q->counts().curmsgs == 0); /* b was not parked */
	}
}

TEST_CASE("deadline in the future: the waiter parks", "[queue]")
{
	auto q = makeQueue(1, 8);
	TestWaiter r(Waiter::Kind::Receive, q);
	r.deadline = Clock::now() + std::chrono::hours(1);
	REQUIRE(receiveWait(*q, r) == mqfs::kParked);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(r.results == std::vector<int>{ 0 });
}

TEST_CASE("stat: S_IFREG with all 07777 bits, size 80, nlink 1 then 0", "[queue]")
{
	auto q = std::make_shared<Queue>(99, QueueAttr{ 10, 8192 }, 1000, 2000, 07777, 1000, nullptr);
	mqfs::QueueStat st = q->stat();
	CHECK(st.ino == 99);
	CHECK(st.mode == (S_IFREG | 07777));
	CHECK(st.uid == 1000);
	CHECK(st.gid == 2000);
	CHECK(st.size == 80);
	CHECK(st.nlink == 1);
	/* size does not follow the contents */
	REQUIRE(sendNb(*q, std::string(500, 'x'), 0) == 0);
	CHECK(q->stat().size == 80);
	q->setLinked(false);
	st = q->stat();
	CHECK(st.nlink == 0);
	CHECK(st.mode == (S_IFREG | 07777));
}

TEST_CASE("stat: file-type bits passed in are discarded", "[queue]")
{
	auto q = makeQueue(1, 8, nullptr, S_IFDIR | 0640);
	CHECK(q->stat().mode == (S_IFREG | 0640));
	mqfs::AttrChange c;
	c.mode = S_IFCHR | 04755;
	q->setAttr(c);
	CHECK(q->stat().mode == (S_IFREG | 04755));
}

TEST_CASE("setAttr: truncate changes only st_size, not the messages or the status text", "[queue]")
{
	auto q = makeQueue(4, 8);
	REQUIRE(sendNb(*q, "abc", 0) == 0);
	mqfs::AttrChange c;
	c.size = 0;
	q->setAttr(c);
	CHECK(q->stat().size == 0);
	CHECK(q->counts().curmsgs == 1);
	CHECK(q->statusLine(false) == statusOf(3, 0, 0, 0));
	c.size = 1000;
	q->setAttr(c);
	CHECK(q->stat().size == 1000);
}

TEST_CASE("counts: attr, live curmsgs and qsize", "[queue]")
{
	auto q = makeQueue(3, 50);
	REQUIRE(sendNb(*q, "abcd", 0) == 0);
	REQUIRE(sendNb(*q, "ef", 0) == 0);
	const mqfs::QueueCounts c = q->counts();
	CHECK(c.attr.maxmsg == 3);
	CHECK(c.attr.msgsize == 50);
	CHECK(c.curmsgs == 2);
	CHECK(c.qsize == 6);
}

TEST_CASE("timestamps: send and receive set a+m+c, failures and getattr change nothing", "[queue]")
{
	auto q = makeQueue(1, 8);
	const time_t before = std::time(nullptr);

	setTimes(*q, 1000);
	CHECK(receiveNb(*q).rc == -EAGAIN);
	(void)q->counts();
	(void)q->pollBits();
	(void)q->statusLine(false);
	CHECK(q->stat().atime == 1000);
	CHECK(q->stat().mtime == 1000);
	CHECK(q->stat().ctime == 1000);

	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().mtime >= before);
	CHECK(q->stat().ctime >= before);

	setTimes(*q, 1000);
	CHECK(sendNb(*q, "b", 0) == -EAGAIN);
	CHECK(sendNb(*q, "123456789", 0) == -EMSGSIZE);
	CHECK(q->stat().mtime == 1000);
	CHECK(q->stat().atime == 1000);

	REQUIRE(receiveNb(*q).rc == 0);
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().mtime >= before);
	CHECK(q->stat().ctime >= before);
}

TEST_CASE("timestamps: a hand-off to a waiting receiver sets a+m+c", "[queue]")
{
	auto q = makeQueue(1, 8);
	const time_t before = std::time(nullptr);
	TestWaiter r(Waiter::Kind::Receive, q);
	REQUIRE(receiveWait(*q, r) == mqfs::kParked);
	setTimes(*q, 1000);
	REQUIRE(sendNb(*q, "a", 0) == 0);
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().mtime >= before);
	CHECK(q->stat().ctime >= before);
}

TEST_CASE("timestamps: notify register/unregister and status reads set a+c only", "[queue]")
{
	auto q = makeQueue(1, 8);
	const time_t before = std::time(nullptr);

	setTimes(*q, 1000);
	REQUIRE(doRegister(*q, regOf(42, mqfs::kSigevNone)) == 0);
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().ctime >= before);
	CHECK(q->stat().mtime == 1000);

	setTimes(*q, 1000);
	{
		WakeList wake;
		q->notifyUnregister(43, wake); /* non-owner: nothing */
	}
	CHECK(q->stat().atime == 1000);
	CHECK(q->stat().ctime == 1000);
	{
		WakeList wake;
		q->notifyUnregister(42, wake);
	}
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().ctime >= before);
	CHECK(q->stat().mtime == 1000);

	setTimes(*q, 1000);
	(void)q->statusLine(true);
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().ctime >= before);
	CHECK(q->stat().mtime == 1000);

	setTimes(*q, 1000);
	q->touchAC();
	CHECK(q->stat().atime >= before);
	CHECK(q->stat().ctime >= before);
	CHECK(q->stat().mtime == 1000);
}
