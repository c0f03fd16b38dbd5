#pragma once
// The ingest schema: upserts of parsed pages together with their high-water mark and the
// feed entries they raise, in one transaction each.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <curation/db/leadership.hpp>
#include <curation/db/pool.hpp>
#include <curation/ingest/page_parser.hpp>
#include <curation/ingest/streams.hpp>

namespace curation::ingest {

/// A stream's mark and the generation it was read at (bumped by every backfill).
struct Cursor {
  Mark mark = 0;
  int64_t generation = 0;
  bool stored = false;  // false: a starting mark nobody has saved yet
};

struct StreamState {
  std::string name;
  KeyKind key_kind = KeyKind::kBlock;
  std::optional<Mark> mark;
  std::optional<int64_t> caught_up_block;
  std::optional<TimePoint> last_success;
  std::string last_error;
  std::optional<TimePoint> last_error_time;
  int64_t items_read = 0;
};

struct IngestState {
  std::vector<StreamState> streams;
  /// The last failure to read the query node's head, if any.
  std::string head_error;
  std::optional<TimePoint> head_error_time;
  std::optional<Head> head;
  std::optional<TimePoint> head_checked;
  int64_t rejected_items = 0;
};

/// A page in the form the store sends it: each part one JSON array parameter. Encoding is
/// separate from storing so it can happen on another thread.
struct EncodedPage {
  std::string rows;          // empty when the page has none
  std::string data_objects;  // likewise
  std::string rejected;      // likewise
  int64_t item_count = 0;
};

/// Thread-safe (every call takes its own pooled connection).
class IngestStore {
 public:
  explicit IngestStore(db::Pool& pool) : pool_(pool) {}

  /// Named statements this store uses; add them to the pool options.
  static std::vector<db::PreparedStatement> Statements();

  /// Cursors of the streams polled before; a stream never polled has none.
  absl::StatusOr<std::map<std::string, Cursor>> LoadCursors(std::optional<TimePoint> deadline = std::nullopt);

  static EncodedPage Encode(const ParsedPage& page);

  /// Stores the page's rows, rejected items, feed entries and the stream's new mark atomically.
  /// ABORTED, storing nothing, when a backfill rewound the stream since `cursor` was loaded.
  absl::Status StorePage(const StreamSpec& stream, const EncodedPage& page, const Cursor& cursor);

  /// After a complete full read of `stream` (StreamSpec::full_read): deletes its rows whose id
  /// is not in `present`.
  absl::Status DeleteAbsent(const StreamSpec& stream, const std::vector<std::string>& present);

  /// A pass over `stream` that ended with "nothing more": a success, complete up to `head_block`.
  absl::Status RecordCaughtUp(const std::string& stream, int64_t head_block);
  /// `stream` may also be "head", the query that reads the query node's newest block.
  absl::Status RecordFailure(const std::string& stream, const std::string& message);
  absl::Status RecordHead(const Head& head);
  absl::StatusOr<IngestState> ReadState(std::optional<TimePoint> deadline = std::nullopt);

  /// Moves every block-keyed stream's mark back so the next polls re-read from `from_block`.
  absl::Status RewindBlockMarks(int64_t from_block, std::optional<TimePoint> deadline = std::nullopt);

  /// Non-blocking: a lease when no other instance polls, nullptr when one does.
  absl::StatusOr<std::unique_ptr<db::AdvisoryLease>> TryBecomePoller();

 private:
  db::Pool& pool_;
};

}  // namespace curation::ingest
