/* SPDX-License-Identifier: MIT */
#include "config_fs.hpp"

#include "ops.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

namespace mqfs::fs {

ConfigFs::ConfigFs(LimitSet &limits, uid_t uid, gid_t gid) : limits_(limits), uid_(uid), gid_(gid)
{
	timespec now;
	::clock_gettime(CLOCK_REALTIME, &now);
	times_.fill({ now, now, now });
}

ConfigFs::Times ConfigFs::times(fuse_ino_t ino) const
{
	std::lock_guard lock(mutex_);
	return times_[ino - 1];
}

void ConfigFs::setTimes(fuse_ino_t ino, const Times &t)
{
	std::lock_guard lock(mutex_);
	times_[ino - 1] = t;
}

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
	const ConfigFs::Times t = cfg.times(ino);
	st.st_atim = t.atime;
	st.st_mtim = t.mtime;
	st.st_ctim = t.ctime;
	/* proc_sys inodes: nlink 1 for the directory too, 1 KiB blocks. */
	st.st_nlink = 1;
	st.st_blksize = 1024;
	st.st_mode = ino == kDirIno ? S_IFDIR | 0555 : S_IFREG | 0644;
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

void cfgSetattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int toSet, fuse_file_info *)
{
	ConfigFs &cfg = cfgOf(req);
	/* proc_sys_setattr(): mode and ownership are fixed; truncation (from
	 * O_TRUNC or truncate(2)) succeeds and does nothing; times are kept. */
	if (toSet & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		return (void)fuse_reply_err(req, EPERM);
	const bool times = toSet & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
				     FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW);
	if (times && !cfg.privileged(fuse_req_ctx(req)->uid))
		return (void)fuse_reply_err(req, EPERM);
	if ((toSet & FUSE_SET_ATTR_SIZE) && !cfg.privileged(fuse_req_ctx(req)->uid))
		return (void)fuse_reply_err(req, EACCES);
	if (times) {
		timespec now;
		::clock_gettime(CLOCK_REALTIME, &now);
		ConfigFs::Times t = cfg.times(ino);
		if (toSet & FUSE_SET_ATTR_ATIME_NOW)
			t.atime = now;
		else if (toSet & FUSE_SET_ATTR_ATIME)
			t.atime = attr->st_atim;
		if (toSet & FUSE_SET_ATTR_MTIME_NOW)
			t.mtime = now;
		else if (toSet & FUSE_SET_ATTR_MTIME)
			t.mtime = attr->st_mtim;
		t.ctime = now;
		cfg.setTimes(ino, t);
	}
	struct stat st = statOf(cfg, ino);
	fuse_reply_attr(req, &st, 0);
}

void cfgAccess(fuse_req_t req, fuse_ino_t ino, int mask)
{
	ConfigFs &cfg = cfgOf(req);
	const bool priv = cfg.privileged(fuse_req_ctx(req)->uid);
	/* 0555 directory, 0644 files: only the privileged may write, and no one
	 * executes a file (root needs some x bit for that too). */
	if ((mask & W_OK) && !(priv && (ino == kDirIno || fuse_req_ctx(req)->uid == 0 ||
					fuse_req_ctx(req)->uid == cfg.uid())))
		return (void)fuse_reply_err(req, EACCES);
	if ((mask & X_OK) && ino != kDirIno)
		return (void)fuse_reply_err(req, EACCES);
	fuse_reply_err(req, 0);
}

void cfgOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	if (!fileOf(ino))
		return (void)fuse_reply_err(req, EISDIR);
	/* Write access is checked at open, as the inode permission would. */
	const int acc = fi->flags & O_ACCMODE;
	if ((acc == O_WRONLY || acc == O_RDWR || (fi->flags & O_TRUNC)) &&
	    !cfgOf(req).privileged(fuse_req_ctx(req)->uid))
		return (void)fuse_reply_err(req, EACCES);
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
	/* proc lists a sysctl directory by name. */
	static const std::array<unsigned, kLimitCount> byName = [] {
		std::array<unsigned, kLimitCount> a;
		for (unsigned i = 0; i < kLimitCount; i++)
			a[i] = i;
		std::sort(a.begin(), a.end(), [](unsigned x, unsigned y) {
			return std::strcmp(limitTable()[x].name, limitTable()[y].name) < 0;
		});
		return a;
	}();
	std::vector<char> buf(size);
	size_t used = 0;
	for (off_t i = off; i < static_cast<off_t>(2 + kLimitCount); i++) {
		const unsigned idx = i < 2 ? 0 : byName[i - 2];
		const char *name = i == 0 ? "." : i == 1 ? ".." : limitTable()[idx].name;
		struct stat st = {};
		st.st_ino = i < 2 ? kDirIno : static_cast<fuse_ino_t>(2 + idx);
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

/* proc_sys has no mkdir, link or symlink: the lookup of the new name fails. */
void cfgMkdir(fuse_req_t req, fuse_ino_t, const char *, mode_t)
{
	fuse_reply_err(req, ENOENT);
}

void cfgSymlink(fuse_req_t req, const char *, fuse_ino_t, const char *)
{
	fuse_reply_err(req, ENOENT);
}

void cfgLink(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char *)
{
	fuse_reply_err(req, ENOENT);
}

void cfgRename(fuse_req_t req, fuse_ino_t, const char *, fuse_ino_t, const char *newname, unsigned int)
{
	/* Onto an existing file: EACCES; onto a new name: ENOENT. */
	for (const auto &info : limitTable())
		if (!std::strcmp(newname, info.name))
			return (void)fuse_reply_err(req, EACCES);
	fuse_reply_err(req, ENOENT);
}

void cfgFsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info *)
{
	fuse_reply_err(req, EINVAL);
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
	ops.mkdir      = cfgMkdir;
	ops.symlink    = cfgSymlink;
	ops.link       = cfgLink;
	ops.rename     = cfgRename;
	ops.fsync      = cfgFsync;
	ops.access     = cfgAccess;
	ops.listxattr  = opListxattr; /* nothing to list, as on proc */
	ops.statfs     = cfgStatfs;
	return ops;
}

} /* namespace mqfs::fs */
