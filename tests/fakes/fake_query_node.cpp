#include <fakes/fake_query_node.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>
#include <unordered_set>
#include <utility>

#include <httplib.h>

namespace curation::fakes {
namespace {

using nlohmann::json;

// Collections, in the order FakeQueryNode::collections_ holds them.
enum CollectionId : size_t {
  kVideos,
  kChannels,
  kCategories,
  kVideoVisibility,
  kChannelVisibility,
  kVideoAssetsDeleted,
  kChannelAssetsDeleted,
  kDistributionBuckets,
  kDistributionOperators,
  kStorageBags,
  kCollectionIds,
};

bool IsEventCollection(size_t collection) {
  return collection >= kVideoVisibility && collection <= kChannelAssetsDeleted;
}

// The distribution side carries no block height: IngestHead does not read it.
bool IsDistributionCollection(size_t collection) { return collection >= kDistributionBuckets; }

// Orders a page operation can ask for; each maps to one index of its collection.
enum class Order { kCreated, kUpdated, kEvent };

size_t IndexOf(Order order) { return order == Order::kUpdated ? 1 : 0; }

struct PageOperation {
  std::string_view name;
  size_t collection;
  Order order;
};

constexpr std::array<PageOperation, 13> kPageOperations = {{
    {"VideosCreated", kVideos, Order::kCreated},
    {"VideosUpdated", kVideos, Order::kUpdated},
    {"ChannelsCreated", kChannels, Order::kCreated},
    {"ChannelsUpdated", kChannels, Order::kUpdated},
    {"CategoriesCreated", kCategories, Order::kCreated},
    {"CategoriesUpdated", kCategories, Order::kUpdated},
    {"VideoVisibilityEvents", kVideoVisibility, Order::kEvent},
    {"ChannelVisibilityEvents", kChannelVisibility, Order::kEvent},
    {"VideoAssetsDeletedEvents", kVideoAssetsDeleted, Order::kEvent},
    {"ChannelAssetsDeletedEvents", kChannelAssetsDeleted, Order::kEvent},
    {"DistributionBucketsUpdated", kDistributionBuckets, Order::kUpdated},
    {"DistributionOperatorsUpdated", kDistributionOperators, Order::kUpdated},
    {"StorageBagsUpdated", kStorageBags, Order::kUpdated},
}};

constexpr std::string_view kHeadOperation = "IngestHead";

// IngestHead's fields, in the document's order, with the collection each reads.
constexpr std::array<std::pair<std::string_view, size_t>, 7> kHeadFields = {{
    {"videos", kVideos},
    {"channels", kChannels},
    {"videoCategories", kCategories},
    {"videoVisibilitySetByModeratorEvents", kVideoVisibility},
    {"channelVisibilitySetByModeratorEvents", kChannelVisibility},
    {"videoAssetsDeletedByModeratorEvents", kVideoAssetsDeleted},
    {"channelAssetsDeletedByModeratorEvents", kChannelAssetsDeleted},
}};

const PageOperation* FindPageOperation(std::string_view name) {
  for (const PageOperation& op : kPageOperations) {
    if (op.name == name) {
      return &op;
    }
  }
  return nullptr;
}

// cpp-httplib compresses bodies whose Content-Type is exactly "application/json" when the client
// accepts it, with brotli at its slowest setting; the charset parameter (which Express also
// sends) keeps the fake from burning its CPU budget on that.
constexpr char kJsonContentType[] = "application/json; charset=utf-8";
constexpr size_t kHugeBodyChunkBytes = 256 << 10;
// Sorts a missing secondary key before every real one.
constexpr int64_t kMissingKey = std::numeric_limits<int64_t>::min();
// Prefix of the ids given to nodes put without one; a control character keeps them apart from
// ids a test would write.
constexpr std::string_view kAnonymousIdPrefix = "\x1f" "anonymous-";
constexpr std::string_view kCursorVersion = "fqn1";
constexpr std::string_view kDefaultCategoryId = "254433-2";
constexpr std::string_view kNetwork = "OLYMPIA";

// ---------------------------------------------------------------------------------------------
// Times

// Parses YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM] into Unix milliseconds. No zone means
// UTC. Fractions beyond milliseconds are truncated, as JavaScript's Date does.
std::optional<int64_t> ParseIsoMillis(std::string_view s) {
  size_t pos = 0;
  auto number = [&](size_t width, int& out) {
    if (pos + width > s.size()) {
      return false;
    }
    out = 0;
    for (size_t i = 0; i < width; ++i) {
      const char c = s[pos + i];
      if (c < '0' || c > '9') {
        return false;
      }
      out = out * 10 + (c - '0');
    }
    pos += width;
    return true;
  };
  auto literal = [&](std::string_view chars) {
    if (pos < s.size() && chars.find(s[pos]) != std::string_view::npos) {
      ++pos;
      return true;
    }
    return false;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(4, year) || !literal("-") || !number(2, month) || !literal("-") ||
      !number(2, day) || !literal("Tt ") || !number(2, hour) || !literal(":") ||
      !number(2, minute) || !literal(":") || !number(2, second)) {
    return std::nullopt;
  }
  int millis = 0;
  if (literal(".")) {
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) {
        millis = millis * 10 + (s[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return std::nullopt;
    }
    for (; digits < 3; ++digits) {
      millis *= 10;
    }
  }
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (literal("Zz")) {
      // UTC.
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int offset_hours = 0, offset_mins = 0;
      if (!number(2, offset_hours)) {
        return std::nullopt;
      }
      literal(":");
      if (!number(2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
        return std::nullopt;
      }
      offset_minutes = sign * (offset_hours * 60 + offset_mins);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const auto midnight = std::chrono::sys_days{date}.time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(midnight).count() +
         ((hour * 60 + minute - offset_minutes) * 60 + second) * int64_t{1000} + millis;
}

// ---------------------------------------------------------------------------------------------
// Node keys

const json* Field(const json& node, const char* key) {
  if (!node.is_object()) {
    return nullptr;
  }
  const auto it = node.find(key);
  return it == node.end() ? nullptr : &*it;
}

// An Int key. Integral floats and decimal strings count too, so a test can serve a node whose key
// has the wrong JSON type and still place it in the order.
std::optional<int64_t> IntegerKey(const json* value) {
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer() && !value->is_number_unsigned()) {
    return value->get<int64_t>();
  }
  if (value->is_number_unsigned()) {
    const uint64_t u = value->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (value->is_number_float()) {
    const double d = value->get<double>();
    if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9e18) {
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  if (value->is_string()) {
    const std::string& s = value->get_ref<const std::string&>();
    int64_t parsed = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (ec != std::errc() || end != s.data() + s.size()) {
      return std::nullopt;
    }
    return parsed;
  }
  return std::nullopt;
}

std::optional<int64_t> TimeKey(const json* value) {
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return ParseIsoMillis(value->get_ref<const std::string&>());
}

std::string DumpOrNull(const json* value) {
  return value == nullptr ? "null" : value->dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---------------------------------------------------------------------------------------------
// Cursors: base64 of "fqn1|<collection>.<index>|<primary>|<secondary>|<id>".

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) {
      n |= static_cast<uint8_t>(in[i + 1]) << 8;
    }
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t n = 0;
  int bits = 0;
  size_t padding = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=') {
      if (i + 2 < in.size()) {
        return std::nullopt;
      }
      ++padding;
      continue;
    }
    if (padding > 0) {
      return std::nullopt;
    }
    const size_t v = kBase64Alphabet.find(in[i]);
    if (v == std::string_view::npos) {
      return std::nullopt;
    }
    n = (n << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((n >> bits) & 0xff);
    }
  }
  return out;
}

std::string FamilyTag(size_t collection, size_t index) {
  return std::to_string(collection) + "." + std::to_string(index);
}

std::string EncodeCursor(std::string_view family, int64_t primary, int64_t secondary,
                         std::string_view id) {
  std::string raw;
  raw.reserve(48 + id.size());
  raw.append(kCursorVersion).append("|").append(family).append("|");
  raw.append(std::to_string(primary)).append("|").append(std::to_string(secondary)).append("|");
  raw.append(id);
  return Base64Encode(raw);
}

struct CursorKey {
  int64_t primary;
  int64_t secondary;
  std::string id;
};

std::optional<CursorKey> DecodeCursor(std::string_view family, std::string_view cursor) {
  const std::optional<std::string> raw = Base64Decode(cursor);
  if (!raw) {
    return std::nullopt;
  }
  std::string_view rest = *raw;
  auto next_part = [&rest]() -> std::optional<std::string_view> {
    const size_t bar = rest.find('|');
    if (bar == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view part = rest.substr(0, bar);
    rest.remove_prefix(bar + 1);
    return part;
  };
  auto to_int = [](std::optional<std::string_view> part) -> std::optional<int64_t> {
    int64_t value = 0;
    if (!part) {
      return std::nullopt;
    }
    const auto [end, ec] = std::from_chars(part->data(), part->data() + part->size(), value);
    if (ec != std::errc() || end != part->data() + part->size()) {
      return std::nullopt;
    }
    return value;
  };
  if (next_part() != kCursorVersion || next_part() != family) {
    return std::nullopt;
  }
  const std::optional<int64_t> primary = to_int(next_part());
  const std::optional<int64_t> secondary = to_int(next_part());
  if (!primary || !secondary) {
    return std::nullopt;
  }
  return CursorKey{*primary, *secondary, std::string(rest)};
}

// ---------------------------------------------------------------------------------------------
// GraphQL documents

struct DocumentInfo {
  std::vector<std::string> operations;  // names, "" for an anonymous operation
  bool selects_cursor = false;
};

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// A lexical scan, not a parser: enough to list the document's operations (top-level
// `query|mutation|subscription Name`, skipping comments and strings so "query node" in a comment
// does not count) and to see whether any selection set asks for an edge `cursor`.
DocumentInfo ScanDocument(std::string_view doc) {
  DocumentInfo info;
  enum class Top { kIdle, kAfterKeyword, kOperationHeader, kFragmentHeader } top = Top::kIdle;
  int braces = 0;
  int parens = 0;
  size_t i = 0;
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '#') {
      while (i < doc.size() && doc[i] != '\n') {
        ++i;
      }
    } else if (c == '"') {
      if (doc.substr(i, 3) == "\"\"\"") {
        const size_t end = doc.find("\"\"\"", i + 3);
        i = end == std::string_view::npos ? doc.size() : end + 3;
      } else {
        ++i;
        while (i < doc.size() && doc[i] != '"' && doc[i] != '\n') {
          i += doc[i] == '\\' ? 2 : 1;
        }
        ++i;
      }
    } else if (IsNameStart(c)) {
      const size_t start = i;
      while (i < doc.size() && IsNameChar(doc[i])) {
        ++i;
      }
      const std::string_view name = doc.substr(start, i - start);
      if (braces == 0 && parens == 0) {
        if (top == Top::kAfterKeyword) {
          info.operations.emplace_back(name);
          top = Top::kOperationHeader;
        } else if (top == Top::kIdle) {
          if (name == "query" || name == "mutation" || name == "subscription") {
            top = Top::kAfterKeyword;
          } else if (name == "fragment") {
            top = Top::kFragmentHeader;
          }
        }
      } else if (braces > 0 && parens == 0 && name == "cursor") {
        info.selects_cursor = true;
      }
    } else {
      if (c == '(') {
        ++parens;
      } else if (c == ')') {
        parens = std::max(0, parens - 1);
      } else if (c == '{' && parens == 0) {
        if (braces == 0 && (top == Top::kAfterKeyword || top == Top::kIdle)) {
          info.operations.emplace_back();
        }
        ++braces;
      } else if (c == '}' && parens == 0) {
        braces = std::max(0, braces - 1);
        if (braces == 0) {
          top = Top::kIdle;
        }
      }
      ++i;
    }
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// Bodies

std::string ErrorsBody(std::string_view message, bool with_null_data) {
  json body = {{"errors", json::array({{{"message", message}}})}};
  if (with_null_data) {
    body["data"] = nullptr;
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string JsonQuote(std::string_view s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

// The page a reverse proxy in front of the query node sends for an upstream failure.
std::string ProxyErrorPage(int status) {
  const std::string title = std::to_string(status) + " " + ReasonPhrase(status);
  return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
         "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
}

constexpr std::string_view kMalformedBody =
    R"({"data":{"page":{"pageInfo":{"hasNextPage":tru,"endCursor":null},"edges":[{"node":{"id":"1",}}]}})";

// What Apollo answers when the resolver's database query fails.
constexpr std::string_view kResolverErrorBody =
    R"({"errors":[{"message":"canceling statement due to statement timeout","locations":[{"line":1,"column":1}],"path":["page"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}],"data":null})";

// ---------------------------------------------------------------------------------------------
// Variables

struct IntVariable {
  int64_t value = 0;
  std::string error;  // empty when `value` is good
};

// A required Int! variable. GraphQL Int is 32-bit and graphql-js rejects anything else,
// including numbers in strings.
IntVariable ReadInt(const json& variables, const char* name) {
  const json* value = Field(variables, name);
  if (value == nullptr || value->is_null()) {
    return {0, std::string("Variable \"$") + name +
                   "\" of required type \"Int!\" was not provided."};
  }
  const std::optional<int64_t> parsed =
      value->is_number() ? IntegerKey(value) : std::optional<int64_t>();
  if (!parsed || *parsed < std::numeric_limits<int32_t>::min() ||
      *parsed > std::numeric_limits<int32_t>::max()) {
    return {0, std::string("Variable \"$") + name + "\" got invalid value " + DumpOrNull(value) +
                   "; Int cannot represent non 32-bit signed integer value: " +
                   DumpOrNull(value)};
  }
  return {*parsed, ""};
}

// ---------------------------------------------------------------------------------------------
// Builders' deterministic filler

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Joystream's ipfsHash: base58 of a blake3 multihash, 46 characters starting "gW".
std::string FakeContentHash(uint64_t seed) {
  static constexpr std::string_view kBase58 =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::string hash = "gW";
  uint64_t state = seed;
  while (hash.size() < 46) {
    state = Mix(state);
    hash += kBase58[state % kBase58.size()];
  }
  return hash;
}

std::string FakeExtrinsicHash(int64_t block, int index) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hash = "0x";
  uint64_t state = Mix(static_cast<uint64_t>(block) * 65536 + static_cast<uint64_t>(index));
  for (int word = 0; word < 4; ++word) {
    state = Mix(state);
    for (int nibble = 0; nibble < 16; ++nibble) {
      hash += kHex[(state >> (nibble * 4)) & 15];
    }
  }
  return hash;
}

json DataObject(int64_t object_id, int64_t size, const std::string& bag_id) {
  return {{"id", std::to_string(object_id)},
          {"size", std::to_string(size)},
          {"ipfsHash", FakeContentHash(static_cast<uint64_t>(object_id))},
          {"isAccepted", true},
          {"storageBag", {{"id", bag_id}}}};
}

json EventBase(std::string id, int64_t block, int index, std::string created_at_iso,
               json actor) {
  return {{"id", std::move(id)},
          {"createdAt", created_at_iso.empty() ? FakeQueryNode::BlockIso(block)
                                               : std::move(created_at_iso)},
          {"inBlock", block},
          {"indexInBlock", index},
          {"inExtrinsic", FakeExtrinsicHash(block, index)},
          {"network", kNetwork},
          {"actor", std::move(actor)}};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Private types

struct FakeQueryNode::StoredNode {
  std::string id;
  bool anonymous = false;  // put without a usable id; `id` is assigned under the lock
  std::string json;        // the node as served, serialized once
  std::string head;        // IngestHead's item for this node; empty outside IngestHead
  std::optional<std::pair<int64_t, int64_t>> keys[kIndexCount];
};

struct FakeQueryNode::Answer {
  int status;
  std::string body;
};

struct FakeQueryNode::ParsedRequest {
  std::string operation;  // resolved name; empty when the request is unusable
  json variables;         // as sent, for Requests()
  std::optional<Answer> error;
  bool selects_cursor = false;
};

struct FakeQueryNode::PageRequest {
  size_t collection;
  size_t index;
  std::string family;  // cursor family tag
  int64_t since;
  int64_t first;
  std::optional<std::string> after;  // as sent
  std::optional<CursorKey> after_key;
  bool selects_cursor;
};

struct FakeQueryNode::PageSlice {
  std::vector<IndexEntry> entries;  // in the operation's order
  bool has_next_page = false;
  bool reverse = false;
};

namespace {

// Index order: (primary, secondary, id).
constexpr auto kEntryLess = [](const auto& a, const auto& b) {
  if (a.primary != b.primary) {
    return a.primary < b.primary;
  }
  if (a.secondary != b.secondary) {
    return a.secondary < b.secondary;
  }
  return a.node->id < b.node->id;
};

// Three-way comparison of an index entry with a cursor key.
int CompareToCursor(int64_t primary, int64_t secondary, const std::string& id,
                    const CursorKey& key) {
  if (primary != key.primary) {
    return primary < key.primary ? -1 : 1;
  }
  if (secondary != key.secondary) {
    return secondary < key.secondary ? -1 : 1;
  }
  return id.compare(key.id) < 0 ? -1 : (id == key.id ? 0 : 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Lifetime

FakeQueryNode::FakeQueryNode() {
  static_assert(kCollectionIds == kCollectionCount);
  loopback_.server().Post("/graphql", [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, res);
  });
  loopback_.Start("127.0.0.1", "FakeQueryNode");
}

FakeQueryNode::~FakeQueryNode() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  loopback_.Stop();
}

std::string FakeQueryNode::Url() const {
  return "http://127.0.0.1:" + std::to_string(Port()) + "/graphql";
}

void FakeQueryNode::InterruptibleSleep(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  stop_cv_.wait_for(lock, delay, [this] { return stopping_; });
}

// ---------------------------------------------------------------------------------------------
// Data

void FakeQueryNode::PutVideo(json node) {
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(kVideos, std::move(nodes));
}

void FakeQueryNode::PutVideos(std::vector<json> nodes) { Put(kVideos, std::move(nodes)); }

void FakeQueryNode::PutChannel(json node) {
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(kChannels, std::move(nodes));
}

void FakeQueryNode::PutCategory(json node) {
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(kCategories, std::move(nodes));
}

void FakeQueryNode::PutEvent(EventKind kind, json node) {
  size_t collection = kVideoVisibility;
  switch (kind) {
    case EventKind::kVideoVisibility: collection = kVideoVisibility; break;
    case EventKind::kChannelVisibility: collection = kChannelVisibility; break;
    case EventKind::kVideoAssetsDeleted: collection = kVideoAssetsDeleted; break;
    case EventKind::kChannelAssetsDeleted: collection = kChannelAssetsDeleted; break;
  }
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(collection, std::move(nodes));
}

std::shared_ptr<FakeQueryNode::StoredNode> FakeQueryNode::Store(size_t collection, json node) {
  auto s = std::make_shared<StoredNode>();
  const json* id = Field(node, "id");
  if (id != nullptr && id->is_string()) {
    s->id = id->get<std::string>();
  } else if (id != nullptr && id->is_number_integer()) {
    s->id = id->dump();
  } else {
    s->anonymous = true;
  }
  const bool in_head = collection != kCategories && !IsDistributionCollection(collection);
  if (IsEventCollection(collection)) {
    const json* in_block = Field(node, "inBlock");
    if (const auto block = IntegerKey(in_block)) {
      s->keys[0] = {*block, IntegerKey(Field(node, "indexInBlock")).value_or(kMissingKey)};
    }
    if (in_head) {
      s->head = "{\"inBlock\":" + DumpOrNull(in_block) +
                ",\"createdAt\":" + DumpOrNull(Field(node, "createdAt")) + "}";
    }
  } else {
    const json* created_in_block = Field(node, "createdInBlock");
    const std::optional<int64_t> block = IntegerKey(created_in_block);
    if (block) {
      s->keys[0] = {*block, TimeKey(Field(node, "createdAt")).value_or(kMissingKey)};
    }
    if (const auto updated_at = TimeKey(Field(node, "updatedAt"))) {
      s->keys[1] = {*updated_at, block.value_or(kMissingKey)};
    }
    if (in_head) {
      s->head = "{\"createdInBlock\":" + DumpOrNull(created_in_block) +
                ",\"createdAt\":" + DumpOrNull(Field(node, "createdAt")) + "}";
    }
  }
  // Replace invalid UTF-8 rather than throw: a real server cannot send it either.
  s->json = node.dump(-1, ' ', false, json::error_handler_t::replace);
  return s;
}

void FakeQueryNode::Put(size_t collection, std::vector<json> nodes) {
  // Serializing (and freeing the caller's trees) is most of the cost of a put, so it happens
  // outside the lock. Spreading it over threads was tried: glibc's allocator then made both
  // the put and the caller's next batch slower.
  std::vector<std::shared_ptr<StoredNode>> stored;
  stored.reserve(nodes.size());
  for (json& node : nodes) {
    stored.push_back(Store(collection, std::move(node)));
  }

  std::lock_guard lock(mu_);
  CollectionData& data = collections_[collection];
  std::unordered_set<const StoredNode*> dropped;
  for (const auto& s : stored) {
    if (s->anonymous) {
      s->id = std::string(kAnonymousIdPrefix) + std::to_string(anonymous_ids_++);
    }
    auto [it, inserted] = data.by_id.try_emplace(s->id, s);
    if (!inserted) {
      dropped.insert(it->second.get());
      it->second = s;
    }
  }
  // One merge per index for the whole batch keeps bulk loads O(n log n).
  for (size_t i = 0; i < kIndexCount; ++i) {
    std::vector<IndexEntry>& index = data.indexes[i];
    if (!dropped.empty()) {
      std::erase_if(index, [&](const IndexEntry& e) { return dropped.contains(e.node.get()); });
    }
    const auto old_size = static_cast<std::ptrdiff_t>(index.size());
    for (const auto& s : stored) {
      if (s->keys[i] && !dropped.contains(s.get())) {
        index.push_back({s->keys[i]->first, s->keys[i]->second, s});
      }
    }
    std::sort(index.begin() + old_size, index.end(), kEntryLess);
    std::inplace_merge(index.begin(), index.begin() + old_size, index.end(),
                       kEntryLess);
  }
}

bool FakeQueryNode::RemoveVideo(const std::string& id) { return Remove(kVideos, id); }

bool FakeQueryNode::RemoveDistributionBucket(const std::string& id) { return Remove(kDistributionBuckets, id); }

bool FakeQueryNode::RemoveDistributionOperator(const std::string& id) { return Remove(kDistributionOperators, id); }

bool FakeQueryNode::Remove(size_t collection, const std::string& id) {
  std::lock_guard lock(mu_);
  CollectionData& data = collections_[collection];
  const auto it = data.by_id.find(id);
  if (it == data.by_id.end()) {
    return false;
  }
  const StoredNode* node = it->second.get();
  for (auto& index : data.indexes) {
    std::erase_if(index, [node](const IndexEntry& e) { return e.node.get() == node; });
  }
  data.by_id.erase(it);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Faults, modes, observation

void FakeQueryNode::InjectFault(Fault fault, int times) {
  if (times <= 0) {
    return;
  }
  std::lock_guard lock(mu_);
  faults_.push_back({std::move(fault), times});
}

void FakeQueryNode::ClearFaults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

std::optional<FakeQueryNode::Fault> FakeQueryNode::TakeFault(const std::string& operation) {
  std::lock_guard lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->fault.operation.empty() && it->fault.operation != operation) {
      continue;
    }
    if (it->fault.kind == Fault::Kind::kEmptyPageWithNext && !FindPageOperation(operation)) {
      continue;
    }
    Fault fault = it->fault;
    if (--it->remaining == 0) {
      faults_.erase(it);
    }
    return fault;
  }
  return std::nullopt;
}

void FakeQueryNode::SetRepeatLastItemOnNextPage(bool on) {
  std::lock_guard lock(mu_);
  repeat_last_item_ = on;
}

void FakeQueryNode::SetReverseWithinPage(bool on) {
  std::lock_guard lock(mu_);
  reverse_within_page_ = on;
}

std::vector<FakeQueryNode::Request> FakeQueryNode::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t FakeQueryNode::RequestCount() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

void FakeQueryNode::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

// ---------------------------------------------------------------------------------------------
// Serving

void FakeQueryNode::Handle(const httplib::Request& req, httplib::Response& res) {
  // Nothing may escape into cpp-httplib's worker threads.
  try {
    Respond(req, res);
  } catch (const std::exception& e) {
    res.status = 500;
    res.body = ErrorsBody(std::string("fake query node failed: ") + e.what(), false);
    res.set_header("Content-Type", kJsonContentType);
  } catch (...) {
    res.status = 500;
    res.body = ErrorsBody("fake query node failed", false);
    res.set_header("Content-Type", kJsonContentType);
  }
}

// Reads the HTTP request the way Apollo Server (behind Hydra) does and resolves the operation.
// Everything wrong here is a request error: HTTP 400 with {"errors": [...]} and no data.
FakeQueryNode::ParsedRequest FakeQueryNode::Parse(const httplib::Request& req) {
  ParsedRequest parsed;
  auto fail = [&parsed](std::string message) {
    parsed.error = Answer{400, ErrorsBody(message, false)};
    return parsed;
  };
  const std::string content_type = req.get_header_value("Content-Type");
  const std::string_view media_type =
      std::string_view(content_type).substr(0, content_type.find(';'));
  if (media_type != "application/json") {
    // body-parser leaves the body unread, and Apollo then finds nothing.
    return fail("POST body missing. Did you forget use body-parser middleware?");
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    return fail("Unexpected token in JSON body: the POST body is not valid JSON");
  }
  if (!body.is_object()) {
    return fail("POST body must be a JSON object (batched requests are not supported)");
  }
  if (const json* variables = Field(body, "variables")) {
    parsed.variables = *variables;
  }
  const json* query = Field(body, "query");
  if (query == nullptr || !query->is_string() || query->get_ref<const std::string&>().empty()) {
    return fail("GraphQL operations must contain a non-empty `query` or a `persistedQuery` "
                "extension.");
  }
  const DocumentInfo doc = ScanDocument(query->get_ref<const std::string&>());
  parsed.selects_cursor = doc.selects_cursor;
  const json* operation_name = Field(body, "operationName");
  if (operation_name == nullptr || operation_name->is_null()) {
    if (doc.operations.size() != 1) {
      return fail("Must provide operation name if query contains multiple operations.");
    }
    parsed.operation = doc.operations.front();
  } else if (operation_name->is_string()) {
    parsed.operation = operation_name->get<std::string>();
  } else {
    return fail("operationName must be a string");
  }
  if (std::find(doc.operations.begin(), doc.operations.end(), parsed.operation) ==
      doc.operations.end()) {
    return fail("Unknown operation named \"" + parsed.operation + "\".");
  }
  if (parsed.operation != kHeadOperation &&
      !FindPageOperation(parsed.operation)) {
    return fail("The fake query node does not implement operation \"" + parsed.operation +
                "\".");
  }
  if (!parsed.variables.is_null() && !parsed.variables.is_object()) {
    return fail("Variables must be provided as an Object where each property is a variable "
                "value. Perhaps look to see if an unparsed JSON string was provided.");
  }
  return parsed;
}

void FakeQueryNode::Respond(const httplib::Request& req, httplib::Response& res) {
  const ParsedRequest request = Parse(req);
  {
    std::lock_guard lock(mu_);
    requests_.push_back({request.operation, request.variables});
  }
  bool truncate = false;
  bool empty_page_with_next = false;
  if (const std::optional<Fault> fault = TakeFault(request.operation)) {
    switch (fault->kind) {
      case Fault::Kind::kHttpStatus:
        res.status = fault->http_status;
        if (!fault->retry_after.empty()) {
          res.set_header("Retry-After", fault->retry_after);
        }
        res.set_content(ProxyErrorPage(fault->http_status), "text/html");
        return;
      case Fault::Kind::kDelay:
        InterruptibleSleep(fault->delay);
        break;
      case Fault::Kind::kMalformedJson:
        res.status = 200;
        res.set_content(kMalformedBody.data(), kMalformedBody.size(), kJsonContentType);
        return;
      case Fault::Kind::kGraphqlErrors:
        res.status = 200;
        res.set_content(kResolverErrorBody.data(), kResolverErrorBody.size(), kJsonContentType);
        return;
      case Fault::Kind::kCloseConnection:
        // Shutting the socket down makes cpp-httplib's first write fail, so not one byte of the
        // answer leaves. The provider below is never reached then; had the socket not been
        // found, the client would still get a body shorter than its Content-Length.
        loopback_.ShutdownConnections(req.remote_port);
        res.status = 200;
        res.set_content_provider(
            1, kJsonContentType, [](size_t, size_t, httplib::DataSink&) { return false; });
        return;
      case Fault::Kind::kHugeBody:
        ServeHugeBody(res);
        return;
      case Fault::Kind::kTruncatedBody:
        truncate = true;
        break;
      case Fault::Kind::kEmptyPageWithNext:
        empty_page_with_next = true;
        break;
    }
  }
  Answer answer = request.error ? *request.error : Execute(request, empty_page_with_next);
  if (truncate) {
    answer.body.resize(answer.body.size() / 2);
  }
  res.status = answer.status;
  res.body = std::move(answer.body);
  res.set_header("Content-Type", kJsonContentType);
}

FakeQueryNode::Answer FakeQueryNode::Execute(const ParsedRequest& request,
                                             bool empty_page_with_next) {
  if (request.operation == kHeadOperation) {
    return RunHead();
  }
  const PageOperation& op = *FindPageOperation(request.operation);
  const json& variables = request.variables;
  auto request_error = [](std::string message) { return Answer{400, ErrorsBody(message, false)}; };

  PageRequest page{};
  page.collection = op.collection;
  page.index = IndexOf(op.order);
  page.family = FamilyTag(op.collection, page.index);
  page.selects_cursor = request.selects_cursor;

  if (op.order == Order::kUpdated) {
    const json* since = Field(variables, "since");
    if (since == nullptr || since->is_null()) {
      return request_error(
          "Variable \"$since\" of required type \"DateTime!\" was not provided.");
    }
    const std::optional<int64_t> millis = TimeKey(since);
    if (!millis) {
      return request_error("Variable \"$since\" got invalid value " + DumpOrNull(since) +
                           "; Expected type \"DateTime\". DateTime cannot represent an invalid "
                           "ISO-8601 Date string");
    }
    page.since = *millis;
  } else {
    const IntVariable since = ReadInt(variables, "since");
    if (!since.error.empty()) {
      return request_error(since.error);
    }
    page.since = since.value;
  }
  const IntVariable first = ReadInt(variables, "first");
  if (!first.error.empty()) {
    return request_error(first.error);
  }
  page.first = first.value;
  if (const json* after = Field(variables, "after"); after != nullptr && !after->is_null()) {
    if (!after->is_string()) {
      return request_error("Variable \"$after\" got invalid value " + DumpOrNull(after) +
                           "; String cannot represent a non string value: " +
                           DumpOrNull(after));
    }
    page.after = after->get<std::string>();
  }

  // From here on the request is valid GraphQL; what the resolver rejects is an execution error,
  // which Apollo sends with HTTP 200 and "data": null.
  if (page.first < 0) {
    return {200, ErrorsBody("Argument \"first\" must be a non-negative integer", true)};
  }
  if (page.after) {
    page.after_key = DecodeCursor(page.family, *page.after);
    if (!page.after_key) {
      return {200, ErrorsBody("Invalid cursor: " + *page.after, true)};
    }
  }
  return RunPage(page, empty_page_with_next);
}

FakeQueryNode::PageSlice FakeQueryNode::Slice(const PageRequest& page) const {
  PageSlice slice;
  std::lock_guard lock(mu_);
  slice.reverse = reverse_within_page_;
  const std::vector<IndexEntry>& index = collections_[page.collection].indexes[page.index];
  auto start = std::partition_point(index.begin(), index.end(), [&](const IndexEntry& e) {
    return e.primary <= page.since;
  });
  if (page.after_key) {
    const CursorKey& key = *page.after_key;
    const auto past_cursor =
        std::partition_point(index.begin(), index.end(), [&](const IndexEntry& e) {
          return CompareToCursor(e.primary, e.secondary, e.node->id, key) <= 0;
        });
    if (repeat_last_item_ && past_cursor != index.begin()) {
      const IndexEntry& previous = *(past_cursor - 1);
      if (CompareToCursor(previous.primary, previous.secondary, previous.node->id, key) == 0) {
        slice.entries.push_back(previous);
      }
    }
    start = std::max(start, past_cursor);
  }
  const auto available = static_cast<uint64_t>(index.end() - start);
  const auto end = start + static_cast<std::ptrdiff_t>(
                               std::min<uint64_t>(available, static_cast<uint64_t>(page.first)));
  slice.entries.insert(slice.entries.end(), start, end);
  slice.has_next_page = end != index.end();
  return slice;
}

FakeQueryNode::Answer FakeQueryNode::RunPage(const PageRequest& page, bool empty_page_with_next) {
  PageSlice slice;
  if (empty_page_with_next) {
    slice.has_next_page = true;
  } else {
    slice = Slice(page);
  }
  // The lock is released: concatenate the cached node strings.
  std::optional<std::string> end_cursor;
  if (empty_page_with_next) {
    end_cursor = page.after;
  } else if (!slice.entries.empty()) {
    const IndexEntry& last = slice.entries.back();
    end_cursor = EncodeCursor(page.family, last.primary, last.secondary, last.node->id);
  }
  if (slice.reverse) {
    std::reverse(slice.entries.begin(), slice.entries.end());
  }
  size_t size = 128;
  for (const IndexEntry& e : slice.entries) {
    size += e.node->json.size() + (page.selects_cursor ? 96 : 12) + e.node->id.size() * 2;
  }
  std::string body;
  body.reserve(size);
  body += R"({"data":{"page":{"pageInfo":{"hasNextPage":)";
  body += slice.has_next_page ? "true" : "false";
  body += R"(,"endCursor":)";
  body += end_cursor ? JsonQuote(*end_cursor) : "null";
  body += R"(},"edges":[)";
  bool first_edge = true;
  for (const IndexEntry& e : slice.entries) {
    body += first_edge ? R"({"node":)" : R"(,{"node":)";
    first_edge = false;
    body += e.node->json;
    if (page.selects_cursor) {
      body += R"(,"cursor":")";
      body += EncodeCursor(page.family, e.primary, e.secondary, e.node->id);
      body += '"';
    }
    body += '}';
  }
  body += "]}}}";
  return {200, std::move(body)};
}

void FakeQueryNode::PutDistributionBucket(json node) {
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(kDistributionBuckets, std::move(nodes));
}

void FakeQueryNode::PutDistributionOperator(json node) {
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(kDistributionOperators, std::move(nodes));
}

void FakeQueryNode::PutStorageBag(json node) {
  std::vector<json> nodes;
  nodes.push_back(std::move(node));
  Put(kStorageBags, std::move(nodes));
}

void FakeQueryNode::ServeBag(const std::string& bag_id, const std::vector<std::string>& endpoints) {
  std::string at;
  {
    std::lock_guard lock(mu_);
    at = IsoTime(distribution_clock_ms_);
    distribution_clock_ms_ += 1000;
  }
  PutDistributionBucket(MakeDistributionBucket("0:0", true, at));
  for (size_t i = 0; i < endpoints.size(); ++i) {
    PutDistributionOperator(MakeDistributionOperator("0:0", static_cast<int64_t>(i), "ACTIVE", endpoints[i], at));
  }
  PutStorageBag(MakeStorageBag(bag_id, {"0:0"}, at));
}

json FakeQueryNode::MakeDistributionBucket(const std::string& id, bool distributing, std::string updated_at_iso) {
  std::string family = id.substr(0, id.find(':'));
  std::string index = id.find(':') == std::string::npos ? "0" : id.substr(id.find(':') + 1);
  return {{"id", id},
          {"createdAt", updated_at_iso},
          {"updatedAt", updated_at_iso},
          {"family", {{"id", family}}},
          {"bucketIndex", std::stoll(index)},
          {"distributing", distributing},
          {"acceptingNewBags", true}};
}

json FakeQueryNode::MakeDistributionOperator(const std::string& bucket_id, int64_t worker_id, std::string status,
                                             json node_endpoint, std::string updated_at_iso) {
  return {{"id", bucket_id + "-" + std::to_string(worker_id)},
          {"createdAt", updated_at_iso},
          {"updatedAt", updated_at_iso},
          {"distributionBucket", {{"id", bucket_id}}},
          {"workerId", worker_id},
          {"status", std::move(status)},
          {"metadata", node_endpoint.is_null() ? json(nullptr) : json{{"nodeEndpoint", std::move(node_endpoint)}}}};
}

json FakeQueryNode::MakeStorageBag(const std::string& bag_id, const std::vector<std::string>& bucket_ids,
                                   std::string updated_at_iso) {
  json buckets = json::array();
  for (const std::string& id : bucket_ids) {
    buckets.push_back({{"id", id}});
  }
  return {{"id", bag_id},
          {"createdAt", updated_at_iso},
          {"updatedAt", updated_at_iso},
          {"distributionBuckets", std::move(buckets)}};
}

FakeQueryNode::Answer FakeQueryNode::RunHead() const {
  std::string body = R"({"data":{)";
  std::lock_guard lock(mu_);
  bool first_field = true;
  for (const auto& [field, collection] : kHeadFields) {
    body += first_field ? "\"" : ",\"";
    first_field = false;
    body += field;
    body += "\":[";
    // The created index is ordered by block, so its last entry is the newest.
    const std::vector<IndexEntry>& index = collections_[collection].indexes[0];
    if (!index.empty()) {
      body += index.back().node->head;
    }
    body += ']';
  }
  body += "}}";
  return {200, std::move(body)};
}

void FakeQueryNode::ServeHugeBody(httplib::Response& res) {
  // A valid page of one repeated realistic edge, generated piece by piece so the fake never
  // holds the whole body.
  struct HugeBody {
    std::string prefix;
    std::string unit;  // one edge and its comma
    size_t repeats;
    std::string tail;  // the last edge and the closing brackets
    size_t size;
  };
  auto body = std::make_shared<HugeBody>();
  const std::string edge =
      R"({"node":)" + MakeVideo(1, 1, BlockIso(1), "1").dump() + "}";
  body->prefix = R"({"data":{"page":{"pageInfo":{"hasNextPage":false,"endCursor":null},"edges":[)";
  body->unit = edge + ",";
  body->tail = edge + "]}}}";
  body->repeats =
      (kHugeBodyMinBytes - body->prefix.size()) / body->unit.size() + 1;
  body->size = body->prefix.size() + body->repeats * body->unit.size() + body->tail.size();
  res.status = 200;
  res.set_content_provider(
      body->size, kJsonContentType,
      [this, body](size_t offset, size_t length, httplib::DataSink& sink) {
        {
          std::lock_guard lock(mu_);
          if (stopping_) {
            return false;
          }
        }
        const size_t repeated_end = body->prefix.size() + body->repeats * body->unit.size();
        const size_t chunk_end = offset + std::min(length, kHugeBodyChunkBytes);
        std::string chunk;
        chunk.reserve(chunk_end - offset);
        for (size_t pos = offset; pos < chunk_end;) {
          std::string_view piece;
          if (pos < body->prefix.size()) {
            piece = std::string_view(body->prefix).substr(pos);
          } else if (pos < repeated_end) {
            piece = std::string_view(body->unit).substr((pos - body->prefix.size()) %
                                                        body->unit.size());
          } else {
            piece = std::string_view(body->tail).substr(pos - repeated_end);
          }
          piece = piece.substr(0, chunk_end - pos);
          chunk.append(piece);
          pos += piece.size();
        }
        return sink.write(chunk.data(), chunk.size());
      });
}

// ---------------------------------------------------------------------------------------------
// Builders

std::string FakeQueryNode::IsoTime(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds{unix_ms}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  char text[40];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()),
                static_cast<int>(clock.subseconds().count()));
  return text;
}

std::string FakeQueryNode::BlockIso(int64_t block) {
  return IsoTime(kGenesisUnixMs + block * kBlockMillis);
}

json FakeQueryNode::MakeVideo(int64_t id, int64_t block, std::string created_at_iso,
                              std::string channel_id) {
  const std::string bag = "dynamic:channel:" + channel_id;
  const int64_t media_size = 10'000'000 + (id % 1000) * 100'000;
  const std::string id_text = std::to_string(id);
  return {{"id", id_text},
          {"createdAt", created_at_iso},
          {"updatedAt", created_at_iso},
          {"createdInBlock", block},
          {"title", "Video " + id_text},
          {"description", "Description of video " + id_text + "."},
          {"duration", 30 + id % 3600},
          {"isPublic", true},
          {"isCensored", false},
          {"isExplicit", false},
          {"hasMarketing", false},
          {"ytVideoId", nullptr},
          {"channel", {{"id", std::move(channel_id)}}},
          {"category", {{"id", kDefaultCategoryId}}},
          {"language", {{"iso", "en"}}},
          {"license", {{"code", 1002}, {"attribution", nullptr}, {"customText", nullptr}}},
          {"media", DataObject(2 * id, media_size, bag)},
          {"thumbnailPhoto", DataObject(2 * id + 1, 150'000, bag)},
          {"mediaMetadata",
           {{"pixelWidth", 1920},
            {"pixelHeight", 1080},
            {"size", std::to_string(media_size)},
            {"encoding",
             {{"codecName", "h264"}, {"container", "mp4"}, {"mimeMediaType", "video/mp4"}}}}}};
}

json FakeQueryNode::MakeChannel(int64_t id, int64_t block, std::string created_at_iso) {
  const std::string id_text = std::to_string(id);
  const std::string bag = "dynamic:channel:" + id_text;
  // Channel assets get ids far above the videos' so builders never share an object id.
  const int64_t object_base = 1'000'000'000 + 2 * id;
  return {{"id", id_text},
          {"createdAt", created_at_iso},
          {"updatedAt", created_at_iso},
          {"createdInBlock", block},
          {"title", "Channel " + id_text},
          {"description", "Description of channel " + id_text + "."},
          {"isPublic", true},
          {"isCensored", false},
          {"language", {{"iso", "en"}}},
          {"ownerMember", {{"id", id_text}, {"handle", "member" + id_text}}},
          {"avatarPhoto", DataObject(object_base, 40'000, bag)},
          {"coverPhoto", DataObject(object_base + 1, 250'000, bag)}};
}

json FakeQueryNode::MakeCategory(std::string id, int64_t block, std::string created_at_iso) {
  return {{"id", id},
          {"createdAt", created_at_iso},
          {"updatedAt", created_at_iso},
          {"createdInBlock", block},
          {"name", "Category " + id},
          {"description", "Description of category " + id + "."},
          {"parentCategory", nullptr}};
}

json FakeQueryNode::CuratorActor(std::string curator_id) {
  return {{"__typename", "ContentActorCurator"}, {"curator", {{"id", std::move(curator_id)}}}};
}

json FakeQueryNode::MemberActor(std::string member_id) {
  return {{"__typename", "ContentActorMember"}, {"member", {{"id", std::move(member_id)}}}};
}

json FakeQueryNode::LeadActor() { return {{"__typename", "ContentActorLead"}}; }

json FakeQueryNode::MakeVideoVisibilityEvent(std::string id, int64_t block, int index,
                                             int64_t video_id, bool hidden,
                                             std::string rationale, std::string created_at_iso,
                                             json actor) {
  json event = EventBase(std::move(id), block, index, std::move(created_at_iso), std::move(actor));
  event["videoId"] = video_id;
  event["isHidden"] = hidden;
  event["rationale"] = std::move(rationale);
  return event;
}

json FakeQueryNode::MakeChannelVisibilityEvent(std::string id, int64_t block, int index,
                                               int64_t channel_id, bool hidden,
                                               std::string rationale,
                                               std::string created_at_iso, json actor) {
  json event = EventBase(std::move(id), block, index, std::move(created_at_iso), std::move(actor));
  event["channelId"] = channel_id;
  event["isHidden"] = hidden;
  event["rationale"] = std::move(rationale);
  return event;
}

json FakeQueryNode::MakeVideoAssetsDeletedEvent(std::string id, int64_t block, int index,
                                                int64_t video_id, std::vector<int64_t> asset_ids,
                                                bool are_nft_assets, std::string rationale,
                                                std::string created_at_iso, json actor) {
  json event = EventBase(std::move(id), block, index, std::move(created_at_iso), std::move(actor));
  event["videoId"] = video_id;
  event["assetIds"] = std::move(asset_ids);
  event["areNftAssets"] = are_nft_assets;
  event["rationale"] = std::move(rationale);
  return event;
}

json FakeQueryNode::MakeChannelAssetsDeletedEvent(std::string id, int64_t block, int index,
                                                  int64_t channel_id,
                                                  std::vector<int64_t> asset_ids,
                                                  std::string rationale,
                                                  std::string created_at_iso, json actor) {
  json event = EventBase(std::move(id), block, index, std::move(created_at_iso), std::move(actor));
  event["channelId"] = channel_id;
  event["assetIds"] = std::move(asset_ids);
  event["rationale"] = std::move(rationale);
  return event;
}

}  // namespace curation::fakes
