#pragma once
// PostgreSQL access for every service: a bounded pool of libpqxx connections, each with the
// service's named prepared statements, and transactions bounded by the caller's deadline.
// All libpqxx exceptions stop here and come back as absl::Status.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include <pqxx/pqxx>

#include <curation/common/clock.hpp>
#include <curation/common/status.hpp>

namespace curation::db {

/// A statement prepared on every connection under `name`; SQL never spliced at run time.
struct PreparedStatement {
  std::string name;
  std::string sql;
};

struct PoolOptions {
  std::string url;
  int size = 8;
  std::chrono::milliseconds statement_timeout{30000};
  std::chrono::milliseconds acquire_timeout{5000};
  std::vector<PreparedStatement> statements;
  /// The role every connection (pooled or from Connect) switches to after logging in, so the
  /// services run with only its privileges (config database.role); empty keeps the login
  /// user's. The login user must be a member of it. Migrations connect on their own, without.
  std::string role;
};

/// A bounded set of connections handed out one transaction at a time. Thread-safe.
/// A connection that breaks is dropped and replaced on next use, so the pool survives a
/// PostgreSQL restart.
class Pool {
 public:
  /// Connects once to fail fast on a bad URL or an unreachable server.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);
  ~Pool();

  using Work = std::function<absl::Status(pqxx::work&)>;

  /// Runs `work` in one transaction and commits when it returns OK (rolls back otherwise).
  /// Statements are cut off at the deadline (and at the configured statement timeout).
  /// A connection lost before commit is retried once on a fresh connection.
  absl::Status InTransaction(const Work& work, std::optional<TimePoint> deadline = std::nullopt);

  using SnapshotWork = std::function<absl::Status(pqxx::transaction_base&)>;
  /// Runs `work` in one read-only REPEATABLE READ transaction: every statement sees the same
  /// snapshot, so reads that must agree with each other do, whatever commits meanwhile.
  /// Like InTransaction, runs `work` again on a fresh connection when one is lost midway.
  absl::Status InSnapshot(const SnapshotWork& work, std::optional<TimePoint> deadline = std::nullopt);

  using AutocommitWork = std::function<absl::Status(pqxx::nontransaction&)>;
  /// Runs `work` with every statement committing on its own: one round trip per statement,
  /// where a transaction adds two. For work whose single write guards itself. Not retried.
  absl::Status Autocommit(const AutocommitWork& work, std::optional<TimePoint> deadline = std::nullopt);

  /// A session-level connection outside the pool (advisory locks, LISTEN), in the pool's role.
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect() const;

  const PoolOptions& options() const { return options_; }

  struct Stats {
    int open = 0;
    int in_use = 0;
    int waiting = 0;
  };
  Stats stats() const;

 private:
  explicit Pool(PoolOptions options);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire(TimePoint until);
  void Release(std::unique_ptr<pqxx::connection> connection);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open() const;
  using Session = std::function<absl::Status(pqxx::connection&, std::optional<int64_t> timeout_ms)>;
  // Acquires a connection, runs `session` on it, maps exceptions, releases or drops it.
  absl::Status WithConnection(std::optional<TimePoint> deadline, bool retry_lost, const Session& session);
  void SetSessionTimeoutIfNeeded(pqxx::connection& connection, int64_t millis);
  // A transaction of type Tx bounded by `deadline`, committed when `work` returns OK.
  template <typename Tx, typename TxWork>
  absl::Status InTransactionOf(const TxWork& work, std::optional<TimePoint> deadline);
  // Puts back the configured timeout after work under a near deadline, or closes the connection.
  void RaiseNearSessionTimeout(pqxx::connection& connection);
  // Takes a statement timeout that fired too late to cancel its own statement, or closes the
  // connection, so that it cannot cancel the next caller's first statement.
  void SettleAfterNearDeadline(pqxx::connection& connection);
  int64_t SessionTimeout(const pqxx::connection& connection) const;  // -1: not known
  void SetSessionTimeout(const pqxx::connection& connection, int64_t millis);
  void Forget(const pqxx::connection& connection);

  // A caller queued for a connection: a released one is handed to the longest waiting caller,
  // so none waits behind later arrivals (that unfairness was most of the p99 under load).
  struct Waiter {
    std::condition_variable woken;
    std::unique_ptr<pqxx::connection> connection;
    bool may_open = false;  // a connection was lost: open a new one in its place
  };
  // Gives the freed place of a lost connection to the longest waiting caller. Holds mutex_.
  void GrantOpeningLocked();
  absl::StatusOr<std::unique_ptr<pqxx::connection>> OpenCounted();

  PoolOptions options_;
  mutable std::mutex mutex_;
  std::deque<Waiter*> waiters_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  // The statement_timeout each open connection's session has now, so a transaction changes it
  // only when its deadline calls for another value.
  std::unordered_map<const pqxx::connection*, int64_t> session_timeout_ms_;
  int open_ = 0;
};

/// Maps a libpqxx or standard exception to the status it stands for.
absl::Status StatusFromException(const std::exception& error);

/// Blocks until a NOTIFY on `channel` arrives or `timeout` passes; reconnects when needed.
/// Wakes a consumer early; never the only carrier of an event. Not thread-safe.
class Listener {
 public:
  Listener(const Pool& pool, std::string channel);
  ~Listener();
  /// True when a notification arrived.
  bool Wait(std::chrono::milliseconds timeout);

 private:
  struct Receiver;
  const Pool& pool_;
  std::string channel_;
  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<Receiver> receiver_;
};

/// Runs `drain` until `stop`: again at once when it made progress, else after a NOTIFY on
/// `channel` or `idle_poll`, whichever comes first. A failing drain is logged when it starts
/// failing and when it recovers, as `component`, not on every retry.
void FollowNotifications(const Pool& pool, const std::string& channel, std::chrono::milliseconds idle_poll,
                         std::stop_token stop, const std::string& component, const std::string& what,
                         const std::function<absl::StatusOr<bool>()>& drain);

}  // namespace curation::db
