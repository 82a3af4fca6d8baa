/* SPDX-License-Identifier: MIT */
/*
 * The deadline timer: mq_timed*() waiters end with ETIMEDOUT at their
 * absolute CLOCK_REALTIME deadline, never before it (spec section 3).
 */
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "queue.hpp"
#include "timer.hpp"

using namespace std::chrono_literals;
using mqfs::Clock;
using mqfs::DeadlineTimer;
using mqfs::Message;
using mqfs::Queue;
using mqfs::QueueAttr;
using mqfs::WakeList;
using mqfs::Waiter;

namespace {

/* Shared by the waiters of one test: completions in the order they happened. */
struct Log {
	std::mutex mutex;
	std::condition_variable cv;
	std::vector<int> ids;

	bool waitFor(std::size_t n, std::chrono::milliseconds limit)
	{
		std::unique_lock lock(mutex);
		return cv.wait_for(lock, limit, [&] { return ids.size() >= n; });
	}
	std::size_t size()
	{
		std::lock_guard lock(mutex);
		return ids.size();
	}
};

class TimedWaiter : public Waiter
{
public:
	TimedWaiter(Kind kind, std::shared_ptr<Queue> q, Log &log, int id)
		: Waiter(kind, std::move(q)), log_(log), id_(id)
	{
	}

	void complete(int result) override
	{
		std::lock_guard lock(log_.mutex);
		results.push_back(result);
		when = Clock::now();
		log_.ids.push_back(id_);
		log_.cv.notify_all();
	}

	/* Read only after Log::waitFor() says it completed. */
	std::vector<int> results;
	Clock::time_point when;

private:
	Log &log_;
	const int id_;
};

std::shared_ptr<Queue> makeQueue()
{
	return std::make_shared<Queue>(3, QueueAttr{ 1, 8 }, 0, 0, 0600, 0, nullptr);
}

int park(Queue &q, Waiter &w)
{
	WakeList wake;
	Message out;
	unsigned prio = 0;
	return q.receive(8, out, prio, &w, wake);
}

} /* namespace */

TEST_CASE("timer: a parked waiter ends with ETIMEDOUT at its deadline, not before", "[timer]")
{
	auto q = makeQueue();
	Log log;
	TimedWaiter w(Waiter::Kind::Receive, q, log, 1);
	DeadlineTimer timer;

	const Clock::time_point deadline = Clock::now() + 50ms;
	w.deadline = deadline;
	timer.arm(&w, deadline);
	CHECK(timer.armed() == 1);
	REQUIRE(park(*q, w) == mqfs::kParked);

	REQUIRE(log.waitFor(1, 5000ms));
	std::lock_guard lock(log.mutex);
	CHECK(w.results == std::vector<int>{ -ETIMEDOUT });
	CHECK(w.when >= deadline);
	CHECK(w.when < deadline + 1000ms);
	CHECK(timer.armed() == 0);
}

TEST_CASE("timer: a timed-out sender is not admitted afterwards", "[timer]")
{
	auto q = makeQueue();
	{
		WakeList wake;
		const char text[] = "full";
		Message m(std::span<const std::byte>(reinterpret_cast<const std::byte *>(text), 4));
		REQUIRE(q->send(m, 0, {}, nullptr, wake) == 0);
	}
	Log log;
	TimedWaiter s(Waiter::Kind::Send, q, log, 1);
	DeadlineTimer timer;
	const Clock::time_point deadline = Clock::now() + 30ms;
	s.deadline = deadline;
	timer.arm(&s, deadline);
	{
		WakeList wake;
		const char text[] = "late";
		Message m(std::span<const std::byte>(reinterpret_cast<const std::byte *>(text), 4));
		REQUIRE(q->send(m, 0, {}, &s, wake) == mqfs::kParked);
	}
	REQUIRE(log.waitFor(1, 5000ms));
	{
		std::lock_guard lock(log.mutex);
		CHECK(s.results == std::vector<int>{ -ETIMEDOUT });
		CHECK(s.when >= deadline);
	}
	WakeList wake;
	Message out;
	unsigned prio = 0;
	REQUIRE(q->receive(8, out, prio, nullptr, wake) == 0);
	CHECK(q->counts().curmsgs == 0);
}

TEST_CASE("timer: disarm() before expiry prevents the completion", "[timer]")
{
	auto q = makeQueue();
	Log log;
	TimedWaiter w(Waiter::Kind::Receive, q, log, 1);
	DeadlineTimer timer;

	const Clock::time_point deadline = Clock::now() + 100ms;
	timer.arm(&w, deadline);
	REQUIRE(park(*q, w) == mqfs::kParked);
	timer.disarm(&w);
	CHECK(timer.armed() == 0);

	CHECK_FALSE(log.waitFor(1, 300ms));
	CHECK(log.size() == 0);

	/* still parked: it can be ended by hand, once */
	{
		WakeList wake;
		q->cancel(&w, -EINTR, wake);
	}
	REQUIRE(log.waitFor(1, 1000ms));
	std::lock_guard lock(log.mutex);
	CHECK(w.results == std::vector<int>{ -EINTR });
}

TEST_CASE("timer: a waiter served before its deadline is completed only once", "[timer]")
{
	auto q = makeQueue();
	Log log;
	TimedWaiter w(Waiter::Kind::Receive, q, log, 1);
	DeadlineTimer timer;

	timer.arm(&w, Clock::now() + 60ms);
	REQUIRE(park(*q, w) == mqfs::kParked);
	{
		WakeList wake;
		const char text[] = "msg";
		Message m(std::span<const std::byte>(reinterpret_cast<const std::byte *>(text), 3));
		REQUIRE(q->send(m, 0, {}, nullptr, wake) == 0);
	}
	REQUIRE(log.waitFor(1, 1000ms));
	/* not disarmed: the expiry finds the waiter Done and does nothing */
	std::this_thread::sleep_for(200ms);
	CHECK(timer.armed() == 0);
	std::lock_guard lock(log.mutex);
	CHECK(w.results == std::vector<int>{ 0 });
}

TEST_CASE("timer: many waiters expire in deadline order", "[timer]")
{
	auto q = makeQueue();
	Log log;
	constexpr int kCount = 8;
	std::vector<std::unique_ptr<TimedWaiter>> waiters;
	for (int i = 0; i < kCount; i++)
		waiters.push_back(std::make_unique<TimedWaiter>(Waiter::Kind::Receive, q, log, i));
	DeadlineTimer timer;

	/* waiter i expires at base + 15 ms * i; armed and parked in a scrambled order */
	const Clock::time_point base = Clock::now() + 40ms;
	const int order[kCount] = { 5, 2, 7, 0, 3, 6, 1, 4 };
	for (const int i : order) {
		timer.arm(waiters[i].get(), base + i * 15ms);
		REQUIRE(park(*q, *waiters[i]) == mqfs::kParked);
	}
	CHECK(timer.armed() == kCount);

	REQUIRE(log.waitFor(kCount, 10000ms));
	std::lock_guard lock(log.mutex);
	CHECK(log.ids == std::vector<int>{ 0, 1, 2, 3, 4, 5, 6, 7 });
	for (int i = 0; i < kCount; i++) {
		INFO("waiter " << i);
		CHECK(waiters[i]->results == std::vector<int>{ -ETIMEDOUT });
		CHECK(waiters[i]->when >= base + i * 15ms);
	}
}

TEST_CASE("timer: equal deadlines all expire", "[timer]")
{
	auto q = makeQueue();
	Log log;
	std::vector<std::unique_ptr<TimedWaiter>> waiters;
	for (int i = 0; i < 4; i++)
		waiters.push_back(std::make_unique<TimedWaiter>(Waiter::Kind::Receive, q, log, i));
	DeadlineTimer timer;
	const Clock::time_point deadline = Clock::now() + 30ms;
	for (auto &w : waiters) {
		timer.arm(w.get(), deadline);
		REQUIRE(park(*q, *w) == mqfs::kParked);
	}
	REQUIRE(log.waitFor(4, 5000ms));
	std::lock_guard lock(log.mutex);
	std::vector<int> ids = log.ids;
	std::sort(ids.begin(), ids.end());
	CHECK(ids == std::vector<int>{ 0, 1, 2, 3 });
	for (auto &w : waiters)
		CHECK(w->results == std::vector<int>{ -ETIMEDOUT });
}

TEST_CASE("timer: an expiry before park makes the park return ETIMEDOUT", "[timer]")
{
	/* arm() comes before parking; if the deadline passes in between, the
	 * Idle waiter records the error and park refuses it. */
	auto q = makeQueue();
	Log log;
	TimedWaiter w(Waiter::Kind::Receive, q, log, 1);
	DeadlineTimer timer;
	timer.arm(&w, Clock::now() - 1ms);
	for (int i = 0; i < 500 && timer.armed() != 0; i++)
		std::this_thread::sleep_for(2ms);
	REQUIRE(timer.armed() == 0);
	timer.disarm(&w); /* returns once the expiry has run */
	CHECK(park(*q, w) == -ETIMEDOUT);
	CHECK(log.size() == 0);
}

TEST_CASE("timer: a later arm with an earlier deadline wakes the thread", "[timer]")
{
	auto q = makeQueue();
	Log log;
	TimedWaiter late(Waiter::Kind::Receive, q, log, 1);
	TimedWaiter early(Waiter::Kind::Receive, q, log, 2);
	DeadlineTimer timer;

	timer.arm(&late, Clock::now() + 10s);
	REQUIRE(park(*q, late) == mqfs::kParked);
	std::this_thread::sleep_for(20ms); /* let the thread sleep towards 10 s */
	const Clock::time_point deadline = Clock::now() + 30ms;
	timer.arm(&early, deadline);
	REQUIRE(park(*q, early) == mqfs::kParked);

	REQUIRE(log.waitFor(1, 2000ms));
	{
		std::lock_guard lock(log.mutex);
		CHECK(log.ids == std::vector<int>{ 2 });
		CHECK(early.results == std::vector<int>{ -ETIMEDOUT });
		CHECK(early.when >= deadline);
	}
	timer.disarm(&late);
	WakeList wake;
	q->cancel(&late, -EINTR, wake);
}
