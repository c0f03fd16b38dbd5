#include <curation/report/report.hpp>

#include <string_view>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <nlohmann/json.hpp>

#include <curation/common/csv.hpp>
#include <curation/common/time_format.hpp>
#include <curation/modlog/entry.hpp>

#include "render_text.hpp"

namespace curation::report {
namespace {

// Insertion order, so the file reads in the order the report is laid out.
using Json = nlohmann::ordered_json;

constexpr std::string_view kVideo = modlog::kTargetKinds.Db(modlog::TargetKind::kVideo);
constexpr std::string_view kChannel = modlog::kTargetKinds.Db(modlog::TargetKind::kChannel);

// A spreadsheet runs a cell that starts like a formula: a leading quote makes it text.
std::string FormulaGuarded(std::string cell) {
  if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos) {
    return "'" + cell;
  }
  return cell;
}

// The historical Act column knew only Accepted, Warn, Censored and None: where an action left its
// target. What exactly happened leads the reason.
std::string HistoricalAct(ActionKind action) {
  switch (action) {
    case ActionKind::kWarn:
      return "Warn";
    case ActionKind::kCensor:
    case ActionKind::kHide:
    case ActionKind::kDeleteAssets:
      return "Censored";
    case ActionKind::kRevert:
    case ActionKind::kUnhide:
      return "Accepted";
  }
  return "None";
}

// The historical "Reason or other comments": what happened when the Act column does not say it
// all, the justification, then everything the council checks it against.
std::string Reason(const Action& action, const Links& links) {
  std::string what = ActionWord(action.action);
  std::string on_chain = absl::StrCat("on chain: ", ChainStatusText(action.chain));
  if (std::string explorer = links.Explorer(action.chain); !explorer.empty()) {
    absl::StrAppend(&on_chain, ", ", explorer);
  }
  std::string note = NoteBeyondJustification(action);
  return JoinNonEmpty(
      {what == HistoricalAct(action.action) ? "" : std::move(what), action.justification,
       action.policy_codes.empty() ? "" : absl::StrCat("codes: ", absl::StrJoin(action.policy_codes, ", ")),
       std::move(on_chain), action.chain.rationale.empty() ? "" : absl::StrCat("rationale: ", action.chain.rationale),
       note.empty() ? "" : absl::StrCat("note: ", note),
       JoinNonEmpty({modlog::EntryReference(action.entry_id), EntryRelations(action)}, ", ")},
      " — ");
}

Json Time(TimePoint time) { return FormatIsoTime(time); }

Json Time(const std::optional<TimePoint>& time) { return time ? Time(*time) : Json(nullptr); }

Json Seconds(const std::optional<std::chrono::milliseconds>& span) {
  return span ? Json(std::chrono::duration_cast<std::chrono::seconds>(*span).count()) : Json(nullptr);
}

Json Url(std::string url) { return url.empty() ? Json(nullptr) : Json(std::move(url)); }

Json Optional(const std::optional<int64_t>& value) { return value ? Json(*value) : Json(nullptr); }

Json ActorJson(const Actor& actor) { return {{"name", actor.name}, {"worker_id", Optional(actor.worker_id)}}; }

Json ActionJson(const Action& action, const Links& links) {
  const ChainState& chain = action.chain;
  return {{"entry_id", action.entry_id},
          {"reference", modlog::EntryReference(action.entry_id)},
          {"at", Time(action.at)},
          {"action", kActionKinds.Db(action.action)},
          {"curator", ActorJson(action.curator)},
          {"target_kind", action.target_kind},
          {"target_id", action.target_id},
          {"target_url", Url(links.Target(action.target_kind, action.target_id))},
          {"title", action.title},
          {"channel_id", action.channel_id},
          {"channel_url", Url(links.Target(kChannel, action.channel_id))},
          {"justification", action.justification},
          {"policy_codes", action.policy_codes},
          {"note", action.note},
          {"reverts_entry_id", Optional(action.reverts_entry_id)},
          {"applies_entry_id", Optional(action.applies_entry_id)},
          {"chain",
           {{"status", kChainStatuses.Db(chain.status)},
            {"block", chain.block},
            {"extrinsic", chain.extrinsic},
            {"rationale", chain.rationale},
            {"at", Time(chain.at)}}},
          {"explorer_url", Url(links.Explorer(chain))}};
}

Json LateVideoJson(const LateVideo& video, const Links& links) {
  return {{"item_id", video.item_id},
          {"video_id", video.video_id},
          {"video_url", Url(links.Target(kVideo, video.video_id))},
          {"title", video.title},
          {"channel_id", video.channel_id},
          {"uploaded_at", Time(video.uploaded_at)},
          {"due_at", Time(video.due_at)},
          {"decided_at", Time(video.decided_at)},
          {"decision", video.decision},
          {"decided_by", video.decided_by}};
}

Json ChallengedJson(const ChallengedCensorship& censorship, const Links& links) {
  return {{"entry_id", censorship.entry_id},
          {"reference", modlog::EntryReference(censorship.entry_id)},
          {"target_kind", censorship.target_kind},
          {"target_id", censorship.target_id},
          {"target_url", Url(links.Target(censorship.target_kind, censorship.target_id))},
          {"title", censorship.title},
          {"censored_at", Time(censorship.censored_at)},
          {"censored_by", ActorJson(censorship.censored_by)},
          {"challenge", kChallenges.Db(censorship.challenge)},
          {"reverted", censorship.reverted},
          {"reverted_at", Time(censorship.reverted_at)},
          {"reverted_how", censorship.reverted_how},
          {"lead_decision", censorship.lead_decision}};
}

Json LogJson(const LogIntegrity& log) {
  return {{"intact", log.intact},
          {"entries_checked", log.entries_checked},
          {"head_hash", log.head_hash},
          {"broken_entry_id", log.intact ? Json(nullptr) : Json(log.broken_entry_id)},
          {"broken_position", log.intact ? Json(nullptr) : Json(log.broken_position)},
          {"problem", log.problem},
          {"break_in_period", log.break_in_period},
          {"period_entries", log.period_entries},
          {"first_position", log.first_position},
          {"last_position", log.last_position},
          {"unsealed", log.unsealed},
          {"unreconciled", log.unreconciled},
          {"chain_events_known_until", Time(log.chain_events_known_until)}};
}

Json IncidentJson(const FeaturedIncident& incident, const Links& links) {
  return {
      {"id", incident.id},
      {"slot", incident.slot},
      {"video_id", incident.video_id},
      {"video_url", Url(links.Target(kVideo, incident.video_id))},
      {"video_title", incident.video_title},
      {"category_name", incident.category_name},
      {"reason", incident.reason},
      {"broke_at", Time(incident.broke_at)},
      {"opened_at", Time(incident.opened_at)},
      {"deadline", Time(incident.deadline)},
      {"acknowledged_at", Time(incident.acknowledged_at)},
      {"acknowledged_by", incident.acknowledged_by},
      {"resolved_at", Time(incident.resolved_at)},
      {"resolved_by", incident.resolved_by},
      {"resolution", incident.resolution},
      {"fixed_in_time", incident.fixed_in_time},
      {"time_to_fix_seconds",
       incident.resolved_at
           ? Json(std::chrono::duration_cast<std::chrono::seconds>(*incident.resolved_at - incident.broke_at).count())
           : Json(nullptr)}};
}

Json FeaturingJson(const FeaturingChange& change, const Links& links) {
  return {{"slot", change.slot},
          {"category_name", change.category_name},
          {"video_id", change.video_id},
          {"video_url", Url(links.Target(kVideo, change.video_id))},
          {"video_title", change.video_title},
          {"replaced_video_id", change.replaced_video_id.empty() ? Json(nullptr) : Json(change.replaced_video_id)},
          {"from", Time(change.from)},
          {"until", Time(change.until)},
          {"status", change.status ? Json(probe::kVerdicts.Db(*change.status)) : Json(nullptr)},
          {"played_once", change.played_once},
          {"reason", change.reason},
          {"incident_ids", change.incident_ids}};
}

Json GroupsJson(const std::vector<VideoGroup>& groups) {
  Json out = Json::array();
  for (const VideoGroup& group : groups) {
    out.push_back({{"key", group.key},
                   {"videos", group.videos},
                   {"duration_seconds", group.duration_seconds},
                   {"bytes", group.bytes}});
  }
  return out;
}

Json StatisticsJson(const Report& report) {
  Json curators = Json::array();
  for (const CuratorActivity& activity : report.curators) {
    curators.push_back(
        {{"curator", ActorJson(activity.curator)}, {"by_action", activity.by_action}, {"total", activity.total}});
  }
  const ResponseTimes& response = report.response;
  const VideoStats& videos = report.videos;
  return {{"uploads", report.uploads},
          {"channels_created", report.channels_created},
          {"curators", std::move(curators)},
          {"decisions_by_action", report.decisions_by_action},
          {"response",
           {{"decided", response.decided},
            {"median_seconds", Seconds(response.median)},
            {"within_4h", response.within_4h},
            {"within_24h", response.within_24h},
            {"score", response.score}}},
          {"videos",
           {{"videos", videos.videos},
            {"duration_seconds", videos.duration_seconds},
            {"median_duration_seconds",
             videos.median_duration_seconds ? Json(*videos.median_duration_seconds) : Json(nullptr)},
            {"bytes", videos.bytes},
            {"by_category", GroupsJson(videos.by_category)},
            {"by_language", GroupsJson(videos.by_language)}}}};
}

Json ChartJson(const Report& report) {
  Json points = Json::array();
  for (const ChartPoint& point : report.chart) {
    points.push_back({{"at", Time(point.at)},
                      {"queue_depth", point.queue_depth},
                      {"decided", point.decided},
                      {"median_time_to_decision_seconds", Seconds(point.median_time_to_decision)}});
  }
  return {{"step_seconds", std::chrono::duration_cast<std::chrono::seconds>(report.chart_step).count()},
          {"points", std::move(points)}};
}

template <typename T, typename ToJson>
Json ListJson(const std::vector<T>& items, ToJson to_json) {
  Json out = Json::array();
  for (const T& item : items) {
    out.push_back(to_json(item));
  }
  return out;
}

}  // namespace

std::string RenderCsv(const Report& report, const Links& links) {
  std::string out = CsvRecord(CsvColumns(), ';');
  for (size_t i = 0; i < report.actions.size(); ++i) {
    const Action& action = report.actions[i];
    std::string kind = action.target_kind;
    if (!kind.empty()) {
      kind.front() = absl::ascii_toupper(static_cast<unsigned char>(kind.front()));
    }
    std::vector<std::string> cells = {absl::StrCat(i + 1),
                                      ActorName(action.curator),
                                      absl::StrCat(kind, "\\", action.target_id),
                                      links.Target(action.target_kind, action.target_id),
                                      links.Target(kChannel, action.channel_id),
                                      HistoricalAct(action.action),
                                      action.action == ActionKind::kWarn ? modlog::EntryReference(action.entry_id) : "",
                                      UtcDate(action.at),
                                      UtcTime(action.at),
                                      Reason(action, links),
                                      links.network};
    // One record a line, whatever the text holds.
    for (std::string& cell : cells) {
      cell = FormulaGuarded(OneLine(cell));
    }
    out += CsvRecord(cells, ';');
  }
  return out;
}

std::string RenderJson(const Report& report, const Links& links) {
  const auto action_json = [&](const Action& action) { return ActionJson(action, links); };
  const auto late_json = [&](const LateVideo& video) { return LateVideoJson(video, links); };
  const LogIntegrity& log = report.log;
  Json out = {
      {"period",
       {{"from", Time(report.period.from)}, {"to", Time(report.period.to)}, {"term", Optional(report.period.term)}}},
      {"generated_at", Time(report.generated_at)},
      {"summary",
       {{"errors", report.ErrorCounts()},
        {"late_videos", report.late_videos.size()},
        {"open_past_due", report.open_past_due.size()},
        {"unjustified_chain_actions", report.unjustified.size()},
        {"challenged_not_reverted", report.ChallengedNotReverted()},
        {"log_intact", log.intact},
        {"log_gaps", log.unsealed + log.unreconciled},
        {"chain_events_behind", report.ChainEventsBehind()},
        {"incidents_not_fixed_in_time", report.IncidentsNotFixedInTime()},
        {"actions", report.actions.size()},
        {"uploads", report.uploads}}},
      {"actions", ListJson(report.actions, action_json)},
      {"late_videos", ListJson(report.late_videos, late_json)},
      {"open_past_due", ListJson(report.open_past_due, late_json)},
      {"unjustified", ListJson(report.unjustified, action_json)},
      {"challenged",
       ListJson(report.challenged,
                [&](const ChallengedCensorship& censorship) { return ChallengedJson(censorship, links); })},
      {"log", LogJson(log)},
      {"incidents",
       ListJson(report.incidents, [&](const FeaturedIncident& incident) { return IncidentJson(incident, links); })},
      {"monitoring_outages", report.monitoring_outages},
      {"featuring",
       ListJson(report.featuring, [&](const FeaturingChange& change) { return FeaturingJson(change, links); })},
      {"statistics", StatisticsJson(report)},
      {"chart", ChartJson(report)}};
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace curation::report
