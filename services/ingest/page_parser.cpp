#include <curation/ingest/page_parser.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

#include <absl/strings/str_cat.h>
#include <simdjson.h>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation::ingest {
namespace {

using nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;
using Value = std::optional<element>;  // absent, null and ill-typed containers read as nullopt

constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxRawBytes = 64 * 1024;
constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
// Blocks travel back to the query node as GraphQL Int variables, which are 32-bit.
constexpr int64_t kMaxBlock = kMaxInt32;
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// An item that cannot be stored; the message becomes the rejection reason.
struct Rejection {
  std::string reason;
};

// Reads the fields of one item; required fields throw Rejection, optional ones fall back to
// null on a missing, null or ill-typed value.
class ItemReader {
 public:
  ItemReader(element node, const TextLimits& limits, size_t& truncated)
      : node_(node), limits_(limits), truncated_(truncated) {}

  static Value Field(Value object, const char* key) {
    simdjson::dom::object fields;
    element value;
    if (!object || object->get_object().get(fields) != simdjson::SUCCESS ||
        fields.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) {
      return std::nullopt;
    }
    return value;
  }
  Value Field(const char* key) const { return Field(node_, key); }

  // Removes NUL (PostgreSQL text cannot hold it) and cuts at a UTF-8 boundary.
  json Text(Value value, size_t cap) const {
    std::string_view raw;
    if (!value || value->get_string().get(raw) != simdjson::SUCCESS) {
      return nullptr;
    }
    std::string text;
    text.reserve(std::min(raw.size(), cap + 4));
    for (char ch : raw) {
      if (ch != '\0') {
        text += ch;
      }
    }
    if (TruncateUtf8(text, cap)) {
      ++truncated_;
    }
    return text;
  }
  json Text(const char* key, size_t cap) const { return Text(Field(key), cap); }

  // Integers arrive as JSON numbers, or as strings for GraphQL BigInt.
  static std::optional<int64_t> Integer(Value value, int64_t min, int64_t max) {
    if (!value) {
      return std::nullopt;
    }
    int64_t number = 0;
    std::string_view text;
    switch (value->type()) {
      case element_type::INT64:
        number = value->get_int64().value_unsafe();
        break;
      case element_type::STRING: {
        text = value->get_string().value_unsafe();
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (ec != std::errc() || end != text.data() + text.size()) {
          return std::nullopt;
        }
        break;
      }
      default:
        return std::nullopt;  // floats, and unsigned values beyond int64
    }
    if (number < min || number > max) {
      return std::nullopt;
    }
    return number;
  }
  json OptInteger(const char* key, int64_t min, int64_t max) const {
    auto number = Integer(Field(key), min, max);
    return number ? json(*number) : json(nullptr);
  }
  static json OptBool(Value value) {
    bool flag = false;
    return value && value->get_bool().get(flag) == simdjson::SUCCESS ? json(flag) : json(nullptr);
  }
  json OptBool(const char* key) const { return OptBool(Field(key)); }

  // The id of a nested object such as `channel { id }`.
  json NestedId(const char* key) const { return Id(Field(Field(key), "id")); }
  static json Id(Value value) {
    if (!value) {
      return nullptr;
    }
    if (value->type() == element_type::INT64) {
      return std::to_string(value->get_int64().value_unsafe());
    }
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS || text.empty() || text.size() > kMaxIdLength ||
        std::any_of(text.begin(), text.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
      return nullptr;
    }
    return std::string(text);
  }

  std::string RequiredId(const char* key) const {
    json id = Id(Field(key));
    if (id.is_null()) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return id.get<std::string>();
  }
  std::string RequiredNestedId(const char* key) const {
    json id = NestedId(key);
    if (id.is_null()) {
      throw Rejection{absl::StrCat("missing ", key, ".id")};
    }
    return id.get<std::string>();
  }
  int64_t RequiredInteger(const char* key, int64_t min, int64_t max) const {
    auto number = Integer(Field(key), min, max);
    if (!number) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return *number;
  }
  bool RequiredBool(const char* key) const {
    json flag = OptBool(key);
    if (flag.is_null()) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return flag.get<bool>();
  }
  static std::optional<TimePoint> Time(Value value) {
    std::string_view text;
    if (!value || value->get_string().get(text) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return ParseIsoTime(text);
  }
  json OptTime(const char* key) const {
    auto time = Time(Field(key));
    return time ? json(FormatIsoTime(*time)) : json(nullptr);
  }
  std::string RequiredTime(const char* key) const {
    auto time = Time(Field(key));
    if (!time) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return FormatIsoTime(*time);
  }

  // Registers a nested data object (media, thumbnail, avatar, cover) and returns its id.
  json DataObject(const char* key, std::vector<json>& objects) const {
    Value object = Field(key);
    json id = Id(Field(object, "id"));
    if (id.is_null()) {
      return nullptr;
    }
    auto size = Integer(Field(object, "size"), 0, kMaxInt64);
    objects.push_back({{"id", id},
                       {"size_bytes", size ? json(*size) : json(nullptr)},
                       {"ipfs_hash", Text(Field(object, "ipfsHash"), limits_.other)},
                       {"is_accepted", OptBool(Field(object, "isAccepted"))},
                       {"storage_bag_id", Text(Field(Field(object, "storageBag"), "id"), limits_.other)}});
    return id;
  }

  const TextLimits& limits() const { return limits_; }

 private:
  element node_;
  const TextLimits& limits_;
  size_t& truncated_;
};

json VideoRow(const ItemReader& r, std::vector<json>& objects) {
  const TextLimits& l = r.limits();
  Value license = r.Field("license");
  Value metadata = r.Field("mediaMetadata");
  Value encoding = ItemReader::Field(metadata, "encoding");
  auto meta_int = [&](const char* key, int64_t max) {
    auto n = ItemReader::Integer(ItemReader::Field(metadata, key), 0, max);
    return n ? json(*n) : json(nullptr);
  };
  auto license_code = ItemReader::Integer(ItemReader::Field(license, "code"), 0, kMaxInt32);
  json row = {
      {"id", r.RequiredId("id")},
      {"channel_id", r.RequiredNestedId("channel")},
      {"category_id", r.NestedId("category")},
      {"title", r.Text("title", l.title)},
      {"description", r.Text("description", l.description)},
      {"duration_seconds", r.OptInteger("duration", 0, kMaxInt32)},
      {"language", r.Text(ItemReader::Field(r.Field("language"), "iso"), l.other)},
      {"license_code", license_code ? json(*license_code) : json(nullptr)},
      {"license_attribution", r.Text(ItemReader::Field(license, "attribution"), l.other)},
      {"license_custom_text", r.Text(ItemReader::Field(license, "customText"), l.description)},
      {"is_public", r.OptBool("isPublic")},
      {"is_censored", r.RequiredBool("isCensored")},
      {"is_explicit", r.OptBool("isExplicit")},
      {"has_marketing", r.OptBool("hasMarketing")},
      {"yt_video_id", r.Text("ytVideoId", l.other)},
      {"media_object_id", r.DataObject("media", objects)},
      {"thumbnail_object_id", r.DataObject("thumbnailPhoto", objects)},
      {"media_pixel_width", meta_int("pixelWidth", kMaxInt32)},
      {"media_pixel_height", meta_int("pixelHeight", kMaxInt32)},
      {"media_declared_size", meta_int("size", kMaxInt64)},
      {"media_codec", r.Text(ItemReader::Field(encoding, "codecName"), l.other)},
      {"media_container", r.Text(ItemReader::Field(encoding, "container"), l.other)},
      {"media_mime_type", r.Text(ItemReader::Field(encoding, "mimeMediaType"), l.other)},
      {"created_at", r.RequiredTime("createdAt")},
      {"updated_at", r.OptTime("updatedAt")},
      {"created_in_block", r.RequiredInteger("createdInBlock", 0, kMaxBlock)},
  };
  return row;
}

json ChannelRow(const ItemReader& r, std::vector<json>& objects) {
  const TextLimits& l = r.limits();
  Value owner = r.Field("ownerMember");
  return {
      {"id", r.RequiredId("id")},
      {"title", r.Text("title", l.title)},
      {"description", r.Text("description", l.description)},
      {"is_public", r.OptBool("isPublic")},
      {"is_censored", r.RequiredBool("isCensored")},
      {"language", r.Text(ItemReader::Field(r.Field("language"), "iso"), l.other)},
      {"owner_member_id", ItemReader::Id(ItemReader::Field(owner, "id"))},
      {"owner_handle", r.Text(ItemReader::Field(owner, "handle"), l.other)},
      {"avatar_object_id", r.DataObject("avatarPhoto", objects)},
      {"cover_object_id", r.DataObject("coverPhoto", objects)},
      {"created_at", r.RequiredTime("createdAt")},
      {"updated_at", r.OptTime("updatedAt")},
      {"created_in_block", r.RequiredInteger("createdInBlock", 0, kMaxBlock)},
  };
}

json CategoryRow(const ItemReader& r) {
  const TextLimits& l = r.limits();
  return {
      {"id", r.RequiredId("id")},
      {"name", r.Text("name", l.title)},
      {"description", r.Text("description", l.description)},
      {"parent_id", r.NestedId("parentCategory")},
      {"created_at", r.RequiredTime("createdAt")},
      {"updated_at", r.OptTime("updatedAt")},
      {"created_in_block", r.RequiredInteger("createdInBlock", 0, kMaxBlock)},
  };
}

json EventRow(const StreamSpec& stream, const ItemReader& r) {
  const TextLimits& l = r.limits();
  Value actor = r.Field("actor");
  json type_name = r.Text(ItemReader::Field(actor, "__typename"), l.other);
  if (type_name.is_null()) {
    throw Rejection{"missing actor.__typename"};
  }
  const char* target_field = stream.event_target == "video" ? "videoId" : "channelId";
  json asset_ids = nullptr;
  simdjson::dom::array ids;
  if (Value field = r.Field("assetIds"); field && field->get_array().get(ids) == simdjson::SUCCESS) {
    asset_ids = json::array();
    for (element id : ids) {
      auto number = ItemReader::Integer(id, 0, kMaxInt64);
      if (!number) {
        throw Rejection{"invalid assetIds entry"};
      }
      asset_ids.push_back(*number);
    }
  }
  json rationale = r.Text("rationale", l.rationale);
  if (rationale.is_null()) {
    throw Rejection{"missing rationale"};
  }
  return {
      {"id", r.RequiredId("id")},
      {"kind", stream.event_kind},
      {"target_kind", stream.event_target},
      {"target_id", std::to_string(r.RequiredInteger(target_field, 0, kMaxInt64))},
      {"is_hidden", r.OptBool("isHidden")},
      {"asset_ids", asset_ids},
      {"are_nft_assets", r.OptBool("areNftAssets")},
      {"rationale", rationale},
      {"actor_kind", type_name},
      {"actor_curator_id", ItemReader::Id(ItemReader::Field(ItemReader::Field(actor, "curator"), "id"))},
      {"actor_member_id", ItemReader::Id(ItemReader::Field(ItemReader::Field(actor, "member"), "id"))},
      {"in_block", r.RequiredInteger("inBlock", 0, kMaxBlock)},
      {"index_in_block", r.RequiredInteger("indexInBlock", 0, kMaxInt32)},
      {"in_extrinsic", r.Text("inExtrinsic", l.other)},
      {"network", r.Text("network", l.other)},
      {"created_at", r.RequiredTime("createdAt")},
  };
}

// The ordering key of a raw item, if it has a readable one.
std::optional<Mark> KeyOf(const StreamSpec& stream, element node) {
  if (stream.key_kind == KeyKind::kTime) {
    auto time = ItemReader::Time(ItemReader::Field(node, "updatedAt"));
    if (!time) {
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count();
  }
  Value block = ItemReader::Field(node, stream.entity == Entity::kModeratorEvent ? "inBlock" : "createdInBlock");
  auto number = ItemReader::Integer(block, 0, kMaxBlock);
  if (!number || block->type() != element_type::INT64) {
    return std::nullopt;
  }
  return *number;
}

std::string FirstErrorMessage(element errors) {
  simdjson::dom::array list;
  std::string_view message;
  if (errors.get_array().get(list) == simdjson::SUCCESS && list.size() > 0 &&
      list.at(0)["message"].get_string().get(message) == simdjson::SUCCESS) {
    return TruncatedUtf8(std::string(message), 300);
  }
  return "(no message)";
}

// One parser per thread, reused across the pages that thread parses.
simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// The `data` object of a GraphQL answer, valid until this thread parses again.
absl::StatusOr<element> ParseBody(const std::string& body) {
  element document;
  if (auto error = Parser().parse(body).get(document); error != simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrCat("query node answered with malformed or truncated JSON (", body.size(),
                                            " bytes): ", simdjson::error_message(error)));
  }
  if (document.type() != element_type::OBJECT) {
    return absl::DataLossError("query node answer is not a JSON object");
  }
  if (Value errors = ItemReader::Field(document, "errors")) {
    return absl::UnavailableError(absl::StrCat("query node returned GraphQL errors: ", FirstErrorMessage(*errors)));
  }
  Value data = ItemReader::Field(document, "data");
  if (!data || data->type() != element_type::OBJECT) {
    return absl::DataLossError("query node answer has no data object");
  }
  return *data;
}

}  // namespace

absl::StatusOr<ParsedPage> ParsePage(const StreamSpec& stream, const std::string& body, const TextLimits& limits) {
  ASSIGN_OR_RETURN(element data, ParseBody(body));
  Value page = ItemReader::Field(data, "page");
  if (!page || page->type() != element_type::OBJECT) {
    return absl::DataLossError(absl::StrCat("query node answer to ", stream.operation, " has no page"));
  }
  Value page_info = ItemReader::Field(page, "pageInfo");
  simdjson::dom::array edges;
  Value edges_field = ItemReader::Field(page, "edges");
  if (!page_info || page_info->type() != element_type::OBJECT || !edges_field ||
      edges_field->get_array().get(edges) != simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrCat("query node answer to ", stream.operation, " lacks pageInfo or edges"));
  }
  json has_next = ItemReader::OptBool(ItemReader::Field(page_info, "hasNextPage"));
  if (has_next.is_null()) {
    return absl::DataLossError(absl::StrCat("query node answer to ", stream.operation, " lacks hasNextPage"));
  }
  ParsedPage parsed;
  parsed.has_next_page = has_next.get<bool>();
  std::string_view cursor;
  if (Value end = ItemReader::Field(page_info, "endCursor"); end && end->get_string().get(cursor) == simdjson::SUCCESS) {
    parsed.end_cursor = std::string(cursor);
  }
  parsed.item_count = edges.size();
  parsed.rows.reserve(parsed.item_count);
  for (element edge : edges) {
    Value node = ItemReader::Field(edge, "node");
    bool is_object = node && node->type() == element_type::OBJECT;
    if (is_object) {
      if (auto key = KeyOf(stream, *node)) {
        parsed.keys.push_back(*key);
      }
    }
    std::vector<json> objects;
    try {
      if (!is_object) {
        throw Rejection{"edge without a node object"};
      }
      ItemReader reader(*node, limits, parsed.truncated_fields);
      switch (stream.entity) {
        case Entity::kVideo: parsed.rows.push_back(VideoRow(reader, objects)); break;
        case Entity::kChannel: parsed.rows.push_back(ChannelRow(reader, objects)); break;
        case Entity::kCategory: parsed.rows.push_back(CategoryRow(reader)); break;
        case Entity::kModeratorEvent: parsed.rows.push_back(EventRow(stream, reader)); break;
      }
      for (json& object : objects) {
        parsed.data_objects.push_back(std::move(object));
      }
    } catch (const Rejection& rejection) {
      std::string raw = simdjson::minify(edge);
      if (raw.size() > kMaxRawBytes) {
        raw.resize(kMaxRawBytes);
      }
      json id = ItemReader::Id(ItemReader::Field(node, "id"));
      parsed.rejected.push_back(
          RejectedItem{id.is_null() ? std::nullopt : std::optional<std::string>(id.get<std::string>()),
                       rejection.reason, std::move(raw)});
    }
  }
  return parsed;
}

absl::StatusOr<Head> ParseHead(const std::string& body) {
  ASSIGN_OR_RETURN(element data, ParseBody(body));
  Head head;
  simdjson::dom::object fields;
  if (data.get_object().get(fields) != simdjson::SUCCESS) {
    return head;
  }
  for (auto [field, items] : fields) {
    simdjson::dom::array list;
    if (items.get_array().get(list) != simdjson::SUCCESS || list.size() == 0) {
      continue;
    }
    element newest = list.at(0).value_unsafe();
    Value block = ItemReader::Field(newest, "createdInBlock");
    if (!block) {
      block = ItemReader::Field(newest, "inBlock");  // moderator events
    }
    if (!block || block->type() != element_type::INT64) {
      continue;
    }
    int64_t number = block->get_int64().value_unsafe();
    if (number >= head.block) {
      head.block = number;
      head.time = ItemReader::Time(ItemReader::Field(newest, "createdAt"));
    }
  }
  return head;
}

}  // namespace curation::ingest
