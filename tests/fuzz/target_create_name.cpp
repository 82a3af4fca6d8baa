/* SPDX-License-Identifier: MIT */
/**
 * @file target_create_name.cpp
 * @brief Fuzz decodeCreateName() against a grammar of its own, and round trips.
 *
 * Input: a mode byte, then
 *  - mode % 3 == 0: the name as the filesystem sees it;
 *  - mode % 3 == 1: what follows the 256-byte tag (the tag is prepended, so
 *    the fuzzer spends its time on the fields);
 *  - mode % 3 == 2: encode first: u32 flags, u8 (bit 0: attributes given),
 *    i64 maxmsg, i64 msgsize, then the queue name; decode must give it back.
 */
#include "fuzz.hpp"

#include <cerrno>
#include <climits>
#include <optional>
#include <string>

#include "name.hpp"
#include "request.hpp"

namespace {

using mqfs::CreateName;
using mqfs::QueueAttr;

/* A decimal long as std::from_chars takes it: an optional '-', then at
 * least one digit and nothing else, the value fitting a long. */
std::optional<long> refLong(std::string_view f)
{
	std::size_t i = 0;
	const bool neg = !f.empty() && f[0] == '-';
	if (neg)
		i = 1;
	if (i == f.size())
		return std::nullopt;
	__int128 v = 0;
	for (; i < f.size(); i++) {
		if (f[i] < '0' || f[i] > '9')
			return std::nullopt;
		v = v * 10 + (f[i] - '0');
		if (v > static_cast<__int128>(LONG_MAX) + 1)
			return std::nullopt;
	}
	if (neg)
		v = -v;
	if (v < LONG_MIN || v > LONG_MAX)
		return std::nullopt;
	return static_cast<long>(v);
}

/* The grammar of mqfs_proto.h: TAG<maxmsg>,<msgsize>,<flags>,<name>. */
struct RefParse {
	bool tagged = false;
	bool ok = false;
	CreateName value{};
};

RefParse refDecode(std::string_view s)
{
	RefParse r;
	const std::string_view tag = mqfs::createTag();
	if (s.size() < tag.size() || s.compare(0, tag.size(), tag) != 0)
		return r;
	r.tagged = true;
	std::string_view rest = s.substr(tag.size());
	std::string_view field[3];
	for (auto &f : field) {
		const auto comma = rest.find(',');
		if (comma == std::string_view::npos)
			return r;
		f = rest.substr(0, comma);
		rest.remove_prefix(comma + 1);
	}
	if (field[0] != "-" || field[1] != "-") {
		const auto maxmsg = refLong(field[0]);
		const auto msgsize = refLong(field[1]);
		if (!maxmsg || !msgsize)
			return r;
		r.value.attr = QueueAttr{ *maxmsg, *msgsize };
	}
	const auto flags = refLong(field[2]);
	if (!flags || *flags < 0 || *flags > static_cast<long>(mqfs::kCreateNoAccess))
		return r;
	r.value.flags = static_cast<unsigned>(*flags);
	r.value.name = rest;
	r.ok = true;
	return r;
}

bool sameAttr(const std::optional<QueueAttr> &a, const std::optional<QueueAttr> &b)
{
	if (a.has_value() != b.has_value())
		return false;
	return !a || (a->maxmsg == b->maxmsg && a->msgsize == b->msgsize);
}

bool same(const CreateName &a, const CreateName &b)
{
	return sameAttr(a.attr, b.attr) && a.flags == b.flags && a.name == b.name;
}

/* Properties of one decode of \a s; returns the decoded name when valid. */
std::optional<CreateName> checkDecode(std::string_view s)
{
	const auto r = mqfs::decodeCreateName(s);
	const RefParse ref = refDecode(s);
	MQFS_FUZZ_CHECK(r.has_value() == ref.tagged);
	if (!r)
		return std::nullopt;
	/* A create name is longer than NAME_MAX: never an existing queue. */
	MQFS_FUZZ_CHECK(mqfs::checkQueueName(s) < 0);
	MQFS_FUZZ_CHECK(r->error == 0 || r->error == -EINVAL);
	MQFS_FUZZ_CHECK((r->error == 0) == ref.ok);
	if (r->error)
		return std::nullopt;
	const CreateName &cn = r->value;
	MQFS_FUZZ_CHECK(same(cn, ref.value));
	MQFS_FUZZ_CHECK((cn.flags & ~mqfs::kCreateNoAccess) == 0);
	/* The name is the input's tail, after the tag and "a,b,c,". */
	MQFS_FUZZ_CHECK(cn.name.data() + cn.name.size() == s.data() + s.size());
	MQFS_FUZZ_CHECK(cn.name.data() >= s.data() + mqfs::createTag().size() + 6);
	MQFS_FUZZ_CHECK(cn.name.data()[-1] == ',');

	/* Round trip: what decoded encodes to a canonical name decoding the same. */
	const std::string again = mqfs::encodeCreateName(cn.name, cn.attr, cn.flags);
	const auto r2 = mqfs::decodeCreateName(again);
	MQFS_FUZZ_CHECK(r2 && r2->error == 0 && same(r2->value, cn));
	MQFS_FUZZ_CHECK(mqfs::encodeCreateName(r2->value.name, r2->value.attr, r2->value.flags) == again);
	/* Canonical numbers are the shortest spelling ("7", not "007" or "-0"). */
	MQFS_FUZZ_CHECK(again.size() <= s.size());
	return cn;
}

void checkEncode(mqfs::fuzz::Input &in)
{
	const unsigned flags = in.u32();
	const bool hasAttr = in.flag();
	const long maxmsg = static_cast<long>(in.i64());
	const long msgsize = static_cast<long>(in.i64());
	const std::string_view name = in.restString();
	std::optional<QueueAttr> attr;
	if (hasAttr)
		attr = QueueAttr{ maxmsg, msgsize };

	const std::string s = mqfs::encodeCreateName(name, attr, flags);
	MQFS_FUZZ_CHECK(s.size() > mqfs::kNameMax);
	const auto r = mqfs::decodeCreateName(s);
	MQFS_FUZZ_CHECK(r.has_value());
	if (flags > mqfs::kCreateNoAccess) {
		MQFS_FUZZ_CHECK(r->error == -EINVAL);
		return;
	}
	MQFS_FUZZ_CHECK(r->error == 0);
	MQFS_FUZZ_CHECK(same(r->value, CreateName{ attr, flags, name }));
	(void)checkDecode(s);
}

} /* namespace */

MQFS_FUZZ_TARGET(create_name)
{
	mqfs::fuzz::Input in(data);
	switch (in.u8() % 3) {
	case 0:
		(void)checkDecode(in.restString());
		break;
	case 1: {
		std::string s(mqfs::createTag());
		s += in.restString();
		(void)checkDecode(s);
		break;
	}
	default:
		checkEncode(in);
		break;
	}
}
