// The sealing backlog that LogUnsealed (deploy/prometheus) watches: what waits, and since when.
#include <gtest/gtest.h>

#include <curation/modlog/log_store.hpp>

#include "postgres_fixture.hpp"

namespace curation::modlog {
namespace {

using namespace std::chrono_literals;

class SealBacklogTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(LogStore::Statements());
    store_ = std::make_unique<LogStore>(*pool_);
  }

  void Approve(const std::string& video, TimePoint at) {
    EntryContent content;
    content.kind = kApprove;
    content.actor = "alice";
    content.actor_role = "curator";
    content.target_kind = "video";
    content.target_id = video;
    content.recorded_at = at;
    ASSERT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
                       LogStore::Append(tx, std::move(content));
                       return absl::OkStatus();
                     })
                    .ok());
  }

  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(SealBacklogTest, CountsWhatWaitsAndSinceWhen) {
  auto empty = store_->Backlog();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->entries, 0);
  EXPECT_FALSE(empty->oldest_recorded_at);

  TimePoint first = TimePoint(1'770'000'000s);
  Approve("1", first + 5s);
  Approve("2", first);  // written later, recorded earlier: the oldest is by time
  Approve("3", first + 9s);
  auto waiting = store_->Backlog();
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->entries, 3);
  EXPECT_EQ(waiting->oldest_recorded_at, first);

  ASSERT_TRUE(store_->SealAll().ok());
  auto sealed = store_->Backlog();
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->entries, 0);
  EXPECT_FALSE(sealed->oldest_recorded_at);
}

}  // namespace
}  // namespace curation::modlog
