/* SPDX-License-Identifier: MIT */
/**
 * @file target_send.cpp
 * @brief Fuzz decodeSend(): acceptance against the protocol's rules, and
 * what it hands on (payload inside the input, prio < MQ_PRIO_MAX, sizes).
 *
 * Input: a mode byte, then
 *  - mode % 3 == 0: u32 cmd, then the bytes the kernel copied in;
 *  - mode % 3 == 1: the bytes copied in, with the cmd a send of their size;
 *  - mode % 3 == 2: encode first: u32 prio, u32 flags, i64 deadline_ns, then
 *    the payload, laid out as libmqfs does.
 */
#include "fuzz.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include "request.hpp"

namespace {

using mqfs::fuzz::Bytes;

unsigned sendCmd(std::size_t size)
{
	return _IOC(_IOC_WRITE, MQFS_IOC_TYPE, MQFS_IOC_SEND_NR, size & _IOC_SIZEMASK);
}

/* mqfs_proto.h: a write-only 'Q' 0x20 ioctl whose size is what was copied
 * in, a 16-byte header and a payload; flags known; prio < MQ_PRIO_MAX. */
bool refValid(unsigned cmd, Bytes in)
{
	if (((cmd >> _IOC_TYPESHIFT) & _IOC_TYPEMASK) != MQFS_IOC_TYPE ||
	    ((cmd >> _IOC_NRSHIFT) & _IOC_NRMASK) != MQFS_IOC_SEND_NR ||
	    ((cmd >> _IOC_DIRSHIFT) & _IOC_DIRMASK) != _IOC_WRITE)
		return false;
	const std::size_t size = (cmd >> _IOC_SIZESHIFT) & _IOC_SIZEMASK;
	if (size != in.size() || size < sizeof(mqfs_send_hdr))
		return false;
	mqfs_send_hdr h;
	std::memcpy(&h, in.data(), sizeof(h));
	return (h.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE)) == 0 && h.prio < 32768;
}

void checkDecode(unsigned cmd, Bytes in)
{
	const auto bytes = std::as_bytes(in);
	mqfs::SendRequest out{};
	const int rv = mqfs::decodeSend(cmd, bytes, out);
	MQFS_FUZZ_CHECK(rv == 0 || rv == -EINVAL);
	MQFS_FUZZ_CHECK((rv == 0) == refValid(cmd, in));
	if (rv)
		return;

	mqfs_send_hdr h;
	std::memcpy(&h, in.data(), sizeof(h));
	MQFS_FUZZ_CHECK(out.prio == h.prio && out.prio < mqfs::kMqPrioMax);
	MQFS_FUZZ_CHECK(out.nonblock == ((h.flags & MQFS_F_NONBLOCK) != 0));
	MQFS_FUZZ_CHECK(out.deadline.has_value() == ((h.flags & MQFS_F_DEADLINE) != 0));
	MQFS_FUZZ_CHECK(out.deadline == mqfs::wireDeadline(h.flags, h.deadline_ns));
	/* The payload is the rest of what was copied in, not a byte beyond. */
	MQFS_FUZZ_CHECK(out.payload.data() == bytes.data() + MQFS_HDR_SIZE);
	MQFS_FUZZ_CHECK(out.payload.size() == bytes.size() - MQFS_HDR_SIZE);
	MQFS_FUZZ_CHECK(out.payload.size() <= MQFS_SEND_INLINE);
}

void checkEncode(mqfs::fuzz::Input &in)
{
	mqfs_send_hdr h{};
	h.prio = in.u32();
	h.flags = in.u32();
	h.deadline_ns = in.i64();
	const Bytes payload = in.rest();
	if (payload.size() > MQFS_SEND_INLINE)
		return;
	std::vector<std::uint8_t> buf(sizeof(h) + payload.size());
	std::memcpy(buf.data(), &h, sizeof(h));
	if (!payload.empty())
		std::memcpy(buf.data() + sizeof(h), payload.data(), payload.size());
	const unsigned cmd = MQFS_IOC_SEND(payload.size());
	mqfs::SendRequest out{};
	const int rv = mqfs::decodeSend(cmd, std::as_bytes(std::span(buf)), out);
	const bool valid = h.prio < mqfs::kMqPrioMax && (h.flags & ~(MQFS_F_NONBLOCK | MQFS_F_DEADLINE)) == 0;
	MQFS_FUZZ_CHECK(rv == (valid ? 0 : -EINVAL));
	if (rv)
		return;
	MQFS_FUZZ_CHECK(out.payload.size() == payload.size());
	MQFS_FUZZ_CHECK(payload.empty() || std::memcmp(out.payload.data(), payload.data(), payload.size()) == 0);
	checkDecode(cmd, buf);
}

} /* namespace */

MQFS_FUZZ_TARGET(send)
{
	mqfs::fuzz::Input in(data);
	switch (in.u8() % 3) {
	case 0: {
		const unsigned cmd = in.u32();
		checkDecode(cmd, in.rest());
		break;
	}
	case 1: {
		const Bytes rest = in.rest();
		checkDecode(sendCmd(rest.size()), rest);
		break;
	}
	default:
		checkEncode(in);
		break;
	}
}
