/* SPDX-License-Identifier: MIT */
/*
 * Part 1: malformed, truncated, oversized and out-of-order control requests,
 * sent raw through the mount. Each one must get a clear errno (the one the
 * protocol documents, where it documents one), and after each group the
 * daemon must still be alive and answer MQFS_IOC_INFO.
 */
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.hpp"
#include "proto/mqfs_proto.h"

using namespace hostile;
using namespace std::chrono_literals;

namespace {

/* Record one hostile request and require its errno (0: success). */
void expectErr(const std::string &cls, long rv, int err)
{
	table().add(cls, rv);
	INFO(cls);
	CHECK(errName(rv) == errName(err ? -err : 0));
}

/* The daemon survived the group \a what. */
void requireHealthy(Daemon &d, const std::string &what)
{
	INFO("after: " << what);
	REQUIRE(d.alive());
	REQUIRE(d.answers());
}

/* Stock VFS ioctls, answered (or acted on) by the kernel before FUSE sees
 * them: FIFREEZE would freeze the mount, FIONBIO changes our fd's flags. */
bool vfsGeneric(unsigned long cmd)
{
	static const unsigned long generic[] = {
		FIOCLEX,         FIONCLEX,          FIONBIO,          FIOASYNC,      FIOQSIZE,
		FIONREAD,        FIGETBSZ,          FIBMAP,           FIFREEZE,      FITHAW,
		FICLONE,         FICLONERANGE,      FIDEDUPERANGE,    FS_IOC_FIEMAP, FS_IOC_GETFLAGS,
		FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR
	};
	for (unsigned long g : generic)
		if (cmd == g)
			return true;
	/* 'X' (xfs, preallocation, freeze) and 0x94 (clone/dedupe) are VFS's. */
	return _IOC_TYPE(cmd) == 'X' || _IOC_TYPE(cmd) == 0x94;
}

/* The limits, to put back after requests that may have changed them. */
void restoreLimits(int rootFd, const mqfs_limits &l)
{
	const int64_t v[] = { l.queues_max, l.msg_max, l.msgsize_max, l.msg_default, l.msgsize_default };
	/* msg_default <= msg_max is not required by the kernel, so any order works. */
	for (uint32_t k = 0; k < 5; k++) {
		mqfs_limit_set s = { k, 0, v[k] };
		rawIoctl(rootFd, MQFS_IOC_LIMITS_SET, &s);
	}
}

/* The numbers the daemon knows (with MQFS_IOC_TYPE), including the batch
 * send the lead engineer is adding (0x25). */
bool knownNr(unsigned nr)
{
	static const unsigned known[] = { 0x01, 0x02, 0x03, 0x10, 0x12, 0x13,
					  0x20, 0x21, 0x22, 0x23, 0x24, 0x25 };
	return std::find(std::begin(known), std::end(known), nr) != std::end(known);
}

/* One file descriptor of the sweep. */
struct SweepFd {
	int fd;
	const char *kind;
	bool opath;
};

/*
 * Every _IOC(dir, type, nr, size) of \a types x 256 numbers x 4 directions x
 * \a sizes on \a f, with a buffer of \a fill bytes (a zero header is a
 * valid blocking send or wait: each call is interrupted after 20 ms).
 * \return how many ioctls went out.
 */
long sweep(const SweepFd &f, const std::vector<unsigned> &types, const std::vector<unsigned> &sizes,
	   unsigned char fill, int drainFd)
{
	std::vector<unsigned char> buf(MQFS_IOC_MAX_SIZE + 1024);
	Interrupter intr;
	long sent = 0;
	for (unsigned type : types) {
		const bool ours = type == MQFS_IOC_TYPE;
		const std::string base = std::string("ioctl sweep ") + (ours ? "'Q' " : "other types ") +
					 f.kind + (ours ? (fill ? " fill=a5" : " fill=00") : "");
		for (unsigned nr = 0; nr < 256; nr++) {
			std::string cls = base;
			if (ours && knownNr(nr) && !f.opath) {
				char hex[8];
				std::snprintf(hex, sizeof hex, "%02x", nr);
				cls += std::string(" nr=0x") + hex;
			}
			for (unsigned dir = 0; dir < 4; dir++) {
				for (unsigned size : sizes) {
					const unsigned long cmd = _IOC(dir, type, nr, size);
					if (vfsGeneric(cmd))
						continue;
					std::memset(buf.data(), fill, (dir & _IOC_READ) ? buf.size() : 256);
					const long rv = intr.run(
						20ms, [&] { return rawIoctl(f.fd, cmd, buf.data()); });
					sent++;
					table().add(cls, rv);
					INFO(cls << " cmd=0x" << std::hex << cmd << std::dec
						 << " rv=" << errName(rv));
					if (f.opath)
						CHECK(rv == -EBADF);
					else if (!ours)
						CHECK((rv == -ENOTTY || rv == -EINVAL || rv == -EOPNOTSUPP));
					else if (!knownNr(nr))
						CHECK(rv == -ENOTTY);
					else
						CHECK(rv != -EIO);
					/* Undo what a valid zero-filled send did. */
					if (drainFd >= 0 && rv >= 0)
						drain(drainFd, 128);
				}
			}
			tick();
		}
	}
	return sent;
}

} /* namespace */

TEST_CASE("ioctl sweep: every number, direction and size on queue, root and O_PATH fds", "[sweep]")
{
	Daemon &d = sharedDaemon();
	step("sweep setup");
	Fd q(createQueue(d, "sweep", 4, 128, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd root(rawOpen(d.root(), O_RDONLY | O_DIRECTORY));
	REQUIRE(root.valid());
	Fd opathQ(rawOpen(d.path("sweep"), O_PATH));
	Fd opathRoot(rawOpen(d.root(), O_PATH | O_DIRECTORY));
	REQUIRE(opathQ.valid());
	REQUIRE(opathRoot.valid());
	mqfs_limits saved = {};
	REQUIRE(rawIoctl(root.get(), MQFS_IOC_LIMITS_GET, &saved) == 0);

	/* 0, 1, the struct sizes (16, 24, 32, 64) +- 1, the largest. */
	static const unsigned shortSizes[] = { 0, 1, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 64, 65, 16383 };
	static const unsigned longSizes[] = { 0, 1, 2, 4, 8, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49,
					      63, 64, 65, 127, 128, 144, 4095, 4096, 16366, 16367, 16383 };
	const std::vector<unsigned> sizes = longForm()
		? std::vector<unsigned>(std::begin(longSizes), std::end(longSizes))
		: std::vector<unsigned>(std::begin(shortSizes), std::end(shortSizes));
	std::vector<unsigned> otherTypes = { 0x00, 'T', 'f', 'q', 'P', 0xff };
	if (longForm()) {
		otherTypes.clear();
		for (unsigned t = 0; t < 256; t++)
			if (t != MQFS_IOC_TYPE)
				otherTypes.push_back(t);
	}
	/* Other types carry none of our structs: a few sizes (all 255 types in
	 * the long form, some 3 million ioctls). */
	const std::vector<unsigned> otherSizes = longForm() ? std::vector<unsigned> { 0, 1, 16, 32, 64, 16383 }
							    : std::vector<unsigned> { 0, 1, 16383 };
	const SweepFd fds[] = {
		{ q.get(), "queue-fd", false },
		{ root.get(), "root-fd", false },
		{ opathQ.get(), "opath-queue", true },
		{ opathRoot.get(), "opath-root", true },
	};
	long sent = 0;
	for (const SweepFd &f : fds) {
		step(std::string("ioctl sweep ") + f.kind);
		sent += sweep(f, { MQFS_IOC_TYPE }, sizes, 0xa5, -1);
		/* Nothing zero-filled gets past the VFS on an O_PATH fd. */
		if (!f.opath)
			sent += sweep(f, { MQFS_IOC_TYPE }, sizes, 0x00, f.fd == q.get() ? q.get() : -1);
		requireHealthy(d, std::string("ioctl sweep 'Q' ") + f.kind);
		/* A zero-filled LIMITS_SET is queues_max = 0. */
		restoreLimits(root.get(), saved);
		sent += sweep(f, otherTypes, otherSizes, 0xa5, -1);
		requireHealthy(d, std::string("ioctl sweep other types ") + f.kind);
	}
	figure("ioctl sweep: " + std::to_string(sent) + " ioctls");
	/* What the zero-filled requests may have left: a registration, messages. */
	mqfs_notify_req un = { -1, 0, 0, 0 };
	rawIoctl(q.get(), MQFS_IOC_NOTIFY, &un);
	drain(q.get(), 128);
	restoreLimits(root.get(), saved);
	::unlink(d.path("sweep").c_str());
	requireHealthy(d, "ioctl sweep");
}

TEST_CASE("MQFS_IOC_SEND: truncated, bad flags, bad priority, oversized, full", "[send]")
{
	Daemon &d = sharedDaemon();
	step("send");
	Fd q(createQueue(d, "send", 2, 64, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd ro(rawOpen(d.path("send"), O_RDONLY));
	Fd wo(rawOpen(d.path("send"), O_WRONLY));
	REQUIRE(ro.valid());
	REQUIRE(wo.valid());
	std::vector<unsigned char> buf(MQFS_IOC_MAX_SIZE + 16, 0);
	Interrupter intr;

	/* decodeSend(): "short, inconsistent sizes, unknown flags, prio >= MQ_PRIO_MAX" -> EINVAL */
	for (unsigned s = 0; s < MQFS_HDR_SIZE; s++)
		expectErr("SEND header truncated (size 0..15)",
			  rawIoctl(q.get(), _IOC(_IOC_WRITE, 'Q', 0x20, s), buf.data()), EINVAL);
	expectErr("SEND wrong direction (RW)",
		  rawIoctl(q.get(), _IOC(_IOC_READ | _IOC_WRITE, 'Q', 0x20, 24), buf.data()), EINVAL);
	expectErr("SEND wrong direction (R)", rawIoctl(q.get(), _IOC(_IOC_READ, 'Q', 0x20, 24), buf.data()),
		  EINVAL);
	expectErr("SEND wrong direction (none)",
		  rawIoctl(q.get(), _IOC(_IOC_NONE, 'Q', 0x20, 24), buf.data()), EINVAL);
	for (uint32_t f : { 0x4u, 0x8u, 0x80000000u, 0xffffffffu })
		expectErr("SEND bad flags", sendInline(q.get(), 8, 0, f), EINVAL);
	for (uint32_t p : { 32768u, 65535u, 0x7fffffffu, 0xffffffffu })
		expectErr("SEND prio >= 32768", sendInline(q.get(), 8, p), EINVAL);
	expectErr("SEND prio 32767", sendInline(q.get(), 8, 32767), 0);
	drain(q.get(), 64);
	/* mq_send(3): "msg_len was greater than the mq_msgsize attribute" -> EMSGSIZE */
	expectErr("SEND len > mq_msgsize", sendInline(q.get(), 65), EMSGSIZE);
	expectErr("SEND len > mq_msgsize", sendInline(q.get(), MQFS_SEND_INLINE), EMSGSIZE);
	/* mq_send(3): "not open for writing" -> EBADF (after the priority: EINVAL first) */
	expectErr("SEND on O_RDONLY fd", sendInline(ro.get(), 8), EBADF);
	expectErr("SEND on O_RDONLY fd, bad prio", sendInline(ro.get(), 8, 40000), EINVAL);
	expectErr("SEND on O_RDONLY fd, oversized", sendInline(ro.get(), 65), EBADF);
	/* A deadline only matters when the queue is full. */
	expectErr("SEND past deadline, room", sendInline(q.get(), 8, 0, MQFS_F_DEADLINE, 1), 0);
	expectErr("SEND no flags, room", sendInline(wo.get(), 8), 0);
	REQUIRE(curMsgs(q.get()) == 2);
	expectErr("SEND full, NONBLOCK", sendInline(q.get(), 8, 0, MQFS_F_NONBLOCK), EAGAIN);
	expectErr("SEND full, deadline 1 ns", sendInline(q.get(), 8, 0, MQFS_F_DEADLINE, 1), ETIMEDOUT);
	expectErr("SEND full, deadline INT64_MIN", sendInline(q.get(), 8, 0, MQFS_F_DEADLINE, INT64_MIN),
		  ETIMEDOUT);
	expectErr("SEND full, bad flags", sendInline(q.get(), 8, 0, 0x10), EINVAL);
	{
		const auto t0 = std::chrono::steady_clock::now();
		const long rv =
			intr.run(50ms, [&] { return sendInline(q.get(), 8, 0, MQFS_F_DEADLINE, INT64_MAX); });
		expectErr("SEND full, deadline INT64_MAX (interrupted)", rv, EINTR);
		CHECK(msSince(t0) >= 40);
		expectErr("SEND full, blocking (interrupted)",
			  intr.run(50ms, [&] { return sendInline(q.get(), 8); }), EINTR);
	}
	CHECK(curMsgs(q.get()) == 2);
	CHECK(drain(q.get(), 64) == 2);
	q.reset();
	::unlink(d.path("send").c_str());
	requireHealthy(d, "send");
}

TEST_CASE("staged send: BEGIN, CHUNK and COMMIT malformed and out of order", "[staged]")
{
	Daemon &d = sharedDaemon();
	step("staged send");
	const size_t msgsize = 40000;
	Fd q(createQueue(d, "ssend", 2, msgsize, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd q2(rawOpen(d.path("ssend"), O_RDWR));
	Fd ro(rawOpen(d.path("ssend"), O_RDONLY));
	REQUIRE(q2.valid());
	REQUIRE(ro.valid());
	std::vector<unsigned char> buf(MQFS_IOC_MAX_SIZE + 16, 0);
	std::uint64_t len;
	std::uint32_t tok;

	SECTION("BEGIN")
	{
		len = 0;
		expectErr("SEND_BEGIN len 0", xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok), 0);
		expectErr("SEND_COMMIT of a 0-byte staged send", sendCommit(q.get(), tok), 0);
		CHECK(curMsgs(q.get()) == 1);
		drain(q.get(), msgsize);
		/* "checks EBADF/EMSGSIZE" before anything is allocated */
		for (std::uint64_t huge : { std::uint64_t(msgsize) + 1, std::uint64_t(1) << 32,
					    std::uint64_t(1) << 63, UINT64_MAX }) {
			len = huge;
			expectErr("SEND_BEGIN len > mq_msgsize (up to 2^64-1)",
				  xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok), EMSGSIZE);
		}
		len = 10;
		expectErr("SEND_BEGIN bad flags", xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok, 0, 0x4),
			  EINVAL);
		expectErr("SEND_BEGIN prio >= 32768",
			  xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok, 32768), EINVAL);
		expectErr("SEND_BEGIN on O_RDONLY fd", xferBegin(ro.get(), MQFS_IOC_SEND_BEGIN, len, tok),
			  EBADF);
		for (unsigned s : { 0u, 1u, 31u, 33u, 16383u })
			expectErr("SEND_BEGIN struct size != 32",
				  rawIoctl(q.get(), _IOC(_IOC_READ | _IOC_WRITE, 'Q', 0x21, s), buf.data()),
				  ENOTTY);
		expectErr("SEND_BEGIN write-only direction",
			  rawIoctl(q.get(), _IOC(_IOC_WRITE, 'Q', 0x21, sizeof(mqfs_xfer)), buf.data()),
			  ENOTTY);
	}

	SECTION("CHUNK and COMMIT")
	{
		expectErr("SEND_CHUNK without BEGIN (token 0)", sendChunk(q.get(), 0, 0, 10), EINVAL);
		expectErr("SEND_CHUNK without BEGIN (token 12345)", sendChunk(q.get(), 12345, 0, 10), EINVAL);
		len = msgsize;
		REQUIRE(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok, 7) == 0);
		const size_t c = MQFS_CHUNK_MAX;
		expectErr("SEND_CHUNK wrong token", sendChunk(q.get(), tok + 1, 0, 10), EINVAL);
		expectErr("SEND_CHUNK token of another fd", sendChunk(q2.get(), tok, 0, 10), EINVAL);
		expectErr("SEND_CHUNK offset ahead of the data", sendChunk(q.get(), tok, 1, 10), EINVAL);
		expectErr("SEND_CHUNK offset past the end", sendChunk(q.get(), tok, msgsize + 1, 10), EINVAL);
		expectErr("SEND_CHUNK offset 2^63", sendChunk(q.get(), tok, std::uint64_t(1) << 63, 10),
			  EINVAL);
		expectErr("SEND_CHUNK offset 2^64-1", sendChunk(q.get(), tok, UINT64_MAX, 10), EINVAL);
		expectErr("SEND_CHUNK in order", sendChunk(q.get(), tok, 0, c, 'a'), 0);
		expectErr("SEND_CHUNK overlapping (same offset)", sendChunk(q.get(), tok, 0, c), EINVAL);
		expectErr("SEND_CHUNK overlapping (one byte)", sendChunk(q.get(), tok, c - 1, c), EINVAL);
		expectErr("SEND_CHUNK in order", sendChunk(q.get(), tok, c, c, 'b'), 0);
		expectErr("SEND_CHUNK beyond the length", sendChunk(q.get(), tok, 2 * c, c), EINVAL);
		expectErr("SEND_COMMIT before all bytes came", sendCommit(q.get(), tok), EINVAL);
		expectErr("SEND_CHUNK header truncated",
			  rawIoctl(q.get(), _IOC(_IOC_WRITE, 'Q', 0x22, 15), buf.data()), EINVAL);
		expectErr("SEND_CHUNK wrong direction",
			  rawIoctl(q.get(), _IOC(_IOC_READ | _IOC_WRITE, 'Q', 0x22, 32), buf.data()), EINVAL);
		expectErr("SEND_CHUNK in order", sendChunk(q.get(), tok, 2 * c, msgsize - 2 * c, 'c'), 0);
		expectErr("SEND_CHUNK of 0 bytes at the end", sendChunk(q.get(), tok, msgsize, 0), 0);
		expectErr("SEND_COMMIT wrong token", sendCommit(q.get(), tok + 1), EINVAL);
		expectErr("SEND_COMMIT token 0", sendCommit(q.get(), 0), EINVAL);
		expectErr("SEND_COMMIT bad flags", sendCommit(q.get(), tok, 0x8), EINVAL);
		expectErr("SEND_COMMIT token of another fd", sendCommit(q2.get(), tok), EINVAL);
		for (unsigned s : { 0u, 31u, 33u })
			expectErr("SEND_COMMIT struct size != 32",
				  rawIoctl(q.get(), _IOC(_IOC_WRITE, 'Q', 0x23, s), buf.data()), ENOTTY);
		expectErr("SEND_COMMIT", sendCommit(q.get(), tok), 0);
		expectErr("SEND_COMMIT twice", sendCommit(q.get(), tok), EINVAL);
		expectErr("SEND_CHUNK after COMMIT", sendChunk(q.get(), tok, msgsize, 0), EINVAL);
		/* The message is whole and in order. */
		std::vector<unsigned char> in(MQFS_HDR_SIZE + msgsize);
		REQUIRE(rawPread(q.get(), in.data(), in.size(), MQFS_OFF_RECV) == long(in.size()));
		mqfs_recv_hdr h;
		std::memcpy(&h, in.data(), sizeof(h));
		CHECK(h.len == msgsize);
		CHECK(h.prio == 7);
		CHECK(in[MQFS_HDR_SIZE] == 'a');
		CHECK(in[MQFS_HDR_SIZE + c] == 'b');
		CHECK(in[MQFS_HDR_SIZE + msgsize - 1] == 'c');
	}

	SECTION("a new BEGIN of the same thread replaces the old one")
	{
		len = 100;
		std::uint32_t t1, t2;
		REQUIRE(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, t1) == 0);
		REQUIRE(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, t2) == 0);
		CHECK(t1 != t2);
		expectErr("SEND_CHUNK of a replaced staged send", sendChunk(q.get(), t1, 0, 100), EINVAL);
		expectErr("SEND_CHUNK of the new one", sendChunk(q.get(), t2, 0, 100), 0);
		expectErr("SEND_COMMIT of the new one", sendCommit(q.get(), t2), 0);
		drain(q.get(), msgsize);
	}

	SECTION("COMMIT on a full queue consumes the staged send")
	{
		REQUIRE(sendInline(q.get(), 1) == 0);
		REQUIRE(sendInline(q.get(), 1) == 0);
		len = 10;
		REQUIRE(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok) == 0);
		REQUIRE(sendChunk(q.get(), tok, 0, 10) == 0);
		expectErr("SEND_COMMIT NONBLOCK on a full queue", sendCommit(q.get(), tok, MQFS_F_NONBLOCK),
			  EAGAIN);
		expectErr("SEND_COMMIT again after EAGAIN", sendCommit(q.get(), tok, MQFS_F_NONBLOCK),
			  EINVAL);
		expectErr(
			"SEND_COMMIT past deadline on a full queue",
			[&] {
				REQUIRE(xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok) == 0);
				REQUIRE(sendChunk(q.get(), tok, 0, 10) == 0);
				return sendCommit(q.get(), tok, MQFS_F_DEADLINE, 1);
			}(),
			ETIMEDOUT);
		CHECK(drain(q.get(), msgsize) == 2);
	}
	q.reset();
	q2.reset();
	ro.reset();
	::unlink(d.path("ssend").c_str());
	requireHealthy(d, "staged send");
}

TEST_CASE("staged receive: wrong tokens and positions, never read, closed in between", "[staged]")
{
	Daemon &d = sharedDaemon();
	step("staged receive");
	const size_t msgsize = 40000;
	Fd q(createQueue(d, "srecv", 4, msgsize, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd wo(rawOpen(d.path("srecv"), O_WRONLY));
	REQUIRE(wo.valid());
	std::uint64_t len;
	std::uint32_t tok;
	std::vector<unsigned char> buf(msgsize + 64);

	len = msgsize;
	expectErr("RECV_BEGIN empty queue, NONBLOCK",
		  xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK), EAGAIN);
	len = UINT64_MAX;
	expectErr("RECV_BEGIN len 2^64-1, empty, NONBLOCK",
		  xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK), EAGAIN);
	len = msgsize - 1;
	/* mq_receive(3): "msg_len was less than the mq_msgsize attribute" -> EMSGSIZE */
	expectErr("RECV_BEGIN len < mq_msgsize",
		  xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK), EMSGSIZE);
	len = 0;
	expectErr("RECV_BEGIN len 0", xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK),
		  EMSGSIZE);
	len = msgsize;
	expectErr("RECV_BEGIN bad flags", xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, 0x4), EINVAL);
	expectErr("RECV_BEGIN on O_WRONLY fd",
		  xferBegin(wo.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK), EBADF);

	for (int i = 0; i < 3; i++)
		REQUIRE(stagedSend(q.get(), msgsize, 3, 0, static_cast<unsigned char>('x' + i)) == 0);
	len = msgsize;
	REQUIRE(xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK) == 0);
	REQUIRE(len == msgsize);
	CHECK(curMsgs(q.get()) == 2);
	expectErr("xfer read wrong token", rawPread(q.get(), buf.data(), 100, xferOffset(tok + 1, 0)),
		  EINVAL);
	expectErr("xfer read token 0", rawPread(q.get(), buf.data(), 100, xferOffset(0, 0)), EINVAL);
	expectErr("xfer read position ahead", rawPread(q.get(), buf.data(), 100, xferOffset(tok, 1)), EINVAL);
	expectErr("xfer read position 2^24-1", rawPread(q.get(), buf.data(), 100, xferOffset(tok, 0xffffff)),
		  EINVAL);
	expectErr("xfer read token above 32 bits",
		  rawPread(q.get(), buf.data(), 100, xferOffset(tok, 0) | MQFS_RECV_DEADLINE), EINVAL);
	expectErr("xfer read on O_WRONLY fd", rawPread(wo.get(), buf.data(), 100, xferOffset(tok, 0)), EBADF);
	{
		const long rv = rawPread(q.get(), buf.data(), 100, xferOffset(tok, 0));
		expectErr("xfer read first 100 bytes", rv == 100 ? 0 : rv, 0);
	}
	expectErr("xfer read position behind", rawPread(q.get(), buf.data(), 100, xferOffset(tok, 0)),
		  EINVAL);
	CHECK(rawPread(q.get(), buf.data() + 100, msgsize, xferOffset(tok, 100)) == long(msgsize - 100));
	CHECK(buf[0] == 'x');
	CHECK(buf[msgsize - 1] == 'x');
	expectErr("xfer read after the end (transfer done)",
		  rawPread(q.get(), buf.data(), 100, xferOffset(tok, msgsize)), EINVAL);

	/* Never read, fd closed: the message goes back to the head of its priority. */
	{
		Fd r(rawOpen(d.path("srecv"), O_RDONLY));
		len = msgsize;
		REQUIRE(xferBegin(r.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK) == 0);
		CHECK(curMsgs(q.get()) == 1);
		r.reset();
		CHECK(waitCurMsgs(q.get(), 2) == 2);
		table().add("RECV_BEGIN then close, never read", 0);
	}
	/* Half read, fd closed: back too. */
	{
		Fd r(rawOpen(d.path("srecv"), O_RDONLY));
		len = msgsize;
		REQUIRE(xferBegin(r.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK) == 0);
		REQUIRE(rawPread(r.get(), buf.data(), 1000, xferOffset(tok, 0)) == 1000);
		CHECK(buf[0] == 'y');
		r.reset();
		CHECK(waitCurMsgs(q.get(), 2) == 2);
		table().add("RECV_BEGIN, half read, close", 0);
	}
	/* Closed while the RECV_BEGIN is parked: the fd number goes, the file
	 * stays until the ioctl returns; the message then comes back. */
	{
		drain(q.get(), msgsize);
		int raw = rawOpen(d.path("srecv"), O_RDONLY);
		REQUIRE(raw >= 0);
		std::atomic<long> got { 1 };
		std::atomic<std::uint32_t> gotTok { 0 };
		std::thread t([&] {
			std::uint64_t l = msgsize;
			std::uint32_t tk = 0;
			got = xferBegin(raw, MQFS_IOC_RECV_BEGIN, l, tk);
			gotTok = tk;
		});
		std::this_thread::sleep_for(50ms);
		::close(raw);
		REQUIRE(stagedSend(q.get(), msgsize, 1, 0, 'z') == 0);
		t.join();
		expectErr("RECV_BEGIN parked while its fd was closed", got.load(), 0);
		expectErr("xfer read on the closed fd", rawPread(raw, buf.data(), 100, xferOffset(gotTok, 0)),
			  EBADF);
		CHECK(waitCurMsgs(q.get(), 1) == 1);
	}
	/* A zero-length message has no transfer (token 0). */
	{
		drain(q.get(), msgsize);
		REQUIRE(sendInline(q.get(), 0) == 0);
		len = msgsize;
		REQUIRE(xferBegin(q.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK) == 0);
		CHECK(len == 0);
		CHECK(tok == 0);
		expectErr("xfer read of a 0-byte message",
			  rawPread(q.get(), buf.data(), 100, xferOffset(0, 0)), EINVAL);
	}
	q.reset();
	wo.reset();
	::unlink(d.path("srecv").c_str());
	requireHealthy(d, "staged receive");
}

TEST_CASE("receive offsets: every command bit combination, small buffers, deadlines", "[read]")
{
	Daemon &d = sharedDaemon();
	step("read offsets");
	Fd q(createQueue(d, "reads", 4, 128, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd blk(rawOpen(d.path("reads"), O_RDONLY));
	Fd wo(rawOpen(d.path("reads"), O_WRONLY));
	REQUIRE(blk.valid());
	REQUIRE(wo.valid());
	std::vector<unsigned char> buf(1 << 20);
	Interrupter intr;

	const std::uint64_t bits[] = { 1ull << 62, 1ull << 61, 1ull << 60, 1ull << 59, 1ull << 58 };
	const std::uint64_t lows[] = { 0, 1, 0xffffff, 1ull << 24, (1ull << 58) - 1, 0xffffffffull << 24 };
	const size_t lens[] = { 0, 1, 8, 15, 16, 17, 144, 4096, 65536 + 16, 1 << 20 };
	long n = 0;
	for (int withMsg = 0; withMsg < 2; withMsg++) {
		for (unsigned combo = 0; combo < 32; combo++) {
			std::uint64_t hi = 0;
			std::string cls = "pread bits{";
			for (int b = 0; b < 5; b++) {
				if (combo & (1u << b)) {
					hi |= bits[b];
					cls += std::to_string(62 - b) + ",";
				}
			}
			cls += withMsg ? "} msg" : "} empty";
			for (std::uint64_t low : lows) {
				for (size_t len : lens) {
					if (withMsg && curMsgs(q.get()) == 0)
						sendInline(q.get(), 100);
					const std::uint64_t off = (hi | low) & ~(1ull << 63);
					const long rv = intr.run(100ms, [&] {
						return rawPread(q.get(), buf.data(), len, off);
					});
					table().add(cls, rv);
					n++;
					INFO(cls << " off=0x" << std::hex << off << std::dec
						 << " len=" << len);
					CHECK(rv != -EINTR); /* the fd is O_NONBLOCK: nothing may wait */
					CHECK(rv != -EIO);
				}
			}
			tick();
		}
	}
	figure("read-offset sweep: " + std::to_string(n) + " preads");
	drain(q.get(), 128);
	requireHealthy(d, "read-offset sweep");

	/* The status file still reads, bit 63 is a negative offset. */
	expectErr("pread status at 0", rawPread(q.get(), buf.data(), 4096, 0) > 0 ? 0 : -1, 0);
	expectErr("pread offset < 0 (bit 63)", rawPread(q.get(), buf.data(), 100, 1ull << 63), EINVAL);
	/* Buffers smaller than the 16-byte header. */
	for (size_t l = 1; l < MQFS_HDR_SIZE; l++)
		expectErr("recv buffer < header", rawPread(q.get(), buf.data(), l, MQFS_OFF_RECV), EINVAL);
	{
		REQUIRE(sendInline(q.get(), 100, 5) == 0);
		unsigned char h1[8], h2[8];
		std::vector<unsigned char> body(128);
		iovec iov[3] = { { h1, 8 }, { h2, 8 }, { body.data(), body.size() } };
		const long rv = rawPreadv(q.get(), iov, 3, MQFS_OFF_RECV);
		expectErr("recv header split over two iovecs", rv == MQFS_HDR_SIZE + 100 ? 0 : rv, 0);
		mqfs_recv_hdr h;
		std::memcpy(&h, h1, 8);
		std::memcpy(reinterpret_cast<char *>(&h) + 8, h2, 8);
		CHECK(h.len == 100);
		CHECK(h.prio == 5);
		CHECK(h.magic == MQFS_PROTO_MAGIC);
		iovec small[2] = { { h1, 4 }, { h2, 4 } };
		expectErr("recv preadv of 8 bytes", rawPreadv(q.get(), small, 2, MQFS_OFF_RECV), EINVAL);
	}
	expectErr("recv on O_WRONLY fd", rawPread(wo.get(), buf.data(), 144, MQFS_OFF_RECV), EBADF);
	expectErr("recv buffer < mq_msgsize", rawPread(q.get(), buf.data(), 16 + 127, MQFS_OFF_RECV),
		  EMSGSIZE);
	expectErr("recv deadline bits without the flag",
		  rawPread(q.get(), buf.data(), 144, MQFS_OFF_RECV | 5), EINVAL);
	{
		/* BIGBUF with a buffer that cannot hold mq_msgsize: the NEED_BIG header. */
		const long rv = rawPread(q.get(), buf.data(), 64, MQFS_OFF_RECV | MQFS_RECV_BIGBUF);
		mqfs_recv_hdr h;
		std::memcpy(&h, buf.data(), sizeof(h));
		expectErr("recv BIGBUF, small buffer -> NEED_BIG",
			  rv == MQFS_HDR_SIZE && h.status == MQFS_RECV_NEED_BIG ? 0 : -1, 0);
	}

	/* Deadlines on a blocking fd of an empty queue. */
	const auto nowUs = [] {
		timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		return std::uint64_t(ts.tv_sec) * 1000000 + std::uint64_t(ts.tv_nsec) / 1000;
	};
	const auto recvAt = [&](std::uint64_t us) {
		return intr.run(300ms, [&] {
			return rawPread(blk.get(), buf.data(), 144, MQFS_OFF_RECV | MQFS_RECV_DEADLINE | us);
		});
	};
	expectErr("recv deadline 0 (1970)", recvAt(0), ETIMEDOUT);
	expectErr("recv deadline 1 us (1970)", recvAt(1), ETIMEDOUT);
	expectErr("recv deadline 1 s ago", recvAt(nowUs() - 1000000), ETIMEDOUT);
	{
		const auto t0 = std::chrono::steady_clock::now();
		expectErr("recv deadline in 30 ms", recvAt(nowUs() + 30000), ETIMEDOUT);
		CHECK(msSince(t0) >= 25);
	}
	/* Far deadlines must wait (until interrupted), not time out at once:
	 * 2^53 us is the year 2255; 9223372036854776 us is just past what
	 * int64 nanoseconds hold (2262); 2^58-1 us is the largest the offset
	 * carries (year 11100). */
	for (std::uint64_t us :
	     { std::uint64_t(1) << 53, std::uint64_t(9223372036854776), std::uint64_t(MQFS_RECV_US_MASK) }) {
		const auto t0 = std::chrono::steady_clock::now();
		const long rv = recvAt(us);
		INFO("deadline " << us << " us took " << msSince(t0) << " ms");
		expectErr("recv deadline far in the future (interrupted)", rv, EINTR);
	}
	q.reset();
	blk.reset();
	wo.reset();
	::unlink(d.path("reads").c_str());
	requireHealthy(d, "read offsets");
}

TEST_CASE("notify: bad values, unknown tokens; NOTIFY_WAIT parks until interrupted", "[notify]")
{
	Daemon &d = sharedDaemon();
	step("notify");
	Fd q(createQueue(d, "notify", 4, 128, O_NONBLOCK));
	REQUIRE(q.valid());
	Fd root(rawOpen(d.root(), O_RDONLY | O_DIRECTORY));
	std::vector<unsigned char> buf(256, 0);
	Interrupter intr;
	const auto notify = [&](int32_t how, int32_t signo, uint64_t token = 0) {
		mqfs_notify_req n = { how, signo, 0, token };
		return rawIoctl(q.get(), MQFS_IOC_NOTIFY, &n);
	};
	const auto wait = [&](int fd, uint64_t token, std::uint32_t *what = nullptr) {
		mqfs_notify_wait w = { token, 0, 0 };
		const long rv = rawIoctl(fd, MQFS_IOC_NOTIFY_WAIT, &w);
		if (what)
			*what = w.what;
		return rv;
	};

	/* mq_notify(3): "sevp->sigev_notify is not one of the permitted values" -> EINVAL */
	for (int32_t how : { -2, 3, 100, INT_MIN, INT_MAX })
		expectErr("NOTIFY bad sigev_notify", notify(how, SIGUSR1), EINVAL);
	/* "sigev_signo is not a valid signal number" -> EINVAL */
	for (int32_t s : { -1, 65, 1000, INT_MIN, INT_MAX })
		expectErr("NOTIFY SIGEV_SIGNAL bad signo", notify(0, s), EINVAL);
	expectErr("NOTIFY SIGEV_NONE, signo ignored", notify(1, 9999), 0);
	/* mq_notify(3): "Another process has already registered" -> EBUSY (the kernel: anyone) */
	expectErr("NOTIFY registered twice", notify(1, 0), EBUSY);
	expectErr("NOTIFY NULL (unregister)", notify(-1, 0), 0);
	expectErr("NOTIFY NULL, nothing registered", notify(-1, 0), 0);
	expectErr("NOTIFY SIGEV_THREAD, unknown token", notify(2, 0, 0xdeadbeef), EAGAIN);
	for (unsigned s : { 0u, 23u, 25u, 16383u })
		expectErr("NOTIFY struct size != 24",
			  rawIoctl(q.get(), _IOC(_IOC_WRITE, 'Q', 0x12, s), buf.data()), ENOTTY);
	for (unsigned s : { 0u, 15u, 17u })
		expectErr("NOTIFY_WAIT struct size != 16",
			  rawIoctl(q.get(), _IOC(_IOC_READ | _IOC_WRITE, 'Q', 0x13, s), buf.data()), ENOTTY);
	{
		mqfs_notify_req n = { 1, 0, 0, 0 };
		expectErr("NOTIFY on the root dir", rawIoctl(root.get(), MQFS_IOC_NOTIFY, &n), ENOTTY);
	}
	expectErr("NOTIFY_WAIT on the root dir", wait(root.get(), 1), ENOTTY);

	/* A wait for a token no registration names parks (the helper thread of
	 * the library parks before it registers) until a signal ends it. */
	{
		const auto t0 = std::chrono::steady_clock::now();
		expectErr("NOTIFY_WAIT unknown token (interrupted)",
			  intr.run(50ms, [&] { return wait(q.get(), 4242); }), EINTR);
		CHECK(msSince(t0) >= 40);
	}
	/* The interrupted wait must leave nothing behind: the same token parks
	 * again, and no registration can bind to the wait that is gone. */
	expectErr("NOTIFY_WAIT same token after EINTR (interrupted)",
		  intr.run(50ms, [&] { return wait(q.get(), 4242); }), EINTR);
	expectErr("NOTIFY SIGEV_THREAD naming an interrupted wait", notify(2, 0, 4242), EAGAIN);
	notify(-1, 0);

	/* Two waits with one token: the second is refused at once. */
	{
		std::atomic<long> first { 1 };
		std::thread t([&] {
			Interrupter ti;
			first = ti.run(300ms, [&] { return wait(q.get(), 77); });
		});
		std::this_thread::sleep_for(50ms);
		expectErr("NOTIFY_WAIT token already parked",
			  intr.run(200ms, [&] { return wait(q.get(), 77); }), EBUSY);
		t.join();
		expectErr("NOTIFY_WAIT (interrupted)", first.load(), EINTR);
	}
	/* Waits interrupted at every stage (before, while and after they park),
	 * with fresh and reused tokens, from 8 threads: each must end (a lost
	 * answer leaves its caller in D state for ever; the watchdog says so),
	 * and none may be EBUSY (an unparked wait left behind). The shared
	 * daemon keeps MALLOC_PERTURB_, which turns a use after free into
	 * damage here. */
	{
		const long per = scaled(300);
		std::atomic<long> busy{ 0 }, done{ 0 };
		std::vector<std::thread> ts;
		for (int t = 0; t < 8; t++) {
			ts.emplace_back([&, t] {
				Interrupter ti;
				for (long i = 0; i < per; i++) {
					const uint64_t token = i % 2 ? 500000 + t : 600000 + t * per + i;
					const long rv = ti.run(std::chrono::microseconds(200 + 300 * (i % 4)),
							       [&] { return wait(q.get(), token); });
					busy += rv == -EBUSY;
					table().add("NOTIFY_WAIT interrupted at random (8 threads)", rv);
					done++;
				}
			});
		}
		for (long seen = -1; done < 8 * per; std::this_thread::sleep_for(50ms)) {
			if (done != seen)
				tick();
			seen = done;
		}
		for (auto &t : ts)
			t.join();
		CHECK(busy == 0);
	}

	/* The real flow: parked wait, registration, a message fires it. */
	for (bool fire : { true, false }) {
		std::atomic<long> rv { 1 };
		std::atomic<std::uint32_t> what { 0 };
		const uint64_t token = fire ? 1001 : 1002;
		std::thread t([&] {
			Interrupter ti;
			std::uint32_t w = 0;
			rv = ti.run(2s, [&] { return wait(q.get(), token, &w); });
			what = w;
		});
		long reg = -EAGAIN;
		for (int i = 0; i < 200 && reg == -EAGAIN; i++) {
			reg = notify(2, 0, token);
			if (reg == -EAGAIN)
				std::this_thread::sleep_for(5ms);
		}
		CHECK(reg == 0);
		if (fire)
			CHECK(sendInline(q.get(), 4) == 0);
		else
			CHECK(notify(-1, 0) == 0);
		t.join();
		CHECK(rv.load() == 0);
		CHECK(what.load() == (fire ? MQFS_NOTIFY_FIRED : MQFS_NOTIFY_REMOVED));
		table().add(fire ? "NOTIFY_WAIT bound, fired" : "NOTIFY_WAIT bound, removed", rv.load());
	}
	drain(q.get(), 128);
	q.reset();
	::unlink(d.path("notify").c_str());
	requireHealthy(d, "notify");
}

TEST_CASE("create names: bad numbers, missing commas, bad names, bad tags", "[create]")
{
	Daemon &d = sharedDaemon();
	step("create names");
	/* Queue charges are checked against the caller's soft RLIMIT_MSGQUEUE:
	 * make it the kernel's default for the EMFILE line. */
	rlimit saved;
	REQUIRE(::getrlimit(RLIMIT_MSGQUEUE, &saved) == 0);
	rlimit lim = saved;
	lim.rlim_cur = 819200;
	if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < lim.rlim_cur)
		lim.rlim_cur = lim.rlim_max;
	REQUIRE(::setrlimit(RLIMIT_MSGQUEUE, &lim) == 0);

	const std::string tag = createTag();
	struct Case {
		std::string suffix;
		int err;
		const char *created; /* the queue's real name, when it is made */
	};
	const std::string n255(255, 'n');
	const Case cases[] = {
		{ "", EINVAL, nullptr },
		{ "-,-,0,c1", 0, "c1" },
		{ "10,128,0,c2", 0, "c2" },
		{ "10,128,1,c3", 0, "c3" },
		{ "-,-,0,", ENOENT, nullptr },
		{ "10,128,0,", ENOENT, nullptr },
		{ "-,-,0,.", EACCES, nullptr },
		{ "-,-,0,..", EACCES, nullptr },
		{ "10,128,0," + n255, 0, nullptr },
		{ "10,128,0," + n255 + "x", ENAMETOOLONG, nullptr },
		{ "10,128,2,x", EINVAL, nullptr },
		{ "10,128,-1,x", EINVAL, nullptr },
		{ "10,128,,x", EINVAL, nullptr },
		{ "10,128,0x", EINVAL, nullptr },
		{ "10,128", EINVAL, nullptr },
		{ "10,,0,x", EINVAL, nullptr },
		{ ",128,0,x", EINVAL, nullptr },
		{ "-,128,0,x", EINVAL, nullptr },
		{ "10,-,0,x", EINVAL, nullptr },
		{ "-,-,x", EINVAL, nullptr },
		{ "-,-", EINVAL, nullptr },
		{ "10;128;0;x", EINVAL, nullptr },
		{ "10 128 0 x", EINVAL, nullptr },
		{ "99999999999999999999,128,0,x", EINVAL, nullptr },
		{ "10,99999999999999999999,0,x", EINVAL, nullptr },
		{ "10,128,99999999999999999999,x", EINVAL, nullptr },
		{ "9223372036854775807,1,0,x", EINVAL, nullptr },
		{ "-9223372036854775808,1,0,x", EINVAL, nullptr },
		{ "-5,128,0,x", EINVAL, nullptr },
		{ "10,-128,0,x", EINVAL, nullptr },
		{ "0,128,0,x", EINVAL, nullptr },
		{ "10,0,0,x", EINVAL, nullptr },
		{ "+10,128,0,x", EINVAL, nullptr },
		{ " 10,128,0,x", EINVAL, nullptr },
		{ "10 ,128,0,x", EINVAL, nullptr },
		{ "0x10,128,0,x", EINVAL, nullptr },
		{ "1e3,128,0,x", EINVAL, nullptr },
		{ "65537,128,0,x", EINVAL, nullptr },
		{ "10,16777217,0,x", EINVAL, nullptr },
		/* Within msg_max and msgsize_max (raised to the hard limits), over RLIMIT_MSGQUEUE. */
		{ "65536,16777216,0,x", EMFILE, nullptr },
		{ "1,819200,0,x", EMFILE, nullptr },
	};
	for (const Case &c : cases) {
		const std::string path = d.path(tag + c.suffix);
		const int fd = rawOpen(path, O_CREAT | O_EXCL | O_RDWR, 0600);
		INFO("suffix '" << c.suffix.substr(0, 40) << "'");
		expectErr("create name: " + (c.err ? errName(-c.err) : std::string("valid")), fd < 0 ? fd : 0,
			  c.err);
		if (fd >= 0) {
			if (c.suffix == "10,128,1,c3")
				expectErr("SEND on a create-name fd with flags 1", sendInline(fd, 1), EBADF);
			::close(fd);
		}
		if (c.created) {
			/* An existing queue answers EEXIST, with or without O_EXCL. */
			expectErr("create name of an existing queue", rawOpen(path, O_CREAT | O_RDWR),
				  EEXIST);
			::unlink(d.path(c.created).c_str());
		}
		/* mknod(2) decodes the same way. */
		if (c.err) {
			expectErr("mknod create name: " + errName(-c.err),
				  ::mknod(path.c_str(), S_IFREG | 0600, 0) < 0 ? -errno : 0, c.err);
		}
		tick();
	}
	::unlink(d.path(n255).c_str());

	/* Things the kernel's VFS decides before the daemon. */
	expectErr("create name with '/' in the queue name",
		  rawOpen(d.path(tag + "10,128,0,a/b"), O_CREAT | O_RDWR), ENOENT);
	expectErr("create name longer than FUSE's 1024",
		  rawOpen(d.path(tag + "10,128,0," + std::string(800, 'x')), O_CREAT | O_RDWR), ENAMETOOLONG);
	expectErr("create name without O_CREAT", rawOpen(d.path(tag + "10,128,0,c9"), O_RDWR), ENOENT);
	expectErr("mkdir of a create name",
		  ::mkdir(d.path(tag + "10,128,0,c9").c_str(), 0700) < 0 ? -errno : 0, EPERM);
	std::string bent = tag;
	bent[MQFS_CREATE_TAG_LEN - 1] = 'X';
	expectErr("tag with its last byte changed (a plain name > 255)",
		  rawOpen(d.path(bent + "10,128,0,x"), O_CREAT | O_RDWR), ENAMETOOLONG);
	{
		const std::string head = tag.substr(0, 255);
		const int fd = rawOpen(d.path(head), O_CREAT | O_RDWR);
		expectErr("tag cut to 255 bytes (a plain name)", fd < 0 ? fd : 0, 0);
		if (fd >= 0)
			::close(fd);
		::unlink(d.path(head).c_str());
	}
	::setrlimit(RLIMIT_MSGQUEUE, &saved);
	requireHealthy(d, "create names");
}

TEST_CASE("limits: bad keys, values and sizes of LIMITS_SET", "[limits]")
{
	Daemon &d = sharedDaemon();
	step("limits");
	Fd root(rawOpen(d.root(), O_RDONLY | O_DIRECTORY));
	REQUIRE(root.valid());
	mqfs_limits saved = {};
	REQUIRE(rawIoctl(root.get(), MQFS_IOC_LIMITS_GET, &saved) == 0);
	const auto set = [&](uint32_t key, int64_t value, uint32_t reserved = 0) {
		mqfs_limit_set s = { key, reserved, value };
		return rawIoctl(root.get(), MQFS_IOC_LIMITS_SET, &s);
	};
	for (uint32_t k : { 5u, 6u, 255u, 0x80000000u, 0xffffffffu })
		expectErr("LIMITS_SET unknown key", set(k, 10), EINVAL);
	expectErr("LIMITS_SET reserved != 0", set(1, 10, 1), EINVAL);
	/* The sysctls' ranges (proc_dointvec_minmax): out of range -> EINVAL. */
	for (int64_t v : { int64_t(INT_MIN) - 1, int64_t(INT_MAX) + 1, INT64_MIN, INT64_MAX })
		expectErr("LIMITS_SET queues_max out of int", set(0, v), EINVAL);
	for (int64_t v : { int64_t(0), int64_t(-1), int64_t(65537), INT64_MIN, INT64_MAX, int64_t(1) << 32 })
		expectErr("LIMITS_SET msg_max out of range", set(1, v), EINVAL);
	for (int64_t v : { int64_t(127), int64_t(16777217), int64_t(-1), INT64_MAX })
		expectErr("LIMITS_SET msgsize_max out of range", set(2, v), EINVAL);
	for (int64_t v : { int64_t(0), int64_t(65537) })
		expectErr("LIMITS_SET msg_default out of range", set(3, v), EINVAL);
	for (int64_t v : { int64_t(127), int64_t(16777217) })
		expectErr("LIMITS_SET msgsize_default out of range", set(4, v), EINVAL);
	expectErr("LIMITS_SET queues_max -1", set(0, -1), 0);
	expectErr("LIMITS_SET queues_max INT_MIN", set(0, INT_MIN), 0);
	std::vector<unsigned char> buf(64, 0);
	for (unsigned s : { 0u, 15u, 17u, 64u })
		expectErr("LIMITS_SET struct size != 16",
			  rawIoctl(root.get(), _IOC(_IOC_WRITE, 'Q', 0x03, s), buf.data()), ENOTTY);
	expectErr("LIMITS_SET read-write direction",
		  rawIoctl(root.get(), _IOC(_IOC_READ | _IOC_WRITE, 'Q', 0x03, 16), buf.data()), ENOTTY);
	/* "writable by root and by the user that runs the daemon" */
	{
		int pfd[2];
		REQUIRE(::pipe(pfd) == 0);
		const pid_t pid = ::fork();
		if (pid == 0) {
			long rv = -1;
			if (::setgid(65534) == 0 && ::setuid(65534) == 0)
				rv = set(1, 20);
			(void)!::write(pfd[1], &rv, sizeof rv);
			::_exit(0);
		}
		::close(pfd[1]);
		long rv = 1;
		(void)!::read(pfd[0], &rv, sizeof rv);
		::close(pfd[0]);
		::waitpid(pid, nullptr, 0);
		expectErr("LIMITS_SET as nobody", rv, EPERM);
	}
	restoreLimits(root.get(), saved);
	mqfs_limits now = {};
	REQUIRE(rawIoctl(root.get(), MQFS_IOC_LIMITS_GET, &now) == 0);
	CHECK(std::memcmp(&now, &saved, sizeof now) == 0);
	requireHealthy(d, "limits");
}

TEST_CASE("no leak: 100k bad requests and abandoned transfers on closed fds", "[leak]")
{
	step("leak: start");
	Daemon d(kBigLimits, true);
	const size_t msgsize = 40000;
	Fd q(createQueue(d, "leak", 8, msgsize, O_NONBLOCK));
	REQUIRE(q.valid());
	const std::string badName = d.path(createTag() + "10,,0,x");
	std::vector<unsigned char> buf(MQFS_IOC_MAX_SIZE + 16, 0xa5);
	std::vector<unsigned char> in(msgsize + 64);
	long abandoned = 0, back = 0;

	/* One hostile request of kind i % 10; every 50th also abandons a
	 * staged send and a staged receive on an fd it then closes. */
	const auto one = [&](long i) {
		long rv = 0;
		std::uint64_t len;
		std::uint32_t tok;
		switch (i % 10) {
		case 0: rv = sendInline(q.get(), 8, 0, 0x40); break;
		case 1: rv = sendChunk(q.get(), 999999, 0, 64); break;
		case 2: rv = sendCommit(q.get(), 999999); break;
		case 3: rv = rawPread(q.get(), in.data(), 8, MQFS_OFF_RECV); break;
		case 4: rv = rawPread(q.get(), in.data(), 100, xferOffset(777, 0)); break;
		case 5: {
			mqfs_notify_req n = { 7, 0, 0, 0 };
			rv = rawIoctl(q.get(), MQFS_IOC_NOTIFY, &n);
			break;
		}
		case 6: {
			mqfs_attr a = {};
			a.flags = 0x10;
			rv = rawIoctl(q.get(), MQFS_IOC_GETATTR, &a);
			break;
		}
		case 7:
			len = UINT64_MAX;
			rv = xferBegin(q.get(), MQFS_IOC_SEND_BEGIN, len, tok);
			break;
		case 8: rv = rawOpen(badName, O_CREAT | O_RDWR); break;
		case 9: rv = rawIoctl(q.get(), _IOC(_IOC_WRITE, 'Q', 0x7e, 100), buf.data()); break;
		}
		table().add("leak loop: malformed request", rv);
		if (i % 50 == 49) {
			Fd f(rawOpen(d.path("leak"), O_RDWR));
			len = msgsize;
			const long b = xferBegin(f.get(), MQFS_IOC_SEND_BEGIN, len, tok);
			const long c = b < 0 ? b : sendChunk(f.get(), tok, 0, MQFS_CHUNK_MAX);
			const long s = sendInline(f.get(), 1000);
			len = msgsize;
			const long r = xferBegin(f.get(), MQFS_IOC_RECV_BEGIN, len, tok, 0, MQFS_F_NONBLOCK);
			const long p = r < 0 ? r : rawPread(f.get(), in.data(), 10, xferOffset(tok, 0));
			table().add("leak loop: abandoned SEND_BEGIN+CHUNK", c);
			table().add("leak loop: abandoned RECV_BEGIN, part read", s < 0 ? s : p < 0 ? p : 0);
			f.reset();
			/* The message comes back when its reader's release arrives. */
			back += drain(q.get(), msgsize);
			abandoned++;
		}
		return rv < 0 && rv != -EINTR;
	};

	const long warm = scaled(5000);
	const long total = scaled(100000);
	long bad = 0;
	for (long i = 0; i < warm; i++) {
		bad += one(i);
		if (i % 1000 == 0)
			tick();
	}
	const ProcFigures f0 = d.figures();
	const auto t0 = std::chrono::steady_clock::now();
	for (long i = 0; i < total; i++) {
		bad += one(i);
		if (i % 1000 == 0)
			tick();
	}
	const double ms = msSince(t0);
	const ProcFigures f1 = d.figures();
	figure("leak: " + std::to_string(total) + " malformed requests + " + std::to_string(abandoned) +
	       " abandoned fds in " + std::to_string(long(ms)) + " ms: VmRSS " + std::to_string(f0.rssKiB) +
	       " -> " + std::to_string(f1.rssKiB) + " kB, threads " + std::to_string(f0.threads) + " -> " +
	       std::to_string(f1.threads));
	CHECK(bad == warm + total);
	CHECK(abandoned == (warm + total) / 50);
	/* Every abandoned reservation came back, once. */
	back += waitCurMsgs(q.get(), abandoned - back);
	CHECK(back == abandoned);
	/* Slack: malloc arenas of up to 16 request threads settling. */
	CHECK_RSS(f1.rssKiB - f0.rssKiB < 2048);
	CHECK(f1.threads <= 16 + 4);
	REQUIRE(d.alive());
	REQUIRE(d.answers());
	q.reset();
	CHECK(d.stop() == 0);
}
