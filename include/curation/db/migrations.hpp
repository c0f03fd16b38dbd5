#pragma once
// Numbered SQL migrations from sql/, compiled into the binary, applied in order, each in its
// own transaction and recorded with its SHA-256.

#include <string>
#include <vector>

#include <curation/common/status.hpp>

namespace curation::db {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "0002_ingest.sql"
  std::string sql;
};

/// The migrations of this build, in version order.
const std::vector<Migration>& BundledMigrations();

struct MigrationReport {
  int applied = 0;  // newly applied now
  int current_version = 0;
};

/// Applies what is missing. Fails without changing anything when the database holds a
/// version this binary does not know (newer schema) or an applied migration whose text
/// differs from the bundled one (edited after release). Safe to run from several
/// processes at once: an advisory lock serialises them.
absl::StatusOr<MigrationReport> Migrate(const std::string& url, const std::vector<Migration>& migrations);

}  // namespace curation::db
