#pragma once
// A module says everything curationd needs about one service, from the service's own folder:
// its name, its prepared statements, its config section, and how it is built from the shared
// dependencies (its gRPC service, its metrics, its background work and how it is interrupted).
// curationd iterates one table of modules (curation/curationd/modules.hpp); a service it does
// not host builds nothing and starts nothing.
//
// A module is a type with static members, so that the table is a list of types whose names
// reach curatorctl without the services' code:
//   struct Module {
//     static constexpr std::string_view kName = "review";                          // --services
//     static constexpr std::string_view kGrpcService = "curation.v1.ReviewService";  // health
//     static const ConfigSection& Section();  // its own keys; database-free, in its config.cpp
//     static std::vector<db::PreparedStatement> Statements();  // all that Build's pieces prepare
//     static server::HostedService Build(const server::ModuleDeps& deps);  // registers metrics too
//   };

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <typeindex>
#include <utility>
#include <vector>

#include <curation/common/config.hpp>
#include <curation/common/status.hpp>

namespace grpc {
class Service;
}

namespace curation {
class Clock;
class MetricsRegistry;
}  // namespace curation

namespace curation::db {
class Pool;
struct PreparedStatement;
}  // namespace curation::db

namespace curation::server {

class GrpcHost;
struct RpcEnv;
class SharedParts;

/// What every module builds from; it and all it refers to outlive what is built.
struct ModuleDeps {
  const Config& config;
  db::Pool& pool;
  const Clock& clock;
  MetricsRegistry& metrics;
  RpcEnv& rpc;  // authentication and per-method metrics for the gRPC adapters
  SharedParts& shared;
  GrpcHost& host;                              // its in-process channel, once it serves (the console's calls)
  const std::vector<std::string>& grpc_services;  // the full names of the gRPC services hosted
};

/// Pieces of one service that another hosted in the same process uses too (alert probes
/// through probe's ProbeService): built once, by whichever module asks first; destroyed after
/// every hosted service, newest first. Not thread-safe: modules are built on one thread.
class SharedParts {
 public:
  SharedParts() = default;
  SharedParts(const SharedParts&) = delete;
  SharedParts& operator=(const SharedParts&) = delete;
  ~SharedParts() {
    while (!parts_.empty()) {
      parts_.pop_back();
    }
  }

  /// The one `Part` of this process, built from `args` if it is not built yet:
  /// deps.shared.Get<probe::LocalProbing>(deps).
  template <class Part, class... Args>
  Part& Get(Args&&... args) {
    for (auto& [type, part] : parts_) {
      if (type == typeid(Part)) {
        return *static_cast<Part*>(part.get());
      }
    }
    parts_.emplace_back(typeid(Part), std::make_shared<Part>(std::forward<Args>(args)...));
    return *static_cast<Part*>(parts_.back().second.get());
  }

 private:
  std::vector<std::pair<std::type_index, std::shared_ptr<void>>> parts_;
};

/// A service built for hosting: what curationd registers, runs and stops (see Hosting).
struct HostedService {
  std::shared_ptr<void> parts;    // everything built, kept until every worker has been joined
  grpc::Service* grpc = nullptr;  // registered under the module's kGrpcService; none for the console
  /// Once the host serves, before the background work: what must be up for curationd to run
  /// (the console's listener). A failure stops curationd. May be empty.
  std::function<absl::Status()> start;
  /// Background work, a thread each: started once the host serves, asked to stop on the way out.
  std::vector<std::function<void(std::stop_token)>> work;
  /// Once every worker was asked to stop: ends what would hold the stop up (probe: kills busy
  /// sandbox workers). May be empty.
  std::function<void()> interrupt;
};

/// The statements of `parts`, in order, each name once (the first): a module prepares what the
/// pieces it builds of another service prepare, which that service's module may prepare too.
std::vector<db::PreparedStatement> JoinStatements(const std::vector<std::vector<db::PreparedStatement>>& parts);

/// One module as curationd's loop sees it.
struct ModuleEntry {
  std::string_view name;
  std::string_view grpc_service;
  std::vector<db::PreparedStatement> (*statements)();
  HostedService (*build)(const ModuleDeps&);
};

/// What `modules` prepare, joined (see JoinStatements).
std::vector<db::PreparedStatement> StatementsOf(const std::vector<ModuleEntry>& modules);

/// The services this process hosts and their background work. curationd builds it, starts the
/// host, then Start(); on the way out RequestStop(), the host's grace for calls in flight, Join().
class Hosting {
 public:
  /// Builds every module's service and registers it on `host` (which has not started yet).
  Hosting(const std::vector<ModuleEntry>& modules, const ModuleDeps& deps, GrpcHost& host);
  /// Runs every service's start, then starts every service's background work; the first
  /// start that fails is returned, and no work is started.
  absl::Status Start();
  /// Asks every worker to stop taking new work, then interrupts what would hold the stop up.
  void RequestStop();
  /// Waits for every worker to end.
  void Join();

 private:
  std::vector<HostedService> services_;
  std::vector<std::jthread> workers_;  // after services_: joined before what they use goes
};

/// A table of modules, in the order they are listed, built and started.
template <class... Modules>
struct ModuleList {
  static constexpr std::array<std::string_view, sizeof...(Modules)> kNames = {Modules::kName...};
  static constexpr std::array<std::string_view, sizeof...(Modules)> kGrpcServices = {Modules::kGrpcService...};

  /// The services and sections LoadConfig and DescribeConfig take.
  static ConfigSchema Schema() {
    return {.services = {std::string(Modules::kName)...}, .sections = {&Modules::Section()...}};
  }

  /// The modules named in `services`, in the table's order. Only curationd calls this: it links
  /// every service.
  static std::vector<ModuleEntry> Entries(const std::vector<std::string>& services) {
    std::vector<ModuleEntry> entries = {
        ModuleEntry{Modules::kName, Modules::kGrpcService, &Modules::Statements, &Modules::Build}...};
    std::erase_if(entries, [&](const ModuleEntry& entry) {
      return std::find(services.begin(), services.end(), entry.name) == services.end();
    });
    return entries;
  }
};

}  // namespace curation::server
