#pragma once
// Probe in curationd: light probes of new videos from the ingest feed, probe jobs run in
// sandboxed worker processes, and the probe API (see curation/server/module.hpp for what a
// module is). Alert probes through the same pieces when hosted in the same process.

#include <curation/probe/config.hpp>
#include <curation/server/module.hpp>

namespace curation::probe {

class ProbeService;
class ProbeStore;

struct Module {
  static constexpr std::string_view kName = "probe";
  static constexpr std::string_view kGrpcService = "curation.v1.ProbeService";
  static const ConfigSection& Section();
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

/// Probing in this process, for probe's module and any other that probes (alert): one sandbox
/// of worker processes whoever asks. Get it with deps.shared.Get<LocalProbing>(deps); whoever
/// holds it calls Interrupt() from its HostedService::Interrupt(). Needs Module::Statements().
class LocalProbing {
 public:
  explicit LocalProbing(const server::ModuleDeps& deps);
  ~LocalProbing();
  LocalProbing(const LocalProbing&) = delete;
  LocalProbing& operator=(const LocalProbing&) = delete;

  ProbeStore& store();
  ProbeService& service();
  /// Ends probes under way and refuses new ones (curationd is stopping); idempotent.
  void Interrupt();

 private:
  struct Pieces;
  std::unique_ptr<Pieces> pieces_;
};

}  // namespace curation::probe
