/* SPDX-License-Identifier: MIT */
#include "limits.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <fstream>

namespace mqfs {

namespace {

/* ipc/mq_sysctl.c: queues_max is a plain proc_dointvec (any int), the
 * others proc_dointvec_minmax with these bounds. */
const std::array<LimitInfo, kLimitCount> kTable = { {
	{ LimitKey::QueuesMax, "queues_max", INT_MIN, INT_MAX, kDflQueuesMax },
	{ LimitKey::MsgMax, "msg_max", kMinMsgMax, kHardMsgMax, kDflMsgMax },
	{ LimitKey::MsgsizeMax, "msgsize_max", kMinMsgsizeMax, kHardMsgsizeMax, kDflMsgsizeMax },
	{ LimitKey::MsgDefault, "msg_default", kMinMsgMax, kHardMsgMax, kDflMsgMax },
	{ LimitKey::MsgsizeDefault, "msgsize_default", kMinMsgsizeMax, kHardMsgsizeMax, kDflMsgsizeMax },
} };

/* proc_get_long(): what may follow a number. */
bool isSeparator(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* proc_skip_spaces() uses the kernel's isspace(), which includes 0xa0. */
bool isKernelSpace(char c)
{
	const auto u = static_cast<unsigned char>(c);
	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

} /* namespace */

const std::array<LimitInfo, kLimitCount> &limitTable()
{
	return kTable;
}

const LimitInfo &limitInfo(LimitKey key)
{
	for (const auto &info : kTable)
		if (info.key == key)
			return info;
	__builtin_unreachable();
}

std::optional<LimitKey> limitByName(std::string_view name)
{
	for (const auto &info : kTable)
		if (name == info.name)
			return info.key;
	return std::nullopt;
}

SysctlParse parseSysctlInt(std::string_view text)
{
	const std::size_t count = text.size();
	/* proc_sys_call_handler(): huge writes fail, empty ones do nothing. */
	if (count >= kSysctlMaxIo)
		return { -ENOMEM, std::nullopt, 0 };
	if (count == 0)
		return { 0, std::nullopt, 0 };

	/* __do_proc_dointvec(): only the first PAGE_SIZE - 1 bytes are looked at. */
	std::string_view p = text.substr(0, std::min<std::size_t>(count, 4095));
	while (!p.empty() && isKernelSpace(p.front()))
		p.remove_prefix(1);
	if (p.empty())
		return { -EINVAL, std::nullopt, 0 };

	/* proc_get_long(): a NUL-padded window of at most 21 bytes is parsed. */
	const std::size_t left = p.size();
	const std::size_t win = std::min<std::size_t>(left, 21);
	auto at = [&](std::size_t i) { return i < win ? p[i] : '\0'; };
	std::size_t i = 0;
	bool neg = false;
	if (at(0) == '-' && left > 1) {
		neg = true;
		i = 1;
	}
	if (!std::isdigit(static_cast<unsigned char>(at(i))))
		return { -EINVAL, std::nullopt, 0 };

	/* strtoul_lenient(base 0). */
	unsigned base = 10;
	if (at(i) == '0') {
		if ((at(i + 1) == 'x' || at(i + 1) == 'X') &&
		    std::isxdigit(static_cast<unsigned char>(at(i + 2)))) {
			base = 16;
			i += 2;
		} else {
			base = 8;
		}
	}
	unsigned __int128 acc = 0;
	for (;; i++) {
		const auto c = static_cast<unsigned char>(at(i));
		unsigned d;
		if (std::isdigit(c))
			d = c - '0';
		else if (std::isxdigit(c))
			d = static_cast<unsigned>(std::tolower(c) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		acc = acc * base + d;
		if (acc > ULONG_MAX)
			return { -EINVAL, std::nullopt, 0 };
	}
	const std::size_t len = i;
	/* "So lets not allow such large numbers": a number filling the window. */
	if (len == 21)
		return { -EINVAL, std::nullopt, 0 };
	if (len < left && !isSeparator(at(len)))
		return { -EINVAL, std::nullopt, 0 };

	/* do_proc_dointvec_conv(): the value must fit an int. */
	const auto lval = static_cast<unsigned long>(acc);
	long value;
	if (neg) {
		if (lval > static_cast<unsigned long>(INT_MAX) + 1)
			return { -EINVAL, std::nullopt, 0 };
		value = -static_cast<long>(lval);
	} else {
		if (lval > static_cast<unsigned long>(INT_MAX))
			return { -EINVAL, std::nullopt, 0 };
		value = static_cast<long>(lval);
	}

	/* White space after the number is consumed; whatever is left over makes
	 * the write report fewer bytes than it was given. */
	std::size_t k = len;
	while (k < left && isKernelSpace(p[k]))
		k++;
	return { 0, value, count - (left - k) };
}

LimitSet::LimitSet()
{
	for (const auto &info : kTable)
		values_[static_cast<unsigned>(info.key)].store(info.dflt);
}

int LimitSet::set(LimitKey key, long value)
{
	const LimitInfo &info = limitInfo(key);
	/* mq_sysctl.c: "EINVAL, value unchanged" outside [min, max]. */
	if (value < info.min || value > info.max)
		return -EINVAL;
	values_[static_cast<unsigned>(key)].store(value, std::memory_order_relaxed);
	return 0;
}

void LimitSet::seedFromProc(const std::string &dir)
{
	for (const auto &info : kTable) {
		std::ifstream in(dir + "/" + info.name);
		long v;
		if (in >> v)
			(void)set(info.key, v);
	}
}

} /* namespace mqfs */
