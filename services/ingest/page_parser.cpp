#include <curation/ingest/page_parser.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

#include <absl/strings/str_cat.h>

#include <curation/common/time_format.hpp>

namespace curation::ingest {
namespace {

using nlohmann::json;

constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxRawBytes = 64 * 1024;
constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// An item that cannot be stored; the message becomes the rejection reason.
struct Rejection {
  std::string reason;
};

// Reads the fields of one item; required fields throw Rejection, optional ones fall back to
// null on a missing, null or ill-typed value.
class ItemReader {
 public:
  ItemReader(const json& node, const TextLimits& limits, size_t& truncated)
      : node_(node), limits_(limits), truncated_(truncated) {}

  const json* Field(const json& object, const char* key) const {
    if (!object.is_object()) {
      return nullptr;
    }
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  // Removes NUL (PostgreSQL text cannot hold it) and cuts at a UTF-8 boundary.
  json Text(const json* value, size_t cap) const {
    if (value == nullptr || !value->is_string()) {
      return nullptr;
    }
    const std::string& raw = value->get_ref<const std::string&>();
    std::string text;
    text.reserve(std::min(raw.size(), cap));
    for (char ch : raw) {
      if (ch != '\0') {
        text += ch;
      }
    }
    if (text.size() > cap) {
      size_t cut = cap;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
        --cut;
      }
      text.resize(cut);
      ++truncated_;
    }
    return text;
  }
  json Text(const char* key, size_t cap) const { return Text(Field(node_, key), cap); }

  // Integers arrive as JSON numbers, or as strings for GraphQL BigInt.
  std::optional<int64_t> Integer(const json* value, int64_t min, int64_t max) const {
    if (value == nullptr) {
      return std::nullopt;
    }
    int64_t number = 0;
    if (value->is_number_integer()) {
      if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(kMaxInt64)) {
        return std::nullopt;
      }
      number = value->get<int64_t>();
    } else if (value->is_string()) {
      const std::string& text = value->get_ref<const std::string&>();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
      }
    } else {
      return std::nullopt;
    }
    if (number < min || number > max) {
      return std::nullopt;
    }
    return number;
  }
  json OptInteger(const char* key, int64_t min, int64_t max) const {
    auto number = Integer(Field(node_, key), min, max);
    return number ? json(*number) : json(nullptr);
  }
  json OptBool(const json* value) const { return value != nullptr && value->is_boolean() ? *value : json(nullptr); }
  json OptBool(const char* key) const { return OptBool(Field(node_, key)); }

  // The id of a nested object such as `channel { id }`.
  json NestedId(const char* key) const {
    const json* inner = Field(node_, key);
    return inner == nullptr ? json(nullptr) : Id(Field(*inner, "id"));
  }
  json Id(const json* value) const {
    if (value == nullptr) {
      return nullptr;
    }
    if (value->is_number_integer()) {
      return std::to_string(value->get<int64_t>());
    }
    if (!value->is_string() || value->get_ref<const std::string&>().empty() ||
        value->get_ref<const std::string&>().size() > kMaxIdLength) {
      return nullptr;
    }
    return *value;
  }

  std::string RequiredId(const char* key) const {
    json id = Id(Field(node_, key));
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
    auto number = Integer(Field(node_, key), min, max);
    if (!number) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return *number;
  }
  bool RequiredBool(const char* key) const {
    const json* value = Field(node_, key);
    if (value == nullptr || !value->is_boolean()) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return value->get<bool>();
  }
  std::optional<TimePoint> Time(const char* key) const {
    const json* value = Field(node_, key);
    if (value == nullptr || !value->is_string()) {
      return std::nullopt;
    }
    return ParseIsoTime(value->get_ref<const std::string&>());
  }
  json OptTime(const char* key) const {
    auto time = Time(key);
    return time ? json(FormatIsoTime(*time)) : json(nullptr);
  }
  std::string RequiredTime(const char* key) const {
    auto time = Time(key);
    if (!time) {
      throw Rejection{absl::StrCat("missing or invalid ", key)};
    }
    return FormatIsoTime(*time);
  }

  // Registers a nested data object (media, thumbnail, avatar, cover) and returns its id.
  json DataObject(const char* key, std::vector<json>& objects) const {
    const json* object = Field(node_, key);
    if (object == nullptr) {
      return nullptr;
    }
    json id = Id(Field(*object, "id"));
    if (id.is_null()) {
      return nullptr;
    }
    const json* bag = Field(*object, "storageBag");
    auto size = Integer(Field(*object, "size"), 0, kMaxInt64);
    objects.push_back({{"id", id},
                       {"size_bytes", size ? json(*size) : json(nullptr)},
                       {"ipfs_hash", Text(Field(*object, "ipfsHash"), limits_.other)},
                       {"is_accepted", OptBool(Field(*object, "isAccepted"))},
                       {"storage_bag_id", bag == nullptr ? json(nullptr) : Text(Field(*bag, "id"), limits_.other)}});
    return id;
  }

  const json& node() const { return node_; }
  const TextLimits& limits() const { return limits_; }

 private:
  const json& node_;
  const TextLimits& limits_;
  size_t& truncated_;
};

json VideoRow(const ItemReader& r, std::vector<json>& objects) {
  const TextLimits& l = r.limits();
  const json* language = r.Field(r.node(), "language");
  const json* license = r.Field(r.node(), "license");
  const json* metadata = r.Field(r.node(), "mediaMetadata");
  const json* encoding = metadata == nullptr ? nullptr : r.Field(*metadata, "encoding");
  auto meta_int = [&](const char* key, int64_t max) {
    auto n = metadata == nullptr ? std::nullopt : r.Integer(r.Field(*metadata, key), 0, max);
    return n ? json(*n) : json(nullptr);
  };
  auto license_code = license == nullptr ? std::nullopt : r.Integer(r.Field(*license, "code"), 0, kMaxInt32);
  json row = {
      {"id", r.RequiredId("id")},
      {"channel_id", r.RequiredNestedId("channel")},
      {"category_id", r.NestedId("category")},
      {"title", r.Text("title", l.title)},
      {"description", r.Text("description", l.description)},
      {"duration_seconds", r.OptInteger("duration", 0, kMaxInt32)},
      {"language", language == nullptr ? json(nullptr) : r.Text(r.Field(*language, "iso"), l.other)},
      {"license_code", license_code ? json(*license_code) : json(nullptr)},
      {"license_attribution", license == nullptr ? json(nullptr) : r.Text(r.Field(*license, "attribution"), l.other)},
      {"license_custom_text",
       license == nullptr ? json(nullptr) : r.Text(r.Field(*license, "customText"), l.description)},
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
      {"media_codec", encoding == nullptr ? json(nullptr) : r.Text(r.Field(*encoding, "codecName"), l.other)},
      {"media_container", encoding == nullptr ? json(nullptr) : r.Text(r.Field(*encoding, "container"), l.other)},
      {"media_mime_type", encoding == nullptr ? json(nullptr) : r.Text(r.Field(*encoding, "mimeMediaType"), l.other)},
      {"created_at", r.RequiredTime("createdAt")},
      {"updated_at", r.OptTime("updatedAt")},
      {"created_in_block", r.RequiredInteger("createdInBlock", 0, kMaxInt64)},
  };
  return row;
}

json ChannelRow(const ItemReader& r, std::vector<json>& objects) {
  const TextLimits& l = r.limits();
  const json* language = r.Field(r.node(), "language");
  const json* owner = r.Field(r.node(), "ownerMember");
  return {
      {"id", r.RequiredId("id")},
      {"title", r.Text("title", l.title)},
      {"description", r.Text("description", l.description)},
      {"is_public", r.OptBool("isPublic")},
      {"is_censored", r.RequiredBool("isCensored")},
      {"language", language == nullptr ? json(nullptr) : r.Text(r.Field(*language, "iso"), l.other)},
      {"owner_member_id", owner == nullptr ? json(nullptr) : r.Id(r.Field(*owner, "id"))},
      {"owner_handle", owner == nullptr ? json(nullptr) : r.Text(r.Field(*owner, "handle"), l.other)},
      {"avatar_object_id", r.DataObject("avatarPhoto", objects)},
      {"cover_object_id", r.DataObject("coverPhoto", objects)},
      {"created_at", r.RequiredTime("createdAt")},
      {"updated_at", r.OptTime("updatedAt")},
      {"created_in_block", r.RequiredInteger("createdInBlock", 0, kMaxInt64)},
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
      {"created_in_block", r.RequiredInteger("createdInBlock", 0, kMaxInt64)},
  };
}

json EventRow(const StreamSpec& stream, const ItemReader& r) {
  const TextLimits& l = r.limits();
  const json* actor = r.Field(r.node(), "actor");
  const json* type_name = actor == nullptr ? nullptr : r.Field(*actor, "__typename");
  if (type_name == nullptr || !type_name->is_string()) {
    throw Rejection{"missing actor.__typename"};
  }
  const json* curator = r.Field(*actor, "curator");
  const json* member = r.Field(*actor, "member");
  const char* target_field = stream.event_target == "video" ? "videoId" : "channelId";
  json asset_ids = nullptr;
  if (const json* ids = r.Field(r.node(), "assetIds"); ids != nullptr && ids->is_array()) {
    asset_ids = json::array();
    for (const json& id : *ids) {
      auto number = r.Integer(&id, 0, kMaxInt64);
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
      {"actor_kind", r.Text(type_name, l.other)},
      {"actor_curator_id", curator == nullptr ? json(nullptr) : r.Id(r.Field(*curator, "id"))},
      {"actor_member_id", member == nullptr ? json(nullptr) : r.Id(r.Field(*member, "id"))},
      {"in_block", r.RequiredInteger("inBlock", 0, kMaxInt64)},
      {"index_in_block", r.RequiredInteger("indexInBlock", 0, kMaxInt32)},
      {"in_extrinsic", r.Text("inExtrinsic", l.other)},
      {"network", r.Text("network", l.other)},
      {"created_at", r.RequiredTime("createdAt")},
  };
}

// The ordering key of a raw item, if it has a readable one.
std::optional<Mark> KeyOf(const StreamSpec& stream, const json& node) {
  if (!node.is_object()) {
    return std::nullopt;
  }
  if (stream.key_kind == KeyKind::kTime) {
    auto it = node.find("updatedAt");
    if (it == node.end() || !it->is_string()) {
      return std::nullopt;
    }
    auto time = ParseIsoTime(it->get_ref<const std::string&>());
    if (!time) {
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count();
  }
  auto it = node.find(stream.entity == Entity::kModeratorEvent ? "inBlock" : "createdInBlock");
  if (it == node.end() || !it->is_number_integer() || it->get<int64_t>() < 0) {
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::string FirstErrorMessage(const json& errors) {
  if (errors.is_array() && !errors.empty() && errors[0].is_object()) {
    auto it = errors[0].find("message");
    if (it != errors[0].end() && it->is_string()) {
      return it->get<std::string>().substr(0, 300);
    }
  }
  return "(no message)";
}

absl::StatusOr<json> ParseBody(const std::string& body) {
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return absl::DataLossError(
        absl::StrCat("query node answered with malformed or truncated JSON (", body.size(), " bytes)"));
  }
  if (!document.is_object()) {
    return absl::DataLossError("query node answer is not a JSON object");
  }
  if (auto errors = document.find("errors"); errors != document.end() && !errors->is_null()) {
    return absl::UnavailableError(absl::StrCat("query node returned GraphQL errors: ", FirstErrorMessage(*errors)));
  }
  auto data = document.find("data");
  if (data == document.end() || !data->is_object()) {
    return absl::DataLossError("query node answer has no data object");
  }
  return std::move(*data);
}

}  // namespace

absl::StatusOr<ParsedPage> ParsePage(const StreamSpec& stream, const std::string& body, const TextLimits& limits) {
  ASSIGN_OR_RETURN(json data, ParseBody(body));
  auto page = data.find("page");
  if (page == data.end() || !page->is_object()) {
    return absl::DataLossError(absl::StrCat("query node answer to ", stream.operation, " has no page"));
  }
  auto page_info = page->find("pageInfo");
  auto edges = page->find("edges");
  if (page_info == page->end() || !page_info->is_object() || edges == page->end() || !edges->is_array()) {
    return absl::DataLossError(absl::StrCat("query node answer to ", stream.operation, " lacks pageInfo or edges"));
  }
  auto has_next = page_info->find("hasNextPage");
  if (has_next == page_info->end() || !has_next->is_boolean()) {
    return absl::DataLossError(absl::StrCat("query node answer to ", stream.operation, " lacks hasNextPage"));
  }
  ParsedPage parsed;
  parsed.has_next_page = has_next->get<bool>();
  if (auto cursor = page_info->find("endCursor"); cursor != page_info->end() && cursor->is_string()) {
    parsed.end_cursor = cursor->get<std::string>();
  }
  parsed.item_count = edges->size();
  parsed.rows.reserve(edges->size());
  for (const json& edge : *edges) {
    const json* node = nullptr;
    if (edge.is_object()) {
      if (auto it = edge.find("node"); it != edge.end()) {
        node = &*it;
      }
    }
    static const json kNull;
    const json& item = node == nullptr ? kNull : *node;
    if (auto key = KeyOf(stream, item)) {
      parsed.keys.push_back(*key);
    }
    ItemReader reader(item, limits, parsed.truncated_fields);
    std::vector<json> objects;
    try {
      if (!item.is_object()) {
        throw Rejection{"edge without a node object"};
      }
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
      std::string raw = edge.dump(-1, ' ', false, json::error_handler_t::replace);
      if (raw.size() > kMaxRawBytes) {
        raw.resize(kMaxRawBytes);
      }
      json id = reader.Id(reader.Field(item, "id"));
      parsed.rejected.push_back(
          RejectedItem{id.is_null() ? std::nullopt : std::optional<std::string>(id.get<std::string>()),
                       rejection.reason, std::move(raw)});
    }
  }
  return parsed;
}

absl::StatusOr<Head> ParseHead(const std::string& body) {
  ASSIGN_OR_RETURN(json data, ParseBody(body));
  Head head;
  for (const auto& [field, items] : data.items()) {
    if (!items.is_array() || items.empty() || !items[0].is_object()) {
      continue;
    }
    const json& newest = items[0];
    auto block_it = newest.find(field == "videos" || field == "channels" ? "createdInBlock" : "inBlock");
    if (block_it == newest.end() || !block_it->is_number_integer()) {
      continue;
    }
    int64_t block = block_it->get<int64_t>();
    if (block >= head.block) {
      head.block = block;
      auto time_it = newest.find("createdAt");
      if (time_it != newest.end() && time_it->is_string()) {
        head.time = ParseIsoTime(time_it->get_ref<const std::string&>());
      }
    }
  }
  return head;
}

}  // namespace curation::ingest
