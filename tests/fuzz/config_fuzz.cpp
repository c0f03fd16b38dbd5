// curationd's configuration file: LoadConfig over arbitrary YAML (written to a private temporary
// file, since LoadConfig reads the file it is given), and DescribeConfig over what it accepts.
// A bad file must be an error that names what is wrong, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <curation/curationd/modules.hpp>

namespace {

std::string& ConfigPath() {
  static std::string path;
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* directory = std::getenv("TMPDIR");
  std::string path = std::string(directory != nullptr ? directory : "/tmp") + "/config_fuzz.XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) {
    std::perror("config_fuzz: mkstemp");
    std::abort();
  }
  close(fd);
  ConfigPath() = path;
  std::atexit([] { unlink(ConfigPath().c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::FILE* file = std::fopen(ConfigPath().c_str(), "wb");
  if (file == nullptr || std::fwrite(data, 1, size, file) != size || std::fclose(file) != 0) {
    std::perror("config_fuzz: writing the config file");
    std::abort();
  }
  curation::ConfigSources sources{
      .file = ConfigPath(),
      .environment = {{"DISCORD_WEBHOOK_URL", "https://discord.example/api/webhooks/1/x"},
                      {"PAGERDUTY_ROUTING_KEY", "0123456789abcdef0123456789abcdef"}}};
  auto config = curation::LoadConfig(sources);
  if (!config.ok()) {
    if (config.status().message().empty()) {
      std::fprintf(stderr, "invariant broken: a refusal without a message\n");
      std::abort();
    }
    return 0;
  }
  std::string description = curation::DescribeConfig(*config);
  (void)description;
  return 0;
}
