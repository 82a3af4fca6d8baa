/* SPDX-License-Identifier: MIT */
/**
 * @file libfuzzer_main.cpp
 * @brief libFuzzer's entry point for a binary that links exactly one target.
 */
#include "fuzz.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int *, char ***);
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	if (mqfs::fuzz::targets().size() != 1) {
		std::fprintf(stderr, "a fuzzer binary must link exactly one target, not %zu\n",
			     mqfs::fuzz::targets().size());
		std::abort();
	}
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	mqfs::fuzz::targets()[0].fn(mqfs::fuzz::Bytes(data, size));
	return 0;
}
