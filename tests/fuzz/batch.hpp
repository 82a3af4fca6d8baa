/* SPDX-License-Identifier: MIT */
/**
 * @file batch.hpp
 * @brief What the batch targets share: a reference walk over batch records
 * and a builder of well-formed record areas.
 */
#pragma once

#include <cstring>
#include <vector>

#include "fuzz.hpp"
#include "request.hpp"

namespace mqfs::fuzz {

/** \brief One record as the protocol describes it, found by the reference walk. */
struct RefRecord {
	std::uint32_t prio;
	std::size_t offset; /* of the payload, from the start of the records */
	std::uint32_t len;
};

/**
 * \brief mqfs_proto.h: \a count records (header, payload, padding to 8)
 * filling \a in exactly, each prio below MQ_PRIO_MAX. \return false if not.
 */
inline bool refWalk(std::span<const std::uint8_t> in, std::size_t count, std::vector<RefRecord> &out)
{
	out.clear();
	std::size_t pos = 0;
	for (std::size_t k = 0; k < count; k++) {
		mqfs_batch_rec h;
		if (in.size() - pos < sizeof(h))
			return false;
		std::memcpy(&h, in.data() + pos, sizeof(h));
		/* header + payload rounded up to 8, computed without overflow */
		const std::uint64_t size = (8 + static_cast<std::uint64_t>(h.len) + 7) / 8 * 8;
		if (size > in.size() - pos || h.prio >= 32768)
			return false;
		out.push_back(RefRecord{ h.prio, pos + 8, h.len });
		pos += size;
	}
	return pos == in.size();
}

/** \brief Messages taken from the fuzzer's input, to be encoded as records. */
struct BatchMsg {
	unsigned prio;
	Bytes payload;
};

/** \brief u16 length (% 600), u16 prio (bit 15 set: prio 32768 + more), payload; until the input ends. */
inline std::vector<BatchMsg> takeMessages(Input &in, std::size_t most)
{
	std::vector<BatchMsg> msgs;
	while (in.left() > 0 && msgs.size() < most) {
		const std::size_t len = in.u16() % 600;
		const unsigned prio = in.u16();
		msgs.push_back(BatchMsg{ prio, in.bytes(len) });
	}
	return msgs;
}

/** \brief The records of \a msgs, laid out with encodeBatchRecord(). */
inline std::vector<std::uint8_t> encodeRecords(const std::vector<BatchMsg> &msgs)
{
	std::size_t total = 0;
	for (const BatchMsg &m : msgs)
		total += MQFS_BATCH_REC_SIZE(m.payload.size());
	/* Poisoned, so that padding encodeBatchRecord() forgets shows. */
	std::vector<std::uint8_t> buf(total, 0xa5);
	std::size_t pos = 0;
	for (const BatchMsg &m : msgs) {
		const auto out = std::as_writable_bytes(std::span(buf)).subspan(pos);
		const std::size_t n = encodeBatchRecord(out, m.prio, std::as_bytes(m.payload));
		MQFS_FUZZ_CHECK(n == MQFS_BATCH_REC_SIZE(m.payload.size()) && n % 8 == 0);
		MQFS_FUZZ_CHECK(n <= out.size());
		/* the padding is zero */
		for (std::size_t i = pos + 8 + m.payload.size(); i < pos + n; i++)
			MQFS_FUZZ_CHECK(buf[i] == 0);
		pos += n;
	}
	MQFS_FUZZ_CHECK(pos == total);
	return buf;
}

/**
 * \brief Records decoded by the core agree with the reference walk: same
 * prio, offset and length, every payload inside \a in.
 */
inline void checkRecords(std::span<const std::uint8_t> in, std::span<const BatchRecord> got,
			 const std::vector<RefRecord> &want)
{
	MQFS_FUZZ_CHECK(got.size() == want.size());
	for (std::size_t k = 0; k < got.size(); k++) {
		MQFS_FUZZ_CHECK(got[k].prio == want[k].prio && got[k].prio < mqfs::kMqPrioMax);
		MQFS_FUZZ_CHECK(got[k].offset == want[k].offset && got[k].len == want[k].len);
		MQFS_FUZZ_CHECK(got[k].offset % 8 == 0);
		MQFS_FUZZ_CHECK(got[k].offset <= in.size() && got[k].len <= in.size() - got[k].offset);
	}
}

} /* namespace mqfs::fuzz */
