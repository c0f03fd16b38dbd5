#pragma once
// Report's section of the configuration (report.*; its keys are in report's module). Its links
// to videos use alert.gleev_url.

#include <cstdint>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/config.hpp>

namespace curation {

// A council term, [start, end): reports may name a period by its number.
struct TermConfig {
  int64_t number = 0;
  TimePoint start;
  TimePoint end;
};

struct ReportConfig {
  // Where an action's block (or extrinsic) is shown; {block} and {extrinsic} are filled in.
  std::string explorer_url = "https://polkadot.js.org/apps/?rpc=wss%3A%2F%2Frpc.joystream.org#/explorer/query/{block}";
  std::string network = "Joystream mainnet";  // the Network column of the CSV
  std::vector<TermConfig> terms;  // config file only
};

}  // namespace curation
