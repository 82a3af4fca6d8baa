/* SPDX-License-Identifier: MIT */
/**
 * @file thread_annotations.hpp
 * @brief Clang thread-safety annotations (no-ops with other compilers).
 */
#pragma once

#if defined(__clang__)
#define MQFS_TSA(x) __attribute__((x))
#else
#define MQFS_TSA(x)
#endif

#define MQFS_GUARDED_BY(m) MQFS_TSA(guarded_by(m))
#define MQFS_REQUIRES(m) MQFS_TSA(requires_capability(m))
#define MQFS_EXCLUDES(m) MQFS_TSA(locks_excluded(m))

#define MQFS_DISABLE_COPY(Class)        \
	Class(const Class &) = delete;  \
	Class &operator=(const Class &) = delete

#define MQFS_DISABLE_COPY_AND_MOVE(Class) \
	MQFS_DISABLE_COPY(Class);         \
	Class(Class &&) = delete;         \
	Class &operator=(Class &&) = delete
