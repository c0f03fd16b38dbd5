#pragma once
// A private PostgreSQL server for one machine: initdb into a data folder on first use,
// started on a Unix socket inside that folder (no TCP), stopped with the process.

#include <memory>
#include <string>

#include <curation/common/status.hpp>

namespace curation::db {

struct EmbeddedPostgresOptions {
  std::string data_dir;  // created when missing
  std::string bin_dir;   // empty: the newest /usr/lib/postgresql/*/bin
  std::string database = "curation";
};

/// Owns the postgres child process. When the current user is root, the server runs as the
/// `postgres` user (or `nobody`), since PostgreSQL refuses to run as root. The server is told
/// to stop if this process dies, so it never outlives its owner.
class EmbeddedPostgres {
 public:
  static absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> Start(EmbeddedPostgresOptions options);
  ~EmbeddedPostgres();

  /// A libpq URL for `database` (default: the configured one).
  std::string Url(const std::string& database = "") const;
  /// Fast shutdown; idempotent.
  absl::Status Stop();
  /// Starts the server again after Stop() (tests use it to restart PostgreSQL under a service).
  absl::Status Restart();

 private:
  explicit EmbeddedPostgres(EmbeddedPostgresOptions options);
  absl::Status Launch();

  EmbeddedPostgresOptions options_;
  int pid_ = -1;
};

}  // namespace curation::db
