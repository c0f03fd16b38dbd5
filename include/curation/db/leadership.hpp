#pragma once
// One instance at a time: work that must not run twice across replicas (polling the query node,
// watching what Orion features) runs only in the process that holds a PostgreSQL advisory lock.
// When that process dies its session ends, the lock is free, and a standby takes over.

#include <functional>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include <curation/common/status.hpp>
#include <curation/db/pool.hpp>

namespace curation::db {

/// Held while this process holds a session-level advisory lock; released when destroyed or when
/// its session ends.
class AdvisoryLease {
 public:
  AdvisoryLease(std::unique_ptr<pqxx::connection> connection, int backend_pid);
  ~AdvisoryLease();
  /// False once the session holding the lock is gone. A session libpqxx reconnected by itself
  /// holds no lock, so the check is that the server process is still the one that took it.
  bool Alive();

 private:
  std::unique_ptr<pqxx::connection> connection_;
  int backend_pid_;
};

/// Non-blocking: a lease on `key` when no other session holds it, nullptr when one does.
absl::StatusOr<std::unique_ptr<AdvisoryLease>> TryAdvisoryLease(const Pool& pool, int64_t key);

/// Answers, each time it is asked, whether this process leads a duty: takes the lock when it is
/// free, lets it go when its session is lost, and logs each change once.
class Leadership {
 public:
  using TryLead = std::function<absl::StatusOr<std::unique_ptr<AdvisoryLease>>()>;
  /// `duty` completes "this instance leads …" ("polling the query node").
  Leadership(TryLead try_lead, std::string component, std::string duty);
  bool Lead();

 private:
  TryLead try_lead_;
  std::string component_;
  std::string duty_;
  std::unique_ptr<AdvisoryLease> lease_;
  bool told_standby_ = false;
};

}  // namespace curation::db
