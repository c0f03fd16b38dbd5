#include <curation/ingest/ingest_store.hpp>

#include <unordered_map>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>
#include <curation/ingest/vocabulary.hpp>

namespace curation::ingest {
namespace {

using nlohmann::json;

// Advisory lock ids; distinct from the migration lock.
constexpr int64_t kFeedWriterLock = 0x696e676573740001;  // serialises feed appends
constexpr int64_t kPollerLock = 0x696e676573740002;      // one polling instance at a time

struct Column {
  const char* name;
  const char* type;
};

const std::vector<Column> kDataObjectColumns = {
    {"id", "text"}, {"size_bytes", "bigint"}, {"ipfs_hash", "text"}, {"is_accepted", "boolean"},
    {"storage_bag_id", "text"}};

const std::vector<Column> kCategoryColumns = {
    {"id", "text"},         {"name", "text"},           {"description", "text"},          {"parent_id", "text"},
    {"created_at", "timestamptz"}, {"updated_at", "timestamptz"}, {"created_in_block", "bigint"}};

const std::vector<Column> kChannelColumns = {
    {"id", "text"},          {"title", "text"},            {"description", "text"},
    {"is_public", "boolean"}, {"is_censored", "boolean"},   {"language", "text"},
    {"owner_member_id", "text"}, {"owner_handle", "text"},  {"avatar_object_id", "text"},
    {"cover_object_id", "text"}, {"created_at", "timestamptz"}, {"updated_at", "timestamptz"},
    {"created_in_block", "bigint"}};

const std::vector<Column> kVideoColumns = {
    {"id", "text"},
    {"channel_id", "text"},
    {"category_id", "text"},
    {"title", "text"},
    {"description", "text"},
    {"duration_seconds", "integer"},
    {"language", "text"},
    {"license_code", "integer"},
    {"license_attribution", "text"},
    {"license_custom_text", "text"},
    {"is_public", "boolean"},
    {"is_censored", "boolean"},
    {"is_explicit", "boolean"},
    {"has_marketing", "boolean"},
    {"yt_video_id", "text"},
    {"media_object_id", "text"},
    {"thumbnail_object_id", "text"},
    {"media_pixel_width", "integer"},
    {"media_pixel_height", "integer"},
    {"media_declared_size", "bigint"},
    {"media_codec", "text"},
    {"media_container", "text"},
    {"media_mime_type", "text"},
    {"created_at", "timestamptz"},
    {"updated_at", "timestamptz"},
    {"created_in_block", "bigint"}};

const std::vector<Column> kEventColumns = {
    {"id", "text"},           {"kind", "text"},           {"target_kind", "text"},      {"target_id", "text"},
    {"is_hidden", "boolean"}, {"asset_ids", "bigint[]"},  {"are_nft_assets", "boolean"}, {"rationale", "text"},
    {"actor_kind", "text"},   {"actor_curator_id", "text"}, {"actor_member_id", "text"}, {"in_block", "bigint"},
    {"index_in_block", "integer"}, {"in_extrinsic", "text"}, {"network", "text"},      {"created_at", "timestamptz"}};

const std::vector<Column> kDistributionBucketColumns = {
    {"id", "text"},          {"family_id", "text"},          {"bucket_index", "integer"},
    {"distributing", "boolean"}, {"accepting_new_bags", "boolean"}, {"created_at", "timestamptz"},
    {"updated_at", "timestamptz"}};

const std::vector<Column> kDistributionOperatorColumns = {
    {"id", "text"},          {"bucket_id", "text"},          {"worker_id", "bigint"},    {"status", "text"},
    {"node_endpoint", "text"}, {"created_at", "timestamptz"}, {"updated_at", "timestamptz"}};

const std::vector<Column> kStorageBagColumns = {
    {"id", "text"}, {"distribution_bucket_ids", "text[]"}, {"created_at", "timestamptz"},
    {"updated_at", "timestamptz"}};

std::string Names(const std::vector<Column>& columns, const std::string& prefix = "") {
  std::vector<std::string> names;
  for (const Column& c : columns) {
    names.push_back(prefix + c.name);
  }
  return absl::StrJoin(names, ", ");
}

// "incoming": the page's rows, passed as one JSON array parameter ($1).
std::string Incoming(const std::vector<Column>& columns) {
  std::vector<std::string> typed;
  for (const Column& c : columns) {
    typed.push_back(absl::StrCat(c.name, " ", c.type));
  }
  return absl::StrCat("incoming AS (SELECT * FROM json_to_recordset($1::json) AS x(", absl::StrJoin(typed, ", "),
                      "))");
}

// Inserts new rows and rewrites existing ones only when something changed, so re-reading
// the overlap costs no writes. Tables of entities that carry updatedAt never take an older
// version over a newer one (a stale copy arriving late).
std::string Upsert(const std::string& table, const std::vector<Column>& columns, const std::string& returning) {
  std::vector<std::string> sets;
  bool versioned = false;
  for (const Column& c : columns) {
    if (std::string(c.name) != "id") {
      sets.push_back(absl::StrCat(c.name, " = EXCLUDED.", c.name));
    }
    versioned = versioned || std::string(c.name) == "updated_at";
  }
  return absl::StrCat(
      "INSERT INTO ", table, " AS t (", Names(columns), ") SELECT ", Names(columns),
      " FROM incoming ON CONFLICT (id) DO UPDATE SET ", absl::StrJoin(sets, ", "),
      ", last_changed_at = now() WHERE ROW(", Names(columns, "t."), ") IS DISTINCT FROM ROW(",
      Names(columns, "EXCLUDED."), ")",
      versioned ? " AND (t.updated_at IS NULL OR EXCLUDED.updated_at IS NULL OR EXCLUDED.updated_at >= t.updated_at)"
                : "",
      returning.empty() ? "" : " RETURNING " + returning);
}

// `previous` sees the rows as they were before this statement (one snapshot for all of it):
// a row absent there was inserted now. Media or a thumbnail replacing an earlier one raises
// an item; a first one set after the upload is part of the upload.
const std::string kUpsertVideos = absl::StrCat(
    "WITH ", Incoming(kVideoColumns),
    ", previous AS (SELECT v.id, v.media_object_id, v.thumbnail_object_id FROM ingest.videos v JOIN incoming i ON i.id = v.id)"
    ", upserted AS (",
    Upsert("ingest.videos", kVideoColumns,
           "t.id, t.created_at, t.updated_at, t.created_in_block, t.media_object_id, t.thumbnail_object_id"),
    ") INSERT INTO ingest.feed (kind, target_kind, target_id, occurred_at)"
    " SELECT CASE WHEN p.id IS NULL THEN ", kFeedKinds.Sql(FeedKind::kVideoCreated), " ELSE ",
    kFeedKinds.Sql(FeedKind::kVideoAssetsChanged), " END, ", kTargetKinds.Sql(TargetKind::kVideo), ", u.id,"
    " CASE WHEN p.id IS NULL THEN u.created_at ELSE coalesce(u.updated_at, u.created_at) END"
    " FROM upserted u LEFT JOIN previous p ON p.id = u.id"
    " WHERE p.id IS NULL"
    " OR (p.media_object_id IS NOT NULL AND u.media_object_id IS DISTINCT FROM p.media_object_id)"
    " OR (p.thumbnail_object_id IS NOT NULL AND u.thumbnail_object_id IS DISTINCT FROM p.thumbnail_object_id)"
    " ORDER BY u.created_in_block, u.id");

const std::string kUpsertChannels = absl::StrCat(
    "WITH ", Incoming(kChannelColumns),
    ", previous AS (SELECT c.id FROM ingest.channels c JOIN incoming i ON i.id = c.id)"
    ", upserted AS (",
    Upsert("ingest.channels", kChannelColumns, "t.id, t.created_at, t.created_in_block"),
    ") INSERT INTO ingest.feed (kind, target_kind, target_id, occurred_at)"
    " SELECT ", kFeedKinds.Sql(FeedKind::kChannelCreated), ", ", kTargetKinds.Sql(TargetKind::kChannel),
    ", u.id, u.created_at FROM upserted u"
    " WHERE NOT EXISTS (SELECT 1 FROM previous p WHERE p.id = u.id)"
    " ORDER BY u.created_in_block, u.id");

const std::string kInsertEvents = absl::StrCat(
    "WITH ", Incoming(kEventColumns), ", inserted AS (INSERT INTO ingest.moderator_events (", Names(kEventColumns),
    ") SELECT ", Names(kEventColumns),
    " FROM incoming ON CONFLICT (id) DO NOTHING RETURNING id, target_kind, target_id, created_at, in_block,"
    " index_in_block)"
    " INSERT INTO ingest.feed (kind, target_kind, target_id, occurred_at, event_id)"
    " SELECT ", kFeedKinds.Sql(FeedKind::kModeratorEvent), ", target_kind, target_id, created_at, id FROM inserted"
    " ORDER BY in_block, index_in_block");

std::vector<db::PreparedStatement> BuildStatements() {
  return {
      // Feed appends are serialised so they become visible in sequence order. Rows and mark
      // commit together, so losing a page's commit in a crash only means reading that page
      // again; a later synchronous commit (a review item raised from these rows) flushes the
      // WAL past this one first. Hence asynchronous commit.
      {"ingest.begin_page", absl::StrCat("SELECT pg_advisory_xact_lock(", kFeedWriterLock,
                                         "), set_config('synchronous_commit', 'off', true)")},
      {"ingest.upsert_data_objects",
       absl::StrCat("WITH ", Incoming(kDataObjectColumns), " ", Upsert("ingest.data_objects", kDataObjectColumns, ""))},
      {"ingest.upsert_videos", kUpsertVideos},
      {"ingest.upsert_channels", kUpsertChannels},
      {"ingest.upsert_categories",
       absl::StrCat("WITH ", Incoming(kCategoryColumns), " ", Upsert("ingest.categories", kCategoryColumns, ""))},
      {"ingest.insert_events", kInsertEvents},
      {"ingest.upsert_distribution_buckets",
       absl::StrCat("WITH ", Incoming(kDistributionBucketColumns), " ",
                    Upsert("ingest.distribution_buckets", kDistributionBucketColumns, ""))},
      {"ingest.upsert_distribution_operators",
       absl::StrCat("WITH ", Incoming(kDistributionOperatorColumns), " ",
                    Upsert("ingest.distribution_operators", kDistributionOperatorColumns, ""))},
      // What a full read did not find, the query node no longer has.
      {"ingest.delete_absent_distribution_buckets",
       "DELETE FROM ingest.distribution_buckets WHERE id NOT IN (SELECT json_array_elements_text($1::json))"},
      {"ingest.delete_absent_distribution_operators",
       "DELETE FROM ingest.distribution_operators WHERE id NOT IN (SELECT json_array_elements_text($1::json))"},
      {"ingest.upsert_storage_bags",
       absl::StrCat("WITH ", Incoming(kStorageBagColumns), " ", Upsert("ingest.storage_bags", kStorageBagColumns, ""))},
      {"ingest.insert_rejected",
       "INSERT INTO ingest.rejected_items AS r (stream, fingerprint, item_id, reason, raw)"
       " SELECT DISTINCT ON (fingerprint) $1, fingerprint, item_id, reason, raw FROM ("
       "   SELECT encode(sha256(convert_to(raw, 'UTF8')), 'hex') AS fingerprint, item_id, reason, raw"
       "   FROM json_to_recordset($2::json) AS x(item_id text, reason text, raw text)) rows"
       " ON CONFLICT (stream, fingerprint) DO UPDATE SET last_seen_at = now(), times_seen = r.times_seen + 1"},
      // The mark, unless a backfill bumped the generation since it was read; and the success.
      {"ingest.save_cursor",
       "WITH saved AS (INSERT INTO ingest.cursors AS c (stream, mark_block, mark_time, generation)"
       "   VALUES ($1, $2, $3, $4)"
       "   ON CONFLICT (stream) DO UPDATE SET mark_block = EXCLUDED.mark_block, mark_time = EXCLUDED.mark_time,"
       "   updated_at = now() WHERE c.generation = EXCLUDED.generation RETURNING stream),"
       " succeeded AS (INSERT INTO ingest.stream_status AS s (stream, last_success_at, items_read)"
       "   SELECT stream, now(), $5 FROM saved"
       "   ON CONFLICT (stream) DO UPDATE SET last_success_at = now(), items_read = s.items_read + $5)"
       " SELECT count(*) FROM saved"},
      {"ingest.record_caught_up",
       "INSERT INTO ingest.stream_status AS s (stream, last_success_at, caught_up_block) VALUES ($1, now(), $2)"
       " ON CONFLICT (stream) DO UPDATE SET last_success_at = now(), caught_up_block = $2"},
      {"ingest.record_failure",
       "INSERT INTO ingest.stream_status AS s (stream, last_error, last_error_at) VALUES ($1, $2, now())"
       " ON CONFLICT (stream) DO UPDATE SET last_error = $2, last_error_at = now()"},
      {"ingest.record_head",
       "INSERT INTO ingest.head (singleton, head_block, head_time, checked_at) VALUES (true, $1, $2, now())"
       " ON CONFLICT (singleton) DO UPDATE SET head_block = $1, head_time = $2, checked_at = now()"},
      {"ingest.load_cursors",
       "SELECT stream, mark_block, (extract(epoch FROM mark_time) * 1000)::bigint, generation FROM ingest.cursors"},
      {"ingest.read_stream_status",
       "SELECT stream, to_char(last_success_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), last_error,"
       " to_char(last_error_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), items_read, caught_up_block"
       " FROM ingest.stream_status"},
      {"ingest.read_head",
       "SELECT head_block, to_char(head_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
       " to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM ingest.head"},
      {"ingest.count_rejected", "SELECT count(*) FROM ingest.rejected_items"},
      // A stream never polled has no cursor and starts at ingest.start_block anyway. A rewound
      // stream is no longer known to be caught up until its next pass.
      {"ingest.rewind_cursor",
       "WITH rewound AS (UPDATE ingest.cursors SET mark_block = LEAST(mark_block, $2), generation = generation + 1,"
       "   updated_at = now() WHERE stream = $1 RETURNING stream)"
       " UPDATE ingest.stream_status SET caught_up_block = NULL WHERE stream IN (SELECT stream FROM rewound)"},
  };
}

std::string Dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// A JSON array of the rows, keeping only the last version of each id: one statement may not
// upsert a row twice.
std::string EncodeDedupedById(const std::vector<json>& rows) {
  std::unordered_map<std::string_view, size_t> last;
  for (size_t i = 0; i < rows.size(); ++i) {
    last[rows[i]["id"].get_ref<const std::string&>()] = i;
  }
  std::string array = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (last[rows[i]["id"].get_ref<const std::string&>()] == i) {
      array += array.size() > 1 ? "," : "";
      array += Dump(rows[i]);
    }
  }
  return array + "]";
}

std::optional<TimePoint> OptionalTime(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : ParseIsoTime(field.c_str());
}

}  // namespace

std::vector<db::PreparedStatement> IngestStore::Statements() { return BuildStatements(); }

namespace {

std::map<std::string, Cursor> ReadCursors(pqxx::work& tx) {
  std::map<std::string, Cursor> cursors;
  for (const auto& row : tx.exec_prepared("ingest.load_cursors")) {
    Cursor cursor;
    cursor.generation = row[3].as<int64_t>();
    cursor.stored = true;
    if (!row[1].is_null()) {
      cursor.mark = row[1].as<int64_t>();
    } else if (!row[2].is_null()) {
      cursor.mark = row[2].as<int64_t>();
    } else {
      continue;
    }
    cursors[row[0].as<std::string>()] = cursor;
  }
  return cursors;
}

}  // namespace

absl::StatusOr<std::map<std::string, Cursor>> IngestStore::LoadCursors(std::optional<TimePoint> deadline) {
  std::map<std::string, Cursor> cursors;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        cursors = ReadCursors(tx);
        return absl::OkStatus();
      },
      deadline));
  return cursors;
}

EncodedPage IngestStore::Encode(const ParsedPage& page) {
  EncodedPage encoded;
  encoded.item_count = static_cast<int64_t>(page.item_count);
  if (!page.rows.empty()) {
    encoded.rows = EncodeDedupedById(page.rows);
  }
  if (!page.data_objects.empty()) {
    encoded.data_objects = EncodeDedupedById(page.data_objects);
  }
  if (!page.rejected.empty()) {
    json array = json::array();
    for (const RejectedItem& item : page.rejected) {
      array.push_back({{"item_id", item.item_id ? json(*item.item_id) : json(nullptr)},
                       {"reason", item.reason},
                       {"raw", item.raw}});
    }
    encoded.rejected = Dump(array);
  }
  return encoded;
}

absl::Status IngestStore::StorePage(const StreamSpec& stream, const EncodedPage& page, const Cursor& cursor) {
  std::string mark_block = std::to_string(cursor.mark);
  std::string mark_time = FormatIsoTime(TimePoint(std::chrono::milliseconds(cursor.mark)));
  bool by_block = stream.key_kind == KeyKind::kBlock;
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("ingest.begin_page");
    if (!page.data_objects.empty()) {
      tx.exec_prepared("ingest.upsert_data_objects", page.data_objects);
    }
    if (!page.rows.empty()) {
      switch (stream.entity) {
        case Entity::kVideo: tx.exec_prepared("ingest.upsert_videos", page.rows); break;
        case Entity::kChannel: tx.exec_prepared("ingest.upsert_channels", page.rows); break;
        case Entity::kCategory: tx.exec_prepared("ingest.upsert_categories", page.rows); break;
        case Entity::kModeratorEvent: tx.exec_prepared("ingest.insert_events", page.rows); break;
        case Entity::kDistributionBucket: tx.exec_prepared("ingest.upsert_distribution_buckets", page.rows); break;
        case Entity::kDistributionOperator:
          tx.exec_prepared("ingest.upsert_distribution_operators", page.rows);
          break;
        case Entity::kStorageBag: tx.exec_prepared("ingest.upsert_storage_bags", page.rows); break;
      }
    }
    if (!page.rejected.empty()) {
      tx.exec_prepared("ingest.insert_rejected", stream.name, page.rejected);
    }
    auto saved = tx.exec_prepared1("ingest.save_cursor", stream.name, by_block ? mark_block.c_str() : nullptr,
                                   by_block ? nullptr : mark_time.c_str(), cursor.generation, page.item_count);
    if (saved[0].as<int64_t>() == 0) {
      return absl::AbortedError(absl::StrCat("stream ", stream.name, " was rewound by a backfill; reloading its mark"));
    }
    return absl::OkStatus();
  });
}

absl::Status IngestStore::DeleteAbsent(const StreamSpec& stream, const std::vector<std::string>& present) {
  const char* statement = nullptr;
  switch (stream.entity) {
    case Entity::kDistributionBucket: statement = "ingest.delete_absent_distribution_buckets"; break;
    case Entity::kDistributionOperator: statement = "ingest.delete_absent_distribution_operators"; break;
    case Entity::kVideo:
    case Entity::kChannel:
    case Entity::kCategory:
    case Entity::kModeratorEvent:
    case Entity::kStorageBag:
      return absl::InternalError(absl::StrCat("stream ", stream.name, " is not read whole"));
  }
  std::string ids = Dump(json(present));
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared(statement, ids);
    return absl::OkStatus();
  });
}

absl::Status IngestStore::RecordCaughtUp(const std::string& stream, int64_t head_block) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("ingest.record_caught_up", stream, head_block);
    return absl::OkStatus();
  });
}

absl::Status IngestStore::RecordFailure(const std::string& stream, const std::string& message) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("ingest.record_failure", stream, TruncatedUtf8(message, 1000));
    return absl::OkStatus();
  });
}

absl::Status IngestStore::RecordHead(const Head& head) {
  std::string time = head.time ? FormatIsoTime(*head.time) : "";
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("ingest.record_head", head.block, head.time ? time.c_str() : nullptr);
    return absl::OkStatus();
  });
}

absl::StatusOr<IngestState> IngestStore::ReadState(std::optional<TimePoint> deadline) {
  IngestState state;
  std::map<std::string, StreamState> by_name;
  // Marks, status and head from one snapshot, in one round of the pool.
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    std::map<std::string, Cursor> cursors = ReadCursors(tx);
    for (const StreamSpec& stream : Streams()) {
      StreamState& s = by_name[stream.name];
      s.name = stream.name;
      s.key_kind = stream.key_kind;
      if (auto it = cursors.find(stream.name); it != cursors.end()) {
        s.mark = it->second.mark;
      }
    }
    for (const auto& row : tx.exec_prepared("ingest.read_stream_status")) {
      std::string name = row[0].as<std::string>();
      if (name == "head") {
        state.head_error = row[2].is_null() ? "" : row[2].as<std::string>();
        state.head_error_time = OptionalTime(row[3]);
        continue;
      }
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        continue;
      }
      it->second.last_success = OptionalTime(row[1]);
      it->second.last_error = row[2].is_null() ? "" : row[2].as<std::string>();
      it->second.last_error_time = OptionalTime(row[3]);
      it->second.items_read = row[4].as<int64_t>();
      if (!row[5].is_null()) {
        it->second.caught_up_block = row[5].as<int64_t>();
      }
    }
    for (const auto& row : tx.exec_prepared("ingest.read_head")) {
      state.head = Head{row[0].as<int64_t>(), OptionalTime(row[1])};
      state.head_checked = OptionalTime(row[2]);
    }
    state.rejected_items = tx.exec_prepared("ingest.count_rejected")[0][0].as<int64_t>();
    return absl::OkStatus();
  }, deadline));
  for (const StreamSpec& stream : Streams()) {
    state.streams.push_back(by_name[stream.name]);
  }
  return state;
}

absl::Status IngestStore::RewindBlockMarks(int64_t from_block, std::optional<TimePoint> deadline) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (const StreamSpec& stream : Streams()) {
      if (stream.key_kind == KeyKind::kBlock) {
        tx.exec_prepared("ingest.rewind_cursor", stream.name, from_block - 1);
      }
    }
    return absl::OkStatus();
  }, deadline);
}

absl::StatusOr<std::unique_ptr<db::AdvisoryLease>> IngestStore::TryBecomePoller() {
  return db::TryAdvisoryLease(pool_, kPollerLock);
}

}  // namespace curation::ingest
