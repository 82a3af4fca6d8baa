/* SPDX-License-Identifier: MIT */
#include "request.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <new>

namespace mqfs {

std::string_view createTag()
{
	static const std::string tag = [] {
		std::string t = MQFS_CREATE_TAG_HEAD;
		t.resize(MQFS_CREATE_TAG_LEN, '.');
		return t;
	}();
	return tag;
}

std::string encodeCreateName(std::string_view name, const std::optional<QueueAttr> &attr,
			     unsigned flags)
{
	std::string s(createTag());
	s += attr ? std::to_string(attr->maxmsg) : "-";
	s += ',';
	s += attr ? std::to_string(attr->msgsize) : "-";
	s += ',';
	s += std::to_string(flags);
	s += ',';
	s += name;
	return s;
}

namespace {

bool takeLong(std::string_view &s, long &out)
{
	const auto comma = s.find(',');
	if (comma == std::string_view::npos || comma == 0)
		return false;
	const char *first = s.data();
	const char *last = s.data() + comma;
	auto [ptr, ec] = std::from_chars(first, last, out);
	if (ec != std::errc() || ptr != last)
		return false;
	s.remove_prefix(comma + 1);
	return true;
}

} /* namespace */

std::optional<CreateNameParse> decodeCreateName(std::string_view s)
{
	const std::string_view tag = createTag();
	if (s.size() < tag.size() || s.substr(0, tag.size()) != tag)
		return std::nullopt;
	s.remove_prefix(tag.size());

	CreateNameParse r;
	long maxmsg, msgsize, flags;
	if (s.substr(0, 4) == "-,-,") {
		s.remove_prefix(4);
	} else if (takeLong(s, maxmsg) && takeLong(s, msgsize)) {
		r.value.attr = QueueAttr{ maxmsg, msgsize };
	} else {
		r.error = -EINVAL;
		return r;
	}
	if (!takeLong(s, flags) || flags < 0 || (flags & ~static_cast<long>(kCreateNoAccess))) {
		r.error = -EINVAL;
		return r;
	}
	r.value.flags = static_cast<unsigned>(flags);
	r.value.name = s;
	return r;
}

Deadline wireDeadline(std::uint32_t flags, std::int64_t ns)
{
	if (!(flags & MQFS_F_DEADLINE))
		return std::nullopt;
	return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

int decodeSend(unsigned cmd, std::span<const std::byte> in, SendRequest &out)
{
	if (_IOC_TYPE(cmd) != MQFS_IOC_TYPE || _IOC_NR(cmd) != MQFS_IOC_SEND_NR ||
	    _IOC_DIR(cmd) != _IOC_WRITE)
		return -EINVAL;
	const std::size_t size = _IOC_SIZE(cmd);
	if (size < MQFS_HDR_SIZE || in.size() != size)
		return -EINVAL;
	mqfs_send_hdr h;
	std::memcpy(&h, in.data(), sizeof(h));
	if (h.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE))
		return -EINVAL;
	/* mq_send(3): "msg_prio >= MQ_PRIO_MAX" -> EINVAL */
	if (h.prio >= kMqPrioMax)
		return -EINVAL;
	out.prio = h.prio;
	out.nonblock = h.flags & MQFS_F_NONBLOCK;
	out.deadline = wireDeadline(h.flags, h.deadline_ns);
	out.payload = in.subspan(MQFS_HDR_SIZE);
	return 0;
}

int decodeBatchRecords(std::span<const std::byte> in, std::span<BatchRecord> out)
{
	std::size_t pos = 0;
	for (BatchRecord &r : out) {
		mqfs_batch_rec h;
		if (in.size() - pos < sizeof(h))
			return -EINVAL;
		std::memcpy(&h, in.data() + pos, sizeof(h));
		const std::uint64_t size = MQFS_BATCH_REC_SIZE(h.len);
		if (size > in.size() - pos || h.prio >= kMqPrioMax)
			return -EINVAL;
		r = { h.prio, static_cast<std::uint32_t>(pos + sizeof(h)), h.len };
		pos += size;
	}
	return pos == in.size() ? 0 : -EINVAL;
}

std::size_t encodeBatchRecord(std::span<std::byte> out, unsigned prio,
			      std::span<const std::byte> payload)
{
	const mqfs_batch_rec h = { static_cast<std::uint32_t>(payload.size()), prio };
	const std::size_t size = MQFS_BATCH_REC_SIZE(payload.size());
	std::memcpy(out.data(), &h, sizeof(h));
	if (!payload.empty())
		std::memcpy(out.data() + sizeof(h), payload.data(), payload.size());
	const std::size_t used = sizeof(h) + payload.size();
	std::memset(out.data() + used, 0, size - used);
	return size;
}

int decodeSendBatch(unsigned cmd, std::span<const std::byte> in, SendBatchRequest &out)
{
	if (_IOC_TYPE(cmd) != MQFS_IOC_TYPE || _IOC_NR(cmd) != MQFS_IOC_SEND_BATCH_NR ||
	    _IOC_DIR(cmd) != _IOC_WRITE)
		return -EINVAL;
	mqfs_batch_hdr h;
	if (in.size() != _IOC_SIZE(cmd) || in.size() < sizeof(h))
		return -EINVAL;
	std::memcpy(&h, in.data(), sizeof(h));
	if (h.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE))
		return -EINVAL;
	out.records = in.subspan(sizeof(h));
	/* Every record takes at least 8 bytes: this bounds the allocation. */
	if (h.count == 0 || h.count > out.records.size() / sizeof(mqfs_batch_rec))
		return -EINVAL;
	try {
		out.items.resize(h.count);
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
	if (int rv = decodeBatchRecords(out.records, out.items); rv < 0)
		return rv;
	out.nonblock = h.flags & MQFS_F_NONBLOCK;
	out.deadline = wireDeadline(h.flags, h.deadline_ns);
	return 0;
}

int decodeReadOffset(std::uint64_t off, ReadCommand &out)
{
	out = ReadCommand{};
	if (!(off & MQFS_OFF_CMD))
		return 0;
	if (off & MQFS_OFF_XFER) {
		out.kind = ReadCommand::Kind::Transfer;
		out.position = off & ((1ull << MQFS_XFER_POS_BITS) - 1);
		const std::uint64_t rest = (off & ~(MQFS_OFF_CMD | MQFS_OFF_XFER)) >> MQFS_XFER_POS_BITS;
		if (rest > MQFS_XFER_TOKEN_MASK)
			return -EINVAL;
		out.token = static_cast<std::uint32_t>(rest);
		return 0;
	}
	out.bigBuffer = off & MQFS_RECV_BIGBUF;
	if (off & MQFS_RECV_BATCH) {
		out.kind = ReadCommand::Kind::Batch;
		const std::uint64_t rest = off & ~(MQFS_OFF_CMD | MQFS_RECV_BATCH | MQFS_RECV_BIGBUF);
		if (rest & ~(MQFS_BATCH_NOWAIT | MQFS_BATCH_MAX_MASK))
			return -EINVAL;
		out.noWait = rest & MQFS_BATCH_NOWAIT;
		out.maxCount = static_cast<unsigned>(rest & MQFS_BATCH_MAX_MASK) + 1;
		return 0;
	}
	out.kind = ReadCommand::Kind::Receive;
	if (off & ~(MQFS_OFF_CMD | MQFS_RECV_BIGBUF | MQFS_RECV_DEADLINE | MQFS_RECV_US_MASK))
		return -EINVAL;
	if (off & MQFS_RECV_DEADLINE) {
		using namespace std::chrono;
		const microseconds us(off & MQFS_RECV_US_MASK);
		/* Beyond what a time_point holds (year 2262) is as good as never,
		 * as in the library; converting it would overflow. */
		if (us <= duration_cast<microseconds>(Clock::duration::max()))
			out.deadline = Clock::time_point(duration_cast<Clock::duration>(us));
	} else if (off & MQFS_RECV_US_MASK) {
		return -EINVAL;
	}
	return 0;
}

std::uint64_t encodeRecvOffset(const Deadline &deadline, bool bigBuffer)
{
	std::uint64_t off = MQFS_OFF_RECV;
	if (bigBuffer)
		off |= MQFS_RECV_BIGBUF;
	if (deadline) {
		using namespace std::chrono;
		const auto ns = duration_cast<nanoseconds>(deadline->time_since_epoch()).count();
		/* Round up, so that a call never times out before its deadline; a
		 * deadline before 1970 is simply in the past. */
		std::uint64_t us = ns <= 0 ? 0 : static_cast<std::uint64_t>(ns / 1000 + (ns % 1000 != 0));
		if (us > MQFS_RECV_US_MASK)
			return off; /* beyond the year 11000: no deadline at all */
		off |= MQFS_RECV_DEADLINE | us;
	}
	return off;
}

std::uint64_t encodeBatchRecvOffset(unsigned max, bool noWait, bool bigBuffer)
{
	std::uint64_t off = MQFS_OFF_RECV | MQFS_RECV_BATCH;
	if (bigBuffer)
		off |= MQFS_RECV_BIGBUF;
	if (noWait)
		off |= MQFS_BATCH_NOWAIT;
	const std::uint64_t n = max == 0 ? 1 : std::min<std::uint64_t>(max, MQFS_BATCH_MAX_MASK + 1);
	return off | (n - 1);
}

} /* namespace mqfs */
