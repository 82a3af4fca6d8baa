/* SPDX-License-Identifier: MIT */
/**
 * @file ops_table.cpp
 * @brief The one operations table of the queue filesystem.
 *
 * Operations left out are the kernel's answers already: no getxattr/setxattr
 * gives EOPNOTSUPP (as mqueue), no fallocate gives EOPNOTSUPP, no flock
 * lets the kernel lock locally (flock succeeds on mqueue too).
 */
#include "ops.hpp"

#include <cerrno>

#include "proto/mqfs_proto.h"

namespace mqfs::fs {

namespace {

void opInit(void *userdata, fuse_conn_info *conn)
{
	auto *fs = static_cast<Filesystem *>(userdata);
	/* ioctls on the root directory carry the mount-wide calls. */
	if (conn->capable & FUSE_CAP_IOCTL_DIR)
		conn->want |= FUSE_CAP_IOCTL_DIR;
	/* O_TRUNC comes with the open (a setattr would not say it is one):
	 * it sets st_size to 0 and updates mtime and ctime, nothing else. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	/* No readdirplus: ls would cache attributes we never want cached. */
	conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
	/* One read carries at most max_pages pages; a user buffer and a header
	 * may straddle three more pages than their length suggests. */
	const std::uint32_t maxPages = conn->proto_minor >= 28 ? (conn->max_write - 1) / 4096 + 1 : 32;
	std::uint32_t inline_ = (maxPages > 4 ? maxPages - 3 : 1) * 4096;
	if (conn->max_read && conn->max_read < inline_)
		inline_ = conn->max_read;
	fs->recvInline = inline_;
}

void opDestroy(void *userdata)
{
	static_cast<Filesystem *>(userdata)->shutdown();
}

} /* namespace */

fuse_lowlevel_ops queueOps()
{
	fuse_lowlevel_ops ops = {};
	ops.init        = opInit;
	ops.destroy     = opDestroy;
	ops.lookup      = opLookup;
	ops.forget      = opForget;
	ops.forget_multi = opForgetMulti;
	ops.getattr     = opGetattr;
	ops.setattr     = opSetattr;
	ops.mknod       = opMknod;
	ops.mkdir       = opMkdir;
	ops.unlink      = opUnlink;
	ops.rmdir       = opRmdir;
	ops.symlink     = opSymlink;
	ops.rename      = opRename;
	ops.link        = opLink;
	ops.open        = opOpen;
	ops.read        = opRead;
	ops.write       = opWrite;
	ops.flush       = opFlush;
	ops.release     = opRelease;
	ops.fsync       = opFsync;
	ops.opendir     = opOpendir;
	ops.readdir     = opReaddir;
	ops.releasedir  = opReleasedir;
	ops.statfs      = opStatfs;
	ops.create      = opCreate;
	ops.ioctl       = opIoctl;
	ops.listxattr   = opListxattr;
	ops.poll        = opPoll;
	return ops;
}

} /* namespace mqfs::fs */
