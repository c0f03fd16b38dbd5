#include "bench_database.hpp"

#include <unistd.h>

#include <filesystem>

#include <pqxx/pqxx>

#include <curation/db/migrations.hpp>

namespace curation::bench {

absl::StatusOr<std::unique_ptr<BenchDatabase>> BenchDatabase::Start() {
  std::string dir = "/tmp/curation-bench-" + std::to_string(getpid());
  auto server = db::EmbeddedPostgres::Start({.data_dir = dir, .database = "bench"});
  if (!server.ok()) {
    std::filesystem::remove_all(dir);
    return server.status();
  }
  std::unique_ptr<BenchDatabase> database(new BenchDatabase(dir, std::move(*server)));
  if (auto migrated = db::Migrate(database->Url(), db::BundledMigrations()); !migrated.ok()) {
    return migrated.status();
  }
  return database;
}

BenchDatabase::~BenchDatabase() {
  server_.reset();  // PostgreSQL stops before its folder goes
  std::filesystem::remove_all(dir_);
}

void Exec(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::work tx(connection);
  tx.exec(sql);
  tx.commit();
}

}  // namespace curation::bench
