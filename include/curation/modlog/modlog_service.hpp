#pragma once
// ModerationLogService logic, free of gRPC: reading, exporting and verifying the log, and
// sealing new entries into the chain.

#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include <curation/modlog/log_store.hpp>

namespace curation::modlog {

struct EntryQuery {
  EntryFilter filter;
  int page_size = 0;  // 0: default
  std::string page_token;
};

struct EntryPage {
  std::vector<Entry> entries;
  std::string next_page_token;
};

class ModerationLogService {
 public:
  explicit ModerationLogService(LogStore& store) : store_(store) {}

  /// INVALID_ARGUMENT for a bad page size (see PageSize), token, kind, target kind or time range.
  absl::StatusOr<EntryPage> ListEntries(const EntryQuery& query, std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<Entry> GetEntry(int64_t id, std::optional<TimePoint> deadline = std::nullopt);
  /// Seals what waits, then checks the chain (see VerifyScope).
  absl::StatusOr<VerifyReport> Verify(VerifyScope scope = VerifyScope::kWholeChain);
  /// Checks one window of the chain as sealed so far (see LogStore::VerifyWindow).
  absl::StatusOr<VerifyReport> VerifyWindow(int64_t after, int64_t up_to) { return store_.VerifyWindow(after, up_to); }
  /// Calls `write` for every matching entry, oldest first, until it returns false.
  absl::Status Export(const EntryFilter& filter, const std::function<bool(const Entry&)>& write);

  /// Seals new entries into the chain, in batches, within a fraction of a second of writing.
  void RunSealer(std::stop_token stop);

 private:
  LogStore& store_;
};

/// INVALID_ARGUMENT naming the field when a filter cannot match anything sensible.
absl::Status ValidateFilter(const EntryFilter& filter);

}  // namespace curation::modlog
