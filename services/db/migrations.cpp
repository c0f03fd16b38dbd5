#include <curation/db/migrations.hpp>

#include <map>

#include <absl/strings/str_cat.h>
#include <pqxx/pqxx>

#include <curation/common/logging.hpp>
#include <curation/common/sha256.hpp>
#include <curation/db/pool.hpp>

namespace curation::db {
namespace {

// Any fixed number works; it only has to differ from the other advisory locks we take.
constexpr int64_t kMigrationLock = 0x6375726174696f6e;  // "curation"

std::string Sha256Hex(const std::string& text) { return Hex(Sha256(text)); }

}  // namespace

absl::StatusOr<MigrationReport> Migrate(const std::string& url, const std::vector<Migration>& migrations) {
  auto log = ComponentLogger("db");
  try {
    pqxx::connection connection(url);
    pqxx::nontransaction session(connection);
    session.exec_params("SELECT pg_advisory_lock($1)", kMigrationLock);
    session.exec0(
        "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    std::map<int, std::pair<std::string, std::string>> applied;
    for (const auto& row : session.exec("SELECT version, name, checksum FROM public.schema_migrations")) {
      applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
    }
    session.commit();

    int known = migrations.empty() ? 0 : migrations.back().version;
    auto unlock = [&] {
      pqxx::nontransaction release(connection);
      release.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLock);
    };
    if (!applied.empty() && applied.rbegin()->first > known) {
      unlock();
      return absl::FailedPreconditionError(absl::StrCat(
          "the database schema is at version ", applied.rbegin()->first, " (", applied.rbegin()->second.first,
          "), newer than this binary knows (", known, "); run a newer curationd"));
    }
    MigrationReport report;
    for (const Migration& migration : migrations) {
      std::string checksum = Sha256Hex(migration.sql);
      auto it = applied.find(migration.version);
      if (it != applied.end()) {
        if (it->second.second != checksum) {
          unlock();
          return absl::FailedPreconditionError(absl::StrCat(
              "migration ", migration.name, " was changed after it was applied to this database (checksum ",
              it->second.second.substr(0, 12), " in the database, ", checksum.substr(0, 12),
              " in this binary); add a new migration instead of editing an old one"));
        }
        continue;
      }
      pqxx::work tx(connection);
      tx.exec0(migration.sql);
      tx.exec_params("INSERT INTO public.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     migration.version, migration.name, checksum);
      tx.commit();
      ++report.applied;
      log->info("applied migration {}", migration.name);
    }
    report.current_version = known;
    unlock();
    return report;
  } catch (const std::exception& e) {
    absl::Status status = StatusFromException(e);
    return absl::Status(status.code(), absl::StrCat("migration failed: ", e.what()));
  }
}

}  // namespace curation::db
