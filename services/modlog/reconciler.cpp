#include <curation/modlog/reconciler.hpp>

#include <charconv>

#include <absl/strings/str_cat.h>

#include <curation/common/text.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <curation/modlog/log_store.hpp>

namespace curation::modlog {
namespace {

constexpr char kConsumer[] = "modlog.reconcile";

// One moderator event from ingest, as the reconciler needs it.
struct ChainAction {
  std::string kind;  // video_visibility, channel_visibility, video_assets_deleted, channel_assets_deleted
  std::string target_kind;
  std::string target_id;
  ChainEvent event;
  std::optional<int64_t> curator_id;
  bool before_genesis = false;
};

std::optional<int64_t> ParseId(const std::string& text) {
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  return error == std::errc() && end == text.data() + text.size() ? std::optional<int64_t>(id) : std::nullopt;
}

// A row whose actor kind is not in ingest's table (sql/0012_actor_kind.sql constrains the column,
// so none should be) is a DataLoss error rather than a guess at who acted.
absl::StatusOr<ChainAction> ReadAction(const pqxx::row& row) {
  ChainAction action;
  action.kind = row[2].as<std::string>();
  action.target_kind = row[3].as<std::string>();
  action.target_id = row[4].as<std::string>();
  ChainEvent& event = action.event;
  event.event_id = row[1].as<std::string>();
  if (!row[5].is_null()) {
    event.is_hidden = row[5].as<bool>();
  }
  event.rationale = row[6].as<std::string>();
  std::string stored_kind = row[7].as<std::string>();
  std::optional<ingest::ActorKind> actor_kind = ingest::kActorKinds.FromDb(stored_kind);
  if (!actor_kind) {
    return absl::DataLossError(absl::StrCat("moderator event ", event.event_id,
                                            " has an actor kind ingest does not know: ", OneLine(stored_kind, 100)));
  }
  std::string curator = row[8].as<std::string>();
  std::string member = row[9].as<std::string>();
  event.actor = ingest::ActorName(*actor_kind, curator, member);
  switch (*actor_kind) {
    case ingest::ActorKind::kCurator:
      action.curator_id = ParseId(curator);
      break;
    case ingest::ActorKind::kLead:
    case ingest::ActorKind::kMember:
      break;
  }
  event.block = row[10].as<int64_t>();
  event.extrinsic = row[11].as<std::string>();
  event.event_at = TimePoint(std::chrono::microseconds(row[12].as<int64_t>()));
  action.before_genesis = row[13].as<bool>();
  return action;
}

// Hiding (or deleting assets) applies a censor entry; showing again applies a revert.
std::string AppliedKind(const ChainAction& action) {
  return action.event.is_hidden.value_or(true) ? kCensor : kRevert;
}

std::string Describe(const ChainAction& action) {
  std::string what = ingest::DeletesAssets(action.kind) ? "asset deletion"
                     : action.event.is_hidden.value_or(true) ? "hide"
                                                             : "unhide";
  return absl::StrCat(what, " of ", action.target_kind, " ", action.target_id, " by ", action.event.actor);
}

}  // namespace

ReconcileCounts& ReconcileCounts::operator+=(const ReconcileCounts& more) {
  confirmed += more.confirmed;
  unjustified += more.unjustified;
  preexisting += more.preexisting;
  return *this;
}

Reconciler::Reconciler(db::Pool& pool, const Clock& clock, MetricsRegistry& metrics)
    : clock_(clock),
      follower_(pool, {.schema = "modlog",
                       .batch_size = 500,
                       .component = "modlog",
                       .what = "reconcile chain moderator actions"}),
      confirmed_(metrics.GetCounter("curation_modlog_chain_actions_total", "On-chain moderator actions reconciled",
                                    {{"outcome", "confirmed"}})),
      unjustified_(metrics.GetCounter("curation_modlog_chain_actions_total", "On-chain moderator actions reconciled",
                                      {{"outcome", "unjustified"}})),
      preexisting_(metrics.GetCounter("curation_modlog_chain_actions_total", "On-chain moderator actions reconciled",
                                      {{"outcome", "preexisting"}})) {}

std::vector<db::PreparedStatement> Reconciler::Statements() {
  return db::FeedFollower::Statements("modlog", {
      {"modlog.event_logged", "SELECT 1 FROM modlog.entries WHERE chain_event_id = $1"},
      // The feed entries after the cursor, each with its moderator event if it is one.
      {"modlog.feed_batch",
       absl::StrCat(
           "SELECT f.seq, m.id, m.kind, m.target_kind, m.target_id, m.is_hidden, m.rationale, m.actor_kind,"
           " coalesce(m.actor_curator_id, ''), coalesce(m.actor_member_id, ''), m.in_block,"
           " coalesce(m.in_extrinsic, ''), (extract(epoch FROM m.created_at) * 1000000)::bigint,"
           " m.created_at < g.started_at"
           " FROM ingest.feed f"
           " LEFT JOIN ingest.moderator_events m ON f.kind = ",
           ingest::kFeedKinds.Sql(ingest::FeedKind::kModeratorEvent), " AND m.id = f.event_id"
           " CROSS JOIN modlog.genesis g"
           " WHERE f.seq > $1 ORDER BY f.seq LIMIT $2")},
      {"modlog.referenced_entry",
       "SELECT id, item_id FROM modlog.entries WHERE id = $1 AND kind = $2 AND target_kind = $3 AND target_id = $4"},
      // The oldest entry of the kind on the target that nothing on chain has applied yet.
      {"modlog.pending_entry",
       "SELECT e.id, e.item_id FROM modlog.entries e WHERE e.kind = $1 AND e.target_kind = $2 AND e.target_id = $3"
       " AND NOT EXISTS (SELECT 1 FROM modlog.entries x WHERE x.confirms_entry_id = e.id)"
       " ORDER BY e.id LIMIT 1"},
  });
}

absl::StatusOr<db::FeedFollower::Batch> Reconciler::ReconcileBatch(pqxx::work& tx, int64_t after, int64_t limit,
                                                                     ReconcileCounts& drained) {
  db::FeedFollower::Batch read;
  ReconcileCounts batch;
  auto rows = tx.exec_prepared("modlog.feed_batch", after, limit);
  for (const auto& row : rows) {
    read.last = row[0].as<int64_t>();
    if (row[1].is_null() || !tx.exec_prepared("modlog.event_logged", row[1].c_str()).empty()) {
      continue;
    }
    ASSIGN_OR_RETURN(ChainAction action, ReadAction(row));
    std::string applied = AppliedKind(action);
    pqxx::result match;
    if (auto reference = FindEntryReference(action.event.rationale)) {
      match = tx.exec_prepared("modlog.referenced_entry", *reference, applied, action.target_kind, action.target_id);
    }
    if (match.empty()) {
      match = tx.exec_prepared("modlog.pending_entry", applied, action.target_kind, action.target_id);
    }
    EntryContent content;
    content.actor = "chain";
    content.actor_role = "chain";
    content.actor_worker_id = action.curator_id;
    content.target_kind = action.target_kind;
    content.target_id = action.target_id;
    content.recorded_at = clock_.Now();
    if (!match.empty()) {
      int64_t entry = match[0][0].as<int64_t>();
      content.kind = kChainConfirmed;
      content.confirms_entry_id = entry;
      if (!match[0][1].is_null()) {
        content.item_id = match[0][1].as<int64_t>();
      }
      content.note = absl::StrCat(Describe(action), " applies ", EntryReference(entry));
      ++batch.confirmed;
    } else if (action.before_genesis) {
      content.kind = kChainPreexisting;
      content.note = absl::StrCat(Describe(action), " happened before this log began");
      ++batch.preexisting;
    } else {
      content.kind = kChainUnjustified;
      content.note = absl::StrCat(Describe(action), ": no justified log entry accounts for it");
      ++batch.unjustified;
    }
    content.chain_event = action.event;
    LogStore::Append(tx, std::move(content));
  }
  read.rows = static_cast<int64_t>(rows.size());
  // Counted only once committed.
  read.committed = [this, &drained, batch] {
    drained += batch;
    confirmed_.Inc(static_cast<double>(batch.confirmed));
    unjustified_.Inc(static_cast<double>(batch.unjustified));
    preexisting_.Inc(static_cast<double>(batch.preexisting));
  };
  return read;
}

absl::StatusOr<ReconcileCounts> Reconciler::Drain(std::stop_token stop) {
  ReconcileCounts drained;
  RETURN_IF_ERROR(follower_.Drain({{kConsumer,
                                    [&](pqxx::work& tx, int64_t after, int64_t limit) {
                                      return ReconcileBatch(tx, after, limit, drained);
                                    }}},
                                  stop));
  return drained;
}

void Reconciler::Run(std::stop_token stop) {
  follower_.Run(stop, [this](std::stop_token drain_stop) { return Drain(drain_stop).status(); });
}

}  // namespace curation::modlog
