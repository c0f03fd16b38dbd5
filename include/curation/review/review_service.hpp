#pragma once
// ReviewService logic, free of gRPC: reading the queue with deadline state.

#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/config.hpp>
#include <curation/review/review_store.hpp>

namespace curation::review {

struct QueueItem {
  ItemRow row;
  bool at_risk = false;   // due within the at-risk window
  bool breached = false;  // past due, not decided
};

struct ListItemsQuery {
  std::vector<std::string> states;  // empty: everything not decided
  int page_size = 0;                // 0: default
  std::string page_token;
};

struct ItemPage {
  std::vector<QueueItem> items;
  std::string next_page_token;
};

class ReviewService {
 public:
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;

  ReviewService(ReviewStore& store, const Clock& clock, ReviewConfig config)
      : store_(store), clock_(clock), config_(config) {}

  /// INVALID_ARGUMENT for a bad page size, page token or state.
  absl::StatusOr<ItemPage> ListItems(const ListItemsQuery& query, std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<QueueItem> GetItem(int64_t id, std::optional<TimePoint> deadline = std::nullopt);

 private:
  QueueItem WithDeadlineState(ItemRow row) const;

  ReviewStore& store_;
  const Clock& clock_;
  ReviewConfig config_;
};

}  // namespace curation::review
