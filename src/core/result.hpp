/* SPDX-License-Identifier: MIT */
/**
 * @file result.hpp
 * @brief A value or a negative errno, the currency of the core.
 *
 * The core never throws for expected failures: every operation returns 0 or
 * -errno (as an int), or a Result<T> when it also produces a value. Only the
 * FUSE glue turns these into replies.
 */
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace mqfs {

template<typename T>
class [[nodiscard]] Result
{
public:
	Result(T value) : v_(std::move(value)) {}

	/** \brief Make a failed result from a negative errno value. */
	static Result error(int negErrno)
	{
		assert(negErrno < 0);
		return Result(Err{ negErrno });
	}

	bool ok() const { return std::holds_alternative<T>(v_); }
	explicit operator bool() const { return ok(); }
	/** \return the negative errno, or 0 when the result holds a value. */
	int error() const { return ok() ? 0 : std::get<Err>(v_).value; }

	T &operator*() { return std::get<T>(v_); }
	const T &operator*() const { return std::get<T>(v_); }
	T *operator->() { return &std::get<T>(v_); }
	const T *operator->() const { return &std::get<T>(v_); }

private:
	struct Err {
		int value;
	};
	explicit Result(Err e) : v_(e) {}

	std::variant<T, Err> v_;
};

} /* namespace mqfs */
