/* SPDX-License-Identifier: MIT */
/**
 * @file util.hpp
 * @brief mqctl's pure helpers: argument parsing, escaping, JSON, tables.
 *
 * Nothing here touches the mount, so tests/cli unit-tests it directly.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace mqfs::cli {

/* Exit statuses (documented in --help and mqctl(1)). */
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitFailed = 2;
inline constexpr int kExitTimeout = 3;
inline constexpr int kExitInterrupted = 130;

/**
 * \brief Parse "--timeout" seconds: digits with an optional fraction ("2",
 * "0.25", ".5", "1."), at most 9 fractional digits are significant.
 * \return the duration, or nullopt with \a why set.
 */
std::optional<std::chrono::nanoseconds> parseSeconds(std::string_view text, std::string &why);

/** \brief "1.5" for 1.5 s, "2" for 2 s, "0.001" for 1 ms (no trailing zeros). */
std::string formatSeconds(std::chrono::nanoseconds d);

/** \brief Parse an octal permission mode ("640", "0640"), at most 07777. */
std::optional<mode_t> parseMode(std::string_view text);

/** \brief "0640". */
std::string formatMode(mode_t mode);

/** \brief "rw-r-----" with s/S/t/T as ls(1) shows them. */
std::string formatPerms(mode_t mode);

/** \brief A decimal integer (optional '-'), the whole string, in int64_t. */
std::optional<std::int64_t> parseInt(std::string_view text);

/**
 * \brief A queue name as typed: with or without the leading '/'.
 * \return "/name", or nullopt with \a why set when the kernel would refuse it.
 */
std::optional<std::string> normalizeName(std::string_view text, std::string &why);

/**
 * \brief A payload or name for a terminal: printable ASCII as is, '\\' as
 * "\\\\", \\n \\t \\r \\0 as such, other bytes as \\xHH. With \a utf8,
 * well-formed UTF-8 sequences of printable characters (U+00A0 and above)
 * are kept.
 */
std::string escapeBytes(std::string_view bytes, bool utf8);

/**
 * \brief A JSON string literal (with the quotes). Well-formed UTF-8 is kept;
 * a byte that is not part of one is written as \\u00XX (its Latin-1 reading).
 */
std::string jsonString(std::string_view bytes);

/** \brief Column layout for `ls`: left-aligned or right-aligned cells. */
struct Table {
	std::vector<std::string> header;
	std::vector<bool> rightAlign;
	std::vector<std::vector<std::string>> rows;

	/** \brief Lines separated by '\\n', columns by two spaces, no trailing blanks. */
	std::string render(bool withHeader = true) const;
};

/** \brief The parsed status line of a queue file ("QSIZE:... NOTIFY:..."). */
struct StatusLine {
	std::uint64_t qsize = 0;
	int notify = 0;
	int signo = 0;
	int notifyPid = 0;
};
std::optional<StatusLine> parseStatusLine(std::string_view text);

/** \brief How a registration notifies: "SIGUSR1" (or "signal 0"), "SIGEV_NONE", "SIGEV_THREAD". */
std::string notifyMethod(const StatusLine &s);

/** \brief strerror() with a lower-case first letter ("no such file or directory"). */
std::string errnoText(int err);

} /* namespace mqfs::cli */
