// The text toolkit over untrusted text (include/curation/common/text.hpp), and the readers of
// times and spans that the query node, Orion and clients send (time_format.hpp). Beyond not
// crashing, each keeps its promise: IsValidUtf8 agrees with simdjson's validator (less NUL);
// RepairUtf8 gives valid UTF-8 and leaves valid text alone; OneLine gives one line of valid
// UTF-8 with no control or bidi character, changes nothing it need not, and is idempotent, and
// its capped form is its cut; IsOneLine says whether OneLine would change anything; IsHttpUrl
// passes only one-line http(s) URLs without spaces; CheckWrittenText lets no broken UTF-8,
// control (but tab and line breaks) or bidi control through, and names the field when it
// refuses; VisibleLength never counts more than the code points, Utf16Length never fewer;
// TruncateUtf8 and StorableText cut only what they must, at a boundary; Clip keeps within its
// length and marks its cut; a time that parses formats back to itself; spans and their human
// form do not overflow.
#include <cctype>
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

std::string ToLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
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

void CheckRepair(std::string_view text) {
  const std::string repaired = RepairUtf8(text);
  Require(repaired.empty() || IsValidUtf8(repaired), "RepairUtf8 gave invalid UTF-8", repaired);
  if (IsValidUtf8(text)) {
    Require(repaired == text, "RepairUtf8 changed valid text", text);
  }
}

void CheckOneLine(std::string_view text, size_t max_bytes) {
  const std::string line = OneLine(text);
  Require(line.empty() || IsValidUtf8(line), "OneLine gave invalid UTF-8", line);
  Require(!HasControlOrLayout(line), "OneLine let a control or layout character through", line);
  Require(OneLine(line) == line, "OneLine is not idempotent", line);
  if (IsValidUtf8(text) && !HasControlOrLayout(text)) {
    Require(line == text, "OneLine changed clean text", text);
  }
  Require(OneLine(text, max_bytes) == TruncatedUtf8(line, max_bytes), "capped OneLine is not its cut", text);
  Require(IsOneLine(text) == (IsValidUtf8(text) && line == text), "IsOneLine disagrees with OneLine", text);
  if (IsHttpUrl(text)) {
    const std::string scheme = ToLower(text.substr(0, 8));
    Require(IsOneLine(text) && text.find(' ') == std::string_view::npos &&
                (scheme.starts_with("http://") || scheme == "https://"),
            "IsHttpUrl passed what is no one-line http(s) URL", text);
  }
}

void CheckClip(std::string_view text, size_t max_length) {
  const std::string valid = OneLine(text);
  Require(Utf16Length(valid) >= Utf8Length(valid), "Utf16Length counts fewer than the code points", valid);
  for (TextMeasure measure : {TextMeasure::kCodePoints, TextMeasure::kUtf16Units}) {
    auto length = [&](std::string_view clipped) {
      return measure == TextMeasure::kCodePoints ? Utf8Length(clipped) : Utf16Length(clipped);
    };
    const std::string clipped = Clip(valid, max_length, measure);
    Require(clipped.empty() || IsValidUtf8(clipped), "Clip gave invalid UTF-8", clipped);
    if (length(valid) <= max_length) {
      Require(clipped == valid, "Clip cut what fits", valid);
    } else {
      Require(length(clipped) <= max_length && clipped.ends_with("\u2026") &&
                  valid.starts_with(clipped.substr(0, clipped.size() - 3)),
              "Clip gave no marked prefix within the length", valid);
    }
  }
}

void CheckStorable(std::string_view text, size_t max_bytes) {
  bool cut = false;
  const std::string stored = StorableText(text, max_bytes, &cut);
  std::string without_nul(text);
  std::erase(without_nul, '\0');
  Require(stored.size() <= max_bytes && stored.find('\0') == std::string::npos &&
              without_nul.starts_with(stored),
          "StorableText gave no prefix without NUL within the cap", text);
  Require(cut == (without_nul.size() > max_bytes), "StorableText says the wrong thing about cutting", text);
  if (IsValidUtf8(without_nul)) {
    Require(stored.empty() || IsValidUtf8(stored), "StorableText split a character", text);
    Require(!cut || stored.size() + 3 >= max_bytes, "StorableText cut more than a character", text);
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
  CheckRepair(text);
  CheckOneLine(text, max_bytes);
  CheckClip(text, max_bytes + 1);
  CheckWritten(text);
  CheckVisibleLength(text);
  CheckTruncate(text, max_bytes);
  CheckStorable(text, max_bytes);
  CheckTime(text);
  CheckSpan(text, millis);
  return 0;
}
