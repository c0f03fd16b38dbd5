// probe.* keys: database-free, so tests and the config fuzz target link them alone.
#include <curation/common/address_guard.hpp>
#include <curation/probe/module.hpp>

namespace curation::probe {

const ConfigSection& Module::Section() {
  static const ConfigSection section{
      .keys = {
          IntegerKey("probe.workers", "probes at once, each in its own sandboxed worker process",
                     SectionField(&ProbeConfig::workers), 1, 256),
          StringKey("probe.worker_path", "the curation-probe-worker binary; empty uses the one beside curationd",
                    SectionField(&ProbeConfig::worker_path)),
          ListKey("probe.allow_addresses",
                  "address ranges probes may reach although private or loopback, comma-separated (127.0.0.1/32)",
                  SectionField(&ProbeConfig::allow_addresses),
                  [](const std::string& range) {
                    return AddressRange::Parse(range).ok()
                               ? absl::OkStatus()
                               : BadValue("probe.allow_addresses", range,
                                          "an address or range such as 10.0.0.0/8 or ::1/128");
                  }),
          DurationKey("probe.host_interval", "least time between two probes of one distributor host (all replicas)",
                      SectionField(&ProbeConfig::host_interval), 0ms),
          DurationKey("probe.deadline", "longest one probe of one URL may take", SectionField(&ProbeConfig::deadline),
                      100ms),
          IntegerKey("probe.max_bytes", "most bytes one probe of one URL may read", SectionField(&ProbeConfig::max_bytes),
                     64 << 10, 1ll << 34),
          DurationKey("probe.sources_ttl", "how long the distributors serving a bag are cached",
                      SectionField(&ProbeConfig::sources_ttl), 0ms),
      }};
  return section;
}

}  // namespace curation::probe
