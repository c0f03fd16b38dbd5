// The review queue's rules (review/rules.hpp) on plain values: no database.

#include <algorithm>

#include <gtest/gtest.h>

#include <curation/review/rules.hpp>

namespace curation::review {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));
const auth::Principal kAlice{.id = 1, .name = "alice", .role = auth::Role::kCurator, .worker_id = 7};
const auth::Principal kBob{.id = 2, .name = "bob", .role = auth::Role::kCurator, .worker_id = 8};
const auth::Principal kLead{.id = 3, .name = "lena", .role = auth::Role::kLead, .worker_id = 1};

ItemRow Item(ItemState state, std::string holder = "", std::optional<TimePoint> lease = std::nullopt) {
  ItemRow item;
  item.id = 42;
  item.target_kind = TargetKind::kVideo;
  item.target_id = "9";
  item.channel_id = "7";
  item.state = state;
  item.lease_holder = std::move(holder);
  item.lease_expires_at = lease;
  item.due_at = kNow + 10h;
  return item;
}

ItemRow Claimed(std::string holder, TimePoint lease) { return Item(ItemState::kClaimed, std::move(holder), lease); }

// Whether `status` is `code` and says `says`.
testing::AssertionResult Refused(const absl::Status& status, absl::StatusCode code, const std::string& says) {
  if (status.code() == code && status.message().find(says) != std::string_view::npos) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << status;
}

TEST(ReviewRules, AClaimLapsesWhenItsLeaseRunsOutAndIsThenOpen) {
  EXPECT_FALSE(LeaseLapsed(ItemState::kClaimed, kNow + 1ms, kNow));
  EXPECT_TRUE(LeaseLapsed(ItemState::kClaimed, kNow, kNow));  // at the lease's last instant, it is gone
  EXPECT_TRUE(LeaseLapsed(ItemState::kClaimed, kNow - 1min, kNow));
  EXPECT_TRUE(LeaseLapsed(ItemState::kClaimed, std::nullopt, kNow));
  for (ItemState other : {ItemState::kOpen, ItemState::kDecided, ItemState::kEscalated}) {
    EXPECT_FALSE(LeaseLapsed(other, kNow - 1min, kNow));
    EXPECT_EQ(EffectiveState(other, kNow - 1min, kNow), other);
  }
  EXPECT_EQ(EffectiveState(ItemState::kClaimed, kNow + 1min, kNow), ItemState::kClaimed);
  EXPECT_EQ(EffectiveState(ItemState::kClaimed, kNow - 1min, kNow), ItemState::kOpen);
}

TEST(ReviewRules, OnlyTheHolderOfALiveLeaseHoldsIt) {
  EXPECT_TRUE(HoldsLiveLease(Claimed("alice", kNow + 1min), "alice", kNow));
  EXPECT_FALSE(HoldsLiveLease(Claimed("alice", kNow + 1min), "bob", kNow));
  EXPECT_FALSE(HoldsLiveLease(Claimed("alice", kNow), "alice", kNow));
  EXPECT_FALSE(HoldsLiveLease(Item(ItemState::kOpen), "", kNow));
  EXPECT_FALSE(HoldsLiveLease(Item(ItemState::kDecided, "alice", kNow + 1min), "alice", kNow));
}

TEST(ReviewRules, AnItemAsOfNowShowsItsLapsedClaimOpenAndItsDeadline) {
  QueueItem lapsed = AsOf(Claimed("alice", kNow - 1s), kNow, 6h);
  EXPECT_EQ(lapsed.row.state, ItemState::kOpen);
  EXPECT_EQ(lapsed.row.lease_holder, "");
  EXPECT_FALSE(lapsed.row.lease_expires_at);
  QueueItem live = AsOf(Claimed("alice", kNow + 1s), kNow, 6h);
  EXPECT_EQ(live.row.state, ItemState::kClaimed);
  EXPECT_EQ(live.row.lease_holder, "alice");

  auto due_in = [](std::chrono::milliseconds left, ItemState state) {
    ItemRow row = Item(state);
    row.due_at = kNow + left;
    return AsOf(row, kNow, 6h);
  };
  EXPECT_TRUE(due_in(0ms, ItemState::kOpen).breached);  // due now: past due
  EXPECT_FALSE(due_in(0ms, ItemState::kOpen).at_risk);
  EXPECT_TRUE(due_in(-1h, ItemState::kEscalated).breached);
  EXPECT_TRUE(due_in(6h, ItemState::kOpen).at_risk);
  EXPECT_FALSE(due_in(6h + 1ms, ItemState::kOpen).at_risk);
  EXPECT_FALSE(due_in(6h + 1ms, ItemState::kOpen).breached);
  EXPECT_FALSE(due_in(-1h, ItemState::kDecided).breached);  // a decided item is past worrying about
  EXPECT_FALSE(due_in(1h, ItemState::kDecided).at_risk);
}

TEST(ReviewRules, TheQueueIsEarliestDueThenHighestSignalThenOldest) {
  const TimePoint due = kNow + 1h;
  std::vector<QueuePosition> positions = {
      {due + 1s, 5, 1}, {due, 0, 2}, {due, 1, 9}, {due, 0, 1}, {due - 1s, 0, 8}, {due, 1, 3},
  };
  std::sort(positions.begin(), positions.end(), InQueueOrder);
  std::vector<int64_t> ids;
  for (const QueuePosition& position : positions) {
    ids.push_back(position.id);
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{8, 3, 9, 1, 2, 1}));
  EXPECT_FALSE(InQueueOrder(positions[0], positions[0]));
  ItemRow row = Item(ItemState::kOpen);
  row.signal = 1;
  QueuePosition position = PositionOf(row);
  EXPECT_EQ(position.due_at, row.due_at);
  EXPECT_EQ(position.signal, 1);
  EXPECT_EQ(position.id, 42);
}

// Issue 16: evidence notes come from anyone holding a curator's token, so each is checked.
TEST(ReviewRules, EvidenceNotesAreCheckedAsHostileInput) {
  using std::chrono::milliseconds;
  EXPECT_TRUE(CheckEvidence({}).ok());
  EXPECT_TRUE(CheckEvidence({{milliseconds(3000), "logo of the broadcaster, top left"},
                             {milliseconds(0), "مقدمة البث"},
                             {std::chrono::hours(24), "x"}})
                  .ok());
  auto refused = [](std::vector<modlog::EvidenceNote> notes) {
    absl::Status status = CheckEvidence(notes);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    return std::string(status.message());
  };
  EXPECT_NE(refused({{milliseconds(-1), "before the start"}}).find("offset"), std::string::npos);
  EXPECT_NE(refused({{std::chrono::hours(25), "a day in"}}).find("offset"), std::string::npos);
  EXPECT_NE(refused({{milliseconds(65000), std::string(1001, 'a')}}).find("evidence[0] (at 1:05) is 1001 bytes"),
            std::string::npos);
  EXPECT_NE(refused({{milliseconds(0), "ok"}, {milliseconds(3000), "\xC3\x28 broken"}}).find("evidence[1] (at 0:03)"),
            std::string::npos);
  EXPECT_NE(refused({{milliseconds(0), "gpj.exe\u202E"}}).find("evidence[0]"), std::string::npos);
  EXPECT_NE(refused({{milliseconds(0), "\u200B\u200B"}}).find("evidence[0]"), std::string::npos);
  EXPECT_NE(refused({{milliseconds(0), "   "}}).find("blank"), std::string::npos);
  EXPECT_NE(refused(std::vector<modlog::EvidenceNote>(21, {milliseconds(0), "again"})).find("at most 20"),
            std::string::npos);
}

TEST(ReviewRules, WhatEachActionNeedsAndLeavesBehind) {
  struct Expected {
    Action action;
    bool decision, justification, code, may_cite, note;
    ItemState after;
  };
  for (const Expected& e : std::vector<Expected>{
           {Action::kApprove, true, false, false, false, false, ItemState::kDecided},
           {Action::kWarn, true, true, true, true, false, ItemState::kDecided},
           {Action::kCensor, true, true, true, true, false, ItemState::kDecided},
           {Action::kEscalate, true, false, false, true, true, ItemState::kEscalated},
           {Action::kRevert, false, true, false, false, false, ItemState::kDecided},
       }) {
    std::string name(kActions.Db(e.action));
    const ActionRules rules = RulesFor(e.action);
    EXPECT_EQ(IsDecision(e.action), e.decision) << name;
    EXPECT_EQ(rules.needs_justification, e.justification) << name;
    EXPECT_EQ(rules.needs_policy_code, e.code) << name;
    EXPECT_EQ(rules.may_cite_policy_codes, e.may_cite) << name;
    EXPECT_EQ(rules.needs_note, e.note) << name;
    EXPECT_EQ(rules.leaves, e.after) << name;
    // A decision is logged as the entry kind of its own name.
    EXPECT_EQ(modlog::kEntryKinds.Db(EntryKindOf(e.action)), kActions.Db(e.action));
  }
}

TEST(ReviewRules, WhoMayDecideAnItem) {
  const TimePoint live = kNow + 5min, lapsed = kNow - 5min;
  EXPECT_TRUE(MayDecide(kAlice, Claimed("alice", live), Action::kCensor, kNow).ok());
  EXPECT_TRUE(MayDecide(kLead, Item(ItemState::kOpen), Action::kApprove, kNow).ok());  // the lead needs no claim
  EXPECT_TRUE(MayDecide(kLead, Claimed("alice", live), Action::kApprove, kNow).ok());
  EXPECT_TRUE(MayDecide(kLead, Item(ItemState::kEscalated), Action::kCensor, kNow).ok());

  EXPECT_TRUE(Refused(MayDecide(kAlice, Item(ItemState::kDecided), Action::kApprove, kNow),
                      absl::StatusCode::kFailedPrecondition, "item 42 was already decided"));
  EXPECT_TRUE(Refused(MayDecide(kLead, Item(ItemState::kDecided), Action::kApprove, kNow),
                      absl::StatusCode::kFailedPrecondition, "already decided"));
  EXPECT_TRUE(Refused(MayDecide(kAlice, Item(ItemState::kEscalated), Action::kApprove, kNow),
                      absl::StatusCode::kPermissionDenied, "only the lead decides it"));
  EXPECT_TRUE(Refused(MayDecide(kLead, Item(ItemState::kEscalated), Action::kEscalate, kNow),
                      absl::StatusCode::kFailedPrecondition, "already escalated"));
  EXPECT_TRUE(Refused(MayDecide(kAlice, Item(ItemState::kOpen), Action::kApprove, kNow),
                      absl::StatusCode::kFailedPrecondition, "claim item 42 before deciding it"));
  EXPECT_TRUE(Refused(MayDecide(kAlice, Claimed("bob", live), Action::kApprove, kNow),
                      absl::StatusCode::kFailedPrecondition, "item 42 is claimed by bob"));
  EXPECT_TRUE(Refused(MayDecide(kAlice, Claimed("alice", lapsed), Action::kApprove, kNow),
                      absl::StatusCode::kFailedPrecondition, "your lease on item 42 expired"));
  EXPECT_TRUE(Refused(MayDecide(kAlice, Claimed("bob", lapsed), Action::kApprove, kNow),
                      absl::StatusCode::kFailedPrecondition, "claim item 42 before deciding it"));
}

TEST(ReviewRules, OnlyALiveLeaseOfOnesOwnIsRenewed) {
  ItemRow mine = Claimed("alice", kNow + 1min);
  EXPECT_TRUE(MayRenew("alice", 42, &mine, kNow).ok());
  EXPECT_TRUE(Refused(MayRenew("bob", 42, &mine, kNow), absl::StatusCode::kFailedPrecondition,
                      "you hold no live lease on item 42"));
  EXPECT_TRUE(Refused(MayRenew("alice", 42, &mine, kNow + 1min), absl::StatusCode::kFailedPrecondition,
                      "it expired or was never yours"));
  EXPECT_TRUE(Refused(MayRenew("alice", 7, nullptr, kNow), absl::StatusCode::kFailedPrecondition,
                      "you hold no live lease on item 7"));
}

TEST(ReviewRules, OnlyTheLeadRevertsAndOnlyACensorOfAnItemOnce) {
  EXPECT_TRUE(MayRevert(kLead).ok());
  EXPECT_TRUE(Refused(MayRevert(kAlice), absl::StatusCode::kPermissionDenied, "only the lead may revert a censor"));

  modlog::EntryContent censor;
  censor.kind = modlog::kCensor;
  censor.item_id = 42;
  EXPECT_TRUE(Revertible(5, censor, std::nullopt).ok());
  EXPECT_TRUE(Refused(Revertible(5, censor, 9), absl::StatusCode::kFailedPrecondition,
                      "entry 5 was already reverted by curation-log#9"));
  modlog::EntryContent approve = censor;
  approve.kind = modlog::kApprove;
  EXPECT_TRUE(Refused(Revertible(5, approve, std::nullopt), absl::StatusCode::kFailedPrecondition,
                      "entry 5 is a approve, not a censor"));
  modlog::EntryContent no_item = censor;
  no_item.item_id.reset();
  EXPECT_TRUE(Refused(Revertible(5, no_item, std::nullopt), absl::StatusCode::kFailedPrecondition,
                      "entry 5 has no review item to revert"));
}

TEST(ReviewRules, ACodeFitsItsTargetAndAWarnOrCensorCitesOneOfItsOwn) {
  EXPECT_TRUE(FitsTarget(AppliesTo::kAny, TargetKind::kVideo));
  EXPECT_TRUE(FitsTarget(AppliesTo::kAny, TargetKind::kChannel));
  EXPECT_TRUE(FitsTarget(AppliesTo::kVideo, TargetKind::kVideo));
  EXPECT_FALSE(FitsTarget(AppliesTo::kVideo, TargetKind::kChannel));
  EXPECT_FALSE(FitsTarget(AppliesTo::kChannel, TargetKind::kVideo));
  EXPECT_TRUE(FitsTarget(AppliesTo::kChannel, TargetKind::kChannel));

  const std::vector<PolicyCode> known = {
      {.code = "copyright", .action = Action::kCensor, .applies_to = AppliesTo::kAny},
      {.code = "thumbnail", .action = Action::kWarn, .applies_to = AppliesTo::kVideo},
      {.code = "missing-avatar", .action = Action::kWarn, .applies_to = AppliesTo::kChannel},
  };
  EXPECT_TRUE(CheckPolicyCodes(known, {"copyright"}, Action::kCensor, TargetKind::kVideo).ok());
  EXPECT_TRUE(CheckPolicyCodes(known, {"thumbnail", "copyright"}, Action::kCensor, TargetKind::kVideo).ok());
  EXPECT_TRUE(CheckPolicyCodes(known, {"missing-avatar"}, Action::kWarn, TargetKind::kChannel).ok());
  EXPECT_TRUE(CheckPolicyCodes(known, {}, Action::kApprove, TargetKind::kVideo).ok());
  EXPECT_TRUE(CheckPolicyCodes(known, {"thumbnail"}, Action::kEscalate, TargetKind::kVideo).ok());

  EXPECT_TRUE(Refused(CheckPolicyCodes(known, {"looks-bad"}, Action::kCensor, TargetKind::kVideo),
                      absl::StatusCode::kInvalidArgument, "policy_codes: unknown code 'looks-bad'"));
  EXPECT_TRUE(Refused(CheckPolicyCodes(known, {"missing-avatar"}, Action::kWarn, TargetKind::kVideo),
                      absl::StatusCode::kInvalidArgument, "'missing-avatar' applies to a channel, not a video"));
  EXPECT_TRUE(Refused(CheckPolicyCodes(known, {"thumbnail"}, Action::kCensor, TargetKind::kVideo),
                      absl::StatusCode::kInvalidArgument, "a censor must cite at least one censor code"));
  EXPECT_TRUE(Refused(CheckPolicyCodes(known, {}, Action::kWarn, TargetKind::kVideo),
                      absl::StatusCode::kInvalidArgument, "a warn must cite at least one warn code"));
}

TEST(ReviewRules, ACensorHidesItsItemOrAVideosChannel) {
  ItemRow video = Item(ItemState::kClaimed);
  auto own = DecisionTarget(video, std::nullopt);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->kind, TargetKind::kVideo);
  EXPECT_EQ(own->id, "9");
  EXPECT_EQ(DecisionTarget(video, TargetKind::kVideo)->id, "9");
  auto channel = DecisionTarget(video, TargetKind::kChannel);
  ASSERT_TRUE(channel.ok());
  EXPECT_EQ(channel->kind, TargetKind::kChannel);
  EXPECT_EQ(channel->id, "7");

  ItemRow unknown_channel = video;
  unknown_channel.channel_id.clear();
  EXPECT_TRUE(Refused(DecisionTarget(unknown_channel, TargetKind::kChannel).status(),
                      absl::StatusCode::kFailedPrecondition, "the channel of video 9 is not known yet"));
  ItemRow channel_item = video;
  channel_item.target_kind = TargetKind::kChannel;
  channel_item.target_id = "7";
  EXPECT_TRUE(Refused(DecisionTarget(channel_item, TargetKind::kVideo).status(), absl::StatusCode::kInvalidArgument,
                      "a channel item can only censor its channel"));
  EXPECT_EQ(DecisionTarget(channel_item, TargetKind::kChannel)->id, "7");
}

TEST(ReviewRules, DerivedTablesSpellLikeTheirSources) {
  for (TargetKind kind : {TargetKind::kVideo, TargetKind::kChannel}) {
    EXPECT_EQ(kCensorScopes.Db(kind), kTargetKinds.Db(kind));
  }
  EXPECT_EQ(kAppliesTo.Db(AppliesTo::kVideo), kTargetKinds.Db(TargetKind::kVideo));
  EXPECT_EQ(kAppliesTo.Db(AppliesTo::kChannel), kTargetKinds.Db(TargetKind::kChannel));
  EXPECT_EQ(std::string(modlog::kCensor), modlog::kEntryKinds.Db(modlog::EntryKind::kCensor));
}

}  // namespace
}  // namespace curation::review
