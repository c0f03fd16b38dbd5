#pragma once
// Paginated lists (AIP-158), one rule for all: page sizes, and page tokens that are opaque to
// clients. A token holds the position after a page's last row (a few integers) and a check
// that binds it to the query it came from, base64url encoded; a token that was cut, edited,
// or issued for another list or other filters is refused, and so is any position outside the
// ranges the list gives, so a forged token can neither overflow a value nor start elsewhere
// than a real position could.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curation/common/status.hpp>

namespace curation {

/// Every list serves 100 results a page unless asked for another number, and at most 1,000.
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

/// The page size to serve for a request's `page_size`: 0 asks for kDefaultPageSize; a negative
/// size or one above kMaxPageSize is INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(int requested);

/// What a token is bound to: the list's name and each of its filters, in a fixed order
/// (`PageQuery({"modlog.entries", filter.actor, ...})`). Each value is length-prefixed, so
/// ("ab", "c") and ("a", "bc") are different queries.
std::string PageQuery(std::initializer_list<std::string_view> list_and_filters);

/// The values one part of a position may take.
struct PositionRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

std::string EncodePageToken(std::string_view query, std::initializer_list<int64_t> position);
/// The position in `token` (nullopt for an empty token, the first page), one value per range
/// in `parts`. INVALID_ARGUMENT for a token this server did not issue for `query`: not one of
/// its tokens, another number of parts, a value out of its range, or a check that does not
/// match (altered, or issued for another query).
absl::StatusOr<std::optional<std::vector<int64_t>>> DecodePageToken(const std::string& token, std::string_view query,
                                                                    std::initializer_list<PositionRange> parts);

/// Unbound tokens, for lists not yet moved to the bound ones above (ListEntries, until its
/// file is free to change): a token for the query "" with any value in each part.
std::string EncodePageToken(std::initializer_list<int64_t> position);
absl::StatusOr<std::optional<std::vector<int64_t>>> DecodePageToken(const std::string& token, size_t parts);

}  // namespace curation
