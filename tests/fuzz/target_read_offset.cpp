/* SPDX-License-Identifier: MIT */
/**
 * @file target_read_offset.cpp
 * @brief Fuzz decodeReadOffset() and its inverse encodeRecvOffset().
 *
 * Input: a mode byte, then
 *  - mode % 4 == 0 or 2: u64 offset, decoded; every accepted command offset
 *    must be exactly what the library would send for what it decoded to
 *    (no bit of it ignored);
 *  - mode % 4 == 1: encode a receive first: u8 (bit 0: a deadline, bit 1:
 *    big buffer), i64 deadline in ns since the epoch; the read at that
 *    offset must decode to the same request, the deadline rounded up to a
 *    microsecond;
 *  - mode % 4 == 3: encode a batch receive first: u8 (bit 0: no wait,
 *    bit 1: big buffer), u32 most messages.
 */
#include "fuzz.hpp"

#include <cerrno>
#include <chrono>

#include "request.hpp"

namespace {

using mqfs::ReadCommand;
using Kind = ReadCommand::Kind;
using std::chrono::nanoseconds;

constexpr std::uint64_t kPosMask = (1ull << MQFS_XFER_POS_BITS) - 1;
/* The last microsecond a Clock::time_point can hold. */
constexpr std::uint64_t kMaxUs = static_cast<std::uint64_t>(
	std::chrono::duration_cast<std::chrono::microseconds>(mqfs::Clock::duration::max()).count());

std::int64_t nsOf(const mqfs::Clock::time_point &t)
{
	return std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

void checkDecode(std::uint64_t off)
{
	ReadCommand c;
	c.token = 0xdeadbeef; /* the decoder must reset what it does not set */
	c.bigBuffer = true;
	const int rv = mqfs::decodeReadOffset(off, c);
	MQFS_FUZZ_CHECK(rv == 0 || rv == -EINVAL);

	if (!(off & MQFS_OFF_CMD)) {
		/* The status file: any offset below the command range reads it. */
		MQFS_FUZZ_CHECK(rv == 0 && c.kind == Kind::Status);
		MQFS_FUZZ_CHECK(!c.deadline && !c.bigBuffer && c.token == 0 && c.position == 0);
		return;
	}
	if (off & MQFS_OFF_XFER) {
		/* CMD | XFER | token << 24 | position: nothing else may be set. */
		const std::uint64_t known = MQFS_OFF_CMD | MQFS_OFF_XFER |
					    (MQFS_XFER_TOKEN_MASK << MQFS_XFER_POS_BITS) | kPosMask;
		MQFS_FUZZ_CHECK((rv == 0) == ((off & ~known) == 0));
		if (rv)
			return;
		MQFS_FUZZ_CHECK(c.kind == Kind::Transfer && !c.deadline && !c.bigBuffer);
		MQFS_FUZZ_CHECK(c.position <= kPosMask);
		MQFS_FUZZ_CHECK((MQFS_OFF_CMD | MQFS_OFF_XFER |
				 static_cast<std::uint64_t>(c.token) << MQFS_XFER_POS_BITS | c.position) == off);
		return;
	}
	if (off & MQFS_RECV_BATCH) {
		/* A batch: CMD | BATCH | BIGBUF | NOWAIT | max - 1, nothing else. */
		const std::uint64_t known = MQFS_OFF_CMD | MQFS_RECV_BATCH | MQFS_RECV_BIGBUF |
					    MQFS_BATCH_NOWAIT | MQFS_BATCH_MAX_MASK;
		MQFS_FUZZ_CHECK((rv == 0) == ((off & ~known) == 0));
		if (rv)
			return;
		MQFS_FUZZ_CHECK(c.kind == Kind::Batch && !c.deadline && c.token == 0 && c.position == 0);
		MQFS_FUZZ_CHECK(c.maxCount >= 1 && c.maxCount <= MQFS_BATCH_MAX_MASK + 1);
		MQFS_FUZZ_CHECK(c.maxCount - 1 == (off & MQFS_BATCH_MAX_MASK));
		MQFS_FUZZ_CHECK(c.noWait == ((off & MQFS_BATCH_NOWAIT) != 0));
		MQFS_FUZZ_CHECK(c.bigBuffer == ((off & MQFS_RECV_BIGBUF) != 0));
		MQFS_FUZZ_CHECK(mqfs::encodeBatchRecvOffset(c.maxCount, c.noWait, c.bigBuffer) == off);
		return;
	}
	/* A receive: CMD | BIGBUF | DEADLINE | microseconds, nothing else, and
	 * microseconds only with the deadline bit. */
	const std::uint64_t known = MQFS_OFF_CMD | MQFS_RECV_BIGBUF | MQFS_RECV_DEADLINE | MQFS_RECV_US_MASK;
	const bool stray = !(off & MQFS_RECV_DEADLINE) && (off & MQFS_RECV_US_MASK);
	MQFS_FUZZ_CHECK((rv == 0) == ((off & ~known) == 0 && !stray));
	if (rv)
		return;
	MQFS_FUZZ_CHECK(c.kind == Kind::Receive && c.token == 0 && c.position == 0);
	MQFS_FUZZ_CHECK(c.maxCount == 0 && !c.noWait);
	MQFS_FUZZ_CHECK(c.bigBuffer == ((off & MQFS_RECV_BIGBUF) != 0));
	if (c.deadline) {
		MQFS_FUZZ_CHECK(off & MQFS_RECV_DEADLINE);
		const std::int64_t ns = nsOf(*c.deadline);
		MQFS_FUZZ_CHECK(ns >= 0 && ns % 1000 == 0);
		MQFS_FUZZ_CHECK(static_cast<std::uint64_t>(ns / 1000) == (off & MQFS_RECV_US_MASK));
	}
	/* A deadline a time_point cannot hold (after 2262) is no deadline, as
	 * in the library; only then is the deadline bit dropped. */
	if ((off & MQFS_RECV_DEADLINE) && !c.deadline)
		MQFS_FUZZ_CHECK((off & MQFS_RECV_US_MASK) > kMaxUs);
	/* Injective: the offset is the one the library sends for this request. */
	if (c.deadline || !(off & MQFS_RECV_DEADLINE))
		MQFS_FUZZ_CHECK(mqfs::encodeRecvOffset(c.deadline, c.bigBuffer) == off);
}

void checkEncode(mqfs::fuzz::Input &in)
{
	const std::uint8_t what = in.u8();
	const std::int64_t ns = in.i64();
	const bool big = what & 2;
	mqfs::Deadline d;
	if (what & 1)
		d = mqfs::Clock::time_point(std::chrono::duration_cast<mqfs::Clock::duration>(nanoseconds(ns)));

	const std::uint64_t off = mqfs::encodeRecvOffset(d, big);
	MQFS_FUZZ_CHECK((off & MQFS_OFF_CMD) && !(off & MQFS_OFF_XFER));
	ReadCommand c;
	MQFS_FUZZ_CHECK(mqfs::decodeReadOffset(off, c) == 0);
	MQFS_FUZZ_CHECK(c.kind == Kind::Receive && c.bigBuffer == big);
	/* Dropped only past the last microsecond a time_point holds. */
	MQFS_FUZZ_CHECK(!d || c.deadline || nsOf(*d) > static_cast<std::int64_t>(kMaxUs) * 1000);
	if (d && c.deadline) {
		/* Never earlier than asked (a deadline before 1970 is simply
		 * past), and less than a microsecond later. */
		const std::int64_t want = nsOf(*d);
		const std::int64_t got = nsOf(*c.deadline);
		if (want <= 0) {
			MQFS_FUZZ_CHECK(got == 0);
		} else {
			MQFS_FUZZ_CHECK(got >= want);
			MQFS_FUZZ_CHECK(got - want < 1000);
		}
	}
	checkDecode(off);
}

void checkEncodeBatch(mqfs::fuzz::Input &in)
{
	const std::uint8_t what = in.u8();
	const unsigned max = in.u32();
	const bool noWait = what & 1;
	const bool big = what & 2;
	const std::uint64_t off = mqfs::encodeBatchRecvOffset(max, noWait, big);
	ReadCommand c;
	MQFS_FUZZ_CHECK(mqfs::decodeReadOffset(off, c) == 0);
	MQFS_FUZZ_CHECK(c.kind == Kind::Batch && c.noWait == noWait && c.bigBuffer == big);
	/* 0 asks for one message; more than the offset holds, for the most it holds. */
	const unsigned most = MQFS_BATCH_MAX_MASK + 1;
	MQFS_FUZZ_CHECK(c.maxCount == (max == 0 ? 1 : max > most ? most : max));
	checkDecode(off);
}

} /* namespace */

MQFS_FUZZ_TARGET(read_offset)
{
	mqfs::fuzz::Input in(data);
	switch (in.u8() % 4) {
	case 1:
		checkEncode(in);
		break;
	case 3:
		checkEncodeBatch(in);
		break;
	default:
		checkDecode(in.u64());
		break;
	}
}
