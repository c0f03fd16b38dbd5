#include <gtest/gtest.h>

#include <thread>

#include <curation/modlog/log_store.hpp>
#include <curation/modlog/modlog_service.hpp>
#include <curation/modlog/reconciler.hpp>
#include <curation/review/feed_consumer.hpp>

#include "postgres_fixture.hpp"

namespace curation::modlog {
namespace {

using namespace std::chrono_literals;

class ModlogTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    std::vector<db::PreparedStatement> statements = LogStore::Statements();
    for (auto* more : {&Reconciler::Statements, &review::ReviewStore::Statements}) {
      for (auto& statement : more()) {
        statements.push_back(statement);
      }
    }
    pool_ = MakePool(statements, 8);
    store_ = std::make_unique<LogStore>(*pool_);
    service_ = std::make_unique<ModerationLogService>(*store_, *pool_);
    reconciler_ = std::make_unique<Reconciler>(*pool_, clock_, metrics_);
  }

  EntryContent Censor(const std::string& video, const std::string& justification) {
    EntryContent content;
    content.kind = kCensor;
    content.actor = "alice";
    content.actor_role = "curator";
    content.actor_worker_id = 7;
    content.target_kind = "video";
    content.target_id = video;
    content.item_id = 1;
    content.justification = justification;
    content.policy_codes = {"copyright"};
    content.snapshot.title = "A title with 'quotes' and ünïcödé";
    content.snapshot.verdict = "playable";
    content.recorded_at = clock_.Now();
    return content;
  }

  int64_t Append(EntryContent content) {
    int64_t id = 0;
    EXPECT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
      id = LogStore::Append(tx, std::move(content));
      return absl::OkStatus();
    }).ok());
    return id;
  }

  // A moderator event as ingest would have stored it, with its feed entry.
  void ChainEvent(const std::string& id, const std::string& kind, const std::string& target_kind,
                  const std::string& target, bool hidden, const std::string& rationale, const std::string& created_at) {
    Exec("INSERT INTO ingest.moderator_events (id, kind, target_kind, target_id, is_hidden, rationale, actor_kind,"
         " actor_curator_id, in_block, index_in_block, in_extrinsic, network, created_at) VALUES ('" +
         id + "', '" + kind + "', '" + target_kind + "', '" + target + "', " + (hidden ? "true" : "false") + ", '" +
         rationale + "', 'ContentActorCurator', '7', 4242, 1, '0xabc', 'OLYMPIA', '" + created_at + "')");
    Exec("INSERT INTO ingest.feed (kind, target_kind, target_id, occurred_at, event_id) VALUES ('moderator_event', '" +
         target_kind + "', '" + target + "', '" + created_at + "', '" + id + "')");
  }

  // Test-only SQL as the superuser (tampering included).
  void Exec(const std::string& sql) {
    pqxx::connection connection(url_);
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
  }
  void Tamper(const std::string& sql) { Exec("SET session_replication_role = replica; " + sql); }

  ManualClock clock_{TimePoint(std::chrono::milliseconds(1'800'000'000'000))};
  MetricsRegistry metrics_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<LogStore> store_;
  std::unique_ptr<ModerationLogService> service_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ModlogTest, EntriesAreSealedIntoAChainThatVerifies) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(Append(Censor(std::to_string(40 + i), "Reuploaded music video from a major label, no licence.")));
  }
  auto unsealed = service_->GetEntry(ids[0]);
  ASSERT_TRUE(unsealed.ok());
  EXPECT_EQ(unsealed->chain_position, 0);

  auto report = service_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries_checked, 3);
  EXPECT_EQ(report->unsealed, 0);

  auto last = service_->GetEntry(ids[2]);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->chain_position, 3);
  EXPECT_EQ(last->content_hash, ContentHash(last->content));
  EXPECT_EQ(report->head_hash, last->chain_hash);
  auto middle = service_->GetEntry(ids[1]);
  EXPECT_EQ(last->previous_hash, middle->chain_hash);
  EXPECT_EQ(last->content.snapshot.title, "A title with 'quotes' and ünïcödé");
  EXPECT_EQ(last->content.policy_codes, std::vector<std::string>{"copyright"});
  EXPECT_EQ(last->content.recorded_at, ToLogPrecision(clock_.Now()));
}

TEST_F(ModlogTest, TheLogRefusesEditsEvenFromItsOwner) {
  int64_t id = Append(Censor("42", "Reuploaded music video from a major label, no licence."));
  ASSERT_TRUE(store_->SealAll().ok());
  EXPECT_THROW(Exec("UPDATE modlog.entries SET justification = 'nothing' WHERE id = " + std::to_string(id)),
               std::exception);
  EXPECT_THROW(Exec("DELETE FROM modlog.chain"), std::exception);
  EXPECT_THROW(Exec("TRUNCATE modlog.entries CASCADE"), std::exception);
}

TEST_F(ModlogTest, VerifyNamesTheFirstEntryTamperedWith) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Append(Censor(std::to_string(40 + i), "Reuploaded music video from a major label, no licence.")));
  }
  ASSERT_TRUE(store_->SealAll().ok());
  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(ids[3]));
  Tamper("UPDATE modlog.entries SET target_id = '99' WHERE id = " + std::to_string(ids[4]));
  auto report = service_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_entry_id, ids[3]);
  EXPECT_EQ(report->broken_position, 4);
  EXPECT_NE(report->problem.find("edited"), std::string::npos) << report->problem;
  EXPECT_EQ(report->entries_checked, 3);
}

TEST_F(ModlogTest, VerifyCatchesAForgedHashDeletionsAndGaps) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(Append(Censor(std::to_string(40 + i), "Reuploaded music video from a major label, no licence.")));
  }
  ASSERT_TRUE(store_->SealAll().ok());
  // Edited, with the content hash recomputed to match: the chain link no longer does.
  auto second = store_->Get(ids[1]);
  ASSERT_TRUE(second.ok());
  EntryContent forged = second->content;
  forged.justification = "a kinder justification written afterwards";
  Tamper("UPDATE modlog.entries SET justification = '" + forged.justification + "', content_hash = decode('" +
         Hex(ContentHash(forged)) + "', 'hex') WHERE id = " + std::to_string(ids[1]));
  auto report = service_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_entry_id, ids[1]);
  EXPECT_NE(report->problem.find("chain hash"), std::string::npos) << report->problem;

  // Deleted entry and link.
  Tamper("DELETE FROM modlog.chain WHERE position = 1; DELETE FROM modlog.entries WHERE id = " +
         std::to_string(ids[0]));
  report = service_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_position, 1);
  EXPECT_NE(report->problem.find("missing"), std::string::npos) << report->problem;
}

TEST_F(ModlogTest, AnEntryRemovedFromTheSealingQueueIsReported) {
  int64_t id = Append(Censor("42", "Reuploaded music video from a major label, no licence."));
  Tamper("DELETE FROM modlog.unsealed");
  auto report = service_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_entry_id, id);
}

TEST_F(ModlogTest, ConcurrentWritersAllEndUpInOneChain) {
  std::vector<std::jthread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) {
        Append(Censor(std::to_string(w * 100 + i), "Reuploaded music video from a major label, no licence."));
        if (i % 10 == 0) {
          EXPECT_TRUE(store_->Seal(7).ok());
        }
      }
    });
  }
  writers.clear();
  auto report = service_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries_checked, 400);
  EXPECT_EQ(Scalar("SELECT count(DISTINCT entry_id) FROM modlog.chain"), "400");
}

TEST_F(ModlogTest, ChainCommandQuotesTheRationaleForAShell) {
  EntryContent content = Censor("42", "it's a reupload; $(rm -rf /) `id`\nsecond line");
  EXPECT_EQ(ChainCommand(17, content),
            "joystream-cli content:setVideoVisibilityAsModerator -v 42 -s HIDDEN -r "
            "'curation-log#17 [copyright]: it'\\''s a reupload; $(rm -rf /) `id` second line'");
  content.kind = kRevert;
  content.target_kind = "channel";
  content.target_id = "7; reboot";
  content.reverts_entry_id = 17;
  content.justification = "The licence was shown to the lead.";
  EXPECT_EQ(ChainCommand(18, content),
            "joystream-cli content:setChannelVisibilityAsModerator -c '7; reboot' -s VISIBLE -r "
            "'curation-log#18 reverts curation-log#17: The licence was shown to the lead.'");
  EXPECT_EQ(FindEntryReference("curation-log#18 reverts curation-log#17: ..."), 18);
  EXPECT_EQ(FindEntryReference("hidden by hand"), std::nullopt);
}

TEST_F(ModlogTest, ReconcilesChainActionsWithTheLog) {
  const std::string later = "2027-01-15T12:00:00Z";  // after the log's genesis (now)
  int64_t by_reference = Append(Censor("42", "Reuploaded music video from a major label, no licence."));
  int64_t by_target = Append(Censor("43", "Reuploaded music video from a major label, no licence."));
  int64_t still_pending = Append(Censor("44", "Reuploaded music video from a major label, no licence."));

  ChainEvent("OLYMPIA-4242-1", "video_visibility", "video", "42", true,
             "curation-log#" + std::to_string(by_reference) + " [copyright]: reupload", later);
  ChainEvent("OLYMPIA-4242-2", "video_visibility", "video", "43", true, "copyright (typed by hand)", later);
  ChainEvent("OLYMPIA-4242-3", "video_visibility", "video", "45", true, "no entry for this one", later);
  ChainEvent("OLYMPIA-4242-4", "channel_visibility", "channel", "9", true, "before the log", "2020-01-01T00:00:00Z");
  // A referenced entry on another target does not justify the action.
  ChainEvent("OLYMPIA-4242-5", "video_visibility", "video", "46", true,
             "curation-log#" + std::to_string(by_reference), later);

  auto counts = reconciler_->Drain();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->confirmed, 2);
  EXPECT_EQ(counts->unjustified, 2);
  EXPECT_EQ(counts->preexisting, 1);
  // Idempotent: nothing is logged twice.
  ASSERT_TRUE(reconciler_->Drain().ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries WHERE chain_event_id IS NOT NULL"), "5");

  auto confirmed = store_->Get(by_reference);
  ASSERT_TRUE(confirmed.ok());
  ASSERT_TRUE(confirmed->confirmed_by_entry_id.has_value());
  auto confirmation = store_->Get(*confirmed->confirmed_by_entry_id);
  ASSERT_TRUE(confirmation.ok());
  EXPECT_EQ(confirmation->content.kind, kChainConfirmed);
  ASSERT_TRUE(confirmation->content.chain_event.has_value());
  EXPECT_EQ(confirmation->content.chain_event->block, 4242);
  EXPECT_EQ(confirmation->content.chain_event->extrinsic, "0xabc");
  EXPECT_EQ(confirmation->content.chain_event->actor, "curator 7");
  EXPECT_TRUE(store_->Get(by_target)->confirmed_by_entry_id.has_value());
  EXPECT_FALSE(store_->Get(still_pending)->confirmed_by_entry_id.has_value());

  auto unjustified = service_->ListEntries({.filter = {.kinds = {kChainUnjustified}}});
  ASSERT_TRUE(unjustified.ok());
  ASSERT_EQ(unjustified->entries.size(), 2u);
  EXPECT_EQ(unjustified->entries[0].content.target_id, "45");
  EXPECT_EQ(unjustified->entries[1].content.target_id, "46");
  EXPECT_NE(unjustified->entries[0].content.note.find("no justified log entry"), std::string::npos);

  // Each unjustified action is raised to the lead as an escalated item.
  review::ReviewStore review_store(*pool_);
  review::FeedConsumer consumer(review_store, *pool_, ReviewConfig{}, metrics_);
  ASSERT_TRUE(consumer.Drain().ok());
  EXPECT_EQ(Scalar("SELECT string_agg(target_id || ':' || state, ',' ORDER BY target_id) FROM review.items"
                   " WHERE reason = 'unjustified_chain_action'"),
            "45:escalated,46:escalated");
  ASSERT_TRUE(consumer.Drain().ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items WHERE reason = 'unjustified_chain_action'"), "2");

  auto verified = service_->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->entries_checked, 8);
}

TEST_F(ModlogTest, ListsByFilterAndPagesWithAnOpaqueToken) {
  for (int i = 0; i < 5; ++i) {
    EntryContent content = Censor(std::to_string(40 + i), "Reuploaded music video from a major label, no licence.");
    content.actor = i % 2 == 0 ? "alice" : "bob";
    content.recorded_at = clock_.Now() + std::chrono::hours(i);
    Append(content);
  }
  auto page = service_->ListEntries({.filter = {.actor = "alice"}, .page_size = 2});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 2u);
  ASSERT_FALSE(page->next_page_token.empty());
  auto next = service_->ListEntries({.filter = {.actor = "alice"}, .page_size = 2, .page_token = page->next_page_token});
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->entries.size(), 1u);
  EXPECT_TRUE(next->next_page_token.empty());

  auto window = service_->ListEntries(
      {.filter = {.start = clock_.Now() + 1h, .end = clock_.Now() + 3h, .target_kind = "video"}});
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->entries.size(), 2u);
  EXPECT_EQ(window->entries[0].content.target_id, "41");

  auto target = service_->ListEntries({.filter = {.target_kind = "video", .target_id = "43"}});
  ASSERT_EQ(target->entries.size(), 1u);

  EXPECT_EQ(service_->ListEntries({.page_token = "garbage"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListEntries({.filter = {.kinds = {"delete"}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListEntries({.filter = {.target_id = "43"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->GetEntry(999).status().code(), absl::StatusCode::kNotFound);

  int exported = 0;
  ASSERT_TRUE(service_->Export({}, [&](const Entry&) { return ++exported < 100; }).ok());
  EXPECT_EQ(exported, 5);
}

}  // namespace
}  // namespace curation::modlog
