#include <curation/common/page_token.hpp>

#include <charconv>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>

namespace curation {
namespace {

constexpr char kVersion[] = "v1";

}  // namespace

std::string EncodePageToken(std::initializer_list<int64_t> position) {
  return absl::WebSafeBase64Escape(absl::StrCat(kVersion, ":", absl::StrJoin(position, ":")));
}

absl::StatusOr<std::optional<std::vector<int64_t>>> DecodePageToken(const std::string& token, size_t parts) {
  if (token.empty()) {
    return std::optional<std::vector<int64_t>>();
  }
  absl::Status invalid = absl::InvalidArgumentError("page_token is not one this server issued");
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return invalid;
  }
  std::vector<std::string> fields = absl::StrSplit(text, ':');
  if (fields.size() != parts + 1 || fields[0] != kVersion) {
    return invalid;
  }
  std::vector<int64_t> position;
  for (size_t i = 1; i < fields.size(); ++i) {
    int64_t value = 0;
    const std::string& field = fields[i];
    auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc() || end != field.data() + field.size()) {
      return invalid;
    }
    position.push_back(value);
  }
  return std::optional<std::vector<int64_t>>(std::move(position));
}

}  // namespace curation
