/* SPDX-License-Identifier: MIT */
/**
 * @file daemon_death.hpp
 * @brief Scenario 4 (mqfs only): the daemon is killed with SIGKILL, or its
 *        mount is lazily unmounted, while clients are blocked and busy.
 *
 * KILL ROUND. Clients block in sends (a full queue, one of them a staged
 * send of a big message), in receives (an empty queue, timed and untimed),
 * keep a queue busy, and open/getattr/close in a loop. The daemon gets
 * SIGKILL. Every client call must return within a bound with an error
 * (ENOTCONN is what we expect; what comes is recorded), no call may succeed
 * after a client saw the first error, and no client may hang. Then the dead
 * mount is still listed, `fusermount3 -u` must remove it, nothing may stay
 * in /proc/self/mountinfo, and a new daemon on the same point must work.
 *
 * LAZY ROUND. The same clients; `fusermount3 -u -z` while they run. The
 * mount point must be free at once; clients keep their descriptors (their
 * calls may finish or fail; new opens fail); a new daemon is mounted on the
 * same point while the old one still serves them. The clients are told to
 * stop and helped out of their blocking calls, and once the last descriptor
 * is closed the old daemon must exit with status 0, without unmounting the
 * new daemon's mount, which must still work.
 *
 * The rounds alternate until the time is used (at least one of each).
 */
#pragma once

#include <memory>

#include "backend.hpp"
#include "common.hpp"
#include "env.hpp"

namespace stress {

/**
 * \brief Run kill and lazy-unmount rounds for about \a seconds.
 * \param daemon the running daemon; replaced by the one that runs at the end
 */
void runDaemonDeath(Environment &env, std::unique_ptr<Daemon> &daemon, const Backend &be, double seconds,
		    std::uint64_t seed, Watchdog &wd, Report &rep);

} /* namespace stress */
