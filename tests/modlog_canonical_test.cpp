// The canonical bytes PostgreSQL computes for each log entry (migration 0011) are the ones the
// writer hashed (entry.cpp), for every kind of content; an edit of any column changes them, and
// the column cannot be turned into one an attacker writes without verification saying so.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <curation/modlog/log_store.hpp>

#include "postgres_fixture.hpp"

namespace curation::modlog {
namespace {

using namespace std::chrono_literals;

class CanonicalEntryTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(LogStore::Statements());
    store_ = std::make_unique<LogStore>(*pool_);
  }

  int64_t Append(EntryContent content) {
    int64_t id = 0;
    EXPECT_TRUE(pool_->InTransaction([&](pqxx::work& tx) {
      id = LogStore::Append(tx, std::move(content));
      return absl::OkStatus();
    }).ok());
    return id;
  }

  std::string StoredCanonical(int64_t id) {
    pqxx::connection connection(url_);
    pqxx::work tx(connection);
    auto row = tx.exec_params1("SELECT canonical FROM modlog.entries WHERE id = $1", id);
    pqxx::binarystring bytes(row[0]);
    return bytes.str();
  }

  absl::StatusOr<VerifyReport> VerifyAll() {
    EXPECT_TRUE(store_->SealAll().ok());
    return store_->Verify(VerifyScope::kWholeChain);
  }

  void Tamper(const std::string& sql) {
    pqxx::connection connection(url_);
    pqxx::work tx(connection);
    tx.exec("SET session_replication_role = replica; " + sql);
    tx.commit();
  }

  static EntryContent Plain() {
    EntryContent content;
    content.kind = "censor";
    content.actor = "alice";
    content.actor_role = "curator";
    content.target_kind = "video";
    content.target_id = "42";
    content.justification = "Reuploaded music video from a major label, no licence.";
    content.policy_codes = {"copyright"};
    content.recorded_at = TimePoint(std::chrono::microseconds(1'800'000'000'123'456));
    return content;
  }

  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(CanonicalEntryTest, PostgresComputesTheBytesTheWriterHashed) {
  std::vector<EntryContent> contents;
  contents.push_back(Plain());
  EntryContent full = Plain();
  full.actor_worker_id = 0;
  full.item_id = -7;
  full.justification = "Zalgo t\u0337e\u0336x\u0335t, \u202eRTL\u202c, emoji \U0001F3AC, NUL-free but \t tabbed\nlines";
  full.policy_codes = {"copyright", "", "tos-dmca"};
  full.note = "second opinion asked";
  full.snapshot = {.title = "Título ✓",
                   .channel_id = "9",
                   .channel_title = "Канал",
                   .category_id = "3",
                   .category_name = "Music",
                   .verdict = "degraded",
                   .verdict_summary = "NOT_FASTSTART"};
  full.reverts_entry_id = std::nullopt;
  full.confirms_entry_id = std::nullopt;
  contents.push_back(full);
  EntryContent none = Plain();
  none.policy_codes = {};
  none.justification = "";
  none.recorded_at = TimePoint(std::chrono::microseconds(-86'400'000'001));  // before the epoch
  contents.push_back(none);
  for (std::optional<bool> hidden : {std::optional<bool>(true), std::optional<bool>(false), std::optional<bool>()}) {
    EntryContent chained = Plain();
    chained.kind = "chain_confirmed";
    chained.actor = "chain";
    chained.chain_event = ChainEvent{.event_id = "0000123-0001" + std::string(hidden ? (*hidden ? "h" : "v") : "n"),
                                     .block = 123,
                                     .extrinsic = "",
                                     .is_hidden = hidden,
                                     .rationale = "rationale with 'quotes'",
                                     .actor = "curator:7",
                                     .event_at = TimePoint(std::chrono::microseconds(1'799'999'999'000'001))};
    contents.push_back(chained);
  }
  std::vector<int64_t> ids;
  for (const auto& content : contents) {
    ids.push_back(Append(content));
  }
  for (int64_t id : ids) {
    auto entry = store_->Get(id);
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(StoredCanonical(id), CanonicalBytes(entry->content)) << "entry " << id;
  }
  auto report = VerifyAll();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->intact) << report->problem;
}

TEST_F(CanonicalEntryTest, AnEditOfAnyColumnShows) {
  const std::vector<std::string> edits = {
      "actor = 'mallory'",          "actor_worker_id = 5",          "item_id = 1",
      "policy_codes = '{}'",        "note = 'x'",                   "snapshot_verdict = 'playable'",
      "chain_rationale = 'other'",  "chain_event_at = now()",       "recorded_at = recorded_at + interval '1 microsecond'",
      "chain_is_hidden = NOT chain_is_hidden"};
  for (const std::string& edit : edits) {
    SCOPED_TRACE(edit);
    EntryContent content = Plain();
    content.chain_event = ChainEvent{.event_id = "e-" + edit, .block = 5, .is_hidden = true, .rationale = "r"};
    int64_t id = Append(content);
    auto before = VerifyAll();
    ASSERT_TRUE(before.ok() && before->intact);
    Tamper("UPDATE modlog.entries SET " + edit + " WHERE id = " + std::to_string(id));
    auto after = VerifyAll();
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_FALSE(after->intact);
    EXPECT_EQ(after->broken_entry_id, id);
    Tamper("TRUNCATE modlog.verified_checkpoint, modlog.entries CASCADE");  // the next edit starts on a clean log
  }
}

TEST_F(CanonicalEntryTest, TheCanonicalColumnCannotBeWrittenOrLeftBehind) {
  int64_t id = Append(Plain());
  ASSERT_TRUE(VerifyAll()->intact);
  EXPECT_THROW(Tamper("UPDATE modlog.entries SET canonical = '\\x00' WHERE id = " + std::to_string(id)),
               pqxx::sql_error);
  // Its bytes depend on the columns' types, so their types cannot change under it.
  EXPECT_THROW(Tamper("ALTER TABLE modlog.entries ALTER COLUMN item_id TYPE integer"), pqxx::sql_error);
  // Made a plain column, it would keep its bytes through an edit: verification refuses the table.
  Tamper("ALTER TABLE modlog.entries ALTER COLUMN canonical DROP EXPRESSION");
  auto report = VerifyAll();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->intact);
  EXPECT_NE(report->problem.find("no longer computed"), std::string::npos) << report->problem;
}

}  // namespace
}  // namespace curation::modlog
