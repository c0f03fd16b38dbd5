#include <curation/auth/principal_command.hpp>

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <curation/auth/principal_store.hpp>
#include <curation/common/table.hpp>
#include <curation/common/time_format.hpp>
#include <curation/db/pool.hpp>

namespace curation::auth {
namespace {

// A failed principal command: 2 for the caller's mistake (a bad name), 1 otherwise.
int PrincipalFailed(const absl::Status& status) {
  std::cerr << "curationd: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string TimeOrDash(const std::optional<TimePoint>& time) { return time ? FormatIsoTime(*time) : "-"; }

int ListPrincipals(PrincipalStore& store, bool json) {
  auto records = store.List();
  if (!records.ok()) {
    return PrincipalFailed(records.status());
  }
  if (json) {
    nlohmann::json out = {{"principals", nlohmann::json::array()}};
    for (const PrincipalRecord& record : *records) {
      const Principal& principal = record.principal;
      out["principals"].push_back(
          {{"name", principal.name},
           {"role", std::string(RoleName(principal.role))},
           {"worker_id", principal.worker_id ? nlohmann::json(*principal.worker_id) : nlohmann::json(nullptr)},
           {"contact", record.contact},
           {"create_time", FormatIsoTime(record.created_at)},
           {"revoke_time",
            record.revoked_at ? nlohmann::json(FormatIsoTime(*record.revoked_at)) : nlohmann::json(nullptr)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (records->empty()) {
    std::cout << "No principals yet; add one with `curationd principal add --name NAME --role lead`.\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "ROLE", "WORKER", "CONTACT", "CREATED", "REVOKED"}};
  for (const PrincipalRecord& record : *records) {
    const Principal& principal = record.principal;
    rows.push_back({principal.name, std::string(RoleName(principal.role)),
                    principal.worker_id ? std::to_string(*principal.worker_id) : "-", Fit(record.contact, 40),
                    FormatIsoTime(record.created_at), TimeOrDash(record.revoked_at)});
  }
  PrintTable(rows, std::cout);
  return 0;
}

}  // namespace

CLI::App* AddPrincipalCommand(CLI::App& app, PrincipalCommand& command) {
  auto* principal = app.add_subcommand("principal", "manage who may call the API (run as the database owner)");
  principal->require_subcommand(1);
  auto* add = principal->add_subcommand("add", "add a principal and print its new token (shown once)");
  add->add_option("--name", command.name, "unique name: letters, digits, ._@- (at most 64)")->required();
  add->add_option("--role", command.role, "curator, lead, council (read-only) or service")
      ->required()
      ->check(CLI::IsMember(RoleNames()));
  add->add_option("--worker-id", command.worker_id, "Joystream content working group worker id")
      ->check(CLI::NonNegativeNumber);
  add->add_option("--contact", command.contact, "how to reach them (shown only to operators)");
  add->callback([&command] { command.verb = PrincipalCommand::Verb::kAdd; });
  auto* list = principal->add_subcommand("list", "every principal, revoked ones included");
  list->add_flag("--json", command.json, "print one JSON document instead of a table");
  list->callback([&command] { command.verb = PrincipalCommand::Verb::kList; });
  auto* revoke = principal->add_subcommand("revoke", "revoke a principal's token");
  revoke->add_option("--name", command.name, "the principal to revoke")->required();
  revoke->callback([&command] { command.verb = PrincipalCommand::Verb::kRevoke; });
  return principal;
}

absl::StatusOr<int> RunPrincipalCommand(const PrincipalCommand& command, const std::string& database_url,
                                        const Config& config) {
  ASSIGN_OR_RETURN(auto pool, db::Pool::Create({.url = database_url,
                                                .size = 1,
                                                .statement_timeout = config.database.statement_timeout,
                                                .statements = PrincipalStore::Statements()}));
  PrincipalStore store(*pool);
  switch (command.verb) {
    case PrincipalCommand::Verb::kAdd: {
      NewPrincipal principal{
          .name = command.name, .role = ParseRole(command.role).value_or(Role::kCouncil), .contact = command.contact};
      if (command.worker_id >= 0) {
        principal.worker_id = command.worker_id;
      }
      auto token = store.Add(principal);
      if (!token.ok()) {
        return PrincipalFailed(token.status());
      }
      // The token alone on stdout, so `curationd principal add ... > token-file` just works.
      std::cout << *token << std::endl;
      std::cerr << "curationd: added " << command.name << " (" << command.role
                << "). Keep the token above now, it will not be shown again; hand it over as a file"
                   " (curatorctl --token-file) or as CURATION_TOKEN, never on a command line.\n";
      return 0;
    }
    case PrincipalCommand::Verb::kList:
      return ListPrincipals(store, command.json);
    case PrincipalCommand::Verb::kRevoke:
      if (auto revoked = store.Revoke(command.name); !revoked.ok()) {
        return PrincipalFailed(revoked);
      }
      std::cerr << "curationd: revoked " << command.name << "; its token stops working within auth.cache_ttl ("
                << HumanDuration(config.auth.cache_ttl) << ").\n";
      return 0;
  }
  return 2;
}

}  // namespace curation::auth
