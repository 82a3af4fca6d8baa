/* SPDX-License-Identifier: MIT */
/**
 * @file limits.hpp
 * @brief The five /proc/sys/fs/mqueue tunables and the kernel's hard limits.
 *
 * THREAD SAFETY: LimitSet values are atomics. A reader may see a limit change
 * between two reads, as it may on the kernel; create() reads each value once.
 */
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqfs {

/* include/linux/ipc_namespace.h */
inline constexpr long kHardMsgMax = 65536;
inline constexpr long kHardMsgsizeMax = 16 * 1024 * 1024;
inline constexpr long kMinMsgMax = 1;
inline constexpr long kMinMsgsizeMax = 128;
inline constexpr long kDflMsgMax = 10;
inline constexpr long kDflMsgsizeMax = 8192;
inline constexpr long kDflQueuesMax = 256;
/* include/uapi/linux/mqueue.h */
inline constexpr unsigned kMqPrioMax = 32768;
/* sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node) on x86_64 */
inline constexpr std::uint64_t kMsgMsgSize = 48;
inline constexpr std::uint64_t kTreeNodeSize = 48;

enum class LimitKey : unsigned {
	MsgMax,
	MsgsizeMax,
	QueuesMax,
	MsgDefault,
	MsgsizeDefault,
};
inline constexpr unsigned kLimitCount = 5;

struct LimitInfo {
	LimitKey key;
	const char *name; /* file name under /proc/sys/fs/mqueue */
	long min;
	long max;
	long dflt;
};

/** \brief The table of tunables, in the kernel's directory order. */
const std::array<LimitInfo, kLimitCount> &limitTable();
const LimitInfo &limitInfo(LimitKey key);
std::optional<LimitKey> limitByName(std::string_view name);

/** \brief proc_sys_call_handler() refuses reads and writes of 4 MiB or more. */
inline constexpr std::size_t kSysctlMaxIo = 4194304;

/**
 * \brief Parse one write at position 0 to a sysctl file, as the kernel does.
 *
 * Mirrors __do_proc_dointvec() + proc_get_long() for a one-int table, as
 * measured on Linux 6.18: leading white space, an optional '-', a base-0
 * number (0x hex, 0 octal) in a 21-byte window, then space, tab, newline or
 * the end. The range check is the caller's (LimitSet::set()).
 */
struct SysctlParse {
	int error;                 /* 0, -EINVAL or -ENOMEM */
	std::optional<long> value; /* unset: nothing to store (an empty write) */
	std::size_t used;          /* what write() returns when error == 0 */
};
SysctlParse parseSysctlInt(std::string_view text);

class LimitSet
{
public:
	LimitSet();

	long get(LimitKey key) const
	{
		return values_[static_cast<unsigned>(key)].load(std::memory_order_relaxed);
	}

	/** \return 0, or -EINVAL when value is outside the key's range. */
	int set(LimitKey key, long value);

	/** \brief Seed from /proc/sys/fs/mqueue when readable (values out of range are skipped). */
	void seedFromProc(const std::string &dir = "/proc/sys/fs/mqueue");

private:
	std::array<std::atomic<long>, kLimitCount> values_;
};

} /* namespace mqfs */
