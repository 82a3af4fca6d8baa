/* SPDX-License-Identifier: MIT */
/*
 * Batches: Queue::sendMany/receiveMany/requeueMany must do exactly what a
 * loop of single sends and receives does (order, hand-off, admission of
 * blocked senders, notification), and the batch wire format must decode only
 * what the encoder makes.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>
#include <vector>

#include "queue.hpp"
#include "request.hpp"

using mqfs::BatchItem;
using mqfs::BatchRecord;
using mqfs::Message;
using mqfs::NotifyEvent;
using mqfs::Queue;
using mqfs::QueueAttr;
using mqfs::Sender;
using mqfs::WakeList;
using mqfs::Waiter;

namespace {

class BatchWaiter : public Waiter
{
public:
	BatchWaiter(Kind kind, std::shared_ptr<Queue> q) : Waiter(kind, std::move(q)) {}
	void complete(int result) override { results.push_back(result); }
	std::vector<int> results;
};

class CountingObserver : public mqfs::QueueObserver
{
public:
	void readinessChanged(Queue &) override { ready++; }
	void notifyEvent(Queue &, const NotifyEvent &ev) override { events.push_back(ev.what); }
	int ready = 0;
	std::vector<NotifyEvent::What> events;
};

Message msgOf(const std::string &s)
{
	return Message(std::as_bytes(std::span(s.data(), s.size())));
}

std::string textOf(const Message &m)
{
	return std::string(reinterpret_cast<const char *>(m.data()), m.size());
}

std::shared_ptr<Queue> makeQueue(long maxmsg, long msgsize, CountingObserver *obs = nullptr)
{
	return std::make_shared<Queue>(9, QueueAttr{ maxmsg, msgsize }, 0, 0, 0600, 1, obs);
}

const Sender kFrom{ 77, 0 };

std::vector<BatchItem> itemsOf(const std::vector<std::pair<std::string, unsigned>> &v)
{
	std::vector<BatchItem> out;
	for (auto &[s, p] : v)
		out.push_back({ msgOf(s), p });
	return out;
}

/* Drain with single receives: "text/prio" each. */
std::vector<std::string> drain(Queue &q)
{
	std::vector<std::string> out;
	for (;;) {
		WakeList wake;
		Message m;
		unsigned prio;
		if (q.receive(static_cast<size_t>(q.attr().msgsize), m, prio, nullptr, wake) != 0)
			return out;
		out.push_back(textOf(m) + "/" + std::to_string(prio));
	}
}

std::vector<std::string> texts(const std::vector<BatchItem> &items)
{
	std::vector<std::string> out;
	for (auto &it : items)
		out.push_back(textOf(it.msg) + "/" + std::to_string(it.prio));
	return out;
}

const auto kAll = [](std::size_t) { return true; };

} /* namespace */

TEST_CASE("sendMany: in order until full, then -EAGAIN and the count", "[batch]")
{
	CountingObserver obs;
	auto q = makeQueue(3, 16, &obs);
	auto items = itemsOf({ { "a", 1 }, { "b", 5 }, { "c", 1 }, { "d", 9 } });
	int stop = 1;
	WakeList wake;
	CHECK(q->sendMany(items, kFrom, stop, wake) == 3);
	CHECK(stop == -EAGAIN);
	CHECK(items[3].msg.size() == 1); /* not taken */
	wake.run();
	CHECK(obs.ready == 1);           /* one readiness report per batch */
	CHECK(drain(*q) == std::vector<std::string>{ "b/5", "a/1", "c/1" });
}

TEST_CASE("sendMany: an item larger than mq_msgsize stops the batch there with -EMSGSIZE", "[batch]")
{
	auto q = makeQueue(10, 4);
	auto items = itemsOf({ { "ok", 0 }, { "toolong", 0 }, { "no", 0 } });
	int stop = 0;
	WakeList wake;
	CHECK(q->sendMany(items, kFrom, stop, wake) == 1);
	CHECK(stop == -EMSGSIZE);
	CHECK(drain(*q) == std::vector<std::string>{ "ok/0" });
}

TEST_CASE("sendMany: waiting receivers get the first messages in FIFO order, the rest is stored", "[batch]")
{
	auto q = makeQueue(10, 16);
	BatchWaiter r1(Waiter::Kind::Receive, q), r2(Waiter::Kind::Receive, q);
	{
		WakeList wake;
		Message m;
		unsigned p;
		REQUIRE(q->receive(16, m, p, &r1, wake) == mqfs::kParked);
		REQUIRE(q->receive(16, m, p, &r2, wake) == mqfs::kParked);
	}
	auto items = itemsOf({ { "x", 0 }, { "y", 3 }, { "z", 1 } });
	int stop = 1;
	{
		WakeList wake;
		CHECK(q->sendMany(items, kFrom, stop, wake) == 3);
	}
	CHECK(stop == 0);
	CHECK(r1.results == std::vector<int>{ 0 });
	CHECK(textOf(r1.message()) == "x");
	CHECK(textOf(r2.message()) == "y");
	CHECK(drain(*q) == std::vector<std::string>{ "z/1" });
}

TEST_CASE("sendMany: the notification fires once, on the first stored message, as a loop would", "[batch]")
{
	CountingObserver obs;
	auto q = makeQueue(10, 16, &obs);
	mqfs::NotifyReg reg;
	reg.owner = 50;
	reg.notify = mqfs::kSigevNone;
	{
		WakeList wake;
		REQUIRE(q->notifyRegister(std::move(reg), wake) == 0);
	}
	auto items = itemsOf({ { "1", 0 }, { "2", 0 } });
	int stop;
	{
		WakeList wake;
		CHECK(q->sendMany(items, kFrom, stop, wake) == 2);
	}
	CHECK(obs.events == std::vector<NotifyEvent::What>{ NotifyEvent::What::Fired });
	CHECK(q->notifyOwner() == 0);
}

TEST_CASE("receiveMany: receive order, bounded by max and by what fits", "[batch]")
{
	auto q = makeQueue(10, 16);
	auto items = itemsOf({ { "a", 1 }, { "bb", 7 }, { "ccc", 1 }, { "d", 0 } });
	int stop;
	{
		WakeList wake;
		REQUIRE(q->sendMany(items, kFrom, stop, wake) == 4);
	}
	std::vector<BatchItem> out;
	{
		WakeList wake;
		CHECK(q->receiveMany(2, kAll, out, wake) == 2);
	}
	CHECK(texts(out) == std::vector<std::string>{ "bb/7", "a/1" });
	out.clear();
	/* room for 3 payload bytes: "ccc" fits, "d" does not */
	std::size_t room = 3;
	const auto fits = [&room](std::size_t n) {
		if (n > room)
			return false;
		room -= n;
		return true;
	};
	{
		WakeList wake;
		CHECK(q->receiveMany(10, fits, out, wake) == 1);
	}
	CHECK(texts(out) == std::vector<std::string>{ "ccc/1" });
	out.clear();
	{
		WakeList wake;
		CHECK(q->receiveMany(10, kAll, out, wake) == 1);
		CHECK(q->receiveMany(10, kAll, out, wake) == 0);
	}
	CHECK(texts(out) == std::vector<std::string>{ "d/0" });
}

TEST_CASE("receiveMany: admits one blocked sender per message, exactly as a loop of receives", "[batch]")
{
	/* Full queue [x/0, y/0], senders 1, 5, 9 blocked. A loop of receives
	 * gives x,1,5,9,y (see test_queue.cpp); a batch of 5 must too. */
	auto q = makeQueue(2, 8);
	auto base = itemsOf({ { "x", 0 }, { "y", 0 } });
	int stop;
	{
		WakeList wake;
		REQUIRE(q->sendMany(base, kFrom, stop, wake) == 2);
	}
	BatchWaiter s1(Waiter::Kind::Send, q), s5(Waiter::Kind::Send, q), s9(Waiter::Kind::Send, q);
	for (auto [w, t, p] : { std::tuple{ &s1, "1", 1u }, std::tuple{ &s5, "5", 5u }, std::tuple{ &s9, "9", 9u } }) {
		WakeList wake;
		Message m = msgOf(t);
		REQUIRE(q->send(m, p, kFrom, w, wake) == mqfs::kParked);
	}
	std::vector<BatchItem> out;
	{
		WakeList wake;
		CHECK(q->receiveMany(5, kAll, out, wake) == 5);
	}
	CHECK(texts(out) == std::vector<std::string>{ "x/0", "1/1", "5/5", "9/9", "y/0" });
	CHECK(s1.results == std::vector<int>{ 0 });
	CHECK(s9.results == std::vector<int>{ 0 });
}

TEST_CASE("requeueMany: a batch that was not delivered goes back in order, waiting receivers first", "[batch]")
{
	auto q = makeQueue(10, 16);
	auto items = itemsOf({ { "a", 2 }, { "b", 2 }, { "c", 1 }, { "d", 1 } });
	int stop;
	{
		WakeList wake;
		REQUIRE(q->sendMany(items, kFrom, stop, wake) == 4);
	}
	std::vector<BatchItem> out;
	{
		WakeList wake;
		REQUIRE(q->receiveMany(3, kAll, out, wake) == 3); /* a, b, c */
	}
	{
		WakeList wake;
		q->requeueMany(out, wake);
	}
	CHECK(drain(*q) == std::vector<std::string>{ "a/2", "b/2", "c/1", "d/1" });

	/* With a receiver waiting, it gets the first of the batch. */
	out.clear();
	items = itemsOf({ { "p", 0 }, { "q", 0 } });
	{
		WakeList wake;
		REQUIRE(q->sendMany(items, kFrom, stop, wake) == 2);
		REQUIRE(q->receiveMany(2, kAll, out, wake) == 2);
	}
	BatchWaiter r(Waiter::Kind::Receive, q);
	{
		WakeList wake;
		Message m;
		unsigned p;
		REQUIRE(q->receive(16, m, p, &r, wake) == mqfs::kParked);
		q->requeueMany(out, wake);
	}
	CHECK(textOf(r.message()) == "p");
	CHECK(drain(*q) == std::vector<std::string>{ "q/0" });
}

namespace {

std::vector<std::byte> encodeAll(const std::vector<std::pair<std::string, unsigned>> &v)
{
	std::vector<std::byte> buf;
	for (auto &[s, p] : v) {
		const std::size_t at = buf.size();
		buf.resize(at + MQFS_BATCH_REC_SIZE(s.size()));
		CHECK(mqfs::encodeBatchRecord(std::span(buf).subspan(at), p, std::as_bytes(std::span(s.data(), s.size()))) ==
		      MQFS_BATCH_REC_SIZE(s.size()));
	}
	return buf;
}

} /* namespace */

TEST_CASE("batch records: round trip, 8-byte alignment, exact fill", "[batch][request]")
{
	const auto buf = encodeAll({ { "", 0 }, { "abc", 32767 }, { "12345678", 4 } });
	CHECK(buf.size() == 8 + 16 + 16);
	std::vector<BatchRecord> recs(3);
	REQUIRE(mqfs::decodeBatchRecords(buf, recs) == 0);
	CHECK(recs[0].len == 0);
	CHECK(recs[1].offset == 16);
	CHECK(recs[1].len == 3);
	CHECK(recs[1].prio == 32767);
	CHECK(recs[2].offset == 32);
	CHECK(recs[2].len == 8);
	/* too few records for the bytes, too many, truncated, bad priority */
	std::vector<BatchRecord> two(2), four(4);
	CHECK(mqfs::decodeBatchRecords(buf, two) == -EINVAL);
	CHECK(mqfs::decodeBatchRecords(buf, four) == -EINVAL);
	CHECK(mqfs::decodeBatchRecords(std::span(buf).first(buf.size() - 1), recs) == -EINVAL);
	const auto bad = encodeAll({ { "x", 32768 } });
	std::vector<BatchRecord> one(1);
	CHECK(mqfs::decodeBatchRecords(bad, one) == -EINVAL);
	/* a length near 2^32 must not wrap the size arithmetic */
	std::vector<std::byte> huge(16);
	const mqfs_batch_rec h = { 0xfffffff9u, 0 };
	std::memcpy(huge.data(), &h, sizeof(h));
	CHECK(mqfs::decodeBatchRecords(huge, one) == -EINVAL);
}

TEST_CASE("decodeSendBatch: header, count and sizes checked", "[batch][request]")
{
	auto recs = encodeAll({ { "hello", 3 }, { "w", 0 } });
	std::vector<std::byte> in(sizeof(mqfs_batch_hdr));
	mqfs_batch_hdr h = { 2, MQFS_F_NONBLOCK, 0 };
	std::memcpy(in.data(), &h, sizeof(h));
	in.insert(in.end(), recs.begin(), recs.end());
	mqfs::SendBatchRequest r;
	REQUIRE(mqfs::decodeSendBatch(MQFS_IOC_SEND_BATCH(in.size()), in, r) == 0);
	CHECK(r.nonblock);
	CHECK(!r.deadline);
	REQUIRE(r.items.size() == 2);
	CHECK(r.items[0].prio == 3);
	CHECK(r.items[1].len == 1);
	/* size in cmd differs from the bytes, wrong direction, unknown flag, count 0, count too big */
	CHECK(mqfs::decodeSendBatch(MQFS_IOC_SEND_BATCH(in.size() + 1), in, r) == -EINVAL);
	CHECK(mqfs::decodeSendBatch(_IOC(_IOC_READ | _IOC_WRITE, MQFS_IOC_TYPE, MQFS_IOC_SEND_BATCH_NR, in.size()), in,
				    r) == -EINVAL);
	for (auto [count, flags] : { std::pair{ 2u, 0x4u }, std::pair{ 0u, 0u }, std::pair{ 3u, 0u },
				     std::pair{ 0xffffffffu, 0u } }) {
		mqfs_batch_hdr b = { count, flags, 0 };
		std::memcpy(in.data(), &b, sizeof(b));
		CHECK(mqfs::decodeSendBatch(MQFS_IOC_SEND_BATCH(in.size()), in, r) == -EINVAL);
	}
	CHECK(mqfs::decodeSendBatch(MQFS_IOC_SEND_BATCH(8), std::span(in).first(8), r) == -EINVAL);
}

TEST_CASE("batch read offsets: round trip and reserved bits", "[batch][request]")
{
	mqfs::ReadCommand c;
	REQUIRE(mqfs::decodeReadOffset(mqfs::encodeBatchRecvOffset(1, false, false), c) == 0);
	CHECK(c.kind == mqfs::ReadCommand::Kind::Batch);
	CHECK(c.maxCount == 1);
	CHECK(!c.noWait);
	REQUIRE(mqfs::decodeReadOffset(mqfs::encodeBatchRecvOffset(500, true, true), c) == 0);
	CHECK(c.maxCount == 500);
	CHECK(c.noWait);
	CHECK(c.bigBuffer);
	REQUIRE(mqfs::decodeReadOffset(mqfs::encodeBatchRecvOffset(1000000, false, false), c) == 0);
	CHECK(c.maxCount == 65536);
	/* a deadline bit or anything above the count field is not a batch read */
	CHECK(mqfs::decodeReadOffset(mqfs::encodeBatchRecvOffset(1, false, false) | MQFS_RECV_DEADLINE, c) == -EINVAL);
	CHECK(mqfs::decodeReadOffset(mqfs::encodeBatchRecvOffset(1, false, false) | (1ull << 17), c) == -EINVAL);
}
