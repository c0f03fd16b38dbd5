#pragma once
// The moderation log in curationd: sealing new entries into the hash chain, reconciling it with
// what happened on chain, and the log API (see curation/server/module.hpp for what a module is).

#include <curation/server/module.hpp>

namespace curation::modlog {

struct Module {
  static constexpr std::string_view kName = "modlog";
  static constexpr std::string_view kGrpcService = "curation.v1.ModerationLogService";
  /// No keys of its own.
  static const ConfigSection& Section() {
    static const ConfigSection kNone;
    return kNone;
  }
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

}  // namespace curation::modlog
