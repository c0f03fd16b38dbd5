#include <curation/review/review_store.hpp>

#include <algorithm>
#include <iterator>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/db/feed_follower.hpp>
#include <curation/db/fields.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <curation/modlog/log_store.hpp>
#include <curation/review/rules.hpp>

namespace curation::review {
namespace {

using db::ValueOf;
using ingest::FeedKind;

// The fixed values the statements spell, as SQL literals from their tables.
std::string Sql(ItemState state) { return kItemStates.Sql(state); }
std::string Sql(ItemReason reason) { return kItemReasons.Sql(reason); }
std::string Sql(TargetKind kind) { return kTargetKinds.Sql(kind); }
std::string Sql(FeedKind kind) { return ingest::kFeedKinds.Sql(kind); }

// Times travel as milliseconds since the epoch.
std::string Span(int param) { return absl::StrCat("make_interval(secs => $", param, "::double precision / 1000)"); }

// The queue order (InQueueOrder in rules.hpp): earliest due first, and among items due together
// the one with the higher signal (an unplayable probe raises it) first. Each of the items_*queue
// indexes holds it.
constexpr char kQueueOrder[] = "i.due_at, i.signal DESC, i.id";

// The lease rules (rules.hpp) as the SQL functions of migration 0010, for an item `i` at `now`.
// PostgreSQL inlines them, so the indexes on the columns serve them as before.
std::string EffectiveState(const std::string& now) {
  return absl::StrCat("review.effective_state(i.state, i.lease_expires_at, ", now, ")");
}
std::string LeaseLapsed(const std::string& now) {
  return absl::StrCat("review.lease_lapsed(i.state, i.lease_expires_at, ", now, ")");
}
std::string LeaseLive(const std::string& now) {
  return absl::StrCat("review.lease_live(i.state, i.lease_expires_at, ", now, ")");
}
std::string LeaseHeldBy(const std::string& holder, const std::string& now) {
  return absl::StrCat("review.lease_held_by(i.state, i.lease_holder, i.lease_expires_at, ", holder, ", ", now, ")");
}

// Items `i` with their target as ingest keeps it: the video `v` or channel `c`, and the
// channel `ch` either belongs to.
std::string ItemTargets() {
  return absl::StrCat(
      " FROM review.items i"
      " LEFT JOIN ingest.videos v ON i.target_kind = ", Sql(TargetKind::kVideo), " AND v.id = i.target_id"
      " LEFT JOIN ingest.channels c ON i.target_kind = ", Sql(TargetKind::kChannel), " AND c.id = i.target_id"
      " LEFT JOIN ingest.channels ch ON ch.id = coalesce(v.channel_id, c.id)");
}

// Item columns with the title, channel and category a curator needs, read from ingest.
const std::string& ItemSelect() {
  static const std::string select = absl::StrCat(
      "SELECT i.id, i.target_kind, i.target_id, i.reason, i.state,"
      " coalesce(v.title, c.title, ''), coalesce(v.channel_id, c.id, ''), coalesce(ch.title, ''),"
      " coalesce(v.category_id, ''), coalesce(cat.name, ''), ",
      db::MillisOf("i.uploaded_at"), ", ", db::MillisOf("i.due_at"), ", ", db::MillisOf("i.created_at"),
      ", coalesce(i.playability, ''), coalesce(pv.summary, ''), i.signal, coalesce(i.lease_holder, ''), ",
      db::MillisOf("i.lease_expires_at"), ", ", db::MillisOf("i.decided_at"), ItemTargets(),
      " LEFT JOIN ingest.categories cat ON cat.id = v.category_id"
      " LEFT JOIN probe.verdicts pv ON i.target_kind = ", Sql(TargetKind::kVideo), " AND pv.video_id = i.target_id");
  return select;
}

// The full metadata of item $1's target (TargetDetails), in ReadDetails' order.
std::string ItemDetailsSql() {
  return absl::StrCat(
      "SELECT coalesce(v.description, c.description, ''), coalesce(v.language, c.language, ''), v.license_code,"
      " coalesce(v.license_attribution, ''), coalesce(v.license_custom_text, ''), v.duration_seconds,"
      " coalesce(v.is_public, c.is_public), coalesce(v.is_censored, c.is_censored, false), v.is_explicit,"
      " v.has_marketing, coalesce(v.yt_video_id, ''), v.media_pixel_width, v.media_pixel_height,"
      " coalesce(v.media_codec, ''), coalesce(v.media_container, ''), coalesce(v.media_mime_type, ''),"
      " coalesce(ch.owner_handle, ''), coalesce(ch.owner_member_id, ''), coalesce(ch.is_censored, false), ch.is_public",
      ItemTargets(), " WHERE i.id = $1");
}

TargetDetails ReadDetails(const pqxx::row& row) {
  using db::Nullable;
  return {.description = row[0].as<std::string>(),
          .language = row[1].as<std::string>(),
          .license_code = Nullable<int>(row[2]),
          .license_attribution = row[3].as<std::string>(),
          .license_custom_text = row[4].as<std::string>(),
          .duration_seconds = Nullable<int>(row[5]),
          .is_public = Nullable<bool>(row[6]),
          .is_censored = row[7].as<bool>(),
          .is_explicit = Nullable<bool>(row[8]),
          .has_marketing = Nullable<bool>(row[9]),
          .youtube_video_id = row[10].as<std::string>(),
          .pixel_width = Nullable<int>(row[11]),
          .pixel_height = Nullable<int>(row[12]),
          .declared_codec = row[13].as<std::string>(),
          .declared_container = row[14].as<std::string>(),
          .declared_mime_type = row[15].as<std::string>(),
          .channel_owner_handle = row[16].as<std::string>(),
          .channel_owner_member_id = row[17].as<std::string>(),
          .channel_is_censored = row[18].as<bool>(),
          .channel_is_public = Nullable<bool>(row[19])};
}

constexpr char kListPending[] = "review.list_pending";
constexpr char kListPendingInChannel[] = "review.list_pending_in_channel";
constexpr char kListEscalated[] = "review.list_escalated";
constexpr char kListDecided[] = "review.list_decided";
constexpr char kListClaimed[] = "review.list_claimed";

// A page of the queue from the items that `items` picks (matching an items_*queue index, or
// live claims), in queue order after the position $2..$4 ($2 due time, $3 signal, $4 id),
// filtered by $1 (effective states), $5 (due before, or NULL), $6 (breached only, as of $12,
// now), $7 (category), $8 (channel), $9 (playability), $10 (claimed by) and $13 (at risk: due
// within this many milliseconds from now, or NULL); $11 rows at most.
// The page is picked from review.items alone, then its rows are read with what a curator
// sees: the generic plan reads the index from the position and stops at the page's end.
std::string ListPage(const std::string& items) {
  const std::string now = db::TimeParam(12), after_due = db::TimeParam(2);
  return absl::StrCat(
      "WITH page AS (SELECT i.id FROM review.items i WHERE ", items, " AND ", EffectiveState(now),
      " = ANY($1::text[]) AND i.due_at >= ", after_due, " AND (i.due_at > ", after_due,
      " OR i.signal < $3::integer OR (i.signal = $3::integer AND i.id > $4::bigint))"
      " AND i.due_at < coalesce(", db::TimeParam(5), ", 'infinity')"
      " AND i.due_at <= CASE WHEN $6::boolean THEN ", now, " ELSE 'infinity' END"
      " AND ($13::bigint IS NULL OR (i.due_at > ", now, " AND i.due_at <= ", now, " + ", Span(13), "))"
      " AND ($7 = '' OR EXISTS (SELECT FROM ingest.videos fv"
      "   WHERE i.target_kind = ", Sql(TargetKind::kVideo), " AND fv.id = i.target_id AND fv.category_id = $7))"
      " AND ($8 = '' OR i.channel_id = $8)"
      " AND ($9 = '' OR i.playability = $9)"
      " AND ($10 = '' OR ", LeaseHeldBy("$10", now), ")"
      " ORDER BY ", kQueueOrder, " LIMIT $11) ",
      ItemSelect(), " WHERE i.id = ANY(ARRAY(SELECT id FROM page)) ORDER BY ", kQueueOrder);
}

// The list statements whose items together hold the effective states `filter` asks for.
std::vector<const char*> ListStatements(const ItemFilter& filter) {
  auto asks = [&](ItemState state) {
    return std::find(filter.states.begin(), filter.states.end(), kItemStates.Db(state)) != filter.states.end();
  };
  std::vector<const char*> statements;
  if (!filter.claimed_by.empty()) {  // only a live claim has a holder
    if (asks(ItemState::kClaimed)) {
      statements.push_back(kListClaimed);
    }
    return statements;
  }
  if (asks(ItemState::kOpen)) {
    // The claimed and escalated ones are among the pending; a channel has an index of its own.
    statements.push_back(filter.channel_id.empty() ? kListPending : kListPendingInChannel);
  } else {
    if (asks(ItemState::kClaimed)) {
      statements.push_back(kListClaimed);
    }
    if (asks(ItemState::kEscalated)) {
      statements.push_back(kListEscalated);
    }
  }
  if (asks(ItemState::kDecided)) {
    statements.push_back(kListDecided);
  }
  return statements;
}

bool RowsInQueueOrder(const ItemRow& a, const ItemRow& b) { return InQueueOrder(PositionOf(a), PositionOf(b)); }

ItemRow ReadItem(const pqxx::row& row) {
  ItemRow item;
  item.id = row[0].as<int64_t>();
  item.target_kind = ValueOf(kTargetKinds, row[1]);
  item.target_id = row[2].as<std::string>();
  item.reason = ValueOf(kItemReasons, row[3]);
  item.state = ValueOf(kItemStates, row[4]);
  item.title = row[5].as<std::string>();
  item.channel_id = row[6].as<std::string>();
  item.channel_title = row[7].as<std::string>();
  item.category_id = row[8].as<std::string>();
  item.category_name = row[9].as<std::string>();
  item.uploaded_at = db::FromMillis(row[10].as<int64_t>());
  item.due_at = db::FromMillis(row[11].as<int64_t>());
  item.created_at = db::FromMillis(row[12].as<int64_t>());
  item.playability = row[13].as<std::string>();
  item.playability_summary = row[14].as<std::string>();
  item.signal = row[15].as<int>();
  item.lease_holder = row[16].as<std::string>();
  item.lease_expires_at = db::OptionalMillis(row[17]);
  item.decided_at = db::OptionalMillis(row[18]);
  return item;
}

using db::TextArrayLiteral;

// A bigint[] literal.
std::string IdArray(const std::vector<int64_t>& ids) { return "{" + absl::StrJoin(ids, ",") + "}"; }

std::vector<ItemRow> ReadItems(const pqxx::result& result) {
  std::vector<ItemRow> items;
  for (const auto& row : result) {
    items.push_back(ReadItem(row));
  }
  return items;
}

// The part of a stored log entry a decision reply needs (its chain command).
modlog::EntryContent ReadEntrySummary(const pqxx::row& row) {
  modlog::EntryContent content;
  content.kind = row[0].as<std::string>();
  content.target_kind = row[1].as<std::string>();
  content.target_id = row[2].as<std::string>();
  content.policy_codes = db::ReadTextArray(row[3]);
  content.justification = row[4].as<std::string>();
  if (!row[5].is_null()) {
    content.reverts_entry_id = row[5].as<int64_t>();
  }
  if (!row[6].is_null()) {
    content.item_id = row[6].as<int64_t>();
  }
  return content;
}

modlog::Snapshot SnapshotOf(const ItemRow& item) {
  return {.title = item.title,
          .channel_id = item.channel_id,
          .channel_title = item.channel_title,
          .category_id = item.category_id,
          .category_name = item.category_name,
          .verdict = item.playability,
          .verdict_summary = item.playability_summary};
}

modlog::EntryContent EntryBy(const auth::Principal& principal, TimePoint now) {
  modlog::EntryContent content;
  content.actor = principal.name;
  content.actor_role = std::string(auth::RoleName(principal.role));
  content.actor_worker_id = principal.worker_id;
  content.recorded_at = now;
  return content;
}

PolicyCode ReadPolicyCode(const pqxx::row& row) {
  return {.code = row[0].as<std::string>(),
          .action = ValueOf(kActions, row[1]),
          .applies_to = ValueOf(kAppliesTo, row[2]),
          .title = row[3].as<std::string>()};
}

// The decision row citing the entry an AppendThen statement writes ($31..$35).
std::string RecordDecision() {
  return absl::StrCat(
      ", decision AS (INSERT INTO review.decisions (item_id, action, principal, request_id, log_entry_id, decided_at)"
      " SELECT $31::bigint, $32, $33, nullif($34, ''), id, ",
      db::TimeParam(35), " FROM entry) SELECT id FROM entry");
}

// One batch of a statement that turns the source rows after a position into items.
FeedBatch ItemsFrom(pqxx::work& tx, const char* statement, int64_t after, int64_t limit,
                    std::chrono::milliseconds due_after) {
  auto result = tx.exec_prepared1(statement, after, limit, due_after.count());
  if (result[0].is_null()) {
    return {};
  }
  return {.entries = result[1].as<int64_t>(), .items_created = result[2].as<int64_t>(), .last = result[0].as<int64_t>()};
}

}  // namespace

std::vector<db::PreparedStatement> ReviewStore::Statements() {
  const std::string& select = ItemSelect();
  return db::FeedFollower::Statements("review", {
      {"review.items_from_feed",
       absl::StrCat(
           "WITH batch AS (SELECT seq, kind, target_kind, target_id, occurred_at FROM ingest.feed"
           "   WHERE seq > $1 ORDER BY seq LIMIT $2),"
           " created AS (INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at)"
           "   SELECT target_kind, target_id,"
           "     CASE kind WHEN ", Sql(FeedKind::kVideoCreated), " THEN ", Sql(ItemReason::kNewVideo),
           " WHEN ", Sql(FeedKind::kChannelCreated), " THEN ", Sql(ItemReason::kNewChannel), " ELSE ",
           Sql(ItemReason::kAssetsChanged), " END,"
           "     seq, occurred_at, occurred_at + make_interval(secs => $3::double precision / 1000)"
           "   FROM batch WHERE kind IN (", Sql(FeedKind::kVideoCreated), ", ", Sql(FeedKind::kChannelCreated), ", ",
           Sql(FeedKind::kVideoAssetsChanged), ")"
           "   ORDER BY seq"
           "   ON CONFLICT (source_seq) DO NOTHING RETURNING 1)"
           " SELECT (SELECT max(seq) FROM batch), (SELECT count(*) FROM batch), (SELECT count(*) FROM created)")},
      // Unjustified chain actions go straight to the lead.
      {"review.items_from_unjustified",
       absl::StrCat(
           "WITH batch AS (SELECT id, target_kind, target_id, coalesce(chain_event_at, recorded_at) AS at"
           "   FROM modlog.entries WHERE kind = ", modlog::kEntryKinds.Sql(modlog::EntryKind::kChainUnjustified),
           " AND id > $1 ORDER BY id LIMIT $2),"
           " created AS (INSERT INTO review.items (target_kind, target_id, reason, source_log_entry, uploaded_at,"
           "   due_at, state, priority)"
           "   SELECT target_kind, target_id, ", Sql(ItemReason::kUnjustifiedChainAction), ", id, at,"
           "     at + make_interval(secs => $3::double precision / 1000), ", Sql(ItemState::kEscalated), ", 1"
           "   FROM batch ORDER BY id"
           "   ON CONFLICT (source_log_entry) DO NOTHING RETURNING 1)"
           " SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM batch), (SELECT count(*) FROM created)")},
      {"review.expire_leases",
       absl::StrCat("UPDATE review.items i SET state = ", Sql(ItemState::kOpen),
                    ", lease_holder = NULL, lease_expires_at = NULL WHERE ", LeaseLapsed(db::TimeParam(1)))},
      // One page of the queue from one set of items, each read by its index in queue order.
      {kListPending, ListPage(absl::StrCat("i.state <> ", Sql(ItemState::kDecided)))},
      {kListPendingInChannel,
       ListPage(absl::StrCat("i.state <> ", Sql(ItemState::kDecided), " AND i.channel_id = $8"))},
      {kListEscalated, ListPage(absl::StrCat("i.state = ", Sql(ItemState::kEscalated)))},
      {kListDecided, ListPage(absl::StrCat("i.state = ", Sql(ItemState::kDecided)))},
      {kListClaimed, ListPage(LeaseLive(db::TimeParam(12)))},
      {"review.get_item", absl::StrCat(select, " WHERE i.id = $1")},
      {"review.get_item_details", ItemDetailsSql()},
      {"review.lock_item", absl::StrCat(select, " WHERE i.id = $1 FOR UPDATE OF i")},
      {"review.items_by_id", absl::StrCat(select, " WHERE i.id = ANY($1::bigint[]) ORDER BY ", kQueueOrder)},
      // Claims the first items open in effect (the pending index, in queue order) and reads them
      // in one statement: the read sees the items as they were before the claim, so the caller
      // sets the lease fields it just wrote. `= ANY(ARRAY(...))` keeps the generic plan on the
      // primary key (a LIMIT $2 is estimated at a tenth of the table).
      {"review.claim",
       absl::StrCat("WITH picked AS (SELECT i.id FROM review.items i"
                    " WHERE i.state <> ", Sql(ItemState::kDecided), " AND ", EffectiveState(db::TimeParam(3)), " = ",
                    Sql(ItemState::kOpen), " ORDER BY ", kQueueOrder, " LIMIT $2 FOR UPDATE OF i SKIP LOCKED),"
                    " claimed AS (UPDATE review.items it SET state = ", Sql(ItemState::kClaimed),
                    ", lease_holder = $1, lease_expires_at = ", db::TimeParam(3), " + ", Span(4),
                    " WHERE it.id = ANY(ARRAY(SELECT id FROM picked)) RETURNING it.id) ",
                    select, " WHERE i.id = ANY(ARRAY(SELECT id FROM claimed)) ORDER BY ", kQueueOrder)},
      // Guarded: extends only the leases that are still $1's at $3 (MayRenew decided from a read).
      {"review.renew",
       absl::StrCat("UPDATE review.items i SET lease_expires_at = ", db::TimeParam(3), " + ", Span(4),
                    " WHERE i.id = ANY($2::bigint[]) AND ", LeaseHeldBy("$1", db::TimeParam(3)), " RETURNING i.id")},
      {"review.release",
       absl::StrCat("UPDATE review.items SET state = ", Sql(ItemState::kOpen),
                    ", lease_holder = NULL, lease_expires_at = NULL"
                    " WHERE id = ANY($2::bigint[]) AND state = ", Sql(ItemState::kClaimed),
                    " AND lease_holder = $1 RETURNING id")},
      {"review.find_request",
       absl::StrCat("SELECT item_id, action, log_entry_id, ", db::MillisOf("decided_at"),
                    " FROM review.decisions WHERE principal = $1 AND request_id = $2")},
      {"review.entry_summary",
       "SELECT kind, target_kind, target_id, policy_codes, justification, reverts_entry_id, item_id"
       " FROM modlog.entries WHERE id = $1"},
      {"review.revert_of", "SELECT id FROM modlog.entries WHERE reverts_entry_id = $1"},
      {"review.policy_lookup",
       "SELECT code, action, applies_to, title FROM review.policy_codes WHERE code = ANY($1::text[]) AND active"},
      {"review.policy_codes",
       "SELECT code, action, applies_to, title FROM review.policy_codes WHERE active ORDER BY action DESC, code"},
      // A revert: the log entry and the decision citing it.
      {"review.revert", modlog::LogStore::AppendThen(RecordDecision())},
      // A decision in one round trip: the item moves to $36 (decided, escalated) only if it
      // is still the caller's to decide ($37: the caller is the lead), and only then are the
      // log entry and the decision written. No row back: it was not. The guard is MayDecide
      // again, at write time: the store decided from a read, and the item may have changed since.
      {"review.decide",
       modlog::LogStore::AppendThen(
           RecordDecision(),
           absl::StrCat("UPDATE review.items i SET state = $36, lease_holder = NULL, lease_expires_at = NULL,"
                        " decided_at = CASE WHEN $36 = ", Sql(ItemState::kDecided), " THEN ", db::TimeParam(35),
                        " ELSE decided_at END"
                        " WHERE i.id = $31::bigint AND i.state <> ", Sql(ItemState::kDecided),
                        " AND CASE WHEN $37::boolean THEN NOT (i.state = ", Sql(ItemState::kEscalated), " AND $32 = ",
                        kActions.Sql(Action::kEscalate), ") ELSE ", LeaseHeldBy("$33", db::TimeParam(35)),
                        " END RETURNING i.id"))},
      {"review.counts",
       absl::StrCat("SELECT count(*), count(*) FILTER (WHERE ", EffectiveState(db::TimeParam(1)), " = ",
                    Sql(ItemState::kOpen), "), count(*) FILTER (WHERE ", LeaseLive(db::TimeParam(1)),
                    "), count(*) FILTER (WHERE i.state = ", Sql(ItemState::kEscalated), "),"
                    " count(*) FILTER (WHERE i.due_at > ", db::TimeParam(1), " AND i.due_at <= ", db::TimeParam(1),
                    " + ", Span(2), "), count(*) FILTER (WHERE i.due_at <= ", db::TimeParam(1), "), ",
                    db::MillisOf("min(i.due_at)"), " FROM review.items i WHERE i.state <> ", Sql(ItemState::kDecided))},
      {"review.time_to_decision",
       absl::StrCat("SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - uploaded_at))"
                    " * 1000)::bigint, count(*) FROM review.items WHERE decided_at > ",
                    db::TimeParam(1), " - interval '7 days'")},
  });
}

FeedBatch ReviewStore::ItemsFromFeed(pqxx::work& tx, int64_t after, int64_t limit,
                                     std::chrono::milliseconds due_after) const {
  return ItemsFrom(tx, "review.items_from_feed", after, limit, due_after);
}

FeedBatch ReviewStore::ItemsFromUnjustified(pqxx::work& tx, int64_t after, int64_t limit,
                                            std::chrono::milliseconds due_after) const {
  return ItemsFrom(tx, "review.items_from_unjustified", after, limit, due_after);
}

absl::StatusOr<int64_t> ReviewStore::ExpireLeases(TimePoint now) {
  int64_t expired = 0;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    expired = tx.exec_prepared("review.expire_leases", db::ToMillis(now)).affected_rows();
    return absl::OkStatus();
  }));
  return expired;
}

absl::StatusOr<std::vector<ItemRow>> ReviewStore::ListItems(const ItemFilter& filter,
                                                            const std::optional<QueuePosition>& after, int limit,
                                                            TimePoint now, std::optional<TimePoint> deadline) {
  // The first page starts before any deadline: 1900-01-01.
  constexpr int64_t kBeforeAnyDeadlineMs = -2208988800000;
  int64_t after_due = after ? db::ToMillis(after->due_at) : kBeforeAnyDeadlineMs;
  int after_signal = after ? after->signal : 0;
  int64_t after_id = after ? after->id : 0;
  std::optional<std::string> due_before;
  if (filter.due_before) {
    due_before = absl::StrCat(db::ToMillis(*filter.due_before));
  }
  std::optional<int64_t> at_risk_within;
  if (filter.at_risk_within) {
    at_risk_within = filter.at_risk_within->count();
  }
  std::vector<ItemRow> items;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        // Each set's page in queue order, merged: the first `limit` of them are the page.
        for (const char* statement : ListStatements(filter)) {
          std::vector<ItemRow> part = ReadItems(
              tx.exec_prepared(statement, TextArrayLiteral(filter.states), after_due, after_signal, after_id,
                               due_before ? due_before->c_str() : nullptr, filter.breached_only, filter.category_id,
                               filter.channel_id, filter.playability, filter.claimed_by, limit, db::ToMillis(now),
                               at_risk_within));
          std::vector<ItemRow> merged;
          std::merge(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()),
                     std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()),
                     std::back_inserter(merged), RowsInQueueOrder);
          merged.resize(std::min<size_t>(merged.size(), static_cast<size_t>(limit)));
          items = std::move(merged);
        }
        return absl::OkStatus();
      },
      deadline));
  return items;
}

absl::StatusOr<ItemRow> ReviewStore::GetItem(int64_t id, std::optional<TimePoint> deadline) {
  std::vector<ItemRow> items;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        items = ReadItems(tx.exec_prepared("review.get_item", id));
        if (!items.empty()) {
          items.front().details = ReadDetails(tx.exec_prepared1("review.get_item_details", id));
        }
        return absl::OkStatus();
      },
      deadline));
  if (items.empty()) {
    return absl::NotFoundError(absl::StrCat("no review item ", id));
  }
  return items.front();
}

absl::StatusOr<std::vector<ItemRow>> ReviewStore::Claim(const std::string& holder, int count,
                                                        std::chrono::milliseconds lease, TimePoint now,
                                                        std::optional<TimePoint> deadline) {
  std::vector<ItemRow> items;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        items = ReadItems(tx.exec_prepared("review.claim", holder, count, db::ToMillis(now), lease.count()));
        for (ItemRow& item : items) {
          item.state = ItemState::kClaimed;
          item.lease_holder = holder;
          item.lease_expires_at = db::FromMillis(db::ToMillis(now) + lease.count());
        }
        return absl::OkStatus();
      },
      deadline));
  return items;
}

absl::StatusOr<std::vector<ItemRow>> ReviewStore::Renew(const std::string& holder, const std::vector<int64_t>& ids,
                                                        std::chrono::milliseconds lease, TimePoint now,
                                                        std::optional<TimePoint> deadline) {
  std::vector<ItemRow> items;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) -> absl::Status {
        items = ReadItems(tx.exec_prepared("review.items_by_id", IdArray(ids)));
        auto read = [&](int64_t id) -> const ItemRow* {
          auto it = std::find_if(items.begin(), items.end(), [&](const ItemRow& item) { return item.id == id; });
          return it == items.end() ? nullptr : &*it;
        };
        for (int64_t id : ids) {
          RETURN_IF_ERROR(MayRenew(holder, id, read(id), now));
        }
        // The guarded statement renews only the leases still live and $1's when it runs: one may
        // have lapsed, or been decided by the lead, since the read.
        std::vector<int64_t> renewed;
        for (const auto& row : tx.exec_prepared("review.renew", holder, IdArray(ids), db::ToMillis(now), lease.count())) {
          renewed.push_back(row[0].as<int64_t>());
        }
        for (int64_t id : ids) {
          if (std::find(renewed.begin(), renewed.end(), id) == renewed.end()) {
            return MayRenew(holder, id, nullptr, now);  // refused as if there were no lease to renew
          }
        }
        for (ItemRow& item : items) {
          item.lease_expires_at = db::FromMillis(db::ToMillis(now) + lease.count());
        }
        return absl::OkStatus();
      },
      deadline));
  return items;
}

absl::StatusOr<int64_t> ReviewStore::Release(const std::string& holder, const std::vector<int64_t>& ids,
                                             std::optional<TimePoint> deadline) {
  int64_t released = 0;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        released = static_cast<int64_t>(tx.exec_prepared("review.release", holder, IdArray(ids)).size());
        return absl::OkStatus();
      },
      deadline));
  return released;
}

namespace {

// The first outcome of a retried request; INVALID_ARGUMENT when the id was used for another decision.
absl::StatusOr<std::optional<DecisionRecord>> Replayed(pqxx::transaction_base& tx, const auth::Principal& principal,
                                                       const std::string& request_id, int64_t item_id,
                                                       Action action) {
  if (request_id.empty()) {
    return std::optional<DecisionRecord>();
  }
  auto found = tx.exec_prepared("review.find_request", principal.name, request_id);
  if (found.empty()) {
    return std::optional<DecisionRecord>();
  }
  DecisionRecord record;
  record.item_id = found[0][0].as<int64_t>();
  record.action = ValueOf(kActions, found[0][1]);
  record.entry_id = found[0][2].as<int64_t>();
  record.decided_at = db::FromMillis(found[0][3].as<int64_t>());
  record.decided_by = principal.name;
  record.entry = ReadEntrySummary(tx.exec_prepared1("review.entry_summary", record.entry_id));
  if ((item_id != 0 && record.item_id != item_id) || record.action != action) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id '", request_id, "' was already used for a different decision"));
  }
  return std::optional<DecisionRecord>(std::move(record));
}

// The active catalogue codes among `codes`.
std::vector<PolicyCode> KnownCodes(pqxx::transaction_base& tx, const std::vector<std::string>& codes) {
  std::vector<PolicyCode> known;
  // Most decisions (approvals) cite no code: no round trip for them.
  if (!codes.empty()) {
    for (const auto& row : tx.exec_prepared("review.policy_lookup", TextArrayLiteral(codes))) {
      known.push_back(ReadPolicyCode(row));
    }
  }
  return known;
}

// Writes the log entry and the decision citing it with `statement` (review.decide, whose
// extra parameters follow, or review.revert); nullopt when review.decide's guard refused.
std::optional<DecisionRecord> Record(pqxx::transaction_base& tx, const char* statement,
                                     const auth::Principal& principal, int64_t item_id, Action action,
                                     const std::string& request_id, modlog::EntryContent entry, TimePoint now,
                                     const std::vector<std::optional<std::string>>& extra = {}) {
  entry.kind = kActions.Db(action);
  std::vector<std::optional<std::string>> parameters = modlog::LogStore::AppendParameters(entry);
  for (std::optional<std::string> value :
       {std::optional<std::string>(absl::StrCat(item_id)), std::optional<std::string>(entry.kind),
        std::optional<std::string>(principal.name), std::optional<std::string>(request_id),
        std::optional<std::string>(absl::StrCat(db::ToMillis(now)))}) {
    parameters.push_back(std::move(value));
  }
  parameters.insert(parameters.end(), extra.begin(), extra.end());
  auto written = db::ExecWithParameters(tx, statement, parameters);
  if (written.empty()) {
    return std::nullopt;
  }
  return DecisionRecord{.item_id = item_id,
                        .action = action,
                        .entry_id = written[0][0].as<int64_t>(),
                        .entry = std::move(entry),
                        .decided_at = now,
                        .decided_by = principal.name};
}

}  // namespace

absl::StatusOr<DecisionRecord> ReviewStore::Decide(const auth::Principal& principal, const DecisionDraft& draft,
                                                   TimePoint now, std::optional<TimePoint> deadline) {
  DecisionRecord record;
  // Two round trips, no transaction: read the item (what the curator saw, and whether they
  // may decide it: the rules, on the row as read), then one guarded statement that writes all
  // or nothing, and re-checks in SQL who may decide, as the item is when it runs.
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) -> absl::Status {
        auto read = ReadItems(tx.exec_prepared("review.get_item", draft.item_id));
        if (read.empty()) {
          return absl::NotFoundError(absl::StrCat("no review item ", draft.item_id));
        }
        const ItemRow& item = read.front();
        if (absl::Status refused = MayDecide(principal, item, draft.action, now); !refused.ok()) {
          // A retry of a decision that went through finds the item decided: answer as the first time.
          ASSIGN_OR_RETURN(auto replayed, Replayed(tx, principal, draft.request_id, draft.item_id, draft.action));
          if (!replayed) {
            return refused;
          }
          record = std::move(*replayed);
          return absl::OkStatus();
        }

        ASSIGN_OR_RETURN(Target target,
                         DecisionTarget(item, draft.action == Action::kCensor ? draft.censor_scope : std::nullopt));
        RETURN_IF_ERROR(CheckPolicyCodes(KnownCodes(tx, draft.policy_codes), draft.policy_codes, draft.action,
                                         target.kind));
        modlog::EntryContent entry = EntryBy(principal, now);
        entry.target_kind = kTargetKinds.Db(target.kind);
        entry.target_id = std::move(target.id);
        entry.item_id = item.id;
        entry.justification = draft.justification;
        entry.policy_codes = draft.policy_codes;
        entry.note = draft.note;
        entry.evidence = draft.evidence;
        entry.snapshot = SnapshotOf(item);
        entry.recorded_at = modlog::ToLogPrecision(now);

        std::optional<DecisionRecord> written;
        try {
          written = Record(tx, "review.decide", principal, item.id, draft.action, draft.request_id, std::move(entry),
                           now,
                           {std::string(kItemStates.Db(RulesFor(draft.action).leaves)),
                            principal.role == auth::Role::kLead ? "true" : "false"});
        } catch (const pqxx::unique_violation&) {  // (principal, request_id) decided another item
          return absl::InvalidArgumentError(
              absl::StrCat("request_id '", draft.request_id, "' was already used for a different decision"));
        }
        if (!written) {
          // The item changed since it was read (decided by the lead, the lease lapsed): say why.
          auto now_read = ReadItems(tx.exec_prepared("review.get_item", draft.item_id));
          if (!now_read.empty()) {
            RETURN_IF_ERROR(MayDecide(principal, now_read.front(), draft.action, now));
          }
          return absl::AbortedError(absl::StrCat("item ", draft.item_id, " changed while deciding; try again"));
        }
        record = std::move(*written);
        return absl::OkStatus();
      },
      deadline));
  return record;
}

absl::StatusOr<DecisionRecord> ReviewStore::Revert(const auth::Principal& principal, int64_t entry_id,
                                                   const std::string& justification, const std::string& request_id,
                                                   TimePoint now, std::optional<TimePoint> deadline) {
  DecisionRecord record;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto replayed, Replayed(tx, principal, request_id, 0, Action::kRevert));
        if (replayed) {
          record = std::move(*replayed);
          return absl::OkStatus();
        }
        auto found = tx.exec_prepared("review.entry_summary", entry_id);
        if (found.empty()) {
          return absl::NotFoundError(absl::StrCat("no log entry ", entry_id));
        }
        modlog::EntryContent censor = ReadEntrySummary(found[0]);
        // Locking the item serialises reverts of one censor, so the revert this reads (if any)
        // is the only one there can be until this transaction ends.
        std::vector<ItemRow> locked;
        if (censor.item_id) {
          locked = ReadItems(tx.exec_prepared("review.lock_item", *censor.item_id));
        }
        std::optional<int64_t> reverted_by;
        if (auto reverted = tx.exec_prepared("review.revert_of", entry_id); !reverted.empty()) {
          reverted_by = reverted[0][0].as<int64_t>();
        }
        RETURN_IF_ERROR(Revertible(entry_id, censor, reverted_by));
        modlog::EntryContent entry = EntryBy(principal, now);
        entry.target_kind = censor.target_kind;
        entry.target_id = censor.target_id;
        entry.item_id = censor.item_id;
        entry.justification = justification;
        entry.reverts_entry_id = entry_id;
        if (!locked.empty()) {
          entry.snapshot = SnapshotOf(locked.front());
        }
        entry.recorded_at = modlog::ToLogPrecision(now);
        record = *Record(tx, "review.revert", principal, *censor.item_id, Action::kRevert, request_id, std::move(entry),
                         now);
        return absl::OkStatus();
      },
      deadline));
  return record;
}

absl::StatusOr<QueueCounts> ReviewStore::Counts(TimePoint now, std::chrono::milliseconds at_risk,
                                                std::optional<TimePoint> deadline) {
  QueueCounts counts;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        auto row = tx.exec_prepared1("review.counts", db::ToMillis(now), at_risk.count());
        counts.depth = row[0].as<int64_t>();
        counts.open = row[1].as<int64_t>();
        counts.claimed = row[2].as<int64_t>();
        counts.escalated = row[3].as<int64_t>();
        counts.at_risk = row[4].as<int64_t>();
        counts.breached = row[5].as<int64_t>();
        counts.oldest_due = db::OptionalMillis(row[6]);
        auto decided = tx.exec_prepared1("review.time_to_decision", db::ToMillis(now));
        if (!decided[0].is_null()) {
          counts.median_time_to_decision = std::chrono::milliseconds(decided[0].as<int64_t>());
        }
        counts.decided_recently = decided[1].as<int64_t>();
        return absl::OkStatus();
      },
      deadline));
  return counts;
}

absl::StatusOr<std::vector<PolicyCode>> ReviewStore::PolicyCodes(std::optional<TimePoint> deadline) {
  std::vector<PolicyCode> codes;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        for (const auto& row : tx.exec_prepared("review.policy_codes")) {
          codes.push_back(ReadPolicyCode(row));
        }
        return absl::OkStatus();
      },
      deadline));
  return codes;
}

}  // namespace curation::review
