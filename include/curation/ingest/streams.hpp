#pragma once
// What ingest follows on the query node: one stream per (entity, order) pair, each with its
// own high-water mark.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/ingest/vocabulary.hpp>

namespace curation::ingest {

enum class Entity {
  kVideo,
  kChannel,
  kCategory,
  kModeratorEvent,
  kDistributionBucket,
  kDistributionOperator,
  kStorageBag,
};

/// Block-keyed streams read new items by `createdInBlock`/`inBlock`; time-keyed streams
/// read changed items by `updatedAt`.
enum class KeyKind { kBlock, kTime };

struct StreamSpec {
  std::string name;           // "videos.created": the cursor's name in the database
  std::string operation;      // GraphQL operation name in `document`
  std::string document;       // file in services/ingest/queries
  Entity entity;
  KeyKind key_kind;
  std::optional<ModeratorEventKind> event_kind = {};  // moderator events: which
  std::optional<TargetKind> event_target = {};  // moderator events: what they act on
  /// A time-keyed stream with no block-keyed partner (the distribution side carries no block
  /// height): its first pass reads from the beginning instead of from the head's time.
  bool from_start = false;
  /// Read whole on every pass (at most kMaxFullReadItems), and rows the query node no longer
  /// has are deleted: for entities it deletes (distribution buckets and operators), which no
  /// updatedAt shows.
  bool full_read = false;
};

/// The most items a full-read stream may hold; past it the pass fails and deletes nothing.
inline constexpr size_t kMaxFullReadItems = 10000;

/// Every stream, in the order a poll reads them (the distribution side, categories and channels
/// before the videos that refer to them: a new video's probe finds its bag's distributors).
const std::vector<StreamSpec>& Streams();

/// A stream's high-water mark: a block for block-keyed streams, milliseconds since the
/// epoch for time-keyed ones. Everything at or below it is stored.
using Mark = int64_t;

/// Joystream's target block time, used to express a lag in blocks as time.
inline constexpr std::chrono::milliseconds kBlockTime{6000};

/// The text of a GraphQL document from services/ingest/queries, compiled into the binary.
const std::string& QueryDocument(const std::string& file);

}  // namespace curation::ingest
