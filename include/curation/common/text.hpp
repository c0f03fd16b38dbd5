#pragma once
// Text that goes into PostgreSQL must be valid UTF-8 without NUL bytes.

#include <string>

namespace curation {

/// Cuts `text` to at most `max_bytes` without splitting a UTF-8 character.
/// True when something was cut.
inline bool TruncateUtf8(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return false;
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return true;
}

/// A copy of `text` cut to `max_bytes` at a character boundary.
inline std::string TruncatedUtf8(std::string text, size_t max_bytes) {
  TruncateUtf8(text, max_bytes);
  return text;
}

}  // namespace curation
