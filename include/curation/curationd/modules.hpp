#pragma once
// curationd's table of modules: every service it knows, in the order they are listed, built and
// started. A new service is its folder (with a module, see curation/server/module.hpp) and one
// line here. Header-only: curatorctl reads the names without linking the services, and tests
// and the config fuzz target load the whole configuration linking only the sections' code.

#include <curation/alert/module.hpp>
#include <curation/console/module.hpp>
#include <curation/ingest/module.hpp>
#include <curation/modlog/module.hpp>
#include <curation/probe/module.hpp>
#include <curation/report/module.hpp>
#include <curation/review/module.hpp>
#include <curation/server/module.hpp>

namespace curation {

using Modules = server::ModuleList<ingest::Module,  //
                                   probe::Module,   //
                                   review::Module,  //
                                   modlog::Module,  //
                                   alert::Module,   //
                                   report::Module,  //
                                   console::Module>;

/// The configuration with every service's section (see LoadConfig(sources, schema)).
inline absl::StatusOr<Config> LoadConfig(const ConfigSources& sources) {
  return LoadConfig(sources, Modules::Schema());
}

/// `curationd config`: every key of every service's section.
inline std::string DescribeConfig(const Config& config) { return DescribeConfig(config, Modules::Schema()); }

}  // namespace curation
