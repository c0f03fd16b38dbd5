#include <curation/common/graphql.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>

#include <absl/strings/cord.h>
#include <absl/strings/str_cat.h>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation::graphql {
namespace {

using simdjson::dom::element_type;

constexpr char kRetryAfterPayload[] = "curation/retry-after-ms";
constexpr size_t kMaxExcerptBytes = 300;
constexpr size_t kMaxRetryAfterBytes = 64;
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Retry-After in seconds (an HTTP-date leaves the caller's own backoff to apply).
std::optional<std::chrono::milliseconds> RetryAfterSeconds(std::string_view value) {
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::min<int64_t>(seconds, 86400));  // a day at most
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

// `body` with every invalid UTF-8 sequence and every escaped lone surrogate replaced by U+FFFD.
// JSON's structure is ASCII, so nothing else about the document changes.
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

std::string FirstErrorMessage(Value errors) {
  if (std::optional<std::string_view> message = errors.At(0)["message"].String()) {
    return OneLine(*message, kMaxExcerptBytes);
  }
  return "(no message)";
}

}  // namespace

absl::Status Upstream::Malformed(std::string_view what) const {
  return absl::Status(malformed, absl::StrCat(name, "'s answer ", std::string(what)));
}

// ---------------------------------------------------------------------------------------------
// Client

Client::Client(HttpClient& http, ClientOptions options) : http_(http), options_(std::move(options)) {}

Client::Client(ClientOptions options, const AddressGuard* guard)
    : own_http_(std::make_unique<HttpClient>(guard)), http_(*own_http_), options_(std::move(options)) {}

absl::StatusOr<std::string> Client::Execute(std::string_view document, std::string_view operation,
                                            const nlohmann::json& variables) {
  HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.headers.insert(request.headers.end(), options_.headers.begin(), options_.headers.end());
  nlohmann::json body = {{"query", document}, {"operationName", operation}};
  if (!variables.is_null()) {
    body["variables"] = variables;
  }
  request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  request.timeout = options_.timeout;
  request.max_response_bytes = options_.max_response_bytes;
  absl::StatusOr<HttpResponse> sent = http_.Send(request);
  if (sent.status().code() == absl::StatusCode::kResourceExhausted) {
    // Too large, not throttled.
    return absl::Status(options_.upstream.oversized, sent.status().message());
  }
  ASSIGN_OR_RETURN(HttpResponse response, std::move(sent));
  if (response.status == 200) {
    return std::move(response.body);
  }
  std::string message =
      absl::StrCat(options_.upstream.name, " answered HTTP ", response.status, " to ", std::string(operation));
  auto retry_after = response.headers.find("retry-after");
  if (retry_after != response.headers.end()) {
    absl::StrAppend(&message, " (Retry-After: ", OneLine(retry_after->second, kMaxRetryAfterBytes), ")");
  }
  absl::StrAppend(&message, ": ", OneLine(response.body, kMaxExcerptBytes));
  absl::StatusCode code = absl::StatusCode::kFailedPrecondition;
  if (response.status == 429) {
    code = absl::StatusCode::kResourceExhausted;
  } else if (response.status >= 500) {
    code = absl::StatusCode::kUnavailable;
  }
  absl::Status status(code, message);
  if (retry_after != response.headers.end()) {
    if (auto pause = RetryAfterSeconds(retry_after->second)) {
      status.SetPayload(kRetryAfterPayload, absl::Cord(std::to_string(pause->count())));
    }
  }
  return status;
}

std::optional<std::chrono::milliseconds> Client::RetryAfter(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  if (!payload) {
    return std::nullopt;
  }
  int64_t millis = 0;
  const std::string text(*payload);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), millis);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(millis);
}

// ---------------------------------------------------------------------------------------------
// Value

const char* Value::TypeName() const {
  if (!element_) {
    return "nothing";
  }
  switch (element_->type()) {
    case element_type::OBJECT: return "object";
    case element_type::ARRAY: return "array";
    case element_type::STRING: return "string";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "number";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

Value Value::At(size_t index) const {
  simdjson::dom::array array;
  if (!element_ || element_->get_array().get(array) != simdjson::SUCCESS) {
    return Value();
  }
  simdjson::simdjson_result<simdjson::dom::element> found = array.at(index);
  return found.error() == simdjson::SUCCESS ? Value(found.value_unsafe()) : Value();
}

size_t Value::Size() const {
  simdjson::dom::array array;
  return element_ && element_->get_array().get(array) == simdjson::SUCCESS ? array.size() : 0;
}

std::optional<bool> Value::Bool() const {
  bool flag = false;
  if (!element_ || element_->get_bool().get(flag) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return flag;
}

std::optional<int64_t> Value::Int(int64_t min, int64_t max) const {
  if (!element_ || element_->type() != element_type::INT64) {
    return std::nullopt;  // floats, and unsigned values beyond int64
  }
  const int64_t number = element_->get_int64().value_unsafe();
  if (number < min || number > max) {
    return std::nullopt;
  }
  return number;
}

std::optional<int64_t> Value::BigInt(int64_t min, int64_t max) const {
  std::optional<std::string_view> digits = String();
  if (!digits) {
    return Int(min, max);
  }
  int64_t number = 0;
  auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), number);
  if (ec != std::errc() || end != digits->data() + digits->size() || number < min || number > max) {
    return std::nullopt;
  }
  return number;
}

std::optional<TimePoint> Value::Time() const {
  std::optional<std::string_view> text = String();
  return text ? ParseIsoTime(*text) : std::nullopt;
}

std::optional<std::string> Value::Text(size_t max_bytes, size_t* cut_count) const {
  std::optional<std::string_view> raw = String();
  if (!raw) {
    return std::nullopt;
  }
  bool cut = false;
  std::string text = StorableText(*raw, max_bytes, &cut);
  if (cut && cut_count != nullptr) {
    ++*cut_count;
  }
  return text;
}

std::optional<std::string> Value::Id() const {
  std::optional<std::string_view> id = String();
  if (!id || id->empty() || id->size() > kMaxIdBytes || !IsOneLine(*id) ||
      id->find(kReplacementCharacter) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(*id);
}

std::optional<std::string> Value::HttpUrl(size_t max_bytes) const {
  std::optional<std::string_view> url = String();
  if (!url || url->size() > max_bytes || !IsHttpUrl(*url)) {
    return std::nullopt;
  }
  return std::string(*url);
}

std::string Value::Json() const { return element_ ? simdjson::minify(*element_) : std::string(); }

// ---------------------------------------------------------------------------------------------
// AnswerParser

absl::StatusOr<Value> AnswerParser::Parse(std::string_view body) {
  simdjson::dom::element answer;
  simdjson::error_code error = parser_.parse(body.data(), body.size()).get(answer);
  if (error == simdjson::UTF8_ERROR || error == simdjson::STRING_ERROR) {
    // Only a broken answer pays for the copy.
    error = parser_.parse(WithBrokenTextReplaced(body)).get(answer);
  }
  if (error != simdjson::SUCCESS) {
    return upstream_.Malformed(
        absl::StrCat("(", body.size(), " bytes) is not valid JSON: ", simdjson::error_message(error)));
  }
  if (answer.type() != element_type::OBJECT) {
    return upstream_.Malformed(absl::StrCat("is a JSON ", Value(answer).TypeName(), ", not an object"));
  }
  // GraphQL servers send "errors" only when something failed, and then "data" may be partial.
  Value errors = Value(answer)["errors"];
  if (errors && !(errors.IsArray() && errors.Size() == 0)) {
    return absl::UnavailableError(
        absl::StrCat(upstream_.name, " reports GraphQL errors: ", FirstErrorMessage(errors)));
  }
  Value data = Value(answer)["data"];
  if (!data.IsObject()) {
    return upstream_.Malformed("has no object at data");
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Record

std::string Record::RequiredId(std::string_view key) {
  std::optional<std::string> id = value_[key].Id();
  if (!id) {
    Reject(absl::StrCat("missing or invalid ", std::string(key)));
    return {};
  }
  return std::move(*id);
}

std::string Record::RequiredNestedId(std::string_view key) {
  std::optional<std::string> id = value_[key]["id"].Id();
  if (!id) {
    Reject(absl::StrCat("missing ", std::string(key), ".id"));
    return {};
  }
  return std::move(*id);
}

int64_t Record::RequiredBigInt(std::string_view key, int64_t min, int64_t max) {
  std::optional<int64_t> number = value_[key].BigInt(min, max);
  if (!number) {
    Reject(absl::StrCat("missing or invalid ", std::string(key)));
    return 0;
  }
  return *number;
}

bool Record::RequiredBool(std::string_view key) {
  std::optional<bool> flag = value_[key].Bool();
  if (!flag) {
    Reject(absl::StrCat("missing or invalid ", std::string(key)));
    return false;
  }
  return *flag;
}

TimePoint Record::RequiredTime(std::string_view key) {
  std::optional<TimePoint> time = value_[key].Time();
  if (!time) {
    Reject(absl::StrCat("missing or invalid ", std::string(key)));
    return {};
  }
  return *time;
}

void Record::Reject(std::string reason) {
  if (!rejection_) {
    rejection_ = std::move(reason);
  }
}

Rejection Record::SetAside(Value as_received) const {
  return Rejection{.item_id = value_["id"].Id(),
                   .reason = rejection_.value_or(""),
                   .raw = TruncatedUtf8(as_received.Json(), Rejection::kMaxRawBytes)};
}

}  // namespace curation::graphql
