#pragma once
// The modlog schema: appending entries (inside the caller's transaction, so a decision and
// its entry commit together), sealing them into the hash chain, reading and verifying.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <curation/db/pool.hpp>
#include <curation/modlog/entry.hpp>

namespace curation::modlog {

struct EntryFilter {
  std::optional<TimePoint> start;  // inclusive
  std::optional<TimePoint> end;    // exclusive
  std::string actor;
  std::string target_kind;
  std::string target_id;
  std::vector<std::string> kinds;
};

struct VerifyReport {
  bool intact = true;
  int64_t entries_checked = 0;
  int64_t unsealed = 0;
  std::string head_hash;  // 32 raw bytes; the genesis hash for an empty log
  int64_t broken_entry_id = 0;
  int64_t broken_position = 0;
  std::string problem;
};

/// The entries written but not yet sealed into the chain, for watching the sealer.
struct SealBacklog {
  int64_t entries = 0;
  std::optional<TimePoint> oldest_recorded_at;  // none when nothing waits
};

/// Thread-safe.
class LogStore {
 public:
  /// Verify checks stretches of at least `min_verify_stretch` entries side by side.
  explicit LogStore(db::Pool& pool, int64_t min_verify_stretch = 10000)
      : pool_(pool), min_verify_stretch_(min_verify_stretch) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Writes an entry in the caller's transaction and queues it for sealing; returns its id.
  /// The content's time is cut to the microsecond first.
  static int64_t Append(pqxx::work& tx, EntryContent content);

  /// A statement that appends an entry and then does `then`: more `, name AS (...)` clauses
  /// and a final SELECT, which read the new id as `(SELECT id FROM entry)` and take their own
  /// parameters from $29 on. For a caller that writes its own rows with the entry in one
  /// round trip. With a `guard` (a data-modifying query, run first as `guard`), the entry is
  /// written only when the guard returns a row.
  static std::string AppendThen(const std::string& then, const std::string& guard = "");
  /// Parameters $1..$28 of an AppendThen statement (nullopt is NULL). Cuts the content's times
  /// to the microsecond, as stored, and hashes it.
  static std::vector<std::optional<std::string>> AppendParameters(EntryContent& content);

  /// Seals up to `limit` waiting entries into the chain, in id order; returns how many.
  /// One sealer at a time (a transaction-level advisory lock); others wait.
  absl::StatusOr<int64_t> Seal(int64_t limit);
  /// Seals until nothing waits.
  absl::Status SealAll();
  /// What waits to be sealed; the sealer keeps it near empty, so an old entry here means it stopped.
  absl::StatusOr<SealBacklog> Backlog();

  /// Entries after `after_id` matching the filter, oldest first.
  absl::StatusOr<std::vector<Entry>> List(const EntryFilter& filter, int64_t after_id, int limit,
                                          std::optional<TimePoint> deadline = std::nullopt);
  /// NOT_FOUND for an unknown id.
  absl::StatusOr<Entry> Get(int64_t id, std::optional<TimePoint> deadline = std::nullopt);

  /// Recomputes every entry's content hash and every link of the chain.
  absl::StatusOr<VerifyReport> Verify();

 private:
  db::Pool& pool_;
  int64_t min_verify_stretch_;
};

}  // namespace curation::modlog
