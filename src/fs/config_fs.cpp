/* SPDX-License-Identifier: MIT */
#include "config_fs.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

namespace mqfs::fs {

namespace {

constexpr fuse_ino_t kDirIno = 1;

ConfigFs &cfgOf(fuse_req_t req)
{
	return *static_cast<ConfigFs *>(fuse_req_userdata(req));
}

/* Files are inodes 2..6 in the kernel's table order. */
const LimitInfo *fileOf(fuse_ino_t ino)
{
	if (ino < 2 || ino >= 2 + kLimitCount)
		return nullptr;
	return &limitTable()[ino - 2];
}

struct stat statOf(const ConfigFs &cfg, fuse_ino_t ino)
{
	struct stat st = {};
	st.st_ino = ino;
	st.st_uid = cfg.uid();
	st.st_gid = cfg.gid();
	st.st_atim.tv_sec = st.st_mtim.tv_sec = st.st_ctim.tv_sec = cfg.mountTime();
	if (ino == kDirIno) {
		st.st_mode = S_IFDIR | 0555;
		st.st_nlink = 2;
	} else {
		st.st_mode = S_IFREG | 0644;
		st.st_nlink = 1;
		st.st_blksize = 1024;
	}
	return st;
}

void cfgLookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (parent != kDirIno)
		return (void)fuse_reply_err(req, ENOTDIR);
	for (unsigned i = 0; i < kLimitCount; i++) {
		if (!std::strcmp(name, limitTable()[i].name)) {
			fuse_entry_param e = {};
			e.ino = 2 + i;
			e.attr = statOf(cfgOf(req), e.ino);
			return (void)fuse_reply_entry(req, &e);
		}
	}
	fuse_reply_err(req, ENOENT);
}

void cfgGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *)
{
	if (ino != kDirIno && !fileOf(ino))
		return (void)fuse_reply_err(req, ENOENT);
	struct stat st = statOf(cfgOf(req), ino);
	fuse_reply_attr(req, &st, 0);
}

void cfgSetattr(fuse_req_t req, fuse_ino_t ino, struct stat *, int toSet, fuse_file_info *)
{
	/* proc_sys_setattr(): mode and ownership are fixed; truncation (from
	 * O_TRUNC or truncate(2)) succeeds and does nothing. */
	if (toSet & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		return (void)fuse_reply_err(req, EPERM);
	struct stat st = statOf(cfgOf(req), ino);
	fuse_reply_attr(req, &st, 0);
}

void cfgOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	if (!fileOf(ino))
		return (void)fuse_reply_err(req, EISDIR);
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

void cfgRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info *)
{
	const LimitInfo *info = fileOf(ino);
	if (!info)
		return (void)fuse_reply_err(req, EISDIR);
	/* __do_proc_dointvec(): a read at any position but 0 is the end. */
	if (off != 0 || size == 0)
		return (void)fuse_reply_buf(req, nullptr, 0);
	std::string text = std::to_string(cfgOf(req).limits().get(info->key));
	if (text.size() < size)
		text += '\n';
	fuse_reply_buf(req, text.data(), std::min(size, text.size()));
}

void cfgWrite(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	      fuse_file_info *)
{
	ConfigFs &cfg = cfgOf(req);
	const LimitInfo *info = fileOf(ino);
	if (!info)
		return (void)fuse_reply_err(req, EISDIR);
	/* proc_sys_call_handler() checks permission on every write, not only at
	 * open: an fd passed to an unprivileged process cannot write. */
	const fuse_ctx *ctx = fuse_req_ctx(req);
	if (ctx->uid != 0 && ctx->uid != cfg.uid())
		return (void)fuse_reply_err(req, EPERM);
	/* sysctl_writes_strict: a write at any other position is swallowed. */
	if (off != 0)
		return (void)fuse_reply_write(req, size);
	const SysctlParse p = parseSysctlInt(std::string_view(buf, size));
	if (p.error)
		return (void)fuse_reply_err(req, -p.error);
	if (p.value) {
		if (int rv = cfg.limits().set(info->key, *p.value); rv < 0)
			return (void)fuse_reply_err(req, -rv);
	}
	fuse_reply_write(req, p.used);
}

void cfgOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	if (ino != kDirIno)
		return (void)fuse_reply_err(req, ENOTDIR);
	fuse_reply_open(req, fi);
}

void cfgReaddir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *)
{
	std::vector<char> buf(size);
	size_t used = 0;
	for (off_t i = off; i < static_cast<off_t>(2 + kLimitCount); i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." : limitTable()[i - 2].name;
		struct stat st = {};
		st.st_ino = i < 2 ? kDirIno : static_cast<fuse_ino_t>(i);
		st.st_mode = i < 2 ? S_IFDIR : S_IFREG;
		size_t len = fuse_add_direntry(req, buf.data() + used, size - used, name, &st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf.data(), used);
}

void cfgCreate(fuse_req_t req, fuse_ino_t, const char *, mode_t, fuse_file_info *)
{
	/* proc_sys_lookup() fails with ENOENT; there is nothing to create. */
	fuse_reply_err(req, ENOENT);
}

void cfgMknod(fuse_req_t req, fuse_ino_t, const char *, mode_t, dev_t)
{
	fuse_reply_err(req, ENOENT);
}

void cfgUnlink(fuse_req_t req, fuse_ino_t, const char *)
{
	fuse_reply_err(req, EACCES);
}

void cfgStatfs(fuse_req_t req, fuse_ino_t)
{
	struct statvfs st = {};
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

} /* namespace */

fuse_lowlevel_ops ConfigFs::ops()
{
	fuse_lowlevel_ops ops = {};
	ops.lookup     = cfgLookup;
	ops.getattr    = cfgGetattr;
	ops.setattr    = cfgSetattr;
	ops.open       = cfgOpen;
	ops.read       = cfgRead;
	ops.write      = cfgWrite;
	ops.opendir    = cfgOpendir;
	ops.readdir    = cfgReaddir;
	ops.create     = cfgCreate;
	ops.mknod      = cfgMknod;
	ops.unlink     = cfgUnlink;
	ops.statfs     = cfgStatfs;
	return ops;
}

} /* namespace mqfs::fs */
