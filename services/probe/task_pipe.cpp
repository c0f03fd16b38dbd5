#include "task_pipe.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace curation::probe {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kMaxMessageBytes = 4 << 20;

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = send(fd, data, size, MSG_NOSIGNAL);  // a dead peer is an error, not SIGPIPE
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

// Reads exactly `size` bytes before `deadline`.
ReadResult ReadAll(int fd, char* data, size_t size, SteadyClock::time_point deadline) {
  while (size > 0) {
    int64_t left = -1;  // no deadline: wait as long as it takes
    if (deadline != SteadyClock::time_point::max()) {
      left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
      if (left <= 0) return ReadResult::kTimedOut;
    }
    pollfd poll_fd{fd, POLLIN, 0};
    int ready = poll(&poll_fd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the deadline check above decides
    if (ready < 0) return ReadResult::kClosed;
    ssize_t got = read(fd, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return ReadResult::kClosed;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return ReadResult::kDone;
}

}  // namespace

bool WriteMessage(int fd, const google::protobuf::MessageLite& message) {
  std::string bytes = message.SerializeAsString();
  uint32_t length = static_cast<uint32_t>(bytes.size());
  char prefix[4] = {static_cast<char>(length), static_cast<char>(length >> 8), static_cast<char>(length >> 16),
                    static_cast<char>(length >> 24)};
  return WriteAll(fd, prefix, 4) && WriteAll(fd, bytes.data(), bytes.size());
}

ReadResult ReadMessage(int fd, google::protobuf::MessageLite& message, SteadyClock::time_point deadline) {
  unsigned char prefix[4];
  if (auto result = ReadAll(fd, reinterpret_cast<char*>(prefix), 4, deadline); result != ReadResult::kDone) {
    return result;
  }
  uint32_t length = prefix[0] | prefix[1] << 8 | prefix[2] << 16 | static_cast<uint32_t>(prefix[3]) << 24;
  if (length > kMaxMessageBytes) return ReadResult::kClosed;
  std::string bytes(length, '\0');
  if (auto result = ReadAll(fd, bytes.data(), length, deadline); result != ReadResult::kDone) {
    return result;
  }
  return message.ParseFromString(bytes) ? ReadResult::kDone : ReadResult::kClosed;
}

}  // namespace curation::probe
