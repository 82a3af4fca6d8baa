/* SPDX-License-Identifier: MIT */
/** @file fuse.hpp @brief The one place that includes libfuse, with our version pin. */
#pragma once

#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)
#include <fuse_lowlevel.h>

#include <memory>

namespace mqfs::fs {

struct PollHandleDeleter {
	void operator()(fuse_pollhandle *ph) const { fuse_pollhandle_destroy(ph); }
};
using PollHandle = std::unique_ptr<fuse_pollhandle, PollHandleDeleter>;

} /* namespace mqfs::fs */
