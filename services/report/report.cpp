#include <curation/report/report.hpp>

#include <algorithm>
#include <charconv>
#include <utility>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_replace.h>

#include <curation/common/table.hpp>
#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>
#include <curation/modlog/entry.hpp>
#include <curation/report/rules.hpp>

#include "render_text.hpp"

namespace curation::report {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;


constexpr size_t kTitleCharacters = 80;

// An id goes into a URL path: anything but the unreserved characters is escaped, so an id
// cannot leave its path segment, start a query or end the link around it.
std::string PercentEncoded(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : raw) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += {'%', kHex[byte >> 4], kHex[byte & 0xF]};
    }
  }
  return out;
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  return error == std::errc() ? std::string(buffer, end) : absl::StrCat(value);
}

std::string Percent(double share) { return Fixed(share * 100, 1) + " %"; }

std::string Size(int64_t bytes) {
  return bytes >= 1'000'000'000 ? Fixed(bytes / 1e9, 2) + " GB" : Fixed(bytes / 1e6, 1) + " MB";
}

std::string HoursMinutes(int64_t seconds) {
  const int64_t minutes = seconds / 60 % 60;
  return absl::StrCat(seconds / 3600, minutes < 10 ? ":0" : ":", minutes);
}

std::string Span(TimePoint from, TimePoint to) { return HumanDuration(duration_cast<milliseconds>(to - from)); }

// "1 incident", "2 incidents".
std::string Counted(int64_t count, const char* one, const char* many) {
  return absl::StrCat(count, " ", count == 1 ? one : many);
}

std::string CountText(int64_t count) { return count == 0 ? "0 — none" : absl::StrCat(count); }

// When something still open is measured: the period's end, or now for a period not over yet.
TimePoint OpenUntil(const Report& report) { return OpenUntil(report.period, report.generated_at); }

Cell TargetCell(const Links& links, std::string_view kind, const std::string& id) {
  return {absl::StrCat(std::string(kind), " ", id), links.Target(kind, id)};
}

Cell VideoCell(const Links& links, const std::string& id) {
  return TargetCell(links, modlog::kTargetKinds.Db(modlog::TargetKind::kVideo), id);
}

// Collects the blocks; a table without rows becomes the word "none".
class Document {
 public:
  void Heading(int level, std::string text) {
    blocks_.push_back({.kind = Block::Kind::kHeading, .level = level, .text = std::move(text)});
  }
  void Paragraph(std::string text) { blocks_.push_back({.kind = Block::Kind::kParagraph, .text = std::move(text)}); }
  void Table(std::vector<std::string> columns, std::vector<std::vector<Cell>> rows) {
    if (rows.empty()) {
      Paragraph("none");
      return;
    }
    blocks_.push_back({.kind = Block::Kind::kTable, .columns = std::move(columns), .rows = std::move(rows)});
  }
  void Chart() { blocks_.push_back({.kind = Block::Kind::kChart}); }

  std::vector<Block> Take() && { return std::move(blocks_); }

 private:
  std::vector<Block> blocks_;
};

std::string ChainEventsBehindText(const Report& report) {
  const auto& known = report.log.chain_events_known_until;
  return known ? absl::StrCat("chain events were read only until ", UtcDateTime(*known),
                              ": on-chain actions after it are not checked here")
               : "when chain events were last read is unknown: on-chain actions are not checked here";
}

void LayOutTitle(Document& doc, const Report& report) {
  const Period& period = report.period;
  doc.Heading(1, period.term ? absl::StrCat("Report for council term ", *period.term)
                             : absl::StrCat("Report for ", UtcDateTime(period.from), " to ", UtcDateTime(period.to)));
  doc.Paragraph(absl::StrCat("Content Curator group, from ", UtcDateTime(period.from), " to ", UtcDateTime(period.to),
                             " (end excluded). Generated at ", UtcDateTime(report.generated_at),
                             ". All times are UTC."));
}

// What an error's count is made of, in words.
std::string ErrorDetails(CouncilError error, const Report& report) {
  switch (error) {
    case CouncilError::kLateDecision:
      return absl::StrCat(Counted(report.late_videos.size(), "video", "videos"),
                          " due in the period and decided late or not at all; ", report.open_past_due.size(),
                          " still undecided and past due at the end of the period (some perhaps due before it)");
    case CouncilError::kUnjustifiedCensorship:
      return absl::StrCat(Counted(report.unjustified.size(), "on-chain action", "on-chain actions"),
                          " no justified log entry accounts for; ",
                          Counted(report.ChallengedNotReverted(), "challenged censorship", "challenged censorships"),
                          " not reverted");
    case CouncilError::kNoLogs: {
      const LogIntegrity& log = report.log;
      std::string details =
          absl::StrCat(log.intact ? "the hash chain verifies" : "the hash chain is broken", "; ",
                       Counted(log.unsealed, "entry", "entries"), " not yet sealed; ",
                       Counted(log.unreconciled, "chain event", "chain events"), " not yet in the log");
      if (report.ChainEventsBehind()) {
        absl::StrAppend(&details, "; ", ChainEventsBehindText(report));
      }
      return details;
    }
    case CouncilError::kUnplayableFeatured:
      return absl::StrCat(Counted(report.incidents.size(), "incident", "incidents"), "; ",
                          Counted(report.monitoring_outages, "monitoring outage", "monitoring outages"));
  }
  return "";
}

void LayOutSummary(Document& doc, const Report& report) {
  std::vector<std::vector<Cell>> rows;
  for (size_t i = 0; i < kCouncilErrors.entries().size(); ++i) {
    const auto& error = kCouncilErrors.entries()[i];
    rows.push_back({{absl::StrCat(i + 1, ". ", std::string(error.human))},
                    {CountText(CountOf(error.value, report))},
                    {ErrorDetails(error.value, report)}});
  }
  doc.Heading(2, "Summary");
  doc.Table({"Error", "Count", "Details"}, std::move(rows));
}

void LayOutLateVideos(Document& doc, const Report& report, const Links& links) {
  const TimePoint open_until = OpenUntil(report);
  doc.Heading(2, "1. Videos without a decision within 36 h of upload");
  doc.Heading(3, "Due in the period, decided late or not at all");
  std::vector<std::vector<Cell>> late;
  for (const LateVideo& video : report.late_videos) {
    late.push_back({VideoCell(links, video.video_id),
                    {ShortTitle(video.title)},
                    {UtcDateTime(video.uploaded_at)},
                    {UtcDateTime(video.due_at)},
                    {video.decided_at ? UtcDateTime(*video.decided_at) : "not decided"},
                    {video.decision},
                    {video.decided_by},
                    {video.decided_at ? Span(video.due_at, *video.decided_at)
                                      : absl::StrCat("over ", Span(video.due_at, open_until))}});
  }
  doc.Table({"Video", "Title", "Uploaded", "Due", "Decided", "Decision", "By", "Late by"}, std::move(late));

  doc.Heading(3, "Still undecided and past due at the end of the period");
  std::vector<std::vector<Cell>> open;
  for (const LateVideo& video : report.open_past_due) {
    open.push_back({VideoCell(links, video.video_id),
                    {ShortTitle(video.title)},
                    {UtcDateTime(video.uploaded_at)},
                    {UtcDateTime(video.due_at)},
                    {Span(video.due_at, open_until)}});
  }
  doc.Table({"Video", "Title", "Uploaded", "Due", "Overdue by"}, std::move(open));
}

void LayOutCensorship(Document& doc, const Report& report, const Links& links) {
  doc.Heading(2, "2. Censorship without justification");
  doc.Heading(3, "On-chain actions no justified log entry accounts for");
  std::vector<std::vector<Cell>> unjustified;
  for (const Action& action : report.unjustified) {
    unjustified.push_back({{UtcDateTime(action.at)},
                           {ActionWord(action.action)},
                           TargetCell(links, action.target_kind, action.target_id),
                           {ShortTitle(action.title)},
                           {ActorName(action.curator)},
                           {absl::StrCat(action.chain.block), links.Explorer(action.chain)},
                           {action.chain.rationale},
                           {modlog::EntryReference(action.entry_id)}});
  }
  doc.Table({"When", "Action", "Target", "Title", "Actor", "Block", "On-chain rationale", "Log entry"},
            std::move(unjustified));

  doc.Heading(3, "Challenged censorships");
  std::vector<std::vector<Cell>> challenged;
  for (const ChallengedCensorship& censorship : report.challenged) {
    challenged.push_back(
        {TargetCell(links, censorship.target_kind, censorship.target_id),
         {ShortTitle(censorship.title)},
         {UtcDateTime(censorship.censored_at)},
         {ActorName(censorship.censored_by)},
         {absl::StrCat(std::string(kChallenges.Human(censorship.challenge)), " (", modlog::EntryReference(censorship.entry_id), ")")},
         {!censorship.reverted ? (censorship.reverted_how.empty() ? "no" : absl::StrCat("no: ", censorship.reverted_how))
          : censorship.reverted_at
              ? absl::StrCat("yes, ", UtcDateTime(*censorship.reverted_at), ": ", censorship.reverted_how)
              : absl::StrCat("yes: ", censorship.reverted_how)},
         {censorship.lead_decision.empty() ? "none" : censorship.lead_decision}});
  }
  doc.Table({"Target", "Title", "Censored", "By", "Challenge", "Reverted", "Lead decision"}, std::move(challenged));
}

void LayOutLog(Document& doc, const Report& report) {
  const LogIntegrity& log = report.log;
  doc.Heading(2, "3. The moderation log");
  doc.Paragraph(log.intact ? "The log's hash chain verifies."
                           : absl::StrCat("The log's hash chain is broken: ", log.problem, "."));
  if (report.ChainEventsBehind()) {
    std::string behind = ChainEventsBehindText(report);
    behind.front() = absl::ascii_toupper(static_cast<unsigned char>(behind.front()));
    doc.Paragraph(absl::StrCat(behind, "."));
  }
  std::string chain = "intact";
  if (!log.intact) {
    chain = absl::StrCat(
        "BROKEN at position ", log.broken_position, " (", modlog::EntryReference(log.broken_entry_id), "), ",
        log.break_in_period ? "inside the period" : "outside the period (every entry after it is tainted)");
  }
  doc.Table({"Check", "Value"},
            {{{"Hash chain"}, {std::move(chain)}},
             {{"Entries checked"}, {absl::StrCat(log.entries_checked)}},
             {{"Head hash"}, {log.head_hash}},
             {{"The period's chain positions"},
              {log.first_position == 0 ? "none sealed" : absl::StrCat(log.first_position, "–", log.last_position)}},
             {{"Entries in the period"}, {absl::StrCat(log.period_entries)}},
             {{"Entries not yet sealed"}, {absl::StrCat(log.unsealed)}},
             {{"Chain events not yet in the log"}, {absl::StrCat(log.unreconciled)}},
             {{"Chain events known until"},
              {log.chain_events_known_until ? UtcDateTime(*log.chain_events_known_until) : "unknown"}}});
}

std::string WhenAndWho(TimePoint at, const std::string& who) { return absl::StrCat(UtcDateTime(at), " by ", who); }

// How a featured video played at its last probe, in words.
std::string PlayedWords(const FeaturingChange& change) {
  if (!change.status) {
    return "not probed";
  }
  std::string words(probe::kVerdicts.Human(*change.status));
  if (*change.status != probe::Verdict::kPlayable && !change.reason.empty()) {
    absl::StrAppend(&words, ": ", change.reason);
  }
  if (*change.status == probe::Verdict::kUnplayable && change.played_once) {
    absl::StrAppend(&words, " (played before)");
  }
  return words;
}

// Every video featured during the period, as Orion featured it, whoever set it: the hero each
// replaced, how long each stayed, how it played, and the incidents opened on it.
void LayOutFeaturingLog(Document& doc, const Report& report, const Links& links) {
  doc.Heading(3, "Featuring log");
  std::vector<std::vector<Cell>> rows;
  for (const FeaturingChange& change : report.featuring) {
    std::vector<std::string> incidents;
    for (int64_t id : change.incident_ids) {
      incidents.push_back(absl::StrCat("#", id));
    }
    rows.push_back(
        {{change.category_name.empty() ? change.slot : absl::StrCat(change.slot, " (", change.category_name, ")")},
         VideoCell(links, change.video_id),
         {ShortTitle(change.video_title)},
         change.replaced_video_id.empty() ? Cell{"-"} : VideoCell(links, change.replaced_video_id),
         {UtcDateTime(change.from)},
         {change.until ? UtcDateTime(*change.until) : "still featured"},
         {change.until ? Span(change.from, *change.until)
                       : absl::StrCat(Span(change.from, report.generated_at), " so far")},
         {PlayedWords(change)},
         {incidents.empty() ? "none" : absl::StrJoin(incidents, ", ")}});
  }
  doc.Table({"Slot", "Video", "Title", "Replaced", "From", "Until", "Stayed", "Played", "Incidents"}, std::move(rows));
}

void LayOutIncidents(Document& doc, const Report& report, const Links& links) {
  doc.Heading(2, "4. Hero and featured videos unplayable");
  doc.Paragraph(absl::StrCat(Counted(report.incidents.size(), "incident", "incidents"), " in the period; ",
                             report.IncidentsNotFixedInTime(), " not fixed within 1 h."));
  std::vector<std::vector<Cell>> incidents;
  for (const FeaturedIncident& incident : report.incidents) {
    std::string resolved = "not resolved";
    if (incident.resolved_at) {
      resolved =
          WhenAndWho(*incident.resolved_at, incident.resolved_by.empty() ? "the pipeline" : incident.resolved_by);
      if (!incident.resolution.empty()) {
        absl::StrAppend(&resolved, ": ", incident.resolution);
      }
    }
    std::string in_time = incident.fixed_in_time ? "yes" : "no";
    if (incident.fixed_in_time && !incident.resolved_at) {
      in_time = absl::StrCat("open, due ", UtcDateTime(incident.deadline));
    }
    incidents.push_back(
        {{incident.category_name.empty() ? incident.slot
                                         : absl::StrCat(incident.slot, " (", incident.category_name, ")")},
         VideoCell(links, incident.video_id),
         {ShortTitle(incident.video_title)},
         {incident.reason},
         {UtcDateTime(incident.broke_at)},
         {UtcDateTime(incident.opened_at)},
         {incident.acknowledged_at ? WhenAndWho(*incident.acknowledged_at, incident.acknowledged_by) : "no"},
         {std::move(resolved)},
         {incident.resolved_at ? Span(incident.broke_at, *incident.resolved_at) : "not fixed"},
         {std::move(in_time)}});
  }
  doc.Table({"Slot", "Video", "Title", "Reason", "Broke at", "Detected", "Acknowledged", "Resolved", "Time to fix",
             "Within 1 h"},
            std::move(incidents));
  if (report.monitoring_outages > 0) {
    doc.Paragraph(absl::StrCat("The monitoring itself went blind ", Counted(report.monitoring_outages, "time", "times"),
                               " (watchdog incidents): unplayable videos may have gone unseen then."));
  }
  LayOutFeaturingLog(doc, report, links);
}

std::vector<std::vector<Cell>> GroupRows(const std::vector<VideoGroup>& groups) {
  std::vector<std::vector<Cell>> rows;
  for (const VideoGroup& group : groups) {
    rows.push_back({{group.key.empty() ? "(none)" : group.key},
                    {absl::StrCat(group.videos)},
                    {HoursMinutes(group.duration_seconds)},
                    {Size(group.bytes)}});
  }
  return rows;
}

void LayOutStatistics(Document& doc, const Report& report) {
  doc.Heading(2, "Statistics");
  doc.Table({"Figure", "Value"}, {{{"Videos uploaded"}, {absl::StrCat(report.uploads)}},
                                  {{"Channels created"}, {absl::StrCat(report.channels_created)}}});

  doc.Heading(3, "Decisions per curator");
  std::vector<std::vector<Cell>> curators;
  for (const CuratorActivity& activity : report.curators) {
    std::vector<Cell> row = {{activity.curator.name},
                             {activity.curator.worker_id ? absl::StrCat(*activity.curator.worker_id) : ""}};
    for (modlog::EntryKind decision : kCuratorDecisions) {
      auto count = activity.by_action.find(std::string(modlog::kEntryKinds.Db(decision)));
      row.push_back({absl::StrCat(count == activity.by_action.end() ? 0 : count->second)});
    }
    row.push_back({absl::StrCat(activity.total)});
    curators.push_back(std::move(row));
  }
  doc.Table({"Curator", "Worker", "Approve", "Warn", "Censor", "Escalate", "Revert", "Total"}, std::move(curators));

  doc.Heading(3, "Decisions per action");
  std::vector<std::vector<Cell>> actions;
  for (const auto& [action, count] : report.decisions_by_action) {
    actions.push_back({{action}, {absl::StrCat(count)}});
  }
  doc.Table({"Action", "Decisions"}, std::move(actions));

  const ResponseTimes& response = report.response;
  doc.Heading(3, "Response times, upload to decision");
  doc.Table({"Figure", "Value"}, {{{"Videos decided"}, {absl::StrCat(response.decided)}},
                                  {{"Median"}, {response.median ? HumanDuration(*response.median) : "none decided"}},
                                  {{"Decided within 4 h"}, {Percent(response.within_4h)}},
                                  {{"Decided within 24 h"}, {Percent(response.within_24h)}},
                                  {{"Mean response score (0 to 1)"}, {Fixed(response.score, 2)}}});
  doc.Chart();

  const VideoStats& videos = report.videos;
  doc.Heading(3, "Videos uploaded");
  doc.Table({"Figure", "Value"},
            {{{"Videos"}, {absl::StrCat(videos.videos)}},
             {{"Total duration (h:mm)"}, {HoursMinutes(videos.duration_seconds)}},
             {{"Median duration"},
              {videos.median_duration_seconds
                   ? HumanDuration(milliseconds(static_cast<int64_t>(*videos.median_duration_seconds * 1000)))
                   : "none"}},
             {{"Total size"}, {Size(videos.bytes)}}});
  doc.Heading(3, "Videos per category");
  doc.Table({"Category", "Videos", "Duration (h:mm)", "Size"}, GroupRows(videos.by_category));
  doc.Heading(3, "Videos per language");
  doc.Table({"Language", "Videos", "Duration (h:mm)", "Size"}, GroupRows(videos.by_language));
}

void LayOutActions(Document& doc, const Report& report, const Links& links) {
  doc.Heading(2, "Every moderation action");
  std::vector<std::vector<Cell>> rows;
  for (size_t i = 0; i < report.actions.size(); ++i) {
    const Action& action = report.actions[i];
    rows.push_back({{absl::StrCat(i + 1)},
                    {modlog::EntryReference(action.entry_id)},
                    {UtcDateTime(action.at)},
                    {ActorName(action.curator)},
                    {ActionWord(action.action)},
                    TargetCell(links, action.target_kind, action.target_id),
                    {ShortTitle(action.title)},
                    {action.justification},
                    {absl::StrJoin(action.policy_codes, ", ")},
                    {ChainStatusText(action.chain), links.Explorer(action.chain)},
                    {action.chain.rationale},
                    {JoinNonEmpty({NoteBeyondJustification(action), EntryRelations(action)}, "; ")}});
  }
  doc.Table({"#", "Log entry", "Time", "Curator", "Action", "Target", "Title", "Justification", "Policy codes",
             "On chain", "On-chain rationale", "Notes"},
            std::move(rows));
}

}  // namespace

std::string Links::Target(std::string_view kind, const std::string& id) const {
  if (id.empty()) {
    return "";
  }
  std::string base = gleev_url;
  while (base.ends_with('/')) {
    base.pop_back();
  }
  return absl::StrCat(base, "/", PercentEncoded(kind), "/", PercentEncoded(id));
}

std::string Links::Explorer(const ChainState& chain) const {
  const bool needs_extrinsic = explorer_url.find("{extrinsic}") != std::string::npos;
  if (chain.block == 0 || chain.status == ChainStatus::kPending || chain.status == ChainStatus::kOffChain ||
      (needs_extrinsic && chain.extrinsic.empty())) {
    return "";
  }
  return absl::StrReplaceAll(
      explorer_url, {{"{block}", absl::StrCat(chain.block)}, {"{extrinsic}", PercentEncoded(chain.extrinsic)}});
}

const std::vector<std::string>& CsvColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      "Number", "Content Curator",          "Type",   "ID entities", "Owner entities", "Act", "Warn (link)", "Date",
      "Time",   "Reason or other comments", "Network"};
  return *kColumns;
}

std::string ShortTitle(std::string_view raw) { return Fit(OneLine(raw), kTitleCharacters); }

bool IsWebUrl(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return false;
  }
  return std::none_of(url.begin(), url.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte >= 0x7F || std::string_view("\"'<>()\\`").find(c) != std::string_view::npos;
  });
}

std::string UtcDate(TimePoint time) { return FormatIsoTime(time).substr(0, 10); }

std::string UtcTime(TimePoint time) { return FormatIsoTime(time).substr(11, 8); }

std::string UtcDateTime(TimePoint time) { return absl::StrCat(UtcDate(time), " ", UtcTime(time)); }

std::string ActionWord(ActionKind action) { return std::string(kActionKinds.Human(action)); }

std::string ActorName(const Actor& actor) {
  return actor.worker_id ? absl::StrCat(actor.name, " (worker ", *actor.worker_id, ")") : actor.name;
}

std::string NoteBeyondJustification(const Action& action) {
  return action.note == action.justification ? "" : action.note;
}

std::string EntryRelations(const Action& action) {
  return JoinNonEmpty(
      {action.reverts_entry_id ? absl::StrCat("reverts ", modlog::EntryReference(*action.reverts_entry_id)) : "",
       action.applies_entry_id ? absl::StrCat("applies ", modlog::EntryReference(*action.applies_entry_id)) : ""},
      ", ");
}

std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!part.empty()) {
      joined += joined.empty() ? "" : separator;
      joined += part;
    }
  }
  return joined;
}

std::string ChainStatusText(const ChainState& chain) {
  const std::string word(kChainStatuses.Human(chain.status));
  std::string where = absl::StrCat("block ", chain.block);
  if (!chain.extrinsic.empty()) {
    absl::StrAppend(&where, ", extrinsic ", chain.extrinsic);
  }
  switch (chain.status) {
    case ChainStatus::kPending:
    case ChainStatus::kOffChain:
      return word;
    case ChainStatus::kConfirmed:
      return absl::StrCat(word, " in ", where);
    case ChainStatus::kUnjustified:
    case ChainStatus::kPreexisting:
      return absl::StrCat(word, ", in ", where);
  }
  return absl::StrCat(word, ", ", where);
}

std::vector<Block> LayOut(const Report& report, const Links& links) {
  Document doc;
  LayOutTitle(doc, report);
  LayOutSummary(doc, report);
  LayOutLateVideos(doc, report, links);
  LayOutCensorship(doc, report, links);
  LayOutLog(doc, report);
  LayOutIncidents(doc, report, links);
  LayOutStatistics(doc, report);
  LayOutActions(doc, report, links);
  return std::move(doc).Take();
}

}  // namespace curation::report
