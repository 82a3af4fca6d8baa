/* SPDX-License-Identifier: MIT */
/**
 * @file fuzz.cpp
 * @brief The target registry and the failure report shared by both programs.
 */
#include "fuzz.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace mqfs::fuzz {

namespace {

/* A function-local static: registrations run during static initialisation,
 * in an order between files that nothing fixes. */
std::vector<Target> &registry()
{
	static std::vector<Target> all;
	return all;
}

const char *currentInput = nullptr;

} /* namespace */

void setCurrentInput(const char *what)
{
	currentInput = what;
}

std::span<const Target> targets()
{
	return registry();
}

Registration::Registration(const char *name, TargetFn fn)
{
	registry().push_back(Target{ name, fn });
}

void checkFailed(const char *cond, const char *file, int line)
{
	std::fprintf(stderr, "FUZZ PROPERTY VIOLATED: %s (%s:%d)\n", cond, file, line);
	if (currentInput)
		std::fprintf(stderr, "  input: %s\n", currentInput);
	std::fflush(stderr);
	std::abort();
}

} /* namespace mqfs::fuzz */
