/* SPDX-License-Identifier: MIT */
/**
 * @file options.hpp
 * @brief The daemon's command line: mqfs [options] [SOURCE] MOUNTPOINT.
 *
 * mount.fuse3 runs `mqfs SOURCE MOUNTPOINT -o rw,dev,suid,...`, so a source
 * argument before the mount point is accepted and ignored (it names the
 * filesystem in /proc/mounts), generic mount options pass on to libfuse, and
 * fstab-only options (auto, noauto, user, nofail, _netdev, x-*) are dropped.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/limits.hpp"

namespace mqfs::fs {

struct Options {
	std::string source = "mqfs";
	std::string mountpoint;
	std::string configDir;
	bool foreground = false;
	bool debug = false;
	bool singleThread = false;
	bool cloneFd = false;
	bool allowOther = false;
	unsigned maxThreads = 16;
	unsigned maxIdleThreads = 8;
	bool help = false;
	bool version = false;
	std::optional<long> limits[kLimitCount]; /* seeds, by LimitKey */
	std::vector<std::string> fuseOpts; /* passed to libfuse as -o */
};

/**
 * \brief Parse argv.
 * \return an error message, empty on success.
 */
std::string parseOptions(int argc, char **argv, Options &o);

/** \brief The text of --help. */
std::string usage(const char *prog);

} /* namespace mqfs::fs */
