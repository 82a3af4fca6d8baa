/* SPDX-License-Identifier: MIT */
/**
 * @file request.hpp
 * @brief Pure decoders of what clients send: create names, control structs.
 *
 * Everything a client controls is decoded here, by functions without side
 * effects, so that they can be fuzzed and unit-tested without a mount.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/mqfs_proto.h"
#include "queue.hpp"

namespace mqfs {

/** \brief The 256-byte tag that starts every create name. */
std::string_view createTag();

/** \brief Build the create name for queue \a name with \a attr (the library's side). */
std::string encodeCreateName(std::string_view name, long maxmsg, long msgsize);

struct CreateName {
	QueueAttr attr;
	std::string_view name;
};

/**
 * \brief Decode a create name.
 *
 * \return nullopt when \a s is not a create name at all (a plain name);
 *         otherwise the attributes and the queue name, or error < 0 when it
 *         starts with the tag but is malformed (-EINVAL).
 */
struct CreateNameParse {
	int error = 0;
	CreateName value{};
};
std::optional<CreateNameParse> decodeCreateName(std::string_view s);

} /* namespace mqfs */
