#pragma once
// The console's browser app as curationd serves it: the files web/build.sh made, embedded in
// the binary at build time, each at its path with its content type.

#include <string>
#include <vector>

#include <curation/common/status.hpp>

namespace curation::console {

struct WebFile {
  std::string path;  // "/" for index.html, else "/<name>"
  std::string content_type;
  std::string body;
};

/// The embedded files; INTERNAL for a file whose type is not known (served with nosniff, a
/// wrong type would break the page).
absl::StatusOr<std::vector<WebFile>> EmbeddedWebFiles();

}  // namespace curation::console
