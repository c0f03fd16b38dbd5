// Orion's answer about what Gleev features, whose text operators and creators write:
// ParseFeatured. What comes out is stored, logged and paged about, so beyond not crashing every
// id and text is valid UTF-8 without NUL and within its cap, and the list keeps its promised order.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

#include <curation/alert/orion_client.hpp>
#include <curation/common/text.hpp>

namespace {

using curation::IsValidUtf8;

void Require(bool condition, const char* what, const std::string& detail) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s: %s\n", what, detail.c_str());
    std::abort();
  }
}

void RequireText(const std::string& text, size_t cap, const char* field) {
  Require(text.empty() || IsValidUtf8(text), "text is not valid UTF-8 without NUL", field);
  Require(text.size() <= cap, "text over its cap", field);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto featured = curation::alert::ParseFeatured(std::string(reinterpret_cast<const char*>(data), size));
  if (!featured.ok()) {
    RequireText(std::string(featured.status().message()), 1 << 20, "error message");
    return 0;
  }
  for (size_t i = 0; i < featured->size(); ++i) {
    const curation::alert::FeaturedVideo& video = (*featured)[i];
    Require(!video.video_id.empty(), "an entry without a video id", video.slot);
    RequireText(video.video_id, 128, "video_id");
    RequireText(video.slot, 128 + 9, "slot");
    RequireText(video.video_title, 1000, "video_title");
    RequireText(video.category_name, 1000, "category_name");
    RequireText(video.hero_title, 1000, "hero_title");
    RequireText(video.cut_url, 2048, "cut_url");
    RequireText(video.poster_url, 2048, "poster_url");
    Require(video.slot == "hero" ? i == 0 : video.slot.starts_with("category:"), "a slot out of place", video.slot);
    if (i > 0 && (*featured)[i - 1].slot != "hero") {
      const auto& before = (*featured)[i - 1];
      Require(std::tie(before.slot, before.video_id) < std::tie(video.slot, video.video_id),
              "featured videos out of order or repeated", video.slot);
    }
  }
  return 0;
}
