#pragma once
// `curationd principal add|list|revoke`: who may call the API, managed on the server as the
// database's login user (no SET ROLE: the services' role may only read auth.principals), on a
// database curationd has migrated. A new token is printed once, alone on stdout.
//
// Usage:
//   PrincipalCommand command;
//   CLI::App* principal = AddPrincipalCommand(app, command);
//   ... if (principal->parsed()) return *RunPrincipalCommand(command, url, config);

#include <chrono>
#include <cstdint>
#include <string>

#include <curation/common/config.hpp>

namespace CLI {
class App;
}

namespace curation::auth {

struct PrincipalCommand {
  enum class Verb { kAdd, kList, kRevoke } verb = Verb::kList;
  std::string name;
  std::string role;
  int64_t worker_id = -1;  // -1: none
  std::string contact;
  bool json = false;
};

/// Adds `principal` and its subcommands to `app`; parsing fills `command` (verb included).
CLI::App* AddPrincipalCommand(CLI::App& app, PrincipalCommand& command);

/// Runs `command` against `database_url`: its exit code (2 for the caller's mistake, such as a
/// bad name, 1 for another failure, each told on stderr), or the error that kept it from
/// running (no database).
absl::StatusOr<int> RunPrincipalCommand(const PrincipalCommand& command, const std::string& database_url,
                                        const Config& config);

}  // namespace curation::auth
