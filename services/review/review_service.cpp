#include <curation/review/review_service.hpp>

#include <algorithm>
#include <charconv>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

namespace curation::review {
namespace {

const std::vector<std::string> kStates = {"open", "claimed", "decided", "escalated"};
const std::vector<std::string> kPendingStates = {"open", "claimed", "escalated"};

int64_t Millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Tokens are opaque to clients: a versioned (due, id) position, base64url encoded.
std::string EncodeToken(const ItemRow& last) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1:", Millis(last.due_at), ":", last.id));
}

absl::StatusOr<std::optional<QueuePosition>> DecodeToken(const std::string& token) {
  if (token.empty()) {
    return std::optional<QueuePosition>();
  }
  std::string text;
  absl::Status invalid = absl::InvalidArgumentError("page_token is not one this server issued");
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return invalid;
  }
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  int64_t due = 0, id = 0;
  if (parts.size() != 3 || parts[0] != "v1" ||
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), due).ec != std::errc() ||
      std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), id).ec != std::errc()) {
    return invalid;
  }
  return std::optional<QueuePosition>(QueuePosition{TimePoint(std::chrono::milliseconds(due)), id});
}

}  // namespace

QueueItem ReviewService::WithDeadlineState(ItemRow row) const {
  QueueItem item;
  TimePoint now = clock_.Now();
  bool pending = row.state != "decided";
  item.breached = pending && row.due_at <= now;
  item.at_risk = pending && !item.breached && row.due_at - now <= config_.at_risk;
  item.row = std::move(row);
  return item;
}

absl::StatusOr<ItemPage> ReviewService::ListItems(const ListItemsQuery& query, std::optional<TimePoint> deadline) {
  if (query.page_size < 0 || query.page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be between 0 and ", kMaxPageSize));
  }
  for (const std::string& state : query.states) {
    if (std::find(kStates.begin(), kStates.end(), state) == kStates.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown state '", state, "'"));
    }
  }
  ASSIGN_OR_RETURN(auto after, DecodeToken(query.page_token));
  int size = query.page_size == 0 ? kDefaultPageSize : query.page_size;
  // One extra row tells whether another page follows.
  ASSIGN_OR_RETURN(auto rows,
                   store_.ListItems(query.states.empty() ? kPendingStates : query.states, after, size + 1, deadline));
  ItemPage page;
  bool more = static_cast<int>(rows.size()) > size;
  rows.resize(std::min<size_t>(rows.size(), size));
  if (more) {
    page.next_page_token = EncodeToken(rows.back());
  }
  for (ItemRow& row : rows) {
    page.items.push_back(WithDeadlineState(std::move(row)));
  }
  return page;
}

absl::StatusOr<QueueItem> ReviewService::GetItem(int64_t id, std::optional<TimePoint> deadline) {
  if (id <= 0) {
    return absl::InvalidArgumentError("id must be a positive item id");
  }
  ASSIGN_OR_RETURN(ItemRow row, store_.GetItem(id, deadline));
  return WithDeadlineState(std::move(row));
}

}  // namespace curation::review
