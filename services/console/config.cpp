// console.* keys: database-free, so tests and the config fuzz target link them alone.
#include <curation/common/listen_address.hpp>
#include <curation/console/module.hpp>

namespace curation::console {
namespace {

KeySpec ListenKey() {
  KeySpec spec = StringKey("console.listen", "host:port of the console and its Connect API (empty: none)",
                           SectionField(&ConsoleConfig::listen));
  auto store = spec.set;
  spec.set = [store](Config& config, const std::string& value) {
    if (!value.empty()) {
      RETURN_IF_ERROR(SplitListen(value, "console.listen").status());
    }
    return store(config, value);
  };
  return spec;
}

}  // namespace

const ConfigSection& Module::Section() {
  static const ConfigSection section{
      .keys =
          {
              ListenKey(),
              IntegerKey("console.max_request_bytes", "largest body of a call; larger ones are refused with 413",
                         SectionField(&ConsoleConfig::max_request_bytes), 1024, int64_t{1} << 30),
          },
  };
  return section;
}

}  // namespace curation::console
