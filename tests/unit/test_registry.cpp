/* SPDX-License-Identifier: MIT */
/*
 * Creation, limits and accounting: sections 2.2, 2.3, 2.5, 2.6, 2.7 and 7 of
 * spec/mqueue-behaviour.md. Callers are uid 0 without CAP_SYS_RESOURCE unless
 * a test says otherwise, as on the machine the spec was measured on.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "registry.hpp"

using mqfs::Caller;
using mqfs::LimitKey;
using mqfs::LimitSet;
using mqfs::Queue;
using mqfs::QueueAttr;
using mqfs::Registry;

namespace {

using CreateResult = mqfs::Result<std::shared_ptr<Queue>>;

constexpr std::uint64_t kNoLimit = ~0ull;
const std::optional<QueueAttr> kDefaultAttr = std::nullopt;

Caller rootCaller()
{
	return Caller{}; /* uid 0, no capability, no rlimit */
}

Caller userCaller(uid_t ruid, std::uint64_t rlimit = kNoLimit)
{
	Caller c;
	c.uid = ruid;
	c.gid = ruid;
	c.ruid = ruid;
	c.pid = static_cast<pid_t>(10000 + ruid);
	c.rlimitMsgqueue = rlimit;
	return c;
}

Caller capCaller()
{
	Caller c;
	c.capSysResource = true;
	return c;
}

std::optional<QueueAttr> attrOf(long maxmsg, long msgsize)
{
	return QueueAttr{ maxmsg, msgsize };
}

struct Fixture {
	LimitSet limits;
	Registry reg{ limits, nullptr, 0, 0 };

	CreateResult make(const std::string &name, const std::optional<QueueAttr> &attr = std::nullopt,
			  const Caller &caller = rootCaller(), mode_t perm = 0600)
	{
		return reg.create(name, perm, attr, caller);
	}
};

std::vector<std::string> namesOf(const std::vector<Registry::Entry> &entries)
{
	std::vector<std::string> out;
	for (const auto &e : entries)
		out.push_back(e.name);
	return out;
}

} /* namespace */

TEST_CASE("queueCharge: the kernel's bytes per queue", "[registry]")
{
	CHECK(mqfs::queueCharge({ 1, 1 }) == 97);
	CHECK(mqfs::queueCharge({ 10, 8192 }) == 82880);
	/* the tree-node part stops growing at MQ_PRIO_MAX nodes */
	CHECK(mqfs::queueCharge({ 65536, 1 }) == 65536ull * 48 + 32768ull * 48 + 65536ull);
	CHECK(mqfs::queueCharge({ 32768, 2 }) == 32768ull * 48 * 2 + 32768ull * 2);
}

TEST_CASE("create: defaults are min(msg_max, msg_default) x min(msgsize_max, msgsize_default)", "[registry]")
{
	Fixture f;
	SECTION("compiled-in defaults")
	{
		auto q = f.make("a");
		REQUIRE(q.ok());
		CHECK((*q)->attr().maxmsg == 10);
		CHECK((*q)->attr().msgsize == 8192);
	}
	SECTION("defaults above the maxima are cut to the maxima")
	{
		REQUIRE(f.limits.set(LimitKey::MsgDefault, 20) == 0);
		REQUIRE(f.limits.set(LimitKey::MsgsizeDefault, 100000) == 0);
		auto q = f.make("a");
		REQUIRE(q.ok());
		CHECK((*q)->attr().maxmsg == 10);
		CHECK((*q)->attr().msgsize == 8192);
	}
	SECTION("defaults below the maxima are used as they are")
	{
		REQUIRE(f.limits.set(LimitKey::MsgDefault, 3) == 0);
		REQUIRE(f.limits.set(LimitKey::MsgsizeDefault, 200) == 0);
		REQUIRE(f.limits.set(LimitKey::MsgMax, 50) == 0);
		auto q = f.make("a");
		REQUIRE(q.ok());
		CHECK((*q)->attr().maxmsg == 3);
		CHECK((*q)->attr().msgsize == 200);
	}
	SECTION("maxima below the defaults win")
	{
		REQUIRE(f.limits.set(LimitKey::MsgMax, 4) == 0);
		REQUIRE(f.limits.set(LimitKey::MsgsizeMax, 128) == 0);
		auto q = f.make("a");
		REQUIRE(q.ok());
		CHECK((*q)->attr().maxmsg == 4);
		CHECK((*q)->attr().msgsize == 128);
	}
	SECTION("a capable caller gets the same defaults")
	{
		REQUIRE(f.limits.set(LimitKey::MsgMax, 4) == 0);
		auto q = f.make("a", kDefaultAttr, capCaller());
		REQUIRE(q.ok());
		CHECK((*q)->attr().maxmsg == 4);
		CHECK((*q)->attr().msgsize == 8192);
	}
}

TEST_CASE("create: mode, owner and the queue file", "[registry]")
{
	Fixture f;
	Caller c = userCaller(1000);
	c.uid = 1234; /* fsuid */
	c.gid = 5678; /* fsgid */
	auto q = f.make("a", kDefaultAttr, c, 07777);
	REQUIRE(q.ok());
	const mqfs::QueueStat st = (*q)->stat();
	CHECK(st.mode == (S_IFREG | 07777));
	CHECK(st.uid == 1234);
	CHECK(st.gid == 5678);
	CHECK(st.nlink == 1);
	CHECK(st.size == 80);
	CHECK(f.reg.find("a") == *q);
	CHECK(f.reg.find("b") == nullptr);
}

TEST_CASE("create: EEXIST for a name in use", "[registry]")
{
	Fixture f;
	REQUIRE(f.make("a").ok());
	CHECK(f.make("a").error() == -EEXIST);
	/* even when the attributes would be bad, or the caller capable */
	CHECK(f.make("a", attrOf(0, 0)).error() == -EEXIST);
	CHECK(f.make("a", kDefaultAttr, capCaller()).error() == -EEXIST);
	CHECK(f.reg.queueCount() == 1);
}

TEST_CASE("create: EINVAL for bad attributes, uid 0 without the capability not exempt", "[registry]")
{
	Fixture f;
	CHECK(f.make("a", attrOf(0, 1)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(-1, 1)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(1, 0)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(1, -1)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(11, 8192)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(10, 8193)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(65537, 1)).error() == -EINVAL);
	CHECK(f.make("a", attrOf(11, 1), userCaller(1000)).error() == -EINVAL);
	CHECK(f.reg.queueCount() == 0);
	CHECK(f.reg.charged(0) == 0);

	/* the limits are read at each create */
	REQUIRE(f.limits.set(LimitKey::MsgMax, 11) == 0);
	CHECK(f.make("a", attrOf(11, 8192)).ok());
}

TEST_CASE("create: no lower bound apart from > 0: 1x1 and the maxima are accepted", "[registry]")
{
	Fixture f;
	auto q = f.make("one", attrOf(1, 1));
	REQUIRE(q.ok());
	CHECK((*q)->attr().maxmsg == 1);
	CHECK((*q)->attr().msgsize == 1);
	CHECK(f.make("max", attrOf(10, 8192)).ok());
	REQUIRE(f.limits.set(LimitKey::MsgsizeMax, 128) == 0);
	/* msgsize below the sysctl's own minimum of 128 is still fine */
	CHECK(f.make("small", attrOf(2, 5)).ok());
}

TEST_CASE("create: CAP_SYS_RESOURCE uses the hard limits instead of the sysctls", "[registry]")
{
	Fixture f;
	const Caller cap = capCaller();
	CHECK(f.make("a", attrOf(65536, 1), cap).ok());
	CHECK(f.make("b", attrOf(1, 16777216), cap).ok());
	CHECK(f.make("c", attrOf(65537, 1), cap).error() == -EINVAL);
	CHECK(f.make("d", attrOf(1, 16777217), cap).error() == -EINVAL);
	CHECK(f.make("e", attrOf(0, 1), cap).error() == -EINVAL);
	CHECK(f.make("f", attrOf(1, 0), cap).error() == -EINVAL);
	/* the same attributes without the capability */
	CHECK(f.make("g", attrOf(65536, 1)).error() == -EINVAL);
	CHECK(f.make("h", attrOf(1, 16777216)).error() == -EINVAL);
}

TEST_CASE("create: ENOSPC at queues_max", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 2) == 0);
	REQUIRE(f.make("a").ok());
	REQUIRE(f.make("b").ok());
	CHECK(f.make("c").error() == -ENOSPC);
	/* root without the capability too, and whatever the uid */
	CHECK(f.make("c", kDefaultAttr, userCaller(1000)).error() == -ENOSPC);
	CHECK(f.reg.queueCount() == 2);
	/* opening an existing queue at the limit is fine */
	CHECK(f.reg.opened(*f.reg.find("a")) == 0);
	f.reg.released(*f.reg.find("a"));
}

TEST_CASE("create: an unlinked queue that is still open counts towards queues_max", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 2) == 0);
	auto a = f.make("a");
	REQUIRE(a.ok());
	REQUIRE(f.make("b").ok());
	REQUIRE(f.reg.opened(**a) == 0);
	REQUIRE(f.reg.unlink("a") == 0);
	CHECK(f.reg.queueCount() == 2);
	CHECK(f.make("c").error() == -ENOSPC);
	f.reg.released(**a);
	CHECK(f.reg.queueCount() == 1);
	CHECK(f.make("c").ok());
}

TEST_CASE("create: a queue that is unlinked and not open stops counting at once", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 1) == 0);
	auto a = f.make("a");
	REQUIRE(a.ok());
	REQUIRE(f.reg.opened(**a) == 0);
	f.reg.released(**a); /* still linked: still counted */
	CHECK(f.reg.queueCount() == 1);
	CHECK(f.make("b").error() == -ENOSPC);
	REQUIRE(f.reg.unlink("a") == 0);
	CHECK(f.reg.queueCount() == 0);
	CHECK(f.make("b").ok());
}

TEST_CASE("create: two open files keep an unlinked queue counted until both are released", "[registry]")
{
	Fixture f;
	auto a = f.make("a");
	REQUIRE(a.ok());
	REQUIRE(f.reg.opened(**a) == 0);
	REQUIRE(f.reg.opened(**a) == 0);
	REQUIRE(f.reg.unlink("a") == 0);
	f.reg.released(**a);
	CHECK(f.reg.queueCount() == 1);
	CHECK(f.reg.charged(0) == 82880);
	f.reg.released(**a);
	CHECK(f.reg.queueCount() == 0);
	CHECK(f.reg.charged(0) == 0);
	/* it is gone: opening it again is refused */
	CHECK(f.reg.opened(**a) == -ENOENT);
}

TEST_CASE("create: queues_max -1 means no limit", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, -1) == 0);
	for (int i = 0; i < 300; i++)
		REQUIRE(f.make("q" + std::to_string(i), attrOf(1, 1)).ok());
	CHECK(f.reg.queueCount() == 300);
}

TEST_CASE("create: queues_max 0 blocks every create without the capability", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 0) == 0);
	CHECK(f.make("a").error() == -ENOSPC);
	CHECK(f.make("a", kDefaultAttr, userCaller(1000)).error() == -ENOSPC);
	CHECK(f.reg.queueCount() == 0);
}

TEST_CASE("create: CAP_SYS_RESOURCE skips queues_max and the count still goes up", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 0) == 0);
	CHECK(f.make("a", kDefaultAttr, capCaller()).ok());
	CHECK(f.make("b", kDefaultAttr, capCaller()).ok());
	CHECK(f.reg.queueCount() == 2);
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 2) == 0);
	CHECK(f.make("c").error() == -ENOSPC);
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 3) == 0);
	CHECK(f.make("c").ok());
}

TEST_CASE("create: lowering queues_max leaves existing queues alone", "[registry]")
{
	Fixture f;
	REQUIRE(f.make("a").ok());
	REQUIRE(f.make("b").ok());
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 1) == 0);
	CHECK(f.reg.find("a") != nullptr);
	CHECK(f.reg.find("b") != nullptr);
	CHECK(f.reg.queueCount() == 2);
	CHECK(f.make("c").error() == -ENOSPC);
}

TEST_CASE("create: error precedence ENOSPC -> EINVAL -> EMFILE", "[registry]")
{
	Fixture f;
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 1) == 0);
	REQUIRE(f.make("a", attrOf(1, 1)).ok());
	/* at the limit a bad attr gives ENOSPC */
	CHECK(f.make("b", attrOf(0, 0)).error() == -ENOSPC);
	CHECK(f.make("b", attrOf(11, 1)).error() == -ENOSPC);
	CHECK(f.make("b", attrOf(1, 1), userCaller(1000, 0)).error() == -ENOSPC);
	/* below the limit a bad attr beats the rlimit */
	REQUIRE(f.limits.set(LimitKey::QueuesMax, 10) == 0);
	CHECK(f.make("b", attrOf(11, 1), userCaller(1000, 0)).error() == -EINVAL);
	CHECK(f.make("b", attrOf(-1, 1), userCaller(1000, 0)).error() == -EINVAL);
	CHECK(f.make("b", attrOf(1, 1), userCaller(1000, 0)).error() == -EMFILE);
}

TEST_CASE("RLIMIT_MSGQUEUE: 819200 allows nine default queues, the tenth is EMFILE", "[registry]")
{
	Fixture f;
	const Caller c = userCaller(1000, 819200);
	for (int i = 0; i < 9; i++)
		REQUIRE(f.make("q" + std::to_string(i), kDefaultAttr, c).ok());
	CHECK(f.reg.charged(1000) == 9 * 82880);
	CHECK(f.make("q9", kDefaultAttr, c).error() == -EMFILE);
	CHECK(f.reg.charged(1000) == 9 * 82880);
	CHECK(f.reg.queueCount() == 9);
	CHECK(f.reg.find("q9") == nullptr);
	/* a smaller queue still fits in what is left */
	CHECK(f.make("small", attrOf(1, 1), c).ok());
	CHECK(f.reg.charged(1000) == 9 * 82880 + 97);
}

TEST_CASE("RLIMIT_MSGQUEUE: exact edges, 97 and 96 for 1x1, 82880 and 82879 for 10x8192", "[registry]")
{
	Fixture f;
	CHECK(f.make("a", attrOf(1, 1), userCaller(1000, 97)).ok());
	CHECK(f.make("b", attrOf(1, 1), userCaller(1001, 96)).error() == -EMFILE);
	CHECK(f.make("c", attrOf(10, 8192), userCaller(1002, 82880)).ok());
	CHECK(f.make("d", attrOf(10, 8192), userCaller(1003, 82879)).error() == -EMFILE);
	CHECK(f.make("e", kDefaultAttr, userCaller(1004, 82879)).error() == -EMFILE);
	CHECK(f.reg.charged(1000) == 97);
	CHECK(f.reg.charged(1001) == 0);
	CHECK(f.reg.charged(1002) == 82880);
	CHECK(f.reg.charged(1003) == 0);
}

TEST_CASE("RLIMIT_MSGQUEUE: no capability lifts it, uid 0 included", "[registry]")
{
	Fixture f;
	Caller c = capCaller();
	c.rlimitMsgqueue = 96;
	CHECK(f.make("a", attrOf(1, 1), c).error() == -EMFILE);
	Caller root = rootCaller();
	root.rlimitMsgqueue = 96;
	CHECK(f.make("a", attrOf(1, 1), root).error() == -EMFILE);
	CHECK(f.reg.queueCount() == 0);
}

TEST_CASE("RLIMIT_MSGQUEUE: charged to the real uid, summed per uid, against the caller's limit", "[registry]")
{
	Fixture f;
	Caller c = userCaller(1000, 200);
	c.uid = 2000; /* a different fsuid does not matter */
	REQUIRE(f.make("a", attrOf(1, 1), c).ok());
	CHECK(f.reg.charged(1000) == 97);
	CHECK(f.reg.charged(2000) == 0);
	REQUIRE(f.make("b", attrOf(1, 1), c).ok());
	CHECK(f.reg.charged(1000) == 194);
	CHECK(f.make("c", attrOf(1, 1), c).error() == -EMFILE);
	/* another uid has its own account */
	CHECK(f.make("c", attrOf(1, 1), userCaller(1001, 97)).ok());
	/* the same uid with a larger limit in another process may go on */
	CHECK(f.make("d", attrOf(1, 1), userCaller(1000, 291)).ok());
	CHECK(f.reg.charged(1000) == 291);
}

TEST_CASE("RLIMIT_MSGQUEUE: an unlinked but open queue keeps its charge until released", "[registry]")
{
	Fixture f;
	const Caller c = userCaller(1000, 97);
	auto a = f.make("a", attrOf(1, 1), c);
	REQUIRE(a.ok());
	REQUIRE(f.reg.opened(**a) == 0);
	REQUIRE(f.reg.unlink("a") == 0);
	CHECK(f.reg.charged(1000) == 97);
	CHECK(f.make("b", attrOf(1, 1), c).error() == -EMFILE);
	f.reg.released(**a);
	CHECK(f.reg.charged(1000) == 0);
	CHECK(f.make("b", attrOf(1, 1), c).ok());
}

TEST_CASE("unlink: ENOENT when missing; the name goes at once", "[registry]")
{
	Fixture f;
	CHECK(f.reg.unlink("nope") == -ENOENT);
	auto a = f.make("a");
	REQUIRE(a.ok());
	REQUIRE(f.reg.opened(**a) == 0);
	REQUIRE(f.reg.unlink("a") == 0);
	CHECK(f.reg.find("a") == nullptr);
	CHECK(f.reg.unlink("a") == -ENOENT);
	CHECK((*a)->stat().nlink == 0);
	f.reg.released(**a);
}

TEST_CASE("unlink then re-create: a new, separate queue; the old one keeps its messages", "[registry]")
{
	Fixture f;
	auto old = f.make("a", attrOf(4, 16));
	REQUIRE(old.ok());
	REQUIRE(f.reg.opened(**old) == 0);
	{
		mqfs::WakeList wake;
		const std::string s = "keep";
		mqfs::Message m(std::span<const std::byte>(reinterpret_cast<const std::byte *>(s.data()), s.size()));
		REQUIRE((*old)->send(m, 1, mqfs::Sender{}, nullptr, wake) == 0);
	}
	REQUIRE(f.reg.unlink("a") == 0);
	auto fresh = f.make("a", attrOf(2, 8));
	REQUIRE(fresh.ok());
	CHECK(*fresh != *old);
	CHECK((*fresh)->ino() != (*old)->ino());
	CHECK(f.reg.find("a") == *fresh);
	CHECK((*fresh)->counts().curmsgs == 0);
	CHECK((*old)->counts().curmsgs == 1);
	CHECK((*old)->attr().maxmsg == 4);
	CHECK(f.reg.queueCount() == 2);
	f.reg.released(**old);
	CHECK(f.reg.queueCount() == 1);
	CHECK(f.reg.find("a") == *fresh);
}

TEST_CASE("list: newest first, paged with beforeSeq, unlinked queues left out", "[registry]")
{
	Fixture f;
	for (const char *n : { "a", "b", "c", "d", "e" })
		REQUIRE(f.make(n).ok());
	const auto all = f.reg.list(~0ull, 100);
	CHECK(namesOf(all) == std::vector<std::string>{ "e", "d", "c", "b", "a" });
	for (std::size_t i = 1; i < all.size(); i++)
		CHECK(all[i - 1].seq > all[i].seq);
	for (const auto &e : all)
		CHECK(e.ino == f.reg.find(e.name)->ino());

	const auto page1 = f.reg.list(~0ull, 2);
	REQUIRE(namesOf(page1) == std::vector<std::string>{ "e", "d" });
	const auto page2 = f.reg.list(page1.back().seq, 2);
	REQUIRE(namesOf(page2) == std::vector<std::string>{ "c", "b" });
	const auto page3 = f.reg.list(page2.back().seq, 2);
	REQUIRE(namesOf(page3) == std::vector<std::string>{ "a" });
	CHECK(f.reg.list(page3.back().seq, 2).empty());
	CHECK(f.reg.list(~0ull, 0).empty());

	auto c = f.reg.find("c");
	REQUIRE(f.reg.opened(*c) == 0);
	REQUIRE(f.reg.unlink("c") == 0);
	REQUIRE(f.make("f").ok());
	CHECK(namesOf(f.reg.list(~0ull, 100)) == std::vector<std::string>{ "f", "e", "d", "b", "a" });
	/* a page boundary at a removed entry still works */
	CHECK(namesOf(f.reg.list(page2.front().seq, 100)) == std::vector<std::string>{ "b", "a" });
	f.reg.released(*c);
}

TEST_CASE("dirStat: size 40 + 20 per linked queue, mode S_IFDIR|01777, nlink 2", "[registry]")
{
	LimitSet limits;
	Registry reg(limits, nullptr, 11, 22);
	mqfs::DirStat st = reg.dirStat();
	CHECK(st.mode == (S_IFDIR | 01777));
	CHECK(st.nlink == 2);
	CHECK(st.size == 40);
	CHECK(st.uid == 11);
	CHECK(st.gid == 22);

	auto a = reg.create("a", 0600, std::nullopt, Caller{});
	REQUIRE(a.ok());
	REQUIRE(reg.create("b", 0600, std::nullopt, Caller{}).ok());
	REQUIRE(reg.create("c", 0600, std::nullopt, Caller{}).ok());
	CHECK(reg.dirStat().size == 100);

	/* unlinked but open: not counted in the size */
	REQUIRE(reg.opened(**a) == 0);
	REQUIRE(reg.unlink("a") == 0);
	CHECK(reg.dirStat().size == 80);
	reg.released(**a);
	CHECK(reg.dirStat().size == 80);
	REQUIRE(reg.unlink("b") == 0);
	CHECK(reg.dirStat().size == 60);
	CHECK(reg.dirStat().nlink == 2);
}

TEST_CASE("dirStat: chmod/chown of the root; create and unlink update its times", "[registry]")
{
	Fixture f;
	mqfs::AttrChange c;
	c.mode = 0755;
	c.uid = 5;
	c.gid = 6;
	c.atime = 1000;
	c.mtime = 1000;
	c.ctime = 1000;
	f.reg.setDirAttr(c);
	mqfs::DirStat st = f.reg.dirStat();
	CHECK(st.mode == (S_IFDIR | 0755));
	CHECK(st.uid == 5);
	CHECK(st.gid == 6);
	CHECK(st.mtime == 1000);

	const time_t before = std::time(nullptr);
	REQUIRE(f.make("a").ok());
	st = f.reg.dirStat();
	CHECK(st.atime >= before);
	CHECK(st.mtime >= before);
	CHECK(st.ctime >= before);

	mqfs::AttrChange t;
	t.atime = 1000;
	t.mtime = 1000;
	t.ctime = 1000;
	f.reg.setDirAttr(t);
	/* failed creates change nothing */
	CHECK(f.make("a").error() == -EEXIST);
	CHECK(f.reg.unlink("zz") == -ENOENT);
	CHECK(f.reg.dirStat().mtime == 1000);
	REQUIRE(f.reg.unlink("a") == 0);
	st = f.reg.dirStat();
	CHECK(st.mtime >= before);
	CHECK(st.ctime >= before);
}

TEST_CASE("forEach: visits every counted queue, unlinked-but-open included", "[registry]")
{
	Fixture f;
	auto a = f.make("a");
	REQUIRE(a.ok());
	REQUIRE(f.make("b").ok());
	REQUIRE(f.reg.opened(**a) == 0);
	REQUIRE(f.reg.unlink("a") == 0);
	std::size_t n = 0;
	bool sawA = false;
	f.reg.forEach([&](const std::shared_ptr<Queue> &q) {
		n++;
		if (q == *a)
			sawA = true;
	});
	CHECK(n == 2);
	CHECK(sawA);
	f.reg.released(**a);
}
