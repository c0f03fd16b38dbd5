// How curationd and a curation-probe-worker talk: length-prefixed protobuf messages over a
// socket pair (ProbeTask one way, SourceReport the other).
#pragma once

#include <chrono>

#include <google/protobuf/message_lite.h>

namespace curation::probe {

enum class ReadResult { kDone, kClosed, kTimedOut };

/// A 4-byte little-endian length, then the serialized message.
bool WriteMessage(int fd, const google::protobuf::MessageLite& message);

/// Reads one message before `deadline` (time_point::max(): no deadline). A message over 4 MiB or
/// one that does not parse is kClosed: the peer is not to be trusted further.
ReadResult ReadMessage(int fd, google::protobuf::MessageLite& message, std::chrono::steady_clock::time_point deadline);

}  // namespace curation::probe
