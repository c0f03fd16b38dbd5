#pragma once
// The council's term report: what the moderation log, the review queue, ingest and alerting
// say about one period, arranged the way the council grades the Content Curator group (its
// four errors first), and the forms it is published in.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/probe/verdict.hpp>
#include <curation/report/vocabulary.hpp>

namespace curation::report {

/// [from, to); `term` when it was named by council term number.
struct Period {
  TimePoint from;
  TimePoint to;
  std::optional<int64_t> term;
};

/// Who acted: a principal of this pipeline, or the on-chain actor nobody here is known as.
struct Actor {
  std::string name;  // principal name; "curator 7", "lead", "member 12" when unknown here
  std::optional<int64_t> worker_id;
};

/// An action's state on chain.
struct ChainState {
  ChainStatus status = ChainStatus::kOffChain;
  int64_t block = 0;   // confirmed, unjustified, preexisting
  std::string extrinsic;
  std::string rationale;
  std::optional<TimePoint> at;
};

/// One moderation action: a warn, censor or revert in the log, an on-chain asset deletion, or
/// an on-chain hide or unhide no log entry accounts for.
struct Action {
  int64_t entry_id = 0;  // the log entry recording it
  TimePoint at;          // the decision, or the chain event
  ActionKind action = ActionKind::kWarn;
  Actor curator;
  std::string target_kind;  // video, channel
  std::string target_id;
  std::string title;
  std::string channel_id;  // the video's channel, or the channel itself
  std::string justification;
  std::vector<std::string> policy_codes;
  std::string note;
  std::optional<int64_t> reverts_entry_id;  // revert: the censor it undoes
  std::optional<int64_t> applies_entry_id;  // on-chain action: the log entry it applies
  ChainState chain;
};

/// Error 1: a video whose review item passed its 36 h deadline without a decision.
struct LateVideo {
  int64_t item_id = 0;
  std::string video_id;
  std::string title;
  std::string channel_id;
  TimePoint uploaded_at;
  TimePoint due_at;
  std::optional<TimePoint> decided_at;  // after due_at, or never
  std::string decision;                 // approve, warn, censor; empty while undecided
  std::string decided_by;
};

/// Error 2: censorship reverted, or challenged because no justified entry accounts for it.
struct ChallengedCensorship {
  int64_t entry_id = 0;  // the censor entry, or the unjustified chain action
  std::string target_kind;
  std::string target_id;
  std::string title;
  TimePoint censored_at;
  Actor censored_by;
  Challenge challenge = Challenge::kReverted;
  bool reverted = false;
  std::optional<TimePoint> reverted_at;
  std::string reverted_how;  // the revert entry or the on-chain unhide, in words
  std::string lead_decision;  // unjustified: what the lead decided on the escalated item
};

/// Error 3: whether the log can be trusted for the period.
struct LogIntegrity {
  bool intact = true;  // the whole chain verifies: a break anywhere taints what follows it
  int64_t entries_checked = 0;
  std::string head_hash;  // hex
  int64_t broken_entry_id = 0;
  int64_t broken_position = 0;
  std::string problem;
  bool break_in_period = false;
  int64_t period_entries = 0;
  int64_t first_position = 0;  // the period's stretch of the chain; 0 when none is sealed
  int64_t last_position = 0;
  int64_t unsealed = 0;       // the period's entries still waiting to be sealed
  int64_t unreconciled = 0;   // chain moderator events of the period with no log entry yet
  std::optional<TimePoint> chain_events_known_until;  // every event stream's last good poll
};

/// Error 4: a hero or featured video found unplayable.
struct FeaturedIncident {
  int64_t id = 0;
  std::string slot;  // hero, category:<id>
  std::string video_id;
  std::string video_title;
  std::string category_name;
  std::string reason;
  TimePoint broke_at;   // what the 1 h counts from
  TimePoint opened_at;  // detection
  TimePoint deadline;
  std::optional<TimePoint> acknowledged_at;
  std::string acknowledged_by;
  std::optional<TimePoint> resolved_at;
  std::string resolved_by;  // empty: the pipeline saw it fixed
  std::string resolution;
  bool fixed_in_time = true;  // false once the deadline passed unresolved
};

/// One video's time in a featured slot that overlaps the period, as alerting saw Orion feature
/// it: the hero, or a tile of a category's featured set.
struct FeaturingChange {
  std::string slot;  // hero, category:<id>
  std::string category_name;
  std::string video_id;
  std::string video_title;
  /// The hero it replaced (LinkReplacedHeroes); empty for a category's tile, and for the hero
  /// already in place when the period began.
  std::string replaced_video_id;
  TimePoint from;
  std::optional<TimePoint> until;  // none: still featured when the report was made
  /// Its last probe's verdict; none when never probed.
  std::optional<probe::Verdict> status;
  bool played_once = false;
  std::string reason;  // what the last probe found, when it did not play
  std::vector<int64_t> incident_ids;  // the incidents opened on it in the period
};

/// The decisions counted per curator, in the order the statistics show them.
inline constexpr std::array<modlog::EntryKind, 5> kCuratorDecisions = {
    modlog::EntryKind::kApprove, modlog::EntryKind::kWarn, modlog::EntryKind::kCensor, modlog::EntryKind::kEscalate,
    modlog::EntryKind::kRevert};

struct CuratorActivity {
  Actor curator;
  std::map<std::string, int64_t> by_action;  // by kCuratorDecisions' stored text
  int64_t total = 0;
};

/// Upload to decision, for videos decided in the period.
struct ResponseTimes {
  int64_t decided = 0;
  std::optional<std::chrono::milliseconds> median;
  double within_4h = 0;   // shares, 0..1
  double within_24h = 0;
  double score = 0;  // mean MODERATION_SCORE: 1 up to 4 h, falling linearly to 0 at 24 h
};

struct VideoGroup {
  std::string key;  // category name or language; empty when the video has none
  int64_t videos = 0;
  int64_t duration_seconds = 0;
  int64_t bytes = 0;
};

/// The videos uploaded in the period.
struct VideoStats {
  int64_t videos = 0;
  int64_t duration_seconds = 0;
  std::optional<double> median_duration_seconds;
  int64_t bytes = 0;
  std::vector<VideoGroup> by_category;
  std::vector<VideoGroup> by_language;
};

/// One step of the chart: the queue at its end, decisions within it.
struct ChartPoint {
  TimePoint at;  // the step's end
  int64_t queue_depth = 0;
  int64_t decided = 0;
  std::optional<std::chrono::milliseconds> median_time_to_decision;
};

struct Report {
  Period period;
  TimePoint generated_at;
  std::vector<Action> actions;  // oldest first
  // The four errors.
  std::vector<LateVideo> late_videos;      // due in the period, decided late or not at all
  std::vector<LateVideo> open_past_due;    // undecided and past due at the period's end
  std::vector<Action> unjustified;         // on-chain actions no justified entry accounts for
  std::vector<ChallengedCensorship> challenged;
  LogIntegrity log;
  std::vector<FeaturedIncident> incidents;  // opened in the period
  std::vector<FeaturingChange> featuring;   // featured at some time in the period, by start
  int64_t monitoring_outages = 0;           // watchdog incidents: the pipeline itself went blind
  // Statistics.
  int64_t uploads = 0;
  int64_t channels_created = 0;
  std::vector<CuratorActivity> curators;
  std::map<std::string, int64_t> decisions_by_action;
  ResponseTimes response;
  VideoStats videos;
  std::chrono::milliseconds chart_step{0};
  std::vector<ChartPoint> chart;

  int64_t IncidentsNotFixedInTime() const;
  int64_t ChallengedNotReverted() const;
  /// The four errors' headline counts, in the council's order (kCouncilErrors; what counts
  /// toward each: CountOf in rules.hpp). Every format shows these.
  std::array<int64_t, 4> ErrorCounts() const;
  /// Whether chain events were read only until well before the period's end (or before now,
  /// for a period not over): the report cannot vouch for chain actions after that.
  bool ChainEventsBehind() const;
};

/// How links in a report are made.
struct Links {
  std::string gleev_url;     // https://gleev.xyz
  std::string explorer_url;  // a template with {block} and/or {extrinsic}
  std::string network;       // the CSV's Network column

  std::string Target(std::string_view kind, const std::string& id) const;
  /// Empty for an action not on chain.
  std::string Explorer(const ChainState& chain) const;
};

/// A forum post: headline numbers, the four errors, statistics, then every action.
std::string RenderMarkdown(const Report& report, const Links& links);
/// The actions in the curators' historical log columns, `;`-separated.
std::string RenderCsv(const Report& report, const Links& links);
/// Everything, for tools.
std::string RenderJson(const Report& report, const Links& links);
/// A self-contained page: the Markdown's content plus a chart of queue depth and time to decision.
std::string RenderHtml(const Report& report, const Links& links);

/// The CSV's header, in the historical column order.
const std::vector<std::string>& CsvColumns();

}  // namespace curation::report
