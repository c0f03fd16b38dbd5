#pragma once
// Every operation on UTF-8 text in curation: validity, repair, measures, cuts, one-line display,
// the neutralising of control and bidi characters, and the checks of text people write. Text
// that goes into PostgreSQL must be valid UTF-8 without NUL bytes. Stateless, so thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include <curation/common/status.hpp>

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

/// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF, no NUL (which
/// PostgreSQL text cannot hold).
inline bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
    unsigned char lead = byte(i);
    size_t length = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
    if (lead == 0 || length == 0 || i + length > text.size()) {
      return false;
    }
    uint32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) {
        return false;
      }
      code = (code << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

/// The length in bytes (1 to 4) of the valid UTF-8 character that starts at `text[at]`; 0 when
/// the bytes there are not one (broken, overlong, a surrogate, beyond U+10FFFF) or are NUL.
size_t Utf8CharacterLength(std::string_view text, size_t at);

/// `text` as valid UTF-8 without NUL: every byte that does not start a valid character, and NUL,
/// becomes U+FFFD. For text that must be encoded (JSON) or measured, whatever it holds.
std::string RepairUtf8(std::string_view text);

/// Text for PostgreSQL from valid UTF-8 that may hold NUL (JSON's \u0000): NUL removed, cut to
/// `max_bytes` at a character boundary. Reads no more of `text` than the cut needs, so a megabyte
/// title costs what its first kilobyte does. `*cut`, when given, is set to whether it was cut.
std::string StorableText(std::string_view text, size_t max_bytes, bool* cut = nullptr);

/// Untrusted text made to print on one line, valid UTF-8: a broken sequence becomes U+FFFD;
/// control characters (C0, DEL, C1), line and paragraph separators and bidi embeddings,
/// overrides and isolates become spaces.
std::string OneLine(std::string_view raw);

/// OneLine(raw) cut to `max_bytes` at a character boundary, reading no more of `raw` than that
/// needs: for excerpts of bodies and error texts of any size.
std::string OneLine(std::string_view raw, size_t max_bytes);

/// True when `text` is valid UTF-8 that OneLine leaves as it is: no NUL, no control, line
/// separating or bidi character. What an id or a URL must be to be shown and stored as it is.
bool IsOneLine(std::string_view text);

/// An absolute http(s) URL fit to fetch and to show: the scheme in any case, a host, and no
/// space, control or bidi character (nothing that could split a request or a log line).
bool IsHttpUrl(std::string_view url);

/// Why free text that a person writes for others to read (a justification, a note) cannot be
/// kept, as INVALID_ARGUMENT naming `field` and the character ("justification contains a
/// right-to-left override (U+202E)"); OK otherwise. Refused, because they change what a reader
/// sees or hide text from a search:
/// - anything but valid UTF-8, and NUL;
/// - control characters (C0, DEL, C1) except tab and line breaks (\n, and \r only in \r\n, so
///   a file written on Windows passes): the others move a terminal's cursor or recolour it;
/// - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which display
///   text in another order than it is stored;
/// - invisible format characters no script needs: zero-width space, word joiner and the
///   invisible operators (U+2060-U+2064), zero-width no-break space (BOM), soft hyphen,
///   Mongolian vowel separator, deprecated format controls (U+206A-U+206F), interlinear
///   annotations (U+FFF9-U+FFFB), the language tag U+E0001, and tag characters outside an
///   emoji flag sequence (they can spell hidden ASCII).
/// Kept: ZWJ and ZWNJ (emoji sequences, Indic and Persian scripts), the direction marks LRM,
/// RLM and ALM (mixed Arabic or Hebrew text), tags inside a flag sequence, every other letter,
/// mark, symbol and space.
absl::Status CheckWrittenText(std::string_view field, std::string_view text);

/// How many characters a reader sees in valid UTF-8 text: code points, where whitespace and
/// invisible characters (format characters, default-ignorable ones such as variation selectors
/// and Hangul fillers, the blank braille pattern) at either end count for nothing, a run of
/// whitespace inside counts once, and invisible characters inside not at all. So 30 spaces or
/// 30 zero-width spaces count 0, and "a   b" counts 3.
size_t VisibleLength(std::string_view text);

/// Characters (code points) in valid UTF-8 text: the width of a table cell.
inline size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }
  return count;
}

/// UTF-16 code units in valid UTF-8 text (a character beyond U+FFFF counts two). Never less
/// than Utf8Length: text cut to this measure fits whichever way a receiver counts "characters".
size_t Utf16Length(std::string_view text);

/// How Clip counts characters.
enum class TextMeasure {
  kCodePoints,  // Utf8Length
  kUtf16Units,  // Utf16Length
};

/// Valid UTF-8 `text` cut to at most `max_length` characters as `measure` counts them (at
/// least 1), ending in an ellipsis (U+2026) where it was cut.
std::string Clip(std::string text, size_t max_length, TextMeasure measure);

}  // namespace curation
