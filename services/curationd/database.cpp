#include "database.hpp"

#include <chrono>
#include <thread>

namespace curation {
namespace {

constexpr char kFallbackRoot[] = "/var/lib/curation";
constexpr std::chrono::seconds kBorrowedServerWait{30};
constexpr std::chrono::milliseconds kBorrowedServerRetry{250};

// The database URL to use, starting the embedded server when none is configured.
absl::StatusOr<std::string> DatabaseUrl(const Config& config, std::unique_ptr<db::EmbeddedPostgres>& embedded) {
  if (!config.database.url.empty()) {
    return config.database.url;
  }
  // Only the default folder moves when root's server account cannot reach it (the README's
  // checkout in /root); a folder the operator chose is refused with the reason instead.
  bool default_folder = config.database.embedded_dir == DatabaseConfig{}.embedded_dir;
  ASSIGN_OR_RETURN(embedded, db::EmbeddedPostgres::Start({.data_dir = config.database.embedded_dir,
                                                          .bin_dir = config.database.embedded_bin_dir,
                                                          .fallback_root = default_folder ? kFallbackRoot : ""}));
  return embedded->Url();
}

absl::StatusOr<std::unique_ptr<db::Pool>> MigrateAndConnect(const Config& config, const std::string& url,
                                                            const std::vector<db::PreparedStatement>& statements) {
  RETURN_IF_ERROR(db::Migrate(url, db::BundledMigrations()).status());
  return db::Pool::Create({.url = url,
                           .size = config.database.pool_size,
                           .statement_timeout = config.database.statement_timeout,
                           .statements = statements,
                           .role = config.database.role});
}

}  // namespace

absl::StatusOr<MigratedDatabase> Migrated(const Config& config, std::unique_ptr<db::EmbeddedPostgres>& embedded) {
  ASSIGN_OR_RETURN(std::string url, DatabaseUrl(config, embedded));
  ASSIGN_OR_RETURN(db::MigrationReport report, db::Migrate(url, db::BundledMigrations()));
  return MigratedDatabase{std::move(url), report};
}

absl::StatusOr<std::unique_ptr<db::Pool>> OpenPool(const Config& config,
                                                   std::unique_ptr<db::EmbeddedPostgres>& embedded,
                                                   const std::vector<db::PreparedStatement>& statements) {
  ASSIGN_OR_RETURN(std::string url, DatabaseUrl(config, embedded));
  const auto give_up = std::chrono::steady_clock::now() + kBorrowedServerWait;
  while (true) {
    auto pool = MigrateAndConnect(config, url, statements);
    if (pool.ok() || embedded == nullptr || embedded->owns_server() ||
        std::chrono::steady_clock::now() > give_up) {
      return pool;
    }
    // The borrowed server may have stopped with its owner: Supervise takes the folder over
    // once the owner's lock is gone, and starts the server.
    RETURN_IF_ERROR(embedded->Supervise());
    std::this_thread::sleep_for(kBorrowedServerRetry);
  }
}

}  // namespace curation
