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

std::uint64_t readMsgqueueLimit(pid_t tid)
{
	constexpr std::uint64_t kDefault = 819200; /* the kernel's, when we cannot see */
	if (tid <= 0)
		return kDefault;
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/limits", static_cast<int>(tid));
	FILE *f = std::fopen(path, "re");
	if (!f)
		return kDefault;
	std::uint64_t limit = kDefault;
	char line[256];
	while (std::fgets(line, sizeof(line), f)) {
		/* "Max msgqueue size         819200               819200               bytes" */
		if (std::strncmp(line, "Max msgqueue size", 17))
			continue;
		char soft[32];
		if (std::sscanf(line + 17, "%31s", soft) == 1)
			limit = !std::strcmp(soft, "unlimited") ? ~0ull : std::strtoull(soft, nullptr, 10);
		break;
	}
	std::fclose(f);
	return limit;
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
	/* The creating process's soft limit, as rlimit() reads it in the kernel.
	 * /proc/<tid>/limits is readable by anyone; prlimit() on another user's
	 * process would need CAP_SYS_RESOURCE. */
	c.rlimitMsgqueue = readMsgqueueLimit(tid);
	return c;
}

} /* namespace mqfs::fs */
