// The fixed sets of values: each spelling round-trips through its table, and unknown spellings
// are refused rather than guessed.

#include <gtest/gtest.h>

#include <curation/probe/verdict.hpp>

namespace curation {
namespace {

template <typename Table>
void ExpectRoundTrips(const Table& table) {
  for (const auto& entry : table.entries()) {
    EXPECT_EQ(table.FromDb(entry.db), entry.value) << entry.db;
    EXPECT_EQ(table.FromProto(entry.proto), entry.value) << entry.db;
    EXPECT_EQ(table.Db(entry.value), entry.db);
    EXPECT_EQ(table.ToProto(entry.value), entry.proto);
    EXPECT_FALSE(table.Human(entry.value).empty()) << entry.db;
  }
}

TEST(Vocabulary, EveryVerdictRoundTrips) { ExpectRoundTrips(probe::kVerdicts); }

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
