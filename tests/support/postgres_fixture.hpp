#pragma once
// Real PostgreSQL for tests: one server per test binary (started by the same embedded
// launcher curationd uses), a template database migrated once, and a fresh database per
// test cloned from it.

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <curation/db/embedded_postgres.hpp>
#include <curation/db/pool.hpp>

namespace curation::testing {

/// Registered by the test main; owns the server for the whole run.
class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;

  static PostgresEnvironment& Get();
  db::EmbeddedPostgres& server() { return *server_; }
  /// Creates a new database from the migrated template and returns its URL.
  std::string CreateDatabase();
  std::string AdminUrl() const { return server_->Url("postgres"); }

 private:
  std::string data_dir_;
  std::unique_ptr<db::EmbeddedPostgres> server_;
  int databases_ = 0;
};

/// A test with its own freshly migrated database.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override;
  /// A pool on this test's database with the given statements prepared.
  std::unique_ptr<db::Pool> MakePool(std::vector<db::PreparedStatement> statements, int size = 4);
  /// Runs SQL and returns the first column of the first row as text ("" for no row or NULL).
  std::string Scalar(const std::string& sql);

  std::string url_;
};

}  // namespace curation::testing
