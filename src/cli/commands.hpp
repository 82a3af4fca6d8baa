/* SPDX-License-Identifier: MIT */
/**
 * @file commands.hpp
 * @brief The verbs of mqctl. Each returns the process exit status and has
 * already printed its one-line error ("mqctl: VERB NAME: what went wrong").
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace mqfs::cli {

struct Global {
	std::string root; /* the mount: --root, $MQFS_ROOT or MQFS_DEFAULT_ROOT */
};

struct LsOptions {
	bool json = false;
	bool noHeadings = false;
};

struct StatOptions {
	std::string name;
	bool json = false;
};

struct CreateOptions {
	std::string name;
	std::optional<long> maxmsg;
	std::optional<long> msgsize;
	mode_t mode = 0600;
	bool existOk = false;
};

struct SendOptions {
	std::string name;
	std::optional<std::string> message; /* unset or "-": standard input */
	unsigned priority = 0;
	std::optional<std::chrono::nanoseconds> timeout;
	bool nonblock = false;
};

struct RecvOptions {
	std::string name;
	std::optional<std::chrono::nanoseconds> timeout;
	unsigned long count = 1;
	bool follow = false;
	bool raw = false;
	bool nonblock = false;
};

struct RmOptions {
	std::vector<std::string> names;
	bool force = false;
};

struct LimitsOptions {
	std::vector<std::pair<unsigned, std::int64_t>> set; /* proto key, value */
	bool json = false;
};

/** \brief Keep well-formed UTF-8 in names and payloads shown (set from the locale). */
extern bool gUtf8;

/** \brief The limit names in MQFS_IOC_LIMITS_* key order. */
extern const char *const kLimitNames[5];

int cmdLs(const Global &g, const LsOptions &o);
int cmdStat(const Global &g, const StatOptions &o);
int cmdCreate(const Global &g, const CreateOptions &o);
int cmdSend(const Global &g, const SendOptions &o);
int cmdRecv(const Global &g, const RecvOptions &o);
int cmdRm(const Global &g, const RmOptions &o);
int cmdLimits(const Global &g, const LimitsOptions &o);

} /* namespace mqfs::cli */
