/* SPDX-License-Identifier: MIT */
/**
 * @file cxx_api.cpp
 * @brief The C++ API over the same internals as the C ABI.
 */
#include "mqfs/mqfs.hpp"

#include <cerrno>
#include <new>
#include <string>
#include <utility>

#include <unistd.h>

#include "client.hpp"

namespace mqfs {

namespace {

std::optional<timespec> toTimespec(const std::optional<Deadline> &d)
{
	if (!d)
		return std::nullopt;
	using namespace std::chrono;
	const auto ns = duration_cast<nanoseconds>(d->time_since_epoch()).count();
	timespec ts;
	ts.tv_sec = static_cast<time_t>(ns / 1000000000);
	ts.tv_nsec = static_cast<long>(ns % 1000000000);
	if (ts.tv_nsec < 0) {
		ts.tv_sec -= 1;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}

template<typename F>
auto noThrow(F f) -> decltype(f())
{
	try {
		return f();
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
}

} /* namespace */

MessageQueue::MessageQueue(std::string_view name, int oflag, mode_t mode, std::optional<Attr> attr)
{
	int rv = noThrow([&] {
		/* A NUL would cut the name short: "/a\0b" is not "/a". */
		if (name.find('\0') != std::string_view::npos)
			return -EINVAL;
		const std::string n(name);
		mq_attr a = {};
		if (attr) {
			a.mq_maxmsg = attr->maxmsg;
			a.mq_msgsize = attr->msgsize;
		}
		return client::open(n.c_str(), oflag, mode, attr ? &a : nullptr);
	});
	if (rv < 0)
		error_ = rv;
	else
		fd_ = rv;
}

MessageQueue::~MessageQueue()
{
	close();
}

MessageQueue::MessageQueue(MessageQueue &&other) noexcept
	: fd_(std::exchange(other.fd_, -1)), error_(std::exchange(other.error_, 0))
{
}

MessageQueue &MessageQueue::operator=(MessageQueue &&other) noexcept
{
	if (this != &other) {
		close();
		fd_ = std::exchange(other.fd_, -1);
		error_ = std::exchange(other.error_, 0);
	}
	return *this;
}

int MessageQueue::release()
{
	return std::exchange(fd_, -1);
}

int MessageQueue::close()
{
	if (fd_ < 0)
		return 0;
	int rv = ::close(std::exchange(fd_, -1));
	return rv < 0 ? -errno : 0;
}

int MessageQueue::send(std::span<const std::byte> msg, unsigned prio, std::optional<Deadline> deadline)
{
	const auto ts = toTimespec(deadline);
	return noThrow([&] {
		return client::timedsend(fd_, reinterpret_cast<const char *>(msg.data()), msg.size(), prio,
					 ts ? &*ts : nullptr);
	});
}

int MessageQueue::send(std::string_view msg, unsigned prio, std::optional<Deadline> deadline)
{
	return send(std::as_bytes(std::span(msg.data(), msg.size())), prio, deadline);
}

ssize_t MessageQueue::receive(std::span<std::byte> buf, unsigned *prio, std::optional<Deadline> deadline)
{
	const auto ts = toTimespec(deadline);
	return noThrow([&] {
		return client::timedreceive(fd_, reinterpret_cast<char *>(buf.data()), buf.size(), prio,
					    ts ? &*ts : nullptr);
	});
}

ssize_t MessageQueue::sendBatch(std::span<const mqfs_msg> msgs, std::optional<Deadline> deadline)
{
	const auto ts = toTimespec(deadline);
	return noThrow([&] { return client::sendBatch(fd_, msgs.data(), msgs.size(), ts ? &*ts : nullptr); });
}

ssize_t MessageQueue::receiveBatch(std::span<std::byte> buf, std::span<mqfs_msg> msgs,
				   std::optional<Deadline> deadline)
{
	const auto ts = toTimespec(deadline);
	return noThrow([&] {
		return client::receiveBatch(fd_, reinterpret_cast<char *>(buf.data()), buf.size(), msgs.data(),
					    msgs.size(), ts ? &*ts : nullptr);
	});
}

ssize_t MessageQueue::receive(std::string &out, unsigned *prio, std::optional<Deadline> deadline)
{
	Status st;
	if (int rv = status(st); rv < 0)
		return rv;
	return noThrow([&]() -> ssize_t {
		out.resize(static_cast<size_t>(st.msgsize));
		ssize_t n = receive(std::as_writable_bytes(std::span(out.data(), out.size())), prio, deadline);
		out.resize(n < 0 ? 0 : static_cast<size_t>(n));
		return n;
	});
}

int MessageQueue::status(Status &out) const
{
	mq_attr a;
	if (int rv = client::getattr(fd_, &a); rv < 0)
		return rv;
	out = { a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs };
	return 0;
}

int MessageQueue::setNonBlocking(bool on)
{
	mq_attr a = {};
	a.mq_flags = on ? O_NONBLOCK : 0;
	return client::setattr(fd_, &a, nullptr);
}

int MessageQueue::notify(const struct sigevent *sev)
{
	return noThrow([&] { return client::notify(fd_, sev); });
}

int MessageQueue::unlink(std::string_view name)
{
	return noThrow([&] {
		if (name.find('\0') != std::string_view::npos)
			return -EINVAL;
		const std::string n(name);
		return client::unlink(n.c_str());
	});
}

} /* namespace mqfs */
