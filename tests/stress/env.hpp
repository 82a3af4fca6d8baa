/* SPDX-License-Identifier: MIT */
/**
 * @file env.hpp
 * @brief The environment of mqstress: a private IPC + mount namespace, a
 *        kernel mqueue mount, mqfs daemons, and a watchdog process.
 *
 * SETUP (run-parity.sh runs us as root in `unshare -i -m`):
 *   base = mkdtemp(/tmp/mqstress.XXXXXX)
 *   base/kernel  <- mount -t mqueue (status lines of the kernel's queues)
 *   base/mqfs    <- $MQFS_BIN -f -o allow_other,msg_max=..,msgsize_max=..
 *   /proc/sys/fs/mqueue/{msg_max,msgsize_max} raised: they belong to the
 *   private IPC namespace, never to the host.
 * The real uid becomes a private one (euid stays 0): the kernel charges
 * RLIMIT_MSGQUEUE to the real uid across IPC namespaces, and we must not
 * share the 819200-byte budget with other root processes.
 *
 * NEVER HANG. The controller may block in a FUSE request that a broken
 * daemon never answers, and no ordinary signal ends such a wait, so the
 * watchdog is a separate process. When the controller overruns the deadline
 * it armed, the watchdog SIGKILLs the daemons (which fails every pending
 * request with ENOTCONN) and the workers, gives the controller time to
 * report, then kills it. If the controller dies, the watchdog detaches the
 * mounts and removes the directories. Every child has PR_SET_PDEATHSIG.
 *
 * LIFECYCLE: Watchdog, then Environment, then Daemon objects; destroyed in
 * the reverse order. A Daemon that still runs when destroyed is unmounted
 * (if the mount is still its own) and reaped, SIGKILL after 5 s. A daemon
 * that was killed or has exited leaves the mount point alone: it may hold
 * a newer daemon's mount by then; the Environment detaches what is left.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <sys/types.h>

#include "common.hpp"

namespace stress {

struct WatchdogShm;

class Watchdog
{
public:
	Watchdog() = default;
	~Watchdog();
	Watchdog(const Watchdog &) = delete;
	Watchdog &operator=(const Watchdog &) = delete;

	/** \brief Fork the watchdog process. Empty string: success. */
	std::string start();
	/** \brief What to clean up should the controller die: mounts, then directories. */
	void setPaths(const std::string &base, const std::string &kernelDir, const std::string &mqfsDir);
	/** \brief The phase \a label must end within \a seconds (re-arming replaces). */
	void arm(const std::string &label, double seconds);
	/** \brief Has it fired (the run failed)? */
	bool fired() const;
	/** \brief A child to SIGKILL when it fires; daemons are killed first. */
	void track(pid_t pid, bool daemon);
	void untrack(pid_t pid);
	/** \brief End the watchdog process (normal end of the run). */
	void stop();

private:
	WatchdogShm *shm_ = nullptr;
	SharedMap map_;
	pid_t pid_ = -1;
};

/** \brief One mqfs daemon process (`mqfs -f`), owned: unmounted and reaped. */
class Daemon
{
public:
	Daemon(Watchdog &wd, std::string bin, std::string mountPoint, std::string options, std::string logPath);
	~Daemon();
	Daemon(const Daemon &) = delete;
	Daemon &operator=(const Daemon &) = delete;

	/** \brief Start it and wait (5 s) for the mount. Empty string: success. */
	std::string start();
	pid_t pid() const { return pid_; }
	bool running() const { return pid_ > 0; }
	/** \brief kill -9. It stays a child to reap(). */
	void kill9();
	/** \brief Reap it within \a timeoutMs: its wait status, or nullopt. */
	std::optional<int> reap(int timeoutMs);
	/**
	 * \brief Normal end: unmount (unless \a unmount is false), wait 5 s for
	 *        the exit, SIGKILL after that.
	 * \return empty when it exited with status 0, else what went wrong
	 */
	std::string stop(bool unmount = true);
	/** \brief Its output so far. */
	std::string log() const;
	const std::string &mountPoint() const { return mnt_; }
	/** \brief Mount id and device of its mount (as they were when it started). */
	long mountId() const { return mntId_; }
	dev_t device() const { return dev_; }
	/** \brief Why it may not have ended: its threads, its FUSE connection, who holds its files. */
	std::string diagnosis() const;
	/**
	 * \brief Its mount was detached by someone else (a lazy unmount): from
	 *        now on it never unmounts the mount point, which may hold
	 *        another daemon's mount.
	 */
	void mountDetached() { ownsMount_ = false; }

private:
	Watchdog &wd_;
	std::string bin_, mnt_, opts_, log_;
	pid_t pid_ = -1;
	bool ownsMount_ = false;
	long mntId_ = -1;
	dev_t dev_ = 0;
};

class Environment
{
public:
	Environment() = default;
	~Environment();
	Environment(const Environment &) = delete;
	Environment &operator=(const Environment &) = delete;

	/**
	 * \brief Check the namespace, make the directories and the kernel
	 *        mount, raise the sysctls of our IPC namespace, take a private
	 *        real uid. Empty string: success.
	 * \param mqfsBin the daemon (empty: the mqfs backend is not used)
	 */
	std::string setup(Watchdog &wd, const std::string &mqfsBin);
	/** \brief A new (not started) daemon on the mqfs mount point. */
	std::unique_ptr<Daemon> makeDaemon();

	const std::string &kernelDir() const { return kernelDir_; }
	const std::string &mqfsDir() const { return mqfsDir_; }

	/* The sysctl values both sides get (msg_max, msgsize_max). */
	static constexpr long kMsgMax = 64;
	static constexpr long kMsgsizeMax = 131072;

private:
	Watchdog *wd_ = nullptr;
	std::string base_, kernelDir_, mqfsDir_, bin_;
	bool kernelMounted_ = false;
	unsigned daemons_ = 0;
};

/**
 * \brief Unmount \a path: `fusermount3 -u [-z]`, falling back to umount2().
 * \param how filled with what worked ("fusermount3 -u" or "umount2 after
 *        fusermount3 failed: ...")
 * \return true when nothing is mounted there any more
 */
bool unmountFuse(const std::string &path, bool lazy, std::string &how);

} /* namespace stress */
