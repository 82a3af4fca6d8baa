/* SPDX-License-Identifier: MIT */
/**
 * @file common.hpp
 * @brief Small helpers of mqstress: clocks, errno names, shared memory,
 *        /proc figures, mount checks, running a command, one report per
 *        scenario and backend.
 *
 * Everything here may be used by forked workers; nothing allocates in a way
 * that would break after fork() of a single-threaded controller.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace stress {

/** \brief CLOCK_MONOTONIC in nanoseconds. */
std::int64_t monoNs();

/** \brief Sleep \a ns nanoseconds of CLOCK_MONOTONIC, whatever signals come. */
void sleepNs(std::int64_t ns);

/** \brief An absolute CLOCK_REALTIME deadline \a ns from now (for mq_timed*). */
struct timespec realtimeIn(std::int64_t ns);

/** \brief "EINTR", "ENOTCONN", ... or "errno N". */
std::string errName(int e);

/** \brief splitmix64: one step of a seeded generator, also a good hash. */
std::uint64_t mix64(std::uint64_t x);

/**
 * \brief An anonymous MAP_SHARED mapping: what forked workers and the
 *        controller all see. Zero-filled; pages are allocated when touched.
 */
class SharedMap
{
public:
	SharedMap() = default;
	explicit SharedMap(std::size_t bytes);
	~SharedMap();
	SharedMap(const SharedMap &) = delete;
	SharedMap &operator=(const SharedMap &) = delete;
	SharedMap(SharedMap &&other) noexcept;
	SharedMap &operator=(SharedMap &&other) noexcept;

	bool valid() const { return addr_ != nullptr; }
	void *data() const { return addr_; }
	std::size_t size() const { return size_; }

private:
	void *addr_ = nullptr;
	std::size_t size_ = 0;
};

/** \brief What /proc/PID shows of a process's resources. */
struct ProcFigures {
	long threads = -1;
	long rssKb = -1;
	long fds = -1;
};

/** \brief Threads and VmRSS of /proc/PID/status, entries of /proc/PID/fd. */
std::optional<ProcFigures> procFigures(pid_t pid);

/** \brief Is \a path a mount point in /proc/self/mountinfo? */
bool isMountPoint(const std::string &path);

/** \brief The mount id of the topmost mount on \a path (mountinfo field 1), or -1. */
long mountId(const std::string &path);

/** \brief "pid (comm) fd N" for every open file on mount \a mntId (from /proc/PID/fdinfo). */
std::vector<std::string> mountHolders(long mntId);

/** \brief tid, state and wait channel of every thread of \a pid. */
std::vector<std::string> threadStates(pid_t pid);

/** \brief statfs(path).f_type, or -errno. */
long fsType(const std::string &path);

/** \brief Exit status of a command (or -1 not run / -2 timed out) and its output. */
struct CommandResult {
	int status = -1;
	std::string output;
};

/**
 * \brief Run \a argv (PATH lookup) with stdout+stderr captured, as real uid 0.
 * Killed (and reported as -2) after \a timeoutMs.
 */
CommandResult runCommand(const std::vector<std::string> &argv, int timeoutMs);

/**
 * \brief Wait for child \a pid for at most \a timeoutMs.
 * \return its wait status, or nullopt if it is still running.
 */
std::optional<int> waitChild(pid_t pid, int timeoutMs);

/** \brief "exit 0", "signal 9", ... for a wait status. */
std::string statusText(int status);

/** \brief Read a whole small file; nullopt on error (errno kept). */
std::optional<std::string> readFile(const std::string &path);

/** \brief Write \a text to an existing file (a sysctl). 0 or -errno. */
int writeFile(const std::string &path, const std::string &text);

/**
 * \brief The findings of one scenario on one backend.
 *
 * A violation is a broken guarantee and fails the run; a note is something
 * observed and reported (an errno seen, a timing), not judged.
 */
struct Report {
	std::string scenario;
	std::string backend;
	double seconds = 0;
	bool skipped = false;
	std::vector<std::pair<std::string, std::string>> figures;
	std::vector<std::string> notes;
	std::vector<std::string> violations;

	void figure(const std::string &name, const std::string &value) { figures.emplace_back(name, value); }
	void figure(const std::string &name, std::uint64_t value) { figure(name, std::to_string(value)); }
	void note(const std::string &text) { notes.push_back(text); }
	void fail(const std::string &text) { violations.push_back(text); }
};

/** \brief Print one report (figures on one line, then notes and violations). */
void printReport(const Report &r);

/**
 * \brief Reset a forked worker: default handlers for every signal, no
 *        blocked signals, SIGKILL when the controller dies, and an alarm()
 *        as its own last resort (SIGALRM with no handler is fatal, so it
 *        ends even a wait in a FUSE request).
 * \param controller the pid that forked it
 */
void becomeWorker(pid_t controller, unsigned alarmSeconds);

} /* namespace stress */
