/* SPDX-License-Identifier: MIT */
/**
 * @file fuzz.hpp
 * @brief The fuzz targets' shared harness: registration, input reader, checks.
 *
 * DESIGN: a target is one function taking the raw input bytes, registered by
 * name with MQFS_FUZZ_TARGET(name). The same function runs in two programs:
 *  - a libFuzzer binary per target (libfuzzer_main.cpp, clang -Dfuzz=true),
 *    which links exactly one target file;
 *  - fuzz-replay (replay_main.cpp, every build), which links them all and
 *    feeds each one the files of corpus/<name>/ and regressions/<name>/.
 * The name is the corpus directory's name. A target checks properties with
 * MQFS_FUZZ_CHECK, which aborts (a crash for libFuzzer, a failure for the
 * replay) with the condition, the file and the line.
 *
 * Adding a decoder: write target_<name>.cpp with one MQFS_FUZZ_TARGET(name)
 * body, add <name> to fuzz_targets in meson.build, and put seeds in
 * corpus/<name>/ (make-seeds.py).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace mqfs::fuzz {

using Bytes = std::span<const std::uint8_t>;
using TargetFn = void (*)(Bytes);

struct Target {
	const char *name;
	TargetFn fn;
};

/** \brief Every target linked into this program, in registration order. */
std::span<const Target> targets();

/** \brief Used by MQFS_FUZZ_TARGET; registers at static initialisation. */
struct Registration {
	Registration(const char *name, TargetFn fn);
};

/** \brief Name the input being run, for checkFailed()'s report (the replay). */
void setCurrentInput(const char *what);

/** \brief Print the failed property (and the input's name) and abort(). */
[[noreturn]] void checkFailed(const char *cond, const char *file, int line);

/**
 * \brief Reads fixed-size fields from the front of the input; a field past
 * the end reads as zero bytes, so every input means something.
 */
class Input
{
public:
	explicit Input(Bytes data) : data_(data) {}

	std::uint8_t u8() { return take<std::uint8_t>(); }
	std::uint16_t u16() { return take<std::uint16_t>(); }
	std::uint32_t u32() { return take<std::uint32_t>(); }
	std::uint64_t u64() { return take<std::uint64_t>(); }
	std::int64_t i64() { return take<std::int64_t>(); }
	bool flag() { return u8() & 1; }

	/** \brief At most \a n bytes (fewer at the end of the input). */
	Bytes bytes(std::size_t n)
	{
		const Bytes b = data_.first(n < data_.size() ? n : data_.size());
		data_ = data_.subspan(b.size());
		return b;
	}

	/** \brief Everything left; the span ends where the input ends. */
	Bytes rest() { return bytes(data_.size()); }
	std::string_view restString()
	{
		const Bytes b = rest();
		return { reinterpret_cast<const char *>(b.data()), b.size() };
	}

	std::size_t left() const { return data_.size(); }

private:
	template<typename T>
	T take()
	{
		unsigned char raw[sizeof(T)] = {};
		const Bytes b = bytes(sizeof(T));
		if (!b.empty())
			std::memcpy(raw, b.data(), b.size());
		T v;
		std::memcpy(&v, raw, sizeof(T));
		return v;
	}

	Bytes data_;
};

} /* namespace mqfs::fuzz */

#define MQFS_FUZZ_CHECK(cond) \
	((cond) ? static_cast<void>(0) : ::mqfs::fuzz::checkFailed(#cond, __FILE__, __LINE__))

#define MQFS_FUZZ_CONCAT2(a, b) a##b
#define MQFS_FUZZ_CONCAT(a, b) MQFS_FUZZ_CONCAT2(a, b)

/**
 * \brief Define and register target \a name: `MQFS_FUZZ_TARGET(send) { ... }`,
 * the body seeing the input as `mqfs::fuzz::Bytes data`.
 */
#define MQFS_FUZZ_TARGET(name)                                                        \
	static void MQFS_FUZZ_CONCAT(fuzzTarget_, name)(::mqfs::fuzz::Bytes data);     \
	static const ::mqfs::fuzz::Registration MQFS_FUZZ_CONCAT(fuzzRegistration_, name)( \
		#name, &MQFS_FUZZ_CONCAT(fuzzTarget_, name));                           \
	static void MQFS_FUZZ_CONCAT(fuzzTarget_, name)(::mqfs::fuzz::Bytes data)
