/* SPDX-License-Identifier: MIT */
/**
 * @file request.hpp
 * @brief Pure decoders of what clients send: create names, control structs.
 *
 * Everything a client controls is decoded here, by functions without side
 * effects, so that they can be fuzzed and unit-tested without a mount.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/mqfs_proto.h"
#include "limits.hpp"
#include "queue.hpp"

namespace mqfs {

/** \brief The 256-byte tag that starts every create name. */
std::string_view createTag();

/** \brief The descriptor of a create name's open has neither read nor write
 * access (mq_open() with O_WRONLY|O_RDWR: the kernel creates the queue and
 * gives an fd that can do neither; FUSE shows us O_RDWR). */
inline constexpr unsigned kCreateNoAccess = 0x1;

/** \brief Build the create name for queue \a name (the library's side). */
std::string encodeCreateName(std::string_view name, const std::optional<QueueAttr> &attr,
			     unsigned flags);

struct CreateName {
	std::optional<QueueAttr> attr; /* nullopt: the defaults */
	unsigned flags;                /* kCreate* */
	std::string_view name;
};

/**
 * \brief Decode a create name: "TAG<maxmsg>,<msgsize>,<flags>,<name>", where
 * maxmsg and msgsize are both "-" for the default attributes.
 *
 * \return nullopt when \a s is not a create name at all (a plain name);
 *         otherwise the attributes and the queue name, or error < 0 when it
 *         starts with the tag but is malformed (-EINVAL).
 */
struct CreateNameParse {
	int error = 0;
	CreateName value{};
};
std::optional<CreateNameParse> decodeCreateName(std::string_view s);

/** \brief A send request (MQFS_IOC_SEND), checked. */
struct SendRequest {
	unsigned prio;
	bool nonblock;
	Deadline deadline;
	std::span<const std::byte> payload;
};

/**
 * \brief Decode an MQFS_IOC_SEND ioctl: \a cmd and the bytes the kernel copied in.
 * \return 0 or -EINVAL (short, inconsistent sizes, unknown flags, prio >= MQ_PRIO_MAX)
 */
int decodeSend(unsigned cmd, std::span<const std::byte> in, SendRequest &out);

/** \brief One record of a batch, located inside the bytes it was decoded from. */
struct BatchRecord {
	unsigned prio;
	std::uint32_t offset; /* of the payload */
	std::uint32_t len;
};

/**
 * \brief Decode \a out.size() records that must fill \a in exactly
 *        (struct mqfs_batch_rec, payload, padding to 8 bytes each).
 * \return 0 or -EINVAL (truncated, trailing bytes, prio >= MQ_PRIO_MAX)
 */
int decodeBatchRecords(std::span<const std::byte> in, std::span<BatchRecord> out);

/**
 * \brief Write one record at the start of \a out, which holds at least
 *        MQFS_BATCH_REC_SIZE(payload.size()) bytes (padding zeroed).
 * \return the bytes written
 */
std::size_t encodeBatchRecord(std::span<std::byte> out, unsigned prio,
			      std::span<const std::byte> payload);

/** \brief A batch send request (MQFS_IOC_SEND_BATCH), checked. */
struct SendBatchRequest {
	bool nonblock;
	Deadline deadline;
	std::span<const std::byte> records; /* the record bytes; offsets are relative to them */
	std::vector<BatchRecord> items;
};

/**
 * \brief Decode an MQFS_IOC_SEND_BATCH ioctl.
 * \return 0 or -EINVAL (sizes, count 0 or not matching, flags, prio), -ENOMEM
 */
int decodeSendBatch(unsigned cmd, std::span<const std::byte> in, SendBatchRequest &out);

/** \brief What a read at a command offset asks for. */
struct ReadCommand {
	enum class Kind { Status, Receive, Transfer, Batch } kind = Kind::Status;
	Deadline deadline;           /* Receive */
	bool bigBuffer = false;      /* Receive, Batch: the caller's buffer is larger than this read */
	unsigned maxCount = 0;       /* Batch: at most this many messages */
	bool noWait = false;         /* Batch: never wait */
	std::uint32_t token = 0;     /* Transfer */
	std::uint64_t position = 0;  /* Transfer */
};
/** \return 0 or -EINVAL for offsets in the command range that mean nothing. */
int decodeReadOffset(std::uint64_t off, ReadCommand &out);

/** \brief The offset the library reads at to receive (deadline rounded up to a microsecond). */
std::uint64_t encodeRecvOffset(const Deadline &deadline, bool bigBuffer);

/** \brief The offset the library reads at to receive a batch of at most \a max (1..65536) messages. */
std::uint64_t encodeBatchRecvOffset(unsigned max, bool noWait, bool bigBuffer);

/** \brief Convert a wire deadline (flags + ns) to a Deadline. */
Deadline wireDeadline(std::uint32_t flags, std::int64_t ns);

} /* namespace mqfs */
