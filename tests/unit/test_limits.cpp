/* SPDX-License-Identifier: MIT */
/*
 * The /proc/sys/fs/mqueue tunables. The oracle is the measured table in
 * shared-notes/sysctl-semantics.md (Linux 6.18.44, sysctl_writes_strict = 1)
 * and section 9 of spec/mqueue-behaviour.md.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "limits.hpp"

using namespace std::string_literals;
using mqfs::LimitKey;
using mqfs::LimitSet;

namespace {

/* One cell of the measured table: what write() returned and the value read back. */
struct Cell {
	int err;    /* 0, -EINVAL or -ENOMEM: write() returned -1 and the value is unchanged */
	long ret;   /* write()'s return when err == 0 */
	long value; /* the value read back when err == 0 and ret > 0 */
};

Cell ok(long ret, long value)
{
	return { 0, ret, value };
}

const Cell kEinval{ -EINVAL, -1, 0 };
const Cell kEnomem{ -ENOMEM, -1, 0 };
/* An empty write returns 0 and stores nothing. */
const Cell kNothing{ 0, 0, 0 };

struct Row {
	std::string input;
	std::size_t len; /* the table's len column, a check on the escaping below */
	Cell msg;        /* msg_max and msg_default */
	Cell msgsize;    /* msgsize_max and msgsize_default */
	Cell queues;     /* queues_max */
};

std::string rep(char c, std::size_t n)
{
	return std::string(n, c);
}

/* Section 1 of sysctl-semantics.md, row by row. */
std::vector<Row> measuredTable()
{
	return {
		{ "20"s, 2, ok(2, 20), kEinval, ok(2, 20) },
		{ "20\n"s, 3, ok(3, 20), kEinval, ok(3, 20) },
		{ " 20"s, 3, ok(3, 20), kEinval, ok(3, 20) },
		{ "\t20\n"s, 4, ok(4, 20), kEinval, ok(4, 20) },
		{ "20 30"s, 5, ok(3, 20), kEinval, ok(3, 20) },
		{ "20,30"s, 5, kEinval, kEinval, kEinval },
		{ "20abc"s, 5, kEinval, kEinval, kEinval },
		{ "abc"s, 3, kEinval, kEinval, kEinval },
		{ ""s, 0, kNothing, kNothing, kNothing },
		{ "\n"s, 1, kEinval, kEinval, kEinval },
		{ " "s, 1, kEinval, kEinval, kEinval },
		{ "-1"s, 2, kEinval, kEinval, ok(2, -1) },
		{ "0"s, 1, kEinval, kEinval, ok(1, 0) },
		{ "1"s, 1, ok(1, 1), kEinval, ok(1, 1) },
		{ "+5"s, 2, kEinval, kEinval, kEinval },
		{ "0x10"s, 4, ok(4, 16), kEinval, ok(4, 16) },
		{ "0X1a"s, 4, ok(4, 26), kEinval, ok(4, 26) },
		{ "0x"s, 2, kEinval, kEinval, kEinval },
		{ "0xg"s, 3, kEinval, kEinval, kEinval },
		{ "010"s, 3, ok(3, 8), kEinval, ok(3, 8) },
		{ "08"s, 2, kEinval, kEinval, kEinval },
		{ "0020"s, 4, ok(4, 16), kEinval, ok(4, 16) },
		{ "2147483647"s, 10, kEinval, kEinval, ok(10, 2147483647L) },
		{ "2147483648"s, 10, kEinval, kEinval, kEinval },
		{ "4294967295"s, 10, kEinval, kEinval, kEinval },
		{ "99999999999999999999"s, 20, kEinval, kEinval, kEinval },
		{ "18446744073709551615"s, 20, kEinval, kEinval, kEinval },
		{ "18446744073709551616"s, 20, kEinval, kEinval, kEinval },
		{ "-2147483648"s, 11, kEinval, kEinval, ok(11, -2147483648L) },
		{ "-2147483649"s, 11, kEinval, kEinval, kEinval },
		{ "1e3"s, 3, kEinval, kEinval, kEinval },
		{ "20\0"s, 3, kEinval, kEinval, kEinval },
		{ "\0"s, 1, kEinval, kEinval, kEinval },
		{ "\0" "20"s, 3, kEinval, kEinval, kEinval },
		{ "-"s, 1, kEinval, kEinval, kEinval },
		{ "--5"s, 3, kEinval, kEinval, kEinval },
		{ "- 5"s, 3, kEinval, kEinval, kEinval },
		{ "-0"s, 2, kEinval, kEinval, ok(2, 0) },
		{ "-0x10"s, 5, kEinval, kEinval, ok(5, -16) },
		{ "200"s, 3, ok(3, 200), ok(3, 200), ok(3, 200) },
		{ "   20"s, 5, ok(5, 20), kEinval, ok(5, 20) },
		{ "\n\n20\n\n"s, 6, ok(6, 20), kEinval, ok(6, 20) },
		{ "\r20"s, 3, ok(3, 20), kEinval, ok(3, 20) },
		{ "\v20"s, 3, ok(3, 20), kEinval, ok(3, 20) },
		{ "\f20"s, 3, ok(3, 20), kEinval, ok(3, 20) },
		{ "20\r"s, 3, kEinval, kEinval, kEinval },
		{ "20\r\n"s, 4, kEinval, kEinval, kEinval },
		{ "20\v"s, 3, kEinval, kEinval, kEinval },
		{ "20\f"s, 3, kEinval, kEinval, kEinval },
		{ "20 \t\n x"s, 7, ok(6, 20), kEinval, ok(6, 20) },
		{ "20\n30"s, 5, ok(3, 20), kEinval, ok(3, 20) },
		{ "20\t30"s, 5, ok(3, 20), kEinval, ok(3, 20) },
		{ "20\n\n\n"s, 5, ok(5, 20), kEinval, ok(5, 20) },
		{ "20 abc"s, 6, ok(3, 20), kEinval, ok(3, 20) },
		{ "20 \0"s, 4, ok(3, 20), kEinval, ok(3, 20) },
		{ "\x80" "20"s, 3, kEinval, kEinval, kEinval },
		{ "0x7fffffff"s, 10, kEinval, kEinval, ok(10, 2147483647L) },
		{ "0x80000000"s, 10, kEinval, kEinval, kEinval },
		{ "017777777777"s, 12, kEinval, kEinval, ok(12, 2147483647L) },
		{ "-017777777777"s, 13, kEinval, kEinval, ok(13, -2147483647L) },
		{ "00000000000000000020"s, 20, ok(20, 16), kEinval, ok(20, 16) },
		{ "000000000000000000020"s, 21, kEinval, kEinval, kEinval },
		{ "0000000000000000000020"s, 22, kEinval, kEinval, kEinval },
		{ "-00000000000000000020"s, 21, kEinval, kEinval, kEinval },
		{ "-0000000000000000020"s, 20, kEinval, kEinval, ok(20, -16) },
		{ "65536"s, 5, ok(5, 65536), ok(5, 65536), ok(5, 65536) },
		{ "65537"s, 5, kEinval, ok(5, 65537), ok(5, 65537) },
		{ "127"s, 3, ok(3, 127), kEinval, ok(3, 127) },
		{ "128"s, 3, ok(3, 128), ok(3, 128), ok(3, 128) },
		{ "16777216"s, 8, kEinval, ok(8, 16777216), ok(8, 16777216) },
		{ "16777217"s, 8, kEinval, kEinval, ok(8, 16777217) },
		{ "-2"s, 2, kEinval, kEinval, ok(2, -2) },
		{ "65536\n"s, 6, ok(6, 65536), ok(6, 65536), ok(6, 65536) },
		{ "16777216\n"s, 9, kEinval, ok(9, 16777216), ok(9, 16777216) },
		{ rep('1', 5000), 5000, kEinval, kEinval, kEinval },
		{ rep('0', 4998) + "20", 5000, kEinval, kEinval, kEinval },
		{ rep(' ', 100) + "20", 102, ok(102, 20), kEinval, ok(102, 20) },
		{ rep(' ', 4092) + "20", 4094, ok(4094, 20), kEinval, ok(4094, 20) },
		{ rep(' ', 4093) + "20", 4095, ok(4095, 20), kEinval, ok(4095, 20) },
		{ rep(' ', 4094) + "20", 4096, ok(4096, 2), kEinval, ok(4096, 2) },
		{ rep(' ', 4095) + "20", 4097, kEinval, kEinval, kEinval },
		{ rep(' ', 5000) + "20", 5002, kEinval, kEinval, kEinval },
		{ rep(' ', 4093) + "20abc", 4098, ok(4098, 20), kEinval, ok(4098, 20) },
		{ rep(' ', 4092) + "20abc", 4097, kEinval, kEinval, kEinval },
		{ "20" + rep(' ', 4998), 5000, ok(5000, 20), kEinval, ok(5000, 20) },
		{ "20\n" + rep('x', 4997), 5000, ok(908, 20), kEinval, ok(908, 20) },
		{ "20\n" + rep('x', 97), 100, ok(3, 20), kEinval, ok(3, 20) },
		{ "20" + rep(' ', 98), 100, ok(100, 20), kEinval, ok(100, 20) },
		{ "20" + rep(' ', 8000000 - 2), 8000000, kEnomem, kEnomem, kEnomem },
	};
}

/* What one write() at position 0 does to a LimitSet: the parse, then the range check. */
struct WriteOutcome {
	int err;
	long ret;
};

WriteOutcome writeSysctl(LimitSet &limits, LimitKey key, const std::string &text)
{
	const mqfs::SysctlParse p = mqfs::parseSysctlInt(text);
	if (p.error)
		return { p.error, -1 };
	if (!p.value)
		return { 0, 0 };
	if (const int r = limits.set(key, *p.value))
		return { r, -1 };
	return { 0, static_cast<long>(p.used) };
}

/* The baseline the measurements started from. */
void setBaseline(LimitSet &limits)
{
	REQUIRE(limits.set(LimitKey::MsgMax, 11) == 0);
	REQUIRE(limits.set(LimitKey::MsgDefault, 9) == 0);
	REQUIRE(limits.set(LimitKey::MsgsizeMax, 8191) == 0);
	REQUIRE(limits.set(LimitKey::MsgsizeDefault, 8190) == 0);
	REQUIRE(limits.set(LimitKey::QueuesMax, 257) == 0);
}

void checkCell(LimitKey key, const std::string &input, const Cell &cell)
{
	LimitSet limits;
	setBaseline(limits);
	const long before = limits.get(key);
	const WriteOutcome out = writeSysctl(limits, key, input);
	CHECK(out.err == cell.err);
	if (cell.err || cell.ret == 0) {
		CHECK(limits.get(key) == before);
	} else {
		CHECK(out.ret == cell.ret);
		CHECK(limits.get(key) == cell.value);
	}
}

/* Printable form of a row's input for failure messages. */
std::string shown(const std::string &s)
{
	if (s.size() > 40)
		return "<" + std::to_string(s.size()) + " bytes starting " + shown(s.substr(0, 12)) + ">";
	std::string out;
	for (const char c : s) {
		const auto u = static_cast<unsigned char>(c);
		if (u >= 0x21 && u < 0x7f) {
			out += c;
		} else {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\x%02x", u);
			out += buf;
		}
	}
	return out;
}

} /* namespace */

TEST_CASE("parseSysctlInt: every row of the measured table, all five files", "[limits]")
{
	for (const Row &row : measuredTable()) {
		INFO("input " << shown(row.input));
		REQUIRE(row.input.size() == row.len);
		checkCell(LimitKey::MsgMax, row.input, row.msg);
		checkCell(LimitKey::MsgDefault, row.input, row.msg);
		checkCell(LimitKey::MsgsizeMax, row.input, row.msgsize);
		checkCell(LimitKey::MsgsizeDefault, row.input, row.msgsize);
		checkCell(LimitKey::QueuesMax, row.input, row.queues);
	}
}

TEST_CASE("parseSysctlInt: the queues_max column is the bare parse (value and used bytes)", "[limits]")
{
	/* queues_max is a plain proc_dointvec, so its column shows the parser alone. */
	for (const Row &row : measuredTable()) {
		INFO("input " << shown(row.input));
		const mqfs::SysctlParse p = mqfs::parseSysctlInt(row.input);
		CHECK(p.error == row.queues.err);
		if (row.queues.err) {
			CHECK_FALSE(p.value.has_value());
		} else if (row.queues.ret == 0) {
			CHECK_FALSE(p.value.has_value());
			CHECK(p.used == 0);
		} else {
			REQUIRE(p.value.has_value());
			CHECK(*p.value == row.queues.value);
			CHECK(p.used == static_cast<std::size_t>(row.queues.ret));
		}
	}
}

TEST_CASE("parseSysctlInt: empty write is error 0 with nothing to store", "[limits]")
{
	const mqfs::SysctlParse p = mqfs::parseSysctlInt("");
	CHECK(p.error == 0);
	CHECK_FALSE(p.value.has_value());
	CHECK(p.used == 0);
}

TEST_CASE("parseSysctlInt: extra single-write rows measured on msg_max", "[limits]")
{
	const std::vector<std::pair<std::string, Cell>> rows = {
		{ "\xa0" "20"s, ok(3, 20) },
		{ "\x85" "20"s, kEinval },
		{ "20\xa0"s, kEinval },
		{ "20 \xa0"s, ok(4, 20) },
		{ "20 \r"s, ok(4, 20) },
		{ "20 \r\v\f\xa0" "x"s, ok(7, 20) },
		{ " \n\t\r\v\f 20"s, ok(9, 20) },
		{ "-\n5"s, kEinval },
		{ "0x1g"s, kEinval },
		{ "0x 5"s, kEinval },
		{ "0b101"s, kEinval },
		{ "0o7"s, kEinval },
		{ "00x10"s, kEinval },
		{ "5 "s, ok(2, 5) },
		{ "5\t\t"s, ok(3, 5) },
		{ "0xFFFFFFFFFFFFFFFF"s, kEinval },
		{ "0x10000000000000000"s, kEinval },
		{ "000000000000000000001"s, kEinval },
		{ "00000000000000000001 x"s, ok(21, 1) },
		{ "123456789012345678901"s, kEinval },
		{ "20" + rep(' ', 4194303 - 2), ok(4194303, 20) },
		{ "20" + rep(' ', 4194304 - 2), kEnomem },
		{ "20" + rep(' ', 4194305 - 2), kEnomem },
		/* writev {"3", "4\n"}: the kernel sees one buffer. */
		{ "3"s + "4\n"s, ok(3, 34) },
	};
	for (const auto &[input, cell] : rows) {
		INFO("input " << shown(input));
		checkCell(LimitKey::MsgMax, input, cell);
	}
}

TEST_CASE("parseSysctlInt: extra rows measured on queues_max", "[limits]")
{
	const std::vector<std::pair<std::string, Cell>> rows = {
		{ "-0x80000000"s, ok(11, -2147483648L) },
		{ "-0x80000001"s, kEinval },
		{ "-020"s, ok(4, -16) },
		{ "0x7FFFFFFF"s, ok(10, 2147483647L) },
	};
	for (const auto &[input, cell] : rows) {
		INFO("input " << shown(input));
		checkCell(LimitKey::QueuesMax, input, cell);
	}
}

TEST_CASE("parseSysctlInt: ENOMEM from 4 MiB on, whatever the content", "[limits]")
{
	CHECK(mqfs::kSysctlMaxIo == 4194304);
	const mqfs::SysctlParse below = mqfs::parseSysctlInt("7" + rep(' ', 4194302));
	CHECK(below.error == 0);
	REQUIRE(below.value.has_value());
	CHECK(*below.value == 7);
	CHECK(below.used == 4194303);

	for (const std::size_t n : { std::size_t(4194304), std::size_t(4194305) }) {
		INFO("size " << n);
		const mqfs::SysctlParse p = mqfs::parseSysctlInt(rep('x', n));
		CHECK(p.error == -ENOMEM);
		CHECK_FALSE(p.value.has_value());
	}
}

TEST_CASE("LimitSet: defaults are the compiled-in ones of a new namespace", "[limits]")
{
	const LimitSet limits;
	CHECK(limits.get(LimitKey::QueuesMax) == 256);
	CHECK(limits.get(LimitKey::MsgMax) == 10);
	CHECK(limits.get(LimitKey::MsgsizeMax) == 8192);
	CHECK(limits.get(LimitKey::MsgDefault) == 10);
	CHECK(limits.get(LimitKey::MsgsizeDefault) == 8192);

	CHECK(mqfs::limitInfo(LimitKey::QueuesMax).dflt == 256);
	CHECK(mqfs::limitInfo(LimitKey::MsgMax).dflt == 10);
	CHECK(mqfs::limitInfo(LimitKey::MsgsizeMax).dflt == 8192);
	CHECK(mqfs::limitInfo(LimitKey::MsgDefault).dflt == 10);
	CHECK(mqfs::limitInfo(LimitKey::MsgsizeDefault).dflt == 8192);
}

TEST_CASE("LimitSet::set: msg_max and msg_default accept 1..65536", "[limits]")
{
	for (const LimitKey key : { LimitKey::MsgMax, LimitKey::MsgDefault }) {
		INFO("key " << mqfs::limitInfo(key).name);
		LimitSet limits;
		const long before = limits.get(key);
		CHECK(limits.set(key, 0) == -EINVAL);
		CHECK(limits.set(key, -1) == -EINVAL);
		CHECK(limits.set(key, 65537) == -EINVAL);
		CHECK(limits.set(key, INT_MIN) == -EINVAL);
		CHECK(limits.get(key) == before);
		CHECK(limits.set(key, 1) == 0);
		CHECK(limits.get(key) == 1);
		CHECK(limits.set(key, 65536) == 0);
		CHECK(limits.get(key) == 65536);
	}
}

TEST_CASE("LimitSet::set: msgsize_max and msgsize_default accept 128..16777216", "[limits]")
{
	for (const LimitKey key : { LimitKey::MsgsizeMax, LimitKey::MsgsizeDefault }) {
		INFO("key " << mqfs::limitInfo(key).name);
		LimitSet limits;
		const long before = limits.get(key);
		CHECK(limits.set(key, 127) == -EINVAL);
		CHECK(limits.set(key, 1) == -EINVAL);
		CHECK(limits.set(key, 0) == -EINVAL);
		CHECK(limits.set(key, -1) == -EINVAL);
		CHECK(limits.set(key, 16777217) == -EINVAL);
		CHECK(limits.get(key) == before);
		CHECK(limits.set(key, 128) == 0);
		CHECK(limits.get(key) == 128);
		CHECK(limits.set(key, 16777216) == 0);
		CHECK(limits.get(key) == 16777216);
	}
}

TEST_CASE("LimitSet::set: queues_max takes any int, including -1 and 0", "[limits]")
{
	LimitSet limits;
	for (const long v : { -1L, 0L, 1L, long(INT_MIN), long(INT_MAX), -2L, 16777217L }) {
		INFO("value " << v);
		CHECK(limits.set(LimitKey::QueuesMax, v) == 0);
		CHECK(limits.get(LimitKey::QueuesMax) == v);
	}
	/* The file holds a C int: nothing outside it can be stored. */
	REQUIRE(limits.set(LimitKey::QueuesMax, 5) == 0);
	CHECK(limits.set(LimitKey::QueuesMax, long(INT_MAX) + 1) == -EINVAL);
	CHECK(limits.set(LimitKey::QueuesMax, long(INT_MIN) - 1) == -EINVAL);
	CHECK(limits.get(LimitKey::QueuesMax) == 5);
}

TEST_CASE("LimitSet::set: defaults are not tied to the maxima", "[limits]")
{
	/* Measured: msg_default 65536 with msg_max 10, msgsize_default 16777216 with msgsize_max 128. */
	LimitSet limits;
	REQUIRE(limits.set(LimitKey::MsgMax, 10) == 0);
	CHECK(limits.set(LimitKey::MsgDefault, 65536) == 0);
	REQUIRE(limits.set(LimitKey::MsgsizeMax, 128) == 0);
	CHECK(limits.set(LimitKey::MsgsizeDefault, 16777216) == 0);
	CHECK(limits.get(LimitKey::MsgDefault) == 65536);
	CHECK(limits.get(LimitKey::MsgsizeDefault) == 16777216);
}

TEST_CASE("limitByName: the five file names and nothing else", "[limits]")
{
	CHECK(mqfs::limitByName("queues_max") == LimitKey::QueuesMax);
	CHECK(mqfs::limitByName("msg_max") == LimitKey::MsgMax);
	CHECK(mqfs::limitByName("msgsize_max") == LimitKey::MsgsizeMax);
	CHECK(mqfs::limitByName("msg_default") == LimitKey::MsgDefault);
	CHECK(mqfs::limitByName("msgsize_default") == LimitKey::MsgsizeDefault);
	CHECK_FALSE(mqfs::limitByName("").has_value());
	CHECK_FALSE(mqfs::limitByName("msg").has_value());
	CHECK_FALSE(mqfs::limitByName("msg_max\n").has_value());
	CHECK_FALSE(mqfs::limitByName("MSG_MAX").has_value());
	CHECK_FALSE(mqfs::limitByName("queues_max/").has_value());

	REQUIRE(mqfs::limitTable().size() == mqfs::kLimitCount);
	for (const auto &info : mqfs::limitTable()) {
		INFO("name " << info.name);
		CHECK(mqfs::limitByName(info.name) == info.key);
		CHECK(std::string(mqfs::limitInfo(info.key).name) == info.name);
	}
}

TEST_CASE("limitInfo: ranges match ipc/mq_sysctl.c", "[limits]")
{
	CHECK(mqfs::limitInfo(LimitKey::MsgMax).min == 1);
	CHECK(mqfs::limitInfo(LimitKey::MsgMax).max == 65536);
	CHECK(mqfs::limitInfo(LimitKey::MsgDefault).min == 1);
	CHECK(mqfs::limitInfo(LimitKey::MsgDefault).max == 65536);
	CHECK(mqfs::limitInfo(LimitKey::MsgsizeMax).min == 128);
	CHECK(mqfs::limitInfo(LimitKey::MsgsizeMax).max == 16777216);
	CHECK(mqfs::limitInfo(LimitKey::MsgsizeDefault).min == 128);
	CHECK(mqfs::limitInfo(LimitKey::MsgsizeDefault).max == 16777216);
	CHECK(mqfs::limitInfo(LimitKey::QueuesMax).min == INT_MIN);
	CHECK(mqfs::limitInfo(LimitKey::QueuesMax).max == INT_MAX);
	CHECK(mqfs::kHardMsgMax == 65536);
	CHECK(mqfs::kHardMsgsizeMax == 16777216);
	CHECK(mqfs::kMqPrioMax == 32768);
}

TEST_CASE("LimitSet::seedFromProc: reads the files, skips missing and out-of-range ones", "[limits]")
{
	char dirTemplate[] = "/tmp/mqfs-limits-XXXXXX";
	const char *dir = ::mkdtemp(dirTemplate);
	REQUIRE(dir != nullptr);
	const std::string base(dir);
	auto put = [&](const char *name, const char *text) {
		std::ofstream out(base + "/" + name);
		out << text;
	};
	put("msg_max", "20\n");
	put("msgsize_max", "100\n"); /* below 128: skipped */
	put("queues_max", "-1\n");
	put("msgsize_default", "16384\n");
	/* msg_default is missing */

	LimitSet limits;
	limits.seedFromProc(base);
	CHECK(limits.get(LimitKey::MsgMax) == 20);
	CHECK(limits.get(LimitKey::MsgsizeMax) == 8192);
	CHECK(limits.get(LimitKey::QueuesMax) == -1);
	CHECK(limits.get(LimitKey::MsgsizeDefault) == 16384);
	CHECK(limits.get(LimitKey::MsgDefault) == 10);

	for (const char *name : { "msg_max", "msgsize_max", "queues_max", "msgsize_default" })
		::unlink((base + "/" + name).c_str());
	::rmdir(base.c_str());
}
