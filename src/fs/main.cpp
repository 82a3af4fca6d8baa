/* SPDX-License-Identifier: MIT */
/**
 * @file main.cpp
 * @brief The mqfs daemon: check, mount, daemonize, serve, unmount.
 *
 * Start-up errors are found before anything is mounted and reported as one
 * line on stderr with a non-zero exit; the daemon forks only after the mount
 * succeeded (sshfs order), so mount(8) sees every failure.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "config_fs.hpp"
#include "core/thread_annotations.hpp"
#include "filesystem.hpp"
#include "mqfs_config.h"
#include "options.hpp"
#include "proto/mqfs_proto.h"

using namespace mqfs;
using namespace mqfs::fs;

namespace {

int fail(const std::string &msg)
{
	std::fprintf(stderr, "mqfs: %s\n", msg.c_str());
	return 1;
}

/* The mount points of this mount namespace, unescaped. */
bool isMountPoint(const std::string &path)
{
	std::ifstream in("/proc/self/mountinfo");
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream ls(line);
		std::string id, parent, dev, root, mnt;
		ls >> id >> parent >> dev >> root >> mnt;
		std::string un;
		for (size_t i = 0; i < mnt.size(); i++) {
			if (mnt[i] == '\\' && i + 3 < mnt.size()) {
				un += static_cast<char>(std::stoi(mnt.substr(i + 1, 3), nullptr, 8));
				i += 3;
			} else {
				un += mnt[i];
			}
		}
		if (un == path)
			return true;
	}
	return false;
}

/* A usable, empty directory that is not mounted on yet. */
std::string checkMountDir(const std::string &dir, std::string &abs)
{
	char buf[PATH_MAX];
	if (!::realpath(dir.c_str(), buf))
		return "mount point " + dir + ": " + std::strerror(errno);
	abs = buf;
	struct stat st;
	if (::stat(buf, &st) < 0)
		return "mount point " + dir + ": " + std::strerror(errno);
	if (!S_ISDIR(st.st_mode))
		return "mount point " + dir + " is not a directory";
	if (isMountPoint(abs))
		return "mount point " + dir + " is already mounted";
	DIR *d = ::opendir(buf);
	if (!d)
		return "mount point " + dir + ": " + std::strerror(errno);
	bool empty = true;
	while (struct dirent *e = ::readdir(d)) {
		if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	}
	::closedir(d);
	if (!empty)
		return "mount point " + dir + " is not empty";
	return {};
}

/* Build the argument vector of one session. */
struct SessionArgs {
	std::vector<std::string> words;
	std::vector<char *> argv;
	fuse_args args;

	SessionArgs(const char *prog, const std::vector<std::string> &opts, bool debug)
	{
		words.push_back(prog);
		if (debug)
			words.push_back("-d");
		std::string joined;
		for (const auto &o : opts)
			joined += (joined.empty() ? "" : ",") + o;
		if (!joined.empty()) {
			words.push_back("-o");
			words.push_back(joined);
		}
		for (auto &w : words)
			argv.push_back(w.data());
		args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
	}
	~SessionArgs() { fuse_opt_free_args(&args); }
	MQFS_DISABLE_COPY_AND_MOVE(SessionArgs);
};

struct SessionDeleter {
	void operator()(fuse_session *se) const { fuse_session_destroy(se); }
};
using Session = std::unique_ptr<fuse_session, SessionDeleter>;

void setupLogging(bool foreground, bool debug)
{
	std::shared_ptr<spdlog::logger> log;
	if (foreground)
		log = spdlog::stderr_color_mt("mqfs");
	else
		log = spdlog::syslog_logger_mt("mqfs", "mqfs", LOG_PID, LOG_DAEMON);
	log->set_level(debug ? spdlog::level::debug : spdlog::level::info);
	spdlog::set_default_logger(log);
}

} /* namespace */

int main(int argc, char **argv)
{
	Options o;
	if (std::string err = parseOptions(argc, argv, o); !err.empty()) {
		std::fprintf(stderr, "mqfs: %s (see 'mqfs --help')\n", err.c_str());
		return 1;
	}
	if (o.help) {
		std::fputs(usage("mqfs").c_str(), stdout);
		return 0;
	}
	if (o.version) {
		std::printf("mqfs %s (libfuse %s, protocol %u)\n", MQFS_VERSION, fuse_pkgversion(),
			    static_cast<unsigned>(MQFS_PROTO_VERSION_VALUE));
		return 0;
	}

	std::string mnt, cfgMnt;
	if (std::string err = checkMountDir(o.mountpoint, mnt); !err.empty())
		return fail(err);
	if (!o.configDir.empty()) {
		if (std::string err = checkMountDir(o.configDir, cfgMnt); !err.empty())
			return fail("config: " + err);
		if (cfgMnt == mnt)
			return fail("config directory and mount point are the same");
	}
	if (::access("/dev/fuse", R_OK | W_OK) < 0)
		return fail(std::string("/dev/fuse: ") + std::strerror(errno) +
			    " (is the fuse module loaded?)");

	setupLogging(true, o.debug);

	LimitSet limits;
	limits.seedFromProc();
	for (const auto &info : limitTable())
		if (auto v = o.limits[static_cast<unsigned>(info.key)])
			(void)limits.set(info.key, *v);

	Filesystem fs(limits, ::geteuid(), ::getegid());
	ConfigFs cfg(limits, ::geteuid(), ::getegid());

	/* default_permissions: the kernel checks modes, ownership and the sticky
	 * bit exactly as it does on /dev/mqueue. noexec/nosuid/nodev: the
	 * kernel's mqueue is never executable (execve gives EACCES). */
	std::vector<std::string> mainOpts = o.fuseOpts;
	mainOpts.insert(mainOpts.end(), { "default_permissions", "fsname=" + o.source,
					  "subtype=mqfs", "nosuid", "nodev", "noexec" });
	SessionArgs margs(argv[0], mainOpts, o.debug);
	const fuse_lowlevel_ops ops = queueOps();
	Session se(fuse_session_new(&margs.args, &ops, sizeof(ops), &fs));
	if (!se)
		return fail("cannot start a FUSE session (see the message above)");
	fs.setSession(se.get());

	Session cse;
	std::vector<std::string> cfgOpts = { "fsname=" + o.source + "-config",
					     "subtype=mqfs-config", "nosuid", "nodev", "noexec" };
	if (o.allowOther)
		cfgOpts.push_back("allow_other");
	SessionArgs cargs(argv[0], cfgOpts, false);
	const fuse_lowlevel_ops cops = ConfigFs::ops();
	if (!o.configDir.empty()) {
		cse.reset(fuse_session_new(&cargs.args, &cops, sizeof(cops), &cfg));
		if (!cse)
			return fail("cannot start the config FUSE session");
	}

	if (fuse_set_signal_handlers(se.get()) != 0)
		return fail("cannot install signal handlers");
	if (fuse_session_mount(se.get(), mnt.c_str()) != 0) {
		fuse_remove_signal_handlers(se.get());
		return fail("cannot mount on " + mnt);
	}
	if (cse && fuse_session_mount(cse.get(), cfgMnt.c_str()) != 0) {
		fuse_session_unmount(se.get());
		fuse_remove_signal_handlers(se.get());
		return fail("cannot mount the config tree on " + cfgMnt);
	}

	if (fuse_daemonize(o.foreground) != 0) {
		if (cse)
			fuse_session_unmount(cse.get());
		fuse_session_unmount(se.get());
		return fail("cannot daemonize");
	}
	if (!o.foreground) {
		spdlog::drop_all();
		setupLogging(false, o.debug);
	}
	spdlog::info("mounted on {}{}{}", mnt, cse ? ", limits on " : "", cfgMnt);

	std::thread cfgThread;
	if (cse)
		cfgThread = std::thread([&] { fuse_session_loop(cse.get()); });

	int rv;
	if (o.singleThread) {
		rv = fuse_session_loop(se.get());
	} else {
		fuse_loop_config *lc = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(lc, o.cloneFd);
		fuse_loop_cfg_set_max_threads(lc, o.maxThreads);
		fuse_loop_cfg_set_idle_threads(lc, o.maxIdleThreads);
		rv = fuse_session_loop_mt(se.get(), lc);
		fuse_loop_cfg_destroy(lc);
	}

	fs.shutdown();
	if (cse) {
		fuse_session_exit(cse.get());
		fuse_session_unmount(cse.get());
		cfgThread.join();
	}
	fuse_remove_signal_handlers(se.get());
	fuse_session_unmount(se.get());
	spdlog::info("unmounted {}", mnt);
	/* A loop ended by SIGTERM/SIGINT/SIGHUP is a clean stop. */
	return rv < 0 ? 1 : 0;
}
