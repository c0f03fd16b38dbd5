#include <curation/db/pool.hpp>

#include <algorithm>

#include <absl/cleanup/cleanup.h>
#include <absl/strings/str_cat.h>

#include <curation/common/logging.hpp>

namespace curation::db {
namespace {

std::shared_ptr<spdlog::logger> Log() { return ComponentLogger("db"); }

constexpr char kLowerStatementTimeout[] = "db.lower_statement_timeout";

// Deadlines this near are set for the transaction alone: a session-wide timeout this short
// could cut off the ROLLBACK after a timeout and leave the connection in a failed transaction.
constexpr int64_t kSessionTimeoutFloorMs = 2000;

// Farther deadlines set the session's statement_timeout, rounded down to one of these steps,
// so calls with similar deadlines leave it as it is (no extra round trip); a statement is cut
// off at most a fifth early.
int64_t TimeoutStep(int64_t millis) {
  int64_t step = 1;
  while (step * 5 / 4 + 1 <= millis) {
    step = step * 5 / 4 + 1;
  }
  return step;
}

// The statement_timeout a transaction needs when its deadline is nearer than the session's
// configured cap; nullopt when the cap already applies.
absl::StatusOr<std::optional<int64_t>> DeadlineTimeoutMillis(std::chrono::milliseconds cap,
                                                             std::optional<TimePoint> deadline) {
  if (!deadline) {
    return std::optional<int64_t>();
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - SystemClock::Instance().Now());
  if (left.count() <= 0) {
    return absl::DeadlineExceededError("deadline passed before the database was reached");
  }
  if (left >= cap) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(std::max<int64_t>(left.count(), 1));
}

absl::Status RoleRefused(const std::string& role, const std::string& why) {
  return absl::FailedPreconditionError(absl::StrCat("cannot switch to database role '", role,
                                                    "' (config database.role): ", why,
                                                    ", or set database.role to \"\" to stay the login user"));
}

}  // namespace

absl::Status StatusFromException(const std::exception& error) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return absl::UnknownError(absl::StrCat("database commit outcome unknown: ", error.what()));
  }
  if (dynamic_cast<const pqxx::too_many_connections*>(&error) != nullptr) {
    return absl::ResourceExhaustedError("database has no free connections");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return absl::UnavailableError(absl::StrCat("database connection lost: ", error.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error); sql != nullptr) {
    const std::string& state = sql->sqlstate();
    if (state == "57014") {  // query_canceled: statement_timeout reached
      return absl::DeadlineExceededError("database statement ran past its deadline");
    }
    if (state == "23505") {
      return absl::AlreadyExistsError("already exists");
    }
    if (state.starts_with("23")) {
      return absl::FailedPreconditionError(absl::StrCat("constraint violated (", state, ")"));
    }
    if (state == "40001" || state == "40P01") {
      return absl::AbortedError("concurrent update; retry");
    }
    if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
      return absl::UnavailableError(absl::StrCat("database unavailable (", state, ")"));
    }
    Log()->error("SQL error {} in query '{}': {}", state, sql->query().substr(0, 200), sql->what());
    return absl::InternalError(absl::StrCat("database error ", state));
  }
  if (dynamic_cast<const pqxx::conversion_error*>(&error) != nullptr ||
      dynamic_cast<const pqxx::usage_error*>(&error) != nullptr) {
    Log()->error("database usage error: {}", error.what());
    return absl::InternalError("database usage error");
  }
  return absl::InternalError(absl::StrCat("unexpected error: ", error.what()));
}

Pool::Pool(PoolOptions options) : options_(std::move(options)) {}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  std::unique_ptr<Pool> pool(new Pool(std::move(options)));
  ASSIGN_OR_RETURN(auto first, pool->Open());
  {
    std::lock_guard lock(pool->mutex_);
    ++pool->open_;
  }
  pool->Release(std::move(first));
  return pool;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Connect() const {
  std::unique_ptr<pqxx::connection> connection;
  try {
    connection = std::make_unique<pqxx::connection>(options_.url);
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  if (options_.role.empty()) {
    return connection;
  }
  try {
    // SET ROLE through set_variable, with the name quoted by libpq: libpqxx 6 re-applies
    // variables set this way when it reconnects by itself, so a silently restored connection
    // never runs with the login user's privileges.
    connection->set_variable("role", connection->quote(options_.role));
  } catch (const pqxx::insufficient_privilege&) {  // libpqxx 6 leaves its sqlstate() empty
    return RoleRefused(options_.role, "the login user is not a member of it; GRANT it to the login user");
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "22023" || e.sqlstate() == "42704") {  // how SET ROLE says "no such role"
      return RoleRefused(options_.role, "it does not exist; `curationd migrate` creates curation_service");
    }
    return StatusFromException(e);
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  return connection;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Open() const {
  ASSIGN_OR_RETURN(auto connection, Connect());
  try {
    // The session default; a transaction with a nearer deadline lowers it for itself.
    connection->set_variable("statement_timeout", std::to_string(options_.statement_timeout.count()));
    // Every statement here is prepared once and run many times with different values; left
    // to itself PostgreSQL re-plans many of them on every call (custom plans), which cost
    // more CPU than running them.
    connection->set_variable("plan_cache_mode", "force_generic_plan");
    // Prepared now, outside any transaction and under the session's timeout: libpqxx would
    // prepare each on first use, inside a transaction whose deadline may be a millisecond
    // away, and a timeout that arrives after PostgreSQL stored the statement leaves libpqxx
    // believing it unprepared; every later use on that connection then failed with 42P05
    // (seen in CI).
    connection->prepare(kLowerStatementTimeout, "SELECT set_config('statement_timeout', $1, true)");
    connection->prepare_now(kLowerStatementTimeout);
    for (const PreparedStatement& statement : options_.statements) {
      connection->prepare(statement.name, statement.sql);
      connection->prepare_now(statement.name);
    }
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  return connection;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Acquire(TimePoint until) {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    if (open_ < options_.size) {
      ++open_;
      lock.unlock();
      return OpenCounted();
    }
  }
  Waiter waiter;
  waiters_.push_back(&waiter);
  while (!waiter.connection && !waiter.may_open) {
    if (waiter.woken.wait_until(lock, until) == std::cv_status::timeout && !waiter.connection && !waiter.may_open) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &waiter));
      return absl::ResourceExhaustedError("no database connection free in time");
    }
  }
  // Whoever woke us took us off the queue.
  if (waiter.connection) {
    return std::move(waiter.connection);
  }
  lock.unlock();
  return OpenCounted();
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::OpenCounted() {
  auto opened = Open();
  if (!opened.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    GrantOpeningLocked();
  }
  return opened;
}

void Pool::GrantOpeningLocked() {
  if (!waiters_.empty() && open_ < options_.size) {
    ++open_;
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->may_open = true;
    next->woken.notify_one();
  }
}

void Pool::Release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection && connection->is_open()) {
    if (waiters_.empty()) {
      idle_.push_back(std::move(connection));
      return;
    }
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->connection = std::move(connection);
    next->woken.notify_one();
    return;
  }
  if (connection) {
    session_timeout_ms_.erase(connection.get());
  }
  --open_;
  GrantOpeningLocked();
}

absl::Status Pool::WithConnection(std::optional<TimePoint> deadline, bool retry_lost, const Session& session) {
  TimePoint acquire_until = SystemClock::Instance().Now() + options_.acquire_timeout;
  if (deadline && *deadline < acquire_until) {
    acquire_until = *deadline;
  }
  absl::Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<int64_t> timeout_ms, DeadlineTimeoutMillis(options_.statement_timeout, deadline));
    auto acquired = Acquire(acquire_until);
    if (!acquired.ok() && deadline && SystemClock::Instance().Now() >= *deadline) {
      return absl::DeadlineExceededError("deadline passed waiting for a free database connection");
    }
    ASSIGN_OR_RETURN(auto connection, std::move(acquired));
    bool broken = false;
    absl::Status status;
    try {
      status = session(*connection, timeout_ms);
    } catch (const pqxx::in_doubt_error& e) {
      status = StatusFromException(e);
      broken = true;
    } catch (const pqxx::broken_connection& e) {
      status = StatusFromException(e);
      broken = true;
    } catch (const std::exception& e) {
      status = StatusFromException(e);
      broken = status.code() == absl::StatusCode::kUnavailable;
    }
    if (!status.ok()) {
      Forget(*connection);  // set the session's timeout again before trusting it
    }
    if (broken) {
      connection.reset();
    }
    Release(std::move(connection));
    if (retry_lost && broken && status.code() == absl::StatusCode::kUnavailable && attempt == 0) {
      Log()->warn("database connection lost, retrying on a new one: {}", status.message());
      last = status;
      continue;
    }
    return status;
  }
  return last;
}

void Pool::SetSessionTimeoutIfNeeded(pqxx::connection& connection, int64_t millis) {
  if (SessionTimeout(connection) != millis) {
    connection.set_variable("statement_timeout", std::to_string(millis));
    SetSessionTimeout(connection, millis);
  }
}

template <typename Tx, typename TxWork>
absl::Status Pool::InTransactionOf(const TxWork& work, std::optional<TimePoint> deadline) {
  // Only a connection lost before commit is safe to retry: the work did not happen.
  return WithConnection(deadline, true, [&](pqxx::connection& connection, std::optional<int64_t> timeout_ms) {
    bool near = timeout_ms && *timeout_ms < kSessionTimeoutFloorMs;
    SetSessionTimeoutIfNeeded(connection,
                              timeout_ms && !near ? TimeoutStep(*timeout_ms) : options_.statement_timeout.count());
    // Declared before the transaction, so it runs once that has ended (committed or not).
    absl::Cleanup settle = [&] {
      if (near) {
        SettleAfterNearDeadline(connection);
      }
    };
    Tx tx(connection);
    if (near) {
      tx.exec_prepared(kLowerStatementTimeout, std::to_string(*timeout_ms));
    }
    absl::Status status = work(tx);
    if (status.ok()) {
      tx.commit();
    }
    return status;
  });
}

absl::Status Pool::InTransaction(const Work& work, std::optional<TimePoint> deadline) {
  return InTransactionOf<pqxx::work>(work, deadline);
}

absl::Status Pool::InSnapshot(const SnapshotWork& work, std::optional<TimePoint> deadline) {
  return InTransactionOf<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(work, deadline);
}

absl::Status Pool::Autocommit(const AutocommitWork& work, std::optional<TimePoint> deadline) {
  // A statement may have committed before the connection was lost, so nothing is retried.
  return WithConnection(deadline, false, [&](pqxx::connection& connection, std::optional<int64_t> timeout_ms) {
    // No transaction to roll back here, so even a near deadline can be the session's.
    bool near = timeout_ms && *timeout_ms < kSessionTimeoutFloorMs;
    SetSessionTimeoutIfNeeded(connection, !timeout_ms ? options_.statement_timeout.count()
                                          : near      ? *timeout_ms
                                                      : TimeoutStep(*timeout_ms));
    // Declared before the transaction, so it runs once that has ended, whether work returned or threw.
    absl::Cleanup raise_near_timeout = [&] {
      if (near) {
        RaiseNearSessionTimeout(connection);
      }
    };
    pqxx::nontransaction tx(connection);
    return work(tx);
  });
}

void Pool::RaiseNearSessionTimeout(pqxx::connection& connection) {
  // PostgreSQL arms a statement's timer with the session's timeout before running it, so a
  // near deadline's few milliseconds left on the session would also bound the SET that the
  // next caller sends to raise them, and a busy server fails that caller's first statement.
  if (!connection.is_open()) {
    return;
  }
  try {
    SetSessionTimeoutIfNeeded(connection, options_.statement_timeout.count());
  } catch (const std::exception& e) {
    Log()->debug("closing a connection whose near statement timeout could not be raised: {}", e.what());
    connection.disconnect();  // Release drops a closed connection, and what the pool knew of it
    return;
  }
  SettleAfterNearDeadline(connection);
}

void Pool::SettleAfterNearDeadline(pqxx::connection& connection) {
  // A statement timer that fires after the last check for interrupts of a statement (the
  // COMMIT, the SET above: PostgreSQL holds interrupts during parts of them) stays pending in
  // the server once the statement is done, and cancels whatever the session runs next: the
  // next caller's first statement, whatever its deadline (seen in CI as 57014 on a call with
  // seconds left). One cheap statement takes it, if there is one; a second must then pass.
  if (!connection.is_open()) {
    return;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      pqxx::nontransaction tx(connection);
      tx.exec("SELECT");
      return;
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != "57014") {
        break;
      }
    } catch (const std::exception&) {
      break;
    }
  }
  Log()->debug("closing a connection that would not settle after a near deadline");
  connection.disconnect();  // Release drops a closed connection, and what the pool knew of it
}

int64_t Pool::SessionTimeout(const pqxx::connection& connection) const {
  std::lock_guard lock(mutex_);
  auto it = session_timeout_ms_.find(&connection);
  return it == session_timeout_ms_.end() ? -1 : it->second;
}

void Pool::SetSessionTimeout(const pqxx::connection& connection, int64_t millis) {
  std::lock_guard lock(mutex_);
  session_timeout_ms_[&connection] = millis;
}

void Pool::Forget(const pqxx::connection& connection) {
  std::lock_guard lock(mutex_);
  session_timeout_ms_.erase(&connection);
}

Pool::Stats Pool::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{open_, open_ - static_cast<int>(idle_.size()), static_cast<int>(waiters_.size())};
}

struct Listener::Receiver : pqxx::notification_receiver {
  Receiver(pqxx::connection_base& connection, const std::string& channel)
      : pqxx::notification_receiver(connection, channel) {}
  void operator()(const std::string&, int) override { notified = true; }
  bool notified = false;
};

Listener::Listener(const Pool& pool, std::string channel) : pool_(pool), channel_(std::move(channel)) {}

Listener::~Listener() {
  receiver_.reset();
  connection_.reset();
}

bool Listener::Wait(std::chrono::milliseconds timeout) {
  try {
    if (!connection_ || !connection_->is_open()) {
      receiver_.reset();
      auto connection = pool_.Connect();
      if (!connection.ok()) {
        std::this_thread::sleep_for(timeout);
        return false;
      }
      connection_ = std::move(connection).value();
      receiver_ = std::make_unique<Receiver>(*connection_, channel_);
    }
    receiver_->notified = false;
    if (connection_->get_notifs() > 0) {
      return true;
    }
    connection_->await_notification(timeout.count() / 1000, (timeout.count() % 1000) * 1000);
    return receiver_->notified;
  } catch (const std::exception& e) {
    receiver_.reset();
    connection_.reset();
    std::this_thread::sleep_for(timeout);
    return false;
  }
}

constexpr std::chrono::milliseconds kStopSeenWithin{100};

void FollowNotifications(const Pool& pool, const std::string& channel, std::chrono::milliseconds idle_poll,
                         std::stop_token stop, const std::string& component, const std::string& what,
                         const std::function<absl::StatusOr<bool>()>& drain) {
  Listener listener(pool, channel);
  auto log = ComponentLogger(component);
  bool failing = false;
  while (!stop.stop_requested()) {
    auto progressed = drain();
    if (!progressed.ok() && !failing) {
      log->warn("cannot {}: {}", what, progressed.status());
    } else if (progressed.ok() && failing) {
      log->info("{} again", what);
    }
    failing = !progressed.ok();
    if (progressed.ok() && *progressed) {
      continue;
    }
    // In short slices, so that a shutdown is seen within one rather than after idle_poll.
    for (auto waited = std::chrono::milliseconds(0); waited < idle_poll && !stop.stop_requested();
         waited += kStopSeenWithin) {
      if (listener.Wait(std::min(kStopSeenWithin, idle_poll - waited))) {
        break;
      }
    }
  }
}

}  // namespace curation::db
