#pragma once
// A private PostgreSQL server for one machine: initdb into a data folder on first use,
// started on a Unix socket inside that folder (no TCP), stopped with the process.

#include <chrono>
#include <memory>
#include <string>

#include <curation/common/status.hpp>

namespace curation::db {

struct EmbeddedPostgresOptions {
  std::string data_dir;  // created when missing
  std::string bin_dir;   // empty: the newest /usr/lib/postgresql/*/bin
  std::string database = "curation";
  /// When root must hand the server to an account that cannot reach data_dir (a checkout in
  /// /root, mode 700), a folder under this one is used instead and the log says why; empty:
  /// refuse, naming the folder that blocks the way.
  std::string fallback_root;
};

/// Owns the postgres child process. When the current user is root, the server runs as the
/// `postgres` user (or `nobody`), since PostgreSQL refuses to run as root. The server is told
/// to stop if this process dies, so it never outlives its owner.
///
/// One process at a time owns a data folder (a lock on the folder, released when the owner
/// dies). A second process that starts while another owns it uses the running server instead,
/// and takes the folder over if the owner goes away.
class EmbeddedPostgres {
 public:
  static absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> Start(EmbeddedPostgresOptions options);
  ~EmbeddedPostgres();

  /// A libpq URL for `database` (default: the configured one).
  std::string Url(const std::string& database = "") const;
  /// The data folder in use (the fallback one when the configured one was out of reach).
  const std::string& data_dir() const { return options_.data_dir; }
  /// False while the server is another process's (this one uses it, see Supervise).
  bool owns_server() const { return owns_lock_; }
  /// Reaps a server that died and starts it again, with growing pauses; takes over a folder
  /// whose owner went away. Call it every second or so from one thread. An error means the
  /// server will not come back and the caller should exit.
  absl::Status Supervise();
  /// Fast shutdown; idempotent.
  absl::Status Stop();
  /// Starts the server again after Stop() (tests use it to restart PostgreSQL under a service).
  absl::Status Restart();

 private:
  using SteadyClock = std::chrono::steady_clock;

  explicit EmbeddedPostgres(EmbeddedPostgresOptions options);
  bool TryLock();
  absl::Status Launch();
  absl::Status WaitForPreviousServer();
  absl::Status EnsureDatabase();

  EmbeddedPostgresOptions options_;
  int pid_ = -1;
  int lock_fd_ = -1;
  bool owns_lock_ = false;
  // Supervision: consecutive failures (deaths or launches that did not come up), and when the
  // next launch may be tried.
  int failures_ = 0;
  SteadyClock::time_point next_launch_{};
  SteadyClock::time_point ready_since_{};
};

}  // namespace curation::db
