/* SPDX-License-Identifier: MIT */
/**
 * @file replay_main.cpp
 * @brief fuzz-replay: run every target over its corpus and regression inputs.
 *
 * Usage: fuzz-replay DIR...   each DIR holding one subdirectory per target
 *        (a DIR that does not exist is skipped)
 *        fuzz-replay --target NAME FILE...
 *
 * Built in every configuration (gcc included, no sanitizer needed), so the
 * inputs the fuzzer once crashed on are checked by every build. A target
 * without a single input in any DIR is an error: it means a corpus that silently stopped being run. A
 * subdirectory naming no target is reported and skipped.
 */
#include "fuzz.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using mqfs::fuzz::Target;

const Target *findTarget(std::string_view name)
{
	for (const Target &t : mqfs::fuzz::targets())
		if (name == t.name)
			return &t;
	return nullptr;
}

bool runFile(const Target &t, const fs::path &file)
{
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "fuzz-replay: cannot read %s\n", file.c_str());
		return false;
	}
	const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	/* An exact-size heap copy, so a sanitizer build sees reads past the end. */
	std::vector<std::uint8_t> data(raw.begin(), raw.end());
	mqfs::fuzz::setCurrentInput(file.c_str());
	t.fn(mqfs::fuzz::Bytes(data.data(), data.size()));
	mqfs::fuzz::setCurrentInput(nullptr);
	return true;
}

/* The regular files of \a dir, sorted so that runs are reproducible. */
std::vector<fs::path> filesIn(const fs::path &dir)
{
	std::vector<fs::path> files;
	for (const auto &e : fs::directory_iterator(dir))
		if (e.is_regular_file() && e.path().filename().string().front() != '.')
			files.push_back(e.path());
	std::sort(files.begin(), files.end());
	return files;
}

int usage()
{
	std::fprintf(stderr, "usage: fuzz-replay DIR...\n"
			     "       fuzz-replay --target NAME FILE...\n");
	return 2;
}

int replayFiles(int argc, char **argv)
{
	const Target *t = findTarget(argv[2]);
	if (!t) {
		std::fprintf(stderr, "fuzz-replay: no target %s\n", argv[2]);
		return 2;
	}
	for (int i = 3; i < argc; i++)
		if (!runFile(*t, argv[i]))
			return 1;
	std::printf("%s: %d inputs ok\n", t->name, argc - 3);
	return 0;
}

} /* namespace */

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (std::strcmp(argv[1], "--target") == 0)
		return argc < 3 ? usage() : replayFiles(argc, argv);

	std::vector<std::size_t> counts(mqfs::fuzz::targets().size());
	int rv = 0;
	for (int i = 1; i < argc; i++) {
		const fs::path root = argv[i];
		/* regressions/ may not exist yet; the count check below still
		 * catches a corpus directory that went missing. */
		std::error_code ec;
		if (!fs::is_directory(root, ec))
			continue;
		for (const auto &sub : fs::directory_iterator(root)) {
			if (!sub.is_directory())
				continue;
			const std::string name = sub.path().filename();
			const Target *t = findTarget(name);
			if (!t) {
				/* A target this build leaves out (one whose decoder
				 * it lacks), or a typo: say so, but go on. */
				std::fprintf(stderr, "fuzz-replay: %s: no such target here, skipped\n",
					     sub.path().c_str());
				continue;
			}
			for (const fs::path &f : filesIn(sub.path())) {
				if (!runFile(*t, f))
					return 1;
				counts[static_cast<std::size_t>(t - mqfs::fuzz::targets().data())]++;
			}
		}
	}
	for (std::size_t k = 0; k < counts.size(); k++) {
		const Target &t = mqfs::fuzz::targets()[k];
		std::printf("%-16s %zu inputs ok\n", t.name, counts[k]);
		if (counts[k] == 0) {
			std::fprintf(stderr, "fuzz-replay: target %s has no inputs\n", t.name);
			rv = 1;
		}
	}
	return rv;
}
