/* SPDX-License-Identifier: MIT */
/**
 * @file load.hpp
 * @brief The load engine of the exactly-once, killed-clients and
 *        signal-storm scenarios, and the checker behind them.
 *
 * PROCESSES. The controller creates the queues (and keeps a descriptor of
 * each), forks consumers (each bound to one queue) and producers (each
 * sending to a set of queues), optionally a storm process, then kills and
 * respawns workers if asked. Some workers use the controller's descriptors
 * (one open file shared by many processes, as after fork), the others open
 * their own. At the end producers finish their message and exit; then one
 * pill per consumer (priority 0, after all data) ends the consumers.
 *
 * MESSAGES. (run nonce, producer, seq) determines a message entirely: its
 * queue, priority, length and bytes. It begins with a 16-byte header
 * (magic, producer, queue, seq, length and priority, and an FNV-1a checksum
 * of the whole message seeded with the nonce), so a buffer alone tells what
 * it holds, and the checker compares every byte with what was sent.
 *
 * EXACTLY ONCE. Shared memory holds one 32-bit slot per (producer, seq). A
 * consumer claims the slot of each message it receives with a
 * compare-and-swap from 0 to its incarnation id; a failed swap is a
 * duplicate. A producer publishes (seq << 1 | 1) before sending seq and
 * (seq + 1) << 1 once the send returned, in one atomic store each: when it
 * is killed with the low bit set, that seq may arrive 0 or 1 times; every
 * other seq below its final count must arrive exactly once.
 *
 * KILLED RECEIVERS. A consumer receives straight into its landing buffer in
 * shared memory, after zeroing its header. When a consumer is killed, the
 * controller looks at the buffer: a complete, valid message whose slot is 0
 * was delivered to the dead process and is claimed for it ("salvaged"); if
 * the slot holds the consumer's own id it had claimed it already. A message
 * that fails its checksum there is an unfinished staged receive (mqfs
 * gives such a message back to the queue), not a delivery.
 *
 * FIFO. A consumer's queue is fixed, so the seqs it receives of one
 * producer and one priority must increase.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend.hpp"
#include "common.hpp"

namespace stress {

class Watchdog;

struct QueueSpec {
	std::string name; /* "/..." */
	long maxmsg;
	long msgsize;
};

struct ProducerSpec {
	unsigned queueMask;    /* bit i: sends to queues[i] */
	bool inherit;          /* the controller's descriptors, not its own */
	unsigned timedPercent; /* share of mq_timedsend with a short deadline */
	std::int64_t paceNs;   /* pause after each message */
};

struct ConsumerSpec {
	unsigned queue;
	bool inherit;
	unsigned timedPercent;
	std::int64_t paceNs;
};

enum class SignalMode {
	None,      /* no handler, no storm: EINTR is a violation */
	Restart,   /* SIGUSR1 handler with SA_RESTART: EINTR is a violation */
	NoRestart, /* SIGUSR1 handler without SA_RESTART: EINTR allowed */
};

struct LoadConfig {
	std::vector<QueueSpec> queues;
	std::vector<ProducerSpec> producers;
	std::vector<ConsumerSpec> consumers;
	std::vector<unsigned> prios;
	/* On queues whose msgsize allows it, 1 in N messages is longer than
	 * 16367 bytes (mqfs's staged send). */
	unsigned bigOneIn = 16;
	double seconds = 3;
	bool kills = false;
	SignalMode signals = SignalMode::None;
	std::uint64_t seed = 1;
	std::uint32_t seqCap = 1u << 21; /* per producer */
	/* Timed calls use a deadline between these (ns from now). */
	std::int64_t minTimeoutNs = 1000000;
	std::int64_t maxTimeoutNs = 5000000;
};

/** \brief Run one load on \a be and check it; figures and violations go to \a rep. */
void runLoad(const Backend &be, const LoadConfig &cfg, Watchdog &wd, Report &rep);

} /* namespace stress */
