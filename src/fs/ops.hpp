/* SPDX-License-Identifier: MIT */
/**
 * @file ops.hpp
 * @brief The FUSE callbacks of the queue filesystem (one table, thin glue).
 */
#pragma once

#include <span>

#include "core/request.hpp"
#include "filesystem.hpp"
#include "fuse.hpp"

namespace mqfs::fs {

/** \brief Reply 0 or a negative errno to a request that wants only a status. */
inline void replyErr(fuse_req_t req, int rv)
{
	fuse_reply_err(req, -rv);
}

/** \brief Open a View of \a q for the file \a fi (nullptr: queue gone, or no memory). */
View *openView(Filesystem &fs, const std::shared_ptr<Queue> &q, fuse_file_info *fi);
void closeView(Filesystem &fs, View *v);

/* ops_queue.cpp: the queue calls of the client protocol */
void readReceive(fuse_req_t req, View &v, size_t size, const ReadCommand &cmd, bool nonblock);
void readReceiveBatch(fuse_req_t req, View &v, size_t size, const ReadCommand &cmd, bool nonblock);
void readTransfer(fuse_req_t req, View &v, size_t size, const ReadCommand &cmd);
/** \return false when \a cmd is not a queue call (the caller answers ENOTTY). */
bool queueIoctl(fuse_req_t req, View &v, unsigned cmd, std::span<const std::byte> in, size_t outSize);
/** \brief Send the signal of a fired SIGEV_SIGNAL registration. */
void deliverSignal(const NotifyEvent &ev);
/** \brief Give back what a closing View still has staged. */
void abandonTransfers(View &v);

/* ops_entry.cpp */
void opLookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void opForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void opForgetMulti(fuse_req_t req, size_t count, fuse_forget_data *forgets);
void opGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi);
void opSetattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int toSet, fuse_file_info *fi);
void opMknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void opCreate(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, fuse_file_info *fi);
void opUnlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void opRmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void opMkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void opSymlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void opLink(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void opListxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void opRename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	      const char *newname, unsigned int flags);

/* ops_dir.cpp */
void opOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi);
void opReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info *fi);
void opReleasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi);
void opStatfs(fuse_req_t req, fuse_ino_t ino);

/* ops_file.cpp */
void opOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi);
void opRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info *fi);
void opWrite(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	     fuse_file_info *fi);
void opFlush(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi);
void opRelease(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi);
void opFsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info *fi);
void opPoll(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi, fuse_pollhandle *ph);
void opIoctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg, fuse_file_info *fi,
	     unsigned flags, const void *inBuf, size_t inBufSize, size_t outBufSize);

} /* namespace mqfs::fs */
