// Page tokens come back from any client. The input is read as a token for lists of one to four
// parts (the parse a forger reaches), and as a position: one that the ranges allow encodes to a
// token that decodes to it for its own query and to nothing for another; one that they do not
// allow is refused.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include <curation/common/page_token.hpp>

namespace {

using curation::PositionRange;

void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

// Lists take their ranges as an initializer list; these are the shapes they use.
using Decoded = absl::StatusOr<std::optional<std::vector<int64_t>>>;
Decoded Decode(const std::string& token, const std::string& query, size_t parts) {
  constexpr PositionRange kAny;
  constexpr PositionRange kId{.min = 1};
  constexpr PositionRange kMillis{.min = -62135596800000, .max = 253402300799999};  // years 1 to 9999
  switch (parts) {
    case 1: return curation::DecodePageToken(token, query, {kId});
    case 2: return curation::DecodePageToken(token, query, {kMillis, kId});
    case 3: return curation::DecodePageToken(token, query, {kAny, kMillis, kId});
    default: return curation::DecodePageToken(token, query, {kAny, kAny, kMillis, kId});
  }
}

bool InRanges(const std::vector<int64_t>& position) {
  const size_t parts = position.size();
  const int64_t id = position.back();
  const bool millis_ok = parts < 2 || (position[parts - 2] >= -62135596800000 && position[parts - 2] <= 253402300799999);
  return id >= 1 && millis_ok;
}

std::string Encode(const std::string& query, const std::vector<int64_t>& v) {
  switch (v.size()) {
    case 1: return curation::EncodePageToken(query, {v[0]});
    case 2: return curation::EncodePageToken(query, {v[0], v[1]});
    case 3: return curation::EncodePageToken(query, {v[0], v[1], v[2]});
    default: return curation::EncodePageToken(query, {v[0], v[1], v[2], v[3]});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const size_t parts = input.ConsumeIntegralInRange<size_t>(1, 4);
  std::vector<int64_t> position;
  for (size_t i = 0; i < parts; ++i) {
    position.push_back(input.ConsumeIntegral<int64_t>());
  }
  const std::string query = curation::PageQuery({"fuzz.list", input.ConsumeRandomLengthString(64)});
  const std::string token = input.ConsumeRemainingBytesAsString();

  for (size_t n = 1; n <= 4; ++n) {
    Decoded forged = Decode(token, query, n);
    Require(forged.ok() || absl::IsInvalidArgument(forged.status()), "a refusal other than INVALID_ARGUMENT");
    Require(!forged.ok() || !forged->has_value() || (*forged)->size() == n, "a position with another number of parts");
  }

  const std::string issued = Encode(query, position);
  Decoded decoded = Decode(issued, query, parts);
  if (InRanges(position)) {
    Require(decoded.ok() && decoded->has_value() && **decoded == position, "an issued token does not decode to its position");
    Decoded elsewhere = Decode(issued, curation::PageQuery({"fuzz.other", ""}), parts);
    Require(!elsewhere.ok(), "a token decodes for another query");
  } else {
    Require(!decoded.ok(), "a position out of range decodes");
  }
  return 0;
}
