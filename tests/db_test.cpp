#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <curation/db/migrations.hpp>
#include <curation/db/pool.hpp>

#include "postgres_fixture.hpp"

namespace curation::db {
namespace {

using namespace std::chrono_literals;
using curation::testing::DatabaseTest;
using curation::testing::PostgresEnvironment;

class MigrationTest : public DatabaseTest {
 protected:
  // A database with nothing applied, unlike the migrated template.
  void SetUp() override {
    DatabaseTest::SetUp();
    pqxx::connection admin(PostgresEnvironment::Get().AdminUrl());
    pqxx::nontransaction tx(admin);
    name_ = "bare_" + std::to_string(++counter_);
    tx.exec0("CREATE DATABASE " + admin.quote_name(name_));
    url_ = PostgresEnvironment::Get().server().Url(name_);
  }
  std::string name_;
  static inline int counter_ = 0;
};

TEST_F(MigrationTest, AppliesEveryBundledMigrationOnceWithChecksums) {
  auto first = Migrate(url_, BundledMigrations());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, static_cast<int>(BundledMigrations().size()));
  EXPECT_EQ(Scalar("SELECT count(*) FROM public.schema_migrations"), std::to_string(BundledMigrations().size()));
  EXPECT_EQ(Scalar("SELECT length(checksum) FROM public.schema_migrations LIMIT 1"), "64");
  auto again = Migrate(url_, BundledMigrations());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied, 0);
}

TEST_F(MigrationTest, RefusesADatabaseNewerThanTheBinary) {
  ASSERT_TRUE(Migrate(url_, BundledMigrations()).ok());
  std::vector<Migration> older(BundledMigrations().begin(), BundledMigrations().end() - 1);
  auto result = Migrate(url_, older);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("newer"), std::string::npos) << result.status();
}

TEST_F(MigrationTest, RefusesAnEditedMigration) {
  ASSERT_TRUE(Migrate(url_, BundledMigrations()).ok());
  std::vector<Migration> edited = BundledMigrations();
  edited[0].sql += "\n-- edited after release\n";
  auto result = Migrate(url_, edited);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find(edited[0].name), std::string::npos) << result.status();
}

TEST_F(MigrationTest, AFailingMigrationLeavesNothingHalfApplied) {
  std::vector<Migration> broken = {{1, "0001_ok.sql", "CREATE TABLE a (x int);"},
                                   {2, "0002_broken.sql", "CREATE TABLE b (x int); SELECT no_such_function();"}};
  auto result = Migrate(url_, broken);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM public.schema_migrations"), "1");
  EXPECT_EQ(Scalar("SELECT to_regclass('public.b')::text"), "");
}

absl::Status CreateTableT(Pool& pool) {
  return pool.InTransaction([](pqxx::work& tx) {
    tx.exec0("CREATE TABLE t (x int)");
    return absl::OkStatus();
  });
}

TEST_F(DatabaseTest, TransactionsCommitOnlyOnSuccess) {
  auto pool = MakePool({});
  ASSERT_TRUE(pool);
  ASSERT_TRUE(CreateTableT(*pool).ok());
  auto failed = pool->InTransaction([](pqxx::work& tx) {
    tx.exec0("INSERT INTO t VALUES (1)");
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Scalar("SELECT count(*) FROM t"), "0");
}

TEST_F(DatabaseTest, ASnapshotSeesNothingCommittedDuringItAndWritesNothing) {
  auto pool = MakePool({});
  ASSERT_TRUE(pool);
  ASSERT_TRUE(CreateTableT(*pool).ok());
  std::string first, second;
  auto read = pool->InSnapshot([&](pqxx::transaction_base& tx) {
    first = tx.exec1("SELECT count(*) FROM t")[0].as<std::string>();
    EXPECT_TRUE(pool->InTransaction([](pqxx::work& tx) {
                      tx.exec0("INSERT INTO t VALUES (1)");
                      return absl::OkStatus();
                    }).ok());
    second = tx.exec1("SELECT count(*) FROM t")[0].as<std::string>();
    return absl::OkStatus();
  });
  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(first, "0");
  EXPECT_EQ(second, "0") << "a row committed meanwhile showed up in the snapshot";
  EXPECT_EQ(Scalar("SELECT count(*) FROM t"), "1");
  auto write = pool->InSnapshot([](pqxx::transaction_base& tx) {
    tx.exec0("INSERT INTO t VALUES (2)");
    return absl::OkStatus();
  });
  EXPECT_FALSE(write.ok()) << "a snapshot is read-only";
  EXPECT_EQ(Scalar("SELECT count(*) FROM t"), "1");
}

TEST_F(DatabaseTest, ExceptionsBecomeStatuses) {
  auto pool = MakePool({});
  ASSERT_TRUE(pool);
  auto bad_sql = pool->InTransaction([](pqxx::work& tx) {
    tx.exec("SELECT * FROM no_such_table");
    return absl::OkStatus();
  });
  EXPECT_EQ(bad_sql.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(bad_sql.message().find("no_such_table"), std::string::npos) << "no SQL leaks to callers";
}

TEST_F(DatabaseTest, TheDeadlineCutsAStatementShort) {
  auto pool = MakePool({});
  ASSERT_TRUE(pool);
  auto started = std::chrono::steady_clock::now();
  auto status = pool->InTransaction(
      [](pqxx::work& tx) {
        tx.exec("SELECT pg_sleep(5)");
        return absl::OkStatus();
      },
      SystemClock::Instance().Now() + 300ms);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  auto expired = pool->InTransaction([](pqxx::work&) { return absl::OkStatus(); },
                                     SystemClock::Instance().Now() - 1s);
  EXPECT_EQ(expired.code(), absl::StatusCode::kDeadlineExceeded);
}

// PostgreSQL arms a statement's timer before it runs, so a session left with a near deadline's
// few milliseconds would bound even the SET the next caller sends first; on a busy server
// that caller failed with DEADLINE_EXCEEDED at a deadline seconds away (seen in CI). The
// connection goes back to the pool with the configured timeout already in force.
TEST_F(DatabaseTest, ANearDeadlineLeavesNoShortTimeoutOnThePooledConnection) {
  auto pool = Pool::Create({.url = url_, .size = 1, .statement_timeout = 30s});
  ASSERT_TRUE(pool.ok());
  for (bool statement_fails : {false, true}) {
    std::string backend;
    auto status = (*pool)->Autocommit(
        [&](pqxx::nontransaction& tx) {
          backend = tx.exec1("SELECT pg_backend_pid()")[0].as<std::string>();
          EXPECT_TRUE(tx.exec1("SELECT current_setting('statement_timeout')::interval < interval '1 s'")[0].as<bool>())
              << "the deadline applies";
          if (statement_fails) {
            tx.exec("SELECT pg_sleep(2)");
          }
          return absl::OkStatus();
        },
        SystemClock::Instance().Now() + 301ms);
    EXPECT_EQ(status.code(), statement_fails ? absl::StatusCode::kDeadlineExceeded : absl::StatusCode::kOk) << status;
    ASSERT_FALSE(backend.empty());
    // What the pooled session ran last, read from outside it.
    EXPECT_EQ(Scalar("SELECT query FROM pg_stat_activity WHERE pid = " + backend), "SET statement_timeout=30000")
        << "after a statement that " << (statement_fails ? "ran past" : "met") << " the deadline";
    auto next = (*pool)->Autocommit([](pqxx::nontransaction& tx) {
      EXPECT_EQ(tx.exec1("SHOW statement_timeout")[0].as<std::string>(), "30s");
      return absl::OkStatus();
    });
    EXPECT_TRUE(next.ok()) << next;
  }
}

TEST_F(DatabaseTest, PoolWaitsForAFreeConnectionThenGivesUp) {
  auto pool = Pool::Create({.url = url_, .size = 1, .acquire_timeout = 200ms});
  ASSERT_TRUE(pool.ok());
  std::thread holder([&] {
    (*pool)->InTransaction([](pqxx::work& tx) {
      tx.exec("SELECT pg_sleep(1)");
      return absl::OkStatus();
    }).IgnoreError();
  });
  std::this_thread::sleep_for(100ms);
  auto status = (*pool)->InTransaction([](pqxx::work&) { return absl::OkStatus(); });
  holder.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ((*pool)->stats().in_use, 0);
}

// Callers queued for a connection get it in the order they came, and a caller arriving
// while others wait queues behind them instead of taking the connection just released.
TEST_F(DatabaseTest, PoolServesWaitingCallersInArrivalOrder) {
  auto pool = Pool::Create({.url = url_, .size = 1, .acquire_timeout = 10s});
  ASSERT_TRUE(pool.ok());
  std::mutex mutex;
  std::vector<int> served;
  auto queue_reached = [&](int length) {
    for (int i = 0; i < 2000; ++i) {
      if ((*pool)->stats().waiting >= length) {
        return true;
      }
      std::this_thread::sleep_for(1ms);
    }
    return false;
  };
  std::atomic<bool> all_queued{false};
  std::thread holder([&] {
    (*pool)->InTransaction([&](pqxx::work&) {
      while (!all_queued) {
        std::this_thread::sleep_for(1ms);
      }
      return absl::OkStatus();
    }).IgnoreError();
    // Back at once, while the others still wait: last in line.
    (*pool)->InTransaction([&](pqxx::work&) {
      std::lock_guard lock(mutex);
      served.push_back(3);
      return absl::OkStatus();
    }).IgnoreError();
  });
  while ((*pool)->stats().in_use == 0) {
    std::this_thread::sleep_for(1ms);
  }
  std::vector<std::thread> callers;
  for (int caller = 0; caller < 3; ++caller) {
    callers.emplace_back([&, caller] {
      (*pool)->InTransaction([&](pqxx::work&) {
        std::lock_guard lock(mutex);
        served.push_back(caller);
        return absl::OkStatus();
      }).IgnoreError();
    });
    EXPECT_TRUE(queue_reached(caller + 1));
  }
  all_queued = true;
  holder.join();
  for (std::thread& caller : callers) {
    caller.join();
  }
  EXPECT_EQ(served, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ((*pool)->stats().in_use, 0);
}

// PostgreSQL restarted under a pool: the next transaction reconnects.
TEST_F(DatabaseTest, SurvivesAPostgresRestart) {
  auto pool = MakePool({{"one", "SELECT 1"}});
  ASSERT_TRUE(pool);
  auto ping = [&] {
    return pool->InTransaction([](pqxx::work& tx) {
      tx.exec_prepared("one");
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(ping().ok());
  ASSERT_TRUE(PostgresEnvironment::Get().server().Restart().ok());
  // The pooled connection died with the old server; the retry on a new one succeeds.
  EXPECT_TRUE(ping().ok()) << ping();
}

TEST(PoolTest, BadUrlFailsFast) {
  auto pool = Pool::Create({.url = "postgresql:///nowhere?host=/nonexistent"});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnavailable) << pool.status();
}

}  // namespace
}  // namespace curation::db
