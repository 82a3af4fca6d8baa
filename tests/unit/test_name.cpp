/* SPDX-License-Identifier: MIT */
/*
 * Queue names, section 1 of spec/mqueue-behaviour.md. checkPosixName() sees
 * what a program gives glibc; checkQueueName() what the kernel looks up.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "name.hpp"

using namespace std::string_literals;
using mqfs::checkPosixName;
using mqfs::checkQueueName;

TEST_CASE("checkPosixName: no leading slash is EINVAL (glibc)", "[name]")
{
	CHECK(checkPosixName("") == -EINVAL);
	CHECK(checkPosixName("abc") == -EINVAL);
	CHECK(checkPosixName("a/") == -EINVAL);
	CHECK(checkPosixName(".") == -EINVAL);
	CHECK(checkPosixName(" /a") == -EINVAL);
	/* glibc checks before anything else, so even a long name gets EINVAL */
	CHECK(checkPosixName(std::string(300, 'a')) == -EINVAL);
}

TEST_CASE("checkPosixName: \"/\" is ENOENT, even though the kernel sees an empty name", "[name]")
{
	CHECK(checkPosixName("/") == -ENOENT);
	CHECK(checkQueueName("") == -ENOENT);
}

TEST_CASE("checkPosixName: a slash after the first is EACCES", "[name]")
{
	CHECK(checkPosixName("//a") == -EACCES);
	CHECK(checkPosixName("/a/b") == -EACCES);
	CHECK(checkPosixName("/a/") == -EACCES);
	CHECK(checkPosixName("//") == -EACCES);
	CHECK(checkQueueName("/a") == -EACCES); /* the raw syscall with "/a" */
	CHECK(checkQueueName("a/b") == -EACCES);
}

TEST_CASE("checkPosixName: \".\" and \"..\" are EACCES", "[name]")
{
	CHECK(checkPosixName("/.") == -EACCES);
	CHECK(checkPosixName("/..") == -EACCES);
	CHECK(checkQueueName(".") == -EACCES);
	CHECK(checkQueueName("..") == -EACCES);
}

TEST_CASE("checkPosixName: other dot names are ordinary names", "[name]")
{
	CHECK(checkPosixName("/...") == 0);
	CHECK(checkPosixName("/.a") == 0);
	CHECK(checkPosixName("/..a") == 0);
	CHECK(checkPosixName("/a.") == 0);
	CHECK(checkQueueName("a") == 0); /* the raw syscall with "a" creates queue a */
}

TEST_CASE("checkPosixName: 255 bytes after the slash are fine, 256 are ENAMETOOLONG", "[name]")
{
	CHECK(checkPosixName("/" + std::string(255, 'q')) == 0);
	CHECK(checkPosixName("/" + std::string(256, 'q')) == -ENAMETOOLONG);
	CHECK(checkPosixName("/" + std::string(1000, 'q')) == -ENAMETOOLONG);
	CHECK(checkQueueName(std::string(255, 'q')) == 0);
	CHECK(checkQueueName(std::string(256, 'q')) == -ENAMETOOLONG);
	CHECK(checkQueueName(std::string(4095, 'q')) == -ENAMETOOLONG);
	CHECK(checkQueueName(std::string(4096, 'q')) == -ENAMETOOLONG);
	CHECK(mqfs::kNameMax == 255);
}

TEST_CASE("checkQueueName: a slash in an overlong name is EACCES until getname refuses it", "[name]")
{
	/* The '/' test (lookup) runs before the NAME_MAX test (mqueue lookup)... */
	CHECK(checkQueueName(std::string(300, 'q') + "/") == -EACCES);
	CHECK(checkQueueName("/" + std::string(4094, 'q')) == -EACCES);
	CHECK(checkQueueName(std::string(255, '.')) == 0);
	/* ...but getname() refuses a kernel string of 4096 bytes or more first. */
	CHECK(checkQueueName("/" + std::string(4095, 'q')) == -ENAMETOOLONG);
	CHECK(checkPosixName("//" + std::string(4095, 'q')) == -ENAMETOOLONG);
}

TEST_CASE("checkPosixName: any byte but NUL and '/' is accepted", "[name]")
{
	CHECK(checkPosixName("/a b") == 0);
	CHECK(checkPosixName("/ ") == 0);
	CHECK(checkPosixName("/\n") == 0);
	CHECK(checkPosixName("/\t") == 0);
	CHECK(checkPosixName("/-") == 0);
	CHECK(checkPosixName("/~!@#$%^&*()") == 0);
	std::string high = "/";
	for (int c = 0x80; c <= 0xff; c++)
		high += static_cast<char>(c);
	CHECK(high.size() == 129);
	CHECK(checkPosixName(high) == 0);
	for (int c = 1; c <= 0xff; c++) {
		if (c == '/' || c == '.')
			continue;
		INFO("byte " << c);
		CHECK(checkQueueName(std::string(1, static_cast<char>(c))) == 0);
	}
	/* 255 bytes of 0xff count as 255 bytes */
	CHECK(checkQueueName(std::string(255, '\xff')) == 0);
	CHECK(checkQueueName(std::string(256, '\xff')) == -ENAMETOOLONG);
}
