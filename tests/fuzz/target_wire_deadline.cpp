/* SPDX-License-Identifier: MIT */
/**
 * @file target_wire_deadline.cpp
 * @brief Fuzz wireDeadline(): the deadline of send and staged calls.
 *
 * Input: u32 flags, i64 deadline_ns (as in struct mqfs_send_hdr / mqfs_xfer).
 */
#include "fuzz.hpp"

#include <chrono>
#include <type_traits>

#include "request.hpp"

MQFS_FUZZ_TARGET(wire_deadline)
{
	using namespace std::chrono;
	mqfs::fuzz::Input in(data);
	const std::uint32_t flags = in.u32();
	const std::int64_t ns = in.i64();

	const mqfs::Deadline d = mqfs::wireDeadline(flags, ns);
	MQFS_FUZZ_CHECK(d.has_value() == ((flags & MQFS_F_DEADLINE) != 0));
	/* Only the deadline flag matters, and without it the time does not. */
	MQFS_FUZZ_CHECK(mqfs::wireDeadline(flags & MQFS_F_DEADLINE, ns) == d);
	MQFS_FUZZ_CHECK(mqfs::wireDeadline(flags | ~MQFS_F_DEADLINE, ns) == d);
	if (!d) {
		MQFS_FUZZ_CHECK(mqfs::wireDeadline(flags, ~ns) == d);
		return;
	}
	/* Every int64 of nanoseconds is a time_point: the exact instant, or
	 * the tick it falls in when the clock is coarser. */
	const auto since = d->time_since_epoch();
	if constexpr (std::is_same_v<mqfs::Clock::duration, nanoseconds>) {
		MQFS_FUZZ_CHECK(since.count() == ns);
	} else {
		const auto back = duration_cast<nanoseconds>(since).count();
		const auto tick = duration_cast<nanoseconds>(mqfs::Clock::duration(1)).count();
		MQFS_FUZZ_CHECK(back - ns < tick && ns - back < tick);
	}
	/* Ordered as the nanoseconds are. */
	if (ns != INT64_MAX)
		MQFS_FUZZ_CHECK(*d <= *mqfs::wireDeadline(MQFS_F_DEADLINE, ns + 1));
}
