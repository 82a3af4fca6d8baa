/* SPDX-License-Identifier: MIT */
#include "caller.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace mqfs::fs {

namespace {

constexpr int kCapSysResource = 24;

} /* namespace */

std::optional<ProcStatus> readProcStatus(pid_t tid)
{
	if (tid <= 0)
		return std::nullopt;
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/status", static_cast<int>(tid));
	int fd = ::open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	char buf[4096];
	ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
	::close(fd);
	if (n <= 0)
		return std::nullopt;
	buf[n] = '\0';

	ProcStatus st;
	bool haveTgid = false, haveUid = false;
	for (char *line = buf; line && *line;) {
		char *next = std::strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!std::strncmp(line, "Tgid:", 5)) {
			st.tgid = static_cast<pid_t>(std::strtol(line + 5, nullptr, 10));
			haveTgid = true;
		} else if (!std::strncmp(line, "Uid:", 4)) {
			st.ruid = static_cast<uid_t>(std::strtoul(line + 4, nullptr, 10));
			haveUid = true;
		} else if (!std::strncmp(line, "CapEff:", 7)) {
			unsigned long long caps = std::strtoull(line + 7, nullptr, 16);
			st.capSysResource = caps & (1ull << kCapSysResource);
		}
		line = next;
	}
	if (!haveTgid || !haveUid)
		return std::nullopt;
	return st;
}

pid_t tgidOf(pid_t tid)
{
	auto st = readProcStatus(tid);
	return st ? st->tgid : 0;
}

Caller describeCaller(uid_t fsuid, gid_t fsgid, pid_t tid)
{
	Caller c;
	c.uid = fsuid;
	c.gid = fsgid;
	c.ruid = fsuid;
	if (auto st = readProcStatus(tid)) {
		c.pid = st->tgid;
		c.ruid = st->ruid;
		c.capSysResource = st->capSysResource;
	}
	/* The creating process's soft limit, as rlimit() reads it in the kernel. */
	struct rlimit rl;
	if (tid > 0 && ::prlimit(tid, RLIMIT_MSGQUEUE, nullptr, &rl) == 0)
		c.rlimitMsgqueue = rl.rlim_cur == RLIM_INFINITY ? ~0ull : rl.rlim_cur;
	else
		c.rlimitMsgqueue = 819200; /* the kernel's default, when we cannot see */
	return c;
}

} /* namespace mqfs::fs */
