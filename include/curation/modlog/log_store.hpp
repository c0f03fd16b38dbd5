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
  std::string in_channel_id;  // the channel or any of its videos
};

/// How much of the chain a verification recomputes.
enum class VerifyScope {
  /// Only what was sealed after the last intact verification (its checkpoint), when the chain
  /// still passes through it and the whole chain was recomputed within kWholeChainEvery; else
  /// the whole chain. Fast, but blind to an edit before the checkpoint.
  kSinceCheckpoint,
  /// Every entry and link from the first.
  kWholeChain,
};

struct VerifyReport {
  bool intact = true;
  int64_t entries_checked = 0;  // the chain holds up from position 1 to here
  int64_t unsealed = 0;
  std::string head_hash;  // 32 raw bytes; the genesis hash for an empty log
  int64_t broken_entry_id = 0;
  int64_t broken_position = 0;
  std::string problem;
  /// Positions up to here were taken from the checkpoint, not recomputed (0: the whole chain was).
  int64_t verified_from = 0;
  /// When the whole chain was last recomputed and found intact (this verification, if it did).
  std::optional<TimePoint> whole_chain_verified_at;
  /// The chain's last position when verified.
  int64_t head_position = 0;
};

/// The entries written but not yet sealed into the chain, for watching the sealer.
struct SealBacklog {
  int64_t entries = 0;
  std::optional<TimePoint> oldest_recorded_at;  // none when nothing waits
};

/// Thread-safe.
class LogStore {
 public:
  /// How long a checkpoint is trusted without recomputing the whole chain.
  static constexpr std::chrono::hours kWholeChainEvery{24};

  /// Verify checks windows of `verify_window` positions side by side, one per core.
  explicit LogStore(db::Pool& pool, int64_t verify_window = 20000) : pool_(pool), verify_window_(verify_window) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Writes an entry in the caller's transaction and queues it for sealing; returns its id.
  /// The content's time is cut to the microsecond first.
  static int64_t Append(pqxx::work& tx, EntryContent content);

  /// A statement that appends an entry and then does `then`: more `, name AS (...)` clauses
  /// and a final SELECT, which read the new id as `(SELECT id FROM entry)` and take their own
  /// parameters from $31 on. For a caller that writes its own rows with the entry in one
  /// round trip. With a `guard` (a data-modifying query, run first as `guard`), the entry is
  /// written only when the guard returns a row.
  static std::string AppendThen(const std::string& then, const std::string& guard = "");
  /// Parameters $1..$30 of an AppendThen statement (nullopt is NULL). Cuts the content's times
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

  /// Recomputes the content hash of every entry in the chain and every link (or those after the
  /// checkpoint: see VerifyScope), and checks that every entry is in the chain or waiting to be
  /// sealed. An intact verification moves the checkpoint to the head it verified; a whole-chain
  /// one that finds a break makes every later one recompute the whole chain.
  absl::StatusOr<VerifyReport> Verify(VerifyScope scope = VerifyScope::kWholeChain);
  /// Recomputes positions (after, up_to] of the chain, taking the stored hash at `after` as
  /// verified, and nothing more: the checkpoint stays. Lets a reader verify the whole chain a
  /// window at a time and show its progress. Stops at the head and after kWindowsPerCall of
  /// Verify's windows, so that one call stays short; entries_checked says where it stopped.
  /// INVALID_ARGUMENT for an empty or negative window, OUT_OF_RANGE for one starting past the head.
  absl::StatusOr<VerifyReport> VerifyWindow(int64_t after, int64_t up_to);
  static constexpr int64_t kWindowsPerCall = 8;

 private:
  db::Pool& pool_;
  int64_t verify_window_;
};

}  // namespace curation::modlog
