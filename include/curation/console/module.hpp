#pragma once
// The console in curationd: an HTTP listener (console.listen) that serves the Connect protocol
// for every gRPC service this process hosts (see curation/server/module.hpp for what a module
// is). It has no gRPC service of its own; it starts once the gRPC host serves, since its calls
// go through the host's in-process channel.

#include <curation/console/config.hpp>
#include <curation/server/module.hpp>

namespace curation::console {

struct Module {
  static constexpr std::string_view kName = "console";
  static constexpr std::string_view kGrpcService = "";  // none: it calls the others'
  static const ConfigSection& Section();
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

}  // namespace curation::console
