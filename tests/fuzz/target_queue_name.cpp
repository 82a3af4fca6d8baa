/* SPDX-License-Identifier: MIT */
/**
 * @file target_queue_name.cpp
 * @brief Fuzz checkQueueName() and checkPosixName() against name.hpp's rules.
 *
 * Input: a mode byte, then
 *  - mode % 2 == 0: the name;
 *  - mode % 2 == 1: u16 count, u8 fill, then a name that gets count % 4200
 *    fill bytes appended (to reach NAME_MAX and PATH_MAX cheaply).
 * Each name is checked as the kernel sees it and as mq_open() is given it,
 * both without and with a leading '/'.
 */
#include "fuzz.hpp"

#include <cerrno>
#include <string>

#include "name.hpp"

namespace {

/* name.hpp, in its order: "" ENOENT; PATH_MAX; ".", ".." or a '/' EACCES; NAME_MAX. */
int refQueueName(std::string_view n)
{
	if (n.empty())
		return -ENOENT;
	if (n.size() + 1 > 4096)
		return -ENAMETOOLONG;
	bool slash = false;
	for (char c : n)
		slash = slash || c == '/';
	if (slash || n == "." || n == "..")
		return -EACCES;
	return n.size() > 255 ? -ENAMETOOLONG : 0;
}

void checkName(std::string_view n)
{
	const int q = mqfs::checkQueueName(n);
	MQFS_FUZZ_CHECK(q == refQueueName(n));
	if (q == 0)
		MQFS_FUZZ_CHECK(!n.empty() && n.size() <= mqfs::kNameMax && n.find('/') == std::string_view::npos);

	/* glibc: no leading '/' is EINVAL before anything else. */
	const int p = mqfs::checkPosixName(n);
	if (n.empty() || n[0] != '/')
		MQFS_FUZZ_CHECK(p == -EINVAL);
	else
		MQFS_FUZZ_CHECK(p == mqfs::checkQueueName(n.substr(1)));
	MQFS_FUZZ_CHECK(mqfs::checkPosixName("/" + std::string(n)) == q);
}

} /* namespace */

MQFS_FUZZ_TARGET(queue_name)
{
	mqfs::fuzz::Input in(data);
	if (in.u8() % 2 == 0) {
		checkName(in.restString());
		return;
	}
	const std::size_t count = in.u16() % 4200;
	const char fill = static_cast<char>(in.u8());
	std::string n(in.restString());
	n.append(count, fill);
	checkName(n);
}
