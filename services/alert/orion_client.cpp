#include <curation/alert/orion_client.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>

#include <absl/strings/str_cat.h>

#include <curation/alert/vocabulary.hpp>
#include <curation/common/graphql.hpp>
#include <curation/common/time_format.hpp>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& AlertGraphqlDocuments();
}  // namespace curation::embedded

namespace curation::alert {
namespace {

using graphql::Value;

constexpr char kOperationName[] = "FeaturedNow";
constexpr char kFeaturedPath[] = "data.videoFeaturedInCategories";
constexpr size_t kMaxTextBytes = 1000;
constexpr size_t kMaxUrlBytes = 2048;

const std::string& FeaturedNowDocument() { return embedded::AlertGraphqlDocuments().at(0).second; }

// Statuses OrionClient::Featured() promises: a malformed answer is INVALID_ARGUMENT, one over
// max_response_bytes RESOURCE_EXHAUSTED.
const graphql::Upstream& Orion() {
  static const graphql::Upstream kOrion{.name = "Orion",
                                        .malformed = absl::StatusCode::kInvalidArgument,
                                        .oversized = absl::StatusCode::kResourceExhausted};
  return kOrion;
}

graphql::ClientOptions ClientOptions(OrionOptions options) {
  graphql::ClientOptions client{.upstream = Orion(),
                                .url = std::move(options.url),
                                .timeout = options.timeout,
                                .max_response_bytes = options.max_response_bytes};
  if (!options.session.empty()) {
    client.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options.session));
  }
  return client;
}

// Orion's code decides the shape of its answer; creators and operators decide its text. A shape
// other than the document asked for means a different or broken server and fails the whole
// answer, naming where; text that cannot be used costs one entry or one field, never the answer.

// Objects that Orion may leave out (null or absent) but never replace with something else.
absl::StatusOr<Value> OptionalObject(Value value, const std::string& path) {
  if (value && !value.IsObject()) {
    return Orion().Malformed(absl::StrCat("has a ", value.TypeName(), " at ", path, ", not an object"));
  }
  return value;
}

// Text for people and for PostgreSQL: anything but a string reads as empty.
std::string Text(Value value) { return value.Text(kMaxTextBytes).value_or(""); }

// A URL the prober may try later (it checks the address itself); anything else reads as empty,
// as if Orion had none.
std::string Url(Value value) { return value.HttpUrl(kMaxUrlBytes).value_or(""); }

// Nothing when the hero names no usable video: there is nothing to probe or page about.
absl::StatusOr<std::optional<FeaturedVideo>> ReadHero(Value hero) {
  ASSIGN_OR_RETURN(Value video, OptionalObject(hero["video"], "data.videoHero.video"));
  std::optional<std::string> video_id = video["id"].Id();
  if (!video_id) {
    return std::nullopt;
  }
  return FeaturedVideo{.slot = SlotName(SlotKind::kHero),
                       .video_id = std::move(*video_id),
                       .video_title = Text(video["title"]),
                       .hero_title = Text(hero["heroTitle"]),
                       .cut_url = Url(hero["heroVideoCutUrl"]),
                       .poster_url = Url(hero["heroPosterUrl"]),
                       .activated_at = hero["activatedAt"].Time()};
}

// Nothing for an entry without a usable video or category.
absl::StatusOr<std::optional<FeaturedVideo>> ReadFeaturedEntry(Value entry, const std::string& path) {
  ASSIGN_OR_RETURN(entry, OptionalObject(entry, path));
  ASSIGN_OR_RETURN(Value video, OptionalObject(entry["video"], path + ".video"));
  ASSIGN_OR_RETURN(Value category, OptionalObject(entry["category"], path + ".category"));
  std::optional<std::string> video_id = video["id"].Id();
  std::optional<std::string> category_id = category["id"].Id();
  if (!video_id || !category_id) {
    return std::nullopt;
  }
  return FeaturedVideo{.slot = SlotName(SlotKind::kCategory, *category_id),
                       .video_id = std::move(*video_id),
                       .video_title = Text(video["title"]),
                       .category_name = Text(category["name"]),
                       .cut_url = Url(entry["videoCutUrl"])};
}

absl::StatusOr<std::vector<FeaturedVideo>> ReadData(Value data) {
  // A missing videoHero is not "no hero": the server did not run our query.
  if (!data.Has("videoHero")) {
    return Orion().Malformed("lacks data.videoHero");
  }
  std::vector<FeaturedVideo> featured;
  ASSIGN_OR_RETURN(Value hero, OptionalObject(data["videoHero"], "data.videoHero"));
  if (hero) {
    ASSIGN_OR_RETURN(std::optional<FeaturedVideo> hero_video, ReadHero(hero));
    if (hero_video) {
      featured.push_back(std::move(*hero_video));
    }
  }
  Value entries = data["videoFeaturedInCategories"];
  if (!entries.IsArray()) {
    return Orion().Malformed(absl::StrCat("has no list at ", kFeaturedPath));
  }
  const auto first_in_category = static_cast<std::ptrdiff_t>(featured.size());
  for (size_t index = 0; index < entries.Size(); ++index) {
    ASSIGN_OR_RETURN(std::optional<FeaturedVideo> video,
                     ReadFeaturedEntry(entries.At(index), absl::StrCat(kFeaturedPath, "[", index, "]")));
    if (video) {
      featured.push_back(std::move(*video));
    }
  }
  // Orion answers in no particular order; a stable order lets callers compare polls directly.
  // Stable, so that of duplicates the first one Orion sent is the one kept.
  auto slot_and_video = [](const FeaturedVideo& video) { return std::tie(video.slot, video.video_id); };
  std::stable_sort(featured.begin() + first_in_category, featured.end(),
                   [&](const FeaturedVideo& a, const FeaturedVideo& b) {
                     return slot_and_video(a) < slot_and_video(b);
                   });
  featured.erase(std::unique(featured.begin() + first_in_category, featured.end(),
                             [&](const FeaturedVideo& a, const FeaturedVideo& b) {
                               return slot_and_video(a) == slot_and_video(b);
                             }),
                 featured.end());
  return featured;
}

}  // namespace

OrionClient::OrionClient(HttpClient& http, OrionOptions options) : client_(http, ClientOptions(std::move(options))) {}

absl::StatusOr<std::vector<FeaturedVideo>> OrionClient::Featured() {
  ASSIGN_OR_RETURN(std::string body, client_.Execute(FeaturedNowDocument(), kOperationName));
  return ParseFeatured(body);
}

absl::StatusOr<std::vector<FeaturedVideo>> ParseFeatured(const std::string& body) {
  graphql::AnswerParser parser(Orion());
  ASSIGN_OR_RETURN(Value data, parser.Parse(body));
  return ReadData(data);
}

}  // namespace curation::alert
