// The council's rules for its four errors, on values built by hand: no database, no clock.

#include <gtest/gtest.h>

#include <curation/report/rules.hpp>

namespace curation::report {
namespace {

using namespace std::chrono_literals;
using modlog::EntryKind;

const TimePoint kStart = std::chrono::sys_days{std::chrono::March / 1 / 2026};
const Period kPeriod = {.from = kStart, .to = kStart + 24h};

LateVideo UploadedAt(TimePoint uploaded_at, std::optional<TimePoint> decided_at = std::nullopt) {
  return {.item_id = 1, .video_id = "7", .uploaded_at = uploaded_at, .due_at = CouncilDueAt(uploaded_at),
          .decided_at = decided_at};
}

TEST(LateDecisionTest, TheCouncilsDeadlineIs36HoursAfterUpload) {
  EXPECT_EQ(CouncilDueAt(kStart), kStart + 36h);
  EXPECT_EQ(UploadedForDueAt(kStart + 36h), kStart);
  EXPECT_EQ(OpenUntil(kPeriod, kStart + 30h), kPeriod.to) << "a period over counts until its end";
  EXPECT_EQ(OpenUntil(kPeriod, kStart + 2h), kStart + 2h) << "a period not over counts until now";
}

TEST(LateDecisionTest, AVideoDueInThePeriodIsLateWhenDecidedAfterItsDueTimeOrNotAtAll) {
  const TimePoint due_at_noon = kStart + 12h - 36h;  // uploaded so that it falls due at 12:00
  const TimePoint now = kStart + 48h;
  EXPECT_TRUE(DecidedLate(UploadedAt(due_at_noon, kStart + 13h), kPeriod, now));
  EXPECT_FALSE(DecidedLate(UploadedAt(due_at_noon, kStart + 12h), kPeriod, now)) << "decided at its due time";
  EXPECT_FALSE(DecidedLate(UploadedAt(due_at_noon, kStart + 1h), kPeriod, now));
  EXPECT_TRUE(DecidedLate(UploadedAt(due_at_noon), kPeriod, now)) << "never decided";
  EXPECT_FALSE(DecidedLate(UploadedAt(due_at_noon), kPeriod, kStart + 11h)) << "not due yet now";
  // Due the day before, or the day after: another period's error.
  EXPECT_FALSE(DecidedLate(UploadedAt(due_at_noon - 24h), kPeriod, now));
  EXPECT_FALSE(DecidedLate(UploadedAt(due_at_noon + 24h), kPeriod, now));
  EXPECT_TRUE(DecidedLate(UploadedAt(kStart - 36h), kPeriod, now)) << "due as the period starts";
  EXPECT_FALSE(DecidedLate(UploadedAt(kStart + 24h - 36h), kPeriod, now)) << "due as the period ends";
}

TEST(LateDecisionTest, OpenPastDueIsUndecidedAtThePeriodsEndAndDueBeforeIt) {
  const TimePoint now = kStart + 48h;
  EXPECT_TRUE(OpenPastDue(UploadedAt(kStart - 40h), kPeriod, now));
  EXPECT_TRUE(OpenPastDue(UploadedAt(kStart - 40h, kPeriod.to + 1h), kPeriod, now)) << "decided only after the end";
  EXPECT_FALSE(OpenPastDue(UploadedAt(kStart - 40h, kPeriod.to - 1h), kPeriod, now));
  EXPECT_FALSE(OpenPastDue(UploadedAt(kPeriod.to - 12h), kPeriod, now)) << "due only after the end";
  EXPECT_FALSE(OpenPastDue(UploadedAt(kStart - 30h), kPeriod, kStart + 2h)) << "not past due yet now";
  EXPECT_TRUE(OpenPastDue(UploadedAt(kStart - 40h), kPeriod, kStart + 2h));
}

LoggedEntry Entry(EntryKind kind) {
  return {.id = 5,
          .kind = kind,
          .recorded_at = kStart + 1h,
          .actor = {.name = "cora", .worker_id = 7},
          .target_kind = "video",
          .target_id = "3",
          .justification = "copyright",
          .policy_codes = {"C-1"},
          .chain_event = {.block = 900, .extrinsic = "0xabc", .rationale = "spam", .at = kStart + 30min}};
}

TEST(ActionTest, AWarnNeedsNothingOnChainAndACensorWaitsForTheChain) {
  auto warn = ActionOf(Entry(EntryKind::kWarn));
  ASSERT_TRUE(warn);
  EXPECT_EQ(warn->action, ActionKind::kWarn);
  EXPECT_EQ(warn->chain.status, ChainStatus::kOffChain);
  EXPECT_EQ(warn->at, kStart + 1h);

  auto pending = ActionOf(Entry(EntryKind::kCensor));
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->action, ActionKind::kCensor);
  EXPECT_EQ(pending->chain.status, ChainStatus::kPending);
  EXPECT_EQ(pending->chain.block, 0);

  LoggedEntry confirmed = Entry(EntryKind::kRevert);
  confirmed.reverts_entry_id = 4;
  confirmed.confirmation = ChainRecord{.block = 950, .extrinsic = "0xdef", .at = kStart + 2h};
  auto revert = ActionOf(confirmed);
  ASSERT_TRUE(revert);
  EXPECT_EQ(revert->action, ActionKind::kRevert);
  EXPECT_EQ(revert->chain.status, ChainStatus::kConfirmed);
  EXPECT_EQ(revert->chain.block, 950);
  EXPECT_EQ(revert->chain.at, kStart + 2h);
  EXPECT_EQ(revert->at, kStart + 1h) << "a logged action is dated by its decision";
  EXPECT_EQ(revert->reverts_entry_id, 4);
}

TEST(ActionTest, AnOnChainActionIsDatedByTheChainAndNamedByWhatItDid) {
  LoggedEntry hide = Entry(EntryKind::kChainUnjustified);
  hide.chain_is_hidden = true;
  auto hidden = ActionOf(hide);
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->action, ActionKind::kHide);
  EXPECT_EQ(hidden->chain.status, ChainStatus::kUnjustified);
  EXPECT_EQ(hidden->chain.rationale, "spam");
  EXPECT_EQ(hidden->at, kStart + 30min);

  hide.chain_is_hidden = std::nullopt;
  EXPECT_EQ(ActionOf(hide)->action, ActionKind::kHide) << "a visibility event that does not say is a hide";
  hide.chain_is_hidden = false;
  EXPECT_EQ(ActionOf(hide)->action, ActionKind::kUnhide);

  LoggedEntry old = Entry(EntryKind::kChainPreexisting);
  old.event_kind = "channel_assets_deleted";
  EXPECT_EQ(ActionOf(old)->action, ActionKind::kDeleteAssets);
  EXPECT_EQ(ActionOf(old)->chain.status, ChainStatus::kPreexisting);

  LoggedEntry deletion = Entry(EntryKind::kChainConfirmed);
  deletion.event_kind = "video_assets_deleted";
  deletion.justification = "";
  deletion.confirms_entry_id = 4;
  deletion.applied_justification = "malware";
  deletion.applied_policy_codes = {"M-1"};
  auto deleted = ActionOf(deletion);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->action, ActionKind::kDeleteAssets);
  EXPECT_EQ(deleted->chain.status, ChainStatus::kConfirmed);
  EXPECT_EQ(deleted->applies_entry_id, 4);
  EXPECT_EQ(deleted->justification, "malware") << "the censor's justification";
  EXPECT_EQ(deleted->policy_codes, std::vector<std::string>{"M-1"});
}

TEST(ActionTest, ApprovalsEscalationsAndTheHideOfACensorAreNoActionsOfTheirOwn) {
  EXPECT_FALSE(ActionOf(Entry(EntryKind::kApprove)));
  EXPECT_FALSE(ActionOf(Entry(EntryKind::kEscalate)));
  LoggedEntry carried_out = Entry(EntryKind::kChainConfirmed);
  carried_out.chain_is_hidden = true;
  EXPECT_FALSE(ActionOf(carried_out)) << "it is the censor's chain status";
}

TEST(UnjustifiedCensorshipTest, AnUnjustifiedHideOrDeletionCountsAndAnUnhideDoesNot) {
  Action action{.action = ActionKind::kHide, .chain = {.status = ChainStatus::kUnjustified}};
  EXPECT_TRUE(IsUnjustifiedCensorship(action));
  action.action = ActionKind::kDeleteAssets;
  EXPECT_TRUE(IsUnjustifiedCensorship(action));
  action.action = ActionKind::kUnhide;
  EXPECT_FALSE(IsUnjustifiedCensorship(action));
  action = {.action = ActionKind::kHide, .chain = {.status = ChainStatus::kPreexisting}};
  EXPECT_FALSE(IsUnjustifiedCensorship(action));
  action = {.action = ActionKind::kCensor, .chain = {.status = ChainStatus::kConfirmed}};
  EXPECT_FALSE(IsUnjustifiedCensorship(action));
}

const Censorship kCensor = {.entry_id = 12,
                            .target_kind = "video",
                            .target_id = "8",
                            .title = "Pirated film",
                            .censored_at = kStart + 3h,
                            .censored_by = {.name = "dan", .worker_id = 9}};

TEST(UnjustifiedCensorshipTest, ARevertCountsOnceTheChainShowsTheTargetAgain) {
  RevertFacts revert{.entry_id = 13,
                     .reverted_at = kStart + 5h,
                     .reverted_by = "lena",
                     .justification = "licence proven",
                     .censor_on_chain = true};
  ChallengedCensorship pending = RevertedCensorship(kCensor, revert);
  EXPECT_EQ(pending.entry_id, 12);
  EXPECT_EQ(pending.censored_by.name, "dan");
  EXPECT_EQ(pending.challenge, Challenge::kReverted);
  EXPECT_FALSE(pending.reverted);
  EXPECT_EQ(pending.reverted_at, kStart + 5h);
  EXPECT_EQ(pending.reverted_how, "curation-log#13 by lena: licence proven; not yet applied on chain");

  revert.confirmed_block = 777;
  ChallengedCensorship applied = RevertedCensorship(kCensor, revert);
  EXPECT_TRUE(applied.reverted);
  EXPECT_EQ(applied.reverted_how, "curation-log#13 by lena: licence proven; applied on chain in block 777");

  revert = {.entry_id = 13, .reverted_at = kStart + 5h, .reverted_by = "lena", .justification = "licence proven"};
  ChallengedCensorship never = RevertedCensorship(kCensor, revert);
  EXPECT_TRUE(never.reverted) << "nothing to undo on chain";
  EXPECT_EQ(never.reverted_how, "curation-log#13 by lena: licence proven; the censor never reached the chain");
}

TEST(UnjustifiedCensorshipTest, AnUnjustifiedHideIsRevertedWhenMadeVisibleAgain) {
  ChallengedCensorship left = UnjustifiedCensorship(kCensor, {});
  EXPECT_EQ(left.challenge, Challenge::kUnjustified);
  EXPECT_FALSE(left.reverted);
  EXPECT_EQ(left.reverted_how, "");
  EXPECT_EQ(left.lead_decision, "");

  ChallengedCensorship undone = UnjustifiedCensorship(
      kCensor, {.unhidden_at = kStart + 9h, .unhidden_block = 1200, .lead_action = "censor", .lead_entry_id = 16});
  EXPECT_TRUE(undone.reverted);
  EXPECT_EQ(undone.reverted_at, kStart + 9h);
  EXPECT_EQ(undone.reverted_how, "made visible again on chain in block 1200");
  EXPECT_EQ(undone.lead_decision, "censor (curation-log#16)");
}

TEST(LogTest, ABreakIsInThePeriodByItsPositionOrByItsEntry) {
  LogIntegrity log{.intact = false, .broken_position = 12, .first_position = 10, .last_position = 15};
  EXPECT_TRUE(BreakInPeriod(log, false));
  log.broken_position = 9;
  EXPECT_FALSE(BreakInPeriod(log, false));
  EXPECT_TRUE(BreakInPeriod(log, true)) << "an entry of the period not sealed yet";
  log.first_position = 0;  // nothing of the period is sealed
  log.last_position = 0;
  log.broken_position = 0;
  EXPECT_FALSE(BreakInPeriod(log, false));
}

TEST(IncidentTest, OnlyTheHerosAndFeaturedVideosIncidentsCount) {
  EXPECT_TRUE(IsFeaturedIncident("hero"));
  EXPECT_TRUE(IsFeaturedIncident("category:254433-2"));
  EXPECT_FALSE(IsFeaturedIncident("watchdog"));
  EXPECT_TRUE(IsFeaturedIncident("sidebar")) << "a slot this version does not know is counted, not hidden";
}

TEST(IncidentTest, FixedInTimeIsResolvedByTheDeadlineAndNeverBreached) {
  const FeaturedIncident open{.broke_at = kStart, .opened_at = kStart + 2min, .deadline = kStart + 1h};
  FeaturedIncident resolved = open;
  resolved.resolved_at = kStart + 20min;
  EXPECT_TRUE(FixedInTime(resolved, false, kStart + 5h));
  resolved.resolved_at = kStart + 1h;
  EXPECT_TRUE(FixedInTime(resolved, false, kStart + 5h)) << "at the deadline itself";
  resolved.resolved_at = kStart + 70min;
  EXPECT_FALSE(FixedInTime(resolved, false, kStart + 5h));
  EXPECT_TRUE(FixedInTime(open, false, kStart + 30min)) << "still open, not due yet";
  EXPECT_FALSE(FixedInTime(open, false, kStart + 61min)) << "still open past its deadline";
  resolved.resolved_at = kStart + 20min;
  EXPECT_FALSE(FixedInTime(resolved, true, kStart + 5h)) << "once breached, always late";
}

// Issue 17: the featuring log says which hero each replaced and which incidents were opened on it.
TEST(FeaturingLogTest, EachHeroNamesTheOneBeforeItAndItsIncidents) {
  std::vector<FeaturingChange> featuring = {
      {.slot = "hero", .video_id = "1", .from = kStart - 5h, .until = kStart + 2h},
      {.slot = "category:7", .video_id = "5", .from = kStart - 5h},
      {.slot = "hero", .video_id = "2", .from = kStart + 2h, .until = kStart + 4h},
      {.slot = "hero", .video_id = "1", .from = kStart + 4h},
  };
  const std::vector<FeaturedIncident> incidents = {
      {.id = 11, .slot = "hero", .video_id = "2", .opened_at = kStart + 3h},
      {.id = 12, .slot = "category:7", .video_id = "5", .opened_at = kStart + 1h},
      {.id = 13, .slot = "hero", .video_id = "1", .opened_at = kStart + 3h},  // 1 was not the hero then
      {.id = 14, .slot = "category:7", .video_id = "2", .opened_at = kStart + 3h},  // 2 not in the category
  };
  LinkFeaturingLog(featuring, incidents);
  EXPECT_EQ(featuring[0].replaced_video_id, "") << "the hero in place when the period began";
  EXPECT_EQ(featuring[1].replaced_video_id, "") << "a category's tile replaces no one in particular";
  EXPECT_EQ(featuring[2].replaced_video_id, "1");
  EXPECT_EQ(featuring[3].replaced_video_id, "2");
  EXPECT_EQ(featuring[0].incident_ids, std::vector<int64_t>{});
  EXPECT_EQ(featuring[1].incident_ids, std::vector<int64_t>{12});
  EXPECT_EQ(featuring[2].incident_ids, std::vector<int64_t>{11});
  EXPECT_EQ(featuring[3].incident_ids, std::vector<int64_t>{}) << "13 was opened before 1 came back";
}

TEST(CouncilErrorTest, EachErrorCountsWhatTheCouncilGradesInItsOrder) {
  Report report;
  report.late_videos = {UploadedAt(kStart - 30h), UploadedAt(kStart - 20h)};
  report.open_past_due = {report.late_videos[0]};
  // Entry 15 is an unjustified hide left in place: listed twice, counted once.
  report.unjustified = {Action{.entry_id = 15}, Action{.entry_id = 17}};
  report.challenged = {ChallengedCensorship{.entry_id = 15, .challenge = Challenge::kUnjustified},
                       ChallengedCensorship{.entry_id = 12, .challenge = Challenge::kReverted, .reverted = true},
                       ChallengedCensorship{.entry_id = 20, .challenge = Challenge::kReverted}};
  report.log = {.intact = false, .unsealed = 2, .unreconciled = 3};
  report.incidents = {FeaturedIncident{.id = 1, .fixed_in_time = false}, FeaturedIncident{.id = 2}};
  report.monitoring_outages = 4;

  EXPECT_EQ(CountOf(CouncilError::kLateDecision, report), 2);
  EXPECT_EQ(CountOf(CouncilError::kUnjustifiedCensorship, report), 3) << "entries 15, 17 and 20";
  EXPECT_EQ(CountOf(CouncilError::kNoLogs, report), 1 + 2 + 3);
  EXPECT_EQ(CountOf(CouncilError::kUnplayableFeatured, report), 1) << "outages of the monitoring are not counted";
  EXPECT_EQ(report.ErrorCounts(), (std::array<int64_t, 4>{2, 3, 6, 1}));
  EXPECT_EQ(report.ChallengedNotReverted(), 2);

  report.log = {};
  EXPECT_EQ(CountOf(CouncilError::kNoLogs, report), 0) << "an intact, sealed and reconciled log";
}

TEST(CouncilErrorTest, ChainEventsReadWellBeforeThePeriodsEndLeaveItUnvouched) {
  Report report;
  report.period = kPeriod;
  report.generated_at = kStart + 48h;
  EXPECT_TRUE(report.ChainEventsBehind()) << "never read";
  report.log.chain_events_known_until = kPeriod.to - 10min;
  EXPECT_TRUE(report.ChainEventsBehind());
  report.log.chain_events_known_until = kPeriod.to;
  EXPECT_FALSE(report.ChainEventsBehind());
  report.generated_at = kStart + 2h;  // a period not over: until now, less a quarter of an hour
  report.log.chain_events_known_until = kStart + 2h - 14min;
  EXPECT_FALSE(report.ChainEventsBehind());
  report.log.chain_events_known_until = kStart + 2h - 16min;
  EXPECT_TRUE(report.ChainEventsBehind());
}

}  // namespace
}  // namespace curation::report
