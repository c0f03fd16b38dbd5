#include "postgres_fixture.hpp"

#include <unistd.h>

#include <filesystem>

#include <pqxx/pqxx>

#include <curation/db/migrations.hpp>

namespace curation::testing {
namespace {

PostgresEnvironment* g_environment = nullptr;
constexpr char kTemplate[] = "curation_template";

}  // namespace

PostgresEnvironment& PostgresEnvironment::Get() {
  if (g_environment == nullptr) {
    g_environment = new PostgresEnvironment();
    ::testing::AddGlobalTestEnvironment(g_environment);
  }
  return *g_environment;
}

void PostgresEnvironment::SetUp() {
  // /tmp keeps the socket path short and is reachable by the unprivileged server account.
  data_dir_ = "/tmp/curation-test-" + std::to_string(getpid());
  std::filesystem::remove_all(data_dir_);
  auto server = db::EmbeddedPostgres::Start({.data_dir = data_dir_, .database = kTemplate});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(server).value();
  auto migrated = db::Migrate(server_->Url(kTemplate), db::BundledMigrations());
  ASSERT_TRUE(migrated.ok()) << migrated.status();
}

void PostgresEnvironment::TearDown() {
  if (server_) {
    server_->Stop().IgnoreError();
    server_.reset();
  }
  std::filesystem::remove_all(data_dir_);
}

std::string PostgresEnvironment::CreateDatabase() {
  std::string name = "test_" + std::to_string(++databases_);
  pqxx::connection admin(AdminUrl());
  pqxx::nontransaction tx(admin);
  tx.exec0("CREATE DATABASE " + admin.quote_name(name) + " TEMPLATE " + kTemplate);
  return server_->Url(name);
}

void DatabaseTest::SetUp() { url_ = PostgresEnvironment::Get().CreateDatabase(); }

std::unique_ptr<db::Pool> DatabaseTest::MakePool(std::vector<db::PreparedStatement> statements, int size) {
  auto pool = db::Pool::Create({.url = url_, .size = size, .statements = std::move(statements)});
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? std::move(pool).value() : nullptr;
}

std::string DatabaseTest::Scalar(const std::string& sql) {
  pqxx::connection connection(url_);
  pqxx::nontransaction tx(connection);
  pqxx::result result = tx.exec(sql);
  if (result.empty() || result[0][0].is_null()) {
    return "";
  }
  return result[0][0].as<std::string>();
}

}  // namespace curation::testing
