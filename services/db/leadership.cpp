#include <curation/db/leadership.hpp>

#include <curation/common/logging.hpp>

namespace curation::db {

AdvisoryLease::AdvisoryLease(std::unique_ptr<pqxx::connection> connection, int backend_pid)
    : connection_(std::move(connection)), backend_pid_(backend_pid) {}

AdvisoryLease::~AdvisoryLease() = default;  // closing the session releases the lock

bool AdvisoryLease::Alive() {
  try {
    pqxx::nontransaction tx(*connection_);
    return tx.exec1("SELECT pg_backend_pid()")[0].as<int>() == backend_pid_;
  } catch (const std::exception&) {
    return false;
  }
}

absl::StatusOr<std::unique_ptr<AdvisoryLease>> TryAdvisoryLease(const Pool& pool, int64_t key) {
  ASSIGN_OR_RETURN(auto connection, pool.Connect());
  try {
    pqxx::nontransaction tx(*connection);
    pqxx::row row = tx.exec_params1("SELECT pg_try_advisory_lock($1), pg_backend_pid()", key);
    if (!row[0].as<bool>()) {
      return std::unique_ptr<AdvisoryLease>();
    }
    return std::make_unique<AdvisoryLease>(std::move(connection), row[1].as<int>());
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

Leadership::Leadership(TryLead try_lead, std::string component, std::string duty)
    : try_lead_(std::move(try_lead)), component_(std::move(component)), duty_(std::move(duty)) {}

bool Leadership::Lead() {
  auto log = ComponentLogger(component_);
  if (lease_ && !lease_->Alive()) {
    log->warn("lost the database session holding the lock for {}; taking it again", duty_);
    lease_.reset();
  }
  if (lease_) {
    return true;
  }
  auto acquired = try_lead_();
  if (!acquired.ok()) {
    log->warn("cannot reach the database to take the lock for {}: {}", duty_, acquired.status());
    return false;
  }
  if (*acquired == nullptr) {
    if (!told_standby_) {
      log->info("another instance is {}; standing by", duty_);
      told_standby_ = true;
    }
    return false;
  }
  lease_ = std::move(acquired).value();
  told_standby_ = false;
  log->info("this instance is {} now", duty_);
  return true;
}

}  // namespace curation::db
