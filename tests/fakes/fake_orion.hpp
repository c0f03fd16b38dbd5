// A fake Orion v2 (Joystream's gateway GraphQL server) for tests of the alert component.
//
// FakeOrion runs a real HTTP server on 127.0.0.1 (port chosen by the OS) that answers the
// featuring reads of services/alert/queries/featured.orion.graphql the way Orion does: POST
// /graphql with {"query", "operationName"}, answered with
// {"data":{"videoHero":{...}|null,"videoFeaturedInCategories":[...]}}. Tests set what Gleev
// features, point an OrionClient at Url(), and inject faults.
//
//   FakeOrion orion;
//   orion.SetHero("42", "A video", "https://cdn.example/cut.mp4", "https://cdn.example/p.jpg",
//                 "2024-03-01T12:00:00.000Z", "Watch this");
//   orion.SetFeatured("7", "Gaming", {{"43", "Another", "https://cdn.example/43.mp4"}});
//   orion.SetFailure(FakeOrion::Failure::kDown);
//   client.Featured();
//
// Semantics worth knowing:
// - A request is answered only when its body is a JSON object whose `query` is a string that
//   mentions `videoHero` and/or `videoFeaturedInCategories`; `data` then holds those of the two
//   the query mentions (the selection sets are not read). Anything else is a 400
//   {"errors":[{"message":...}]}, as graphql-js reports a request it cannot run.
// - Objects carry exactly the fields the alert document selects, in its order, nested as Orion
//   nests them: the hero {id heroTitle heroVideoCutUrl heroPosterUrl activatedAt video{id
//   title}}, each featured entry {id videoCutUrl video{id title} category{id name}}. Hero ids
//   count up in base 36 per SetHero, and a featured entry's id is "<video>-<category>", as
//   Orion's setVideoHero and setCategoryFeaturedVideos make them. An empty
//   `activated_at_iso` or featured `cut_url` is served as null (both are nullable, and Orion
//   stores null when none was given); other texts are served as given, invalid UTF-8 replaced
//   (no real server can send it; RawResponse can).
// - Featured entries come out category by category in the order the categories were first
//   set, each category's videos in the order given: not sorted, like Orion without orderBy.
// - Failures apply to every POST /graphql, valid or not: kDown answers 503 with an HTML page
//   and `Retry-After: 30` (kDownRetryAfterSeconds); kGraphqlError answers 200 with
//   {"errors":[...],"data":null}, as when Orion's database query fails; kMalformed answers 200
//   with the first half of the answer it would have sent; kSlow waits `slow_delay` and then
//   answers normally (the wait is cut short when the fake is destroyed).
// - RawResponse(body) answers every POST /graphql, valid or not, with 200 and exactly `body`
//   as application/json until ClearRawResponse(); kMalformed and kSlow apply on top of it.
// - Every POST /graphql is recorded before it is answered (so a test can see a slow request
//   arrive), with its headers (names lower-cased, repeats joined by ", ") and body.
//
// Thread safety: every public method may be called from any thread while the server answers
// requests. The destructor stops the server, cuts idle keep-alive connections and waits for the
// handlers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <absl/base/thread_annotations.h>

#include <fakes/loopback_server.hpp>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace curation::fakes {

class FakeOrion {
 public:
  enum class Failure { kNone, kDown, kGraphqlError, kMalformed, kSlow };

  // One video of a category's featured set, as setCategoryFeaturedVideos takes it (plus the
  // title the video has).
  struct FeaturedEntry {
    std::string video_id;
    std::string title;
    std::string cut_url;  // empty: null
  };

  // One POST /graphql as it arrived.
  struct Request {
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
  };

  static constexpr int kDownRetryAfterSeconds = 30;

  // Starts the server; throws std::runtime_error if no port can be bound.
  FakeOrion();
  ~FakeOrion();
  FakeOrion(const FakeOrion&) = delete;
  FakeOrion& operator=(const FakeOrion&) = delete;

  // http://127.0.0.1:PORT/graphql
  std::string Url() const;

  // Makes this the hero, like setVideoHero: the newest hero is the one served.
  void SetHero(std::string video_id, std::string title, std::string cut_url,
               std::string poster_url, std::string activated_at_iso, std::string hero_title);
  // No hero: videoHero is null.
  void ClearHero();
  // Replaces the category's featured set, like setCategoryFeaturedVideos; an empty set removes
  // the category from the answer.
  void SetFeatured(std::string category_id, std::string category_name,
                   std::vector<FeaturedEntry> entries);
  void ClearFeatured();

  // `slow_delay` is used by kSlow only.
  void SetFailure(Failure failure, std::chrono::milliseconds slow_delay = std::chrono::seconds(5));
  void RawResponse(std::string body);
  void ClearRawResponse();

  std::vector<Request> Requests() const;
  size_t RequestCount() const;
  // Waits until at least `count` requests have been recorded; false on timeout.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct Hero {
    std::string id;
    std::string video_id;
    std::string title;
    std::string cut_url;
    std::string poster_url;
    std::string activated_at_iso;
    std::string hero_title;
  };
  struct Category {
    std::string id;
    std::string name;
    std::vector<FeaturedEntry> entries;
  };
  struct Answer;

  void Handle(const httplib::Request& req, httplib::Response& res);
  // What the current state answers to `body`, before failures are applied.
  Answer Execute(const std::string& body) const;
  // Waits up to `delay`; returns early when the fake is stopping.
  void InterruptibleSleep(std::chrono::milliseconds delay);

  LoopbackServer loopback_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // stopping_, requests_
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<Hero> hero_ ABSL_GUARDED_BY(mu_);
  uint64_t heroes_set_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Category> categories_ ABSL_GUARDED_BY(mu_);  // in the order first set
  Failure failure_ ABSL_GUARDED_BY(mu_) = Failure::kNone;
  std::chrono::milliseconds slow_delay_ ABSL_GUARDED_BY(mu_){0};
  std::optional<std::string> raw_response_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace curation::fakes
