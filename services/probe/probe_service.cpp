#include <curation/probe/probe_service.hpp>

#include <algorithm>
#include <thread>

#include <absl/strings/escaping.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/time_util.h>

#include <curation/common/logging.hpp>
#include <curation/common/page_token.hpp>
#include <curation/probe/verdict.hpp>

#include "findings.hpp"

namespace curation::probe {
namespace {

using google::protobuf::util::TimeUtil;

constexpr size_t kMaxUrlLength = 2048;
constexpr std::chrono::milliseconds kIdlePoll{1000};
// A job whose worker died this many times is given up as a crash, not retried forever.
constexpr int kMaxAttempts = 5;
// Storage accepts an upload some time after the video appears; until then nodes answer 404.
constexpr int kNotAcceptedRetries = 6;
constexpr std::chrono::minutes kNotAcceptedFirstDelay{5};
constexpr std::chrono::minutes kFailedJobDelay{1};

// Failures that belong to one node, not to the file: another node may serve it fine.
bool NodeFault(const SourceReport& report) {
  for (const auto& finding : report.findings()) {
    const std::string& code = finding.code();
    if (code == code::kBlockedAddress || code == code::kNotFound || code == code::kMisdirected ||
        code == code::kUnreachable || code == code::kTimeout || code == code::kNoRanges ||
        code == code::kBadContentRange || code == code::kSizeMismatch) {
      return true;
    }
  }
  return false;
}

// A verdict the table does not hold (unspecified, or from a newer worker) ranks as unplayable.
int Rank(v1::Verdict verdict) {
  switch (kVerdicts.FromProto(verdict).value_or(Verdict::kUnplayable)) {
    case Verdict::kPlayable: return 0;
    case Verdict::kDegraded: return 1;
    case Verdict::kUnplayable: return 2;
  }
  return 2;  // not reached: every verdict is handled above
}

std::string FirstFailure(const SourceReport& report) {
  for (const auto& finding : report.findings()) {
    if (finding.severity() == v1::SEVERITY_FAILURE) return absl::StrCat(finding.code(), ": ", finding.message());
  }
  return "";
}

// The video's verdict: its best media source decides, lowered by what concerns the video as
// a whole (one source only, a bad thumbnail).
void Conclude(v1::ProbeReport& report) {
  v1::Verdict best = v1::VERDICT_UNPLAYABLE;
  for (const auto& source : report.sources()) {
    if (source.role() == "media" && Rank(source.verdict()) < Rank(best)) best = source.verdict();
  }
  v1::Verdict overall = VerdictOf(report);
  report.set_verdict(Rank(overall) > Rank(best) ? overall : best);
}

std::string PageToken(int64_t before_id) { return absl::WebSafeBase64Escape(absl::StrCat("v1:", before_id)); }

absl::StatusOr<int64_t> ParsePageToken(const std::string& token) {
  std::string decoded;
  int64_t id = 0;
  if (!absl::WebSafeBase64Unescape(token, &decoded) || !decoded.starts_with("v1:") ||
      !absl::SimpleAtoi(absl::string_view(decoded).substr(3), &id)) {
    return absl::InvalidArgumentError("page_token is not one this service issued");
  }
  return id;
}

// The nodes a video's media is fetched from, in its bag's order. None, with the failure that
// says why added to `report`, when there is nothing to fetch: no media on chain, not accepted by
// storage yet, or no active distributor serving the bag. Probes and players start here alike.
template <typename Report>
absl::StatusOr<std::vector<Distributor>> ServingDistributors(SourceResolver& resolver, const VideoAssets& assets,
                                                             Report& report) {
  if (!assets.media_id) {
    Fail(report, code::kNoMedia, "the video has no media file on chain");
    return std::vector<Distributor>{};
  }
  if (!assets.media_accepted) {
    Fail(report, code::kMediaNotAccepted, "storage has not accepted the upload of the media file (yet)");
    return std::vector<Distributor>{};
  }
  std::vector<Distributor> distributors;
  if (assets.bag_id) {
    ASSIGN_OR_RETURN(distributors, resolver.Distributors(*assets.bag_id));
  }
  if (distributors.empty()) {
    Fail(report, code::kNoSources,
         absl::StrCat("no active distributor serves the video's bag ", assets.bag_id.value_or("(none)")));
  }
  return distributors;
}

}  // namespace

ProbeService::ProbeService(ProbeStore& store, SourceResolver& resolver, ProbeSandbox& sandbox,
                           MetricsRegistry& metrics, ProbeServiceOptions options)
    : store_(store),
      resolver_(resolver),
      sandbox_(sandbox),
      metrics_(metrics),
      options_(options),
      random_(std::random_device{}()),
      duration_(metrics.GetHistogram("curation_probe_duration_seconds", "Wall time of one probe of one URL")),
      bytes_read_(metrics.GetHistogram("curation_probe_read_bytes", "Bytes one probe of one URL read", {},
                                       {16e3, 64e3, 128e3, 256e3, 512e3, 1e6, 4e6, 16e6, 64e6})),
      feed_(store.pool(), {.schema = "probe",
                           .batch_size = 5000,
                           .component = "probe",
                           .what = "raise probe jobs from the feed"}) {}

void ProbeService::Count(const v1::ProbeReport& report) {
  metrics_.GetCounter("curation_probe_probes_total", "Probes by verdict", {{"verdict", v1::Verdict_Name(report.verdict())}})
      .Inc();
  for (const auto& source : report.sources()) {
    duration_.Observe(TimeUtil::DurationToNanoseconds(source.wall_time()) / 1e9);
    bytes_read_.Observe(static_cast<double>(source.bytes_read()));
    for (const auto& finding : source.findings()) {
      metrics_.GetCounter("curation_probe_findings_total", "Findings by code", {{"code", finding.code()}}).Inc();
    }
  }
  for (const auto& finding : report.findings()) {
    metrics_.GetCounter("curation_probe_findings_total", "Findings by code", {{"code", finding.code()}}).Inc();
  }
}

absl::StatusOr<SourceReport> ProbeService::ProbePaced(const ProbeTarget& target, std::optional<TimePoint> deadline) {
  std::string host = HostOf(target.url);
  auto wait = store_.ReserveHostSlot(host, options_.host_interval, deadline);
  if (absl::IsDeadlineExceeded(wait.status())) {
    return wait.status();
  }
  if (wait.ok() && wait->count() > 0) {  // without the database, probes go unpaced rather than not at all
    if (deadline && SystemClock::Instance().Now() + *wait > *deadline) {
      return absl::DeadlineExceededError(absl::StrCat("the next probe of ", host, " may start in ", wait->count(),
                                                      " ms, after the deadline; nothing was probed"));
    }
    std::this_thread::sleep_for(*wait);
  }
  return sandbox_.Probe(target, deadline);
}

absl::StatusOr<v1::ProbeReport> ProbeService::ProbeUrl(const std::string& url, bool deep, const std::string& role,
                                                       std::optional<TimePoint> deadline) {
  if (url.size() > kMaxUrlLength || !(url.starts_with("http://") || url.starts_with("https://")) ||
      std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; })) {
    return absl::InvalidArgumentError("url must be an absolute http:// or https:// URL of at most 2048 characters");
  }
  v1::ProbeReport report;
  report.set_depth(deep ? v1::PROBE_DEPTH_FULL : v1::PROBE_DEPTH_LIGHT);
  ASSIGN_OR_RETURN(*report.add_sources(), ProbePaced({.url = url, .role = role, .deep = deep}, deadline));
  report.set_verdict(report.sources(0).verdict());
  Count(report);
  RETURN_IF_ERROR(store_.Record(report, url, std::nullopt));
  return report;
}

absl::StatusOr<v1::ProbeReport> ProbeService::Examine(const std::string& video_id, v1::ProbeDepth depth,
                                                      std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(VideoAssets assets, store_.Assets(video_id, deadline));
  v1::ProbeReport report;
  report.set_video_id(video_id);
  report.set_depth(depth);
  ASSIGN_OR_RETURN(std::vector<Distributor> distributors, ServingDistributors(resolver_, assets, report));
  if (distributors.empty()) {
    report.set_verdict(v1::VERDICT_UNPLAYABLE);
    return report;
  }
  {
    std::lock_guard lock(random_mutex_);
    std::shuffle(distributors.begin(), distributors.end(), random_);  // spreads light probes over the nodes
  }
  bool full = depth == v1::PROBE_DEPTH_FULL;
  const Distributor* serving = nullptr;
  int tried = 0;
  for (const auto& distributor : distributors) {
    if (!full && tried == options_.light_sources) break;
    ++tried;
    ASSIGN_OR_RETURN(SourceReport media, ProbePaced({.url = distributor.AssetUrl(*assets.media_id),
                                                     .role = "media",
                                                     .kind = v1::ProbeTask::KIND_VIDEO,
                                                     .expected_size = assets.media_size,
                                                     .deep = full},
                                                    deadline));
    bool node_fault = NodeFault(media);
    *report.add_sources() = std::move(media);
    if (!node_fault && serving == nullptr) serving = &distributor;
    if (!full && !node_fault) break;
  }
  if (assets.thumbnail_id) {
    for (const auto& distributor : distributors) {
      if (!full && &distributor != (serving ? serving : &distributors.front())) continue;
      ASSIGN_OR_RETURN(SourceReport thumbnail, ProbePaced({.url = distributor.AssetUrl(*assets.thumbnail_id),
                                                           .role = "thumbnail",
                                                           .kind = v1::ProbeTask::KIND_IMAGE,
                                                           .expected_size = assets.thumbnail_size},
                                                          deadline));
      if (thumbnail.verdict() == v1::VERDICT_UNPLAYABLE && !NodeFault(thumbnail)) {
        Warn(report, code::kBadThumbnail, absl::StrCat("the thumbnail is broken: ", FirstFailure(thumbnail)));
      }
      *report.add_sources() = std::move(thumbnail);
    }
  }
  int media_sources = 0, playable = 0;
  std::string first_failure;
  for (const auto& source : report.sources()) {
    if (source.role() != "media") continue;
    ++media_sources;
    if (source.verdict() != v1::VERDICT_UNPLAYABLE) {
      ++playable;
    } else if (first_failure.empty()) {
      first_failure = absl::StrCat(source.host(), ": ", FirstFailure(source));
    }
  }
  if (playable == 0) {
    Fail(report, code::kNoPlayableSource,
         absl::StrCat("no node tried (", media_sources, " of ", distributors.size(), ") serves a playable copy; ",
                      first_failure));
  } else if (full && playable < media_sources) {  // a light probe only looks for one node that serves it
    Warn(report, code::kSomeSourcesFail,
         absl::StrCat(media_sources - playable, " of ", media_sources, " nodes fail; first: ", first_failure));
  } else if (full && distributors.size() == 1) {
    Warn(report, code::kSingleSource, "only one distributor serves the video: nothing to fall back on");
  }
  Conclude(report);
  return report;
}

absl::StatusOr<v1::ProbeReport> ProbeService::ProbeVideo(const std::string& video_id, v1::ProbeDepth depth,
                                                         std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(v1::ProbeReport report, Examine(video_id, depth, deadline));
  Count(report);
  RETURN_IF_ERROR(store_.Record(report, "", std::nullopt));
  return report;
}

absl::StatusOr<v1::ProbeReport> ProbeService::GetVerdict(const std::string& video_id,
                                                         std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(auto report, store_.Verdict(video_id, deadline));
  if (!report) {
    return absl::NotFoundError(absl::StrCat("video ", video_id, " has not been probed yet"));
  }
  return *report;
}

absl::StatusOr<v1::VideoSources> ProbeService::GetVideoSources(const std::string& video_id,
                                                              std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(VideoAssets assets, store_.Assets(video_id, deadline));
  v1::VideoSources answer;
  answer.set_video_id(video_id);
  answer.set_bag_id(assets.bag_id.value_or(""));
  ASSIGN_OR_RETURN(std::vector<Distributor> distributors, ServingDistributors(resolver_, assets, answer));
  ASSIGN_OR_RETURN(std::optional<v1::ProbeReport> latest, store_.Verdict(video_id, deadline));
  if (latest) {
    answer.set_verdict(latest->verdict());
    *answer.mutable_probed_at() = latest->probed_at();
  }
  // The latest probe's finding at `url`, if it tried that URL.
  auto report_at = [&latest](const std::string& url, const char* role) -> const SourceReport* {
    if (!latest || url.empty()) return nullptr;
    for (const auto& source : latest->sources()) {
      if (source.url() == url && source.role() == role) return &source;
    }
    return nullptr;
  };
  for (const auto& distributor : distributors) {
    v1::VideoSource& source = *answer.add_sources();
    source.set_bucket_id(distributor.bucket_id);
    source.set_worker_id(distributor.worker_id);
    source.set_node_endpoint(distributor.endpoint);
    source.set_media_url(distributor.AssetUrl(*assets.media_id));
    if (assets.thumbnail_id) {
      source.set_thumbnail_url(distributor.AssetUrl(*assets.thumbnail_id));
    }
    if (const SourceReport* media = report_at(source.media_url(), "media")) {
      *source.mutable_media_report() = *media;
    }
    if (const SourceReport* thumbnail = report_at(source.thumbnail_url(), "thumbnail")) {
      *source.mutable_thumbnail_report() = *thumbnail;
    }
  }
  return answer;
}

absl::StatusOr<ProbeHistoryPage> ProbeService::ListProbes(const std::string& video_id, const std::string& url,
                                                          int page_size, const std::string& page_token,
                                                          std::optional<TimePoint> deadline) {
  if (video_id.empty() == url.empty()) {
    return absl::InvalidArgumentError("give exactly one of video_id and url");
  }
  ASSIGN_OR_RETURN(int limit, PageSize(page_size));
  int64_t before_id = std::numeric_limits<int64_t>::max();
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(before_id, ParsePageToken(page_token));
  }
  ProbeHistoryPage page;
  ASSIGN_OR_RETURN(page.probes, store_.History(video_id, url, before_id, limit + 1, deadline));
  if (static_cast<int>(page.probes.size()) > limit) {
    page.probes.resize(limit);
    page.next_page_token = PageToken(page.probes.back().probe_id());
  }
  return page;
}

absl::StatusOr<bool> ProbeService::RunOneJob(const std::string& holder) {
  ASSIGN_OR_RETURN(std::optional<Job> job, store_.Claim(holder, options_.lease));
  if (!job) {
    return false;
  }
  auto log = ComponentLogger("probe");
  if (job->attempts > kMaxAttempts) {
    v1::ProbeReport report;
    report.set_video_id(job->video_id);
    report.set_depth(job->depth);
    Fail(report, code::kProberCrashed,
         absl::StrCat("the probe was abandoned ", kMaxAttempts, " times (its worker died); given up"));
    report.set_verdict(v1::VERDICT_UNPLAYABLE);
    RETURN_IF_ERROR(store_.Record(report, "", job->id));
    RETURN_IF_ERROR(store_.Finish(*job, holder));
    return true;
  }
  auto report = Examine(job->video_id, job->depth, std::nullopt);  // a job waits as long as it takes
  if (!report.ok() && sandbox_.ShuttingDown()) {
    log->info("probe of video {} interrupted by the shutdown; its job goes back to the queue", job->video_id);
    RETURN_IF_ERROR(store_.Release(*job, holder));
    return true;
  }
  if (!report.ok()) {
    log->warn("probe of video {} failed, retrying later: {}", job->video_id, report.status());
    RETURN_IF_ERROR(store_.Defer(*job, holder, kFailedJobDelay));
    return true;
  }
  bool waiting_for_storage = report->findings_size() == 1 && report->findings(0).code() == code::kMediaNotAccepted;
  if (waiting_for_storage && job->attempts <= kNotAcceptedRetries) {
    RETURN_IF_ERROR(store_.Defer(*job, holder, kNotAcceptedFirstDelay * (1 << (job->attempts - 1))));
    return true;
  }
  Count(*report);
  RETURN_IF_ERROR(store_.Record(*report, "", job->id));
  RETURN_IF_ERROR(store_.Finish(*job, holder));
  log->debug("video {} probed: {}", job->video_id, v1::Verdict_Name(report->verdict()));
  return true;
}

void ProbeService::RunJobs(std::stop_token stop, db::Pool& pool, const std::string& holder) {
  // New jobs come from the feed: its notification is the earliest sign of one.
  db::FollowNotifications(pool, "ingest_feed", kIdlePoll, stop, "probe", "run probe jobs",
                          [&] { return RunOneJob(holder); });
}

absl::StatusOr<int64_t> ProbeService::DrainFeed(std::stop_token stop) {
  int64_t created = 0;
  RETURN_IF_ERROR(feed_.Drain({{"probe.jobs",
                                [&](pqxx::work& tx, int64_t after,
                                    int64_t limit) -> absl::StatusOr<db::FeedFollower::Batch> {
                                  FeedJobs jobs = store_.JobsFromFeed(tx, after, limit);
                                  return db::FeedFollower::Batch{
                                      .rows = jobs.entries,
                                      .last = jobs.last,
                                      .committed = [&created, made = jobs.jobs_created] { created += made; }};
                                }}},
                              stop));
  return created;
}

void ProbeService::RunFeedConsumer(std::stop_token stop, db::Pool& /*pool: the store's, which feed_ follows in*/) {
  feed_.Run(stop, [this](std::stop_token drain_stop) { return DrainFeed(drain_stop).status(); });
}

}  // namespace curation::probe
