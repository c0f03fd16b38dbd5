#include <curation/common/text.hpp>

#include <algorithm>
#include <optional>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

namespace curation {
namespace {

constexpr uint32_t kTab = 0x09, kLineFeed = 0x0A, kCarriageReturn = 0x0D;
constexpr uint32_t kBlackFlag = 0x1F3F4, kCancelTag = 0xE007F;
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";               // U+2026

struct Decoded {
  uint32_t code = 0;
  size_t length = 0;
};

// The character that starts at text[at]; nullopt for a broken sequence. NUL decodes as U+0000.
std::optional<Decoded> DecodeAt(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) {
    return Decoded{lead, 1};
  }
  const size_t length = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
  const std::string_view sequence = text.substr(at, length);
  if (length == 0 || !IsValidUtf8(sequence)) {
    return std::nullopt;
  }
  uint32_t code = lead & (0x7F >> length);
  for (char c : sequence.substr(1)) {
    code = (code << 6) | (static_cast<unsigned char>(c) & 0x3F);
  }
  return Decoded{code, length};
}

bool InRange(uint32_t code, uint32_t first, uint32_t last) { return code >= first && code <= last; }

bool IsControl(uint32_t code) { return code < 0x20 || InRange(code, 0x7F, 0x9F); }

// Code points that move text to another line or reorder what follows (C1 controls, line and
// paragraph separators, bidi embeddings, overrides and isolates): hostile text could
// otherwise make a table row or a message read differently from what it holds.
bool IsLayoutControl(uint32_t code) {
  return InRange(code, 0x80, 0x9F) || InRange(code, 0x2028, 0x202E) || InRange(code, 0x2066, 0x2069);
}

// What OneLine keeps as it is; everything else it turns into a space.
bool IsOneLineCharacter(uint32_t code) { return code >= 0x20 && code != 0x7F && !IsLayoutControl(code); }

// Unicode's White_Space.
bool IsWhitespace(uint32_t code) {
  return InRange(code, 0x09, 0x0D) || code == 0x20 || code == 0x85 || code == 0xA0 || code == 0x1680 ||
         InRange(code, 0x2000, 0x200A) || code == 0x2028 || code == 0x2029 || code == 0x202F || code == 0x205F ||
         code == 0x3000;
}

// Characters that show nothing: Unicode's Default_Ignorable_Code_Point (format characters,
// variation selectors, Hangul fillers, tags), the interlinear annotation controls and the
// blank braille pattern.
bool IsInvisible(uint32_t code) {
  return code == 0xAD || code == 0x34F || code == 0x61C || InRange(code, 0x115F, 0x1160) ||
         InRange(code, 0x17B4, 0x17B5) || InRange(code, 0x180B, 0x180F) || InRange(code, 0x200B, 0x200F) ||
         InRange(code, 0x202A, 0x202E) || InRange(code, 0x2060, 0x206F) || code == 0x2800 || code == 0x3164 ||
         InRange(code, 0xFE00, 0xFE0F) || code == 0xFEFF || code == 0xFFA0 || InRange(code, 0xFFF0, 0xFFFB) ||
         InRange(code, 0x1BCA0, 0x1BCA3) || InRange(code, 0x1D173, 0x1D17A) || InRange(code, 0xE0000, 0xE0FFF);
}

// What a refused character is, for the error ("a right-to-left override"); nullptr when the
// character may stand in written text. Tags are judged by the caller (they depend on what
// precedes them), and so are carriage returns.
const char* RefusedKind(uint32_t code) {
  switch (code) {
    case 0x202A: return "a left-to-right embedding";
    case 0x202B: return "a right-to-left embedding";
    case 0x202C: return "a pop directional formatting";
    case 0x202D: return "a left-to-right override";
    case 0x202E: return "a right-to-left override";
    case 0x2066: return "a left-to-right isolate";
    case 0x2067: return "a right-to-left isolate";
    case 0x2068: return "a first strong isolate";
    case 0x2069: return "a pop directional isolate";
    case 0xAD: return "a soft hyphen";
    case 0x180E: return "a Mongolian vowel separator";
    case 0x200B: return "a zero-width space";
    case 0x2060: return "a word joiner";
    case 0xFEFF: return "a zero-width no-break space (byte order mark)";
    case 0xE0001: return "a language tag";
    default: break;
  }
  if (code == kTab || code == kLineFeed) {
    return nullptr;
  }
  if (IsControl(code)) {
    return "a control character";
  }
  if (InRange(code, 0x2061, 0x2064)) {
    return "an invisible operator";
  }
  if (InRange(code, 0x206A, 0x206F)) {
    return "a deprecated format character";
  }
  if (InRange(code, 0xFFF9, 0xFFFB)) {
    return "an interlinear annotation character";
  }
  return nullptr;
}

bool IsTag(uint32_t code) { return InRange(code, 0xE0020, 0xE007F); }

}  // namespace

size_t Utf8CharacterLength(std::string_view text, size_t at) {
  std::optional<Decoded> decoded = DecodeAt(text, at);
  return decoded && decoded->code != 0 ? decoded->length : 0;
}

std::string RepairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (const size_t length = Utf8CharacterLength(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += kReplacementCharacter;
      ++i;
    }
  }
  return out;
}

std::string StorableText(std::string_view text, size_t max_bytes, bool* cut) {
  // One byte past the cap is enough for TruncateUtf8 to find the boundary.
  const std::string_view head = text.substr(0, max_bytes + 1);
  std::string out;
  if (head.find('\0') == std::string_view::npos) {
    out.assign(head);
  } else {
    out.reserve(head.size());
    for (char c : text) {
      if (c != '\0') {
        out += c;
        if (out.size() > max_bytes) {
          break;
        }
      }
    }
  }
  const bool was_cut = TruncateUtf8(out, max_bytes);
  if (cut != nullptr) {
    *cut = was_cut;
  }
  return out;
}

std::string OneLine(std::string_view raw) { return OneLine(raw, std::string_view::npos); }

std::string OneLine(std::string_view raw, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(raw.size(), max_bytes));
  size_t i = 0;
  while (i < raw.size()) {
    std::optional<Decoded> decoded = DecodeAt(raw, i);
    std::string_view piece = kReplacementCharacter;
    if (decoded && IsOneLineCharacter(decoded->code)) {
      piece = raw.substr(i, decoded->length);
    } else if (decoded) {
      piece = " ";
    }
    if (out.size() + piece.size() > max_bytes) {
      break;
    }
    out += piece;
    i += decoded ? decoded->length : 1;
  }
  return out;
}

bool IsOneLine(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    std::optional<Decoded> decoded = DecodeAt(text, i);
    if (!decoded || decoded->code == 0 || !IsOneLineCharacter(decoded->code)) {
      return false;
    }
    i += decoded->length;
  }
  return true;
}

bool IsHttpUrl(std::string_view url) {
  const absl::string_view scheme(url.data(), std::min<size_t>(url.size(), 8));
  const size_t host = absl::StartsWithIgnoreCase(scheme, "https://")  ? 8
                      : absl::StartsWithIgnoreCase(scheme, "http://") ? 7
                                                                      : 0;
  return host != 0 && url.size() > host && url[host] != '/' && url.find(' ') == std::string_view::npos &&
         IsOneLine(url);
}

size_t Utf16Length(std::string_view text) {
  size_t units = 0;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) {
      units += byte >= 0xF0 ? 2 : 1;
    }
  }
  return units;
}

std::string Clip(std::string text, size_t max_length, TextMeasure measure) {
  const bool utf16 = measure == TextMeasure::kUtf16Units;
  if ((utf16 ? Utf16Length(text) : Utf8Length(text)) <= max_length) {
    return text;
  }
  size_t length = 0;
  size_t end = 0;
  while (end < text.size()) {
    const size_t bytes = std::max<size_t>(Utf8CharacterLength(text, end), 1);
    const size_t units = utf16 && bytes == 4 ? 2 : 1;
    if (length + units > max_length - 1) {
      break;
    }
    length += units;
    end += bytes;
  }
  text.resize(end);
  text.append(kEllipsis);
  return text;
}

absl::Status CheckWrittenText(std::string_view field, std::string_view text) {
  bool in_flag = false;  // after a black flag, tags spell a subdivision flag until the cancel tag
  size_t i = 0;
  while (i < text.size()) {
    std::optional<Decoded> decoded = DecodeAt(text, i);
    if (!decoded) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(field), " is not valid UTF-8 text"));
    }
    const uint32_t code = decoded->code;
    const std::string number = absl::StrFormat("U+%04X", code);
    if (code == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(field), " is not valid UTF-8 text: it contains a NUL character (", number, ")"));
    }
    const char* refused = RefusedKind(code);
    if (code == kCarriageReturn && text.substr(i + 1, 1) == "\n") {
      refused = nullptr;  // a Windows line ending
    }
    if (IsTag(code) && !in_flag) {
      refused = "a tag character outside an emoji flag";
    }
    if (refused != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(field), " contains ", refused, " (", number,
                                                     "), which changes or hides what a reader sees; remove it"));
    }
    in_flag = (code == kBlackFlag || (in_flag && IsTag(code))) && code != kCancelTag;
    i += decoded->length;
  }
  return absl::OkStatus();
}

size_t VisibleLength(std::string_view text) {
  size_t count = 0;
  bool seen_visible = false;
  bool space_pending = false;  // whitespace after something visible: counts once, if more follows
  size_t i = 0;
  while (i < text.size()) {
    std::optional<Decoded> decoded = DecodeAt(text, i);
    const uint32_t code = decoded ? decoded->code : 0xFFFD;  // a broken byte shows as U+FFFD
    i += decoded ? decoded->length : 1;
    if (IsWhitespace(code)) {
      space_pending = seen_visible;
      continue;
    }
    if (IsInvisible(code) || IsControl(code)) {
      continue;
    }
    count += space_pending ? 2 : 1;
    space_pending = false;
    seen_visible = true;
  }
  return count;
}

}  // namespace curation
