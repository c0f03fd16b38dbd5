// The text toolkit over untrusted text (include/curation/common/text.hpp), and the readers of
// times and spans that the query node, Orion and clients send (time_format.hpp). Beyond not
// crashing, each keeps its promise: IsValidUtf8 agrees with simdjson's validator (less NUL);
// OneLine gives one line of valid UTF-8 with no control or bidi character, changes nothing it
// need not, and is idempotent; CheckWrittenText lets no broken UTF-8, control (but tab and line
// breaks) or bidi control through, and names the field when it refuses; VisibleLength never
// counts more than the code points; TruncateUtf8 cuts only what it must, at a boundary; a time that
// parses formats back to itself; spans and their human form do not overflow.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>
#include <simdjson.h>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace {

using namespace curation;

void Require(bool condition, const char* what, std::string_view detail = {}) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

// The code points of valid UTF-8, decoded independently of text.hpp.
template <typename Visit>
void ForEachCodePoint(std::string_view valid, Visit visit) {
  size_t i = 0;
  while (i < valid.size()) {
    const auto lead = static_cast<unsigned char>(valid[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    uint32_t code = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (size_t k = 1; k < length; ++k) {
      code = code << 6 | (static_cast<unsigned char>(valid[i + k]) & 0x3F);
    }
    visit(code);
    i += length;
  }
}

bool IsControlOrLayout(uint32_t code) {
  return code < 0x20 || code == 0x7F || (code >= 0x80 && code <= 0x9F) || (code >= 0x2028 && code <= 0x202E) ||
         (code >= 0x2066 && code <= 0x2069);
}

bool HasControlOrLayout(std::string_view valid) {
  bool found = false;
  ForEachCodePoint(valid, [&](uint32_t code) { found = found || IsControlOrLayout(code); });
  return found;
}

void CheckUtf8(std::string_view text) {
  const bool valid = IsValidUtf8(text);
  const bool reference = simdjson::validate_utf8(text.data(), text.size()) && text.find('\0') == std::string::npos;
  Require(valid == reference, "IsValidUtf8 disagrees with simdjson", text);
  if (valid) {
    size_t code_points = 0;
    ForEachCodePoint(text, [&](uint32_t) { ++code_points; });
    Require(Utf8Length(text) == code_points, "Utf8Length miscounts", text);
  }
}

void CheckOneLine(std::string_view text) {
  const std::string line = OneLine(text);
  Require(line.empty() || IsValidUtf8(line), "OneLine gave invalid UTF-8", line);
  Require(!HasControlOrLayout(line), "OneLine let a control or layout character through", line);
  Require(OneLine(line) == line, "OneLine is not idempotent", line);
  if (IsValidUtf8(text) && !HasControlOrLayout(text)) {
    Require(line == text, "OneLine changed clean text", text);
  }
}

bool IsBidiControl(uint32_t code) { return (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069); }

void CheckWritten(std::string_view text) {
  const absl::Status verdict = CheckWrittenText("note", text);
  if (!verdict.ok()) {
    const std::string_view message(verdict.message().data(), verdict.message().size());
    Require(absl::IsInvalidArgument(verdict), "CheckWrittenText refused with another code", message);
    Require(message.starts_with("note") && IsValidUtf8(message),
            "CheckWrittenText's refusal does not name the field in valid UTF-8", message);
    return;
  }
  Require(text.empty() || IsValidUtf8(text), "CheckWrittenText let broken UTF-8 or NUL through", text);
  uint32_t previous = 0;
  ForEachCodePoint(text, [&](uint32_t code) {
    const bool line_break = code == '\n' || code == '\t' || (previous == '\r' && code == '\n');
    Require(!IsBidiControl(code), "CheckWrittenText let a bidi control through", text);
    Require(line_break || code == '\r' || !IsControlOrLayout(code) || (code >= 0x2028 && code <= 0x2029),
            "CheckWrittenText let a control character through", text);
    Require(previous != '\r' || code == '\n', "CheckWrittenText let a lone carriage return through", text);
    previous = code;
  });
  Require(previous != '\r', "CheckWrittenText let a final carriage return through", text);
}

void CheckVisibleLength(std::string_view text) {
  if (IsValidUtf8(text)) {
    Require(VisibleLength(text) <= Utf8Length(text), "VisibleLength counts more than the code points", text);
  }
}

void CheckTruncate(std::string_view text, size_t max_bytes) {
  std::string cut(text);
  const bool changed = TruncateUtf8(cut, max_bytes);
  Require(changed == (text.size() > max_bytes), "TruncateUtf8 says the wrong thing about cutting", text);
  Require(cut.size() <= max_bytes && text.starts_with(cut), "TruncateUtf8 gave no prefix within the cap", text);
  Require(TruncatedUtf8(std::string(text), max_bytes) == cut, "TruncatedUtf8 disagrees with TruncateUtf8", text);
  if (IsValidUtf8(text)) {
    Require(cut.empty() || IsValidUtf8(cut), "TruncateUtf8 split a character", text);
    Require(!changed || cut.size() + 3 >= max_bytes, "TruncateUtf8 cut more than a character", text);
  }
}

void CheckTime(std::string_view text) {
  auto time = ParseIsoTime(text);
  if (!time) {
    return;
  }
  const std::string formatted = FormatIsoTime(*time);
  auto again = ParseIsoTime(formatted);
  Require(again.has_value() && *again == std::chrono::floor<std::chrono::milliseconds>(*time),
          "a parsed time does not format back to itself", formatted);
}

void CheckSpan(std::string_view text, int64_t millis) {
  auto span = ParseDuration(text);
  if (span) {
    Require(span->count() >= 0, "a span parsed negative", text);
    (void)HumanDuration(*span);
  }
  (void)HumanDuration(std::chrono::milliseconds(millis));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const auto max_bytes = input.ConsumeIntegralInRange<size_t>(0, 64);
  const auto millis = input.ConsumeIntegral<int64_t>();
  const std::string text = input.ConsumeRemainingBytesAsString();
  CheckUtf8(text);
  CheckOneLine(text);
  CheckWritten(text);
  CheckVisibleLength(text);
  CheckTruncate(text, max_bytes);
  CheckTime(text);
  CheckSpan(text, millis);
  return 0;
}
