// ingest.* keys: database-free, so tests and the config fuzz target link them alone.
#include <curation/ingest/module.hpp>

namespace curation::ingest {

const ConfigSection& Module::Section() {
  static const ConfigSection section{
      .keys =
          {
              DurationKey("ingest.poll_interval", "pause between polls once caught up",
                          SectionField(&IngestConfig::poll_interval), 10ms),
              IntegerKey("ingest.overlap_blocks", "blocks re-read on every poll, for items indexed late",
                         SectionField(&IngestConfig::overlap_blocks), 0, 100000),
              DurationKey("ingest.overlap_time", "span re-read on every poll of changed items",
                          SectionField(&IngestConfig::overlap_time), 0ms),
              DurationKey("ingest.backoff_initial", "first pause after a failed poll",
                          SectionField(&IngestConfig::backoff_initial), 1ms),
              DurationKey("ingest.backoff_max", "longest pause after repeated failures",
                          SectionField(&IngestConfig::backoff_max), 1ms),
              IntegerKey("ingest.start_block", "block to start from on an empty database (0 = genesis)",
                         SectionField(&IngestConfig::start_block), 0, 1ll << 40),
          },
      .check =
          [](Config& config) {
            const IngestConfig& ingest = config.Section<IngestConfig>();
            if (ingest.backoff_max < ingest.backoff_initial) {
              return absl::InvalidArgumentError(
                  "config key ingest.backoff_max: must not be shorter than ingest.backoff_initial");
            }
            return absl::OkStatus();
          },
  };
  return section;
}

}  // namespace curation::ingest
