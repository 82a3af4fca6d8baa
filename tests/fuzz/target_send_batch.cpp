/* SPDX-License-Identifier: MIT */
/**
 * @file target_send_batch.cpp
 * @brief Fuzz decodeSendBatch(): acceptance against the protocol's rules and
 * the records it hands on.
 *
 * Input: a mode byte, then
 *  - mode % 3 == 0: u32 cmd, then the bytes the kernel copied in;
 *  - mode % 3 == 1: the bytes copied in, with the cmd a batch send of their size;
 *  - mode % 3 == 2: encode first: u32 count delta (added to the number of
 *    messages when not 0), u32 flags, i64 deadline_ns, then messages (see
 *    takeMessages() in batch.hpp), laid out as libmqfs does.
 */
#include "batch.hpp"

#include <cerrno>

namespace {

using namespace mqfs::fuzz;

unsigned batchCmd(std::size_t size)
{
	return _IOC(_IOC_WRITE, MQFS_IOC_TYPE, MQFS_IOC_SEND_BATCH_NR, size & _IOC_SIZEMASK);
}

/* mqfs_proto.h: a write-only 'Q' 0x25 ioctl copying in exactly a header and
 * count >= 1 records, with known flags. */
bool refValid(unsigned cmd, Bytes in, std::vector<RefRecord> &recs)
{
	recs.clear();
	if (((cmd >> _IOC_TYPESHIFT) & _IOC_TYPEMASK) != MQFS_IOC_TYPE ||
	    ((cmd >> _IOC_NRSHIFT) & _IOC_NRMASK) != MQFS_IOC_SEND_BATCH_NR ||
	    ((cmd >> _IOC_DIRSHIFT) & _IOC_DIRMASK) != _IOC_WRITE)
		return false;
	const std::size_t size = (cmd >> _IOC_SIZESHIFT) & _IOC_SIZEMASK;
	mqfs_batch_hdr h;
	if (size != in.size() || size < sizeof(h))
		return false;
	std::memcpy(&h, in.data(), sizeof(h));
	if (h.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE))
		return false;
	return h.count >= 1 && refWalk(in.subspan(sizeof(h)), h.count, recs);
}

void checkDecode(unsigned cmd, Bytes in)
{
	const auto bytes = std::as_bytes(in);
	mqfs::SendBatchRequest out{};
	/* Left over from an earlier request: must not survive a decode. */
	out.items.assign(3, mqfs::BatchRecord{ 1, 2, 3 });
	const int rv = mqfs::decodeSendBatch(cmd, bytes, out);
	std::vector<RefRecord> want;
	const bool valid = refValid(cmd, in, want);
	/* -ENOMEM only for a count the input could hold, which stays small here */
	MQFS_FUZZ_CHECK(rv == 0 || rv == -EINVAL);
	MQFS_FUZZ_CHECK((rv == 0) == valid);
	if (rv)
		return;

	mqfs_batch_hdr h;
	std::memcpy(&h, in.data(), sizeof(h));
	MQFS_FUZZ_CHECK(out.nonblock == ((h.flags & MQFS_F_NONBLOCK) != 0));
	MQFS_FUZZ_CHECK(out.deadline == mqfs::wireDeadline(h.flags, h.deadline_ns));
	/* The records are the rest of what was copied in, not a byte beyond. */
	MQFS_FUZZ_CHECK(out.records.data() == bytes.data() + sizeof(h));
	MQFS_FUZZ_CHECK(out.records.size() == bytes.size() - sizeof(h));
	MQFS_FUZZ_CHECK(out.items.size() == h.count);
	checkRecords(in.subspan(sizeof(h)), out.items, want);
}

void checkEncode(Input &in)
{
	const std::uint32_t delta = in.u32();
	mqfs_batch_hdr h{};
	h.flags = in.u32();
	h.deadline_ns = in.i64();
	const std::vector<BatchMsg> msgs = takeMessages(in, 2048);
	h.count = static_cast<std::uint32_t>(msgs.size()) + delta;
	const std::vector<std::uint8_t> recs = encodeRecords(msgs);
	std::vector<std::uint8_t> buf(sizeof(h) + recs.size());
	std::memcpy(buf.data(), &h, sizeof(h));
	if (!recs.empty())
		std::memcpy(buf.data() + sizeof(h), recs.data(), recs.size());
	if (buf.size() > MQFS_IOC_MAX_SIZE)
		return; /* the library splits such a batch */

	mqfs::SendBatchRequest out{};
	const int rv = mqfs::decodeSendBatch(MQFS_IOC_SEND_BATCH(buf.size()), std::as_bytes(std::span(buf)), out);
	bool valid = delta == 0 && !msgs.empty() && (h.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE)) == 0;
	for (const BatchMsg &m : msgs)
		valid = valid && m.prio < mqfs::kMqPrioMax;
	MQFS_FUZZ_CHECK(rv == (valid ? 0 : -EINVAL));
	if (rv == 0) {
		MQFS_FUZZ_CHECK(out.items.size() == msgs.size());
		for (std::size_t k = 0; k < msgs.size(); k++) {
			const auto &r = out.items[k];
			MQFS_FUZZ_CHECK(r.prio == msgs[k].prio && r.len == msgs[k].payload.size());
			MQFS_FUZZ_CHECK(r.len == 0 ||
					std::memcmp(out.records.data() + r.offset, msgs[k].payload.data(), r.len) == 0);
		}
	}
	checkDecode(MQFS_IOC_SEND_BATCH(buf.size()), buf);
}

} /* namespace */

MQFS_FUZZ_TARGET(send_batch)
{
	Input in(data);
	switch (in.u8() % 3) {
	case 0: {
		const unsigned cmd = in.u32();
		checkDecode(cmd, in.rest());
		break;
	}
	case 1: {
		const Bytes rest = in.rest();
		checkDecode(batchCmd(rest.size()), rest);
		break;
	}
	default:
		checkEncode(in);
		break;
	}
}
