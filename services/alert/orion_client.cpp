#include <curation/alert/orion_client.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <nlohmann/json.hpp>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& AlertGraphqlDocuments();
}  // namespace curation::embedded

namespace curation::alert {
namespace {

using nlohmann::json;

constexpr char kOperationName[] = "FeaturedNow";
constexpr char kHeroSlot[] = "hero";
constexpr char kCategorySlotPrefix[] = "category:";
constexpr char kFeaturedPath[] = "data.videoFeaturedInCategories";
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxTextBytes = 1000;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxMessageBytes = 300;
constexpr size_t kMaxRetryAfterBytes = 64;
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

const std::string& FeaturedNowDocument() { return embedded::AlertGraphqlDocuments().at(0).second; }

// The length of the valid UTF-8 character that starts at `at`, or 0 when none does.
size_t Utf8CharacterLength(std::string_view text, size_t at) {
  for (size_t length = 1; length <= 4 && at + length <= text.size(); ++length) {
    if (IsValidUtf8(text.substr(at, length))) {
      return length;
    }
  }
  return 0;
}

// Server-supplied text made safe for one log line or incident note: control characters become
// spaces, invalid UTF-8 becomes U+FFFD, and it is cut to `max_bytes` on a character boundary.
std::string OneLine(std::string_view text, size_t max_bytes) {
  std::string line;
  size_t at = 0;
  while (at < text.size()) {
    const auto byte = static_cast<unsigned char>(text[at]);
    std::string_view character = kReplacementCharacter;
    size_t consumed = 1;
    if (byte < 0x20 || byte == 0x7F) {
      character = " ";
    } else if (size_t length = Utf8CharacterLength(text, at); length > 0) {
      character = text.substr(at, length);
      consumed = length;
    }
    if (line.size() + character.size() > max_bytes) {
      break;
    }
    line.append(character);
    at += consumed;
  }
  return line;
}

// The UTF-16 code unit of the `\uXXXX` escape at `at`, if one is there.
std::optional<uint16_t> EscapedCodeUnit(std::string_view body, size_t at) {
  if (at + 6 > body.size() || body[at] != '\\' || body[at + 1] != 'u') {
    return std::nullopt;
  }
  uint16_t unit = 0;
  const char* digits_end = body.data() + at + 6;
  auto [end, ec] = std::from_chars(body.data() + at + 2, digits_end, unit, 16);
  if (ec != std::errc() || end != digits_end) {
    return std::nullopt;
  }
  return unit;
}

bool IsHighSurrogate(uint16_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool IsLowSurrogate(uint16_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

// nlohmann rejects a whole document for one invalid UTF-8 sequence or one escaped lone
// surrogate ("\ud800", which JavaScript's JSON.stringify writes for a broken string). Either
// would let one creator's title hide every featured video, so both become U+FFFD before
// parsing. JSON's structure is ASCII, so nothing else about the document changes.
std::string WithBrokenTextReplaced(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  size_t at = 0;
  while (at < body.size()) {
    const auto byte = static_cast<unsigned char>(body[at]);
    if (byte == '\\') {
      std::optional<uint16_t> unit = EscapedCodeUnit(body, at);
      if (unit && (IsHighSurrogate(*unit) || IsLowSurrogate(*unit))) {
        std::optional<uint16_t> next = EscapedCodeUnit(body, at + 6);
        if (IsHighSurrogate(*unit) && next && IsLowSurrogate(*next)) {
          out.append(body.substr(at, 12));
          at += 12;
        } else {
          out.append("\\ufffd");
          at += 6;
        }
      } else {
        // Copied as a pair so that the second backslash of "\\" never starts an escape.
        out.append(body.substr(at, 2));
        at += 2;
      }
    } else if (byte < 0x80) {
      out += body[at];
      ++at;
    } else if (size_t length = Utf8CharacterLength(body, at); length > 0) {
      out.append(body.substr(at, length));
      at += length;
    } else {
      out.append(kReplacementCharacter);
      ++at;
    }
  }
  return out;
}

// Orion's code decides the shape of its answer; creators and operators decide its text. A shape
// other than the document asked for means a different or broken server and fails the whole
// answer, naming where; text that cannot be used costs one entry or one field, never the answer.

// `object[key]` when present and not null.
const json* Field(const json& object, const char* key) {
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

// Objects that Orion may leave out (null or absent) but never replace with something else.
absl::StatusOr<const json*> OptionalObject(const json& parent, const char* key, const std::string& path) {
  const json* value = Field(parent, key);
  if (value != nullptr && !value->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Orion's answer has a ", value->type_name(), " at ", path, ".", key, ", not an object"));
  }
  return value;
}

// `object[key]` when it is a string; anything else reads as absent.
const std::string* String(const json& object, const char* key) {
  const json* value = Field(object, key);
  return value != nullptr && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

// An id the rest of the pipeline can store and look up: a non-empty string of at most
// kMaxIdBytes without control characters (C0, DEL, C1) or U+FFFD, which is only there when
// WithBrokenTextReplaced found invalid UTF-8, so the id names nothing Orion has.
std::optional<std::string> Id(const json& object) {
  const std::string* value = String(object, "id");
  if (value == nullptr) {
    return std::nullopt;
  }
  const std::string& id = *value;
  if (id.empty() || id.size() > kMaxIdBytes || id.find(kReplacementCharacter) != std::string::npos) {
    return std::nullopt;
  }
  for (size_t at = 0; at < id.size(); ++at) {
    const auto byte = static_cast<unsigned char>(id[at]);
    const bool c1_control =
        byte == 0xC2 && at + 1 < id.size() && static_cast<unsigned char>(id[at + 1]) <= 0x9F;
    if (byte < 0x20 || byte == 0x7F || c1_control) {
      return std::nullopt;
    }
  }
  return id;
}

// Text for people and for PostgreSQL (which cannot hold NUL), cut to kMaxTextBytes on a
// character boundary. Anything but a string reads as empty.
std::string Text(const json& object, const char* key) {
  const std::string* value = String(object, key);
  if (value == nullptr) {
    return {};
  }
  std::string text;
  for (char ch : *value) {
    if (ch == '\0') {
      continue;
    }
    text += ch;
    if (text.size() > kMaxTextBytes) {
      break;  // one byte past the cap is enough for TruncateUtf8 to find the boundary
    }
  }
  TruncateUtf8(text, kMaxTextBytes);
  return text;
}

// A URL the prober may try later (it checks the address itself): http(s), at most
// kMaxUrlBytes, with no spaces or control characters that could split a request or log line.
// Anything else reads as empty, as if Orion had none.
std::string Url(const json& object, const char* key) {
  const std::string* url = String(object, key);
  if (url == nullptr) {
    return {};
  }
  const size_t authority =
      absl::StartsWithIgnoreCase(*url, "https://") ? 8 : absl::StartsWithIgnoreCase(*url, "http://") ? 7 : 0;
  if (authority == 0 || url->size() <= authority || url->size() > kMaxUrlBytes ||
      std::any_of(url->begin(), url->end(), [](char ch) {
        const auto byte = static_cast<unsigned char>(ch);
        return byte <= 0x20 || byte == 0x7F;
      })) {
    return {};
  }
  return *url;
}

std::optional<TimePoint> Time(const json& object, const char* key) {
  const std::string* text = String(object, key);
  return text == nullptr ? std::nullopt : ParseIsoTime(*text);
}

// Nothing when the hero names no usable video: there is nothing to probe or page about.
absl::StatusOr<std::optional<FeaturedVideo>> ReadHero(const json& hero) {
  ASSIGN_OR_RETURN(const json* video, OptionalObject(hero, "video", "data.videoHero"));
  if (video == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> video_id = Id(*video);
  if (!video_id) {
    return std::nullopt;
  }
  return FeaturedVideo{.slot = kHeroSlot,
                       .video_id = std::move(*video_id),
                       .video_title = Text(*video, "title"),
                       .hero_title = Text(hero, "heroTitle"),
                       .cut_url = Url(hero, "heroVideoCutUrl"),
                       .poster_url = Url(hero, "heroPosterUrl"),
                       .activated_at = Time(hero, "activatedAt")};
}

// Nothing for an entry without a usable video or category.
absl::StatusOr<std::optional<FeaturedVideo>> ReadFeaturedEntry(const json& entry, const std::string& path) {
  if (entry.is_null()) {
    return std::nullopt;
  }
  if (!entry.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Orion's answer has a ", entry.type_name(), " at ", path, ", not an object"));
  }
  ASSIGN_OR_RETURN(const json* video, OptionalObject(entry, "video", path));
  ASSIGN_OR_RETURN(const json* category, OptionalObject(entry, "category", path));
  if (video == nullptr || category == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> video_id = Id(*video);
  std::optional<std::string> category_id = Id(*category);
  if (!video_id || !category_id) {
    return std::nullopt;
  }
  return FeaturedVideo{.slot = absl::StrCat(kCategorySlotPrefix, *category_id),
                       .video_id = std::move(*video_id),
                       .video_title = Text(*video, "title"),
                       .category_name = Text(*category, "name"),
                       .cut_url = Url(entry, "videoCutUrl")};
}

std::string FirstErrorMessage(const json& errors) {
  if (errors.is_array() && !errors.empty() && errors.front().is_object()) {
    if (const std::string* message = String(errors.front(), "message")) {
      return OneLine(*message, kMaxMessageBytes);
    }
  }
  return "(no message)";
}

absl::StatusOr<std::vector<FeaturedVideo>> ReadAnswer(const json& answer) {
  if (!answer.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("Orion's answer is a JSON ", answer.type_name(), ", not an object"));
  }
  // GraphQL servers send "errors" only when something failed, and then "data" may be partial.
  if (const json* errors = Field(answer, "errors"); errors != nullptr && !(errors->is_array() && errors->empty())) {
    return absl::UnavailableError(absl::StrCat("Orion reports GraphQL errors: ", FirstErrorMessage(*errors)));
  }
  const json* data = Field(answer, "data");
  if (data == nullptr || !data->is_object()) {
    return absl::InvalidArgumentError("Orion's answer has no object at data");
  }
  // A missing videoHero is not "no hero": the server did not run our query.
  if (!data->contains("videoHero")) {
    return absl::InvalidArgumentError("Orion's answer lacks data.videoHero");
  }
  std::vector<FeaturedVideo> featured;
  ASSIGN_OR_RETURN(const json* hero, OptionalObject(*data, "videoHero", "data"));
  if (hero != nullptr) {
    ASSIGN_OR_RETURN(std::optional<FeaturedVideo> hero_video, ReadHero(*hero));
    if (hero_video) {
      featured.push_back(std::move(*hero_video));
    }
  }
  const json* entries = Field(*data, "videoFeaturedInCategories");
  if (entries == nullptr || !entries->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("Orion's answer has no list at ", kFeaturedPath));
  }
  const auto first_in_category = static_cast<std::ptrdiff_t>(featured.size());
  for (size_t index = 0; index < entries->size(); ++index) {
    ASSIGN_OR_RETURN(std::optional<FeaturedVideo> video,
                     ReadFeaturedEntry((*entries)[index], absl::StrCat(kFeaturedPath, "[", index, "]")));
    if (video) {
      featured.push_back(std::move(*video));
    }
  }
  // Orion answers in no particular order; a stable order lets callers compare polls directly.
  // Stable, so that of duplicates the first one Orion sent is the one kept.
  auto slot_and_video = [](const FeaturedVideo& video) { return std::tie(video.slot, video.video_id); };
  std::stable_sort(featured.begin() + first_in_category, featured.end(),
                   [&](const FeaturedVideo& a, const FeaturedVideo& b) {
                     return slot_and_video(a) < slot_and_video(b);
                   });
  featured.erase(std::unique(featured.begin() + first_in_category, featured.end(),
                             [&](const FeaturedVideo& a, const FeaturedVideo& b) {
                               return slot_and_video(a) == slot_and_video(b);
                             }),
                 featured.end());
  return featured;
}

}  // namespace

OrionClient::OrionClient(HttpClient& http, OrionOptions options) : http_(http), options_(std::move(options)) {}

absl::StatusOr<std::vector<FeaturedVideo>> OrionClient::Featured() {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!options_.session.empty()) {
    request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options_.session));
  }
  request.body = json{{"query", FeaturedNowDocument()}, {"operationName", kOperationName}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  request.timeout = options_.timeout;
  request.max_response_bytes = options_.max_response_bytes;
  // Transport failures already carry the codes this method promises (UNAVAILABLE, DEADLINE_EXCEEDED).
  ASSIGN_OR_RETURN(HttpResponse response, http_.Send(request));
  if (response.status != 200) {
    std::string message = absl::StrCat("Orion answered HTTP ", response.status);
    if (auto retry_after = response.headers.find("retry-after"); retry_after != response.headers.end()) {
      absl::StrAppend(&message, " (Retry-After: ", OneLine(retry_after->second, kMaxRetryAfterBytes), ")");
    }
    absl::StrAppend(&message, ": ", OneLine(response.body, kMaxMessageBytes));
    return absl::UnavailableError(message);
  }
  return ParseFeatured(response.body);
}

absl::StatusOr<std::vector<FeaturedVideo>> ParseFeatured(const std::string& body) {
  const json answer = json::parse(WithBrokenTextReplaced(body), nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat("Orion's answer (", body.size(), " bytes) is not valid JSON"));
  }
  // Every read above checks the type first; this turns a check someone forgets into an error
  // instead of an exception through the poller.
  try {
    return ReadAnswer(answer);
  } catch (const json::exception& error) {
    return absl::InternalError(absl::StrCat("reading Orion's answer: ", error.what()));
  }
}

}  // namespace curation::alert
