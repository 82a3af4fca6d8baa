/* SPDX-License-Identifier: MIT */
/*
 * Decoders of client requests (request.hpp): cases the fuzz targets in
 * tests/fuzz found, kept here with the reason they matter.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>

#include "request.hpp"

using mqfs::Clock;
using mqfs::ReadCommand;

namespace {

std::int64_t nsOf(const Clock::time_point &t)
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/* The last microsecond a time_point holds (in 2262). */
constexpr std::uint64_t kMaxUs = INT64_MAX / 1000;

} /* namespace */

TEST_CASE("decodeReadOffset: a receive deadline past 2262 is no deadline, not an overflow", "[request]")
{
	ReadCommand c;
	/* The largest deadline the offset can carry: microseconds * 1000
	 * overflowed the nanosecond count (undefined behaviour). */
	REQUIRE(mqfs::decodeReadOffset(MQFS_OFF_RECV | MQFS_RECV_DEADLINE | MQFS_RECV_US_MASK, c) == 0);
	CHECK(c.kind == ReadCommand::Kind::Receive);
	CHECK_FALSE(c.deadline);

	REQUIRE(mqfs::decodeReadOffset(MQFS_OFF_RECV | MQFS_RECV_DEADLINE | (kMaxUs + 1), c) == 0);
	CHECK_FALSE(c.deadline);

	REQUIRE(mqfs::decodeReadOffset(MQFS_OFF_RECV | MQFS_RECV_DEADLINE | kMaxUs, c) == 0);
	REQUIRE(c.deadline);
	CHECK(nsOf(*c.deadline) == static_cast<std::int64_t>(kMaxUs) * 1000);
}

TEST_CASE("decodeReadOffset: a receive offset with a bit that means nothing is EINVAL", "[request]")
{
	ReadCommand c;
	/* Bit 63 was ignored, so two offsets decoded to the same receive. */
	CHECK(mqfs::decodeReadOffset(MQFS_OFF_RECV | (1ull << 63), c) == -EINVAL);
	CHECK(mqfs::decodeReadOffset(MQFS_OFF_RECV | MQFS_RECV_DEADLINE | 5 | (1ull << 63), c) == -EINVAL);
	CHECK(mqfs::decodeReadOffset(MQFS_OFF_RECV | MQFS_RECV_BIGBUF, c) == 0);
	CHECK(c.bigBuffer);
}

TEST_CASE("encodeRecvOffset: rounds up to a microsecond, even the latest time_point", "[request]")
{
	using std::chrono::nanoseconds;
	const auto at = [](std::int64_t ns) {
		return mqfs::Deadline(Clock::time_point(std::chrono::duration_cast<Clock::duration>(nanoseconds(ns))));
	};
	const std::uint64_t base = MQFS_OFF_RECV | MQFS_RECV_DEADLINE;
	CHECK(mqfs::encodeRecvOffset(std::nullopt, false) == MQFS_OFF_RECV);
	CHECK(mqfs::encodeRecvOffset(at(-5), false) == base);
	CHECK(mqfs::encodeRecvOffset(at(1), false) == (base | 1));
	CHECK(mqfs::encodeRecvOffset(at(1000), false) == (base | 1));
	CHECK(mqfs::encodeRecvOffset(at(1001), true) == (base | MQFS_RECV_BIGBUF | 2));
	/* ns + 999 overflowed here (undefined behaviour). */
	CHECK(mqfs::encodeRecvOffset(Clock::time_point::max(), false) == (base | (kMaxUs + 1)));

	ReadCommand c;
	REQUIRE(mqfs::decodeReadOffset(mqfs::encodeRecvOffset(at(1001), false), c) == 0);
	REQUIRE(c.deadline);
	CHECK(nsOf(*c.deadline) == 2000);
}
