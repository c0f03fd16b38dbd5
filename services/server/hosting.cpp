#include <curation/server/module.hpp>

#include <algorithm>

#include <curation/db/pool.hpp>
#include <curation/server/grpc_host.hpp>

namespace curation::server {

std::vector<db::PreparedStatement> JoinStatements(const std::vector<std::vector<db::PreparedStatement>>& parts) {
  std::vector<db::PreparedStatement> statements;
  for (const std::vector<db::PreparedStatement>& part : parts) {
    for (const db::PreparedStatement& statement : part) {
      if (std::none_of(statements.begin(), statements.end(),
                       [&](const db::PreparedStatement& known) { return known.name == statement.name; })) {
        statements.push_back(statement);
      }
    }
  }
  return statements;
}

std::vector<db::PreparedStatement> StatementsOf(const std::vector<ModuleEntry>& modules) {
  std::vector<std::vector<db::PreparedStatement>> parts;
  for (const ModuleEntry& module : modules) {
    parts.push_back(module.statements());
  }
  return JoinStatements(parts);
}

Hosting::Hosting(const std::vector<ModuleEntry>& modules, const ModuleDeps& deps, GrpcHost& host) {
  for (const ModuleEntry& module : modules) {
    services_.push_back(module.build(deps));
    if (services_.back().grpc != nullptr) {
      host.Register(services_.back().grpc, std::string(module.grpc_service));
    }
  }
}

absl::Status Hosting::Start() {
  for (const HostedService& service : services_) {
    if (service.start) {
      RETURN_IF_ERROR(service.start());
    }
  }
  for (const HostedService& service : services_) {
    for (const auto& work : service.work) {
      workers_.emplace_back(work);
    }
  }
  return absl::OkStatus();
}

void Hosting::RequestStop() {
  for (std::jthread& worker : workers_) {
    worker.request_stop();
  }
  for (const HostedService& service : services_) {
    if (service.interrupt) {
      service.interrupt();
    }
  }
}

void Hosting::Join() { workers_.clear(); }

}  // namespace curation::server
