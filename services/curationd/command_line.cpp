#include "command_line.hpp"

#include <CLI/CLI.hpp>
#include <absl/strings/str_join.h>

#include <curation/curationd/modules.hpp>

namespace curation {

CommandLine ParseCommandLine(int argc, char** argv) {
  CommandLine line;
  CLI::App app{"curationd: the Joystream content curation pipeline server"};
  app.set_help_all_flag("--help-all", "help for every subcommand");
  app.fallthrough();  // options may follow the subcommand: `curationd migrate --config FILE`
  std::string file, services, database_url, query_node_url;
  app.add_option("-c,--config", file, "YAML configuration file (see deploy/curation.example.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--set", line.sources.overrides, "override one key: section.key=value (repeatable)");
  app.add_option("--services", services,
                 "services to host, comma-separated (" + absl::StrJoin(Modules::Schema().services, ",") + "); default all");
  app.add_option("--database-url", database_url, "PostgreSQL URL; default: an embedded server in ./var/pg");
  app.add_option("--query-node-url", query_node_url, "Joystream query node GraphQL endpoint");
  app.add_subcommand("run", "start the services (the default)");
  auto* migrate = app.add_subcommand("migrate", "apply database migrations and exit");
  auto* config = app.add_subcommand("config", "print the effective configuration and exit");
  auto* principal = auth::AddPrincipalCommand(app, line.principal);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    line.exit_code = app.exit(e) == 0 ? 0 : 2;
    return line;
  }
  line.command = migrate->parsed()     ? CommandLine::Command::kMigrate
                 : config->parsed()    ? CommandLine::Command::kConfig
                 : principal->parsed() ? CommandLine::Command::kPrincipal
                                       : CommandLine::Command::kRun;
  if (!file.empty()) {
    line.sources.file = file;
  }
  line.sources.environment = ProcessEnvironment();
  for (const auto& [key, value] : {std::pair{"server.services", services}, std::pair{"database.url", database_url},
                                   std::pair{"query_node.url", query_node_url}}) {
    if (!value.empty()) {
      line.sources.overrides.push_back(std::string(key) + "=" + value);
    }
  }
  return line;
}

}  // namespace curation
