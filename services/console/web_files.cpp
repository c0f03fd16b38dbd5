#include <curation/console/web_files.hpp>

#include <algorithm>

#include <absl/strings/str_cat.h>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& ConsoleWebFiles();
}

namespace curation::console {
namespace {

constexpr std::pair<std::string_view, std::string_view> kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
};

}  // namespace

absl::StatusOr<std::vector<WebFile>> EmbeddedWebFiles() {
  std::vector<WebFile> files;
  for (const auto& [name, body] : embedded::ConsoleWebFiles()) {
    const auto* type = std::find_if(std::begin(kContentTypes), std::end(kContentTypes),
                                    [&](const auto& entry) { return name.ends_with(entry.first); });
    if (type == std::end(kContentTypes)) {
      return absl::InternalError(absl::StrCat("the console's file ", name, " has no known content type"));
    }
    files.push_back({.path = name == "index.html" ? "/" : "/" + name,
                     .content_type = std::string(type->second),
                     .body = body});
  }
  return files;
}

}  // namespace curation::console
