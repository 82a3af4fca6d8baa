/* SPDX-License-Identifier: MIT */
#include "util.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>

namespace mqfs::cli {

namespace {

/* The longest timeout we accept: far beyond any real wait, and far below
 * where a system_clock time point (nanoseconds, until 2262) overflows. */
constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;

/* Length of the well-formed UTF-8 sequence at \a s[i] (2..4 bytes), its code
 * point in \a cp; 0 when the bytes there are not one (overlong, surrogate,
 * truncated, beyond U+10FFFF, or plain ASCII). */
std::size_t utf8Sequence(std::string_view s, std::size_t i, char32_t &cp)
{
	const auto b0 = static_cast<unsigned char>(s[i]);
	std::size_t len;
	char32_t min;
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		len = 2;
		cp = b0 & 0x1f;
		min = 0x80;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		len = 3;
		cp = b0 & 0x0f;
		min = 0x800;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		len = 4;
		cp = b0 & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (i + len > s.size())
		return 0;
	for (std::size_t k = 1; k < len; k++) {
		const auto b = static_cast<unsigned char>(s[i + k]);
		if ((b & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (b & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void appendHex(std::string &out, const char *fmt, unsigned v)
{
	char buf[8];
	std::snprintf(buf, sizeof(buf), fmt, v);
	out += buf;
}

} /* namespace */

std::optional<std::chrono::nanoseconds> parseSeconds(std::string_view text, std::string &why)
{
	why = "expected a number of seconds such as 5 or 0.25";
	std::size_t i = 0;
	std::int64_t sec = 0;
	bool digits = false;
	for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); i++) {
		digits = true;
		sec = sec * 10 + (text[i] - '0');
		if (sec > kMaxSeconds) {
			why = "too long (at most " + std::to_string(kMaxSeconds) + " seconds)";
			return std::nullopt;
		}
	}
	std::int64_t ns = 0;
	if (i < text.size() && text[i] == '.') {
		i++;
		std::int64_t scale = 100000000;
		for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); i++) {
			digits = true;
			ns += (text[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (!digits || i != text.size())
		return std::nullopt;
	return std::chrono::seconds(sec) + std::chrono::nanoseconds(ns);
}

std::string formatSeconds(std::chrono::nanoseconds d)
{
	const auto ns = d.count();
	std::string out = std::to_string(ns / 1000000000);
	std::int64_t frac = ns % 1000000000;
	if (frac) {
		char buf[16];
		std::snprintf(buf, sizeof(buf), ".%09" PRId64, frac);
		std::string f = buf;
		while (f.back() == '0')
			f.pop_back();
		out += f;
	}
	return out;
}

std::optional<mode_t> parseMode(std::string_view text)
{
	if (text.empty() || text.size() > 5)
		return std::nullopt;
	mode_t m = 0;
	for (char c : text) {
		if (c < '0' || c > '7')
			return std::nullopt;
		m = m * 8 + static_cast<mode_t>(c - '0');
	}
	if (m > 07777)
		return std::nullopt;
	return m;
}

std::string formatMode(mode_t mode)
{
	char buf[8];
	std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
	return buf;
}

std::string formatPerms(mode_t mode)
{
	std::string s = "---------";
	const char rwx[] = "rwx";
	for (int i = 0; i < 9; i++)
		if (mode & (0400 >> i))
			s[i] = rwx[i % 3];
	if (mode & S_ISUID)
		s[2] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		s[5] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		s[8] = (mode & S_IXOTH) ? 't' : 'T';
	return s;
}

std::optional<std::int64_t> parseInt(std::string_view text)
{
	std::int64_t v = 0;
	if (text.empty() || text.front() == '+')
		return std::nullopt;
	auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
	if (ec != std::errc() || ptr != text.data() + text.size())
		return std::nullopt;
	return v;
}

std::optional<std::string> normalizeName(std::string_view text, std::string &why)
{
	std::string_view n = text;
	if (!n.empty() && n.front() == '/')
		n.remove_prefix(1);
	if (n.empty()) {
		why = "empty queue name";
		return std::nullopt;
	}
	if (n.find('/') != std::string_view::npos) {
		why = "a queue name has no '/' after the leading one";
		return std::nullopt;
	}
	if (n == "." || n == "..") {
		why = "'.' and '..' are not queue names";
		return std::nullopt;
	}
	if (n.find('\0') != std::string_view::npos) {
		why = "a queue name has no NUL byte";
		return std::nullopt;
	}
	if (n.size() > NAME_MAX) {
		why = "queue name longer than " + std::to_string(NAME_MAX) + " bytes";
		return std::nullopt;
	}
	return "/" + std::string(n);
}

std::string escapeBytes(std::string_view bytes, bool utf8)
{
	std::string out;
	out.reserve(bytes.size());
	for (std::size_t i = 0; i < bytes.size();) {
		const auto c = static_cast<unsigned char>(bytes[i]);
		if (c >= 0x20 && c < 0x7f) {
			if (c == '\\')
				out += '\\';
			out += static_cast<char>(c);
			i++;
			continue;
		}
		switch (c) {
		case '\n':
			out += "\\n";
			i++;
			continue;
		case '\t':
			out += "\\t";
			i++;
			continue;
		case '\r':
			out += "\\r";
			i++;
			continue;
		case '\0':
			out += "\\0";
			i++;
			continue;
		default:
			break;
		}
		char32_t cp;
		if (std::size_t len = utf8 && c >= 0x80 ? utf8Sequence(bytes, i, cp) : 0; len && cp >= 0xa0) {
			out.append(bytes.substr(i, len));
			i += len;
			continue;
		}
		appendHex(out, "\\x%02x", c);
		i++;
	}
	return out;
}

std::string jsonString(std::string_view bytes)
{
	std::string out = "\"";
	for (std::size_t i = 0; i < bytes.size();) {
		const auto c = static_cast<unsigned char>(bytes[i]);
		if (c >= 0x80) {
			char32_t cp;
			if (std::size_t len = utf8Sequence(bytes, i, cp)) {
				out.append(bytes.substr(i, len));
				i += len;
			} else {
				appendHex(out, "\\u%04x", c);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\r':
			out += "\\r";
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				appendHex(out, "\\u%04x", c);
			else
				out += static_cast<char>(c);
		}
		i++;
	}
	out += '"';
	return out;
}

std::string Table::render(bool withHeader) const
{
	std::vector<std::size_t> width(header.size(), 0);
	auto measure = [&](const std::vector<std::string> &row) {
		for (std::size_t c = 0; c < row.size() && c < width.size(); c++)
			width[c] = std::max(width[c], row[c].size());
	};
	if (withHeader)
		measure(header);
	for (const auto &r : rows)
		measure(r);
	std::string out;
	auto emit = [&](const std::vector<std::string> &row) {
		std::string line;
		for (std::size_t c = 0; c < row.size() && c < width.size(); c++) {
			if (c)
				line += "  ";
			const std::string pad(width[c] - row[c].size(), ' ');
			const bool right = c < rightAlign.size() && rightAlign[c];
			line += right ? pad + row[c] : row[c] + pad;
		}
		while (!line.empty() && line.back() == ' ')
			line.pop_back();
		out += line;
		out += '\n';
	};
	if (withHeader)
		emit(header);
	for (const auto &r : rows)
		emit(r);
	return out;
}

std::optional<StatusLine> parseStatusLine(std::string_view text)
{
	const std::string s(text);
	StatusLine st;
	unsigned long long qsize;
	if (std::sscanf(s.c_str(), "QSIZE:%llu NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &st.notify, &st.signo,
			&st.notifyPid) != 4)
		return std::nullopt;
	st.qsize = qsize;
	return st;
}

std::string notifyMethod(const StatusLine &s)
{
	switch (s.notify) {
	case SIGEV_SIGNAL: {
		const char *abbrev = s.signo > 0 && s.signo < NSIG ? sigabbrev_np(s.signo) : nullptr;
		return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(s.signo);
	}
	case SIGEV_NONE:
		return "SIGEV_NONE";
	case SIGEV_THREAD:
		return "SIGEV_THREAD";
	default:
		return "notify " + std::to_string(s.notify);
	}
}

std::string errnoText(int err)
{
	std::string s = std::strerror(err);
	if (!s.empty() && std::isupper(static_cast<unsigned char>(s[0])) &&
	    !(s.size() > 1 && std::isupper(static_cast<unsigned char>(s[1]))))
		s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
	return s;
}

} /* namespace mqfs::cli */
