/* SPDX-License-Identifier: MIT */
/*
 * Runner of the hostile-client suite: a watchdog, Catch2, then the summary
 * (errno table and daemon figures) and the shared daemon's clean exit.
 */
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hostile.hpp"

int main(int argc, char **argv)
{
	if (::access("/dev/fuse", R_OK | W_OK) != 0) {
		std::fprintf(stderr, "hostile: SKIP: /dev/fuse is not usable\n");
		return 77;
	}
	/* Unbuffered enough to see where a hang happened. */
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	hostile::installInterruptHandler();
	hostile::startWatchdog(std::chrono::seconds(hostile::longForm() ? 120 : 30));

	int rv = Catch::Session().run(argc, argv);

	hostile::step("shared daemon teardown");
	const int st = hostile::stopSharedDaemon();
	if (st != 0) {
		std::fprintf(stderr, "hostile: the shared daemon did not exit cleanly (wait status %d)\n",
			     st);
		rv = rv ? rv : 1;
	}
	hostile::table().print();
	hostile::printFigures();
	return rv;
}
