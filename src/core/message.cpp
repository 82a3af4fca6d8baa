/* SPDX-License-Identifier: MIT */
#include "message.hpp"

#include <cassert>

namespace mqfs {

void PriorityStore::push(Message m, unsigned prio)
{
	const std::size_t size = m.size();
	fifos_[prio].push_back(std::move(m));
	count_++;
	bytes_ += size;
}

void PriorityStore::pushFront(Message m, unsigned prio)
{
	const std::size_t size = m.size();
	fifos_[prio].push_front(std::move(m));
	count_++;
	bytes_ += size;
}

std::pair<Message, unsigned> PriorityStore::pop()
{
	assert(count_ > 0);
	auto it = fifos_.begin();
	const unsigned prio = it->first;
	Message m = std::move(it->second.front());
	it->second.pop_front();
	if (it->second.empty())
		fifos_.erase(it);
	count_--;
	bytes_ -= m.size();
	return { std::move(m), prio };
}

std::size_t PriorityStore::frontSize() const
{
	assert(count_ > 0);
	return fifos_.begin()->second.front().size();
}

} /* namespace mqfs */
