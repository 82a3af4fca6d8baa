/* SPDX-License-Identifier: MIT */
/**
 * @file parity_fs.cpp
 * @brief Kernel parity of the mqfs filesystem view: every scenario runs on a
 *        kernel mqueue mount and on an mqfs mount, and the observations must
 *        be equal. The kernel is the oracle.
 *
 * Run through run-parity.sh (root, private IPC + mount namespace), with
 * MQFS_BIN naming the daemon. References: spec/mqueue-behaviour.md sections
 * 2.3, 2.5, 6, 7, 9 and shared-notes/sysctl-semantics.md.
 */
#define CATCH_CONFIG_RUNNER
#define CATCH_CONFIG_CONSOLE_WIDTH 240
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sys/time.h>
#include <linux/fs.h>
#include <termios.h>
#include <unistd.h>

#include "harness.hpp"

using namespace parity;

namespace {

constexpr long kFuseSuperMagic = 0x65735546;
constexpr long kMqueueMagic = 0x19800202;
constexpr long kProcSuperMagic = 0x9fa0;

/* The status line of an idle queue: 60 bytes. */
const std::string kIdleStatus = "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n";

std::string readFd(int fd, size_t n)
{
	std::string buf(n + 1, '\0');
	ssize_t r = ::read(fd, buf.data(), n);
	if (r < 0)
		return rc(-1);
	return std::to_string(r) + " " + esc(buf.substr(0, static_cast<size_t>(r)));
}

std::string preadFd(int fd, size_t n, off_t off)
{
	std::string buf(n + 1, '\0');
	ssize_t r = ::pread(fd, buf.data(), n, off);
	if (r < 0)
		return rc(-1);
	return std::to_string(r) + " " + esc(buf.substr(0, static_cast<size_t>(r)));
}

int openq(const std::string &path, int flags, mode_t mode = 0644)
{
	return ::open(path.c_str(), flags | O_CLOEXEC, mode);
}

/* open + close, the result as "fd" / "ERR ...". */
std::string tryOpen(const std::string &path, int flags, mode_t mode = 0644)
{
	int fd = openq(path, flags, mode);
	std::string r = fdrc(fd);
	if (fd >= 0)
		::close(fd);
	return r;
}

struct stat statOf(const std::string &path)
{
	struct stat st = {};
	if (::stat(path.c_str(), &st) < 0)
		st.st_mode = 0;
	return st;
}

std::string label(const std::string &bytes)
{
	if (bytes.size() <= 40)
		return esc(bytes);
	return esc(bytes.substr(0, 12)) + "..." + esc(bytes.substr(bytes.size() - 6)) + " (" +
	       std::to_string(bytes.size()) + " bytes)";
}

std::string sysRead(const Side &s, const char *file)
{
	return readSmall(s.s(file));
}

/* The five sysctl files, in the order used by the table scenarios. */
const char *const kSysFiles[] = { "msg_max", "msg_default", "msgsize_max", "msgsize_default", "queues_max" };

const char *baselineOf(const std::string &file)
{
	if (file == "msg_max")
		return "11";
	if (file == "msg_default")
		return "9";
	if (file == "msgsize_max")
		return "8191";
	if (file == "msgsize_default")
		return "8190";
	return "257";
}

std::string setBaseline(const Side &s, const std::string &file)
{
	std::string r = writeOnce(s.s(file), baselineOf(file));
	if (r != std::to_string(std::strlen(baselineOf(file))))
		return "baseline write failed: " + r;
	return {};
}

/*
 * Every root-created queue is charged to our real uid's RLIMIT_MSGQUEUE
 * (819200 bytes: nine default 10 x 8192 queues). Scenarios that create more
 * queues first make the defaults 1 x 128 (224 bytes each), on both sides.
 */
void smallQueues(const Side &s, Obs &o)
{
	o.push_back(Line() << "small queues: msg_default=1 " << writeOnce(s.s("msg_default"), "1")
			   << " msgsize_default=128 " << writeOnce(s.s("msgsize_default"), "128"));
}

std::string octal(long v)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%lo", v);
	return buf;
}

std::string B(const char *p, size_t n)
{
	return std::string(p, n);
}

std::string rep(char c, size_t n)
{
	return std::string(n, c);
}

} /* namespace */

/* ===================================================================== */
/* Section 6: the queue file                                             */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "queue file: status text bytes, offsets, partial reads, pread, lseek, FIONREAD",
		 "[parity][queue-file]")
{
	requireParity("status text", [](const Side &s) {
		Obs o;
		::umask(022);
		int fd = openq(s.q("st"), O_CREAT | O_RDWR, 0644);
		o.push_back(Line() << "create O_RDWR: " << fdrc(fd));
		o.push_back(Line() << "read(200) at 0: " << readFd(fd, 200));
		o.push_back(Line() << "read(200) again: " << readFd(fd, 200));
		o.push_back(Line() << "pos: " << rc(::lseek(fd, 0, SEEK_CUR)));
		::close(fd);

		fd = openq(s.q("st"), O_RDONLY);
		o.push_back(Line() << "open O_RDONLY: " << fdrc(fd));
		o.push_back(Line() << "read(0): " << readFd(fd, 0));
		o.push_back(Line() << "read(7): " << readFd(fd, 7));
		o.push_back(Line() << "read(10): " << readFd(fd, 10));
		o.push_back(Line() << "pos: " << rc(::lseek(fd, 0, SEEK_CUR)));
		o.push_back(Line() << "read(100): " << readFd(fd, 100));
		o.push_back(Line() << "read(100) at EOF: " << readFd(fd, 100));
		o.push_back(Line() << "pread(60, 0): " << preadFd(fd, 60, 0));
		o.push_back(Line() << "pread(100, 30): " << preadFd(fd, 100, 30));
		o.push_back(Line() << "pread(10, 59): " << preadFd(fd, 10, 59));
		o.push_back(Line() << "pread(10, 60): " << preadFd(fd, 10, 60));
		o.push_back(Line() << "pread(10, 79): " << preadFd(fd, 10, 79));
		o.push_back(Line() << "pread(10, 80): " << preadFd(fd, 10, 80));
		o.push_back(Line() << "pread(10, 1000): " << preadFd(fd, 10, 1000));
		o.push_back(Line() << "pos after preads: " << rc(::lseek(fd, 0, SEEK_CUR)));
		o.push_back(Line() << "lseek SEEK_END+0: " << rc(::lseek(fd, 0, SEEK_END)));
		o.push_back(Line() << "read at 80: " << readFd(fd, 10));
		o.push_back(Line() << "lseek SEEK_END-10: " << rc(::lseek(fd, -10, SEEK_END)));
		o.push_back(Line() << "read at 70: " << readFd(fd, 10));
		o.push_back(Line() << "lseek SEEK_END+100: " << rc(::lseek(fd, 100, SEEK_END)));
		o.push_back(Line() << "lseek SEEK_SET 55: " << rc(::lseek(fd, 55, SEEK_SET)));
		o.push_back(Line() << "read(100) at 55: " << readFd(fd, 100));
		o.push_back(Line() << "lseek SEEK_CUR -10: " << rc(::lseek(fd, -10, SEEK_CUR)));
		o.push_back(Line() << "read(3) at 50: " << readFd(fd, 3));
		o.push_back(Line() << "lseek SEEK_SET -1: " << rc(::lseek(fd, -1, SEEK_SET)));
		o.push_back(Line() << "lseek SEEK_SET 1000000: " << rc(::lseek(fd, 1000000, SEEK_SET)));
		o.push_back(Line() << "read at 1000000: " << readFd(fd, 10));
		o.push_back(Line() << "lseek SEEK_DATA 0: " << rc(::lseek(fd, 0, SEEK_DATA)));
		o.push_back(Line() << "lseek SEEK_HOLE 0: " << rc(::lseek(fd, 0, SEEK_HOLE)));
		o.push_back(Line() << "lseek SEEK_DATA 100: " << rc(::lseek(fd, 100, SEEK_DATA)));
		::lseek(fd, 0, SEEK_SET);
		int avail = -1;
		int r = ::ioctl(fd, FIONREAD, &avail);
		o.push_back(Line() << "FIONREAD at 0: " << rc(r) << " value " << std::to_string(avail));
		::lseek(fd, 7, SEEK_SET);
		avail = -1;
		r = ::ioctl(fd, FIONREAD, &avail);
		o.push_back(Line() << "FIONREAD at 7: " << rc(r) << " value " << std::to_string(avail));
		::lseek(fd, 0, SEEK_SET);
		char a[10], b[100];
		struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
		ssize_t n = ::readv(fd, iov, 2);
		o.push_back(Line() << "readv(10+100): " << rc(n) <<
			    (n > 10 ? " " + esc(std::string(a, 10) + std::string(b, static_cast<size_t>(n - 10))) : ""));
		::close(fd);

		fd = openq(s.q("st"), O_WRONLY);
		o.push_back(Line() << "open O_WRONLY: " << fdrc(fd));
		o.push_back(Line() << "read on O_WRONLY: " << readFd(fd, 100));
		::close(fd);

		/* A plain read of a fresh fd: exactly the idle status line. */
		o.push_back(Line() << "exact idle text: " << std::string(readSmall(s.q("st")) == esc(kIdleStatus) ? "yes" : "no"));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "queue file: stat fields, nlink 0 via fstat after unlink", "[parity][queue-file][stat]")
{
	requireParity("queue stat", [](const Side &s) {
		Obs o;
		::umask(022);
		o.push_back(Line() << "create: " << createQueue(s.q("a"), 0640));
		o.push_back(Line() << "stat a: " << statPath(s.q("a")));
		struct stat st = statOf(s.q("a"));
		o.push_back(Line() << std::string("S_ISREG: ") << (S_ISREG(st.st_mode) ? "yes" : "no"));
		o.push_back(Line() << std::string("times equal at creation (a==m==c): ") <<
			    (rel(st.st_atim, st.st_mtim) == "=" && rel(st.st_mtim, st.st_ctim) == "=" ? "yes" : "no"));
		o.push_back(Line() << std::string("rdev 0: ") << (st.st_rdev == 0 ? "yes" : "no"));
		struct stat rst = statOf(s.root);
		o.push_back(Line() << "st_dev same as the root's: " << (st.st_dev == rst.st_dev ? "yes" : "no")
				   << ", st_ino differs from the root's: " << (st.st_ino != rst.st_ino ? "yes" : "no"));
		struct stat lst;
		o.push_back(Line() << "lstat a: " << rc(::lstat(s.q("a").c_str(), &lst)) << " " << statDesc(lst));
		int fd = openq(s.q("a"), O_RDONLY);
		o.push_back(Line() << "open: " << fdrc(fd));
		o.push_back(Line() << "fstat: " << fstatFd(fd));
		struct stat fst;
		::fstat(fd, &fst);
		o.push_back(Line() << std::string("fstat ino == stat ino: ") << (fst.st_ino == st.st_ino ? "yes" : "no"));
		o.push_back(Line() << "unlink: " << rc(::unlink(s.q("a").c_str())));
		o.push_back(Line() << "fstat after unlink: " << fstatFd(fd));
		o.push_back(Line() << "stat after unlink: " << statPath(s.q("a")));
		o.push_back(Line() << "read after unlink: " << readFd(fd, 100));
		::close(fd);
		o.push_back(Line() << "stat of the root: " << statPath(s.root));
		struct statx sx;
		int r = ::statx(AT_FDCWD, s.q("b").c_str(), 0, STATX_BASIC_STATS, &sx);
		o.push_back(Line() << "statx missing: " << rc(r));
		o.push_back(Line() << "create b: " << createQueue(s.q("b"), 0600));
		r = ::statx(AT_FDCWD, s.q("b").c_str(), 0, STATX_BASIC_STATS | STATX_BTIME, &sx);
		o.push_back(Line() << "statx b: " << rc(r) << " mode=0" << octal(sx.stx_mode) <<
			    " nlink=" << std::to_string(sx.stx_nlink) << " size=" << std::to_string(sx.stx_size) <<
			    " blocks=" << std::to_string(sx.stx_blocks) << " blksize=" << std::to_string(sx.stx_blksize) <<
			    " btime-in-mask=" << std::to_string((sx.stx_mask & STATX_BTIME) ? 1 : 0));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "queue file: mode at creation (umask, setuid/setgid/sticky) and ways to create",
		 "[parity][queue-file][create]")
{
	requireParity("create modes", [](const Side &s) {
		Obs o;
		smallQueues(s, o);
		::umask(077);
		o.push_back(Line() << "umask 077 open O_CREAT 0666: " << tryOpen(s.q("a"), O_CREAT | O_WRONLY, 0666) << " " <<
			    statPath(s.q("a")));
		::umask(0);
		o.push_back(Line() << "umask 0 open O_CREAT 07777: " << tryOpen(s.q("b"), O_CREAT | O_RDONLY, 07777) << " " <<
			    statPath(s.q("b")));
		::umask(022);
		int fd = ::creat(s.q("c").c_str(), 0777);
		o.push_back(Line() << "umask 022 creat 0777: " << fdrc(fd) << " " << statPath(s.q("c")));
		if (fd >= 0)
			::close(fd);
		::umask(0);
		o.push_back(Line() << "mknod S_IFREG|0640: " << rc(::mknod(s.q("d").c_str(), S_IFREG | 0640, 0)) << " " <<
			    statPath(s.q("d")));
		o.push_back(Line() << "mknod 0644 (no type bits): " << rc(::mknod(s.q("e").c_str(), 0644, 0)) << " " <<
			    statPath(s.q("e")));
		o.push_back(Line() << "mknod S_IFREG|06777: " << rc(::mknod(s.q("f").c_str(), S_IFREG | 06777, 0)) << " " <<
			    statPath(s.q("f")));
		o.push_back(Line() << "mknod S_IFREG|01600: " << rc(::mknod(s.q("g").c_str(), S_IFREG | 01600, 0)) << " " <<
			    statPath(s.q("g")));
		::umask(027);
		o.push_back(Line() << "umask 027 O_CREAT|O_EXCL 0777: " << tryOpen(s.q("h"), O_CREAT | O_EXCL | O_RDONLY, 0777) <<
			    " " << statPath(s.q("h")));
		::umask(022);
		o.push_back(Line() << "new queue with O_CREAT|O_TRUNC: " << tryOpen(s.q("i"), O_CREAT | O_TRUNC | O_WRONLY, 0600) <<
			    " " << statPath(s.q("i")));
		o.push_back(Line() << "mknodat: " << rc(::mknodat(AT_FDCWD, s.q("j").c_str(), S_IFREG | 0604, 0)) << " " <<
			    statPath(s.q("j")));
		o.push_back(Line() << "openat2-less O_CREAT|O_DIRECTORY: " << tryOpen(s.q("k"), O_CREAT | O_DIRECTORY | O_RDONLY) <<
			    " then stat " << statPath(s.q("k")));
		o.push_back(Line() << "O_TMPFILE in the root: " << tryOpen(s.root, O_TMPFILE | O_RDWR, 0600));
		o.push_back(Line() << "listing: " << listDir(s.root));

		/* O_EXCL and friends */
		o.push_back(Line() << "O_CREAT|O_EXCL existing: " << tryOpen(s.q("a"), O_CREAT | O_EXCL | O_RDWR));
		o.push_back(Line() << "O_EXCL without O_CREAT existing: " << tryOpen(s.q("a"), O_EXCL | O_RDONLY));
		o.push_back(Line() << "O_CREAT existing: " << tryOpen(s.q("a"), O_CREAT | O_RDWR, 0777) << " " << statPath(s.q("a")));
		o.push_back(Line() << "open missing: " << tryOpen(s.q("zz"), O_RDONLY));
		o.push_back(Line() << "open missing O_EXCL: " << tryOpen(s.q("zz"), O_EXCL | O_RDONLY));
		o.push_back(Line() << "mknod existing: " << rc(::mknod(s.q("a").c_str(), S_IFREG | 0644, 0)));

		/* Access mode 3 with open(2): an fd that can neither read nor write. */
		fd = openq(s.q("a"), O_ACCMODE);
		o.push_back(Line() << "open O_ACCMODE existing: " << fdrc(fd));
		if (fd >= 0) {
			o.push_back(Line() << "  read: " << readFd(fd, 100));
			o.push_back(Line() << "  write: " << rc(::write(fd, "x", 1)));
			o.push_back(Line() << "  F_GETFL accmode: " << std::to_string(::fcntl(fd, F_GETFL) & O_ACCMODE));
			::close(fd);
		}
		fd = openq(s.q("m3"), O_ACCMODE | O_CREAT, 0644);
		o.push_back(Line() << "open O_ACCMODE|O_CREAT new: " << fdrc(fd) << " " << statPath(s.q("m3")));
		if (fd >= 0)
			::close(fd);
		fd = openq(s.q("a"), O_RDWR | O_APPEND);
		o.push_back(Line() << "open O_RDWR|O_APPEND: " << fdrc(fd) << " F_GETFL=0" << octal(fd >= 0 ? ::fcntl(fd, F_GETFL) : 0));
		if (fd >= 0)
			::close(fd);
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "queue file: write EINVAL, mmap, fsync, fallocate, xattrs, flock, fadvise, ioctl",
		 "[parity][queue-file][unsupported]")
{
	requireParity("unsupported file operations", [](const Side &s) {
		Obs o;
		::umask(022);
		int fd = openq(s.q("u"), O_CREAT | O_RDWR, 0666);
		o.push_back(Line() << "create: " << fdrc(fd));
		o.push_back(Line() << "write(1): " << rc(::write(fd, "x", 1)));
		o.push_back(Line() << "pwrite(3, 10): " << rc(::pwrite(fd, "abc", 3, 10)));
		struct iovec iov[2] = { { const_cast<char *>("ab"), 2 }, { const_cast<char *>("cd"), 2 } };
		o.push_back(Line() << "writev: " << rc(::writev(fd, iov, 2)));
		o.push_back(Line() << "pos after failed writes: " << rc(::lseek(fd, 0, SEEK_CUR)));
		o.push_back(Line() << "status after writes: " << preadFd(fd, 100, 0));
		void *p = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
		o.push_back(Line() << "mmap MAP_SHARED PROT_READ: " << std::string(p == MAP_FAILED ? rc(-1) : "mapped"));
		if (p != MAP_FAILED)
			::munmap(p, 4096);
		p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		o.push_back(Line() << "mmap MAP_SHARED PROT_WRITE: " << std::string(p == MAP_FAILED ? rc(-1) : "mapped"));
		if (p != MAP_FAILED)
			::munmap(p, 4096);
		o.push_back(Line() << "fsync: " << rc(::fsync(fd)));
		o.push_back(Line() << "fdatasync: " << rc(::fdatasync(fd)));
		o.push_back(Line() << "syncfs: " << rc(::syncfs(fd)));
		o.push_back(Line() << "fallocate(0, 100): " << rc(::fallocate(fd, 0, 0, 100)));
		o.push_back(Line() << "fallocate(KEEP_SIZE): " << rc(::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 100)));
		o.push_back(Line() << "posix_fadvise WILLNEED: " << std::to_string(::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED)));
		o.push_back(Line() << "posix_fadvise DONTNEED: " << std::to_string(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)));
		o.push_back(Line() << "readahead: " << rc(::readahead(fd, 0, 100)));
		o.push_back(Line() << "flock LOCK_EX: " << rc(::flock(fd, LOCK_EX)));
		o.push_back(Line() << "flock LOCK_UN: " << rc(::flock(fd, LOCK_UN)));
		o.push_back(Line() << "flock LOCK_SH|LOCK_NB: " << rc(::flock(fd, LOCK_SH | LOCK_NB)));
		struct flock fl = {};
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		o.push_back(Line() << "fcntl F_SETLK write lock: " << rc(::fcntl(fd, F_SETLK, &fl)));
		fl.l_type = F_UNLCK;
		o.push_back(Line() << "fcntl F_SETLK unlock: " << rc(::fcntl(fd, F_SETLK, &fl)));
		o.push_back(Line() << "fcntl F_SETLEASE F_RDLCK: " << rc(::fcntl(fd, F_SETLEASE, F_RDLCK)));
		char xb[64];
		o.push_back(Line() << "fgetxattr user.x: " << rc(::fgetxattr(fd, "user.x", xb, sizeof(xb))));
		o.push_back(Line() << "fsetxattr user.x: " << rc(::fsetxattr(fd, "user.x", "v", 1, 0)));
		o.push_back(Line() << "flistxattr: " << rc(::flistxattr(fd, xb, sizeof(xb))));
		o.push_back(Line() << "fremovexattr user.x: " << rc(::fremovexattr(fd, "user.x")));
		o.push_back(Line() << "getxattr path user.x: " << rc(::getxattr(s.q("u").c_str(), "user.x", xb, sizeof(xb))));
		o.push_back(Line() << "setxattr path trusted.x: " << rc(::setxattr(s.q("u").c_str(), "trusted.x", "v", 1, 0)));
		o.push_back(Line() << "listxattr path: " << rc(::listxattr(s.q("u").c_str(), xb, sizeof(xb))));
		o.push_back(Line() << "getxattr root user.x: " << rc(::getxattr(s.root.c_str(), "user.x", xb, sizeof(xb))));
		o.push_back(Line() << "listxattr root: " << rc(::listxattr(s.root.c_str(), xb, sizeof(xb))));
		struct termios tio;
		o.push_back(Line() << "ioctl TCGETS: " << rc(::ioctl(fd, TCGETS, &tio)));
		int flags = 0;
		o.push_back(Line() << "ioctl FS_IOC_GETFLAGS: " << rc(::ioctl(fd, FS_IOC_GETFLAGS, &flags)));
		int bsz = 0;
		o.push_back(Line() << "ioctl FIGETBSZ: " << rc(::ioctl(fd, FIGETBSZ, &bsz)) << " value " << std::to_string(bsz));
		o.push_back(Line() << "copy_file_range from it: " << rc(::copy_file_range(fd, nullptr, fd, nullptr, 10, 0)));
		::close(fd);
		fd = openq(s.q("u"), O_WRONLY);
		o.push_back(Line() << "open O_WRONLY: " << fdrc(fd) << ", write: " << rc(::write(fd, "x\n", 2)));
		::close(fd);
		fd = openq(s.q("u"), O_RDONLY);
		o.push_back(Line() << "write on O_RDONLY: " << rc(::write(fd, "x", 1)));
		o.push_back(Line() << "ftruncate on O_RDONLY: " << rc(::ftruncate(fd, 5)));
		::close(fd);
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "queue file: mmap MAP_PRIVATE (inherent FUSE difference)", "[parity][queue-file][inherent]")
{
	/* mqueue has no mmap operation: ENODEV for every mapping. A FUSE file
	 * opened with direct_io refuses MAP_SHARED (ENODEV) but, without
	 * FUSE_DIRECT_IO_ALLOW_MMAP, serves MAP_PRIVATE through the page cache:
	 * the daemon is never asked, so it cannot refuse. */
	auto probe = [](const Side &s) {
		::umask(022);
		int fd = openq(s.q("mp"), O_CREAT | O_RDONLY, 0644);
		void *p = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		std::string r = p == MAP_FAILED ? rc(-1) : "mapped";
		if (p != MAP_FAILED)
			::munmap(p, 4096);
		::close(fd);
		return r;
	};
	const std::string k = probe(kernelSide());
	const std::string m = probe(mqfsSide());
	CHECK(k == "ERR ENODEV");
	CHECK(m == "mapped");
}

TEST_CASE_METHOD(Fresh, "queue file: zero-length write (inherent FUSE difference)", "[parity][queue-file][inherent]")
{
	/* vfs_write() refuses any write, even of 0 bytes, on a file without a
	 * write operation (mqueue): EINVAL. FUSE files have one, and FUSE
	 * answers a 0-byte direct write itself with 0: the daemon never sees it. */
	auto probe = [](const Side &s) {
		::umask(022);
		int fd = openq(s.q("z"), O_CREAT | O_RDWR, 0644);
		std::string r = rc(::write(fd, "", 0));
		r += " / pwrite(0 bytes, off 5) " + rc(::pwrite(fd, "", 0, 5));
		::close(fd);
		return r;
	};
	const std::string k = probe(kernelSide());
	const std::string m = probe(mqfsSide());
	CHECK(k == "ERR EINVAL / pwrite(0 bytes, off 5) ERR EINVAL");
	CHECK(m == "0 / pwrite(0 bytes, off 5) 0");
}

TEST_CASE_METHOD(Fresh, "queue file: truncate, ftruncate, O_TRUNC change only st_size", "[parity][queue-file][truncate]")
{
	requireParity("truncate", [](const Side &s) {
		Obs o;
		::umask(022);
		o.push_back(Line() << "create: " << createQueue(s.q("t"), 0644));
		o.push_back(Line() << "truncate 0: " << rc(::truncate(s.q("t").c_str(), 0)) << " " << statPath(s.q("t")));
		o.push_back(Line() << "text: " << readSmall(s.q("t")));
		o.push_back(Line() << "truncate 1000: " << rc(::truncate(s.q("t").c_str(), 1000)) << " " << statPath(s.q("t")));
		o.push_back(Line() << "text: " << readSmall(s.q("t")));
		o.push_back(Line() << "truncate -1: " << rc(::truncate(s.q("t").c_str(), -1)));
		int fd = openq(s.q("t"), O_RDWR);
		o.push_back(Line() << "ftruncate 5: " << rc(::ftruncate(fd, 5)) << " fstat " << fstatFd(fd));
		o.push_back(Line() << "read(100) with size 5: " << readFd(fd, 100));
		o.push_back(Line() << "lseek SEEK_END: " << rc(::lseek(fd, 0, SEEK_END)));
		int avail = -1;
		::lseek(fd, 0, SEEK_SET);
		::ioctl(fd, FIONREAD, &avail);
		o.push_back(Line() << "FIONREAD at 0 with size 5: " << std::to_string(avail));
		o.push_back(Line() << "ftruncate 80: " << rc(::ftruncate(fd, 80)));
		::close(fd);
		o.push_back(Line() << "O_TRUNC|O_WRONLY: " << tryOpen(s.q("t"), O_TRUNC | O_WRONLY) << " " << statPath(s.q("t")));
		o.push_back(Line() << "text: " << readSmall(s.q("t")));
		o.push_back(Line() << "truncate 80: " << rc(::truncate(s.q("t").c_str(), 80)));
		o.push_back(Line() << "O_TRUNC|O_RDONLY: " << tryOpen(s.q("t"), O_TRUNC | O_RDONLY) << " " << statPath(s.q("t")));
		o.push_back(Line() << "truncate 4096: " << rc(::truncate(s.q("t").c_str(), 4096)) << " " << statPath(s.q("t")));
		o.push_back(Line() << "O_CREAT|O_TRUNC existing: " << tryOpen(s.q("t"), O_CREAT | O_TRUNC | O_RDWR) << " " <<
			    statPath(s.q("t")));
		o.push_back(Line() << "truncate the root: " << rc(::truncate(s.root.c_str(), 0)));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "queue file: chmod, chown, utimes (nanoseconds dropped)", "[parity][queue-file][setattr]")
{
	requireParity("setattr", [](const Side &s) {
		Obs o;
		::umask(022);
		o.push_back(Line() << "create: " << createQueue(s.q("c"), 0644));
		o.push_back(Line() << "chmod 0600: " << rc(::chmod(s.q("c").c_str(), 0600)) << " " << statPath(s.q("c")));
		o.push_back(Line() << "chmod 07777: " << rc(::chmod(s.q("c").c_str(), 07777)) << " " << statPath(s.q("c")));
		o.push_back(Line() << "chmod S_IFDIR|0644 (type bits ignored): " << rc(::chmod(s.q("c").c_str(), S_IFDIR | 0644)) <<
			    " " << statPath(s.q("c")));
		o.push_back(Line() << "chmod 06755: " << rc(::chmod(s.q("c").c_str(), 06755)));
		o.push_back(Line() << "chown 1000:2000 (suid/sgid kill): " << rc(::chown(s.q("c").c_str(), 1000, 2000)) << " " <<
			    statPath(s.q("c")));
		o.push_back(Line() << "chown -1:3000: " << rc(::chown(s.q("c").c_str(), static_cast<uid_t>(-1), 3000)) << " " <<
			    statPath(s.q("c")));
		o.push_back(Line() << "lchown 0:0: " << rc(::lchown(s.q("c").c_str(), 0, 0)) << " " << statPath(s.q("c")));
		int fd = openq(s.q("c"), O_RDONLY);
		o.push_back(Line() << "fchmod 0604: " << rc(::fchmod(fd, 0604)) << " " << fstatFd(fd));
		o.push_back(Line() << "fchown 7:8: " << rc(::fchown(fd, 7, 8)) << " " << fstatFd(fd));
		struct timespec ts[2] = { { 100, 5 }, { 200, 7 } };
		o.push_back(Line() << "utimensat {100,5} {200,7}: " << rc(::utimensat(AT_FDCWD, s.q("c").c_str(), ts, 0)));
		struct stat st = statOf(s.q("c"));
		o.push_back(Line() << "  atime " << std::to_string(st.st_atim.tv_sec) << "." << std::to_string(st.st_atim.tv_nsec) <<
			    " mtime " << std::to_string(st.st_mtim.tv_sec) << "." << std::to_string(st.st_mtim.tv_nsec) <<
			    " ctime-nsec " << std::to_string(st.st_ctim.tv_nsec));
		struct timespec ts2[2] = { { 0, UTIME_OMIT }, { 300, 999999999 } };
		o.push_back(Line() << "futimens {OMIT} {300,999999999}: " << rc(::futimens(fd, ts2)));
		st = statOf(s.q("c"));
		o.push_back(Line() << "  atime " << std::to_string(st.st_atim.tv_sec) << "." << std::to_string(st.st_atim.tv_nsec) <<
			    " mtime " << std::to_string(st.st_mtim.tv_sec) << "." << std::to_string(st.st_mtim.tv_nsec));
		struct timespec ts3[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
		o.push_back(Line() << "utimensat NOW: " << rc(::utimensat(AT_FDCWD, s.q("c").c_str(), ts3, 0)));
		st = statOf(s.q("c"));
		o.push_back(Line() << std::string("  nsec all zero: ") <<
			    (st.st_atim.tv_nsec == 0 && st.st_mtim.tv_nsec == 0 && st.st_ctim.tv_nsec == 0 ? "yes" : "no") <<
			    " a==m: " << (rel(st.st_atim, st.st_mtim) == "=" ? "yes" : "no") <<
			    " m==c: " << (rel(st.st_mtim, st.st_ctim) == "=" ? "yes" : "no"));
		o.push_back(Line() << "utimes(NULL): " << rc(::utimes(s.q("c").c_str(), nullptr)));
		struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
		o.push_back(Line() << "utimensat tv_nsec 1e9: " << rc(::utimensat(AT_FDCWD, s.q("c").c_str(), bad, 0)));
		struct timespec neg[2] = { { -5, 0 }, { 1LL << 40, 0 } };
		o.push_back(Line() << "utimensat {-5} {2^40}: " << rc(::utimensat(AT_FDCWD, s.q("c").c_str(), neg, 0)));
		st = statOf(s.q("c"));
		o.push_back(Line() << "  atime " << std::to_string(st.st_atim.tv_sec) << " mtime " << std::to_string(st.st_mtim.tv_sec));
		::close(fd);
		o.push_back(Line() << "text unchanged: " << readSmall(s.q("c")));

		/* The root directory takes chmod/chown too. */
		o.push_back(Line() << "chmod root 0755: " << rc(::chmod(s.root.c_str(), 0755)) << " " << statPath(s.root));
		o.push_back(Line() << "chown root 5:6: " << rc(::chown(s.root.c_str(), 5, 6)) << " " << statPath(s.root));
		o.push_back(Line() << "chmod root 01777: " << rc(::chmod(s.root.c_str(), 01777)) << " " << statPath(s.root));
		o.push_back(Line() << "chown root 0:0: " << rc(::chown(s.root.c_str(), 0, 0)) << " " << statPath(s.root));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "timestamps: status read, EOF read, setattr, truncate, create/unlink on the directory",
		 "[parity][timestamps]")
{
	/* Relations, not absolute times: each line says how a timestamp moved
	 * across a whole-second boundary. Both sides run at once to share the
	 * sleeps. */
	requireParityConcurrent("timestamps", [](const Side &s) {
		Obs o;
		smallQueues(s, o);
		const char *names[] = { "r1", "r2", "r3", "r4", "r5", "c1", "c2", "t1", "t2", "t3", "t4",
					"u1", "u2", "u3", "x1" };
		for (const char *n : names)
			o.push_back(Line() << std::string("create ") << n << ": " << createQueue(s.q(n), 0666));
		struct stat d0 = statOf(s.root);
		struct stat st0[20];
		for (size_t i = 0; i < std::size(names); i++)
			st0[i] = statOf(s.q(names[i]));
		auto idx = [&](const char *n) {
			for (size_t i = 0; i < std::size(names); i++)
				if (!std::strcmp(names[i], n))
					return i;
			return size_t(0);
		};
		auto relOf = [&](const char *n) { return std::string(n) + ": " + timeRel(st0[idx(n)], statOf(s.q(n))); };
		o.push_back(Line() << std::string("whole seconds at creation: ") <<
			    (st0[0].st_atim.tv_nsec == 0 && st0[0].st_mtim.tv_nsec == 0 && st0[0].st_ctim.tv_nsec == 0 &&
					     d0.st_atim.tv_nsec == 0 && d0.st_mtim.tv_nsec == 0 && d0.st_ctim.tv_nsec == 0
				     ? "yes"
				     : "no"));
		o.push_back(Line() << "dir mtime == queue ctime at creation: " << rel(st0[idx("x1")].st_ctim, d0.st_mtim));

		waitNextSecond();

		/* status read returning > 0 bytes: atime + ctime */
		int fd = openq(s.q("r1"), O_RDONLY);
		o.push_back(Line() << "r1 read(100): " << readFd(fd, 100));
		::close(fd);
		o.push_back(Line() << "after a status read " << relOf("r1"));
		/* read at EOF: nothing */
		fd = openq(s.q("r2"), O_RDONLY);
		::lseek(fd, 60, SEEK_SET);
		o.push_back(Line() << "r2 read at 60: " << readFd(fd, 100));
		o.push_back(Line() << "r2 pread at 100: " << preadFd(fd, 10, 100));
		::close(fd);
		o.push_back(Line() << "after EOF reads " << relOf("r2"));
		/* a zero-length read */
		fd = openq(s.q("r3"), O_RDONLY);
		o.push_back(Line() << "r3 read(0): " << readFd(fd, 0));
		::close(fd);
		o.push_back(Line() << "after read(0) " << relOf("r3"));
		/* open, close, fstat, lseek, FIONREAD, flock, poll-less ops, failed write */
		fd = openq(s.q("r4"), O_RDWR);
		struct stat tmp;
		::fstat(fd, &tmp);
		::lseek(fd, 0, SEEK_END);
		int avail;
		::ioctl(fd, FIONREAD, &avail);
		::flock(fd, LOCK_EX);
		::flock(fd, LOCK_UN);
		o.push_back(Line() << "r4 write: " << rc(::write(fd, "x", 1)));
		o.push_back(Line() << "r4 fsync: " << rc(::fsync(fd)));
		::close(fd);
		o.push_back(Line() << "after open/fstat/lseek/FIONREAD/flock/failed write/close " << relOf("r4"));
		/* partial read then EOF: one update */
		fd = openq(s.q("r5"), O_RDONLY);
		o.push_back(Line() << "r5 read(7): " << readFd(fd, 7));
		::close(fd);
		o.push_back(Line() << "after a 7-byte read " << relOf("r5"));
		/* chmod / chown: ctime only */
		o.push_back(Line() << "chmod c1: " << rc(::chmod(s.q("c1").c_str(), 0600)));
		o.push_back(Line() << "after chmod " << relOf("c1"));
		o.push_back(Line() << "chown c2: " << rc(::chown(s.q("c2").c_str(), 1, 1)));
		o.push_back(Line() << "after chown " << relOf("c2"));
		/* truncate family */
		o.push_back(Line() << "truncate t1 0: " << rc(::truncate(s.q("t1").c_str(), 0)));
		o.push_back(Line() << "after truncate(2) " << relOf("t1"));
		fd = openq(s.q("t2"), O_RDWR);
		o.push_back(Line() << "ftruncate t2 5: " << rc(::ftruncate(fd, 5)));
		::close(fd);
		o.push_back(Line() << "after ftruncate(2) " << relOf("t2"));
		o.push_back(Line() << "open t3 O_TRUNC: " << tryOpen(s.q("t3"), O_WRONLY | O_TRUNC));
		o.push_back(Line() << "after open(O_TRUNC) " << relOf("t3"));
		o.push_back(Line() << "truncate t4 80 (same size): " << rc(::truncate(s.q("t4").c_str(), 80)));
		o.push_back(Line() << "after truncate to the same size " << relOf("t4"));
		/* utimes */
		struct timespec now2[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
		o.push_back(Line() << "utimensat u1 {NOW, OMIT}: " << rc(::utimensat(AT_FDCWD, s.q("u1").c_str(), now2, 0)));
		o.push_back(Line() << "after utimensat(NOW, OMIT) " << relOf("u1"));
		struct timespec omit2[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
		o.push_back(Line() << "utimensat u2 {OMIT, OMIT}: " << rc(::utimensat(AT_FDCWD, s.q("u2").c_str(), omit2, 0)));
		o.push_back(Line() << "after utimensat(OMIT, OMIT) " << relOf("u2"));
		o.push_back(Line() << "utimes u3 NULL: " << rc(::utimes(s.q("u3").c_str(), nullptr)));
		o.push_back(Line() << "after utimes(NULL) " << relOf("u3"));
		/* directory: create */
		struct stat d1a = statOf(s.root);
		o.push_back(Line() << "dir after one second, nothing done: " << timeRel(d0, d1a));
		o.push_back(Line() << "create b: " << createQueue(s.q("b"), 0644));
		struct stat d1 = statOf(s.root);
		o.push_back(Line() << "dir after create: " << timeRel(d0, d1) << " size " << std::to_string(d0.st_size) << " -> " <<
			    std::to_string(d1.st_size));
		struct stat bst = statOf(s.q("b"));
		o.push_back(Line() << "new queue ctime == dir mtime: " << rel(bst.st_ctim, d1.st_mtim));
		o.push_back(Line() << "whole seconds after updates: " <<
			    std::string(statOf(s.q("r1")).st_atim.tv_nsec == 0 && statOf(s.q("t2")).st_mtim.tv_nsec == 0 &&
						d1.st_mtim.tv_nsec == 0
					? "yes"
					: "no"));

		waitNextSecond();

		/* directory: unlink; failed create; chmod of a queue */
		o.push_back(Line() << "failed create (EEXIST): " << tryOpen(s.q("b"), O_CREAT | O_EXCL | O_RDWR));
		o.push_back(Line() << "failed unlink (ENOENT): " << rc(::unlink(s.q("nosuch").c_str())));
		struct stat d2a = statOf(s.root);
		o.push_back(Line() << "dir after failed create/unlink: " << timeRel(d1, d2a));
		o.push_back(Line() << "unlink b: " << rc(::unlink(s.q("b").c_str())));
		struct stat d2 = statOf(s.root);
		o.push_back(Line() << "dir after unlink: " << timeRel(d1, d2) << " size " << std::to_string(d1.st_size) << " -> " <<
			    std::to_string(d2.st_size));
		o.push_back(Line() << "r2 status text unchanged by all this: " << readSmall(s.q("r2")));

		waitNextSecond();

		/* directory: readdir (atime) and chmod (ctime) */
		struct stat d3a = statOf(s.root);
		o.push_back(Line() << "listing: " << listDir(s.root, false));
		struct stat d3 = statOf(s.root);
		o.push_back(Line() << "dir after readdir: " << timeRel(d3a, d3));
		o.push_back(Line() << "chmod root 01777: " << rc(::chmod(s.root.c_str(), 01777)));
		struct stat d4 = statOf(s.root);
		o.push_back(Line() << "dir after chmod: " << timeRel(d3, d4));
		return o;
	});
}

/* ===================================================================== */
/* Section 7: the directory                                              */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "directory: stat, size 40 + 20 per linked queue, nlink", "[parity][dir]")
{
	requireParity("directory stat", [](const Side &s) {
		Obs o;
		smallQueues(s, o);
		o.push_back(Line() << "root: " << statPath(s.root));
		o.push_back(Line() << "create a: " << createQueue(s.q("a")));
		o.push_back(Line() << "root: " << statPath(s.root));
		o.push_back(Line() << "create b: " << createQueue(s.q("b")));
		o.push_back(Line() << "root: " << statPath(s.root));
		int fd = openq(s.q("a"), O_RDONLY);
		o.push_back(Line() << "unlink a while open: " << rc(::unlink(s.q("a").c_str())));
		o.push_back(Line() << "root (unlinked-but-open not counted): " << statPath(s.root));
		::close(fd);
		o.push_back(Line() << "root after close: " << statPath(s.root));
		o.push_back(Line() << "unlink b: " << rc(::unlink(s.q("b").c_str())));
		o.push_back(Line() << "root: " << statPath(s.root));
		for (int i = 0; i < 10; i++)
			::close(::open(s.q("n" + std::to_string(i)).c_str(), O_CREAT | O_RDONLY | O_CLOEXEC, 0644));
		o.push_back(Line() << "root with 10 queues: " << statPath(s.root));
		o.push_back(Line() << "stat root/.: " << statPath(s.root + "/."));
		o.push_back(Line() << "stat root/: " << statPath(s.root + "/"));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "directory: namespace operations (mkdir, rmdir, rename, link, symlink, mknod, open)",
		 "[parity][dir][ops]")
{
	requireParity("directory operations", [](const Side &s) {
		Obs o;
		::umask(022);
		o.push_back(Line() << "create q: " << createQueue(s.q("q")));
		o.push_back(Line() << "create r: " << createQueue(s.q("r")));
		::chmod(s.q("q").c_str(), 0777);
		o.push_back(Line() << "mkdir: " << rc(::mkdir(s.q("d").c_str(), 0755)));
		o.push_back(Line() << "mkdir existing name: " << rc(::mkdir(s.q("q").c_str(), 0755)));
		o.push_back(Line() << "rmdir a queue: " << rc(::rmdir(s.q("q").c_str())));
		o.push_back(Line() << "rmdir missing: " << rc(::rmdir(s.q("nosuch").c_str())));
		o.push_back(Line() << "rename q -> n: " << rc(::rename(s.q("q").c_str(), s.q("n").c_str())));
		o.push_back(Line() << "rename q -> q: " << rc(::rename(s.q("q").c_str(), s.q("q").c_str())));
		o.push_back(Line() << "rename q -> r (existing): " << rc(::rename(s.q("q").c_str(), s.q("r").c_str())));
		o.push_back(Line() << "rename missing -> n: " << rc(::rename(s.q("nosuch").c_str(), s.q("n").c_str())));
		o.push_back(Line() << "renameat2 q <-> r EXCHANGE: " <<
			    rc(::renameat2(AT_FDCWD, s.q("q").c_str(), AT_FDCWD, s.q("r").c_str(), RENAME_EXCHANGE)));
		o.push_back(Line() << "renameat2 q -> n NOREPLACE: " <<
			    rc(::renameat2(AT_FDCWD, s.q("q").c_str(), AT_FDCWD, s.q("n").c_str(), RENAME_NOREPLACE)));
		o.push_back(Line() << "link q -> l: " << rc(::link(s.q("q").c_str(), s.q("l").c_str())));
		o.push_back(Line() << "symlink q <- sl: " << rc(::symlink("q", s.q("sl").c_str())));
		o.push_back(Line() << "mkfifo: " << rc(::mkfifo(s.q("p").c_str(), 0644)));
		o.push_back(Line() << "mknod S_IFCHR: " << rc(::mknod(s.q("c").c_str(), S_IFCHR | 0644, makedev(1, 3))));
		o.push_back(Line() << "mknod S_IFBLK: " << rc(::mknod(s.q("bk").c_str(), S_IFBLK | 0644, makedev(7, 0))));
		o.push_back(Line() << "mknod S_IFSOCK: " << rc(::mknod(s.q("s").c_str(), S_IFSOCK | 0644, 0)));
		o.push_back(Line() << "mknod S_IFIFO: " << rc(::mknod(s.q("f").c_str(), S_IFIFO | 0644, 0)));
		o.push_back(Line() << "open root O_RDONLY: " << tryOpen(s.root, O_RDONLY));
		o.push_back(Line() << "open root O_RDWR: " << tryOpen(s.root, O_RDWR));
		o.push_back(Line() << "open root O_WRONLY: " << tryOpen(s.root, O_WRONLY));
		o.push_back(Line() << "open root O_DIRECTORY: " << tryOpen(s.root, O_DIRECTORY | O_RDONLY));
		o.push_back(Line() << "open q/x: " << tryOpen(s.q("q") + "/x", O_RDONLY));
		o.push_back(Line() << "open q/x O_CREAT: " << tryOpen(s.q("q") + "/x", O_RDWR | O_CREAT));
		o.push_back(Line() << "stat q/x: " << statPath(s.q("q") + "/x"));
		o.push_back(Line() << "open q/: " << tryOpen(s.q("q") + "/", O_RDONLY));
		o.push_back(Line() << "open q O_DIRECTORY: " << tryOpen(s.q("q"), O_DIRECTORY | O_RDONLY));
		o.push_back(Line() << "opendir q: " << listDir(s.q("q")));
		o.push_back(Line() << "chdir q: " << rc(::chdir(s.q("q").c_str())));
		o.push_back(Line() << "access q X_OK: " << rc(::faccessat(AT_FDCWD, s.q("q").c_str(), X_OK, AT_EACCESS)));
		o.push_back(Line() << "access q R_OK|W_OK: " << rc(::faccessat(AT_FDCWD, s.q("q").c_str(), R_OK | W_OK, AT_EACCESS)));
		o.push_back(Line() << "access root W_OK|X_OK: " << rc(::faccessat(AT_FDCWD, s.root.c_str(), W_OK | X_OK, AT_EACCESS)));
		{
			pid_t pid = ::fork();
			if (pid == 0) {
				char *const argv[] = { const_cast<char *>("q"), nullptr };
				char *const envp[] = { nullptr };
				::execve(s.q("q").c_str(), argv, envp);
				::_exit(errno);
			}
			int st = 0;
			::waitpid(pid, &st, 0);
			o.push_back(Line() << "execve of a 0777 queue: " <<
				    (WIFEXITED(st) ? errName(WEXITSTATUS(st)) : "signal " + std::to_string(WTERMSIG(st))));
		}
		o.push_back(Line() << "unlink missing: " << rc(::unlink(s.q("nosuch").c_str())));
		o.push_back(Line() << "unlink root/.: " << rc(::unlink((s.root + "/.").c_str())));
		o.push_back(Line() << "rmdir root/.: " << rc(::rmdir((s.root + "/.").c_str())));
		o.push_back(Line() << "listing after all: " << listDir(s.root));
		o.push_back(Line() << "root: " << statPath(s.root));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "directory: readdir order (., .., newest first) and d_type", "[parity][dir][readdir]")
{
	requireParity("readdir", [](const Side &s) {
		Obs o;
		smallQueues(s, o);
		o.push_back(Line() << "empty: " << listDir(s.root));
		for (const char *n : { "a", "b", "c", "d" })
			createQueue(s.q(n));
		o.push_back(Line() << "a b c d created: " << listDir(s.root));
		::unlink(s.q("b").c_str());
		o.push_back(Line() << "b unlinked: " << listDir(s.root));
		createQueue(s.q("b"));
		o.push_back(Line() << "b re-created: " << listDir(s.root));
		::unlink(s.q("a").c_str());
		::unlink(s.q("d").c_str());
		o.push_back(Line() << "a d unlinked: " << listDir(s.root));
		for (int i = 0; i < 60; i++)
			createQueue(s.q("long-name-to-fill-the-readdir-buffer-" + std::to_string(i)));
		o.push_back(Line() << "62 queues: " << listDir(s.root, false));
		/* readdir interleaved with changes: telldir/seekdir */
		DIR *d = ::opendir(s.root.c_str());
		std::string first;
		for (int i = 0; i < 5; i++)
			if (struct dirent *e = ::readdir(d))
				first += std::string(e->d_name) + " ";
		long pos = ::telldir(d);
		std::string next;
		if (struct dirent *e = ::readdir(d))
			next = e->d_name;
		::seekdir(d, pos);
		std::string again;
		if (struct dirent *e = ::readdir(d))
			again = e->d_name;
		::closedir(d);
		/* d_ino must be the inode number stat() reports (normalised to a relation). */
		{
			DIR *dd = ::opendir(s.root.c_str());
			const ino_t rootIno = statOf(s.root).st_ino;
			std::string rels;
			int mismatches = 0;
			while (struct dirent *e = ::readdir(dd)) {
				const std::string n = e->d_name;
				if (n == "." || n == "..") {
					rels += n + (e->d_ino == rootIno ? "=root " : "!=root ");
					continue;
				}
				if (e->d_ino != statOf(s.q(n)).st_ino)
					mismatches++;
			}
			::closedir(dd);
			o.push_back(Line() << "d_ino vs st_ino: " << rels << "queues with d_ino != st_ino: "
					   << std::to_string(mismatches));
		}
		o.push_back(Line() << "first five: " << first << "| next " << next << " | after seekdir " << again);
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "directory: unlink of an open queue, then re-create the name", "[parity][dir][unlink]")
{
	requireParity("unlink while open", [](const Side &s) {
		Obs o;
		::umask(022);
		int fd = openq(s.q("q"), O_CREAT | O_RDWR, 0644);
		o.push_back(Line() << "create: " << fdrc(fd));
		struct stat before;
		::fstat(fd, &before);
		o.push_back(Line() << "unlink: " << rc(::unlink(s.q("q").c_str())));
		o.push_back(Line() << "stat name: " << statPath(s.q("q")));
		o.push_back(Line() << "old fd fstat: " << fstatFd(fd));
		o.push_back(Line() << "old fd read: " << preadFd(fd, 100, 0));
		o.push_back(Line() << "listing: " << listDir(s.root));
		int fd2 = openq(s.q("q"), O_CREAT | O_EXCL | O_RDWR, 0600);
		o.push_back(Line() << "re-create O_EXCL: " << fdrc(fd2));
		struct stat nst, ost;
		::fstat(fd2, &nst);
		::fstat(fd, &ost);
		o.push_back(Line() << "new: " << statDesc(nst));
		o.push_back(Line() << "old still: " << statDesc(ost));
		o.push_back(Line() << std::string("separate inodes: ") << (nst.st_ino != ost.st_ino ? "yes" : "no"));
		o.push_back(Line() << std::string("old fd same inode as before: ") << (ost.st_ino == before.st_ino ? "yes" : "no"));
		o.push_back(Line() << "ftruncate old fd 3: " << rc(::ftruncate(fd, 3)) << " old " << fstatFd(fd) << " new " <<
			    fstatFd(fd2));
		o.push_back(Line() << "fchmod old fd 0640: " << rc(::fchmod(fd, 0640)) << " new name " << statPath(s.q("q")));
		o.push_back(Line() << "root: " << statPath(s.root));
		::close(fd);
		o.push_back(Line() << "root after closing the old fd: " << statPath(s.root));
		o.push_back(Line() << "unlink new: " << rc(::unlink(s.q("q").c_str())));
		o.push_back(Line() << "unlink again: " << rc(::unlink(s.q("q").c_str())));
		o.push_back(Line() << "new fd fstat: " << fstatFd(fd2));
		::close(fd2);
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "names: 255 bytes, 256 ENAMETOOLONG, odd bytes", "[parity][dir][names]")
{
	requireParity("names", [](const Side &s) {
		Obs o;
		smallQueues(s, o);
		const std::string n255(255, 'x'), n256(256, 'y');
		o.push_back(Line() << "create 255: " << createQueue(s.q(n255)));
		o.push_back(Line() << "stat 255: " << statPath(s.q(n255)));
		o.push_back(Line() << "create 256: " << createQueue(s.q(n256)));
		o.push_back(Line() << "open 256: " << tryOpen(s.q(n256), O_RDONLY));
		o.push_back(Line() << "stat 256: " << statPath(s.q(n256)));
		o.push_back(Line() << "unlink 256: " << rc(::unlink(s.q(n256).c_str())));
		o.push_back(Line() << "mknod 256: " << rc(::mknod(s.q(n256).c_str(), S_IFREG | 0644, 0)));
		o.push_back(Line() << "mkdir 256: " << rc(::mkdir(s.q(n256).c_str(), 0755)));
		o.push_back(Line() << "create 4096-byte name: " << createQueue(s.q(std::string(4096, 'z'))));
		o.push_back(Line() << "unlink 255: " << rc(::unlink(s.q(n255).c_str())));
		std::string high;
		for (int c = 0x80; c <= 0xff; c++)
			high += static_cast<char>(c);
		std::string ctl;
		for (int c = 1; c < 0x20; c++)
			ctl += static_cast<char>(c);
		ctl += '\x7f';
		std::string punct;
		for (int c = 0x20; c < 0x7f; c++)
			if (c != '/')
				punct += static_cast<char>(c);
		const std::vector<std::string> odd = { "a b", " lead", "trail ", "new\nline", "\ttab", "...", "-dash",
						       ".hidden", "..x", high, ctl, punct, "\xc3\xa9t\xc3\xa9" };
		for (const auto &n : odd)
			o.push_back(Line() << "create " << esc(n) << ": " << createQueue(s.q(n)) << " stat " << statPath(s.q(n)));
		o.push_back(Line() << "listing: " << listDir(s.root));
		for (const auto &n : odd)
			o.push_back(Line() << "unlink " << esc(n) << ": " << rc(::unlink(s.q(n).c_str())));
		o.push_back(Line() << "create '.': " << createQueue(s.root + "/."));
		o.push_back(Line() << "create '..': " << createQueue(s.root + "/.."));
		o.push_back(Line() << "listing: " << listDir(s.root));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "statfs of the queue filesystem", "[parity][dir][statfs]")
{
	requireParity("statfs", [](const Side &s) {
		Obs o;
		createQueue(s.q("a"));
		for (const std::string &p : { s.root, s.q("a") }) {
			struct statfs sf;
			int r = ::statfs(p.c_str(), &sf);
			char buf[256];
			std::snprintf(buf, sizeof(buf),
				      "bsize=%ld frsize=%ld namelen=%ld blocks=%llu bfree=%llu bavail=%llu files=%llu "
				      "ffree=%llu",
				      static_cast<long>(sf.f_bsize), static_cast<long>(sf.f_frsize),
				      static_cast<long>(sf.f_namelen), static_cast<unsigned long long>(sf.f_blocks),
				      static_cast<unsigned long long>(sf.f_bfree),
				      static_cast<unsigned long long>(sf.f_bavail),
				      static_cast<unsigned long long>(sf.f_files),
				      static_cast<unsigned long long>(sf.f_ffree));
			o.push_back(Line() << "statfs " << std::string(p == s.root ? "root" : "queue") << ": " << rc(r) << " " << buf);
			/* Mount flags chosen by the mounter (nosuid/nodev/noexec) are
			 * normalised away; ST_VALID and the rest must agree. */
			o.push_back(Line() << "f_flags without nosuid/nodev/noexec: 0x" <<
				    [&] {
					    char h[32];
					    std::snprintf(h, sizeof(h), "%lx",
							  static_cast<unsigned long>(sf.f_flags) &
								  ~static_cast<unsigned long>(ST_NOSUID | ST_NODEV | ST_NOEXEC));
					    return std::string(h);
				    }());
			struct statvfs sv;
			r = ::statvfs(p.c_str(), &sv);
			o.push_back(Line() << "statvfs: " << rc(r) << " bsize=" << std::to_string(sv.f_bsize) <<
				    " frsize=" << std::to_string(sv.f_frsize) << " namemax=" << std::to_string(sv.f_namemax) <<
				    " blocks=" << std::to_string(sv.f_blocks) << " files=" << std::to_string(sv.f_files) <<
				    " rdonly=" << std::to_string((sv.f_flag & ST_RDONLY) ? 1 : 0));
		}
		return o;
	});

	/* f_type necessarily differs: MQUEUE_MAGIC vs FUSE_SUPER_MAGIC. */
	struct statfs k, m;
	REQUIRE(::statfs(kernelSide().root.c_str(), &k) == 0);
	REQUIRE(::statfs(mqfsSide().root.c_str(), &m) == 0);
	CHECK(static_cast<long>(k.f_type) == kMqueueMagic);
	CHECK(static_cast<long>(m.f_type) == kFuseSuperMagic);
	/* mqfs mounts with nosuid,nodev,noexec (as systemd mounts /dev/mqueue);
	 * our kernel mount uses no flags. */
	CHECK((m.f_flags & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) == (ST_NOSUID | ST_NODEV | ST_NOEXEC));
	CHECK((k.f_flags & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) == 0);
}

/* ===================================================================== */
/* Section 2.5: queues_max, and the defaults seen through RLIMIT_MSGQUEUE */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "queues_max: ENOSPC at the limit, unlinked-but-open counts, 0 and -1, lowering",
		 "[parity][limits][queues_max]")
{
	requireParity("queues_max", [](const Side &s) {
		Obs o;
		smallQueues(s, o);
		::umask(022);
		o.push_back(Line() << "queues_max=3: " << writeOnce(s.s("queues_max"), "3"));
		for (const char *n : { "q1", "q2", "q3" })
			o.push_back(Line() << std::string("create ") << n << ": " << createQueue(s.q(n)));
		o.push_back(Line() << "create q4 open(O_CREAT): " << createQueue(s.q("q4")));
		o.push_back(Line() << "create q4 mknod: " << rc(::mknod(s.q("q4").c_str(), S_IFREG | 0644, 0)));
		o.push_back(Line() << "create q4 creat: " << fdrc(::creat(s.q("q4").c_str(), 0644)));
		o.push_back(Line() << "open existing q1 at the limit: " << tryOpen(s.q("q1"), O_RDWR));
		o.push_back(Line() << "open existing q1 O_CREAT at the limit: " << tryOpen(s.q("q1"), O_RDWR | O_CREAT));
		o.push_back(Line() << "open existing q1 O_CREAT|O_EXCL at the limit: " <<
			    tryOpen(s.q("q1"), O_RDWR | O_CREAT | O_EXCL));
		int fd = openq(s.q("q1"), O_RDONLY);
		o.push_back(Line() << "unlink q1 while open: " << rc(::unlink(s.q("q1").c_str())));
		o.push_back(Line() << "create q5 (unlinked q1 still counts): " << createQueue(s.q("q5")));
		::close(fd);
		o.push_back(Line() << "create q5 after the close: " << createQueue(s.q("q5")));
		o.push_back(Line() << "queues_max=0: " << writeOnce(s.s("queues_max"), "0"));
		o.push_back(Line() << "create q6 with 0: " << createQueue(s.q("q6")));
		o.push_back(Line() << "queues_max=-1: " << writeOnce(s.s("queues_max"), "-1") << " reads " << sysRead(s, "queues_max"));
		for (int i = 0; i < 6; i++)
			o.push_back(Line() << "create u" << std::to_string(i) << " with -1: " << createQueue(s.q("u" + std::to_string(i))));
		o.push_back(Line() << "queues_max=2 (below the 9 existing): " << writeOnce(s.s("queues_max"), "2"));
		o.push_back(Line() << "existing still open: " << tryOpen(s.q("u0"), O_RDWR) << " stat " << statPath(s.q("u5")));
		o.push_back(Line() << "create with 9 >= 2: " << createQueue(s.q("v")));
		o.push_back(Line() << "unlink u0: " << rc(::unlink(s.q("u0").c_str())));
		o.push_back(Line() << "create with 8 >= 2: " << createQueue(s.q("v")));
		o.push_back(Line() << "listing: " << listDir(s.root, false));
		o.push_back(Line() << "queues_max=9: " << writeOnce(s.s("queues_max"), "9"));
		o.push_back(Line() << "create with 8 < 9: " << createQueue(s.q("v")));
		o.push_back(Line() << "create with 9 >= 9: " << createQueue(s.q("w")));
		o.push_back(Line() << "queues_max=-2 (unsigned: huge): " << writeOnce(s.s("queues_max"), "-2"));
		o.push_back(Line() << "create with -2: " << createQueue(s.q("w")));
		o.push_back(Line() << "queues_max=-2147483648: " << writeOnce(s.s("queues_max"), "-2147483648"));
		o.push_back(Line() << "create with INT_MIN: " << createQueue(s.q("x")));
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "sysctl defaults apply to later creations (seen through RLIMIT_MSGQUEUE EMFILE)",
		 "[parity][limits][defaults]")
{
	/* An unprivileged uid of its own, so no other process's queues count. */
	const uid_t uid = 54321;
	requireParity("defaults via rlimit", [uid](const Side &s) {
		Obs o;
		auto phase = [&](const char *what, const char *mm, const char *md, const char *sm, const char *sd,
				 unsigned long limit, int attempts) {
			o.push_back(Line() << std::string("== ") << what);
			o.push_back(Line() << std::string("msg_max=") << mm << " " << writeOnce(s.s("msg_max"), mm));
			o.push_back(Line() << std::string("msg_default=") << md << " " << writeOnce(s.s("msg_default"), md));
			o.push_back(Line() << std::string("msgsize_max=") << sm << " " << writeOnce(s.s("msgsize_max"), sm));
			o.push_back(Line() << std::string("msgsize_default=") << sd << " " << writeOnce(s.s("msgsize_default"), sd));
			Obs child = runAs(
				uid,
				[&s, attempts] {
					Obs c;
					::umask(022);
					for (int i = 0; i < attempts; i++)
						c.push_back(Line() << "create r" << std::to_string(i) << ": " <<
							    createQueue(s.q("r" + std::to_string(i))));
					return c;
				},
				limit);
			o.insert(o.end(), child.begin(), child.end());
			for (int i = 0; i < attempts; i++)
				::unlink(s.q("r" + std::to_string(i)).c_str());
		};
		/* 1 x 128 costs 48 + 48 + 128 = 224 bytes: a limit of 672 holds three. */
		phase("min(max, default): 1x128 each", "10", "1", "8192", "128", 672, 4);
		phase("defaults above the maxima: min gives 1x128", "1", "10", "128", "8192", 672, 4);
		/* 2 x 128 costs 2*48 + 2*48 + 256 = 448: one fits in 672. */
		phase("2x128", "10", "2", "8192", "128", 672, 2);
		/* exact edge: 3 x 224 = 672 works with 672, not with 671 */
		phase("edge 671", "10", "1", "8192", "128", 671, 3);
		/* default 10 x 8192 = 82880 each: 819200 holds nine */
		phase("kernel defaults, 819200", "10", "10", "8192", "8192", 819200, 10);

		/* An unlinked but open queue keeps its charge. */
		o.push_back("== unlinked but open keeps the charge");
		writeOnce(s.s("msg_default"), "1");
		writeOnce(s.s("msgsize_default"), "128");
		Obs child = runAs(
			uid,
			[&s] {
				Obs c;
				c.push_back(Line() << "create a: " << createQueue(s.q("a")));
				int fd = openq(s.q("b"), O_CREAT | O_RDONLY, 0644);
				c.push_back(Line() << "create b: " << fdrc(fd));
				c.push_back(Line() << "unlink b: " << rc(::unlink(s.q("b").c_str())));
				c.push_back(Line() << "create c (b still charged): " << createQueue(s.q("c")));
				::close(fd);
				c.push_back(Line() << "create c after close: " << createQueue(s.q("c")));
				c.push_back(Line() << "stat c: " << statPath(s.q("c")));
				return c;
			},
			448);
		o.insert(o.end(), child.begin(), child.end());
		return o;
	});
}

/* ===================================================================== */
/* Section 9: the sysctl files                                           */
/* ===================================================================== */

namespace {

std::vector<std::string> singleWriteRows()
{
	std::vector<std::string> r = {
		"20", "20\n", " 20", "\t20\n", "20 30", "20,30", "20abc", "abc", "", "\n", " ", "-1", "0", "1", "+5",
		"0x10", "0X1a", "0x", "0xg", "010", "08", "0020", "2147483647", "2147483648", "4294967295",
		"99999999999999999999", "18446744073709551615", "18446744073709551616", "-2147483648", "-2147483649",
		"1e3", B("20\0", 3), B("\0", 1), B("\0" "20", 3), "-", "--5", "- 5", "-0", "-0x10", "200", "   20",
		"\n\n20\n\n", "\r20", "\v20", "\f20", "20\r", "20\r\n", "20\v", "20\f", "20 \t\n x", "20\n30",
		"20\t30", "20\n\n\n", "20 abc", B("20 \0", 4), "\x80" "20", "0x7fffffff", "0x80000000",
		"017777777777", "-017777777777", "00000000000000000020", "000000000000000000020",
		"0000000000000000000020", "-00000000000000000020", "-0000000000000000020", "65536", "65537", "127",
		"128", "16777216", "16777217", "-2", "65536\n", "16777216\n",
		/* extra single-write cases of the note */
		"\xa0" "20", "\x85" "20", "20\xa0", "20 \xa0", "20 \r", "20 \r\v\f\xa0x", " \n\t\r\v\f 20", "-\n5",
		"0x1g", "0x 5", "0b101", "0o7", "00x10", "5 ", "5\t\t", "0xFFFFFFFFFFFFFFFF", "0x10000000000000000",
		"000000000000000000001", "00000000000000000001 x", "123456789012345678901", "-0x80000000",
		"-0x80000001", "-020", "0x7FFFFFFF",
	};
	r.push_back(rep('1', 5000));
	r.push_back(rep('0', 4998) + "20");
	r.push_back(rep(' ', 100) + "20");
	r.push_back(rep(' ', 4092) + "20");
	r.push_back(rep(' ', 4093) + "20");
	r.push_back(rep(' ', 4094) + "20");
	r.push_back(rep(' ', 4095) + "20");
	r.push_back(rep(' ', 5000) + "20");
	r.push_back(rep(' ', 4093) + "20abc");
	r.push_back(rep(' ', 4092) + "20abc");
	r.push_back("20" + rep(' ', 4998));
	r.push_back("20\n" + rep('x', 4997));
	r.push_back("20\n" + rep('x', 97));
	r.push_back("20" + rep(' ', 98));
	return r;
}

} /* namespace */

TEST_CASE_METHOD(Fresh, "sysctl: single writes at offset 0 (every measured row, every file)",
		 "[parity][sysctl][sysctl-write]")
{
	const auto rows = singleWriteRows();
	requireParity("sysctl single writes", [&rows](const Side &s) {
		Obs o;
		for (const char *file : kSysFiles) {
			for (const auto &row : rows) {
				std::string line = std::string(file) + " <- " + label(row) + ": ";
				std::string b = setBaseline(s, file);
				if (!b.empty()) {
					o.push_back(Line() << line << b);
					continue;
				}
				int fd = ::open(s.s(file).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
				if (fd < 0) {
					o.push_back(Line() << line << "open " << rc(-1));
					continue;
				}
				ssize_t n = ::write(fd, row.data(), row.size());
				line += "write " + rc(n);
				line += " pos " + rc(::lseek(fd, 0, SEEK_CUR));
				::close(fd);
				line += " -> " + sysRead(s, file);
				o.push_back(line);
			}
		}
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "sysctl: writes at offsets, several writes on one fd, O_APPEND, O_RDWR, truncate",
		 "[parity][sysctl][sysctl-write]")
{
	requireParity("sysctl multi-step writes", [](const Side &s) {
		Obs o;
		for (const char *file : kSysFiles) {
			const std::string path = s.s(file);
			const std::string f = file;
			auto fresh = [&](int flags) {
				setBaseline(s, file);
				return ::open(path.c_str(), flags | O_CLOEXEC);
			};
			auto pos = [](int fd) { return rc(::lseek(fd, 0, SEEK_CUR)); };
			int fd;

			fd = fresh(O_WRONLY | O_TRUNC);
			o.push_back(Line() << f << " pwrite(\"5\", 1): " << rc(::pwrite(fd, "5", 1, 1)) << " pos " << pos(fd) << " -> " <<
				    sysRead(s, file));
			o.push_back(Line() << f << " pwrite(\"5\", 3): " << rc(::pwrite(fd, "5", 1, 3)) << " -> " << sysRead(s, file));
			o.push_back(Line() << f << " pwrite(\"200\", 1): " << rc(::pwrite(fd, "200", 3, 1)) << " -> " << sysRead(s, file));
			o.push_back(Line() << f << " pwrite(\"200\", 0): " << rc(::pwrite(fd, "200", 3, 0)) << " pos " << pos(fd) <<
				    " -> " << sysRead(s, file));
			::close(fd);

			fd = fresh(O_WRONLY | O_TRUNC);
			o.push_back(Line() << f << " lseek(5): " << rc(::lseek(fd, 5, SEEK_SET)) << " write(\"200\"): " <<
				    rc(::write(fd, "200", 3)) << " pos " << pos(fd) << " -> " << sysRead(s, file));
			::close(fd);

			const std::pair<const char *, const char *> seqs[] = {
				{ "1", "2" }, { "1", "5\n" }, { "200", "300" }, { "200\n", "300\n" }, { "abc", "200" },
				{ "", "200" }, { "20 30", "40" }, { "300", "abc" },
			};
			for (const auto &[a, b] : seqs) {
				fd = fresh(O_WRONLY | O_TRUNC);
				std::string l = f + " write(" + esc(a) + ") ";
				l += rc(::write(fd, a, std::strlen(a)));
				l += " pos " + pos(fd);
				l += "; write(" + esc(b) + ") " + rc(::write(fd, b, std::strlen(b)));
				l += " pos " + pos(fd);
				::close(fd);
				o.push_back(Line() << l << " -> " << sysRead(s, file));
			}

			fd = fresh(O_WRONLY | O_APPEND);
			o.push_back(Line() << f << " O_APPEND write(\"200\"): " << rc(::write(fd, "200", 3)) << " pos " << pos(fd) <<
				    " -> " << sysRead(s, file));
			::close(fd);

			fd = fresh(O_RDWR);
			o.push_back(Line() << f << " O_RDWR read: " << readFd(fd, 100) << " then write(\"200\"): " <<
				    rc(::write(fd, "200", 3)) << " pos " << pos(fd) << " -> " << sysRead(s, file));
			::close(fd);

			fd = fresh(O_RDWR);
			o.push_back(Line() << f << " O_RDWR write(\"200\"): " << rc(::write(fd, "200", 3)) << " then read: " <<
				    readFd(fd, 100) << " -> " << sysRead(s, file));
			::close(fd);

			fd = fresh(O_WRONLY);
			o.push_back(Line() << f << " O_WRONLY (no O_TRUNC) write(\"200\"): " << rc(::write(fd, "200", 3)) << " -> " <<
				    sysRead(s, file));
			::close(fd);

			setBaseline(s, file);
			o.push_back(Line() << f << " truncate(0): " << rc(::truncate(path.c_str(), 0)) << " -> " << sysRead(s, file));
			o.push_back(Line() << f << " truncate(100): " << rc(::truncate(path.c_str(), 100)) << " -> " << sysRead(s, file));

			fd = fresh(O_WRONLY);
			o.push_back(Line() << f << " ftruncate(0): " << rc(::ftruncate(fd, 0)) << " -> " << sysRead(s, file));
			struct iovec iov[2] = { { const_cast<char *>("3"), 1 }, { const_cast<char *>("4\n"), 2 } };
			o.push_back(Line() << f << " writev {\"3\",\"4\\n\"}: " << rc(::writev(fd, iov, 2)) << " -> " << sysRead(s, file));
			::close(fd);

			fd = fresh(O_WRONLY);
			struct iovec iov2[2] = { { const_cast<char *>("300"), 3 }, { const_cast<char *>(" 4\n"), 3 } };
			o.push_back(Line() << f << " pwritev {\"300\",\" 4\\n\"} at 0: " << rc(::pwritev(fd, iov2, 2, 0)) << " -> " <<
				    sysRead(s, file));
			::close(fd);
		}
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "sysctl: reads (buffer sizes, offsets, 1-byte reads, lseek)", "[parity][sysctl][sysctl-read]")
{
	requireParity("sysctl reads", [](const Side &s) {
		Obs o;
		for (const char *file : kSysFiles) {
			const std::string f = file;
			setBaseline(s, file);
			const std::string path = s.s(file);
			for (size_t n : { size_t(0), size_t(1), size_t(2), size_t(3), size_t(4), size_t(5), size_t(6),
					  size_t(100), size_t(4096) }) {
				int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
				o.push_back(Line() << f << " read(" << std::to_string(n) << "): " << readFd(fd, n) << " pos " <<
					    rc(::lseek(fd, 0, SEEK_CUR)));
				::close(fd);
			}
			int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
			std::string seq;
			for (int i = 0; i < 6; i++)
				seq += readFd(fd, 1) + "; ";
			o.push_back(Line() << f << " 1-byte reads: " << seq);
			for (off_t off : { 1, 2, 3, 4, 100 })
				o.push_back(Line() << f << " pread(100, " << std::to_string(off) << "): " << preadFd(fd, 100, off));
			o.push_back(Line() << f << " pread(100, 0): " << preadFd(fd, 100, 0));
			o.push_back(Line() << f << " lseek(1): " << rc(::lseek(fd, 1, SEEK_SET)) << " read: " << readFd(fd, 100));
			o.push_back(Line() << f << " lseek(0): " << rc(::lseek(fd, 0, SEEK_SET)) << " read: " << readFd(fd, 100) <<
				    " again: " << readFd(fd, 100));
			o.push_back(Line() << f << " SEEK_END+0: " << rc(::lseek(fd, 0, SEEK_END)));
			o.push_back(Line() << f << " SEEK_END+100: " << rc(::lseek(fd, 100, SEEK_END)));
			o.push_back(Line() << f << " SEEK_SET 1000000: " << rc(::lseek(fd, 1000000, SEEK_SET)));
			o.push_back(Line() << f << " SEEK_SET -1: " << rc(::lseek(fd, -1, SEEK_SET)));
			o.push_back(Line() << f << " SEEK_CUR -5: " << rc(::lseek(fd, -5, SEEK_CUR)));
			::lseek(fd, 0, SEEK_SET);
			int avail = -7;
			o.push_back(Line() << f << " FIONREAD: " << rc(::ioctl(fd, FIONREAD, &avail)) << " value " << std::to_string(avail));
			o.push_back(Line() << f << " write on O_RDONLY: " << rc(::write(fd, "5", 1)));
			::close(fd);
		}
		/* negative and extreme values read back */
		for (const char *v : { "-1", "-2147483648", "2147483647", "0" }) {
			writeOnce(s.s("queues_max"), v);
			int fd = ::open(s.s("queues_max").c_str(), O_RDONLY | O_CLOEXEC);
			o.push_back(Line() << std::string("queues_max=") << v << " read(100): " << readFd(fd, 100));
			::lseek(fd, 0, SEEK_SET);
			o.push_back(Line() << std::string("queues_max=") << v << " read(2): " << readFd(fd, 2));
			::close(fd);
		}
		return o;
	});
}

TEST_CASE_METHOD(Fresh, "sysctl: stat, directory, chmod/chown/unlink/create, readdir", "[parity][sysctl][sysctl-meta]")
{
	requireParity("sysctl metadata", [](const Side &s) {
		Obs o;
		auto nsecKind = [](const struct stat &st) {
			auto k = [](long ns) { return ns == 0 ? std::string("whole") : std::string("frac"); };
			return "times " + k(st.st_atim.tv_nsec) + "/" + k(st.st_mtim.tv_nsec) + "/" + k(st.st_ctim.tv_nsec);
		};
		auto desc = [&](const std::string &p) {
			struct stat st;
			if (::stat(p.c_str(), &st) < 0)
				return rc(-1);
			char buf[200];
			std::snprintf(buf, sizeof(buf), "mode=0%o nlink=%lu uid=%u gid=%u size=%lld blocks=%lld blksize=%ld ",
				      st.st_mode, static_cast<unsigned long>(st.st_nlink), st.st_uid, st.st_gid,
				      static_cast<long long>(st.st_size), static_cast<long long>(st.st_blocks),
				      static_cast<long>(st.st_blksize));
			return std::string(buf) + nsecKind(st);
		};
		o.push_back(Line() << "dir: " << desc(s.sys));
		for (const char *file : kSysFiles)
			o.push_back(Line() << std::string(file) << ": " << desc(s.s(file)));
		o.push_back(Line() << "readdir: " << listDir(s.sys));
		const std::string mm = s.s("msg_max");
		o.push_back(Line() << "chmod 0600: " << rc(::chmod(mm.c_str(), 0600)) << " " << desc(mm));
		o.push_back(Line() << "chmod same 0644: " << rc(::chmod(mm.c_str(), 0644)));
		o.push_back(Line() << "chown 1:1: " << rc(::chown(mm.c_str(), 1, 1)));
		o.push_back(Line() << "chown 0:0 (no change): " << rc(::chown(mm.c_str(), 0, 0)));
		o.push_back(Line() << "chown -1:-1: " << rc(::chown(mm.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(-1))));
		struct timespec ts[2] = { { 100, 0 }, { 200, 0 } };
		o.push_back(Line() << "utimensat {100} {200}: " << rc(::utimensat(AT_FDCWD, mm.c_str(), ts, 0)));
		{
			struct stat st = statOf(mm);
			o.push_back(Line() << "  stored: atime " << std::to_string(st.st_atim.tv_sec) << "."
					   << std::to_string(st.st_atim.tv_nsec) << " mtime "
					   << std::to_string(st.st_mtim.tv_sec) << "." << std::to_string(st.st_mtim.tv_nsec));
		}
		o.push_back(Line() << "chmod dir 0755: " << rc(::chmod(s.sys.c_str(), 0755)));
		o.push_back(Line() << "truncate 0: " << rc(::truncate(mm.c_str(), 0)) << " -> " << sysRead(s, "msg_max") << " " << desc(mm));
		o.push_back(Line() << "unlink: " << rc(::unlink(mm.c_str())));
		o.push_back(Line() << "O_CREAT|O_EXCL existing: " << tryOpen(mm, O_CREAT | O_EXCL | O_WRONLY));
		o.push_back(Line() << "O_CREAT existing: " << tryOpen(mm, O_CREAT | O_WRONLY));
		o.push_back(Line() << "O_CREAT new name: " << tryOpen(s.s("newfile"), O_CREAT | O_WRONLY));
		o.push_back(Line() << "stat new name: " << desc(s.s("newfile")));
		o.push_back(Line() << "mknod new name: " << rc(::mknod(s.s("newfile").c_str(), S_IFREG | 0644, 0)));
		o.push_back(Line() << "mkdir: " << rc(::mkdir(s.s("d").c_str(), 0755)));
		o.push_back(Line() << "rename msg_max -> x: " << rc(::rename(mm.c_str(), s.s("x").c_str())));
		o.push_back(Line() << "rename msg_max -> msg_default: " << rc(::rename(mm.c_str(), s.s("msg_default").c_str())));
		o.push_back(Line() << "link: " << rc(::link(mm.c_str(), s.s("x").c_str())));
		o.push_back(Line() << "symlink: " << rc(::symlink("msg_max", s.s("x").c_str())));
		o.push_back(Line() << "open dir O_RDWR: " << tryOpen(s.sys, O_RDWR));
		o.push_back(Line() << "open dir O_RDONLY: " << tryOpen(s.sys, O_RDONLY));
		o.push_back(Line() << "open file O_DIRECTORY: " << tryOpen(mm, O_DIRECTORY | O_RDONLY));
		o.push_back(Line() << "open msg_max/x: " << tryOpen(mm + "/x", O_RDONLY));
		o.push_back(Line() << "access msg_max W_OK: " << rc(::faccessat(AT_FDCWD, mm.c_str(), W_OK, AT_EACCESS)) << " X_OK: " << rc(::faccessat(AT_FDCWD, mm.c_str(), X_OK, AT_EACCESS)));
		char xb[64];
		o.push_back(Line() << "getxattr user.x: " << rc(::getxattr(mm.c_str(), "user.x", xb, sizeof(xb))));
		o.push_back(Line() << "listxattr: " << rc(::listxattr(mm.c_str(), xb, sizeof(xb))));
		int fd = ::open(mm.c_str(), O_RDWR | O_CLOEXEC);
		o.push_back(Line() << "fsync: " << rc(::fsync(fd)));
		void *p = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
		o.push_back(Line() << "mmap MAP_SHARED: " << std::string(p == MAP_FAILED ? rc(-1) : "mapped"));
		if (p != MAP_FAILED)
			::munmap(p, 4096);
		o.push_back(Line() << "flock: " << rc(::flock(fd, LOCK_EX)));
		o.push_back(Line() << "fallocate: " << rc(::fallocate(fd, 0, 0, 10)));
		::close(fd);
		o.push_back(Line() << "values: msg_max " << sysRead(s, "msg_max") << " queues_max " << sysRead(s, "queues_max"));
		return o;
	});

	struct statfs k, m;
	REQUIRE(::statfs(kernelSide().sys.c_str(), &k) == 0);
	REQUIRE(::statfs(mqfsSide().sys.c_str(), &m) == 0);
	CHECK(static_cast<long>(k.f_type) == kProcSuperMagic);
	CHECK(static_cast<long>(m.f_type) == kFuseSuperMagic);
}

TEST_CASE_METHOD(Fresh, "sysctl: rmdir of a file (inherent FUSE difference)", "[parity][sysctl][inherent]")
{
	/* proc_sys_permission() refuses MAY_WRITE on a sysctl directory even to
	 * root, so may_delete() stops at EACCES. On a FUSE mount root passes
	 * the directory check (generic_permission() with CAP_DAC_OVERRIDE under
	 * default_permissions, or no check at all without it) and may_delete()
	 * answers ENOTDIR before the daemon is asked. */
	const std::string k = rc(::rmdir(kernelSide().s("msg_max").c_str()));
	const std::string m = rc(::rmdir(mqfsSide().s("msg_max").c_str()));
	CHECK(k == "ERR EACCES");
	CHECK(m == "ERR ENOTDIR");
}

TEST_CASE_METHOD(Fresh, "sysctl: reads and writes of 4 MiB and more (inherent FUSE difference)",
		 "[parity][sysctl][sysctl-bigio][inherent]")
{
	/* proc_sys_call_handler() refuses any read or write whose count is
	 * 4 MiB or more (ENOMEM). FUSE splits a direct I/O into requests of at
	 * most max_read/max_write (<= 1 MiB): the daemon sees the first request
	 * at offset 0 (which parses and stores the value) and the rest at
	 * offsets != 0, never the caller's count, so it cannot refuse. Each
	 * side is checked against its own expected behaviour. */
	auto scenario = [](const Side &s) {
		Obs o;
		const std::string ok = "20" + rep(' ', 4194303 - 2);
		const std::string big = "20" + rep(' ', 4194304 - 2);
		const std::string huge = "20" + rep(' ', 8000000 - 2);
		for (const char *file : { "msg_max", "queues_max" }) {
			const std::string f = file;
			for (const std::string *row : { &ok, &big, &huge }) {
				setBaseline(s, file);
				int fd = ::open(s.s(file).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
				ssize_t n = ::write(fd, row->data(), row->size());
				std::string l = f + " write " + std::to_string(row->size()) + " bytes: " + rc(n);
				l += " pos " + rc(::lseek(fd, 0, SEEK_CUR));
				::close(fd);
				o.push_back(l + " -> " + sysRead(s, file));
			}
			setBaseline(s, file);
			std::string buf(4194304 + 16, '\0');
			for (size_t n : { size_t(4194303), size_t(4194304), size_t(4194305) }) {
				int fd = ::open(s.s(file).c_str(), O_RDONLY | O_CLOEXEC);
				ssize_t r = ::read(fd, buf.data(), n);
				std::string l = f + " read(" + std::to_string(n) + "): " + rc(r);
				if (r > 0)
					l += " " + esc(buf.substr(0, static_cast<size_t>(r)));
				o.push_back(l);
				::close(fd);
			}
		}
		return o;
	};
	const Obs kernelExpected = {
		"msg_max write 4194303 bytes: 4194303 pos 4194303 -> \"20\\n\"",
		"msg_max write 4194304 bytes: ERR ENOMEM pos 0 -> \"11\\n\"",
		"msg_max write 8000000 bytes: ERR ENOMEM pos 0 -> \"11\\n\"",
		"msg_max read(4194303): 3 \"11\\n\"",
		"msg_max read(4194304): ERR ENOMEM",
		"msg_max read(4194305): ERR ENOMEM",
		"queues_max write 4194303 bytes: 4194303 pos 4194303 -> \"20\\n\"",
		"queues_max write 4194304 bytes: ERR ENOMEM pos 0 -> \"257\\n\"",
		"queues_max write 8000000 bytes: ERR ENOMEM pos 0 -> \"257\\n\"",
		"queues_max read(4194303): 4 \"257\\n\"",
		"queues_max read(4194304): ERR ENOMEM",
		"queues_max read(4194305): ERR ENOMEM",
	};
	const Obs mqfsExpected = {
		"msg_max write 4194303 bytes: 4194303 pos 4194303 -> \"20\\n\"",
		"msg_max write 4194304 bytes: 4194304 pos 4194304 -> \"20\\n\"",
		"msg_max write 8000000 bytes: 8000000 pos 8000000 -> \"20\\n\"",
		"msg_max read(4194303): 3 \"11\\n\"",
		"msg_max read(4194304): 3 \"11\\n\"",
		"msg_max read(4194305): 3 \"11\\n\"",
		"queues_max write 4194303 bytes: 4194303 pos 4194303 -> \"20\\n\"",
		"queues_max write 4194304 bytes: 4194304 pos 4194304 -> \"20\\n\"",
		"queues_max write 8000000 bytes: 8000000 pos 8000000 -> \"20\\n\"",
		"queues_max read(4194303): 4 \"257\\n\"",
		"queues_max read(4194304): 4 \"257\\n\"",
		"queues_max read(4194305): 4 \"257\\n\"",
	};
	requireEqualObs("kernel side against the measured kernel behaviour", scenario(kernelSide()), kernelExpected);
	requireEqualObs("mqfs side against the inherent FUSE behaviour", scenario(mqfsSide()), mqfsExpected);
}

/* ===================================================================== */
/* Permissions: an unprivileged user against both trees                   */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "permissions: uid 65534 against root-owned queues, sticky root, umask, sysctl files",
		 "[parity][perm]")
{
	const uid_t nobody = 65534;
	requireParity("permission matrix", [nobody](const Side &s) {
		Obs o;
		smallQueues(s, o);
		::umask(0);
		const std::pair<const char *, mode_t> qs[] = {
			{ "m644", 0644 }, { "m622", 0622 }, { "m600", 0600 }, { "m666", 0666 }, { "m000", 0000 },
			{ "m604", 0604 }, { "m060", 0060 },
		};
		for (const auto &[n, m] : qs) {
			createQueue(s.q(n), m);
			::chmod(s.q(n).c_str(), m);
		}
		createQueue(s.q("g640"), 0640);
		::chown(s.q("g640").c_str(), 0, nobody);
		::umask(022);
		int sysfd = ::open(s.s("msg_max").c_str(), O_RDWR); /* inherited by the child, no CLOEXEC */

		Obs c1 = runAs(nobody, [&s, sysfd] {
			Obs c;
			const char *names[] = { "m644", "m622", "m600", "m666", "m000", "m604", "m060", "g640" };
			for (const char *n : names) {
				std::string l = std::string(n) + ":";
				l += " RDONLY " + tryOpen(s.q(n), O_RDONLY);
				l += " WRONLY " + tryOpen(s.q(n), O_WRONLY);
				l += " RDWR " + tryOpen(s.q(n), O_RDWR);
				l += " access(R) " + rc(::access(s.q(n).c_str(), R_OK));
				l += " access(W) " + rc(::access(s.q(n).c_str(), W_OK));
				c.push_back(l);
			}
			c.push_back(Line() << "read m644: " << readSmall(s.q("m644")));
			c.push_back(Line() << "stat m000: " << statPath(s.q("m000")));
			::umask(022);
			int fd = openq(s.q("nq"), O_CREAT | O_RDWR, 0666);
			c.push_back(Line() << "create nq umask 022 mode 0666: " << fdrc(fd) << " " << fstatFd(fd));
			if (fd >= 0)
				::close(fd);
			::umask(077);
			c.push_back(Line() << "create nq2 umask 077 mode 0666: " << createQueue(s.q("nq2"), 0666) << " " <<
				    statPath(s.q("nq2")));
			::umask(0);
			c.push_back(Line() << "mknod nq3 0606 umask 0: " << rc(::mknod(s.q("nq3").c_str(), S_IFREG | 06606, 0)) << " " <<
				    statPath(s.q("nq3")));
			::umask(022);
			c.push_back(Line() << "O_CREAT|O_EXCL on m644: " << tryOpen(s.q("m644"), O_CREAT | O_EXCL | O_RDONLY));
			c.push_back(Line() << "O_CREAT existing m644 RDONLY: " << tryOpen(s.q("m644"), O_CREAT | O_RDONLY));
			c.push_back(Line() << "O_CREAT existing m600 RDONLY: " << tryOpen(s.q("m600"), O_CREAT | O_RDONLY));
			c.push_back(Line() << "unlink root-owned m666 in the sticky root: " << rc(::unlink(s.q("m666").c_str())));
			c.push_back(Line() << "unlink own nq2: " << rc(::unlink(s.q("nq2").c_str())));
			c.push_back(Line() << "chmod root-owned m666: " << rc(::chmod(s.q("m666").c_str(), 0600)));
			c.push_back(Line() << "chown root-owned m666 to self: " << rc(::chown(s.q("m666").c_str(), 65534, 65534)));
			c.push_back(Line() << "chmod own nq 0640: " << rc(::chmod(s.q("nq").c_str(), 0640)) << " " << statPath(s.q("nq")));
			c.push_back(Line() << "chmod own nq 02640 (setgid, own group): " << rc(::chmod(s.q("nq").c_str(), 02640)) << " " <<
				    statPath(s.q("nq")));
			c.push_back(Line() << "chown own nq to root: " << rc(::chown(s.q("nq").c_str(), 0, 0)));
			c.push_back(Line() << "chown own nq group 0: " << rc(::chown(s.q("nq").c_str(), static_cast<uid_t>(-1), 0)));
			c.push_back(Line() << "chown own nq to self: " << rc(::chown(s.q("nq").c_str(), 65534, 65534)) << " " <<
				    statPath(s.q("nq")));
			c.push_back(Line() << "utimensat NOW on writable m666: " << rc(::utimensat(AT_FDCWD, s.q("m666").c_str(), nullptr, 0)));
			c.push_back(Line() << "utimensat NOW on m644: " << rc(::utimensat(AT_FDCWD, s.q("m644").c_str(), nullptr, 0)));
			struct timespec ts[2] = { { 100, 0 }, { 100, 0 } };
			c.push_back(Line() << "utimensat explicit on m666: " << rc(::utimensat(AT_FDCWD, s.q("m666").c_str(), ts, 0)));
			c.push_back(Line() << "truncate m644: " << rc(::truncate(s.q("m644").c_str(), 0)));
			c.push_back(Line() << "truncate m666: " << rc(::truncate(s.q("m666").c_str(), 10)) << " " << statPath(s.q("m666")));
			c.push_back(Line() << "open m666 O_TRUNC: " << tryOpen(s.q("m666"), O_WRONLY | O_TRUNC) << " " << statPath(s.q("m666")));
			c.push_back(Line() << "mkdir: " << rc(::mkdir(s.q("d").c_str(), 0755)));
			c.push_back(Line() << "rename own nq: " << rc(::rename(s.q("nq").c_str(), s.q("nr").c_str())));
			c.push_back(Line() << "mkfifo: " << rc(::mkfifo(s.q("p").c_str(), 0644)));
			c.push_back(Line() << "chmod the root: " << rc(::chmod(s.root.c_str(), 0777)));
			c.push_back(Line() << "setxattr on own nq: " << rc(::setxattr(s.q("nq").c_str(), "user.x", "v", 1, 0)));

			/* the sysctl files: read-only for everyone but root */
			c.push_back(Line() << "sysctl O_RDONLY: " << tryOpen(s.s("msg_max"), O_RDONLY) << " " << readSmall(s.s("msg_max")));
			c.push_back(Line() << "sysctl O_WRONLY: " << tryOpen(s.s("msg_max"), O_WRONLY));
			c.push_back(Line() << "sysctl O_RDWR: " << tryOpen(s.s("msg_max"), O_RDWR));
			c.push_back(Line() << "sysctl O_WRONLY|O_TRUNC: " << tryOpen(s.s("msg_max"), O_WRONLY | O_TRUNC));
			c.push_back(Line() << "sysctl access W_OK: " << rc(::access(s.s("msg_max").c_str(), W_OK)) <<
				    " R_OK: " << rc(::access(s.s("msg_max").c_str(), R_OK)));
			c.push_back(Line() << "sysctl write through root's O_RDWR fd: " << rc(::write(sysfd, "7", 1)));
			c.push_back(Line() << "sysctl pread through root's fd: " << preadFd(sysfd, 100, 0));
			c.push_back(Line() << "sysctl truncate: " << rc(::truncate(s.s("msg_max").c_str(), 0)));
			c.push_back(Line() << "sysctl create new name: " << tryOpen(s.s("new"), O_CREAT | O_RDONLY));
			return c;
		});
		o.insert(o.end(), c1.begin(), c1.end());
		::close(sysfd);
		o.push_back(Line() << "root sees nq: " << statPath(s.q("nq")));
		o.push_back(Line() << "root sees nq3: " << statPath(s.q("nq3")));
		o.push_back(Line() << "root sees m666: " << statPath(s.q("m666")));
		o.push_back(Line() << "msg_max still: " << sysRead(s, "msg_max"));
		o.push_back(Line() << "listing: " << listDir(s.root));

		/* A root directory without write permission for others. */
		o.push_back(Line() << "chmod root 0755: " << rc(::chmod(s.root.c_str(), 0755)));
		Obs c2 = runAs(nobody, [&s] {
			Obs c;
			c.push_back(Line() << "0755 create: " << createQueue(s.q("x")));
			c.push_back(Line() << "0755 mknod: " << rc(::mknod(s.q("x").c_str(), S_IFREG | 0644, 0)));
			c.push_back(Line() << "0755 unlink own nq: " << rc(::unlink(s.q("nq").c_str())));
			c.push_back(Line() << "0755 open existing m666 RDWR: " << tryOpen(s.q("m666"), O_RDWR));
			c.push_back(Line() << "0755 O_CREAT existing m666: " << tryOpen(s.q("m666"), O_RDWR | O_CREAT));
			c.push_back(Line() << "0755 listing: " << listDir(s.root, false));
			return c;
		});
		o.insert(o.end(), c2.begin(), c2.end());

		/* Root without search permission. */
		o.push_back(Line() << "chmod root 0700: " << rc(::chmod(s.root.c_str(), 0700)));
		Obs c3 = runAs(nobody, [&s] {
			Obs c;
			c.push_back(Line() << "0700 open m666: " << tryOpen(s.q("m666"), O_RDONLY));
			c.push_back(Line() << "0700 stat m666: " << statPath(s.q("m666")));
			c.push_back(Line() << "0700 listing: " << listDir(s.root, false));
			return c;
		});
		o.insert(o.end(), c3.begin(), c3.end());

		/* The root owned by nobody, sticky: the directory owner may unlink anything. */
		o.push_back(Line() << "chown root 65534 + chmod 01755: " << rc(::chown(s.root.c_str(), nobody, nobody)) << " " <<
			    rc(::chmod(s.root.c_str(), 01755)));
		Obs c4 = runAs(nobody, [&s] {
			Obs c;
			c.push_back(Line() << "dir owner unlinks root-owned m666: " << rc(::unlink(s.q("m666").c_str())));
			c.push_back(Line() << "dir owner chmods the root 01777: " << rc(::chmod(s.root.c_str(), 01777)));
			c.push_back(Line() << "dir owner creates: " << createQueue(s.q("y")) << " " << statPath(s.q("y")));
			return c;
		});
		o.insert(o.end(), c4.begin(), c4.end());
		o.push_back(Line() << "root: " << statPath(s.root));
		return o;
	});
}

/* ===================================================================== */
/* Shell level                                                            */
/* ===================================================================== */

TEST_CASE_METHOD(Fresh, "shell: touch, cat, ls -l, rm, chmod, redirections in the queue directory", "[parity][shell]")
{
	const std::string script = R"SH(
norm() { awk '{ if (NF >= 9) print $1, $2, $3, $4, $5, $9; else print }'; }
touch a; echo "touch=$?"
ls -l | norm
cat a; echo "cat=$?"
wc -c < a
head -c 7 a; echo
dd if=a bs=7 count=2 2>/dev/null; echo
chmod 600 a; echo "chmod=$?"
stat -c '%A %h %s %b %B %u %g %F %n' a
: > b; echo "colon=$?"
echo x > c; echo "echo=$?"
printf hello > d; echo "printf=$?"
cat a > e; echo "cat-redirect=$?"
echo more >> a; echo "append=$?"
ls -la | norm
ls -1
cp a f; echo "cp=$?"
mv b g; echo "mv=$?"
ln b h; echo "ln=$?"
ln -s b i; echo "ln-s=$?"
mkfifo j; echo "mkfifo=$?"
mkdir k; echo "mkdir=$?"
rmdir b; echo "rmdir=$?"
truncate -s 0 b; echo "truncate=$?"; stat -c '%s' b; cat b
touch -d '2001-02-03 04:05:06.789' b; echo "touch-d=$?"; stat -c '%x|%y' b
rm a; echo "rm=$?"
rm nosuch; echo "rm-missing=$?"
rm -f c d; echo "rm-f=$?"
ls -1
test -f b && echo regular; test -s b && echo nonempty; test -x b || echo not-executable
find . -maxdepth 1 -type f | sort
)SH";
	requireParity("shell, queue directory", [&script](const Side &s) { return shell(s, script); });
}

TEST_CASE_METHOD(Fresh, "shell: echo and cat on the sysctl files", "[parity][shell][sysctl]")
{
	const std::string script = R"SH(
norm() { awk '{ if (NF >= 9) print $1, $2, $3, $4, $5, $9; else print }'; }
cd "$S" || exit 9
ls -l | norm
ls -1
cat msg_max msgsize_max queues_max msg_default msgsize_default
echo 5 > msg_max; echo "rc=$?"; cat msg_max
echo "20 30" > msg_max; echo "rc=$?"; cat msg_max
echo "200 abc" > msgsize_max; echo "rc=$?"; cat msgsize_max
echo abc > msg_max; echo "rc=$?"; cat msg_max
echo 20abc > msg_max; echo "rc=$?"; cat msg_max
echo "" > msg_max; echo "rc=$?"; cat msg_max
echo 0 > msg_max; echo "rc=$?"; cat msg_max
echo -1 > msg_max; echo "rc=$?"; cat msg_max
echo 0 > queues_max; echo "rc=$?"; cat queues_max
echo -1 > queues_max; echo "rc=$?"; cat queues_max
echo 20 > msgsize_max; echo "rc=$?"; cat msgsize_max
echo " 300" > msg_max; echo "rc=$?"; cat msg_max
printf 40 > msg_max; echo "rc=$?"; cat msg_max
echo 5 >> msg_max; echo "rc=$?"; cat msg_max
/bin/echo '30 40' > msg_max; echo "rc=$?"; cat msg_max
head -c 1 msgsize_max; echo
touch newfile; echo "touch=$?"
touch msg_max; echo "touch-existing=$?"
rm msg_max; echo "rm=$?"
rm -f msg_max; echo "rm-f=$?"
chmod 600 msg_max; echo "chmod=$?"
chown 1 msg_max; echo "chown=$?"
mkdir x; echo "mkdir=$?"
stat -c '%A %h %s %u %g %F %n' msg_max .
cat msg_max msgsize_max queues_max msg_default msgsize_default
)SH";
	requireParity("shell, sysctl", [&script](const Side &s) { return shell(s, script); });
}

/* ===================================================================== */

int main(int argc, char **argv)
{
	Catch::Session session;
	if (int r = session.applyCommandLine(argc, argv); r != 0)
		return r;
	const auto &cfg = session.configData();
	if (cfg.listTests || cfg.listTestNamesOnly || cfg.listTags || cfg.listReporters || cfg.showHelp)
		return session.run();

	if (std::string err = setupEnvironment(); !err.empty()) {
		std::fprintf(stderr, "parity: setup failed: %s\n", err.c_str());
		teardownEnvironment();
		return 1;
	}
	return runThenTeardown([&session] { return session.run(); });
}
