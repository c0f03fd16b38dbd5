#pragma once
// Recomputing part of the moderation log's chain: every entry against its content hash, every
// link against the one before it. Windows of the chain are checked side by side, each on a
// connection of its own, and read as binary COPY: turning every column into text on the server
// and back was most of what verification cost.

#include <cstdint>
#include <optional>
#include <string>

#include <curation/common/status.hpp>
#include <curation/db/pool.hpp>

namespace curation::modlog {

/// The first break found in the chain.
struct Break {
  int64_t position = 0;
  int64_t entry_id = 0;
  std::string problem;
};

/// Thread-safe: each Check opens connections of its own, with the pool's options.
class ChainVerifier {
 public:
  /// Checks windows of `window` positions, `workers` of them at a time.
  ChainVerifier(const db::PoolOptions& options, int64_t window, int workers)
      : options_(options), window_(window), workers_(workers) {}

  /// Checks positions (from, to] of the chain and returns the first break by position, if any.
  /// The stored chain hash at `from` (the genesis hash for 0) is taken as verified: the caller
  /// vouches for it.
  absl::StatusOr<std::optional<Break>> Check(int64_t from, int64_t to) const;

 private:
  const db::PoolOptions& options_;
  int64_t window_;
  int workers_;
};

}  // namespace curation::modlog
