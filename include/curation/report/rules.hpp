#pragma once
// The council's four errors and what counts toward each, as plain functions over plain values:
// when a video falls due and whether it was decided late; what a log entry did and where it
// stands on chain; which censorships are unjustified and which were reverted; whether a break
// of the log falls in the period; which incidents are the hero's or a featured video's and
// whether they were fixed in time. ReportStore reads the rows (narrowed by the bounds these
// give); these functions decide. No database and no clock: `now` is always an argument.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/modlog/vocabulary.hpp>
#include <curation/report/report.hpp>

namespace curation::report {

// Error 1: a video left without a decision more than 36 h after upload.

/// The council's deadline, whatever deadline the review queue is configured to show.
inline constexpr std::chrono::hours kCouncilDeadline{36};

TimePoint CouncilDueAt(TimePoint uploaded_at);
/// The upload time of a video due at `due_at`: a bound on uploads for reading rows by due time.
TimePoint UploadedForDueAt(TimePoint due_at);
/// Until when something still open counts: the period's end, or `now` for a period not over.
TimePoint OpenUntil(const Period& period, TimePoint now);
/// Due in the period and decided after its due time, or still undecided and past it `now`.
bool DecidedLate(const LateVideo& video, const Period& period, TimePoint now);
/// Undecided when the period ended and past due by then (by `now`, for a period not over).
bool OpenPastDue(const LateVideo& video, const Period& period, TimePoint now);

// Error 2: censorship without justification, or unjust censorship not reverted.

/// A chain event as the log recorded it.
struct ChainRecord {
  int64_t block = 0;
  std::string extrinsic;
  std::string rationale;
  std::optional<TimePoint> at;
};

/// A log entry as ReportStore reads it, with the chain events around it.
struct LoggedEntry {
  int64_t id = 0;
  modlog::EntryKind kind = modlog::EntryKind::kApprove;
  TimePoint recorded_at;
  Actor actor;
  std::string target_kind;
  std::string target_id;
  std::string title;
  std::string channel_id;
  std::string justification;
  std::vector<std::string> policy_codes;
  std::string note;
  std::optional<int64_t> reverts_entry_id;
  std::optional<int64_t> confirms_entry_id;
  // An entry recording an on-chain action: the moderator event, and what it did.
  std::string event_kind;                // ingest's moderator event kind, e.g. video_assets_deleted
  std::optional<bool> chain_is_hidden;  // a visibility event's new state
  ChainRecord chain_event;
  // A chain_confirmed entry: the justification and codes of the entry it carries out.
  std::string applied_justification;
  std::vector<std::string> applied_policy_codes;
  // A warn, censor or revert: the chain event that carried it out, once seen.
  std::optional<ChainRecord> confirmation;
};

/// The moderation action an entry records, and where it stands on chain; nullopt for an entry
/// that is none (an approval, an escalation, or the chain event that carried out a censor or
/// revert, which is that entry's chain status). A warn needs nothing on chain; a censor or revert
/// is pending until a chain event confirms it. An on-chain action (an asset deletion, or a hide
/// or unhide: a visibility event that does not say is taken as a hide) happened when the chain
/// says, is confirmed, preexisting or unjustified by its entry kind, and a confirmed deletion
/// carries the justification of the censor it applies.
std::optional<Action> ActionOf(const LoggedEntry& entry);

/// An on-chain action no justified entry accounts for that censored something: an unjustified
/// hide or deletion. (An unjustified unhide is listed among the actions, but censored nothing.)
bool IsUnjustifiedCensorship(const Action& action);

/// What was censored, when and by whom: a censor entry, or an unjustified on-chain action.
struct Censorship {
  int64_t entry_id = 0;
  std::string target_kind;
  std::string target_id;
  std::string title;
  TimePoint censored_at;
  Actor censored_by;
};

/// The lead's revert of a censor.
struct RevertFacts {
  int64_t entry_id = 0;
  TimePoint reverted_at;
  std::string reverted_by;
  std::string justification;
  bool censor_on_chain = false;           // a chain event carried out the censor
  std::optional<int64_t> confirmed_block;  // the chain event that carried out the revert
};

/// A censor reverted as unjust: reverted once the chain shows its target again, or at once when
/// the censor never reached the chain.
ChallengedCensorship RevertedCensorship(const Censorship& censor, const RevertFacts& revert);

/// What followed an unjustified on-chain censorship.
struct AftermathFacts {
  std::optional<TimePoint> unhidden_at;  // the first later event making the target visible again
  int64_t unhidden_block = 0;
  std::optional<std::string> lead_action;  // the lead's decision on the item the log raised for it
  int64_t lead_entry_id = 0;
};

/// An on-chain censorship no justified entry accounts for: reverted once the chain shows its
/// target again.
ChallengedCensorship UnjustifiedCensorship(const Censorship& censorship, const AftermathFacts& aftermath);

// Error 3: no logs.

/// Whether a broken log breaks inside the period: the broken position lies in the period's
/// stretch of the chain, or the broken entry was recorded in the period.
bool BreakInPeriod(const LogIntegrity& log, bool broken_entry_in_period);

// Error 4: the hero or a featured video unplayable and not fixed within 1 h.

/// An incident of the hero or a featured video; the others (the watchdog's) say the monitoring
/// itself went blind.
bool IsFeaturedIncident(std::string_view slot);
/// Never breached, and resolved by its deadline (or, still open, not past it `now`).
bool FixedInTime(const FeaturedIncident& incident, bool breached, TimePoint now);

/// The featuring log's links, given its rows by start: each hero names the hero before it, and
/// each row the incidents opened on its video in its slot while it was featured.
void LinkFeaturingLog(std::vector<FeaturingChange>& featuring, const std::vector<FeaturedIncident>& incidents);

/// What counts toward `error`: videos due in the period and decided late or never; unjustified
/// or challenged censorship left in place, each entry once; log problems (a broken chain,
/// entries not sealed, chain events not in the log); incidents not fixed within 1 h.
int64_t CountOf(CouncilError error, const Report& report);

}  // namespace curation::report
