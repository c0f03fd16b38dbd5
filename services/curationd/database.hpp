#pragma once
// The database curationd runs on: the configured one, else an embedded PostgreSQL it starts,
// migrated to this binary's schema version before anything uses it.

#include <memory>
#include <string>
#include <vector>

#include <curation/common/config.hpp>
#include <curation/db/embedded_postgres.hpp>
#include <curation/db/migrations.hpp>
#include <curation/db/pool.hpp>

namespace curation {

struct MigratedDatabase {
  std::string url;
  db::MigrationReport report;
};

/// The database URL, starting the embedded server in `embedded` when none is configured, with
/// the schema migrated (as the login user).
absl::StatusOr<MigratedDatabase> Migrated(const Config& config, std::unique_ptr<db::EmbeddedPostgres>& embedded);

/// The services' pool (as database.role, preparing `statements`) on the migrated database. When
/// the embedded server was another process's and that process ended meanwhile (a `principal add`
/// started beside the first start), takes the data folder over and tries again, for up to 30 s.
absl::StatusOr<std::unique_ptr<db::Pool>> OpenPool(const Config& config,
                                                   std::unique_ptr<db::EmbeddedPostgres>& embedded,
                                                   const std::vector<db::PreparedStatement>& statements);

}  // namespace curation
