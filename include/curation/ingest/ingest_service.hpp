#pragma once
// IngestService logic, free of gRPC: status against the query node's head, and backfills.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/ingest/ingest_store.hpp>

namespace curation::ingest {

struct IngestStatusView {
  int64_t high_water_block = 0;
  int64_t head_block = 0;
  std::optional<TimePoint> head_time;
  std::optional<TimePoint> head_check_time;
  int64_t lag_blocks = 0;
  std::chrono::milliseconds lag{0};
  std::optional<TimePoint> last_success;
  std::string last_error;
  std::optional<TimePoint> last_error_time;
  int64_t rejected_items = 0;
  std::vector<StreamState> streams;
};

class IngestService {
 public:
  IngestService(IngestStore& store, std::string query_node_url) : store_(store), url_(std::move(query_node_url)) {}

  absl::StatusOr<IngestStatusView> GetStatus(std::optional<TimePoint> deadline = std::nullopt);
  /// INVALID_ARGUMENT for a negative block, OUT_OF_RANGE for one past the chain head,
  /// FAILED_PRECONDITION for any but 0 while the head is not known yet.
  absl::Status StartBackfill(int64_t from_block, std::optional<TimePoint> deadline = std::nullopt);
  const std::string& query_node_url() const { return url_; }

 private:
  IngestStore& store_;
  std::string url_;
};

}  // namespace curation::ingest
