// The database every benchmark runs on: an embedded PostgreSQL in a folder of its own under
// /tmp, migrated, and removed with its folder when the benchmark ends, on every path (an early
// benchmark left its folders behind and filled /tmp).
#pragma once

#include <memory>
#include <string>

#include <absl/status/statusor.h>

#include <curation/db/embedded_postgres.hpp>

namespace curation::bench {

class BenchDatabase {
 public:
  /// Starts PostgreSQL in /tmp/curation-bench-<pid> with a migrated database "bench".
  static absl::StatusOr<std::unique_ptr<BenchDatabase>> Start();
  ~BenchDatabase();

  BenchDatabase(const BenchDatabase&) = delete;
  BenchDatabase& operator=(const BenchDatabase&) = delete;

  /// The "bench" database.
  std::string Url() const { return server_->Url(); }
  db::EmbeddedPostgres& Server() { return *server_; }

 private:
  BenchDatabase(std::string dir, std::unique_ptr<db::EmbeddedPostgres> server)
      : dir_(std::move(dir)), server_(std::move(server)) {}

  std::string dir_;
  std::unique_ptr<db::EmbeddedPostgres> server_;
};

/// Runs `sql` (seeding, one or more statements) in one transaction on a connection of its own.
void Exec(const std::string& url, const std::string& sql);

}  // namespace curation::bench
