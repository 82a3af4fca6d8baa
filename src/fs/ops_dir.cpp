/* SPDX-License-Identifier: MIT */
/**
 * @file ops_dir.cpp
 * @brief The root directory: readdir lists the queues newest first.
 *
 * readdir offsets are cookies, stable across creates and unlinks: 1 and 2
 * follow "." and "..", and a queue's entry is followed by 2 + its creation
 * sequence number, so the next batch resumes with older queues.
 */
#include "ops.hpp"

#include <cerrno>
#include <limits>
#include <vector>

#include <sys/stat.h>
#include <sys/statvfs.h>

namespace mqfs::fs {

void opOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	if (ino != kRootIno)
		return replyErr(req, -ENOTDIR);
	fi->fh = 0;
	fuse_reply_open(req, fi);
}

void opReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info *)
{
	Filesystem &fs = Filesystem::from(req);
	if (ino != kRootIno)
		return replyErr(req, -ENOTDIR);

	/* touch_atime() under the default relatime. */
	if (off == 0)
		fs.registry().dirAccessed();
	std::vector<char> buf(size);
	size_t used = 0;
	auto add = [&](const char *name, fuse_ino_t entIno, mode_t mode, off_t next) {
		struct stat st = {};
		st.st_ino = entIno;
		st.st_mode = mode;
		size_t len = fuse_add_direntry(req, buf.data() + used, size - used, name, &st, next);
		if (len > size - used)
			return false;
		used += len;
		return true;
	};

	if (off == 0 && !add(".", kRootIno, S_IFDIR, 1))
		return (void)fuse_reply_buf(req, buf.data(), used);
	if (off <= 1 && !add("..", kRootIno, S_IFDIR, 2))
		return (void)fuse_reply_buf(req, buf.data(), used);

	std::uint64_t before = off <= 2 ? std::numeric_limits<std::uint64_t>::max()
					: static_cast<std::uint64_t>(off) - 2;
	/* Entries are small; a batch of 256 fills the usual 4 KiB buffer. */
	for (;;) {
		auto batch = fs.registry().list(before, 256);
		if (batch.empty())
			break;
		for (const auto &e : batch) {
			if (!add(e.name.c_str(), e.ino, S_IFREG, static_cast<off_t>(e.seq + 2)))
				return (void)fuse_reply_buf(req, buf.data(), used);
			before = e.seq;
		}
	}
	fuse_reply_buf(req, buf.data(), used);
}

void opReleasedir(fuse_req_t req, fuse_ino_t, fuse_file_info *)
{
	replyErr(req, 0);
}

void opStatfs(fuse_req_t req, fuse_ino_t)
{
	/* mqueue's simple_statfs(): block size 4096, no blocks or files counted. */
	struct statvfs st = {};
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

} /* namespace mqfs::fs */
