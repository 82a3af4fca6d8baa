/* SPDX-License-Identifier: MIT */
#include "request.hpp"

#include <cerrno>
#include <charconv>

namespace mqfs {

std::string_view createTag()
{
	static const std::string tag = [] {
		std::string t = MQFS_CREATE_TAG_HEAD;
		t.resize(MQFS_CREATE_TAG_LEN, '.');
		return t;
	}();
	return tag;
}

std::string encodeCreateName(std::string_view name, long maxmsg, long msgsize)
{
	std::string s(createTag());
	s += std::to_string(maxmsg);
	s += ',';
	s += std::to_string(msgsize);
	s += ',';
	s += name;
	return s;
}

namespace {

bool takeLong(std::string_view &s, long &out)
{
	const auto comma = s.find(',');
	if (comma == std::string_view::npos || comma == 0)
		return false;
	const char *first = s.data();
	const char *last = s.data() + comma;
	auto [ptr, ec] = std::from_chars(first, last, out);
	if (ec != std::errc() || ptr != last)
		return false;
	s.remove_prefix(comma + 1);
	return true;
}

} /* namespace */

std::optional<CreateNameParse> decodeCreateName(std::string_view s)
{
	const std::string_view tag = createTag();
	if (s.size() < tag.size() || s.substr(0, tag.size()) != tag)
		return std::nullopt;
	s.remove_prefix(tag.size());

	CreateNameParse r;
	long maxmsg, msgsize;
	if (!takeLong(s, maxmsg) || !takeLong(s, msgsize)) {
		r.error = -EINVAL;
		return r;
	}
	r.value.attr = { maxmsg, msgsize };
	r.value.name = s;
	return r;
}

} /* namespace mqfs */
