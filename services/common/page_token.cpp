#include <curation/common/page_token.hpp>

#include <charconv>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>

#include <curation/common/sha256.hpp>

namespace curation {
namespace {

constexpr char kVersion[] = "v2";
constexpr size_t kCheckLength = 16;  // hex digits of SHA-256: 64 bits

// Binds `position` (as written in the token) to `query`.
std::string Check(std::string_view query, std::string_view position) {
  return Hex(Sha256(std::string(query) + "\n" + std::string(position))).substr(0, kCheckLength);
}

// The position in `token`, one value per range in `parts`, if `token` was issued for `query`.
absl::StatusOr<std::optional<std::vector<int64_t>>> Decode(const std::string& token, std::string_view query,
                                                           const std::vector<PositionRange>& parts) {
  if (token.empty()) {
    return std::optional<std::vector<int64_t>>();
  }
  absl::Status invalid = absl::InvalidArgumentError("page_token is not one this server issued");
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return invalid;
  }
  // version, the position's parts, the check
  std::vector<std::string> fields = absl::StrSplit(text, ':');
  if (fields.size() != parts.size() + 2 || fields[0] != kVersion) {
    return invalid;
  }
  const std::string& check = fields.back();
  std::string_view position_text = std::string_view(text).substr(0, text.size() - check.size() - 1);
  if (check != Check(query, position_text)) {
    return absl::InvalidArgumentError(
        "page_token was altered or issued for another query (other filters): ask for the first page again");
  }
  std::vector<int64_t> position;
  auto range = parts.begin();
  for (size_t i = 1; i + 1 < fields.size(); ++i, ++range) {
    int64_t value = 0;
    const std::string& field = fields[i];
    auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc() || end != field.data() + field.size() || value < range->min || value > range->max) {
      return invalid;
    }
    position.push_back(value);
  }
  return std::optional<std::vector<int64_t>>(std::move(position));
}

}  // namespace

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be between 0 (the default, ", kDefaultPageSize, ") and ", kMaxPageSize));
  }
  return requested == 0 ? kDefaultPageSize : requested;
}

std::string PageQuery(std::initializer_list<std::string_view> list_and_filters) {
  std::string query;
  for (std::string_view value : list_and_filters) {
    absl::StrAppend(&query, value.size(), ":", std::string(value), ";");
  }
  return query;
}

std::string EncodePageToken(std::string_view query, std::initializer_list<int64_t> position) {
  std::string text = absl::StrCat(kVersion, ":", absl::StrJoin(position, ":"));
  return absl::WebSafeBase64Escape(absl::StrCat(text, ":", Check(query, text)));
}

absl::StatusOr<std::optional<std::vector<int64_t>>> DecodePageToken(const std::string& token, std::string_view query,
                                                                    std::initializer_list<PositionRange> parts) {
  return Decode(token, query, std::vector<PositionRange>(parts));
}

std::string EncodePageToken(std::initializer_list<int64_t> position) { return EncodePageToken("", position); }

absl::StatusOr<std::optional<std::vector<int64_t>>> DecodePageToken(const std::string& token, size_t parts) {
  return Decode(token, "", std::vector<PositionRange>(parts));
}

}  // namespace curation
