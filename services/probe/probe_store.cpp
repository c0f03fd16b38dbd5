#include <curation/probe/probe_store.hpp>

#include <set>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <curation/db/feed_follower.hpp>
#include <curation/db/fields.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <curation/probe/verdict.hpp>
#include <curation/review/vocabulary.hpp>

namespace curation::probe {
namespace {

using db::Nullable;
// A job raised from the feed gives the reason review gives the item it raises from the same entry.
using review::ItemReason;

using ingest::FeedKind;

std::string Sql(ItemReason reason) { return review::kItemReasons.Sql(reason); }
std::string Sql(FeedKind kind) { return ingest::kFeedKinds.Sql(kind); }

std::string DepthName(v1::ProbeDepth depth) { return depth == v1::PROBE_DEPTH_FULL ? "full" : "light"; }

// A report without a verdict cannot be trusted to play.
std::string VerdictName(v1::Verdict verdict) {
  return std::string(kVerdicts.Db(kVerdicts.FromProto(verdict).value_or(Verdict::kUnplayable)));
}

// Every code the report carries, once each, as a PostgreSQL array literal (codes are
// upper-case words of our own).
std::string CodesOf(const v1::ProbeReport& report) {
  std::set<std::string> codes;
  for (const auto& finding : report.findings()) codes.insert(finding.code());
  for (const auto& source : report.sources()) {
    for (const auto& finding : source.findings()) codes.insert(finding.code());
  }
  return "{" + absl::StrJoin(codes, ",") + "}";
}

// One line for the review queue: what concerns the video as a whole comes first (it names
// the source failures that matter), then the first failure, else the first warning.
std::string Summary(const v1::ProbeReport& report) {
  const v1::Finding* first = nullptr;
  auto consider = [&](const v1::Finding& finding) {
    if (first == nullptr || (finding.severity() == v1::SEVERITY_FAILURE && first->severity() != v1::SEVERITY_FAILURE)) {
      first = &finding;
    }
  };
  for (const auto& finding : report.findings()) consider(finding);
  if (first == nullptr) {
    for (const auto& source : report.sources()) {
      for (const auto& finding : source.findings()) consider(finding);
    }
  }
  return first == nullptr ? "plays" : absl::StrCat(first->code(), ": ", first->message());
}

// A stored report with its id and time (columns 0 to 2 of the verdict and history statements).
absl::StatusOr<v1::ProbeReport> ParseReport(const pqxx::row& row) {
  const pqxx::field id = row[0], json = row[1];
  v1::ProbeReport report;
  auto parsed = google::protobuf::util::JsonStringToMessage(json.as<std::string>(), &report);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat("stored probe ", id.as<int64_t>(), " does not parse"));
  }
  report.set_probe_id(id.as<int64_t>());
  *report.mutable_probed_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(row[2].as<int64_t>());
  return report;
}

}  // namespace

std::vector<db::PreparedStatement> ProbeStore::Statements() {
  return db::FeedFollower::Statements("probe", {
      {"probe.jobs_from_feed",
       absl::StrCat(
           "WITH batch AS (SELECT seq, kind, target_id, occurred_at FROM ingest.feed WHERE seq > $1 ORDER BY seq"
           " LIMIT $2),"
           " created AS (INSERT INTO probe.jobs (video_id, depth, uploaded_at, reason, source_seq)"
           "   SELECT target_id, 'light', occurred_at,"
           "     CASE kind WHEN ", Sql(FeedKind::kVideoCreated), " THEN ", Sql(ItemReason::kNewVideo), " ELSE ",
           Sql(ItemReason::kAssetsChanged), " END, seq"
           "   FROM batch WHERE kind IN (", Sql(FeedKind::kVideoCreated), ", ", Sql(FeedKind::kVideoAssetsChanged),
           ") ORDER BY seq"
           "   ON CONFLICT DO NOTHING RETURNING 1)"
           " SELECT (SELECT max(seq) FROM batch), (SELECT count(*) FROM batch), (SELECT count(*) FROM created)")},
      {"probe.enqueue",
       "INSERT INTO probe.jobs (video_id, depth, priority, uploaded_at, reason)"
       " VALUES ($1, $2, $3, coalesce((SELECT created_at FROM ingest.videos WHERE id = $1), now()), $4)"
       " ON CONFLICT (video_id, depth) WHERE state <> 'done'"
       " DO UPDATE SET priority = greatest(probe.jobs.priority, excluded.priority)"},
      {"probe.claim",
       "UPDATE probe.jobs SET state = 'running', lease_holder = $1, attempts = attempts + 1,"
       "   lease_expires_at = now() + make_interval(secs => $2::double precision / 1000)"
       " WHERE id = (SELECT id FROM probe.jobs"
       "   WHERE state <> 'done' AND not_before <= now() AND (state = 'queued' OR lease_expires_at < now())"
       "   ORDER BY priority DESC, uploaded_at DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
       " RETURNING id, video_id, depth, attempts"},
      {"probe.finish",
       "UPDATE probe.jobs SET state = 'done', finished_at = now(), lease_holder = NULL, lease_expires_at = NULL"
       " WHERE id = $1 AND lease_holder = $2"},
      {"probe.defer",
       "UPDATE probe.jobs SET state = 'queued', lease_holder = NULL, lease_expires_at = NULL,"
       "   not_before = now() + make_interval(secs => $3::double precision / 1000)"
       " WHERE id = $1 AND lease_holder = $2"},
      {"probe.release",
       "UPDATE probe.jobs SET state = 'queued', lease_holder = NULL, lease_expires_at = NULL, attempts = attempts - 1"
       " WHERE id = $1 AND lease_holder = $2"},
      {"probe.depth",
       "SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'running')"
       " FROM probe.jobs WHERE state <> 'done'"},
      {"probe.assets",
       "SELECT v.media_object_id, m.size_bytes, coalesce(m.is_accepted, false), v.thumbnail_object_id, t.size_bytes,"
       "   coalesce(m.storage_bag_id, t.storage_bag_id)"
       " FROM ingest.videos v"
       " LEFT JOIN ingest.data_objects m ON m.id = v.media_object_id"
       " LEFT JOIN ingest.data_objects t ON t.id = v.thumbnail_object_id"
       " WHERE v.id = $1"},
      {"probe.insert_probe",
       "INSERT INTO probe.probes (video_id, url, job_id, depth, verdict, codes, report, bytes_read, duration_ms)"
       " VALUES ($1, $2, $3, $4, $5, $6::text[], $7::jsonb, $8, $9)"
       " RETURNING id, (extract(epoch FROM probed_at) * 1000000)::bigint"},
      {"probe.upsert_verdict",
       "INSERT INTO probe.verdicts (video_id, verdict, codes, summary, depth, probe_id, probed_at)"
       " SELECT video_id, verdict, codes, $2, depth, id, probed_at FROM probe.probes WHERE id = $1"
       " ON CONFLICT (video_id) DO UPDATE SET verdict = excluded.verdict, codes = excluded.codes,"
       "   summary = excluded.summary, depth = excluded.depth, probe_id = excluded.probe_id,"
       "   probed_at = excluded.probed_at"},
      // A report's JSON is written before its id and time are known: ParseReport adds them.
      {"probe.verdict",
       "SELECT p.id, p.report, (extract(epoch FROM p.probed_at) * 1000000)::bigint"
       " FROM probe.verdicts v JOIN probe.probes p ON p.id = v.probe_id WHERE v.video_id = $1"},
      {"probe.history_video",
       "SELECT id, report, (extract(epoch FROM probed_at) * 1000000)::bigint"
       " FROM probe.probes WHERE video_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"},
      {"probe.history_url",
       "SELECT id, report, (extract(epoch FROM probed_at) * 1000000)::bigint"
       " FROM probe.probes WHERE url = $1 AND id < $2 ORDER BY id DESC LIMIT $3"},
      {"probe.reserve_host_slot",
       "INSERT INTO probe.host_slots AS s (host, next_at)"
       "   VALUES ($1, now() + make_interval(secs => $2::double precision / 1000))"
       " ON CONFLICT (host) DO UPDATE"
       "   SET next_at = greatest(s.next_at, now()) + make_interval(secs => $2::double precision / 1000)"
       " RETURNING greatest(0, (extract(epoch FROM s.next_at - now()) * 1000)::bigint - $2)"},
  });
}

FeedJobs ProbeStore::JobsFromFeed(pqxx::work& tx, int64_t after, int64_t limit) const {
  auto result = tx.exec_prepared1("probe.jobs_from_feed", after, limit);
  if (result[0].is_null()) {
    return {};
  }
  return {.entries = result[1].as<int64_t>(), .jobs_created = result[2].as<int64_t>(), .last = result[0].as<int64_t>()};
}

absl::Status ProbeStore::Enqueue(const std::string& video_id, v1::ProbeDepth depth, int priority,
                                 const std::string& reason) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("probe.enqueue", video_id, DepthName(depth), priority, reason);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Job>> ProbeStore::Claim(const std::string& holder, std::chrono::milliseconds lease) {
  std::optional<Job> job;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    auto result = tx.exec_prepared("probe.claim", holder, lease.count());
    if (!result.empty()) {
      job = Job{.id = result[0][0].as<int64_t>(),
                .video_id = result[0][1].as<std::string>(),
                .depth = result[0][2].as<std::string>() == "full" ? v1::PROBE_DEPTH_FULL : v1::PROBE_DEPTH_LIGHT,
                .attempts = result[0][3].as<int>()};
    }
    return absl::OkStatus();
  }));
  return job;
}

absl::Status ProbeStore::Finish(const Job& job, const std::string& holder) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("probe.finish", job.id, holder);
    return absl::OkStatus();
  });
}

absl::Status ProbeStore::Defer(const Job& job, const std::string& holder, std::chrono::milliseconds delay) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("probe.defer", job.id, holder, delay.count());
    return absl::OkStatus();
  });
}

absl::Status ProbeStore::Release(const Job& job, const std::string& holder) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("probe.release", job.id, holder);
    return absl::OkStatus();
  });
}

absl::StatusOr<QueueDepth> ProbeStore::Depth() {
  QueueDepth depth;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    auto row = tx.exec_prepared1("probe.depth");
    depth = {row[0].as<int64_t>(), row[1].as<int64_t>()};
    return absl::OkStatus();
  }));
  return depth;
}

absl::StatusOr<VideoAssets> ProbeStore::Assets(const std::string& video_id, std::optional<TimePoint> deadline) {
  std::optional<VideoAssets> assets;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        auto result = tx.exec_prepared("probe.assets", video_id);
        if (result.empty()) {
          return absl::OkStatus();
        }
        const auto& row = result[0];
        assets = VideoAssets{.video_id = video_id,
                             .media_id = Nullable<std::string>(row[0]),
                             .media_size = Nullable<int64_t>(row[1]),
                             .media_accepted = row[2].as<bool>(),
                             .thumbnail_id = Nullable<std::string>(row[3]),
                             .thumbnail_size = Nullable<int64_t>(row[4]),
                             .bag_id = Nullable<std::string>(row[5])};
        return absl::OkStatus();
      },
      deadline));
  if (!assets) {
    return absl::NotFoundError(absl::StrCat("video ", video_id, " has not been ingested"));
  }
  return *assets;
}

absl::Status ProbeStore::Record(v1::ProbeReport& report, const std::string& url, std::optional<int64_t> job_id) {
  int64_t bytes_read = 0;
  int64_t duration_ms = 0;
  for (const auto& source : report.sources()) {
    bytes_read += source.bytes_read();
    duration_ms += google::protobuf::util::TimeUtil::DurationToMilliseconds(source.wall_time());
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(report, &json).ok()) {
    return absl::InternalError("probe report does not serialize");
  }
  std::optional<std::string> video_id;
  std::optional<std::string> probed_url;
  if (report.video_id().empty()) {
    probed_url = url;
  } else {
    video_id = report.video_id();
  }
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto row = tx.exec_prepared1("probe.insert_probe", video_id, probed_url, job_id, DepthName(report.depth()),
                                 VerdictName(report.verdict()), CodesOf(report), json, bytes_read, duration_ms);
    report.set_probe_id(row[0].as<int64_t>());
    *report.mutable_probed_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(row[1].as<int64_t>());
    if (video_id) {
      tx.exec_prepared("probe.upsert_verdict", report.probe_id(), Summary(report));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<v1::ProbeReport>> ProbeStore::Verdict(const std::string& video_id,
                                                                  std::optional<TimePoint> deadline) {
  std::optional<v1::ProbeReport> report;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        auto result = tx.exec_prepared("probe.verdict", video_id);
        if (!result.empty()) {
          ASSIGN_OR_RETURN(report, ParseReport(result[0]));
        }
        return absl::OkStatus();
      },
      deadline));
  return report;
}

absl::StatusOr<std::vector<v1::ProbeReport>> ProbeStore::History(const std::string& video_id, const std::string& url,
                                                                 int64_t before_id, int limit,
                                                                 std::optional<TimePoint> deadline) {
  std::vector<v1::ProbeReport> reports;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        auto result = video_id.empty() ? tx.exec_prepared("probe.history_url", url, before_id, limit)
                                       : tx.exec_prepared("probe.history_video", video_id, before_id, limit);
        for (const auto& row : result) {
          ASSIGN_OR_RETURN(auto report, ParseReport(row));
          reports.push_back(std::move(report));
        }
        return absl::OkStatus();
      },
      deadline));
  return reports;
}

absl::StatusOr<std::chrono::milliseconds> ProbeStore::ReserveHostSlot(const std::string& host,
                                                                       std::chrono::milliseconds interval,
                                                                       std::optional<TimePoint> deadline) {
  std::chrono::milliseconds wait{0};
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        wait = std::chrono::milliseconds(
            tx.exec_prepared1("probe.reserve_host_slot", host, interval.count())[0].as<int64_t>());
        return absl::OkStatus();
      },
      deadline));
  return wait;
}

}  // namespace curation::probe
