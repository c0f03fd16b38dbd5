#include <curation/report/rules.hpp>

#include <algorithm>
#include <set>

#include <absl/strings/str_cat.h>

#include <curation/alert/vocabulary.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <curation/modlog/entry.hpp>

namespace curation::report {

TimePoint CouncilDueAt(TimePoint uploaded_at) { return uploaded_at + kCouncilDeadline; }

TimePoint UploadedForDueAt(TimePoint due_at) { return due_at - kCouncilDeadline; }

TimePoint OpenUntil(const Period& period, TimePoint now) { return std::min(period.to, now); }

bool DecidedLate(const LateVideo& video, const Period& period, TimePoint now) {
  const bool due_in_period = video.due_at >= period.from && video.due_at < period.to;
  return due_in_period && (video.decided_at ? *video.decided_at > video.due_at : video.due_at < now);
}

bool OpenPastDue(const LateVideo& video, const Period& period, TimePoint now) {
  const bool open_at_end = !video.decided_at || *video.decided_at >= period.to;
  return open_at_end && video.due_at < OpenUntil(period, now);
}

namespace {

bool DeletedAssets(const LoggedEntry& entry) { return ingest::DeletesAssets(entry.event_kind); }

ChainState ChainStateOf(const ChainRecord& record, ChainStatus status) {
  return {.status = status, .block = record.block, .extrinsic = record.extrinsic, .rationale = record.rationale,
          .at = record.at};
}

// An entry of a warn, censor or revert: the log's kind is the action.
Action LoggedAction(Action action, ActionKind kind, const LoggedEntry& entry) {
  action.action = kind;
  if (kind == ActionKind::kWarn) {
    action.chain.status = ChainStatus::kOffChain;
  } else if (!entry.confirmation) {
    action.chain.status = ChainStatus::kPending;
  } else {
    action.chain = ChainStateOf(*entry.confirmation, ChainStatus::kConfirmed);
  }
  return action;
}

// An entry of an on-chain action: when it happened on chain, and what it did.
Action ChainAction(Action action, ChainStatus status, const LoggedEntry& entry) {
  action.action = DeletedAssets(entry)                    ? ActionKind::kDeleteAssets
                  : entry.chain_is_hidden.value_or(true) ? ActionKind::kHide
                                                          : ActionKind::kUnhide;
  action.at = entry.chain_event.at.value_or(action.at);
  action.chain = ChainStateOf(entry.chain_event, status);
  return action;
}

}  // namespace

std::optional<Action> ActionOf(const LoggedEntry& entry) {
  const Action logged{.entry_id = entry.id,
                      .at = entry.recorded_at,
                      .curator = entry.actor,
                      .target_kind = entry.target_kind,
                      .target_id = entry.target_id,
                      .title = entry.title,
                      .channel_id = entry.channel_id,
                      .justification = entry.justification,
                      .policy_codes = entry.policy_codes,
                      .note = entry.note,
                      .reverts_entry_id = entry.reverts_entry_id};
  switch (entry.kind) {
    case modlog::EntryKind::kApprove:
    case modlog::EntryKind::kEscalate:
      return std::nullopt;
    case modlog::EntryKind::kWarn:
      return LoggedAction(logged, ActionKind::kWarn, entry);
    case modlog::EntryKind::kCensor:
      return LoggedAction(logged, ActionKind::kCensor, entry);
    case modlog::EntryKind::kRevert:
      return LoggedAction(logged, ActionKind::kRevert, entry);
    case modlog::EntryKind::kChainConfirmed: {
      if (!DeletedAssets(entry)) {
        return std::nullopt;  // the hide or unhide of a censor or revert: that entry's chain status
      }
      // The deletion carries out a censor: its justification is the censor's.
      Action deletion = ChainAction(logged, ChainStatus::kConfirmed, entry);
      deletion.applies_entry_id = entry.confirms_entry_id;
      deletion.justification = entry.applied_justification;
      deletion.policy_codes = entry.applied_policy_codes;
      return deletion;
    }
    case modlog::EntryKind::kChainUnjustified:
      return ChainAction(logged, ChainStatus::kUnjustified, entry);
    case modlog::EntryKind::kChainPreexisting:
      return ChainAction(logged, ChainStatus::kPreexisting, entry);
  }
  return std::nullopt;
}

bool IsUnjustifiedCensorship(const Action& action) {
  return action.chain.status == ChainStatus::kUnjustified && action.action != ActionKind::kUnhide;
}

namespace {

ChallengedCensorship Challenged(const Censorship& censorship, Challenge challenge) {
  return {.entry_id = censorship.entry_id,
          .target_kind = censorship.target_kind,
          .target_id = censorship.target_id,
          .title = censorship.title,
          .censored_at = censorship.censored_at,
          .censored_by = censorship.censored_by,
          .challenge = challenge};
}

}  // namespace

ChallengedCensorship RevertedCensorship(const Censorship& censor, const RevertFacts& revert) {
  ChallengedCensorship challenged = Challenged(censor, Challenge::kReverted);
  challenged.reverted = revert.confirmed_block.has_value() || !revert.censor_on_chain;
  challenged.reverted_at = revert.reverted_at;
  challenged.reverted_how = absl::StrCat(modlog::EntryReference(revert.entry_id), " by ", revert.reverted_by, ": ",
                                         revert.justification);
  absl::StrAppend(&challenged.reverted_how,
                  !revert.censor_on_chain  ? "; the censor never reached the chain"
                  : challenged.reverted    ? absl::StrCat("; applied on chain in block ", *revert.confirmed_block)
                                           : "; not yet applied on chain");
  return challenged;
}

ChallengedCensorship UnjustifiedCensorship(const Censorship& censorship, const AftermathFacts& aftermath) {
  ChallengedCensorship challenged = Challenged(censorship, Challenge::kUnjustified);
  if (aftermath.unhidden_at) {
    challenged.reverted = true;
    challenged.reverted_at = aftermath.unhidden_at;
    challenged.reverted_how = absl::StrCat("made visible again on chain in block ", aftermath.unhidden_block);
  }
  if (aftermath.lead_action) {
    challenged.lead_decision =
        absl::StrCat(*aftermath.lead_action, " (", modlog::EntryReference(aftermath.lead_entry_id), ")");
  }
  return challenged;
}

bool BreakInPeriod(const LogIntegrity& log, bool broken_entry_in_period) {
  const bool position_inside = log.first_position > 0 && log.broken_position >= log.first_position &&
                               log.broken_position <= log.last_position;
  return position_inside || broken_entry_in_period;
}

bool IsFeaturedIncident(std::string_view slot) {
  const std::optional<alert::SlotKind> kind = alert::SlotKindOf(slot);
  if (!kind) {
    return true;  // counted rather than hidden: the council sees what it cannot place
  }
  switch (*kind) {
    case alert::SlotKind::kHero:
    case alert::SlotKind::kCategory:
      return true;
    case alert::SlotKind::kWatchdog:
      return false;
  }
  return true;
}

bool FixedInTime(const FeaturedIncident& incident, bool breached, TimePoint now) {
  return !breached && incident.resolved_at.value_or(now) <= incident.deadline;
}

void LinkFeaturingLog(std::vector<FeaturingChange>& featuring, const std::vector<FeaturedIncident>& incidents) {
  const FeaturingChange* hero_before = nullptr;
  for (FeaturingChange& change : featuring) {
    if (alert::SlotKindOf(change.slot) == alert::SlotKind::kHero) {
      change.replaced_video_id = hero_before != nullptr ? hero_before->video_id : "";
      hero_before = &change;
    }
    change.incident_ids.clear();
    for (const FeaturedIncident& incident : incidents) {
      if (incident.slot == change.slot && incident.video_id == change.video_id && incident.opened_at >= change.from &&
          (!change.until || incident.opened_at <= *change.until)) {
        change.incident_ids.push_back(incident.id);
      }
    }
  }
}

int64_t CountOf(CouncilError error, const Report& report) {
  switch (error) {
    case CouncilError::kLateDecision:
      return static_cast<int64_t>(report.late_videos.size());
    case CouncilError::kUnjustifiedCensorship: {
      // An unjustified hide left in place is both an unjustified action and a challenged censorship.
      std::set<int64_t> censorship;
      for (const Action& action : report.unjustified) {
        censorship.insert(action.entry_id);
      }
      for (const ChallengedCensorship& challenge : report.challenged) {
        if (!challenge.reverted) {
          censorship.insert(challenge.entry_id);
        }
      }
      return static_cast<int64_t>(censorship.size());
    }
    case CouncilError::kNoLogs:
      return (report.log.intact ? 0 : 1) + report.log.unsealed + report.log.unreconciled;
    case CouncilError::kUnplayableFeatured:
      return report.IncidentsNotFixedInTime();
  }
  return 0;
}

int64_t Report::IncidentsNotFixedInTime() const {
  return std::count_if(incidents.begin(), incidents.end(),
                       [](const FeaturedIncident& incident) { return !incident.fixed_in_time; });
}

int64_t Report::ChallengedNotReverted() const {
  return std::count_if(challenged.begin(), challenged.end(),
                       [](const ChallengedCensorship& censorship) { return !censorship.reverted; });
}

std::array<int64_t, 4> Report::ErrorCounts() const {
  std::array<int64_t, 4> counts{};
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = CountOf(kCouncilErrors.entries()[i].value, *this);
  }
  return counts;
}

bool Report::ChainEventsBehind() const {
  // Ingest polls every few seconds; a quarter of an hour behind is a stall, not a poll interval.
  constexpr auto kSlack = std::chrono::minutes(15);
  return !log.chain_events_known_until ||
         *log.chain_events_known_until < std::min(period.to, generated_at - kSlack);
}

}  // namespace curation::report
