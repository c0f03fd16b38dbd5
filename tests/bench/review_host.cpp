#include "review_host.hpp"

#include <curation/common/config.hpp>
#include <curation/modlog/log_store.hpp>

namespace curation::bench {

namespace {

std::vector<db::PreparedStatement> Statements() {
  auto statements = review::ReviewStore::Statements();
  for (auto* more : {&modlog::LogStore::Statements, &auth::PrincipalStore::Statements}) {
    for (auto& statement : more()) {
      statements.push_back(statement);
    }
  }
  return statements;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReviewHost>> ReviewHost::Start(const std::string& url, int connections) {
  ASSIGN_OR_RETURN(std::unique_ptr<db::Pool> pool,
                   db::Pool::Create({.url = url, .size = connections, .statements = Statements()}));
  std::unique_ptr<ReviewHost> host(new ReviewHost(std::move(pool)));
  host->host_.Register(&host->grpc_service_, review::ReviewGrpcService::kName);
  // curationd's default thread cap (server.max_threads).
  RETURN_IF_ERROR(host->host_.Start({.listen = "127.0.0.1:0", .max_threads = ServerConfig{}.max_threads}));
  return host;
}

ReviewHost::ReviewHost(std::unique_ptr<db::Pool> pool) : pool_(std::move(pool)) {}

ReviewHost::~ReviewHost() { host_.Shutdown(std::chrono::seconds(1)); }

absl::StatusOr<std::string> ReviewHost::AddCurator(const std::string& name, int64_t worker_id) {
  return principals_.Add({.name = name, .role = auth::Role::kCurator, .worker_id = worker_id});
}

}  // namespace curation::bench
