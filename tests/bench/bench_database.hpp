// The database every benchmark runs on: an embedded PostgreSQL in a folder of its own under
// /tmp, migrated, and removed with its folder when the benchmark ends, on every path (an early
// benchmark left its folders behind and filled /tmp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include <curation/common/clock.hpp>
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

/// A review queue of `items` items as a group sees it: one upload every 10 s up to `now`, due
/// 36 h later; a fifth decided, 1 % escalated, one in 500 claimed by one of 20 curators
/// ("curator-<n>"); 1,000 channels, 12 categories; half the videos probed (2.5 % unplayable,
/// 7.5 % degraded). Analyzed. About 79 % of the items are left open.
void SeedReviewQueue(const std::string& url, int64_t items, TimePoint now);

/// The value of `--name <value>` among the arguments, or `fallback`.
int64_t Flag(int argc, char** argv, std::string_view name, int64_t fallback);

/// The `p` quantile (0 to 1) of `values`, which it sorts; 0 for none.
double Percentile(std::vector<double>& values, double p);

}  // namespace curation::bench
