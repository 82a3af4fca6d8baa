/* SPDX-License-Identifier: MIT */
#include "backend.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

#include "common.hpp"
#include "mqfs/mqfs.h"

namespace stress {

std::string Backend::statusLine(const char *queue) const
{
	const std::string path = fileDir + "/" + (queue[0] == '/' ? queue + 1 : queue);
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "ERR " + errName(errno);
	char buf[128];
	ssize_t n = ::read(fd, buf, sizeof(buf));
	const int e = errno;
	::close(fd);
	if (n < 0)
		return "ERR " + errName(e);
	std::string s(buf, static_cast<size_t>(n));
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

Backend kernelBackend(const std::string &fileDir)
{
	Backend b{};
	b.name = "kernel";
	b.kernel = true;
	b.fileDir = fileDir;
	b.open = [](const char *n, int f, mode_t m, const struct mq_attr *a) -> mqd_t { return ::mq_open(n, f, m, a); };
	b.close = ::mq_close;
	b.unlink = ::mq_unlink;
	b.send = ::mq_send;
	b.timedsend = ::mq_timedsend;
	b.receive = ::mq_receive;
	b.timedreceive = ::mq_timedreceive;
	b.getattr = ::mq_getattr;
	b.setattr = ::mq_setattr;
	return b;
}

Backend mqfsBackend(const std::string &mountDir)
{
	Backend b{};
	b.name = "mqfs";
	b.kernel = false;
	b.fileDir = mountDir;
	b.open = [](const char *n, int f, mode_t m, const struct mq_attr *a) -> mqd_t {
		return ::mqfs_open(n, f, m, a);
	};
	b.close = ::mqfs_close;
	b.unlink = ::mqfs_unlink;
	b.send = ::mqfs_send;
	b.timedsend = ::mqfs_timedsend;
	b.receive = ::mqfs_receive;
	b.timedreceive = ::mqfs_timedreceive;
	b.getattr = ::mqfs_getattr;
	b.setattr = ::mqfs_setattr;
	return b;
}

} /* namespace stress */
