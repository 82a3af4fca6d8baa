/* SPDX-License-Identifier: MIT */
/**
 * @file target_batch_records.cpp
 * @brief Fuzz decodeBatchRecords() against a reference walk, and its round
 * trip with encodeBatchRecord().
 *
 * Input: a mode byte, then
 *  - even mode: u16 count (% 4096), then the record bytes;
 *  - odd mode: messages (see takeMessages() in batch.hpp), encoded with
 *    encodeBatchRecord() and decoded again.
 */
#include "batch.hpp"

#include <cerrno>

namespace {

using namespace mqfs::fuzz;

void checkDecode(std::span<const std::uint8_t> in, std::size_t count)
{
	std::vector<mqfs::BatchRecord> got(count);
	std::vector<RefRecord> want;
	const int rv = mqfs::decodeBatchRecords(std::as_bytes(in), got);
	MQFS_FUZZ_CHECK(rv == 0 || rv == -EINVAL);
	MQFS_FUZZ_CHECK((rv == 0) == refWalk(in, count, want));
	if (rv)
		return;
	checkRecords(in, got, want);

	/* Encoding what was decoded gives the input back, but for padding,
	 * which is zero when encoded and anything in what was decoded. */
	std::vector<BatchMsg> msgs;
	for (const auto &r : got)
		msgs.push_back(BatchMsg{ r.prio, in.subspan(r.offset, r.len) });
	const std::vector<std::uint8_t> again = encodeRecords(msgs);
	MQFS_FUZZ_CHECK(again.size() == in.size());
	for (const auto &r : got)
		MQFS_FUZZ_CHECK(std::memcmp(again.data() + r.offset - 8, in.data() + r.offset - 8, 8 + r.len) == 0);
}

} /* namespace */

MQFS_FUZZ_TARGET(batch_records)
{
	Input in(data);
	if (in.u8() % 2 == 0) {
		const std::size_t count = in.u16() % 4096;
		checkDecode(in.rest(), count);
		return;
	}
	const std::vector<BatchMsg> msgs = takeMessages(in, 4096);
	const std::vector<std::uint8_t> buf = encodeRecords(msgs);
	std::vector<mqfs::BatchRecord> got(msgs.size());
	const int rv = mqfs::decodeBatchRecords(std::as_bytes(std::span(buf)), got);
	bool valid = true;
	for (const BatchMsg &m : msgs)
		valid = valid && m.prio < mqfs::kMqPrioMax;
	MQFS_FUZZ_CHECK(rv == (valid ? 0 : -EINVAL));
	if (rv)
		return;
	for (std::size_t k = 0; k < msgs.size(); k++) {
		MQFS_FUZZ_CHECK(got[k].prio == msgs[k].prio && got[k].len == msgs[k].payload.size());
		MQFS_FUZZ_CHECK(msgs[k].payload.empty() ||
				std::memcmp(buf.data() + got[k].offset, msgs[k].payload.data(), got[k].len) == 0);
	}
	checkDecode(buf, msgs.size());
}
