#pragma once
// curationd's command line: which command, and the configuration sources it names (flags win
// over the file and the environment).

#include <optional>

#include <curation/auth/principal_command.hpp>
#include <curation/common/config.hpp>

namespace curation {

struct CommandLine {
  enum class Command { kRun, kMigrate, kConfig, kPrincipal } command = Command::kRun;
  ConfigSources sources;  // the file, the process environment and the flags
  auth::PrincipalCommand principal;
  std::optional<int> exit_code;  // set: exit now (after --help, 0; a usage error, 2)
};

CommandLine ParseCommandLine(int argc, char** argv);

}  // namespace curation
