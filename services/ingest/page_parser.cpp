#include <curation/ingest/page_parser.hpp>

#include <cassert>
#include <limits>
#include <utility>

#include <absl/strings/str_cat.h>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>
#include <curation/ingest/query_node_client.hpp>
#include <curation/ingest/vocabulary.hpp>

namespace curation::ingest {
namespace {

using graphql::Record;
using graphql::Value;
using nlohmann::json;

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
// Blocks travel back to the query node as GraphQL Int variables, which are 32-bit.
constexpr int64_t kMaxBlock = kMaxInt32;
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// A row's column: the value, or null when there is none.
template <typename T>
json Nullable(std::optional<T>&& value) {
  return value ? json(std::move(*value)) : json(nullptr);
}

json OptTime(Value value) {
  std::optional<TimePoint> time = value.Time();
  return time ? json(FormatIsoTime(*time)) : json(nullptr);
}

// Registers a nested data object (media, thumbnail, avatar, cover) and returns its id.
json DataObject(const Record& r, const char* key, const TextLimits& l, std::vector<json>& objects) {
  Value object = r[key];
  std::optional<std::string> id = object["id"].Id();
  if (!id) {
    return nullptr;
  }
  objects.push_back({{"id", *id},
                     {"size_bytes", Nullable(object["size"].BigInt(0, kMaxInt64))},
                     {"ipfs_hash", Nullable(r.Text(object["ipfsHash"], l.other))},
                     {"is_accepted", Nullable(object["isAccepted"].Bool())},
                     {"storage_bag_id", Nullable(r.Text(object["storageBag"]["id"], l.other))}});
  return std::move(*id);
}

json VideoRow(Record& r, const TextLimits& l, std::vector<json>& objects) {
  Value license = r["license"];
  Value metadata = r["mediaMetadata"];
  Value encoding = metadata["encoding"];
  return {
      {"id", r.RequiredId("id")},
      {"channel_id", r.RequiredNestedId("channel")},
      {"category_id", Nullable(r["category"]["id"].Id())},
      {"title", Nullable(r.Text("title", l.title))},
      {"description", Nullable(r.Text("description", l.description))},
      {"duration_seconds", Nullable(r["duration"].BigInt(0, kMaxInt32))},
      {"language", Nullable(r.Text(r["language"]["iso"], l.other))},
      {"license_code", Nullable(license["code"].BigInt(0, kMaxInt32))},
      {"license_attribution", Nullable(r.Text(license["attribution"], l.other))},
      {"license_custom_text", Nullable(r.Text(license["customText"], l.description))},
      {"is_public", Nullable(r["isPublic"].Bool())},
      {"is_censored", r.RequiredBool("isCensored")},
      {"is_explicit", Nullable(r["isExplicit"].Bool())},
      {"has_marketing", Nullable(r["hasMarketing"].Bool())},
      {"yt_video_id", Nullable(r.Text("ytVideoId", l.other))},
      {"media_object_id", DataObject(r, "media", l, objects)},
      {"thumbnail_object_id", DataObject(r, "thumbnailPhoto", l, objects)},
      {"media_pixel_width", Nullable(metadata["pixelWidth"].BigInt(0, kMaxInt32))},
      {"media_pixel_height", Nullable(metadata["pixelHeight"].BigInt(0, kMaxInt32))},
      {"media_declared_size", Nullable(metadata["size"].BigInt(0, kMaxInt64))},
      {"media_codec", Nullable(r.Text(encoding["codecName"], l.other))},
      {"media_container", Nullable(r.Text(encoding["container"], l.other))},
      {"media_mime_type", Nullable(r.Text(encoding["mimeMediaType"], l.other))},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
      {"updated_at", OptTime(r["updatedAt"])},
      {"created_in_block", r.RequiredBigInt("createdInBlock", 0, kMaxBlock)},
  };
}

json ChannelRow(Record& r, const TextLimits& l, std::vector<json>& objects) {
  Value owner = r["ownerMember"];
  return {
      {"id", r.RequiredId("id")},
      {"title", Nullable(r.Text("title", l.title))},
      {"description", Nullable(r.Text("description", l.description))},
      {"is_public", Nullable(r["isPublic"].Bool())},
      {"is_censored", r.RequiredBool("isCensored")},
      {"language", Nullable(r.Text(r["language"]["iso"], l.other))},
      {"owner_member_id", Nullable(owner["id"].Id())},
      {"owner_handle", Nullable(r.Text(owner["handle"], l.other))},
      {"avatar_object_id", DataObject(r, "avatarPhoto", l, objects)},
      {"cover_object_id", DataObject(r, "coverPhoto", l, objects)},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
      {"updated_at", OptTime(r["updatedAt"])},
      {"created_in_block", r.RequiredBigInt("createdInBlock", 0, kMaxBlock)},
  };
}

json CategoryRow(Record& r, const TextLimits& l) {
  return {
      {"id", r.RequiredId("id")},
      {"name", Nullable(r.Text("name", l.title))},
      {"description", Nullable(r.Text("description", l.description))},
      {"parent_id", Nullable(r["parentCategory"]["id"].Id())},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
      {"updated_at", OptTime(r["updatedAt"])},
      {"created_in_block", r.RequiredBigInt("createdInBlock", 0, kMaxBlock)},
  };
}

// The query node's field holding the id of what `target` names.
const char* TargetIdField(TargetKind target) {
  switch (target) {
    case TargetKind::kVideo:
      return "videoId";
    case TargetKind::kChannel:
      return "channelId";
  }
  return "videoId";  // not reached: every target kind is handled above
}

// Who acted, in ingest's spelling: an actor the query node names in a way the table does not
// hold sets the event aside with the name it gave.
json ActorKindOf(Record& r, Value actor, const TextLimits& l) {
  std::optional<std::string> type_name = r.Text(actor["__typename"], l.other);
  if (!type_name) {
    r.Reject("missing actor.__typename");
    return nullptr;
  }
  std::optional<ActorKind> kind = kActorTypenames.From(*type_name);
  if (!kind) {
    r.Reject(absl::StrCat("unknown actor.__typename ", OneLine(*type_name, 100)));
    return nullptr;
  }
  return std::string(kActorKinds.Db(*kind));
}

json EventRow(const StreamSpec& stream, Record& r, const TextLimits& l) {
  assert(stream.event_target && "every moderator event stream names its target (streams.cpp)");
  const TargetKind target = stream.event_target.value_or(TargetKind::kVideo);
  Value actor = r["actor"];
  json actor_kind = ActorKindOf(r, actor, l);
  json asset_ids = nullptr;
  if (Value ids = r["assetIds"]; ids.IsArray()) {
    asset_ids = json::array();
    ids.ForEachElement([&](Value id) {
      if (std::optional<int64_t> number = id.BigInt(0, kMaxInt64)) {
        asset_ids.push_back(*number);
      } else {
        r.Reject("invalid assetIds entry");
      }
    });
  }
  std::optional<std::string> rationale = r.Text("rationale", l.rationale);
  if (!rationale) {
    r.Reject("missing rationale");
  }
  return {
      {"id", r.RequiredId("id")},
      {"kind", std::string(kModeratorEventKinds.Db(*stream.event_kind))},
      {"target_kind", kTargetKinds.Db(target)},
      {"target_id", std::to_string(r.RequiredBigInt(TargetIdField(target), 0, kMaxInt64))},
      {"is_hidden", Nullable(r["isHidden"].Bool())},
      {"asset_ids", std::move(asset_ids)},
      {"are_nft_assets", Nullable(r["areNftAssets"].Bool())},
      {"rationale", Nullable(std::move(rationale))},
      {"actor_kind", std::move(actor_kind)},
      {"actor_curator_id", Nullable(actor["curator"]["id"].Id())},
      {"actor_member_id", Nullable(actor["member"]["id"].Id())},
      {"in_block", r.RequiredBigInt("inBlock", 0, kMaxBlock)},
      {"index_in_block", r.RequiredBigInt("indexInBlock", 0, kMaxInt32)},
      {"in_extrinsic", Nullable(r.Text("inExtrinsic", l.other))},
      {"network", Nullable(r.Text("network", l.other))},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
  };
}

json DistributionBucketRow(Record& r) {
  return {
      {"id", r.RequiredId("id")},
      {"family_id", r.RequiredNestedId("family")},
      {"bucket_index", Nullable(r["bucketIndex"].Int(0, kMaxInt32))},
      {"distributing", r.RequiredBool("distributing")},
      {"accepting_new_bags", r.RequiredBool("acceptingNewBags")},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
      {"updated_at", OptTime(r["updatedAt"])},
  };
}

// workerId is a GraphQL Int: a JSON integer, not digits in a string.
json WorkerId(Record& r) {
  std::optional<int64_t> id = r["workerId"].Int(0, kMaxInt32);
  if (!id) {
    r.Reject("missing or invalid workerId");
    return nullptr;
  }
  return *id;
}

// The endpoint is kept as the text the chain gives (cut, NUL-free), whatever it says: whoever
// uses it checks it (common/text's IsHttpUrl), ingest never requests it.
json DistributionOperatorRow(Record& r, const TextLimits& l) {
  std::optional<std::string_view> status_text = r["status"].String();
  std::optional<OperatorStatus> status =
      status_text ? kOperatorStatusNames.From(*status_text) : std::nullopt;
  if (!status) {
    r.Reject("missing or unknown status");
  }
  return {
      {"id", r.RequiredId("id")},
      {"bucket_id", r.RequiredNestedId("distributionBucket")},
      {"worker_id", WorkerId(r)},
      {"status", status ? std::string(kOperatorStatuses.Db(*status)) : std::string()},
      {"node_endpoint", Nullable(r.Text(r["metadata"]["nodeEndpoint"], l.other))},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
      {"updated_at", OptTime(r["updatedAt"])},
  };
}

// A bag with its distribution buckets in the order the query node lists them.
json StorageBagRow(Record& r) {
  json bucket_ids = json::array();
  if (Value buckets = r["distributionBuckets"]; buckets.IsArray()) {
    buckets.ForEachElement([&](Value bucket) {
      if (std::optional<std::string> id = bucket["id"].Id()) {
        bucket_ids.push_back(std::move(*id));
      } else {
        r.Reject("invalid distributionBuckets entry");
      }
    });
  } else {
    r.Reject("missing distributionBuckets");
  }
  return {
      {"id", r.RequiredId("id")},
      {"distribution_bucket_ids", std::move(bucket_ids)},
      {"created_at", FormatIsoTime(r.RequiredTime("createdAt"))},
      {"updated_at", OptTime(r["updatedAt"])},
  };
}

// The ordering key of a raw item, if it has a readable one.
std::optional<Mark> KeyOf(const StreamSpec& stream, Value node) {
  if (stream.key_kind == KeyKind::kTime) {
    std::optional<TimePoint> time = node["updatedAt"].Time();
    if (!time) {
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count();
  }
  return node[stream.entity == Entity::kModeratorEvent ? "inBlock" : "createdInBlock"].Int(0, kMaxBlock);
}

// One parser per thread, reused across the pages that thread parses.
graphql::AnswerParser& Parser() {
  thread_local graphql::AnswerParser parser(QueryNode());
  return parser;
}

}  // namespace

absl::StatusOr<ParsedPage> ParsePage(const StreamSpec& stream, const std::string& body, const TextLimits& limits) {
  ASSIGN_OR_RETURN(Value data, Parser().Parse(body));
  const std::string to_operation = absl::StrCat("to ", stream.operation);
  Value page = data["page"];
  if (!page.IsObject()) {
    return QueryNode().Malformed(absl::StrCat(to_operation, " has no page"));
  }
  Value page_info = page["pageInfo"];
  Value edges = page["edges"];
  if (!page_info.IsObject() || !edges.IsArray()) {
    return QueryNode().Malformed(absl::StrCat(to_operation, " lacks pageInfo or edges"));
  }
  std::optional<bool> has_next = page_info["hasNextPage"].Bool();
  if (!has_next) {
    return QueryNode().Malformed(absl::StrCat(to_operation, " lacks hasNextPage"));
  }
  ParsedPage parsed;
  parsed.has_next_page = *has_next;
  if (std::optional<std::string_view> cursor = page_info["endCursor"].String()) {
    parsed.end_cursor = std::string(*cursor);
  }
  parsed.item_count = edges.Size();
  parsed.rows.reserve(parsed.item_count);
  edges.ForEachElement([&](Value edge) {
    Value node = edge["node"];
    if (node.IsObject()) {
      if (std::optional<Mark> key = KeyOf(stream, node)) {
        parsed.keys.push_back(*key);
      }
    }
    size_t cut_texts = 0;  // counted for the rows stored
    Record record(node, &cut_texts);
    std::vector<json> objects;
    json row;
    if (!node.IsObject()) {
      record.Reject("edge without a node object");
    } else {
      switch (stream.entity) {
        case Entity::kVideo: row = VideoRow(record, limits, objects); break;
        case Entity::kChannel: row = ChannelRow(record, limits, objects); break;
        case Entity::kCategory: row = CategoryRow(record, limits); break;
        case Entity::kModeratorEvent: row = EventRow(stream, record, limits); break;
        case Entity::kDistributionBucket: row = DistributionBucketRow(record); break;
        case Entity::kDistributionOperator: row = DistributionOperatorRow(record, limits); break;
        case Entity::kStorageBag: row = StorageBagRow(record); break;
      }
    }
    if (record.Rejected()) {
      parsed.rejected.push_back(record.SetAside(edge));
      return;
    }
    parsed.rows.push_back(std::move(row));
    for (json& object : objects) {
      parsed.data_objects.push_back(std::move(object));
    }
    parsed.truncated_fields += cut_texts;
  });
  return parsed;
}

absl::StatusOr<Head> ParseHead(const std::string& body) {
  ASSIGN_OR_RETURN(Value data, Parser().Parse(body));
  Head head;
  data.ForEachMember([&](std::string_view, Value items) {
    Value newest = items.At(0);
    Value block = newest["createdInBlock"];
    if (!block) {
      block = newest["inBlock"];  // moderator events
    }
    std::optional<int64_t> number =
        block.Int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    if (number && *number >= head.block) {
      head.block = *number;
      head.time = newest["createdAt"].Time();
    }
  });
  return head;
}

}  // namespace curation::ingest
