#include <fakes/fake_orion.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <string_view>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace curation::fakes {
namespace {

// GraphQL answers keep the order of the document's selections; ordered_json does too.
using Json = nlohmann::ordered_json;

constexpr char kJsonContentType[] = "application/json; charset=utf-8";

// What nginx in front of Orion sends while Orion restarts.
constexpr std::string_view kDownPage =
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n";

// What Orion answers when its database query fails.
constexpr std::string_view kResolverErrorBody =
    R"({"errors":[{"message":"canceling statement due to statement timeout",)"
    R"("locations":[{"line":2,"column":3}],"path":["videoHero"],)"
    R"("extensions":{"code":"INTERNAL_SERVER_ERROR"}}],"data":null})";

// Invalid UTF-8 is replaced rather than thrown about: a real server cannot send it either.
std::string Dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string RequestErrorBody(std::string_view message) {
  return Dump(Json{{"errors", Json::array({Json{{"message", message}}})}});
}

Json NullIfEmpty(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

std::string Base36(uint64_t number) {
  static constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[number % 36]);
    number /= 36;
  } while (number > 0);
  return digits;
}

}  // namespace

struct FakeOrion::Answer {
  int status;
  std::string body;
};

FakeOrion::FakeOrion() {
  loopback_.server().Post("/graphql", [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, res);
  });
  loopback_.Start("127.0.0.1", "FakeOrion");
}

FakeOrion::~FakeOrion() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  loopback_.Stop();
}

std::string FakeOrion::Url() const {
  return "http://127.0.0.1:" + std::to_string(loopback_.port()) + "/graphql";
}

void FakeOrion::SetHero(std::string video_id, std::string title, std::string cut_url,
                        std::string poster_url, std::string activated_at_iso,
                        std::string hero_title) {
  std::lock_guard lock(mu_);
  hero_ = Hero{.id = Base36(++heroes_set_),
               .video_id = std::move(video_id),
               .title = std::move(title),
               .cut_url = std::move(cut_url),
               .poster_url = std::move(poster_url),
               .activated_at_iso = std::move(activated_at_iso),
               .hero_title = std::move(hero_title)};
}

void FakeOrion::ClearHero() {
  std::lock_guard lock(mu_);
  hero_.reset();
}

void FakeOrion::SetFeatured(std::string category_id, std::string category_name,
                            std::vector<FeaturedEntry> entries) {
  std::lock_guard lock(mu_);
  auto existing = std::find_if(categories_.begin(), categories_.end(),
                               [&](const Category& category) { return category.id == category_id; });
  if (existing == categories_.end()) {
    categories_.push_back({std::move(category_id), std::move(category_name), std::move(entries)});
  } else {
    existing->name = std::move(category_name);
    existing->entries = std::move(entries);
  }
}

void FakeOrion::ClearFeatured() {
  std::lock_guard lock(mu_);
  categories_.clear();
}

void FakeOrion::SetFailure(Failure failure, std::chrono::milliseconds slow_delay) {
  std::lock_guard lock(mu_);
  failure_ = failure;
  slow_delay_ = slow_delay;
}

void FakeOrion::RawResponse(std::string body) {
  std::lock_guard lock(mu_);
  raw_response_ = std::move(body);
}

void FakeOrion::ClearRawResponse() {
  std::lock_guard lock(mu_);
  raw_response_.reset();
}

std::vector<FakeOrion::Request> FakeOrion::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t FakeOrion::RequestCount() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

bool FakeOrion::WaitForRequests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void FakeOrion::InterruptibleSleep(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [this] { return stopping_; });
}

void FakeOrion::Handle(const httplib::Request& req, httplib::Response& res) {
  // Nothing may escape into cpp-httplib's worker threads.
  try {
    Request recorded{.headers = {}, .body = req.body};
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      auto [slot, inserted] = recorded.headers.try_emplace(std::move(lower), value);
      if (!inserted) {
        slot->second += ", " + value;
      }
    }
    Failure failure;
    std::chrono::milliseconds slow_delay;
    std::optional<std::string> raw_response;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(recorded));
      failure = failure_;
      slow_delay = slow_delay_;
      raw_response = raw_response_;
    }
    cv_.notify_all();

    if (failure == Failure::kDown) {
      res.status = 503;
      res.set_header("Retry-After", std::to_string(kDownRetryAfterSeconds));
      res.set_content(std::string(kDownPage), "text/html");
      return;
    }
    if (failure == Failure::kGraphqlError) {
      res.status = 200;
      res.set_content(std::string(kResolverErrorBody), kJsonContentType);
      return;
    }
    if (failure == Failure::kSlow) {
      InterruptibleSleep(slow_delay);
    }
    Answer answer = raw_response ? Answer{200, std::move(*raw_response)} : Execute(req.body);
    if (failure == Failure::kMalformed) {
      answer.status = 200;
      answer.body.resize(answer.body.size() / 2);
    }
    res.status = answer.status;
    res.set_content(answer.body, kJsonContentType);
  } catch (const std::exception& e) {
    res.status = 500;
    res.set_content(RequestErrorBody(std::string("fake Orion failed: ") + e.what()), kJsonContentType);
  }
}

FakeOrion::Answer FakeOrion::Execute(const std::string& body) const {
  const Json request = Json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return {400, RequestErrorBody("POST body must be a JSON object with a \"query\"")};
  }
  auto query = request.find("query");
  if (query == request.end() || !query->is_string()) {
    return {400, RequestErrorBody(
                     "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.")};
  }
  const auto& text = query->get_ref<const std::string&>();
  const bool wants_hero = text.find("videoHero") != std::string::npos;
  const bool wants_featured = text.find("videoFeaturedInCategories") != std::string::npos;
  if (!wants_hero && !wants_featured) {
    return {400, RequestErrorBody("this fake Orion answers only videoHero and videoFeaturedInCategories")};
  }

  Json data = Json::object();
  std::lock_guard lock(mu_);
  if (wants_hero) {
    data["videoHero"] =
        hero_ ? Json{{"id", hero_->id},
                     {"heroTitle", hero_->hero_title},
                     {"heroVideoCutUrl", hero_->cut_url},
                     {"heroPosterUrl", hero_->poster_url},
                     {"activatedAt", NullIfEmpty(hero_->activated_at_iso)},
                     {"video", {{"id", hero_->video_id}, {"title", hero_->title}}}}
              : Json(nullptr);
  }
  if (wants_featured) {
    Json entries = Json::array();
    for (const Category& category : categories_) {
      for (const FeaturedEntry& entry : category.entries) {
        entries.push_back({{"id", entry.video_id + "-" + category.id},
                           {"videoCutUrl", NullIfEmpty(entry.cut_url)},
                           {"video", {{"id", entry.video_id}, {"title", entry.title}}},
                           {"category", {{"id", category.id}, {"name", category.name}}}});
      }
    }
    data["videoFeaturedInCategories"] = std::move(entries);
  }
  return {200, Dump(Json{{"data", std::move(data)}})};
}

}  // namespace curation::fakes
