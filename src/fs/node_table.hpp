/* SPDX-License-Identifier: MIT */
/**
 * @file node_table.hpp
 * @brief The kernel's lookup counts of queue inodes (FUSE nlookup).
 *
 * Inode numbers are keys, never pointers: ino 1 is the root, each queue has
 * the number the Registry gave it, and numbers are never reused. An entry
 * keeps its queue alive until the kernel forgets the inode, so an fd on an
 * unlinked queue can still reach it.
 *
 * THREAD SAFETY: mutex_ guards nodes_; it nests inside no other lock.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/queue.hpp"
#include "core/thread_annotations.hpp"

namespace mqfs::fs {

inline constexpr std::uint64_t kRootIno = 1;

class NodeTable
{
public:
	/** \brief The kernel learned of \a q through a lookup or create reply. */
	void ref(const std::shared_ptr<Queue> &q);
	std::shared_ptr<Queue> get(std::uint64_t ino) const;
	void forget(std::uint64_t ino, std::uint64_t nlookup);
	std::size_t size() const;

private:
	struct Node {
		std::shared_ptr<Queue> queue;
		std::uint64_t nlookup;
	};
	mutable std::mutex mutex_;
	std::unordered_map<std::uint64_t, Node> nodes_ MQFS_GUARDED_BY(mutex_);
};

} /* namespace mqfs::fs */
