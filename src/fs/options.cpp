/* SPDX-License-Identifier: MIT */
#include "options.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fuse.hpp"

namespace mqfs::fs {

namespace {

enum Key {
	KeyHelp,
	KeyVersion,
	KeyForeground,
	KeyDebug,
	KeySingle,
	KeyCloneFd,
	KeyAllowOther,
};

struct ParseState {
	Options *o;
	std::vector<std::string> positional;
	std::string error;
};

const fuse_opt kOpts[] = {
	FUSE_OPT_KEY("-h", KeyHelp),
	FUSE_OPT_KEY("--help", KeyHelp),
	FUSE_OPT_KEY("-V", KeyVersion),
	FUSE_OPT_KEY("--version", KeyVersion),
	FUSE_OPT_KEY("-f", KeyForeground),
	FUSE_OPT_KEY("-d", KeyDebug),
	FUSE_OPT_KEY("debug", KeyDebug),
	FUSE_OPT_KEY("-s", KeySingle),
	FUSE_OPT_KEY("clone_fd", KeyCloneFd),
	FUSE_OPT_KEY("allow_other", KeyAllowOther),
	/* fstab-only words; mount.fuse3 drops most of them, fstab may not. */
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END,
};

bool takeValue(const char *arg, const char *prefix, std::string &out)
{
	const size_t n = std::strlen(prefix);
	if (std::strncmp(arg, prefix, n))
		return false;
	out = arg + n;
	return true;
}

int procOpt(void *data, const char *arg, int key, fuse_args *)
{
	auto *st = static_cast<ParseState *>(data);
	Options &o = *st->o;
	switch (key) {
	case KeyHelp:
		o.help = true;
		return 0;
	case KeyVersion:
		o.version = true;
		return 0;
	case KeyForeground:
		o.foreground = true;
		return 0;
	case KeyDebug:
		o.debug = true;
		o.foreground = true;
		return 0;
	case KeySingle:
		o.singleThread = true;
		return 0;
	case KeyCloneFd:
		o.cloneFd = true;
		return 0;
	case KeyAllowOther:
		o.allowOther = true;
		o.fuseOpts.push_back(arg);
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		st->positional.push_back(arg);
		return 0;
	case FUSE_OPT_KEY_OPT:
		break;
	default:
		return 1;
	}

	/* A -o option nobody above claimed. */
	std::string value;
	if (!std::strncmp(arg, "x-", 2))
		return 0;
	if (takeValue(arg, "config=", value)) {
		o.configDir = value;
		return 0;
	}
	if (takeValue(arg, "max_threads=", value) || takeValue(arg, "max_idle_threads=", value)) {
		char *end;
		errno = 0;
		unsigned long n = std::strtoul(value.c_str(), &end, 10);
		if (errno || *end || value.empty() || n == 0 || n > 1024) {
			st->error = std::string("bad value in -o ") + arg;
			return -1;
		}
		(arg[4] == 't' ? o.maxThreads : o.maxIdleThreads) = static_cast<unsigned>(n);
		return 0;
	}
	for (const auto &info : limitTable()) {
		if (takeValue(arg, (std::string(info.name) + "=").c_str(), value)) {
			const SysctlParse p = parseSysctlInt(value);
			if (p.error || !p.value || p.used != value.size() || *p.value < info.min ||
			    *p.value > info.max) {
				st->error = std::string("bad value in -o ") + arg + " (accepted: " +
					    std::to_string(info.min) + ".." + std::to_string(info.max) + ")";
				return -1;
			}
			o.limits[static_cast<unsigned>(info.key)] = *p.value;
			return 0;
		}
	}
	/* Everything else (ro, rw, dev, suid, noatime, allow_root...) is libfuse's. */
	o.fuseOpts.push_back(arg);
	return 0;
}

} /* namespace */

std::string parseOptions(int argc, char **argv, Options &o)
{
	ParseState st{ &o, {}, {} };
	fuse_args args = FUSE_ARGS_INIT(argc, argv);
	const int rv = fuse_opt_parse(&args, &st, kOpts, procOpt);
	fuse_opt_free_args(&args);
	if (rv != 0)
		return st.error.empty() ? "invalid arguments" : st.error;
	if (o.help || o.version)
		return {};
	if (st.positional.empty())
		return "missing mount point";
	if (st.positional.size() > 2)
		return "too many arguments: " + st.positional[2];
	if (st.positional.size() == 2)
		o.source = st.positional[0];
	o.mountpoint = st.positional.back();
	return {};
}

std::string usage(const char *prog)
{
	return std::string("usage: ") + prog + " [options] [SOURCE] MOUNTPOINT\n" +
	       R"(
Serve POSIX message queues as a FUSE filesystem, like /dev/mqueue.

Options:
    -h, --help             print this help and exit
    -V, --version          print the version and exit
    -f                     stay in the foreground (log to stderr)
    -d, -o debug           debug output (implies -f)
    -s                     single-threaded request loop
    -o config=DIR          also mount the limits tree (like /proc/sys/fs/mqueue) on DIR
    -o queues_max=N        initial limits; the defaults are those of the host's
    -o msg_max=N             /proc/sys/fs/mqueue, or the kernel's when it has none
    -o msgsize_max=N
    -o msg_default=N
    -o msgsize_default=N
    -o max_threads=N       most request threads (default 16)
    -o max_idle_threads=N  idle request threads kept (default 8)
    -o clone_fd            one /dev/fuse descriptor per thread
    -o allow_other         let other users use the queues (needs root or
                           user_allow_other in /etc/fuse.conf)
    -o OPT                 any other FUSE mount option (ro, noatime, ...)

SOURCE is accepted for mount(8) and fstab, and shows in /proc/mounts.
)";
}

} /* namespace mqfs::fs */
