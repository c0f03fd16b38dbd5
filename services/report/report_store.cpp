#include <curation/report/report_store.hpp>

#include <algorithm>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/db/fields.hpp>
#include <curation/modlog/entry.hpp>
#include <curation/report/rules.hpp>
#include <curation/review/vocabulary.hpp>

namespace curation::report {
namespace {

using db::MillisOf;
using db::Nullable;
using db::OptionalMillis;

// $1 and $2 are the period's bounds in epoch milliseconds.
const std::string kFrom = db::TimeParam(1);
const std::string kTo = db::TimeParam(2);

std::string InPeriod(const std::string& column) {
  return absl::StrCat(column, " >= ", kFrom, " AND ", column, " < ", kTo);
}

// An action's time: an on-chain action's is when it happened on chain, not when the log learned
// of it (after the period's end, perhaps, or in a backfill of history).
constexpr char kActionTime[] = "coalesce(e.chain_event_at, e.recorded_at)";

std::string ActionInPeriod() {
  // Two ranges rather than one over kActionTime, so each can use its index.
  return absl::StrCat("((e.chain_event_at IS NULL AND ", InPeriod("e.recorded_at"), ") OR (",
                      InPeriod("e.chain_event_at"), "))");
}

using modlog::EntryKind;
using modlog::kEntryKinds;
using modlog::kTargetKinds;
using modlog::TargetKind;

const std::string kVideo = kTargetKinds.Sql(TargetKind::kVideo);
const std::string kChannel = kTargetKinds.Sql(TargetKind::kChannel);

// Review items that stand for an upload (or a change of a video's files): the ones the council
// holds to its deadline.
const std::string kUploadItem =
    absl::StrCat("i.target_kind = ", kVideo, " AND i.reason IN (", review::kItemReasons.Sql(review::ItemReason::kNewVideo),
                 ", ", review::kItemReasons.Sql(review::ItemReason::kAssetsChanged), ")");

// The principal an on-chain curator id (a content working group worker id) belongs to.
constexpr char kPrincipalOfWorker[] =
    "LEFT JOIN LATERAL (SELECT name FROM auth.principals WHERE worker_id = e.actor_worker_id"
    " ORDER BY revoked_at IS NOT NULL, id LIMIT 1) p ON e.actor = 'chain'";

// A target's title where the entry kept none (entries written from chain events).
const std::string kTargetRows =
    absl::StrCat("LEFT JOIN ingest.videos v ON e.target_kind = ", kVideo,
                 " AND v.id = e.target_id LEFT JOIN ingest.channels ch ON e.target_kind = ", kChannel,
                 " AND ch.id = e.target_id");

// The entries that may record a moderation action (ActionOf decides): every kind but approvals
// and escalations, and of the chain events that carried out an entry only asset deletions.
const std::string kActionEntries = absl::StrCat(
    "(e.kind IN (", kEntryKinds.Sql(EntryKind::kWarn), ", ", kEntryKinds.Sql(EntryKind::kCensor), ", ",
    kEntryKinds.Sql(EntryKind::kRevert), ", ", kEntryKinds.Sql(EntryKind::kChainUnjustified), ", ",
    kEntryKinds.Sql(EntryKind::kChainPreexisting), ") OR (e.kind = ", kEntryKinds.Sql(EntryKind::kChainConfirmed),
    " AND m.kind LIKE '%assets_deleted'))");

TimePoint Millis(const pqxx::field& field) { return db::FromMillis(field.as<int64_t>()); }

std::optional<std::chrono::milliseconds> OptionalSpan(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : std::optional(std::chrono::milliseconds(field.as<int64_t>()));
}

Actor ActorOf(const pqxx::row& row) {
  Actor actor{.name = row["actor"].as<std::string>(), .worker_id = Nullable<int64_t>(row["actor_worker_id"])};
  if (actor.name == "chain") {
    actor.name = !row["principal"].is_null() ? row["principal"].as<std::string>() : row["chain_actor"].as<std::string>();
  }
  return actor;
}

ChainRecord ChainRecordOf(const pqxx::row& row, const std::string& prefix) {
  return {.block = row[prefix + "block"].as<int64_t>(),
          .extrinsic = row[prefix + "extrinsic"].as<std::string>(),
          .rationale = row[prefix + "rationale"].as<std::string>(),
          .at = OptionalMillis(row[prefix + "at"])};
}

LoggedEntry ReadEntry(const pqxx::row& row) {
  LoggedEntry entry{.id = row["id"].as<int64_t>(),
                    .kind = db::ValueOf(kEntryKinds, row["kind"]),
                    .recorded_at = Millis(row["recorded_at"]),
                    .actor = ActorOf(row),
                    .target_kind = row["target_kind"].as<std::string>(),
                    .target_id = row["target_id"].as<std::string>(),
                    .title = row["title"].as<std::string>(),
                    .channel_id = row["channel_id"].as<std::string>(),
                    .justification = row["justification"].as<std::string>(),
                    .policy_codes = db::ReadTextArray(row["policy_codes"]),
                    .note = row["note"].as<std::string>(),
                    .reverts_entry_id = Nullable<int64_t>(row["reverts_entry_id"]),
                    .confirms_entry_id = Nullable<int64_t>(row["confirms_entry_id"]),
                    .event_kind = row["event_kind"].as<std::string>(),
                    .chain_is_hidden = Nullable<bool>(row["chain_is_hidden"]),
                    .applied_justification = row["applied_justification"].as<std::string>(),
                    .applied_policy_codes = db::ReadTextArray(row["applied_policy_codes"])};
  if (!row["chain_block"].is_null()) {
    entry.chain_event = ChainRecordOf(row, "chain_");
  }
  if (!row["confirmed_block"].is_null()) {
    entry.confirmation = ChainRecordOf(row, "confirmed_");
  }
  return entry;
}

LateVideo ReadLateVideo(const pqxx::row& row) {
  const TimePoint uploaded_at = Millis(row["uploaded_at"]);
  return {.item_id = row["id"].as<int64_t>(),
          .video_id = row["target_id"].as<std::string>(),
          .title = row["title"].as<std::string>(),
          .channel_id = row["channel_id"].as<std::string>(),
          .uploaded_at = uploaded_at,
          .due_at = CouncilDueAt(uploaded_at),
          .decided_at = OptionalMillis(row["decided_at"]),
          .decision = row["decision"].as<std::string>(),
          .decided_by = row["decided_by"].as<std::string>()};
}

// Upload items with their first decision (an escalation decides nothing), oldest upload first.
std::string UploadItemQuery(const std::string& condition) {
  return absl::StrCat(
      "SELECT i.id, i.target_id, coalesce(v.title, '') AS title, coalesce(v.channel_id, '') AS channel_id, ",
      MillisOf("i.uploaded_at"), " AS uploaded_at, ", MillisOf("i.decided_at"),
      " AS decided_at, coalesce(d.action, '') AS decision, coalesce(d.principal, '') AS decided_by"
      " FROM review.items i LEFT JOIN ingest.videos v ON v.id = i.target_id"
      " LEFT JOIN LATERAL (SELECT action, principal FROM review.decisions"
      "   WHERE item_id = i.id AND action <> ", review::kActions.Sql(review::Action::kEscalate), " ORDER BY id LIMIT 1) d ON true"
      " WHERE ",
      kUploadItem, " AND ", condition, " ORDER BY i.uploaded_at, i.id");
}

// What a row says was censored, when and by whom; `id_column` holds the censoring entry's id.
Censorship CensorshipOf(const pqxx::row& row, const char* id_column, Actor censored_by) {
  return {.entry_id = row[id_column].as<int64_t>(),
          .target_kind = row["target_kind"].as<std::string>(),
          .target_id = row["target_id"].as<std::string>(),
          .title = row["title"].as<std::string>(),
          .censored_at = Millis(row["censored_at"]),
          .censored_by = std::move(censored_by)};
}

FeaturedIncident ReadIncident(const pqxx::row& row) {
  return {.id = row["id"].as<int64_t>(),
          .slot = row["slot"].as<std::string>(),
          .video_id = row["video_id"].as<std::string>(),
          .video_title = row["video_title"].as<std::string>(),
          .category_name = row["category_name"].as<std::string>(),
          .reason = row["reason"].as<std::string>(),
          .broke_at = Millis(row["broke_at"]),
          .opened_at = Millis(row["opened_at"]),
          .deadline = Millis(row["deadline"]),
          .acknowledged_at = OptionalMillis(row["acknowledged_at"]),
          .acknowledged_by = row["acknowledged_by"].as<std::string>(),
          .resolved_at = OptionalMillis(row["resolved_at"]),
          .resolved_by = row["resolved_by"].as<std::string>(),
          .resolution = row["resolution"].as<std::string>()};
}

FeaturingChange ReadFeaturing(const pqxx::row& row) {
  return {.slot = row["slot"].as<std::string>(),
          .category_name = row["category_name"].as<std::string>(),
          .video_id = row["video_id"].as<std::string>(),
          .video_title = row["video_title"].as<std::string>(),
          .from = Millis(row["featured_from"]),
          .until = OptionalMillis(row["featured_until"]),
          .status = probe::kVerdicts.FromDb(row["status"].as<std::string>()),  // none for "unknown"
          .played_once = row["played_once"].as<bool>(),
          .reason = row["reason"].as<std::string>()};
}

}  // namespace

std::vector<db::PreparedStatement> ReportStore::Statements() {
  std::vector<std::string> curator_decisions;
  for (EntryKind kind : kCuratorDecisions) {
    curator_decisions.push_back(kEntryKinds.Sql(kind));
  }
  return {
      {"report.actions",
       absl::StrCat(
           "SELECT e.id, e.kind, ", MillisOf("e.recorded_at"), " AS recorded_at, e.actor, e.actor_worker_id,"
           " p.name AS principal, coalesce(e.chain_actor, '') AS chain_actor, e.target_kind, e.target_id,"
           " e.justification, e.policy_codes, e.note,"
           " coalesce(nullif(e.snapshot_title, ''), v.title, ch.title, '') AS title,"
           " coalesce(nullif(e.snapshot_channel_id, ''), v.channel_id, ch.id, '') AS channel_id,"
           " e.reverts_entry_id, e.confirms_entry_id, coalesce(m.kind, '') AS event_kind, e.chain_is_hidden,"
           " e.chain_block AS chain_block, coalesce(e.chain_extrinsic, '') AS chain_extrinsic,"
           " coalesce(e.chain_rationale, '') AS chain_rationale, ", MillisOf("e.chain_event_at"), " AS chain_at,"
           " conf.chain_block AS confirmed_block, coalesce(conf.chain_extrinsic, '') AS confirmed_extrinsic,"
           " coalesce(conf.chain_rationale, '') AS confirmed_rationale, ", MillisOf("conf.chain_event_at"),
           " AS confirmed_at, coalesce(applied.justification, '') AS applied_justification,"
           " coalesce(applied.policy_codes, '{}') AS applied_policy_codes"
           " FROM modlog.entries e"
           " LEFT JOIN ingest.moderator_events m ON m.id = e.chain_event_id ",
           kTargetRows, " ", kPrincipalOfWorker,
           " LEFT JOIN LATERAL (SELECT x.chain_block, x.chain_extrinsic, x.chain_rationale, x.chain_event_at"
           "   FROM modlog.entries x WHERE x.confirms_entry_id = e.id ORDER BY x.id LIMIT 1) conf"
           "   ON e.kind IN (", kEntryKinds.Sql(EntryKind::kCensor), ", ", kEntryKinds.Sql(EntryKind::kRevert), ")"
           " LEFT JOIN modlog.entries applied ON applied.id = e.confirms_entry_id"
           " WHERE ", ActionInPeriod(), " AND ", kActionEntries, " ORDER BY ", kActionTime, ", e.id")},
      // Uploaded in [$1, $2): the uploads that fall due in the period, their times only (bounds on
      // uploaded_at, so its index serves); the late ones' details come by id ($1, a bigint[]).
      {"report.uploads_due",
       absl::StrCat("SELECT i.id, ", MillisOf("i.uploaded_at"), " AS uploaded_at, ", MillisOf("i.decided_at"),
                    " AS decided_at FROM review.items i WHERE ", kUploadItem, " AND i.uploaded_at >= ", kFrom,
                    " AND i.uploaded_at < ", kTo, " ORDER BY i.uploaded_at, i.id")},
      {"report.upload_items", UploadItemQuery("i.id = ANY($1::bigint[])")},
      // Still undecided when the period ended ($1), and uploaded before $2.
      {"report.open_uploads",
       UploadItemQuery(absl::StrCat("i.uploaded_at < ", db::TimeParam(2), " AND (i.decided_at IS NULL OR i.decided_at >= ",
                                    db::TimeParam(1), ")"))},
      {"report.reverts",
       absl::StrCat(
           "SELECT r.id, ", MillisOf("r.recorded_at"), " AS reverted_at, r.actor AS reverted_by, r.justification,"
           " c.id AS censor_id, ", MillisOf("c.recorded_at"), " AS censored_at, c.actor, c.actor_worker_id,"
           " c.target_kind, c.target_id, c.snapshot_title AS title, conf.chain_block AS confirmed_block,"
           " EXISTS (SELECT 1 FROM modlog.entries x WHERE x.confirms_entry_id = c.id) AS censor_on_chain"
           " FROM modlog.entries r JOIN modlog.entries c ON c.id = r.reverts_entry_id"
           " LEFT JOIN LATERAL (SELECT x.chain_block FROM modlog.entries x WHERE x.confirms_entry_id = r.id"
           "   ORDER BY x.id LIMIT 1) conf ON true"
           " WHERE r.kind = ", kEntryKinds.Sql(EntryKind::kRevert), " AND ", InPeriod("r.recorded_at"),
           " ORDER BY r.id")},
      // Hides and deletions nobody justified: were they undone on chain, and what did the lead decide?
      {"report.unjustified_censorship",
       absl::StrCat(
           "SELECT e.id, ", MillisOf("e.chain_event_at"), " AS censored_at, e.actor, e.actor_worker_id,"
           " p.name AS principal, coalesce(e.chain_actor, '') AS chain_actor, e.target_kind, e.target_id,"
           " coalesce(v.title, ch.title, '') AS title, ", MillisOf("un.created_at"), " AS unhidden_at,"
           " un.in_block AS unhidden_block, d.action AS lead_action, d.log_entry_id AS lead_entry"
           " FROM modlog.entries e LEFT JOIN ingest.moderator_events m ON m.id = e.chain_event_id ",
           kTargetRows, " ", kPrincipalOfWorker,
           " LEFT JOIN LATERAL (SELECT x.created_at, x.in_block FROM ingest.moderator_events x"
           "   WHERE x.target_kind = e.target_kind AND x.target_id = e.target_id AND x.is_hidden = false"
           "   AND x.created_at > e.chain_event_at ORDER BY x.created_at LIMIT 1) un"
           "   ON e.chain_is_hidden"
           " LEFT JOIN LATERAL (SELECT d.action, d.log_entry_id FROM review.items i"
           "   JOIN review.decisions d ON d.item_id = i.id WHERE i.source_log_entry = e.id ORDER BY d.id LIMIT 1) d"
           "   ON true"
           " WHERE e.kind = ", kEntryKinds.Sql(EntryKind::kChainUnjustified),
           " AND (e.chain_is_hidden OR m.kind LIKE '%assets_deleted') AND ",
           ActionInPeriod(), " ORDER BY ", kActionTime, ", e.id")},
      {"report.log_stretch",
       absl::StrCat("SELECT count(*) AS entries, min(c.position) AS first, max(c.position) AS last,"
                    " count(*) FILTER (WHERE c.position IS NULL) AS unsealed"
                    " FROM modlog.entries e LEFT JOIN modlog.chain c ON c.entry_id = e.id WHERE ",
                    InPeriod("e.recorded_at"))},
      {"report.entry_in_period",
       absl::StrCat("SELECT 1 FROM modlog.entries e WHERE e.id = $3 AND ", InPeriod("e.recorded_at"))},
      {"report.unreconciled",
       absl::StrCat("SELECT count(*) FROM ingest.moderator_events m WHERE ", InPeriod("m.created_at"),
                    " AND NOT EXISTS (SELECT 1 FROM modlog.entries e WHERE e.chain_event_id = m.id)")},
      // Chain events are known up to the oldest of the event streams' last good polls.
      {"report.events_known_until",
       absl::StrCat("SELECT CASE WHEN count(*) > 0 AND bool_and(last_success_at IS NOT NULL) THEN ",
                    MillisOf("min(last_success_at)"), " END FROM ingest.stream_status WHERE stream LIKE 'events.%'")},
      {"report.incidents",
       absl::StrCat("SELECT id, slot, video_id, video_title, category_name, reason, ", MillisOf("broke_at"),
                    " AS broke_at, ", MillisOf("opened_at"), " AS opened_at, ", MillisOf("deadline"), " AS deadline, ",
                    MillisOf("acknowledged_at"), " AS acknowledged_at, coalesce(acknowledged_by, '') AS acknowledged_by, ",
                    MillisOf("resolved_at"), " AS resolved_at, coalesce(resolved_by, '') AS resolved_by,"
                    " coalesce(resolution, '') AS resolution, breached"
                    " FROM alert.incidents WHERE ", InPeriod("opened_at"),
                    " ORDER BY opened_at, id")},
      {"report.featuring",
       absl::StrCat("SELECT slot, category_name, video_id, video_title, ", MillisOf("featured_from"),
                    " AS featured_from, ", MillisOf("featured_until"), " AS featured_until, status, played_once, reason"
                    " FROM alert.featured WHERE featured_from < ", kTo, " AND (featured_until IS NULL OR featured_until >= ",
                    kFrom, ") ORDER BY featured_from, id")},
      {"report.counts",
       absl::StrCat("SELECT (SELECT count(*) FROM ingest.videos WHERE ", InPeriod("created_at"), "),"
                    " (SELECT count(*) FROM ingest.channels WHERE ", InPeriod("created_at"), ")")},
      {"report.curators",
       absl::StrCat("SELECT e.actor, e.actor_worker_id, e.kind, count(*) AS decisions FROM modlog.entries e WHERE ",
                    InPeriod("e.recorded_at"),
                    " AND e.kind IN (", absl::StrJoin(curator_decisions, ", "), ") GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")},
      {"report.response",
       absl::StrCat("WITH t AS (SELECT extract(epoch FROM i.decided_at - i.uploaded_at) / 3600 AS hours"
                    "   FROM review.items i WHERE ", kUploadItem, " AND ", InPeriod("i.decided_at"), ")"
                    " SELECT count(*) AS decided,"
                    " (percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) * 3600000)::bigint AS median,"
                    " count(*) FILTER (WHERE hours <= 4) AS within_4h, count(*) FILTER (WHERE hours <= 24) AS within_24h,"
                    " coalesce(avg(greatest(0, least(1, 1.2 - 0.05 * hours))), 0) AS score FROM t")},
      {"report.videos",
       absl::StrCat("WITH u AS (SELECT v.duration_seconds, coalesce(d.size_bytes, v.media_declared_size, 0) AS bytes,"
                    "   coalesce(c.name, v.category_id, '') AS category, coalesce(v.language, '') AS language"
                    "   FROM ingest.videos v LEFT JOIN ingest.data_objects d ON d.id = v.media_object_id"
                    "   LEFT JOIN ingest.categories c ON c.id = v.category_id WHERE ", InPeriod("v.created_at"), ")"
                    " SELECT GROUPING(category) AS all_categories, GROUPING(language) AS all_languages,"
                    " category, language, count(*) AS videos, coalesce(sum(duration_seconds), 0)::bigint AS duration,"
                    " coalesce(sum(bytes), 0)::bigint AS bytes,"
                    " percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS median_duration"
                    " FROM u GROUP BY GROUPING SETS ((), (category), (language))"
                    " ORDER BY 1 DESC, 2 DESC, count(*) DESC, 3, 4")},
      // The queue over the period: its depth when the period began, then what arrived and
      // what was decided in each step ($3 milliseconds long).
      {"report.queue_before",
       absl::StrCat("SELECT (SELECT count(*) FROM review.items WHERE uploaded_at < ", kFrom, ")"
                    " - (SELECT count(*) FROM review.items WHERE decided_at < ", kFrom, ")")},
      {"report.arrivals",
       absl::StrCat("SELECT floor((", MillisOf("uploaded_at"), " - $1) / $3::double precision)::bigint AS step,"
                    " count(*) AS arrived FROM review.items WHERE ", InPeriod("uploaded_at"), " GROUP BY 1")},
      {"report.departures",
       absl::StrCat("SELECT floor((", MillisOf("decided_at"), " - $1) / $3::double precision)::bigint AS step,"
                    " count(*) AS decided, (percentile_cont(0.5) WITHIN GROUP"
                    " (ORDER BY extract(epoch FROM decided_at - uploaded_at)) * 1000)::bigint AS median"
                    " FROM review.items WHERE ", InPeriod("decided_at"), " GROUP BY 1")},
  };
}

absl::StatusOr<Report> ReportStore::Read(const Period& period, TimePoint now, const modlog::VerifyReport& verified,
                                         std::chrono::milliseconds chart_step, std::optional<TimePoint> deadline) {
  Report report;
  int64_t from = db::ToMillis(period.from);
  int64_t to = db::ToMillis(period.to);
  // One snapshot, so the lists and counts agree with each other while curators keep working.
  RETURN_IF_ERROR(pool_.InSnapshot(
      [&](pqxx::transaction_base& tx) {
        // The pool runs this again on a fresh connection when one is lost midway: start over.
        report = Report{};
        report.period = period;
        report.generated_at = now;
        for (const auto& row : tx.exec_prepared("report.actions", from, to)) {
          std::optional<Action> action = ActionOf(ReadEntry(row));
          if (!action) {
            continue;
          }
          if (IsUnjustifiedCensorship(*action)) {
            report.unjustified.push_back(*action);
          }
          report.actions.push_back(std::move(*action));
        }
        std::vector<std::string> late_items;
        for (const auto& row : tx.exec_prepared("report.uploads_due", db::ToMillis(UploadedForDueAt(period.from)),
                                                db::ToMillis(UploadedForDueAt(period.to)))) {
          const TimePoint uploaded_at = Millis(row["uploaded_at"]);
          const LateVideo upload{.uploaded_at = uploaded_at,
                                 .due_at = CouncilDueAt(uploaded_at),
                                 .decided_at = OptionalMillis(row["decided_at"])};
          if (DecidedLate(upload, period, now)) {
            late_items.push_back(row["id"].as<std::string>());
          }
        }
        for (const auto& row : tx.exec_prepared("report.upload_items", db::TextArrayLiteral(late_items))) {
          report.late_videos.push_back(ReadLateVideo(row));
        }
        for (const auto& row : tx.exec_prepared("report.open_uploads", to,
                                                db::ToMillis(UploadedForDueAt(OpenUntil(period, now))))) {
          if (LateVideo video = ReadLateVideo(row); OpenPastDue(video, period, now)) {
            report.open_past_due.push_back(std::move(video));
          }
        }

        for (const auto& row : tx.exec_prepared("report.reverts", from, to)) {
          report.challenged.push_back(RevertedCensorship(
              CensorshipOf(row, "censor_id",
                           {.name = row["actor"].as<std::string>(),
                            .worker_id = Nullable<int64_t>(row["actor_worker_id"])}),
              {.entry_id = row["id"].as<int64_t>(),
               .reverted_at = Millis(row["reverted_at"]),
               .reverted_by = row["reverted_by"].as<std::string>(),
               .justification = row["justification"].as<std::string>(),
               .censor_on_chain = row["censor_on_chain"].as<bool>(),
               .confirmed_block = Nullable<int64_t>(row["confirmed_block"])}));
        }
        for (const auto& row : tx.exec_prepared("report.unjustified_censorship", from, to)) {
          report.challenged.push_back(UnjustifiedCensorship(
              CensorshipOf(row, "id", ActorOf(row)),
              {.unhidden_at = OptionalMillis(row["unhidden_at"]),
               .unhidden_block = Nullable<int64_t>(row["unhidden_block"]).value_or(0),
               .lead_action = Nullable<std::string>(row["lead_action"]),
               .lead_entry_id = Nullable<int64_t>(row["lead_entry"]).value_or(0)}));
        }

        LogIntegrity& log = report.log;
        log.intact = verified.intact;
        log.entries_checked = verified.entries_checked;
        log.head_hash = Hex(verified.head_hash);
        log.broken_entry_id = verified.broken_entry_id;
        log.broken_position = verified.broken_position;
        log.problem = verified.problem;
        auto stretch = tx.exec_prepared1("report.log_stretch", from, to);
        log.period_entries = stretch["entries"].as<int64_t>();
        log.first_position = Nullable<int64_t>(stretch["first"]).value_or(0);
        log.last_position = Nullable<int64_t>(stretch["last"]).value_or(0);
        log.unsealed = stretch["unsealed"].as<int64_t>();
        if (!log.intact) {
          log.break_in_period = BreakInPeriod(
              log, !tx.exec_prepared("report.entry_in_period", from, to, log.broken_entry_id).empty());
        }
        log.unreconciled = tx.exec_prepared1("report.unreconciled", from, to)[0].as<int64_t>();
        log.chain_events_known_until = OptionalMillis(tx.exec_prepared1("report.events_known_until")[0]);

        for (const auto& row : tx.exec_prepared("report.incidents", from, to)) {
          FeaturedIncident incident = ReadIncident(row);
          if (!IsFeaturedIncident(incident.slot)) {
            ++report.monitoring_outages;
            continue;
          }
          incident.fixed_in_time = FixedInTime(incident, row["breached"].as<bool>(), now);
          report.incidents.push_back(std::move(incident));
        }

        for (const auto& row : tx.exec_prepared("report.featuring", from, to)) {
          report.featuring.push_back(ReadFeaturing(row));
        }
        LinkFeaturingLog(report.featuring, report.incidents);

        auto counts = tx.exec_prepared1("report.counts", from, to);
        report.uploads = counts[0].as<int64_t>();
        report.channels_created = counts[1].as<int64_t>();
        for (const auto& row : tx.exec_prepared("report.curators", from, to)) {
          Actor actor{.name = row["actor"].as<std::string>(), .worker_id = Nullable<int64_t>(row["actor_worker_id"])};
          if (report.curators.empty() || report.curators.back().curator.name != actor.name ||
              report.curators.back().curator.worker_id != actor.worker_id) {
            report.curators.push_back({.curator = actor});
          }
          int64_t decisions = row["decisions"].as<int64_t>();
          std::string kind = row["kind"].as<std::string>();
          report.curators.back().by_action[kind] += decisions;
          report.curators.back().total += decisions;
          report.decisions_by_action[kind] += decisions;
        }

        auto response = tx.exec_prepared1("report.response", from, to);
        report.response.decided = response["decided"].as<int64_t>();
        report.response.median = OptionalSpan(response["median"]);
        if (report.response.decided > 0) {
          auto share = [&](const char* column) {
            return response[column].as<double>() / static_cast<double>(report.response.decided);
          };
          report.response.within_4h = share("within_4h");
          report.response.within_24h = share("within_24h");
          report.response.score = response["score"].as<double>();
        }

        for (const auto& row : tx.exec_prepared("report.videos", from, to)) {
          VideoGroup group{.videos = row["videos"].as<int64_t>(),
                           .duration_seconds = row["duration"].as<int64_t>(),
                           .bytes = row["bytes"].as<int64_t>()};
          bool all_categories = row["all_categories"].as<int>() == 1;
          bool all_languages = row["all_languages"].as<int>() == 1;
          if (all_categories && all_languages) {
            report.videos.videos = group.videos;
            report.videos.duration_seconds = group.duration_seconds;
            report.videos.bytes = group.bytes;
            report.videos.median_duration_seconds = Nullable<double>(row["median_duration"]);
          } else if (all_languages) {
            group.key = row["category"].as<std::string>();
            report.videos.by_category.push_back(std::move(group));
          } else {
            group.key = row["language"].as<std::string>();
            report.videos.by_language.push_back(std::move(group));
          }
        }

        report.chart_step = chart_step;
        int64_t step = chart_step.count();
        int64_t steps = (to - from + step - 1) / step;
        std::vector<int64_t> arrived(steps, 0);
        report.chart.resize(steps);
        for (int64_t k = 0; k < steps; ++k) {
          report.chart[k].at = db::FromMillis(std::min(to, from + (k + 1) * step));
        }
        // Steps come from SQL arithmetic on times: check them before they index anything.
        auto step_of = [&](const pqxx::row& row) -> std::optional<size_t> {
          int64_t k = row["step"].as<int64_t>();
          return k >= 0 && k < steps ? std::optional(static_cast<size_t>(k)) : std::nullopt;
        };
        for (const auto& row : tx.exec_prepared("report.arrivals", from, to, step)) {
          if (auto k = step_of(row)) {
            arrived[*k] = row["arrived"].as<int64_t>();
          }
        }
        for (const auto& row : tx.exec_prepared("report.departures", from, to, step)) {
          auto k = step_of(row);
          if (!k) {
            continue;
          }
          ChartPoint& point = report.chart[*k];
          point.decided = row["decided"].as<int64_t>();
          point.median_time_to_decision = OptionalSpan(row["median"]);
        }
        int64_t depth = tx.exec_prepared1("report.queue_before", from)[0].as<int64_t>();
        for (int64_t k = 0; k < steps; ++k) {
          depth += arrived[k] - report.chart[k].decided;
          report.chart[k].queue_depth = depth;
        }
        return absl::OkStatus();
      },
      deadline));
  return report;
}

}  // namespace curation::report
