#pragma once
// GraphQL over HTTP, for every upstream that speaks it (the query node, read by ingest and probe;
// Orion, read by alert): a Client that POSTs a document with its variables and turns the HTTP
// answer into a body or a status, and an AnswerParser that turns the body into the `data` it
// holds or the `errors` it reports. Values read tolerantly, as records anyone on chain can write
// need: capped text, checked ids and URLs, and a Record that gives a reason to set one record
// aside instead of failing the page. The documents themselves are .graphql files beside each
// service, validated against the schemas by tests/graphql.
//
// Usage:
//   graphql::Client client(http, {.upstream = {.name = "Orion"}, .url = url});
//   ASSIGN_OR_RETURN(std::string body, client.Execute(document, "FeaturedNow"));
//   graphql::AnswerParser parser(client.options().upstream);
//   ASSIGN_OR_RETURN(graphql::Value data, parser.Parse(body));
//   data["videoFeaturedInCategories"].ForEachElement([&](graphql::Value entry) { ... });

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <curation/common/clock.hpp>
#include <curation/common/http_client.hpp>
#include <curation/common/status.hpp>

namespace curation::graphql {

/// Who answers: how messages name it, and the codes its callers promise for broken answers.
struct Upstream {
  std::string name;  // "query node", "Orion": begins every message about its answers
  /// An answer that is not JSON of the shape asked for.
  absl::StatusCode malformed = absl::StatusCode::kDataLoss;
  /// An answer larger than the client's max_response_bytes. OUT_OF_RANGE: ask for less.
  absl::StatusCode oversized = absl::StatusCode::kOutOfRange;

  /// `malformed`, with the message "<name>'s answer <what>".
  absl::Status Malformed(std::string_view what) const;
};

struct ClientOptions {
  Upstream upstream;
  std::string url;  // the GraphQL endpoint
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request (Authorization)
  std::chrono::milliseconds timeout{30000};
  int64_t max_response_bytes = 64ll << 20;
};

/// POSTs GraphQL documents to one endpoint. Not thread-safe (nor is its HttpClient): one per
/// thread, or a mutex around it.
class Client {
 public:
  /// Sends through `http` (and its address guard, if it has one), which must outlive the client.
  Client(HttpClient& http, ClientOptions options);
  /// Sends through an HttpClient of its own, checked by `guard` when one is given.
  explicit Client(ClientOptions options, const AddressGuard* guard = nullptr);

  /// POSTs {query, operationName, variables} as JSON (variables left out when null) and returns
  /// the body of a 200 answer. Failures: those of HttpClient::Send (UNAVAILABLE,
  /// DEADLINE_EXCEEDED, PERMISSION_DENIED); a body over max_response_bytes: upstream.oversized;
  /// HTTP 429: RESOURCE_EXHAUSTED; 5xx: UNAVAILABLE; any other status: FAILED_PRECONDITION. An
  /// HTTP failure's message names the status, the operation, the Retry-After sent, and the start
  /// of the body on one line; RetryAfter(status) gives the pause a Retry-After in seconds asked.
  absl::StatusOr<std::string> Execute(std::string_view document, std::string_view operation,
                                      const nlohmann::json& variables = nullptr);

  /// The pause the server asked for with a failed Execute, if it did (a day at most).
  static std::optional<std::chrono::milliseconds> RetryAfter(const absl::Status& status);

  const ClientOptions& options() const { return options_; }
  const std::string& url() const { return options_.url; }

 private:
  std::unique_ptr<HttpClient> own_http_;  // when constructed without one
  HttpClient& http_;
  ClientOptions options_;
};

/// A JSON value in a parsed answer, or nothing (a member that is absent or null, an element past
/// the end). A view: valid while the AnswerParser that returned it neither parses again nor is
/// destroyed. Every read is tolerant: a value of another type reads as nullopt, as absent does.
class Value {
 public:
  Value() = default;
  explicit Value(simdjson::dom::element element) : element_(element) {}

  /// False when absent or null.
  explicit operator bool() const { return element_.has_value() && !element_->is_null(); }
  bool IsObject() const { return element_ && element_->type() == simdjson::dom::element_type::OBJECT; }
  bool IsArray() const { return element_ && element_->type() == simdjson::dom::element_type::ARRAY; }
  /// "object", "array", "string", "number", "boolean", "null", or "nothing" when absent: for
  /// messages that say what was found instead of what was asked for.
  const char* TypeName() const;

  /// The member `key` of an object; nothing for a missing member or when this is no object.
  Value operator[](std::string_view key) const {
    std::optional<simdjson::dom::element> member = Member(key);
    return member ? Value(*member) : Value();
  }
  /// Whether this is an object with the member `key`, null or not.
  bool Has(std::string_view key) const { return Member(key).has_value(); }
  /// The element `index` of an array; nothing past its end or when this is no array.
  Value At(size_t index) const;
  /// Elements of an array, 0 for anything else.
  size_t Size() const;
  /// Calls visit(Value) for each element of an array (not at all for anything else).
  template <typename Visit>
  void ForEachElement(Visit visit) const {
    simdjson::dom::array array;
    if (element_ && element_->get_array().get(array) == simdjson::SUCCESS) {
      for (simdjson::dom::element element : array) {
        visit(Value(element));
      }
    }
  }
  /// Calls visit(std::string_view key, Value) for each member of an object.
  template <typename Visit>
  void ForEachMember(Visit visit) const {
    simdjson::dom::object object;
    if (element_ && element_->get_object().get(object) == simdjson::SUCCESS) {
      for (auto [key, member] : object) {
        visit(key, Value(member));
      }
    }
  }

  std::optional<std::string_view> String() const {
    std::string_view text;
    if (!element_ || element_->get_string().get(text) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return text;
  }
  std::optional<bool> Bool() const;
  /// GraphQL Int: a JSON integer within [min, max].
  std::optional<int64_t> Int(int64_t min, int64_t max) const;
  /// GraphQL BigInt: a JSON integer, or its decimal digits as a string, within [min, max].
  std::optional<int64_t> BigInt(int64_t min, int64_t max) const;
  /// An ISO 8601 time (ParseIsoTime).
  std::optional<TimePoint> Time() const;

  /// A string as text to store (StorableText: no NUL, at most `max_bytes`, cut at a character
  /// boundary); `*cut_count`, when given, counts the texts that were cut.
  std::optional<std::string> Text(size_t max_bytes, size_t* cut_count = nullptr) const;
  /// An id to store and look up: a string (GraphQL serialises ID so) of 1 to kMaxIdBytes that
  /// IsOneLine and holds no U+FFFD (which only a repaired answer holds: such an id names nothing).
  std::optional<std::string> Id() const;
  static constexpr size_t kMaxIdBytes = 128;
  /// A URL to fetch later: IsHttpUrl and at most `max_bytes`. Never fetched here.
  std::optional<std::string> HttpUrl(size_t max_bytes) const;

  /// The value as minified JSON ("null" for null, empty when absent).
  std::string Json() const;

 private:
  std::optional<simdjson::dom::element> Member(std::string_view key) const {
    simdjson::dom::object object;
    simdjson::dom::element member;
    if (!element_ || element_->get_object().get(object) != simdjson::SUCCESS ||
        object.at_key(key).get(member) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return member;
  }

  std::optional<simdjson::dom::element> element_;
};

/// Reads answers. One per thread, reused: it keeps its buffers from one answer to the next.
class AnswerParser {
 public:
  explicit AnswerParser(Upstream upstream) : upstream_(std::move(upstream)) {}

  /// The answer's `data` object, valid until the next Parse. UNAVAILABLE with the first error's
  /// message (one line, at most 300 bytes) when the answer reports errors (a non-empty list, or
  /// anything but a list); upstream.malformed when it is not JSON, not an object, or holds no
  /// data object. Text in invalid UTF-8, and an escaped lone surrogate ("\ud800", which
  /// JavaScript's JSON.stringify writes for a broken string), read as U+FFFD instead of failing
  /// the answer: one creator's title must not hide everything else.
  absl::StatusOr<Value> Parse(std::string_view body);

  const Upstream& upstream() const { return upstream_; }

 private:
  Upstream upstream_;
  simdjson::dom::parser parser_;
};

/// A record set aside: kept, never silently dropped.
struct Rejection {
  std::optional<std::string> item_id;
  std::string reason;
  std::string raw;  // the record as received (minified JSON), cut to kMaxRawBytes between characters
  static constexpr size_t kMaxRawBytes = 64 * 1024;
};

/// One record of a list (an item of a page) read tolerantly: each Required* that finds nothing
/// usable keeps why (the first reason only) and returns an empty value, so the caller builds the
/// record in one pass and sets it aside when Rejected().
class Record {
 public:
  /// `cut_count`, when given, counts the texts cut to their cap.
  explicit Record(Value value, size_t* cut_count = nullptr) : value_(value), cut_count_(cut_count) {}

  Value operator[](std::string_view key) const { return value_[key]; }
  std::optional<std::string> Text(Value value, size_t max_bytes) const { return value.Text(max_bytes, cut_count_); }
  std::optional<std::string> Text(std::string_view key, size_t max_bytes) const {
    return Text(value_[key], max_bytes);
  }

  std::string RequiredId(std::string_view key);        // "missing or invalid <key>"
  std::string RequiredNestedId(std::string_view key);  // `key { id }`: "missing <key>.id"
  int64_t RequiredBigInt(std::string_view key, int64_t min, int64_t max);  // "missing or invalid <key>"
  bool RequiredBool(std::string_view key);             // "missing or invalid <key>"
  TimePoint RequiredTime(std::string_view key);        // "missing or invalid <key>"
  /// Sets the record aside for a reason of the caller's, unless it already is.
  void Reject(std::string reason);

  bool Rejected() const { return rejection_.has_value(); }
  /// The record set aside, with the first reason, its id when readable, and `as_received`
  /// (the record, or what holds it) as its raw JSON.
  Rejection SetAside(Value as_received) const;

 private:
  Value value_;
  size_t* cut_count_;
  std::optional<std::string> rejection_;
};

}  // namespace curation::graphql
