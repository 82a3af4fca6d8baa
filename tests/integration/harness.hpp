/* SPDX-License-Identifier: MIT */
/**
 * @file harness.hpp
 * @brief Fixture of the kernel-parity suite: one kernel mqueue mount, one
 *        mqfs daemon (queue tree + limits tree), scenarios run on both.
 *
 * The program runs as root inside a private IPC + mount namespace (see
 * run-parity.sh). Setup (once, from main()):
 *   base = mkdtemp(/tmp/mqfs-parity.XXXXXX), chmod 0755
 *   K = base/kernel  <- mount("none", K, "mqueue")
 *   M = base/mqfs    <- mqfs -f -o allow_other,config=C M   (env MQFS_BIN)
 *   C = base/config
 * The kernel's sysctl oracle is /proc/sys/fs/mqueue (private to the IPC
 * namespace); mqfs's is C.
 *
 * A scenario is a function Side -> Obs (a list of observation lines). It is
 * run once on the kernel side and once on the mqfs side, and the two lists
 * must be equal. Anything that legitimately differs (inode numbers, devices,
 * absolute times, mount paths) is normalised inside the scenario, never
 * dropped.
 */
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>

namespace parity {

/** \brief One side of the comparison. */
struct Side {
	const char *name; /* "kernel" or "mqfs" */
	std::string root; /* the queue directory (mount point) */
	std::string sys;  /* the sysctl directory */
	bool kernel;

	std::string q(const std::string &leaf) const { return root + "/" + leaf; }
	std::string s(const std::string &file) const { return sys + "/" + file; }
};

using Obs = std::vector<std::string>;

/* ---- environment (harness.cpp) ---- */

/** \brief Mount K, start the daemon, wait for M and C. Empty string: success. */
std::string setupEnvironment();
/**
 * \brief Unmount everything, reap the daemon (SIGKILL after 5 s), remove the
 *        directories. Idempotent.
 * \return 0 when the daemon exited with status 0 and everything came down.
 */
int teardownEnvironment();

/**
 * \brief Run the suite, then tear the environment down even if it throws.
 * \return the suite's result, or 1 if it passed but the daemon did not shut
 *         down cleanly.
 */
int runThenTeardown(const std::function<int()> &run);

const Side &kernelSide();
const Side &mqfsSide();
pid_t daemonPid();

/**
 * \brief Reset both sides: unlink every queue, root back to 01777 root:root,
 *        default sysctl values, umask 022. Throws std::runtime_error.
 */
void resetBoth();

/** \brief Catch2 fixture: resets both sides before the test case. */
struct Fresh {
	Fresh() { resetBoth(); }
};

/* ---- running scenarios ---- */

using Scenario = std::function<Obs(const Side &)>;

/** \brief Run on the kernel, then on mqfs; REQUIRE equality (prints a diff table). */
void requireParity(const std::string &what, const Scenario &fn);
/** \brief The same, but both sides run at once in two threads (for sleepy timestamp scenarios). */
void requireParityConcurrent(const std::string &what, const Scenario &fn);
/** \brief Compare two observation lists (REQUIRE), printing a side-by-side table on mismatch. */
void requireEqualObs(const std::string &what, const Obs &kernel, const Obs &mqfs);

/* ---- observation helpers ---- */

/**
 * \brief Builds one observation line with operands evaluated left to right.
 *
 * `a + f() + g()` leaves the order of f() and g() unspecified (GCC often
 * evaluates g() first), which matters when f() is a syscall and g() a stat
 * of its effect; the operands of `<<` are sequenced since C++17.
 */
struct Line {
	std::string s;
	Line &operator<<(const std::string &x)
	{
		s += x;
		return *this;
	}
	operator std::string() const { return s; }
};

/** \brief "EINVAL", "ENOENT", ... (or the number). */
std::string errName(int e);
/** \brief rv >= 0: the number; else "ERR <errno name>". Reads errno at once. */
std::string rc(long rv);
/** \brief An fd: "fd" when >= 0, else "ERR <errno name>". */
std::string fdrc(int fd);
/** \brief C-style escaping of arbitrary bytes. */
std::string esc(const std::string &bytes);
/** \brief Mode, nlink, uid, gid, size, blocks, blksize, tv_nsec of the three times. */
std::string statDesc(const struct stat &st);
/** \brief stat(path) as statDesc() or "ERR ...". */
std::string statPath(const std::string &path);
std::string fstatFd(int fd);
/** \brief Relation of two timestamps: "=" or "+" (later) or "-" (earlier). */
std::string rel(const struct timespec &before, const struct timespec &after);
/** \brief atime/mtime/ctime relations of two stats: "a+ m= c+". */
std::string timeRel(const struct stat &before, const struct stat &after);

/** \brief Read a whole small file (one read at offset 0 of up to 4 KiB); "ERR ..." on failure. */
std::string readSmall(const std::string &path);
/** \brief open(O_WRONLY|O_TRUNC) + one write + close. Returns rc() of the write (or of the open). */
std::string writeOnce(const std::string &path, const std::string &bytes);
/** \brief Create a queue file with open(O_CREAT|O_RDWR, mode) and close it: "fd"/"ERR ..". */
std::string createQueue(const std::string &path, mode_t mode = 0644);
/** \brief Names in a directory, in readdir(3) order, escaped, with d_type. */
std::string listDir(const std::string &dir, bool withType = true);

/** \brief Sleep until 50 ms past the next whole second (coarse clocks have ticked too). */
void waitNextSecond();

/**
 * \brief Fork a child that becomes uid/gid \a id (groups cleared) and runs
 *        \a fn; its observations come back through a pipe.
 * \param rlimitMsgqueue when nonzero, RLIMIT_MSGQUEUE (soft and hard) of the child.
 */
Obs runAs(uid_t id, const std::function<Obs()> &fn, unsigned long rlimitMsgqueue = 0);

/**
 * \brief Fork a child with exactly these credentials and run \a fn in it;
 *        its observations come back through a pipe (as runAs()).
 *
 * The child sets its supplementary groups to \a groups (possibly none),
 * then real/effective/saved gid to \a gid, then real/effective/saved uid to
 * \a uid. With \a uid 0 the capabilities stay, as for any root process.
 */
Obs runAsIds(uid_t uid, gid_t gid, const std::vector<gid_t> &groups, const std::function<Obs()> &fn);

/**
 * \brief Run `sh -c script` with D=<root> and S=<sys> in the environment and
 *        cwd = root; returns its output (stdout+stderr, with the paths of the
 *        side replaced by $D and $S) and the exit status, as lines.
 */
Obs shell(const Side &side, const std::string &script);

} /* namespace parity */
