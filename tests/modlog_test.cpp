#include <gtest/gtest.h>

#include <limits>
#include <thread>

#include <grpcpp/grpcpp.h>

#include <curation/ingest/vocabulary.hpp>
#include <curation/modlog/log_store.hpp>
#include <curation/modlog/modlog_grpc_service.hpp>
#include <curation/modlog/modlog_service.hpp>
#include <curation/modlog/reconciler.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/server/grpc_host.hpp>

#include "auth_fixture.hpp"
#include "postgres_fixture.hpp"

namespace curation::modlog {
namespace {

using namespace std::chrono_literals;

class ModlogTest : public testing::DatabaseTest {
 protected:
  static constexpr char kReason[] = "Reuploaded music video from a major label, no licence.";

  void SetUp() override {
    DatabaseTest::SetUp();
    std::vector<db::PreparedStatement> statements = LogStore::Statements();
    for (auto* more : {&Reconciler::Statements, &review::ReviewStore::Statements}) {
      for (auto& statement : more()) {
        statements.push_back(statement);
      }
    }
    pool_ = MakePool(statements, 8);
    // Stretches of two entries, so verification across stretch boundaries is what is tested.
    store_ = std::make_unique<LogStore>(*pool_, 2);
    service_ = std::make_unique<ModerationLogService>(*store_);
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
         rationale + "', " + ingest::kActorKinds.Sql(ingest::ActorKind::kCurator) +
         ", '7', 4242, 1, '0xabc', 'OLYMPIA', '" + created_at + "')");
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

  // `count` censors of videos first_video, first_video + 1, ...; their entry ids.
  std::vector<int64_t> AppendCensors(int count, int first_video) {
    std::vector<int64_t> ids;
    for (int i = 0; i < count; ++i) {
      ids.push_back(Append(Censor(std::to_string(first_video + i), kReason)));
    }
    return ids;
  }

  // What the service's Verify does: seal what waits, then verify.
  absl::StatusOr<VerifyReport> Verify(VerifyScope scope) {
    EXPECT_TRUE(store_->SealAll().ok());
    return store_->Verify(scope);
  }

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

// Issue 16: a curator's timestamped notes are part of the entry, its hash and the chain.
TEST_F(ModlogTest, EvidenceNotesAreKeptInTheEntryAndCoveredByItsHash) {
  EntryContent plain = Censor("40", "Reuploaded music video from a major label, no licence.");
  EntryContent noted = plain;
  noted.evidence = {{std::chrono::milliseconds(3000), "the label's logo, top left"},
                    {std::chrono::milliseconds(65000), "the full chorus; ünïcödé kept"}};
  EXPECT_NE(ContentHash(noted), ContentHash(plain));
  EntryContent moved = noted;
  moved.evidence[0].offset = std::chrono::milliseconds(4000);
  EXPECT_NE(ContentHash(moved), ContentHash(noted)) << "the offset is covered too";
  EXPECT_EQ(CanonicalBytes(plain).find("evidence"), std::string::npos)
      << "an entry without notes hashes as entries always did";

  int64_t without = Append(plain);
  int64_t with = Append(noted);
  auto report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->intact) << report->problem;
  auto read = service_->GetEntry(with);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->content.evidence, noted.evidence);
  EXPECT_EQ(read->content_hash, ContentHash(read->content));
  EXPECT_TRUE(service_->GetEntry(without)->content.evidence.empty());
  EXPECT_EQ(Scalar("SELECT array_to_string(evidence_offsets_ms, ',') FROM modlog.entries WHERE id = " +
                   std::to_string(with)),
            "3000,65000");

  Tamper("UPDATE modlog.entries SET evidence_texts[1] = 'nothing to see' WHERE id = " + std::to_string(with));
  auto tampered = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(tampered.ok()) << tampered.status();
  EXPECT_FALSE(tampered->intact);
  EXPECT_EQ(tampered->broken_entry_id, with);
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

// Issue 16: the console verifies the whole chain a window at a time to show its progress.
TEST_F(ModlogTest, TheChainVerifiesAWindowAtATimeAndAWindowFindsItsBreak) {
  std::vector<int64_t> ids = AppendCensors(7, 40);
  ASSERT_TRUE(store_->SealAll().ok());
  const std::string kCheckpoints = "SELECT count(*) FROM modlog.verified_checkpoint";
  ASSERT_EQ(Scalar(kCheckpoints), "0");

  std::string last_hash;
  for (int64_t after : {0, 3, 6}) {
    auto window = service_->VerifyWindow(after, after + 3);
    ASSERT_TRUE(window.ok()) << window.status();
    EXPECT_TRUE(window->intact) << window->problem;
    EXPECT_EQ(window->head_position, 7);
    EXPECT_EQ(window->verified_from, after);
    EXPECT_EQ(window->entries_checked, std::min<int64_t>(after + 3, 7)) << "the last window stops at the head";
    last_hash = window->head_hash;
  }
  EXPECT_EQ(last_hash, service_->GetEntry(ids[6])->chain_hash) << "the last window ends on the chain's head";
  EXPECT_EQ(Scalar(kCheckpoints), "0") << "a window vouches for no checkpoint";

  EXPECT_EQ(service_->VerifyWindow(3, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->VerifyWindow(-1, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->VerifyWindow(8, 20).status().code(), absl::StatusCode::kOutOfRange);

  AppendCensors(13, 50);
  ASSERT_TRUE(store_->SealAll().ok());
  auto capped = service_->VerifyWindow(0, 1000);
  ASSERT_TRUE(capped.ok()) << capped.status();
  EXPECT_EQ(capped->entries_checked, 2 * LogStore::kWindowsPerCall) << "one call checks 8 of the store's windows of 2";
  EXPECT_EQ(capped->head_position, 20);

  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(ids[4]));
  auto before_it = service_->VerifyWindow(0, 3);
  ASSERT_TRUE(before_it.ok());
  EXPECT_TRUE(before_it->intact) << "the window before the edit holds";
  auto over_it = service_->VerifyWindow(3, 6);
  ASSERT_TRUE(over_it.ok());
  EXPECT_FALSE(over_it->intact);
  EXPECT_EQ(over_it->broken_position, 5);
  EXPECT_EQ(over_it->broken_entry_id, ids[4]);
  EXPECT_EQ(over_it->entries_checked, 4);
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

// Verifying since the checkpoint: the entries_checked - verified_from entries after it are the
// ones recomputed.
TEST_F(ModlogTest, VerifyingSinceTheCheckpointRecomputesOnlyWhatWasSealedAfterIt) {
  AppendCensors(3, 40);
  auto first = Verify(VerifyScope::kSinceCheckpoint);  // no checkpoint yet: everything
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->intact) << first->problem;
  EXPECT_EQ(first->verified_from, 0);
  EXPECT_EQ(first->entries_checked, 3);
  ASSERT_TRUE(first->whole_chain_verified_at.has_value());

  int64_t last = AppendCensors(2, 50).back();
  auto second = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->intact) << second->problem;
  EXPECT_EQ(second->verified_from, 3);
  EXPECT_EQ(second->entries_checked, 5);
  EXPECT_EQ(second->head_hash, service_->GetEntry(last)->chain_hash);
  EXPECT_EQ(second->whole_chain_verified_at, first->whole_chain_verified_at);

  auto nothing_new = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(nothing_new.ok());
  EXPECT_TRUE(nothing_new->intact) << nothing_new->problem;
  EXPECT_EQ(nothing_new->verified_from, 5);
  EXPECT_EQ(nothing_new->entries_checked, 5);
  EXPECT_EQ(nothing_new->head_hash, second->head_hash);

  auto whole = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->intact) << whole->problem;
  EXPECT_EQ(whole->verified_from, 0);
  EXPECT_EQ(whole->entries_checked, 5);
}

TEST_F(ModlogTest, VerifyingSinceTheCheckpointFindsWhatWasTamperedWithAfterIt) {
  std::vector<int64_t> ids = AppendCensors(3, 40);
  ASSERT_TRUE(Verify(VerifyScope::kSinceCheckpoint).ok());
  for (int64_t id : AppendCensors(3, 50)) {
    ids.push_back(id);
  }
  ASSERT_TRUE(store_->SealAll().ok());
  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(ids[4]));
  for (int twice = 0; twice < 2; ++twice) {  // a broken chain does not move the checkpoint past the break
    auto report = Verify(VerifyScope::kSinceCheckpoint);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_FALSE(report->intact);
    EXPECT_EQ(report->verified_from, 3);
    EXPECT_EQ(report->broken_entry_id, ids[4]);
    EXPECT_EQ(report->broken_position, 5);
    EXPECT_NE(report->problem.find("edited"), std::string::npos) << report->problem;
  }

  // An entry written after the checkpoint and dropped from the sealing queue.
  int64_t dropped = Append(Censor("60", kReason));
  Tamper("DELETE FROM modlog.unsealed");
  Tamper("UPDATE modlog.entries SET justification = '" + std::string(kReason) + "' WHERE id = " +
         std::to_string(ids[4]));
  auto report = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->verified_from, 3);
  EXPECT_EQ(report->broken_entry_id, dropped);
}

TEST_F(ModlogTest, AnEditBeforeTheCheckpointIsFoundByVerifyingTheWholeChain) {
  std::vector<int64_t> ids = AppendCensors(4, 40);
  ASSERT_TRUE(Verify(VerifyScope::kSinceCheckpoint).ok());
  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(ids[1]));
  // What the checkpoint is for: it is not recomputed ...
  auto since = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(since.ok());
  EXPECT_TRUE(since->intact);
  EXPECT_EQ(since->verified_from, 4);
  // ... but the whole chain is.
  auto whole = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->intact);
  EXPECT_EQ(whole->broken_position, 2);
  EXPECT_EQ(whole->broken_entry_id, ids[1]);
  // From then on, the checkpoint is not trusted.
  since = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(since.ok());
  EXPECT_FALSE(since->intact);
  EXPECT_EQ(since->verified_from, 0);
  EXPECT_EQ(since->broken_position, 2);
}

TEST_F(ModlogTest, TheWholeChainIsRecomputedWhenItsLastVerificationIsADayOld) {
  std::vector<int64_t> ids = AppendCensors(4, 40);
  ASSERT_TRUE(Verify(VerifyScope::kSinceCheckpoint).ok());
  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(ids[0]));
  Exec("UPDATE modlog.verified_checkpoint SET whole_chain_verified_at = now() - interval '23 hours'");
  auto recent = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(recent->verified_from, 4);
  Exec("UPDATE modlog.verified_checkpoint SET whole_chain_verified_at = now() - interval '25 hours'");
  auto stale = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->verified_from, 0);
  EXPECT_FALSE(stale->intact);
  EXPECT_EQ(stale->broken_position, 1);
}

TEST_F(ModlogTest, ACheckpointTheChainNoLongerPassesThroughIsReportedAndEverythingRecomputed) {
  std::vector<int64_t> ids = AppendCensors(3, 40);
  ASSERT_TRUE(Verify(VerifyScope::kSinceCheckpoint).ok());
  Append(Censor("50", kReason));

  // A forged head hash: the chain at position 3 does not have it.
  Tamper("UPDATE modlog.verified_checkpoint SET head_hash = sha256('forged')");
  auto forged = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(forged.ok()) << forged.status();
  EXPECT_EQ(forged->verified_from, 0);
  EXPECT_FALSE(forged->intact);
  EXPECT_EQ(forged->broken_position, 3);
  EXPECT_EQ(forged->broken_entry_id, ids[2]);
  EXPECT_NE(forged->problem.find("checkpoint"), std::string::npos) << forged->problem;
  // It stays broken: a verification never writes over the evidence.
  auto again = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->intact);
  EXPECT_EQ(again->broken_position, 3);

  // A checkpoint past the end of the chain: entries were cut off its end, or the checkpoint forged.
  Tamper("UPDATE modlog.verified_checkpoint SET position = 9, head_hash = sha256('forged')");
  auto past_end = Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(past_end.ok()) << past_end.status();
  EXPECT_EQ(past_end->verified_from, 0);
  EXPECT_FALSE(past_end->intact);
  EXPECT_EQ(past_end->broken_position, 5);
  EXPECT_NE(past_end->problem.find("ends at position 4"), std::string::npos) << past_end->problem;
}

TEST_F(ModlogTest, EntriesCutOffTheEndOfTheChainAreFoundThroughTheCheckpoint) {
  std::vector<int64_t> ids = AppendCensors(4, 40);
  ASSERT_TRUE(Verify(VerifyScope::kSinceCheckpoint).ok());
  // The last two decisions' entries and links removed: what is left links up as before.
  Tamper("DELETE FROM modlog.chain WHERE position > 2; DELETE FROM modlog.entries WHERE id IN (" +
         std::to_string(ids[2]) + ", " + std::to_string(ids[3]) + ")");
  for (VerifyScope scope : {VerifyScope::kSinceCheckpoint, VerifyScope::kWholeChain}) {
    auto report = Verify(scope);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_FALSE(report->intact);
    EXPECT_EQ(report->broken_position, 3);
    EXPECT_NE(report->problem.find("ends at position 2"), std::string::npos) << report->problem;
  }
}

TEST_F(ModlogTest, AnEntrySealedLongAfterLaterOnesIsVerifiedAndItsEditFound) {
  // Its decision's transaction stays open while 80 later entries are written and sealed, so
  // its link shares a window with entries 80 ids away.
  pqxx::connection connection(url_);
  for (const db::PreparedStatement& statement : LogStore::Statements()) {
    connection.prepare(statement.name, statement.sql);
  }
  pqxx::work late(connection);
  int64_t straggler = LogStore::Append(late, Censor("30", kReason));
  AppendCensors(80, 100);
  ASSERT_TRUE(store_->SealAll().ok());
  late.commit();
  ASSERT_TRUE(store_->SealAll().ok());
  Append(Censor("200", kReason));
  auto report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries_checked, 82);
  ASSERT_EQ(store_->Get(straggler)->chain_position, 81);

  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(straggler));
  report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_entry_id, straggler);
  EXPECT_EQ(report->broken_position, 81);
}

// As in curationd, whose pool runs as the restricted role: its verification connections too.
TEST_F(ModlogTest, VerifiesAndKeepsItsCheckpointAsTheServicesRole) {
  AppendCensors(3, 40);
  auto pool = db::Pool::Create({.url = url_, .size = 2, .statements = LogStore::Statements(), .role = "curation_service"});
  ASSERT_TRUE(pool.ok()) << pool.status();
  LogStore store(**pool, 2);
  ASSERT_TRUE(store.SealAll().ok());
  auto whole = store.Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_TRUE(whole->intact) << whole->problem;
  auto since = store.Verify(VerifyScope::kSinceCheckpoint);
  ASSERT_TRUE(since.ok()) << since.status();
  EXPECT_TRUE(since->intact) << since->problem;
  EXPECT_EQ(since->verified_from, 3);
}

TEST_F(ModlogTest, AnEntrySealedTwiceIsFoundByVerifyingTheWholeChain) {
  std::vector<int64_t> ids = AppendCensors(3, 40);
  auto verified = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(verified.ok() && verified->intact);
  // A fourth link, well formed, to the first entry again.
  auto first = store_->Get(ids[0]);
  ASSERT_TRUE(first.ok());
  std::string link = ChainHash(verified->head_hash, first->content_hash);
  Tamper("ALTER TABLE modlog.chain DROP CONSTRAINT chain_entry_id_key;"
         " INSERT INTO modlog.chain (position, entry_id, previous_hash, chain_hash) VALUES (4, " +
         std::to_string(ids[0]) + ", decode('" + Hex(verified->head_hash) + "', 'hex'), decode('" + Hex(link) +
         "', 'hex'))");
  auto report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->intact);
  EXPECT_NE(report->problem.find("twice"), std::string::npos) << report->problem;
}

TEST_F(ModlogTest, AnEntryThatCannotBeReadIsNamed) {
  std::vector<int64_t> ids = AppendCensors(3, 40);
  ASSERT_TRUE(store_->SealAll().ok());
  // Codes in two dimensions with a NULL read as their elements, in order: a different content.
  Tamper("UPDATE modlog.entries SET policy_codes = '{{copyright,NULL}}' WHERE id = " + std::to_string(ids[0]));
  auto report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->intact) << report->problem;  // the same codes as before, read the same way
  Tamper("UPDATE modlog.entries SET policy_codes = '{{copyright,tos-dmca}}' WHERE id = " + std::to_string(ids[0]));
  report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_entry_id, ids[0]);
  // A column whose type was changed under the log.
  Tamper("ALTER TABLE modlog.entries ALTER COLUMN item_id TYPE integer");
  report = Verify(VerifyScope::kWholeChain);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->broken_entry_id, ids[0]);
  EXPECT_NE(report->problem.find("cannot be read"), std::string::npos) << report->problem;
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
  // Bob's entries, or everyone's, cannot be paged with a token from Alice's.
  EXPECT_EQ(service_->ListEntries({.filter = {.actor = "bob"}, .page_token = page->next_page_token}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListEntries({.page_token = page->next_page_token}).status().code(),
            absl::StatusCode::kInvalidArgument);

  auto window = service_->ListEntries(
      {.filter = {.start = clock_.Now() + 1h, .end = clock_.Now() + 3h, .target_kind = "video"}});
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->entries.size(), 2u);
  EXPECT_EQ(window->entries[0].content.target_id, "41");

  auto target = service_->ListEntries({.filter = {.target_kind = "video", .target_id = "43"}});
  ASSERT_EQ(target->entries.size(), 1u);

  // A channel's history: the entries on its videos (by the snapshot's channel) and on itself.
  EntryContent in_channel = Censor("50", "A second upload of the same label's video, no licence.");
  in_channel.snapshot.channel_id = "9";
  Append(in_channel);
  EntryContent on_channel = Censor("9", "A channel that only re-uploads the label's catalogue.");
  on_channel.target_kind = "channel";
  Append(on_channel);
  auto history = service_->ListEntries({.filter = {.in_channel_id = "9"}});
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->entries.size(), 2u);
  EXPECT_EQ(history->entries[0].content.target_id, "50");
  EXPECT_EQ(history->entries[1].content.target_kind, "channel");
  EXPECT_EQ(service_->ListEntries({.filter = {.in_channel_id = "90"}})->entries.size(), 0u);

  EXPECT_EQ(service_->ListEntries({.page_token = "garbage"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListEntries({.filter = {.kinds = {"delete"}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListEntries({.filter = {.target_id = "43"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->GetEntry(999).status().code(), absl::StatusCode::kNotFound);

  int exported = 0;
  ASSERT_TRUE(service_->Export({}, [&](const Entry&) { return ++exported < 100; }).ok());
  EXPECT_EQ(exported, 7);  // the five, and the channel history's two
}

// ModerationLogService over gRPC, read as the council.
class ModlogGrpcTest : public ModlogTest {
 protected:
  static constexpr char kWhy[] = "Reuploaded music video from a major label, no licence.";

  void SetUp() override {
    ModlogTest::SetUp();
    rpc_metrics_ = std::make_unique<server::RpcMetrics>(metrics_);
    auth_ = std::make_unique<testing::AuthFixture>(url_);
    grpc_service_ = std::make_unique<ModerationLogGrpcService>(*service_, auth_->Env(*rpc_metrics_));
    host_.Register(grpc_service_.get(), ModerationLogGrpcService::kName);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0"}).ok());
    stub_ = v1::ModerationLogService::NewStub(host_.InProcessChannel());
  }

  std::unique_ptr<grpc::ClientContext> Council() const { return auth_->Context(auth::Role::kCouncil); }

  // Writes every entry in one transaction; returns their ids in order.
  std::vector<int64_t> AppendAll(std::vector<EntryContent> contents) {
    std::vector<int64_t> ids;
    EXPECT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
      for (EntryContent& content : contents) {
        ids.push_back(LogStore::Append(tx, std::move(content)));
      }
      return absl::OkStatus();
    }).ok());
    return ids;
  }

  // The ids ListEntries returns for `filter`, following every page of `page_size`.
  std::vector<int64_t> ListedIds(const v1::EntryFilter& filter, int page_size = 0) {
    std::vector<int64_t> ids;
    v1::ListEntriesRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListEntriesResponse response;
      grpc::Status status = stub_->ListEntries(Council().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const v1::Entry& entry : response.entries()) {
        ids.push_back(entry.id());
      }
      if (!status.ok() || response.next_page_token().empty()) {
        break;
      }
      request.set_page_token(response.next_page_token());
    }
    return ids;
  }
  grpc::StatusCode ListCode(const v1::ListEntriesRequest& request) {
    v1::ListEntriesResponse response;
    return stub_->ListEntries(Council().get(), request, &response).error_code();
  }

  // Reads an export to its end.
  struct Export {
    std::vector<int64_t> ids;
    grpc::Status status;
  };
  Export ExportAll(const v1::EntryFilter& filter = {}) {
    Export result;
    v1::ExportEntriesRequest request;
    *request.mutable_filter() = filter;
    auto context = Council();
    auto reader = stub_->ExportEntries(context.get(), request);
    v1::Entry entry;
    while (reader->Read(&entry)) {
      result.ids.push_back(entry.id());
    }
    result.status = reader->Finish();
    return result;
  }

  // The entry as the council reads it; a failed call fails the test and gives an empty entry.
  v1::Entry GetEntry(int64_t id) {
    v1::Entry entry;
    grpc::Status status = GetEntryCall(id, &entry);
    EXPECT_TRUE(status.ok()) << "entry " << id << ": " << status.error_message();
    return entry;
  }
  grpc::Status GetEntryCall(int64_t id, v1::Entry* entry) {
    v1::GetEntryRequest request;
    request.set_id(id);
    return stub_->GetEntry(Council().get(), request, entry);
  }

  v1::VerifyLogResponse VerifyLog(const v1::VerifyLogRequest& request = {}) {
    v1::VerifyLogResponse response;
    grpc::Status status = stub_->VerifyLog(Council().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::unique_ptr<server::RpcMetrics> rpc_metrics_;
  std::unique_ptr<testing::AuthFixture> auth_;
  std::unique_ptr<ModerationLogGrpcService> grpc_service_;
  server::GrpcHost host_;
  std::unique_ptr<v1::ModerationLogService::Stub> stub_;
};

TEST_F(ModlogGrpcTest, ListsEntriesPageByPageAndMapsEveryFilter) {
  // Entry i is recorded i hours after now.
  struct Row {
    const char* kind;
    const char* target_kind;
    const char* target;
    const char* actor;
  };
  const std::vector<Row> rows = {{kCensor, "video", "40", "alice"},  {kApprove, "video", "41", "bob"},
                                 {kCensor, "channel", "7", "alice"}, {kWarn, "video", "43", "bob"},
                                 {kCensor, "video", "44", "alice"},  {kEscalate, "video", "45", "alice"}};
  std::vector<EntryContent> contents;
  for (size_t i = 0; i < rows.size(); ++i) {
    EntryContent content = Censor(rows[i].target, kWhy);
    content.kind = rows[i].kind;
    content.target_kind = rows[i].target_kind;
    content.actor = rows[i].actor;
    content.recorded_at = clock_.Now() + std::chrono::hours(i);
    contents.push_back(content);
  }
  std::vector<int64_t> ids = AppendAll(contents);
  ASSERT_EQ(ids.size(), rows.size());
  auto pick = [&](std::initializer_list<int> which) {
    std::vector<int64_t> picked;
    for (int i : which) {
      picked.push_back(ids[i]);
    }
    return picked;
  };

  EXPECT_EQ(ListedIds({}, 4), ids) << "two pages, oldest first";
  EXPECT_EQ(ListedIds({}, 1), ids) << "six pages";
  v1::ListEntriesRequest first_page;
  first_page.set_page_size(4);
  v1::ListEntriesResponse page;
  ASSERT_TRUE(stub_->ListEntries(Council().get(), first_page, &page).ok());
  EXPECT_EQ(page.entries_size(), 4);
  EXPECT_FALSE(page.next_page_token().empty());

  v1::EntryFilter censors;
  censors.add_kinds(v1::ENTRY_KIND_CENSOR);
  EXPECT_EQ(ListedIds(censors), pick({0, 2, 4}));
  censors.add_kinds(v1::ENTRY_KIND_WARN);
  EXPECT_EQ(ListedIds(censors), pick({0, 2, 3, 4}));
  v1::EntryFilter channels;
  channels.set_target_kind(v1::TARGET_KIND_CHANNEL);
  EXPECT_EQ(ListedIds(channels), pick({2}));
  v1::EntryFilter one_video;
  one_video.set_target_kind(v1::TARGET_KIND_VIDEO);
  one_video.set_target_id("43");
  EXPECT_EQ(ListedIds(one_video), pick({3}));
  v1::EntryFilter bobs;
  bobs.set_actor("bob");
  EXPECT_EQ(ListedIds(bobs), pick({1, 3}));
  v1::EntryFilter window;  // start inclusive, end exclusive
  *window.mutable_start_time() = server::ToTimestamp(clock_.Now() + 1h);
  *window.mutable_end_time() = server::ToTimestamp(clock_.Now() + 3h);
  EXPECT_EQ(ListedIds(window), pick({1, 2}));
  v1::EntryFilter since;
  *since.mutable_start_time() = server::ToTimestamp(clock_.Now() + 4h);
  EXPECT_EQ(ListedIds(since), pick({4, 5}));

  // Each entry comes back with its kind and target as enums.
  v1::Entry channel_censor = GetEntry(ids[2]);
  EXPECT_EQ(channel_censor.kind(), v1::ENTRY_KIND_CENSOR);
  EXPECT_EQ(channel_censor.target_kind(), v1::TARGET_KIND_CHANNEL);
  EXPECT_EQ(channel_censor.target_id(), "7");
  EXPECT_EQ(GetEntry(ids[5]).kind(), v1::ENTRY_KIND_ESCALATE);

  v1::ListEntriesRequest bad;
  bad.mutable_filter()->add_kinds(static_cast<v1::EntryKind>(42));
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "unknown kind";
  bad.Clear();
  bad.mutable_filter()->set_target_kind(static_cast<v1::TargetKind>(9));
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "unknown target kind";
  bad.Clear();
  bad.mutable_filter()->set_target_id("43");
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "target id without a kind";
  bad.Clear();
  *bad.mutable_filter()->mutable_start_time() = server::ToTimestamp(clock_.Now() + 3h);
  *bad.mutable_filter()->mutable_end_time() = server::ToTimestamp(clock_.Now() + 1h);
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "end before start";
  bad.Clear();
  bad.mutable_filter()->mutable_start_time()->set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "a start past what the clock counts";
  bad.Clear();
  bad.set_page_token("garbage");
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "page token";
  bad.Clear();
  bad.set_page_size(1001);
  EXPECT_EQ(ListCode(bad), grpc::INVALID_ARGUMENT) << "page size";
  v1::Entry missing;
  EXPECT_EQ(GetEntryCall(424242, &missing).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(GetEntryCall(0, &missing).error_code(), grpc::INVALID_ARGUMENT);
}

TEST_F(ModlogGrpcTest, ACensorIsPendingWithItsChainCommandUntilTheChainConfirmsIt) {
  EntryContent content = Censor("42", kWhy);
  int64_t id = Append(content);
  EntryContent approve = Censor("43", kWhy);
  approve.kind = kApprove;
  approve.policy_codes.clear();
  int64_t approved = Append(approve);

  v1::Entry entry = GetEntry(id);
  EXPECT_EQ(entry.kind(), v1::ENTRY_KIND_CENSOR);
  EXPECT_EQ(entry.reference(), EntryReference(id));
  EXPECT_EQ(entry.chain_status(), v1::CHAIN_STATUS_PENDING);
  EXPECT_EQ(entry.confirmed_by_entry_id(), 0);
  EXPECT_EQ(entry.chain_command(), ChainCommand(id, content));
  EXPECT_NE(entry.chain_command().find("content:setVideoVisibilityAsModerator -v 42 -s HIDDEN"), std::string::npos)
      << entry.chain_command();
  EXPECT_NE(entry.chain_command().find(EntryReference(id)), std::string::npos) << entry.chain_command();
  EXPECT_EQ(entry.actor(), "alice");
  EXPECT_EQ(entry.actor_worker_id(), 7);
  EXPECT_EQ(entry.item_id(), 1);
  EXPECT_EQ(entry.justification(), kWhy);
  ASSERT_EQ(entry.policy_codes_size(), 1);
  EXPECT_EQ(entry.policy_codes(0), "copyright");
  EXPECT_EQ(entry.snapshot().title(), "A title with 'quotes' and ünïcödé");
  EXPECT_EQ(entry.snapshot().playability(), v1::VERDICT_PLAYABLE);
  EXPECT_EQ(entry.record_time().seconds(), server::ToTimestamp(clock_.Now()).seconds());
  EXPECT_EQ(entry.content_hash().size(), 64u) << "hex SHA-256";

  v1::Entry approval = GetEntry(approved);
  EXPECT_EQ(approval.chain_status(), v1::CHAIN_STATUS_UNSPECIFIED) << "not a chain action";
  EXPECT_EQ(approval.chain_command(), "");

  ChainEvent("OLYMPIA-4242-1", "video_visibility", "video", "42", true, EntryReference(id) + " [copyright]: reupload",
             "2027-01-15T12:00:00Z");
  ASSERT_TRUE(reconciler_->Drain().ok());
  entry = GetEntry(id);
  EXPECT_EQ(entry.chain_status(), v1::CHAIN_STATUS_CONFIRMED);
  ASSERT_NE(entry.confirmed_by_entry_id(), 0);
  v1::Entry confirmation = GetEntry(entry.confirmed_by_entry_id());
  EXPECT_EQ(confirmation.kind(), v1::ENTRY_KIND_CHAIN_CONFIRMED);
  EXPECT_EQ(confirmation.confirms_entry_id(), id);
  EXPECT_EQ(confirmation.chain_event().block(), 4242);
  EXPECT_EQ(confirmation.chain_event().extrinsic(), "0xabc");
}

TEST_F(ModlogGrpcTest, VerifyLogReportsAnIntactChainAndNamesATamperedEntry) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(Append(Censor(std::to_string(40 + i), kWhy)));
  }
  v1::VerifyLogResponse intact = VerifyLog();
  EXPECT_TRUE(intact.intact()) << intact.problem();
  EXPECT_EQ(intact.entries_checked(), 4);
  EXPECT_EQ(intact.unsealed(), 0);
  EXPECT_EQ(intact.broken_entry_id(), 0);
  v1::Entry last = GetEntry(ids.back());
  EXPECT_EQ(intact.head_hash(), last.chain_hash());
  EXPECT_EQ(last.chain_position(), 4);

  Tamper("UPDATE modlog.entries SET justification = 'looked fine to me' WHERE id = " + std::to_string(ids[2]));
  v1::VerifyLogResponse broken = VerifyLog();  // a report, not an error
  EXPECT_FALSE(broken.intact());
  EXPECT_EQ(broken.broken_entry_id(), ids[2]);
  EXPECT_EQ(broken.broken_position(), 3);
  EXPECT_NE(broken.problem().find("edited"), std::string::npos) << broken.problem();
}

TEST_F(ModlogGrpcTest, VerifyLogRecomputesTheWholeChainUnlessAskedForWhatIsNewSinceTheCheckpoint) {
  for (int i = 0; i < 3; ++i) {
    Append(Censor(std::to_string(40 + i), kWhy));
  }
  v1::VerifyLogResponse whole = VerifyLog();  // as a client from before the field asks
  EXPECT_TRUE(whole.intact()) << whole.problem();
  EXPECT_EQ(whole.verified_from(), 0);
  ASSERT_TRUE(whole.has_whole_chain_verify_time());

  Append(Censor("50", kWhy));
  v1::VerifyLogRequest since;
  since.set_since_checkpoint(true);
  v1::VerifyLogResponse recent = VerifyLog(since);
  EXPECT_TRUE(recent.intact()) << recent.problem();
  EXPECT_EQ(recent.verified_from(), 3);
  EXPECT_EQ(recent.entries_checked(), 4);
  EXPECT_EQ(recent.whole_chain_verify_time().seconds(), whole.whole_chain_verify_time().seconds());
  EXPECT_EQ(recent.whole_chain_verify_time().nanos(), whole.whole_chain_verify_time().nanos());

  EXPECT_EQ(VerifyLog().verified_from(), 0);
}

TEST_F(ModlogGrpcTest, ExportStreamsEveryEntryAndOutlivesAClientThatLeaves) {
  constexpr int kEntries = 2500;  // more than one page of the export's reads
  std::vector<EntryContent> contents;
  for (int i = 0; i < kEntries; ++i) {
    contents.push_back(Censor(std::to_string(i), kWhy));
    if (i % 5 == 0) {
      contents.back().kind = kApprove;
    }
  }
  std::vector<int64_t> ids = AppendAll(std::move(contents));
  Export all = ExportAll();
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  EXPECT_EQ(all.ids, ids) << "every entry, once, oldest first";
  v1::EntryFilter approvals;
  approvals.add_kinds(v1::ENTRY_KIND_APPROVE);
  Export some = ExportAll(approvals);
  ASSERT_TRUE(some.status.ok()) << some.status.error_message();
  EXPECT_EQ(some.ids.size(), static_cast<size_t>(kEntries / 5));
  v1::EntryFilter bad;
  bad.add_kinds(static_cast<v1::EntryKind>(42));
  EXPECT_EQ(ExportAll(bad).status.error_code(), grpc::INVALID_ARGUMENT);

  // A client reads a little, then leaves.
  auto context = Council();
  auto reader = stub_->ExportEntries(context.get(), {});
  v1::Entry entry;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(reader->Read(&entry));
  }
  context->TryCancel();
  while (reader->Read(&entry)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::CANCELLED);

  // The server carries on.
  Export again = ExportAll();
  EXPECT_TRUE(again.status.ok()) << again.status.error_message();
  EXPECT_EQ(again.ids.size(), static_cast<size_t>(kEntries));
  EXPECT_TRUE(VerifyLog().intact());
  host_.Shutdown(5s);  // waits for the abandoned export's handler
  EXPECT_NE(metrics_.Expose().find("curation_grpc_requests_total{code=\"CANCELLED\",method=\"ExportEntries\"} 1"),
            std::string::npos)
      << "the abandoned export stopped and was counted";
}

}  // namespace
}  // namespace curation::modlog
