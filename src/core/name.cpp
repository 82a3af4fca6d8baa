/* SPDX-License-Identifier: MIT */
#include "name.hpp"

#include <cerrno>

namespace mqfs {

int checkQueueName(std::string_view name)
{
	/* getname(""): ENOENT, even with O_CREAT. */
	if (name.empty())
		return -ENOENT;
	/* getname(): the string and its NUL must fit PATH_MAX. */
	if (name.size() >= 4096)
		return -ENAMETOOLONG;
	/* lookup_one_len(): '.', '..' and any '/' are refused before the
	 * filesystem sees the name. */
	if (name == "." || name == ".." || name.find('/') != std::string_view::npos)
		return -EACCES;
	/* mqueue lookup: "dentry->d_name.len > NAME_MAX" -> ENAMETOOLONG. */
	if (name.size() > kNameMax)
		return -ENAMETOOLONG;
	return 0;
}

int checkPosixName(std::string_view name)
{
	/* glibc mq_open/mq_unlink: "if (name[0] != '/') return EINVAL". */
	if (name.empty() || name.front() != '/')
		return -EINVAL;
	return checkQueueName(name.substr(1));
}

} /* namespace mqfs */
