/* SPDX-License-Identifier: MIT */
#include "node_table.hpp"

namespace mqfs::fs {

void NodeTable::ref(const std::shared_ptr<Queue> &q)
{
	std::lock_guard lock(mutex_);
	auto [it, inserted] = nodes_.try_emplace(q->ino(), Node{ q, 0 });
	it->second.nlookup++;
}

std::shared_ptr<Queue> NodeTable::get(std::uint64_t ino) const
{
	std::lock_guard lock(mutex_);
	auto it = nodes_.find(ino);
	return it == nodes_.end() ? nullptr : it->second.queue;
}

void NodeTable::forget(std::uint64_t ino, std::uint64_t nlookup)
{
	std::lock_guard lock(mutex_);
	auto it = nodes_.find(ino);
	if (it == nodes_.end())
		return;
	if (it->second.nlookup <= nlookup)
		nodes_.erase(it);
	else
		it->second.nlookup -= nlookup;
}

std::size_t NodeTable::size() const
{
	std::lock_guard lock(mutex_);
	return nodes_.size();
}

} /* namespace mqfs::fs */
