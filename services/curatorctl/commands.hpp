#pragma once
// The nouns of curatorctl, each adding its verbs to the command line. The verb given on the
// command line sets `run`; main resolves the global options, then calls it.
//
// Usage (main):
//   Runner run;
//   AddQueueCommands(app, run);
//   app.parse(argc, argv);
//   return run(options);

#include <CLI/CLI.hpp>

#include "client.hpp"

namespace curation::ctl {

/// `queue list|claim|renew|release|decide|revert|stats|codes`: ReviewService.
void AddQueueCommands(CLI::App& app, Runner& run);

/// `log list|show|verify|export`: ModerationLogService.
void AddLogCommands(CLI::App& app, Runner& run);

/// `alerts list|show|ack|resolve|slots|silence|test`: AlertService.
void AddAlertCommands(CLI::App& app, Runner& run);

/// `report [terms]`: ReportService.
void AddReportCommands(CLI::App& app, Runner& run);

}  // namespace curation::ctl
