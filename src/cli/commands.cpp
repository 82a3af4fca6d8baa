/* SPDX-License-Identifier: MIT */
/**
 * @file commands.cpp
 * @brief The verbs of mqctl, over libmqfs (send, recv, create, rm) and over
 * the mount itself (ls, stat: stat(2), open(2) + MQFS_IOC_GETATTR and the
 * status line; limits: MQFS_IOC_LIMITS_* on the root directory).
 *
 * Ctrl-C: send and recv install a SIGINT handler without SA_RESTART, so a
 * blocked call comes back with EINTR (libmqfs restarts a call only when every
 * handler asked for SA_RESTART) and the command exits with 130. A second
 * Ctrl-C exits at once, in case the first came just before a call blocked.
 */
#include "commands.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <span>

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.hpp"
#include "mqfs/mqfs.hpp"
#include "proto/mqfs_proto.h"
#include "util.hpp"

namespace mqfs::cli {

const char *const kLimitNames[5] = { "queues_max", "msg_max", "msgsize_max", "msg_default", "msgsize_default" };

/* Set by main(): may names and payloads keep their UTF-8 on this terminal? */
bool gUtf8 = false;

namespace {

volatile sig_atomic_t gInterrupted = 0;

void onInterrupt(int)
{
	if (gInterrupted)
		_exit(kExitInterrupted);
	gInterrupted = 1;
}

void installInterruptHandler()
{
	struct sigaction sa = {};
	sa.sa_handler = onInterrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked send/receive returns EINTR */
	sigaction(SIGINT, &sa, nullptr);
}

/* "mqctl: WHAT: MSG", and the exit status to return. */
int report(const std::string &what, const std::string &msg, int code = kExitFailed)
{
	/* After Ctrl-C any call may have failed with EINTR (open(2) and ioctl(2)
	 * on FUSE are interruptible too): that is the interruption, not an error. */
	if (gInterrupted)
		return kExitInterrupted;
	std::fflush(stdout);
	std::fprintf(stderr, "mqctl: %s: %s\n", what.c_str(), msg.c_str());
	return code;
}

std::string shown(std::string_view name)
{
	return escapeBytes(name, gUtf8);
}

/* What an errno means for a queue operation. */
std::string queueError(int err)
{
	switch (err) {
	case ENOENT:
		return "no such queue";
	case EEXIST:
		return "queue already exists";
	case EACCES:
	case EPERM:
		return "permission denied";
	case ENOSYS:
		return "not an mqfs mount (see --root and MQFS_ROOT)";
	default:
		return errnoText(err);
	}
}

int writeAll(int fd, std::string_view data)
{
	while (!data.empty()) {
		ssize_t n = ::write(fd, data.data(), data.size());
		if (n < 0) {
			if (errno == EINTR)
				continue; /* the message is ours now: finish writing it */
			return -errno;
		}
		data.remove_prefix(static_cast<size_t>(n));
	}
	return 0;
}

int finishStdout(const std::string &what)
{
	if (std::fflush(stdout) != 0 || std::ferror(stdout))
		return report(what, "write error: " + errnoText(errno));
	return kExitOk;
}

/* Open the mount's root directory and check that it is mqfs. -1 after an error message. */
int openRoot(const Global &g, const std::string &what)
{
	int fd = ::open(g.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		const int e = errno;
		std::string msg = shown(g.root) + ": " + errnoText(e);
		if (e == ENOENT || e == ENOTDIR)
			msg += " (is mqfs mounted? see --root and MQFS_ROOT)";
		report(what, msg);
		return -1;
	}
	mqfs_info info = {};
	if (::ioctl(fd, MQFS_IOC_INFO, &info) < 0 || info.magic != MQFS_PROTO_MAGIC) {
		::close(fd);
		report(what, shown(g.root) + " is not an mqfs mount (see --root and MQFS_ROOT)");
		return -1;
	}
	if (info.version != MQFS_PROTO_VERSION) {
		::close(fd);
		report(what, shown(g.root) + ": the daemon speaks mqfs protocol " + std::to_string(info.version) +
				     ", mqctl speaks " + std::to_string(MQFS_PROTO_VERSION));
		return -1;
	}
	return fd;
}

/* Everything ls and stat show about one queue. */
struct QueueInfo {
	std::string name; /* with the leading '/' */
	struct stat st = {};
	std::optional<long> maxmsg, msgsize, curmsgs;
	std::optional<StatusLine> status;
};

/* \a file is the name in the root directory (no '/'). \return 0 or -errno of stat(2). */
int gatherInfo(int rootFd, const std::string &file, QueueInfo &out)
{
	out = {};
	out.name = "/" + file;
	if (::fstatat(rootFd, file.c_str(), &out.st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* The attributes need an open queue: for reading if we may (then the
	 * status line comes from the same descriptor), else for writing. */
	bool readable = true;
	int fd = ::openat(rootFd, file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		readable = false;
		fd = ::openat(rootFd, file.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0)
		return 0; /* shown as '-' */
	struct mq_attr a;
	if (mqfs_getattr(fd, &a) == 0) {
		out.maxmsg = a.mq_maxmsg;
		out.msgsize = a.mq_msgsize;
		out.curmsgs = a.mq_curmsgs;
	}
	if (readable) {
		char buf[128];
		ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0)
			out.status = parseStatusLine(std::string_view(buf, static_cast<size_t>(n)));
	}
	::close(fd);
	return 0;
}

std::string userName(uid_t uid)
{
	if (const passwd *pw = ::getpwuid(uid))
		return pw->pw_name;
	return std::to_string(uid);
}

std::string groupName(gid_t gid)
{
	if (const group *gr = ::getgrgid(gid))
		return gr->gr_name;
	return std::to_string(gid);
}

template<typename T>
std::string orDash(const std::optional<T> &v)
{
	return v ? std::to_string(*v) : "-";
}

template<typename T>
std::string orNull(const std::optional<T> &v)
{
	return v ? std::to_string(*v) : "null";
}

std::string notifyCell(const QueueInfo &q)
{
	if (!q.status)
		return "-";
	if (!q.status->notifyPid)
		return "none";
	std::string how = notifyMethod(*q.status);
	std::replace(how.begin(), how.end(), ' ', '_');
	return how + "@" + std::to_string(q.status->notifyPid);
}

std::string notifyJson(const QueueInfo &q)
{
	if (!q.status)
		return "null";
	const StatusLine &s = *q.status;
	if (!s.notifyPid)
		return "false";
	std::string method = s.notify == SIGEV_SIGNAL ? "signal"
			     : s.notify == SIGEV_NONE  ? "none"
			     : s.notify == SIGEV_THREAD ? "thread"
							: std::to_string(s.notify);
	std::string out = "{\"method\": " + jsonString(method);
	if (s.notify == SIGEV_SIGNAL)
		out += ", \"signo\": " + std::to_string(s.signo);
	out += ", \"pid\": " + std::to_string(s.notifyPid) + "}";
	return out;
}

std::string queueJson(const QueueInfo &q, const std::string &indent)
{
	const std::string in = indent + "  ";
	std::string o = "{\n";
	o += in + "\"name\": " + jsonString(q.name) + ",\n";
	o += in + "\"mode\": " + jsonString(formatMode(q.st.st_mode)) + ",\n";
	o += in + "\"perms\": " + jsonString(formatPerms(q.st.st_mode)) + ",\n";
	o += in + "\"uid\": " + std::to_string(q.st.st_uid) + ",\n";
	o += in + "\"owner\": " + jsonString(userName(q.st.st_uid)) + ",\n";
	o += in + "\"gid\": " + std::to_string(q.st.st_gid) + ",\n";
	o += in + "\"group\": " + jsonString(groupName(q.st.st_gid)) + ",\n";
	o += in + "\"maxmsg\": " + orNull(q.maxmsg) + ",\n";
	o += in + "\"msgsize\": " + orNull(q.msgsize) + ",\n";
	o += in + "\"curmsgs\": " + orNull(q.curmsgs) + ",\n";
	o += in + "\"bytes\": " + (q.status ? std::to_string(q.status->qsize) : "null") + ",\n";
	o += in + "\"notify\": " + notifyJson(q) + ",\n";
	o += in + "\"atime\": " + std::to_string(q.st.st_atime) + ",\n";
	o += in + "\"mtime\": " + std::to_string(q.st.st_mtime) + ",\n";
	o += in + "\"ctime\": " + std::to_string(q.st.st_ctime) + "\n";
	o += indent + "}";
	return o;
}

std::string timeText(time_t t)
{
	struct tm tm;
	char buf[64];
	if (!::localtime_r(&t, &tm) || !std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z", &tm))
		return std::to_string(t);
	return buf;
}

/* Is CAP_SYS_RESOURCE in our effective set? (mqfs reads it from there too.) */
bool hasCapSysResource()
{
	FILE *f = std::fopen("/proc/self/status", "re");
	if (!f)
		return false;
	char line[256];
	unsigned long long caps = 0;
	bool found = false;
	while (!found && std::fgets(line, sizeof(line), f))
		found = std::sscanf(line, "CapEff: %llx", &caps) == 1;
	std::fclose(f);
	return found && (caps & (1ULL << 24 /* CAP_SYS_RESOURCE */));
}

bool getLimits(int rootFd, mqfs_limits &l)
{
	l = {};
	return ::ioctl(rootFd, MQFS_IOC_LIMITS_GET, &l) == 0;
}

std::optional<mqfs::Deadline> deadlineAfter(const std::optional<std::chrono::nanoseconds> &timeout)
{
	if (!timeout)
		return std::nullopt;
	return std::chrono::system_clock::now() +
	       std::chrono::duration_cast<std::chrono::system_clock::duration>(*timeout);
}

/* A name from the command line, or an error message and nullopt. */
std::optional<std::string> argName(const std::string &verb, const std::string &text)
{
	std::string why;
	auto n = normalizeName(text, why);
	if (!n)
		report(verb + " " + shown(text), "invalid queue name: " + why, kExitUsage);
	return n;
}

} /* namespace */

int cmdLs(const Global &g, const LsOptions &o)
{
	const int rootFd = openRoot(g, "ls");
	if (rootFd < 0)
		return kExitFailed;
	const int dirFd = ::dup(rootFd);
	DIR *dir = dirFd < 0 ? nullptr : ::fdopendir(dirFd);
	if (!dir) {
		const int e = errno;
		if (dirFd >= 0)
			::close(dirFd);
		::close(rootFd);
		return report("ls", shown(g.root) + ": " + errnoText(e));
	}
	std::vector<QueueInfo> queues;
	int readErr = 0;
	for (;;) {
		errno = 0;
		const dirent *de = ::readdir(dir);
		if (!de) {
			readErr = errno;
			break;
		}
		const std::string file = de->d_name;
		if (file == "." || file == "..")
			continue;
		QueueInfo q;
		if (gatherInfo(rootFd, file, q) < 0 || !S_ISREG(q.st.st_mode))
			continue; /* removed meanwhile */
		queues.push_back(std::move(q));
	}
	::closedir(dir);
	::close(rootFd);
	if (readErr)
		return report("ls", shown(g.root) + ": " + errnoText(readErr));
	std::sort(queues.begin(), queues.end(), [](const auto &a, const auto &b) { return a.name < b.name; });

	if (o.json) {
		std::string out = "{\n  \"queues\": [";
		for (size_t i = 0; i < queues.size(); i++)
			out += std::string(i ? "," : "") + "\n    " + queueJson(queues[i], "    ");
		out += queues.empty() ? "]\n}\n" : "\n  ]\n}\n";
		std::fputs(out.c_str(), stdout);
		return finishStdout("ls");
	}
	Table t;
	t.header = { "NAME", "MODE", "OWNER", "MAXMSG", "MSGSIZE", "CURMSGS", "BYTES", "NOTIFY" };
	t.rightAlign = { false, false, false, true, true, true, true, false };
	for (const auto &q : queues)
		t.rows.push_back({ shown(q.name), formatMode(q.st.st_mode), userName(q.st.st_uid), orDash(q.maxmsg),
				   orDash(q.msgsize), orDash(q.curmsgs),
				   q.status ? std::to_string(q.status->qsize) : "-", notifyCell(q) });
	if (!t.rows.empty() || !o.noHeadings)
		std::fputs(t.render(!o.noHeadings).c_str(), stdout);
	return finishStdout("ls");
}

int cmdStat(const Global &g, const StatOptions &o)
{
	const auto name = argName("stat", o.name);
	if (!name)
		return kExitUsage;
	const std::string what = "stat " + shown(*name);
	const int rootFd = openRoot(g, what);
	if (rootFd < 0)
		return kExitFailed;
	QueueInfo q;
	const int rv = gatherInfo(rootFd, name->substr(1), q);
	::close(rootFd);
	if (rv < 0)
		return report(what, queueError(-rv));
	if (o.json) {
		std::fputs((queueJson(q, "") + "\n").c_str(), stdout);
		return finishStdout(what);
	}
	std::string notify = "-";
	if (q.status)
		notify = q.status->notifyPid ? notifyMethod(*q.status) + ", registered by pid " +
						       std::to_string(q.status->notifyPid)
					     : "none";
	const std::pair<const char *, std::string> lines[] = {
		{ "name", shown(q.name) },
		{ "mode", formatMode(q.st.st_mode) + " (" + formatPerms(q.st.st_mode) + ")" },
		{ "owner", userName(q.st.st_uid) + " (uid " + std::to_string(q.st.st_uid) + ")" },
		{ "group", groupName(q.st.st_gid) + " (gid " + std::to_string(q.st.st_gid) + ")" },
		{ "maxmsg", orDash(q.maxmsg) },
		{ "msgsize", orDash(q.msgsize) },
		{ "curmsgs", orDash(q.curmsgs) },
		{ "bytes", q.status ? std::to_string(q.status->qsize) : "-" },
		{ "notify", notify },
		{ "access", timeText(q.st.st_atime) },
		{ "modify", timeText(q.st.st_mtime) },
		{ "change", timeText(q.st.st_ctime) },
	};
	for (const auto &[key, value] : lines)
		std::printf("%-9s%s\n", (std::string(key) + ":").c_str(), value.c_str());
	return finishStdout(what);
}

int cmdCreate(const Global &g, const CreateOptions &o)
{
	const auto name = argName("create", o.name);
	if (!name)
		return kExitUsage;
	const std::string what = "create " + shown(*name);
	const int rootFd = openRoot(g, what);
	if (rootFd < 0)
		return kExitFailed;
	mqfs_limits lim;
	const bool haveLimits = getLimits(rootFd, lim);
	::close(rootFd);

	/* mq_open() takes both attributes or neither: the one not given is the default. */
	std::optional<mqfs::Attr> attr;
	if (o.maxmsg || o.msgsize) {
		if ((!o.maxmsg || !o.msgsize) && !haveLimits)
			return report(what, "cannot read the default attributes: " + errnoText(errno));
		attr = mqfs::Attr{ o.maxmsg ? *o.maxmsg : static_cast<long>(lim.msg_default),
				   o.msgsize ? *o.msgsize : static_cast<long>(lim.msgsize_default) };
	}
	mqfs::MessageQueue q(*name, O_CREAT | O_EXCL | O_RDONLY, o.mode, attr);
	if (q.isValid())
		return kExitOk;
	const int e = -q.error();
	if (e == EEXIST && o.existOk)
		return kExitOk;
	switch (e) {
	case EINVAL:
		if (attr && haveLimits) {
			/* mq_open(3): CAP_SYS_RESOURCE raises msg_max and msgsize_max to the hard limits. */
			const bool cap = hasCapSysResource();
			return report(what, "invalid attributes maxmsg " + std::to_string(attr->maxmsg) + ", msgsize " +
						    std::to_string(attr->msgsize) + " (allowed: maxmsg 1.." +
						    std::to_string(cap ? kHardMsgMax : lim.msg_max) + ", msgsize 1.." +
						    std::to_string(cap ? kHardMsgsizeMax : lim.msgsize_max) +
						    (cap ? ", the hard limits" : "") + ")");
		}
		break;
	case ENOSPC:
		if (haveLimits)
			return report(what, "too many queues (queues_max " + std::to_string(lim.queues_max) + ")");
		break;
	case EMFILE:
		return report(what, "the queue would take this user over RLIMIT_MSGQUEUE (bytes of all its "
				    "queues), or too many open files");
	default:
		break;
	}
	return report(what, queueError(e));
}

int cmdSend(const Global &g, const SendOptions &o)
{
	const auto name = argName("send", o.name);
	if (!name)
		return kExitUsage;
	const std::string what = "send " + shown(*name);
	installInterruptHandler();
	if (const int rootFd = openRoot(g, what); rootFd < 0)
		return kExitFailed;
	else
		::close(rootFd);

	mqfs::MessageQueue q(*name, O_WRONLY | (o.nonblock ? O_NONBLOCK : 0));
	if (!q.isValid())
		return report(what, queueError(-q.error()));
	mqfs::Status st = {};
	if (int rv = q.status(st); rv < 0)
		return report(what, queueError(-rv));

	std::string payload;
	if (o.message && *o.message != "-") {
		payload = *o.message;
	} else {
		/* Binary safe. Stop reading past the largest message any queue takes. */
		const size_t cap = static_cast<size_t>(kHardMsgsizeMax) + 1;
		char buf[65536];
		while (payload.size() < cap) {
			ssize_t n = ::read(STDIN_FILENO, buf, std::min(sizeof(buf), cap - payload.size()));
			if (n < 0 && errno == EINTR) {
				if (gInterrupted)
					return kExitInterrupted;
				continue;
			}
			if (n < 0)
				return report(what, "reading standard input: " + errnoText(errno));
			if (n == 0)
				break;
			payload.append(buf, static_cast<size_t>(n));
		}
		if (payload.size() >= cap)
			return report(what, "message too long (more than " + std::to_string(kHardMsgsizeMax) +
						    " bytes on standard input > msgsize " + std::to_string(st.msgsize) +
						    ")");
	}

	const auto deadline = deadlineAfter(o.timeout);
	for (;;) {
		if (gInterrupted)
			return kExitInterrupted;
		const int rv = q.send(payload, o.priority, deadline);
		if (rv == 0)
			return kExitOk;
		switch (-rv) {
		case EINTR:
			if (gInterrupted)
				return kExitInterrupted;
			continue; /* not our signal: wait on, same deadline */
		case EMSGSIZE:
			return report(what, "message too long (" + std::to_string(payload.size()) + " > msgsize " +
						    std::to_string(st.msgsize) + ")");
		case EAGAIN:
			return report(what, "queue is full (maxmsg " + std::to_string(st.maxmsg) + ")", kExitTimeout);
		case ETIMEDOUT:
			return report(what, "timed out after " + formatSeconds(*o.timeout) + " s: queue is full (maxmsg " +
						    std::to_string(st.maxmsg) + ")",
				      kExitTimeout);
		default:
			return report(what, queueError(-rv));
		}
	}
}

int cmdRecv(const Global &g, const RecvOptions &o)
{
	const auto name = argName("recv", o.name);
	if (!name)
		return kExitUsage;
	const std::string what = "recv " + shown(*name);
	installInterruptHandler();
	if (const int rootFd = openRoot(g, what); rootFd < 0)
		return kExitFailed;
	else
		::close(rootFd);

	mqfs::MessageQueue q(*name, O_RDONLY | (o.nonblock ? O_NONBLOCK : 0));
	if (!q.isValid())
		return report(what, queueError(-q.error()));
	mqfs::Status st = {};
	if (int rv = q.status(st); rv < 0)
		return report(what, queueError(-rv));
	std::vector<std::byte> buf(static_cast<size_t>(std::max<long>(st.msgsize, 1)));

	for (unsigned long got = 0; o.follow || got < o.count;) {
		if (gInterrupted)
			return kExitInterrupted;
		unsigned prio = 0;
		const ssize_t n = q.receive(std::span(buf), &prio, deadlineAfter(o.timeout));
		if (n < 0) {
			switch (-n) {
			case EINTR:
				if (gInterrupted)
					return kExitInterrupted;
				continue;
			case EAGAIN:
				return report(what, "queue is empty", kExitTimeout);
			case ETIMEDOUT:
				return report(what, "timed out after " + formatSeconds(*o.timeout) + " s: no message",
					      kExitTimeout);
			default:
				return report(what, queueError(static_cast<int>(-n)));
			}
		}
		got++;
		const std::string_view payload(reinterpret_cast<const char *>(buf.data()), static_cast<size_t>(n));
		const int wr = o.raw ? writeAll(STDOUT_FILENO, payload)
				     : writeAll(STDOUT_FILENO, std::to_string(prio) + "\t" + escapeBytes(payload, gUtf8) + "\n");
		if (wr < 0)
			return report(what, "write error: " + errnoText(-wr) + " (a received message was lost)");
	}
	return kExitOk;
}

int cmdRm(const Global &g, const RmOptions &o)
{
	std::vector<std::string> names;
	for (const auto &text : o.names) {
		auto n = argName("rm", text);
		if (!n)
			return kExitUsage;
		names.push_back(*n);
	}
	if (const int rootFd = openRoot(g, "rm"); rootFd < 0)
		return kExitFailed;
	else
		::close(rootFd);
	int status = kExitOk;
	for (const auto &n : names) {
		const int rv = mqfs::MessageQueue::unlink(n);
		if (rv == 0 || (rv == -ENOENT && o.force))
			continue;
		status = report("rm " + shown(n), queueError(-rv));
	}
	return status;
}

int cmdLimits(const Global &g, const LimitsOptions &o)
{
	const int rootFd = openRoot(g, "limits");
	if (rootFd < 0)
		return kExitFailed;
	for (const auto &[key, value] : o.set) {
		const std::string what = std::string("limits ") + kLimitNames[key] + "=" + std::to_string(value);
		mqfs_limit_set s = {};
		s.key = key;
		s.value = value;
		if (::ioctl(rootFd, MQFS_IOC_LIMITS_SET, &s) == 0)
			continue;
		const int e = errno;
		::close(rootFd);
		if (e == EINVAL) {
			const auto &info = limitInfo(*limitByName(kLimitNames[key]));
			return report(what, "value out of range (" + std::to_string(info.min) + ".." +
						    std::to_string(info.max) + ")");
		}
		if (e == EPERM || e == EACCES)
			return report(what, "permission denied (only root and the user running the daemon may "
					    "change limits)");
		return report(what, errnoText(e));
	}
	mqfs_limits l;
	if (!getLimits(rootFd, l)) {
		const int e = errno;
		::close(rootFd);
		return report("limits", errnoText(e));
	}
	::close(rootFd);
	const std::int64_t values[5] = { l.queues_max, l.msg_max, l.msgsize_max, l.msg_default, l.msgsize_default };
	if (o.json) {
		std::string out = "{\n";
		for (int i = 0; i < 5; i++)
			out += std::string("  \"") + kLimitNames[i] + "\": " + std::to_string(values[i]) +
			       (i < 4 ? ",\n" : "\n");
		out += "}\n";
		std::fputs(out.c_str(), stdout);
	} else {
		for (int i = 0; i < 5; i++)
			std::printf("%-16s %lld\n", kLimitNames[i], static_cast<long long>(values[i]));
	}
	return finishStdout("limits");
}

} /* namespace mqfs::cli */
