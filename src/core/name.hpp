/* SPDX-License-Identifier: MIT */
/**
 * @file name.hpp
 * @brief Queue names, checked as the kernel checks a component in the mqueue root.
 */
#pragma once

#include <string_view>

namespace mqfs {

inline constexpr std::size_t kNameMax = 255;

/**
 * \brief Check a name as it reaches the filesystem (without glibc's leading '/').
 *
 * mq_overview(7) and ipc/mqueue.c lookup: "" -> ENOENT; a '/' inside, ".", ".."
 * -> EACCES; more than NAME_MAX bytes -> ENAMETOOLONG. Any other byte but NUL is fine.
 *
 * \return 0 or -errno
 */
int checkQueueName(std::string_view name);

/**
 * \brief Check a name as given to mq_open()/mq_unlink() (with the leading '/').
 *
 * glibc: no leading '/' -> EINVAL, before anything else.
 */
int checkPosixName(std::string_view name);

} /* namespace mqfs */
