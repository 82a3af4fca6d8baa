/* SPDX-License-Identifier: MIT */
/**
 * @file target_sysctl_int.cpp
 * @brief Fuzz parseSysctlInt() against a model written from the kernel's
 * __do_proc_dointvec() + proc_get_long() + strtoul_lenient() steps, then
 * the range check of LimitSet::set() that a write to a limits file ends in.
 *
 * Input: a mode byte, then
 *  - mode % 3 == 0: the text written;
 *  - mode % 3 == 1: u16 count, u8 fill, text: count % 8200 fill bytes are
 *    put before the text (to reach the 4095-byte window cheaply);
 *  - mode % 3 == 2: the same, but after the text.
 *  - mode 0xff: u8 k, text: the text (4096 bytes at most) padded with
 *    spaces to 4 MiB - 2 + k % 4 bytes (the -ENOMEM limit).
 */
#include "fuzz.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

#include "limits.hpp"

namespace {

using mqfs::SysctlParse;

/* The kernel's ctype: isspace includes 0xa0 (NBSP in Latin-1). */
bool kSpace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0xa0;
}

bool kDigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The value of a digit in any base up to 16; 99 for anything else. */
unsigned digitValue(unsigned char c)
{
	if (kDigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

SysctlParse model(std::string_view text)
{
	const SysctlParse einval{ -EINVAL, std::nullopt, 0 };
	const std::size_t count = text.size();
	if (count >= 4u * 1024 * 1024)
		return { -ENOMEM, std::nullopt, 0 };
	if (count == 0)
		return { 0, std::nullopt, 0 };

	/* The write is cut to PAGE_SIZE - 1 bytes, spaces skipped. */
	std::size_t left = count < 4095 ? count : 4095;
	const char *p = text.data();
	while (left > 0 && kSpace(static_cast<unsigned char>(*p))) {
		p++;
		left--;
	}
	if (left == 0)
		return einval;

	/* proc_get_long(): a NUL-terminated copy of at most 21 bytes. */
	char tmp[22];
	const std::size_t n = left < 21 ? left : 21;
	std::memcpy(tmp, p, n);
	tmp[n] = '\0';
	const char *q = tmp;
	bool neg = false;
	if (*q == '-' && left > 1) {
		neg = true;
		q++;
	}
	if (!kDigit(static_cast<unsigned char>(*q)))
		return einval;
	unsigned base = 10;
	if (q[0] == '0') {
		base = 8;
		if ((q[1] == 'x' || q[1] == 'X') && digitValue(static_cast<unsigned char>(q[2])) < 16) {
			base = 16;
			q += 2;
		}
	}
	unsigned long v = 0;
	bool overflow = false;
	for (unsigned d; (d = digitValue(static_cast<unsigned char>(*q))) < base; q++) {
		if (v > (ULONG_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return einval;
	const std::size_t len = static_cast<std::size_t>(q - tmp);
	if (len == 21)
		return einval;
	if (len < left && *q != ' ' && *q != '\t' && *q != '\n')
		return einval;
	long value;
	if (neg) {
		if (v > 2147483648ul)
			return einval;
		value = -static_cast<long>(v);
	} else {
		if (v > 2147483647ul)
			return einval;
		value = static_cast<long>(v);
	}
	p += len;
	left -= len;
	while (left > 0 && kSpace(static_cast<unsigned char>(*p))) {
		p++;
		left--;
	}
	return { 0, value, count - left };
}

void check(std::string_view text)
{
	const SysctlParse got = mqfs::parseSysctlInt(text);
	const SysctlParse want = model(text);
	MQFS_FUZZ_CHECK(got.error == want.error);
	MQFS_FUZZ_CHECK(got.value == want.value);
	if (got.error == 0)
		MQFS_FUZZ_CHECK(got.used == want.used);

	MQFS_FUZZ_CHECK(got.error == 0 || got.error == -EINVAL || got.error == -ENOMEM);
	MQFS_FUZZ_CHECK(got.error == 0 || !got.value);
	if (got.error || !got.value) {
		MQFS_FUZZ_CHECK(got.error || text.empty());
		return;
	}
	/* A stored value is an int; write() says it took at least its digits. */
	MQFS_FUZZ_CHECK(*got.value >= INT_MIN && *got.value <= INT_MAX);
	MQFS_FUZZ_CHECK(got.used >= 1 && got.used <= text.size());
	/* What cat(1) shows of the value reads back as the same value. */
	char shown[32];
	const int len = std::snprintf(shown, sizeof shown, "%ld\n", *got.value);
	const SysctlParse again = mqfs::parseSysctlInt(std::string_view(shown, static_cast<std::size_t>(len)));
	MQFS_FUZZ_CHECK(again.error == 0 && again.value == got.value);
	MQFS_FUZZ_CHECK(again.used == static_cast<std::size_t>(len));

	/* The rest of a write to a limits file: the range check of its key
	 * stores the value, or refuses it and keeps the old one. */
	for (const mqfs::LimitInfo &info : mqfs::limitTable()) {
		MQFS_FUZZ_CHECK(mqfs::limitByName(info.name) == info.key);
		mqfs::LimitSet limits;
		const long before = limits.get(info.key);
		MQFS_FUZZ_CHECK(before == info.dflt);
		const bool inRange = *got.value >= info.min && *got.value <= info.max;
		MQFS_FUZZ_CHECK(limits.set(info.key, *got.value) == (inRange ? 0 : -EINVAL));
		MQFS_FUZZ_CHECK(limits.get(info.key) == (inRange ? *got.value : before));
	}
}

} /* namespace */

MQFS_FUZZ_TARGET(sysctl_int)
{
	mqfs::fuzz::Input in(data);
	const std::uint8_t mode = in.u8();
	if (mode == 0xff) {
		/* One buffer of spaces for every run: a fresh 4 MiB string each
		 * time slowed the whole target down a hundredfold. */
		static std::string big(mqfs::kSysctlMaxIo + 1, ' ');
		const std::size_t size = mqfs::kSysctlMaxIo - 2 + in.u8() % 4;
		const std::string_view text = in.restString().substr(0, 4096);
		big.replace(0, text.size(), text);
		check(std::string_view(big).substr(0, size));
		big.replace(0, text.size(), text.size(), ' ');
		return;
	}
	if (mode % 3 == 0) {
		check(in.restString());
		return;
	}
	const std::size_t count = in.u16() % 8200;
	const char fill = static_cast<char>(in.u8());
	const std::string_view text = in.restString();
	std::string padded;
	if (mode % 3 == 1)
		padded = std::string(count, fill) + std::string(text);
	else
		padded = std::string(text) + std::string(count, fill);
	check(padded);
}
