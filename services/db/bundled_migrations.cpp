#include <curation/db/migrations.hpp>

#include <cstdlib>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& SqlMigrationFiles();
}

namespace curation::db {

const std::vector<Migration>& BundledMigrations() {
  // File names start with their version: "0002_review.sql" is version 2. CMake passes them sorted.
  static const std::vector<Migration> migrations = [] {
    std::vector<Migration> list;
    for (const auto& [name, sql] : embedded::SqlMigrationFiles()) {
      list.push_back(Migration{std::atoi(name.c_str()), name, sql});
    }
    return list;
  }();
  return migrations;
}

}  // namespace curation::db
