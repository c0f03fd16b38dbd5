#include <curation/common/text.hpp>

namespace curation {
namespace {

// Code points that move text to another line or reorder what follows (C1 controls, line and
// paragraph separators, bidi embeddings, overrides and isolates): hostile text could
// otherwise make a table row or a message read differently from what it holds.
bool IsLayoutControl(uint32_t code) {
  return (code >= 0x80 && code <= 0x9F) || (code >= 0x2028 && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
}

uint32_t CodePoint(std::string_view valid_sequence) {
  const auto lead = static_cast<unsigned char>(valid_sequence[0]);
  uint32_t code = lead & (0x7F >> valid_sequence.size());
  for (char c : valid_sequence.substr(1)) {
    code = (code << 6) | (static_cast<unsigned char>(c) & 0x3F);
  }
  return code;
}

}  // namespace

std::string OneLine(std::string_view raw) {
  static constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    const auto lead = static_cast<unsigned char>(raw[i]);
    if (lead < 0x80) {
      out += lead < 0x20 || lead == 0x7F ? ' ' : raw[i];
      ++i;
      continue;
    }
    const size_t length = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
    const std::string_view sequence = raw.substr(i, length);
    if (length == 1 || !IsValidUtf8(sequence)) {
      out += kReplacementCharacter;
      ++i;
      continue;
    }
    if (IsLayoutControl(CodePoint(sequence))) {
      out += ' ';
    } else {
      out += sequence;
    }
    i += length;
  }
  return out;
}

}  // namespace curation
