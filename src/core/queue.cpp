/* SPDX-License-Identifier: MIT */
#include "queue.hpp"

#include <cassert>
#include <cerrno>
#include <cstdio>

#include <sys/stat.h>

namespace mqfs {

void WakeList::run()
{
	/* Completions may free their waiter; take the lists first so that a
	 * completion adding work (it should not) cannot invalidate iteration. */
	auto waiters = std::move(waiters_);
	auto notes = std::move(notes_);
	auto ready = std::move(ready_);
	waiters_.clear();
	notes_.clear();
	ready_.clear();
	for (auto &c : waiters)
		c.w->complete(c.result);
	for (auto &[q, ev] : notes)
		if (q->observer())
			q->observer()->notifyEvent(*q, ev);
	for (auto &q : ready)
		if (q->observer())
			q->observer()->readinessChanged(*q);
}

std::string formatStatusLine(std::uint64_t qsize, int notify, int signo, pid_t pid)
{
	/* FILENT_SIZE is 80: snprintf into it keeps at most 79 characters. */
	char buf[80];
	std::snprintf(buf, sizeof(buf), "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
		      static_cast<unsigned long long>(qsize), notify, signo, static_cast<int>(pid));
	return buf;
}

Queue::Queue(std::uint64_t ino, QueueAttr attr, uid_t uid, gid_t gid, mode_t perm, time_t now,
	     QueueObserver *observer, std::unique_ptr<MessageStore> store)
	: ino_(ino), attr_(attr), observer_(observer),
	  store_(store ? std::move(store) : std::make_unique<PriorityStore>()),
	  perm_(perm & 07777), uid_(uid), gid_(gid), atime_(now), mtime_(now), ctime_(now)
{
}

bool Queue::fullLocked() const
{
	return static_cast<long>(store_->count()) >= attr_.maxmsg;
}

void Queue::touchAMCLocked()
{
	atime_ = mtime_ = ctime_ = std::time(nullptr);
}

void Queue::finishLocked(Waiter *w, int result, WakeList &wake)
{
	assert(w->state_ != Waiter::State::Done);
	if (w->state_ == Waiter::State::Parked)
		(w->kind() == Waiter::Kind::Send ? senders_ : receivers_).erase(w->pos_);
	w->state_ = Waiter::State::Done;
	w->result_ = result;
	wake.complete(w, result);
}

Waiter *Queue::firstLiveLocked(std::list<Waiter *> &list, WakeList &wake)
{
	/* A waiter whose caller was interrupted gets EINTR, never a message. */
	while (!list.empty()) {
		Waiter *w = list.front();
		if (!w->abandoned())
			return w;
		finishLocked(w, -EINTR, wake);
	}
	return nullptr;
}

void Queue::parkLocked(Waiter *w)
{
	auto &list = w->kind() == Waiter::Kind::Send ? senders_ : receivers_;
	w->pos_ = list.insert(list.end(), w);
	w->state_ = Waiter::State::Parked;
}

void Queue::storeLocked(Message msg, unsigned prio, bool front, const Sender *sender,
			WakeList &wake)
{
	if (front)
		store_->pushFront(std::move(msg), prio);
	else
		store_->push(std::move(msg), prio);

	/* __do_notify(): only when the queue went from empty to one message. */
	if (sender && notify_.owner && store_->count() == 1) {
		NotifyEvent ev{ NotifyEvent::What::Fired, std::move(notify_), *sender };
		notify_ = NotifyReg{};
		wake.notify(shared_from_this(), std::move(ev));
	}
}

int Queue::send(Message &msg, unsigned prio, const Sender &sender, Waiter *w, WakeList &wake)
{
	std::lock_guard lock(mutex_);

	/* mq_send(3): "msg_len was greater than the mq_msgsize attribute" -> EMSGSIZE */
	if (static_cast<long>(msg.size()) > attr_.msgsize)
		return -EMSGSIZE;

	if (fullLocked()) {
		/* mq_send(3): "The queue was full, and O_NONBLOCK was set" -> EAGAIN */
		if (!w)
			return -EAGAIN;
		if (w->pending_)
			return w->pending_;
		/* The kernel only looks at the deadline when it has to wait. */
		if (w->deadline && *w->deadline <= Clock::now())
			return -ETIMEDOUT;
		if (w->abandoned())
			return -EINTR;
		w->setMessage(std::move(msg), prio);
		w->sender = sender;
		parkLocked(w);
		return kParked;
	}

	deliverLocked(std::move(msg), prio, sender, wake);
	touchAMCLocked();
	wake.readinessChanged(shared_from_this());
	return 0;
}

int Queue::receive(std::size_t bufLen, Message &out, unsigned &prio, Waiter *w, WakeList &wake)
{
	std::lock_guard lock(mutex_);

	/* mq_receive(3): "msg_len was less than the mq_msgsize attribute" -> EMSGSIZE,
	 * checked before the queue is looked at. */
	if (bufLen < static_cast<std::size_t>(attr_.msgsize))
		return -EMSGSIZE;

	if (store_->count() == 0) {
		/* mq_receive(3): "The queue was empty, and O_NONBLOCK was set" -> EAGAIN */
		if (!w)
			return -EAGAIN;
		if (w->pending_)
			return w->pending_;
		if (w->deadline && *w->deadline <= Clock::now())
			return -ETIMEDOUT;
		if (w->abandoned())
			return -EINTR;
		parkLocked(w);
		return kParked;
	}

	std::tie(out, prio) = store_->pop();
	admitSenderLocked(wake);
	touchAMCLocked();
	wake.readinessChanged(shared_from_this());
	return 0;
}

void Queue::deliverLocked(Message msg, unsigned prio, const Sender &sender, WakeList &wake)
{
	if (Waiter *r = firstLiveLocked(receivers_, wake)) {
		/* pipelined_send(): straight to the receiver, nothing stored. */
		r->setMessage(std::move(msg), prio);
		finishLocked(r, 0, wake);
	} else {
		storeLocked(std::move(msg), prio, false, &sender, wake);
	}
}

void Queue::admitSenderLocked(WakeList &wake)
{
	/* pipelined_receive(): one blocked sender moves in, with no notification. */
	if (fullLocked())
		return;
	if (Waiter *s = firstLiveLocked(senders_, wake)) {
		storeLocked(std::move(s->message()), s->prio(), false, nullptr, wake);
		finishLocked(s, 0, wake);
	}
}

std::size_t Queue::sendMany(std::span<BatchItem> items, const Sender &sender, int &stop,
			    WakeList &wake)
{
	std::lock_guard lock(mutex_);
	std::size_t sent = 0;
	stop = 0;
	for (BatchItem &it : items) {
		if (static_cast<long>(it.msg.size()) > attr_.msgsize) {
			stop = -EMSGSIZE;
			break;
		}
		if (fullLocked()) {
			stop = -EAGAIN;
			break;
		}
		deliverLocked(std::move(it.msg), it.prio, sender, wake);
		sent++;
	}
	if (sent) {
		touchAMCLocked();
		wake.readinessChanged(shared_from_this());
	}
	return sent;
}

std::size_t Queue::receiveMany(std::size_t max, const std::function<bool(std::size_t)> &fits,
			       std::vector<BatchItem> &out, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	std::size_t taken = 0;
	while (taken < max && store_->count() > 0 && fits(store_->frontSize())) {
		auto [msg, prio] = store_->pop();
		out.push_back({ std::move(msg), prio });
		taken++;
		admitSenderLocked(wake);
	}
	if (taken) {
		touchAMCLocked();
		wake.readinessChanged(shared_from_this());
	}
	return taken;
}

void Queue::cancel(Waiter *w, int err, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	switch (w->state_) {
	case Waiter::State::Idle:
		if (!w->pending_)
			w->pending_ = err;
		break;
	case Waiter::State::Parked:
		finishLocked(w, err, wake);
		break;
	case Waiter::State::Done:
		break;
	}
}

void Queue::cancelAll(int err, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	while (!receivers_.empty())
		finishLocked(receivers_.front(), err, wake);
	while (!senders_.empty())
		finishLocked(senders_.front(), err, wake);
}

void Queue::requeue(Message msg, unsigned prio, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	requeueLocked(std::move(msg), prio, wake);
}

void Queue::requeueMany(std::span<BatchItem> items, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	/* Waiting receivers get the first ones, in order; the rest go to the
	 * heads of their priorities, the last taken first, so that the first
	 * taken ends up in front again. */
	std::size_t handed = 0;
	for (; handed < items.size(); handed++) {
		Waiter *r = firstLiveLocked(receivers_, wake);
		if (!r)
			break;
		r->setMessage(std::move(items[handed].msg), items[handed].prio);
		finishLocked(r, 0, wake);
	}
	const Sender nobody{};
	for (std::size_t i = items.size(); i-- > handed;)
		storeLocked(std::move(items[i].msg), items[i].prio, true, &nobody, wake);
	if (handed < items.size())
		wake.readinessChanged(shared_from_this());
}

void Queue::requeueLocked(Message msg, unsigned prio, WakeList &wake)
{
	if (Waiter *r = firstLiveLocked(receivers_, wake)) {
		r->setMessage(std::move(msg), prio);
		finishLocked(r, 0, wake);
		return;
	}
	const Sender nobody{};
	storeLocked(std::move(msg), prio, true, &nobody, wake);
	wake.readinessChanged(shared_from_this());
}

int Queue::notifyRegister(NotifyReg reg, WakeList &wake)
{
	(void)wake;
	std::lock_guard lock(mutex_);
	/* mq_notify(3): "Another process has already registered" -> EBUSY
	 * (the kernel says EBUSY to the owner itself too). */
	if (notify_.owner)
		return -EBUSY;
	notify_ = std::move(reg);
	atime_ = ctime_ = std::time(nullptr);
	return 0;
}

void Queue::removeNotifyLocked(WakeList &wake)
{
	NotifyEvent ev{ NotifyEvent::What::Removed, std::move(notify_), {} };
	notify_ = NotifyReg{};
	wake.notify(shared_from_this(), std::move(ev));
}

void Queue::notifyUnregister(pid_t caller, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	/* Only the owner's NULL removes it; anyone else's is a silent no-op. */
	if (notify_.owner && notify_.owner == caller) {
		removeNotifyLocked(wake);
		atime_ = ctime_ = std::time(nullptr);
	}
}

pid_t Queue::notifyOwner() const
{
	std::lock_guard lock(mutex_);
	return notify_.owner;
}

void Queue::closedBy(pid_t closer, WakeList &wake)
{
	std::lock_guard lock(mutex_);
	if (notify_.owner && notify_.owner == closer)
		removeNotifyLocked(wake);
}

QueueStat Queue::stat() const
{
	std::lock_guard lock(mutex_);
	return { ino_,     static_cast<mode_t>(S_IFREG | perm_), uid_,   gid_,
		 linked_ ? 1u : 0u, size_, atime_, mtime_, ctime_ };
}

QueueCounts Queue::counts() const
{
	std::lock_guard lock(mutex_);
	return { attr_, static_cast<long>(store_->count()), store_->bytes() };
}

unsigned Queue::pollBits() const
{
	std::lock_guard lock(mutex_);
	unsigned bits = 0;
	if (store_->count() > 0)
		bits |= kPollIn;
	if (!fullLocked())
		bits |= kPollOut;
	return bits;
}

std::string Queue::statusLine(bool touch)
{
	std::lock_guard lock(mutex_);
	if (touch)
		atime_ = ctime_ = std::time(nullptr);
	const bool sig = notify_.owner && notify_.notify == kSigevSignal;
	return formatStatusLine(store_->bytes(), notify_.owner ? notify_.notify : 0,
				sig ? notify_.signo : 0, notify_.owner);
}

void Queue::setAttr(const AttrChange &c)
{
	std::lock_guard lock(mutex_);
	if (c.mode)
		perm_ = *c.mode & 07777;
	if (c.uid)
		uid_ = *c.uid;
	if (c.gid)
		gid_ = *c.gid;
	if (c.size)
		size_ = *c.size;
	if (c.atime)
		atime_ = *c.atime;
	if (c.mtime)
		mtime_ = *c.mtime;
	if (c.ctime)
		ctime_ = *c.ctime;
}

void Queue::touchAC()
{
	std::lock_guard lock(mutex_);
	atime_ = ctime_ = std::time(nullptr);
}

void Queue::setLinked(bool linked)
{
	std::lock_guard lock(mutex_);
	linked_ = linked;
}

} /* namespace mqfs */
