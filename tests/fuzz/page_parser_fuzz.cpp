// Query node answers, which relay metadata anyone on chain can set: every stream's ParsePage
// and ParseHead over the same body. Beyond not crashing, what comes out must be storable: every
// text valid UTF-8 without NUL, within its cap (a rejected item's raw JSON too), and every time
// one PostgreSQL accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>
#include <curation/ingest/page_parser.hpp>
#include <curation/ingest/streams.hpp>

namespace {

using curation::IsValidUtf8;
using nlohmann::json;

void Require(bool condition, const char* what, const std::string& detail) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s: %s\n", what, detail.c_str());
    std::abort();
  }
}

// Strings in rows must be valid UTF-8 without NUL; times must read back to themselves.
void CheckStorable(const json& value, const std::string& key) {
  if (value.is_object()) {
    for (const auto& [name, field] : value.items()) {
      CheckStorable(field, name);
    }
  } else if (value.is_array()) {
    for (const json& element : value) {
      CheckStorable(element, key);
    }
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    Require(IsValidUtf8(text), "text is not valid UTF-8 without NUL", key);
    if (key.ends_with("_at")) {
      auto time = curation::ParseIsoTime(text);
      Require(time.has_value() && curation::FormatIsoTime(*time) == text, "a time does not read back", text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const curation::ingest::TextLimits limits{.title = 40, .description = 200, .rationale = 200, .other = 20};
  for (const curation::ingest::StreamSpec& stream : curation::ingest::Streams()) {
    auto page = curation::ingest::ParsePage(stream, body, limits);
    if (!page.ok()) {
      Require(!page.status().message().empty(), "an error without a message", stream.name);
      continue;
    }
    Require(page->rows.size() + page->rejected.size() == page->item_count, "items lost", stream.name);
    for (const json& row : page->rows) {
      CheckStorable(row, "");
    }
    for (const json& object : page->data_objects) {
      CheckStorable(object, "");
    }
    for (const curation::ingest::RejectedItem& item : page->rejected) {
      Require(IsValidUtf8(item.reason), "a rejection reason is not valid UTF-8", item.reason);
      Require(item.raw.size() <= 64 * 1024, "a raw item over 64 KiB", stream.name);
      Require(IsValidUtf8(item.raw), "a raw item is not valid UTF-8 (cut inside a character?)", stream.name);
    }
  }
  auto head = curation::ingest::ParseHead(body);
  (void)head;
  return 0;
}
