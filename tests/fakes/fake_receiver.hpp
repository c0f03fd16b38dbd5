// A fake notification receiver (Discord webhook, PagerDuty Events API, Alertmanager-style
// webhook) for tests of alert delivery.
//
// FakeReceiver runs a real HTTP server on 127.0.0.1 (port chosen by the OS) that accepts POST on
// any path, records every request and answers the way the receiver the path looks like would:
//
//   FakeReceiver receiver;
//   ReceiverConfig discord{.name = "curators", .type = "discord",
//                          .url = receiver.Url("/api/webhooks/1/token")};
//   receiver.RespondNext(429, R"({"retry_after": 1.5, "global": false})");
//   ... deliver twice ...
//   ASSERT_TRUE(receiver.WaitForRequests(2, std::chrono::seconds(5)));
//   EXPECT_EQ(receiver.Accepted(), 1);
//
// Answers, first match wins:
// - a scripted answer queued with RespondNext (FIFO, one per request), whatever the path;
// - while SetDown(true): 503 with a short text body;
// - a path containing "/webhooks/" (Discord): 200 with a message object `{"id":"<n>",...}` when
//   the query has wait=true, else 204 with no body;
// - a path ending in "/v2/enqueue" (PagerDuty): 202
//   `{"status":"success","message":"Event processed","dedup_key":...}`, echoing the request's
//   dedup_key (or making one up when it has none);
// - anything else: 200 with an empty JSON object.
// Methods other than POST get cpp-httplib's 404 and are not recorded.
//
// Thread safety: every public method may be called from any thread while the server answers.
// The destructor stops the server and waits for the handlers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <absl/base/thread_annotations.h>

#include <fakes/loopback_server.hpp>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace curation::fakes {

class FakeReceiver {
 public:
  // One POST as the fake read it. Header names are lower-cased; repeated headers are joined
  // with ", ". `query` is the raw query string, without '?'.
  struct Request {
    std::string path;
    std::string query;
    std::map<std::string, std::string> headers;
    std::string body;
    std::chrono::steady_clock::time_point arrived;
    int status = 0;  // what the fake answered
  };

  // Starts the server; throws std::runtime_error if no port can be bound.
  FakeReceiver();
  ~FakeReceiver();
  FakeReceiver(const FakeReceiver&) = delete;
  FakeReceiver& operator=(const FakeReceiver&) = delete;

  // http://127.0.0.1:PORT + path ('/' inserted when path lacks it).
  std::string Url(const std::string& path = "/hook") const;
  int Port() const { return loopback_.port(); }

  // Every request so far, in the order they arrived.
  std::vector<Request> Requests() const;
  // True once at least `n` requests have been recorded; false after `timeout`.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout) const;
  // Requests answered with a 2xx status.
  size_t Accepted() const;

  // While down, every request without a scripted answer gets 503.
  void SetDown(bool down);
  // Queues the answer to one future request (FIFO). A "Content-Type" in `headers` sets the
  // body's type; it defaults to application/json.
  void RespondNext(int status, std::string body, std::map<std::string, std::string> headers = {});

 private:
  struct Answer {
    int status = 200;
    std::string body;
    std::map<std::string, std::string> headers;
  };

  void Handle(const httplib::Request& req, httplib::Response& res);
  // The answer to `req`, consuming a scripted one if any.
  Answer Choose(const httplib::Request& req) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  LoopbackServer loopback_;

  mutable std::mutex mu_;
  mutable std::condition_variable recorded_;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Answer> scripted_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  size_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
  size_t last_id_ ABSL_GUARDED_BY(mu_) = 0;  // of made-up Discord messages and dedup keys
};

}  // namespace curation::fakes
