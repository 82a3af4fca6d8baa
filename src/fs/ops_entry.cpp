/* SPDX-License-Identifier: MIT */
/**
 * @file ops_entry.cpp
 * @brief Name and attribute callbacks: lookup, create, unlink, setattr...
 *
 * Permission checks are the kernel's (default_permissions): by the time a
 * create or unlink reaches us, may_create()/may_delete() (sticky bit
 * included) have passed. Entries and attributes are never cached (timeouts
 * of 0), so the kernel never shows a stale or deleted queue.
 */
#include "ops.hpp"

#include <cerrno>
#include <ctime>

#include <fcntl.h>

#include <sys/stat.h>

#include "caller.hpp"
#include "core/name.hpp"
#include "core/request.hpp"

namespace mqfs::fs {

namespace {

fuse_entry_param entryOf(const Queue &q)
{
	fuse_entry_param e = {};
	e.ino = q.ino();
	e.generation = 0; /* inode numbers are never reused */
	e.attr = queueStat(q);
	e.attr_timeout = 0;
	e.entry_timeout = 0;
	return e;
}

/* Create queue \a rawName for the caller of \a req (a plain or a create name). */
Result<std::shared_ptr<Queue>> createQueue(fuse_req_t req, const char *rawName, mode_t mode,
					   unsigned *flags = nullptr)
{
	Filesystem &fs = Filesystem::from(req);
	std::string_view name = rawName;
	std::optional<QueueAttr> attr;
	if (auto cn = decodeCreateName(name)) {
		if (cn->error)
			return Result<std::shared_ptr<Queue>>::error(cn->error);
		name = cn->value.name;
		attr = cn->value.attr;
		if (flags)
			*flags = cn->value.flags;
	}
	if (int rv = checkQueueName(name); rv < 0)
		return Result<std::shared_ptr<Queue>>::error(rv);

	const fuse_ctx *ctx = fuse_req_ctx(req);
	const Caller caller = describeCaller(ctx->uid, ctx->gid, ctx->pid);
	/* The kernel applied the umask already (no FUSE_CAP_DONT_MASK);
	 * setuid, setgid and sticky bits are kept, as mq_open() keeps them. */
	return fs.registry().create(name, mode & 07777, attr, caller);
}

} /* namespace */

void opLookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	Filesystem &fs = Filesystem::from(req);
	if (parent != kRootIno)
		return replyErr(req, -ENOTDIR);
	/* A create name is never an existing file: the kernel goes on to create. */
	if (decodeCreateName(name))
		return replyErr(req, -ENOENT);
	if (int rv = checkQueueName(name); rv < 0)
		return replyErr(req, rv);
	auto q = fs.registry().find(name);
	if (!q)
		return replyErr(req, -ENOENT);
	fuse_entry_param e = entryOf(*q);
	fs.nodes().ref(q);
	if (fuse_reply_entry(req, &e) != 0)
		fs.nodes().forget(q->ino(), 1);
}

void opForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	Filesystem::from(req).nodes().forget(ino, nlookup);
	fuse_reply_none(req);
}

void opForgetMulti(fuse_req_t req, size_t count, fuse_forget_data *forgets)
{
	Filesystem &fs = Filesystem::from(req);
	for (size_t i = 0; i < count; i++)
		fs.nodes().forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

void opGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *)
{
	Filesystem &fs = Filesystem::from(req);
	struct stat st;
	if (ino == kRootIno) {
		st = rootStat(fs.registry());
	} else {
		auto q = fs.queue(ino);
		if (!q)
			return replyErr(req, -ENOENT);
		st = queueStat(*q);
	}
	fuse_reply_attr(req, &st, 0);
}

void opSetattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int toSet, fuse_file_info *fi)
{
	Filesystem &fs = Filesystem::from(req);
	const time_t now = std::time(nullptr);
	AttrChange c;
	if (toSet & FUSE_SET_ATTR_MODE)
		c.mode = attr->st_mode;
	if (toSet & FUSE_SET_ATTR_UID)
		c.uid = attr->st_uid;
	if (toSet & FUSE_SET_ATTR_GID)
		c.gid = attr->st_gid;
	if (toSet & FUSE_SET_ATTR_SIZE)
		c.size = attr->st_size;
	/* Timestamps have a granularity of one second (s_time_gran). */
	if (toSet & FUSE_SET_ATTR_ATIME_NOW)
		c.atime = now;
	else if (toSet & FUSE_SET_ATTR_ATIME)
		c.atime = attr->st_atim.tv_sec;
	if (toSet & FUSE_SET_ATTR_MTIME_NOW)
		c.mtime = now;
	else if (toSet & FUSE_SET_ATTR_MTIME)
		c.mtime = attr->st_mtim.tv_sec;
	/* ftruncate(2) sets ATTR_MTIME|ATTR_CTIME, but FUSE does not forward an
	 * mtime with a size change on an open file: it comes with the handle. */
	if ((toSet & FUSE_SET_ATTR_SIZE) && fi && !c.mtime)
		c.mtime = now;
	/* chmod, chown and utimes change ctime; a plain truncate(2) (size only)
	 * changes no time at all on the kernel's simple_setattr(). */
	if (c.mode || c.uid || c.gid || c.atime || c.mtime || (toSet & FUSE_SET_ATTR_CTIME))
		c.ctime = now;

	struct stat st;
	if (ino == kRootIno) {
		if (c.size)
			return replyErr(req, -EISDIR);
		fs.registry().setDirAttr(c);
		st = rootStat(fs.registry());
	} else {
		auto q = fs.queue(ino);
		if (!q)
			return replyErr(req, -ENOENT);
		q->setAttr(c);
		st = queueStat(*q);
	}
	fuse_reply_attr(req, &st, 0);
}

void opMknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t)
{
	Filesystem &fs = Filesystem::from(req);
	if (parent != kRootIno)
		return replyErr(req, -ENOTDIR);
	/* mqueue's mknod: a regular file becomes a queue, anything else EPERM. */
	if ((mode & S_IFMT) != S_IFREG && (mode & S_IFMT) != 0)
		return replyErr(req, -EPERM);
	auto q = createQueue(req, name, mode);
	if (!q)
		return replyErr(req, q.error());
	fuse_entry_param e = entryOf(**q);
	fs.nodes().ref(*q);
	if (fuse_reply_entry(req, &e) != 0)
		fs.nodes().forget((*q)->ino(), 1);
}

void opCreate(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, fuse_file_info *fi)
{
	Filesystem &fs = Filesystem::from(req);
	if (parent != kRootIno)
		return replyErr(req, -ENOTDIR);
	unsigned flags = 0;
	auto q = createQueue(req, name, mode, &flags);
	if (!q)
		return replyErr(req, q.error());

	View *v = openView(fs, *q, fi);
	if (!v)
		return replyErr(req, -ENOENT);
	if (flags & kCreateNoAccess)
		v->accmode = O_ACCMODE;
	fuse_entry_param e = entryOf(**q);
	fs.nodes().ref(*q);
	if (fuse_reply_create(req, &e, fi) != 0) {
		fs.nodes().forget((*q)->ino(), 1);
		closeView(fs, v);
	}
}

void opUnlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	Filesystem &fs = Filesystem::from(req);
	if (parent != kRootIno)
		return replyErr(req, -ENOTDIR);
	replyErr(req, fs.registry().unlink(name));
}

void opRmdir(fuse_req_t req, fuse_ino_t, const char *)
{
	/* Only queues live here; the kernel answers ENOTDIR before asking us. */
	replyErr(req, -ENOTDIR);
}

void opMkdir(fuse_req_t req, fuse_ino_t, const char *, mode_t)
{
	replyErr(req, -EPERM);
}

void opSymlink(fuse_req_t req, const char *, fuse_ino_t, const char *)
{
	replyErr(req, -EPERM);
}

void opLink(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char *)
{
	replyErr(req, -EPERM);
}

void opListxattr(fuse_req_t req, fuse_ino_t, size_t size)
{
	/* mqueue has no xattr handler: listing gives nothing, getting EOPNOTSUPP. */
	if (size == 0)
		fuse_reply_xattr(req, 0);
	else
		fuse_reply_buf(req, nullptr, 0);
}

void opRename(fuse_req_t req, fuse_ino_t, const char *, fuse_ino_t, const char *, unsigned int)
{
	/* mqueue has no rename; a rename onto itself never reaches us. */
	replyErr(req, -EPERM);
}

} /* namespace mqfs::fs */
