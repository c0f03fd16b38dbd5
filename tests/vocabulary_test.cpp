// The fixed sets of values: each spelling round-trips through its table, and unknown spellings
// are refused rather than guessed.

#include <type_traits>

#include <gtest/gtest.h>

#include <curation/alert/vocabulary.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <curation/modlog/vocabulary.hpp>
#include <curation/probe/verdict.hpp>
#include <curation/report/vocabulary.hpp>
#include <curation/review/vocabulary.hpp>

namespace curation {
namespace {

template <typename Table>
void ExpectRoundTrips(const Table& table) {
  for (const auto& entry : table.entries()) {
    EXPECT_EQ(table.FromDb(entry.db), entry.value) << entry.db;
    if constexpr (!std::is_same_v<decltype(entry.proto), NoProto>) {  // a set the API does not carry
      EXPECT_EQ(table.FromProto(entry.proto), entry.value) << entry.db;
    }
    EXPECT_EQ(table.Db(entry.value), entry.db);
    EXPECT_EQ(table.ToProto(entry.value), entry.proto);
    EXPECT_FALSE(table.Human(entry.value).empty()) << entry.db;
  }
}

TEST(Vocabulary, EveryVerdictRoundTrips) { ExpectRoundTrips(probe::kVerdicts); }
TEST(Vocabulary, EveryTargetKindRoundTrips) { ExpectRoundTrips(modlog::kTargetKinds); }
TEST(Vocabulary, EveryEntryKindRoundTrips) { ExpectRoundTrips(modlog::kEntryKinds); }
TEST(Vocabulary, EveryItemStateRoundTrips) { ExpectRoundTrips(review::kItemStates); }
TEST(Vocabulary, EveryItemReasonRoundTrips) { ExpectRoundTrips(review::kItemReasons); }
TEST(Vocabulary, EveryActionRoundTrips) { ExpectRoundTrips(review::kActions); }
TEST(Vocabulary, EveryCensorScopeRoundTrips) { ExpectRoundTrips(review::kCensorScopes); }
TEST(Vocabulary, EveryAppliesToRoundTrips) { ExpectRoundTrips(review::kAppliesTo); }
TEST(Vocabulary, EveryIncidentStateRoundTrips) { ExpectRoundTrips(alert::kIncidentStates); }
TEST(Vocabulary, EveryIncidentEventKindRoundTrips) { ExpectRoundTrips(alert::kIncidentEventKinds); }
TEST(Vocabulary, EveryNoticeKindRoundTrips) { ExpectRoundTrips(alert::kNoticeKinds); }
TEST(Vocabulary, EveryNotificationStateRoundTrips) { ExpectRoundTrips(alert::kNotificationStates); }
TEST(Vocabulary, EveryAlertNameRoundTrips) { ExpectRoundTrips(alert::kAlertNames); }
TEST(Vocabulary, EverySlotKindRoundTrips) { ExpectRoundTrips(alert::kSlotKinds); }
TEST(Vocabulary, EveryHeartbeatRoundTrips) { ExpectRoundTrips(alert::kHeartbeats); }
TEST(Vocabulary, EveryAssetRoleRoundTrips) { ExpectRoundTrips(alert::kAssetRoles); }
TEST(Vocabulary, EveryReportFormatRoundTrips) { ExpectRoundTrips(report::kReportFormats); }
TEST(Vocabulary, EveryCouncilErrorRoundTrips) { ExpectRoundTrips(report::kCouncilErrors); }
TEST(Vocabulary, EveryActionKindRoundTrips) { ExpectRoundTrips(report::kActionKinds); }
TEST(Vocabulary, EveryChainStatusRoundTrips) { ExpectRoundTrips(report::kChainStatuses); }
TEST(Vocabulary, EveryChallengeRoundTrips) { ExpectRoundTrips(report::kChallenges); }
TEST(Vocabulary, EveryActorKindRoundTrips) { ExpectRoundTrips(ingest::kActorKinds); }
TEST(Vocabulary, EveryFeedKindRoundTrips) { ExpectRoundTrips(ingest::kFeedKinds); }
TEST(Vocabulary, EveryModeratorEventKindRoundTrips) { ExpectRoundTrips(ingest::kModeratorEventKinds); }
TEST(Vocabulary, EveryOperatorStatusRoundTrips) { ExpectRoundTrips(ingest::kOperatorStatuses); }

// Only an asset deletion carries out a censor; a kind that is none (no event) deletes nothing.
TEST(Vocabulary, OnlyAssetDeletionsDeleteAssets) {
  EXPECT_TRUE(ingest::DeletesAssets(ingest::ModeratorEventKind::kVideoAssetsDeleted));
  EXPECT_TRUE(ingest::DeletesAssets(ingest::ModeratorEventKind::kChannelAssetsDeleted));
  EXPECT_FALSE(ingest::DeletesAssets(ingest::ModeratorEventKind::kVideoVisibility));
  EXPECT_FALSE(ingest::DeletesAssets(ingest::ModeratorEventKind::kChannelVisibility));
  EXPECT_TRUE(ingest::DeletesAssets("channel_assets_deleted"));
  EXPECT_FALSE(ingest::DeletesAssets(""));
  EXPECT_FALSE(ingest::DeletesAssets("x_assets_deleted"));
}

// The query node's actor __typename to ingest's actor kind, and back: every kind has one, the
// query node's spellings are the ones its schema names, anything else is refused.
TEST(Vocabulary, ActorTypenamesMapToActorKinds) {
  for (const auto& entry : ingest::kActorKinds.entries()) {
    std::string_view type_name = ingest::kActorTypenames.Of(entry.value);
    EXPECT_FALSE(type_name.empty()) << entry.db;
    EXPECT_EQ(ingest::kActorTypenames.From(type_name), entry.value) << type_name;
  }
  EXPECT_EQ(ingest::kActorTypenames.From("ContentActorCurator"), ingest::ActorKind::kCurator);
  EXPECT_EQ(ingest::kActorTypenames.From("ContentActorLead"), ingest::ActorKind::kLead);
  EXPECT_EQ(ingest::kActorTypenames.From("ContentActorMember"), ingest::ActorKind::kMember);
  for (std::string_view unknown :
       {"ContentActorCouncil", "contentactorcurator", "ContentActorCurator ", "", "curator"}) {
    EXPECT_EQ(ingest::kActorTypenames.From(unknown), std::nullopt) << unknown;
  }
  // Stored text is ingest's spelling, never the query node's.
  EXPECT_EQ(ingest::kActorKinds.FromDb("ContentActorLead"), std::nullopt);
}

// How the log names a chain actor ("curator 7" is what modlog_test reads back from the reconciler).
TEST(Vocabulary, ActorNamesCarryTheirId) {
  EXPECT_EQ(ingest::ActorName(ingest::ActorKind::kCurator, "7", ""), "curator 7");
  EXPECT_EQ(ingest::ActorName(ingest::ActorKind::kLead, "", ""), "lead");
  EXPECT_EQ(ingest::ActorName(ingest::ActorKind::kLead, "7", "12"), "lead");
  EXPECT_EQ(ingest::ActorName(ingest::ActorKind::kMember, "7", "12"), "member 12");
  EXPECT_EQ(ingest::ActorName(ingest::ActorKind::kMember, "", ""), "member");
}

// Spellings built from a table: slot names, a slot's status (a verdict, or none yet), outbox steps.
TEST(Vocabulary, AlertingsComposedSpellingsRoundTrip) {
  for (const auto& kind : alert::kSlotKinds.entries()) {
    EXPECT_EQ(alert::SlotKindOf(alert::SlotName(kind.value, "254433-2")), kind.value) << kind.db;
  }
  EXPECT_EQ(alert::SlotName(alert::SlotKind::kCategory, "5"), "category:5");
  EXPECT_EQ(alert::SlotKindOf("category"), std::nullopt);
  EXPECT_EQ(alert::SlotKindOf("sidebar"), std::nullopt);
  for (alert::SlotStatus status : {alert::SlotStatus{}, alert::SlotStatus{probe::Verdict::kPlayable},
                                   alert::SlotStatus{probe::Verdict::kDegraded},
                                   alert::SlotStatus{probe::Verdict::kUnplayable}}) {
    std::optional<alert::SlotStatus> read = alert::SlotStatusFromDb(alert::SlotStatusDb(status));
    ASSERT_TRUE(read.has_value()) << alert::SlotStatusDb(status);
    EXPECT_EQ(*read, status) << alert::SlotStatusDb(status);
  }
  EXPECT_EQ(alert::SlotStatusFromDb("lost"), std::nullopt);
  EXPECT_EQ(alert::StepOf(alert::NoticeKind::kPage, 2), "page:2");
  EXPECT_EQ(alert::StepOf(alert::NoticeKind::kBreach), "breach");
  EXPECT_EQ(report::kReportFormats.FromHuman("md"), report::ReportFormat::kMarkdown);
  EXPECT_EQ(report::kReportFormats.FromHuman("markdown"), std::nullopt);
}

TEST(Vocabulary, UnknownSpellingsAreRefused) {
  EXPECT_EQ(probe::kVerdicts.FromDb("Playable"), std::nullopt);
  EXPECT_EQ(probe::kVerdicts.FromDb(""), std::nullopt);
  EXPECT_EQ(probe::kVerdicts.FromProto(v1::VERDICT_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(probe::kVerdicts.FromProto(9999), std::nullopt);
  EXPECT_EQ(probe::kVerdicts.ProtoFromDb("lost"), v1::VERDICT_UNSPECIFIED);
  EXPECT_EQ(probe::kVerdicts.DbFromProto(9999), std::nullopt);
  EXPECT_EQ(probe::kVerdicts.DbFromProto(v1::VERDICT_DEGRADED), "degraded");
}

}  // namespace
}  // namespace curation
