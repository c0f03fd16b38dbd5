#include <curation/review/review_store.hpp>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

namespace curation::review {
namespace {

constexpr char kConsumer[] = "review.items";
// The first page starts after this position: 1900-01-01, before any Joystream upload.
constexpr int64_t kBeforeAnyDeadlineMs = -2208988800000;

// Item columns with the title, channel and category a curator needs, read from ingest.
constexpr char kItemSelect[] =
    "SELECT i.id, i.target_kind, i.target_id, i.reason, i.state,"
    " coalesce(v.title, c.title, ''), coalesce(v.channel_id, c.id, ''), coalesce(ch.title, ''),"
    " coalesce(v.category_id, ''), coalesce(cat.name, ''),"
    " (extract(epoch FROM i.uploaded_at) * 1000)::bigint, (extract(epoch FROM i.due_at) * 1000)::bigint,"
    " (extract(epoch FROM i.created_at) * 1000)::bigint, coalesce(pv.verdict, ''), coalesce(pv.summary, '')"
    " FROM review.items i"
    " LEFT JOIN ingest.videos v ON i.target_kind = 'video' AND v.id = i.target_id"
    " LEFT JOIN ingest.channels c ON i.target_kind = 'channel' AND c.id = i.target_id"
    " LEFT JOIN ingest.channels ch ON ch.id = coalesce(v.channel_id, c.id)"
    " LEFT JOIN ingest.categories cat ON cat.id = v.category_id"
    " LEFT JOIN probe.verdicts pv ON i.target_kind = 'video' AND pv.video_id = i.target_id";

TimePoint FromMillis(const pqxx::field& field) { return TimePoint(std::chrono::milliseconds(field.as<int64_t>())); }

int64_t Millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

ItemRow ReadItem(const pqxx::row& row) {
  ItemRow item;
  item.id = row[0].as<int64_t>();
  item.target_kind = row[1].as<std::string>();
  item.target_id = row[2].as<std::string>();
  item.reason = row[3].as<std::string>();
  item.state = row[4].as<std::string>();
  item.title = row[5].as<std::string>();
  item.channel_id = row[6].as<std::string>();
  item.channel_title = row[7].as<std::string>();
  item.category_id = row[8].as<std::string>();
  item.category_name = row[9].as<std::string>();
  item.uploaded_at = FromMillis(row[10]);
  item.due_at = FromMillis(row[11]);
  item.created_at = FromMillis(row[12]);
  item.playability = row[13].as<std::string>();
  item.playability_summary = row[14].as<std::string>();
  return item;
}

// A PostgreSQL array literal of plain words (the caller validated them).
std::string TextArray(const std::vector<std::string>& words) { return "{" + absl::StrJoin(words, ",") + "}"; }

}  // namespace

std::vector<db::PreparedStatement> ReviewStore::Statements() {
  return {
      {"review.ensure_cursor",
       "INSERT INTO review.feed_cursors (consumer, seq) VALUES ($1, 0) ON CONFLICT (consumer) DO NOTHING"},
      {"review.lock_cursor", "SELECT seq FROM review.feed_cursors WHERE consumer = $1 FOR UPDATE"},
      {"review.items_from_feed",
       "WITH batch AS (SELECT seq, kind, target_kind, target_id, occurred_at FROM ingest.feed"
       "   WHERE seq > $1 ORDER BY seq LIMIT $2),"
       " created AS (INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at)"
       "   SELECT target_kind, target_id,"
       "     CASE kind WHEN 'video_created' THEN 'new_video' WHEN 'channel_created' THEN 'new_channel'"
       "     ELSE 'assets_changed' END,"
       "     seq, occurred_at, occurred_at + make_interval(secs => $3::double precision / 1000)"
       "   FROM batch WHERE kind IN ('video_created', 'channel_created', 'video_assets_changed')"
       "   ORDER BY seq"
       "   ON CONFLICT (source_seq) DO NOTHING RETURNING 1)"
       " SELECT (SELECT max(seq) FROM batch), (SELECT count(*) FROM batch), (SELECT count(*) FROM created)"},
      {"review.advance_cursor", "UPDATE review.feed_cursors SET seq = $2 WHERE consumer = $1"},
      {"review.list_items",
       absl::StrCat(kItemSelect,
                    " WHERE i.state = ANY($1::text[])"
                    " AND (i.due_at, i.id) > (to_timestamp($2::double precision / 1000), $3::bigint)"
                    " ORDER BY i.due_at, i.id LIMIT $4")},
      {"review.get_item", absl::StrCat(kItemSelect, " WHERE i.id = $1")},
  };
}

absl::StatusOr<FeedBatch> ReviewStore::ConsumeFeed(int64_t limit, std::chrono::milliseconds due_after) {
  FeedBatch batch;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("review.ensure_cursor", kConsumer);
    int64_t seq = tx.exec_prepared1("review.lock_cursor", kConsumer)[0].as<int64_t>();
    auto result = tx.exec_prepared1("review.items_from_feed", seq, limit, due_after.count());
    if (result[0].is_null()) {
      return absl::OkStatus();
    }
    batch.entries = result[1].as<int64_t>();
    batch.items_created = result[2].as<int64_t>();
    tx.exec_prepared("review.advance_cursor", kConsumer, result[0].as<int64_t>());
    return absl::OkStatus();
  }));
  return batch;
}

absl::StatusOr<std::vector<ItemRow>> ReviewStore::ListItems(const std::vector<std::string>& states,
                                                            const std::optional<QueuePosition>& after, int limit,
                                                            std::optional<TimePoint> deadline) {
  std::vector<ItemRow> items;
  int64_t after_due = after ? Millis(after->due_at) : kBeforeAnyDeadlineMs;
  int64_t after_id = after ? after->id : 0;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        for (const auto& row : tx.exec_prepared("review.list_items", TextArray(states), after_due, after_id, limit)) {
          items.push_back(ReadItem(row));
        }
        return absl::OkStatus();
      },
      deadline));
  return items;
}

absl::StatusOr<ItemRow> ReviewStore::GetItem(int64_t id, std::optional<TimePoint> deadline) {
  std::optional<ItemRow> item;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        auto result = tx.exec_prepared("review.get_item", id);
        if (!result.empty()) {
          item = ReadItem(result[0]);
        }
        return absl::OkStatus();
      },
      deadline));
  if (!item) {
    return absl::NotFoundError(absl::StrCat("no review item ", id));
  }
  return *item;
}

}  // namespace curation::review
