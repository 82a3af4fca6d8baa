/* SPDX-License-Identifier: MIT */
/**
 * @file message.hpp
 * @brief One message payload, and the store that orders messages.
 *
 * The store is an interface so that a journal (durable queues), a shared
 * memory ring or a remote engine can stand in for the in-memory tree later.
 * The in-memory PriorityStore follows ipc/mqueue.c: one FIFO per priority,
 * highest priority first, empty priorities removed.
 *
 * THREAD SAFETY: none; a store belongs to one Queue and is used under its lock.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <utility>

namespace mqfs {

class Message
{
public:
	Message() = default;
	/** \brief Copy a payload (may throw std::bad_alloc). */
	explicit Message(std::span<const std::byte> payload)
		: size_(static_cast<std::uint32_t>(payload.size()))
	{
		if (size_) {
			buf_.reset(new std::byte[size_]);
			std::memcpy(buf_.get(), payload.data(), size_);
		}
	}
	/** \brief An uninitialised payload of \a size bytes, to be filled in place. */
	static Message withSize(std::size_t size)
	{
		Message m;
		m.size_ = static_cast<std::uint32_t>(size);
		if (size)
			m.buf_.reset(new std::byte[size]);
		return m;
	}

	std::size_t size() const { return size_; }
	const std::byte *data() const { return buf_.get(); }
	std::byte *data() { return buf_.get(); }
	std::span<const std::byte> bytes() const { return { buf_.get(), size_ }; }

private:
	std::unique_ptr<std::byte[]> buf_;
	std::uint32_t size_ = 0;
};

class MessageStore
{
public:
	virtual ~MessageStore() = default;

	/** \brief Append \a m behind the messages of priority \a prio. */
	virtual void push(Message m, unsigned prio) = 0;
	/** \brief Put \a m back in front of the messages of priority \a prio. */
	virtual void pushFront(Message m, unsigned prio) = 0;
	/** \brief Remove the oldest message of the highest priority. The store must not be empty. */
	virtual std::pair<Message, unsigned> pop() = 0;
	/** \brief Payload size of the message pop() would return. The store must not be empty. */
	virtual std::size_t frontSize() const = 0;

	virtual std::size_t count() const = 0;
	/** \brief Sum of payload bytes (the status line's QSIZE). */
	virtual std::uint64_t bytes() const = 0;
};

class PriorityStore final : public MessageStore
{
public:
	void push(Message m, unsigned prio) override;
	void pushFront(Message m, unsigned prio) override;
	std::pair<Message, unsigned> pop() override;
	std::size_t frontSize() const override;
	std::size_t count() const override { return count_; }
	std::uint64_t bytes() const override { return bytes_; }

private:
	std::map<unsigned, std::deque<Message>, std::greater<>> fifos_;
	std::size_t count_ = 0;
	std::uint64_t bytes_ = 0;
};

} /* namespace mqfs */
