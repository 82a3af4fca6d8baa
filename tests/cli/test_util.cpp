/* SPDX-License-Identifier: MIT */
/* mqctl's pure helpers (src/cli/util.hpp). */
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <csignal>

#include "util.hpp"

using namespace mqfs::cli;
using namespace std::chrono_literals;

TEST_CASE("parseSeconds")
{
	std::string why;
	CHECK(parseSeconds("2", why) == 2s);
	CHECK(parseSeconds("0", why) == 0s);
	CHECK(parseSeconds("0.25", why) == 250ms);
	CHECK(parseSeconds(".5", why) == 500ms);
	CHECK(parseSeconds("1.", why) == 1s);
	CHECK(parseSeconds("1.000000001", why) == 1000000001ns);
	CHECK(parseSeconds("1.0000000019", why) == 1000000001ns);
	for (const char *bad : { "", ".", "-1", "+1", "1e3", "1s", " 1", "0x10", "inf", "nan", "1.2.3" }) {
		INFO(bad);
		CHECK_FALSE(parseSeconds(bad, why));
	}
	CHECK_FALSE(parseSeconds("99999999999999999999999", why));
	CHECK(why.find("too long") != std::string::npos);
}

TEST_CASE("formatSeconds")
{
	CHECK(formatSeconds(2s) == "2");
	CHECK(formatSeconds(1500ms) == "1.5");
	CHECK(formatSeconds(1ms) == "0.001");
	CHECK(formatSeconds(0ns) == "0");
}

TEST_CASE("modes")
{
	CHECK(parseMode("640") == 0640);
	CHECK(parseMode("0640") == 0640);
	CHECK(parseMode("7777") == 07777);
	CHECK_FALSE(parseMode("8"));
	CHECK_FALSE(parseMode("17777"));
	CHECK_FALSE(parseMode(""));
	CHECK_FALSE(parseMode("rw"));
	CHECK(formatMode(0100640) == "0640");
	CHECK(formatPerms(0640) == "rw-r-----");
	CHECK(formatPerms(01777) == "rwxrwxrwt");
	CHECK(formatPerms(01666) == "rw-rw-rwT");
	CHECK(formatPerms(06000) == "--S--S---");
}

TEST_CASE("parseInt")
{
	CHECK(parseInt("0") == 0);
	CHECK(parseInt("-1") == -1);
	CHECK(parseInt("9223372036854775807") == INT64_MAX);
	CHECK_FALSE(parseInt("9223372036854775808"));
	CHECK_FALSE(parseInt("+1"));
	CHECK_FALSE(parseInt("1x"));
	CHECK_FALSE(parseInt(""));
	CHECK_FALSE(parseInt("0x10"));
}

TEST_CASE("normalizeName")
{
	std::string why;
	CHECK(normalizeName("jobs", why) == "/jobs");
	CHECK(normalizeName("/jobs", why) == "/jobs");
	CHECK(normalizeName(std::string(255, 'a'), why) == "/" + std::string(255, 'a'));
	CHECK_FALSE(normalizeName(std::string(256, 'a'), why));
	for (const char *bad : { "", "/", "//a", "a/b", ".", "/..", "/a/" }) {
		INFO(bad);
		CHECK_FALSE(normalizeName(bad, why));
	}
	CHECK_FALSE(normalizeName(std::string_view("a\0b", 3), why));
}

TEST_CASE("escapeBytes")
{
	CHECK(escapeBytes("plain text", false) == "plain text");
	CHECK(escapeBytes("a\\b", false) == "a\\\\b");
	CHECK(escapeBytes(std::string_view("\n\t\r\0\x01\x7f", 6), false) == "\\n\\t\\r\\0\\x01\\x7f");
	CHECK(escapeBytes("caf\xc3\xa9", false) == "caf\\xc3\\xa9");
	CHECK(escapeBytes("caf\xc3\xa9", true) == "caf\xc3\xa9");
	/* C1 controls, overlong forms, surrogates and truncated sequences are bytes. */
	CHECK(escapeBytes("\xc2\x85", true) == "\\xc2\\x85");
	CHECK(escapeBytes("\xc0\xaf", true) == "\\xc0\\xaf");
	CHECK(escapeBytes("\xed\xa0\x80", true) == "\\xed\\xa0\\x80");
	CHECK(escapeBytes("\xe2\x82", true) == "\\xe2\\x82");
	CHECK(escapeBytes("\xf0\x9f\x98\x80", true) == "\xf0\x9f\x98\x80");
}

TEST_CASE("jsonString")
{
	CHECK(jsonString("a\"b\\c") == "\"a\\\"b\\\\c\"");
	CHECK(jsonString("\n\x01") == "\"\\n\\u0001\"");
	CHECK(jsonString("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
	CHECK(jsonString("\xff") == "\"\\u00ff\"");
}

TEST_CASE("Table")
{
	Table t;
	t.header = { "NAME", "N", "X" };
	t.rightAlign = { false, true, false };
	t.rows = { { "/a", "1", "x" }, { "/long", "100", "" } };
	CHECK(t.render() == "NAME     N  X\n/a       1  x\n/long  100\n");
	CHECK(t.render(false) == "/a       1  x\n/long  100\n");
}

TEST_CASE("status line")
{
	auto s = parseStatusLine("QSIZE:30         NOTIFY:0     SIGNO:10    NOTIFY_PID:1234  \n");
	REQUIRE(s);
	CHECK(s->qsize == 30);
	CHECK(s->notify == 0);
	CHECK(s->signo == 10);
	CHECK(s->notifyPid == 1234);
	CHECK(notifyMethod(*s) == "SIGUSR1");
	s->notify = SIGEV_NONE;
	CHECK(notifyMethod(*s) == "SIGEV_NONE");
	s->notify = SIGEV_THREAD;
	CHECK(notifyMethod(*s) == "SIGEV_THREAD");
	CHECK_FALSE(parseStatusLine("garbage"));
}

TEST_CASE("errnoText")
{
	CHECK(errnoText(ENOENT) == "no such file or directory");
	CHECK(errnoText(EMSGSIZE) == "message too long");
}
