// A fake Joystream distributor node (Argus) for tests and benchmarks of the media prober.
//
// FakeDistributor runs a real HTTP/1.1 server on 127.0.0.1 (port chosen by the OS) that serves
// byte strings put at exact paths the way Argus serves a cached data object (`send` over the
// file, in PublicApiController.serveAssetFromFilesystem / assetHead). Url() is what the query
// node calls the operator's `nodeEndpoint`; AssetUrl(id) is where Argus serves object `id`.
//
//   FakeDistributor argus;
//   argus.Put("/api/v1/assets/42", mp4_bytes);
//   argus.Put("/api/v1/assets/43", mp4_bytes, "video/mp4",
//             {.trickle_bytes = 1024, .trickle_interval = std::chrono::milliseconds(100)});
//   prober.Probe(argus.AssetUrl("42"));
//   argus.WaitForIdle();
//   EXPECT_LT(argus.BytesSent(), 2 << 20);
//
// Semantics worth knowing:
// - GET and HEAD are served at exactly the paths put (no prefix matching, no trailing-slash
//   folding); the query string is ignored. Paths are compared after cpp-httplib's
//   percent-decoding. Other methods get 405 at a put path, 404 elsewhere.
// - A normal GET answers 200 with the whole body, or 206 for a satisfiable `Range`, with
//   Content-Length, `Accept-Ranges: bytes`, `x-cache: hit`, `x-data-source: local`,
//   `cache-control: max-age=31536000`, `content-disposition: inline`, `timing-allow-origin: *`
//   and the content type put. Bodies are never compressed, whatever Accept-Encoding says.
//   Connections are kept alive (5 s idle, up to 1000 requests each).
// - `Range` is read like Argus's `send` + `range-parser` read it, not like RFC 9110 in every
//   corner: only a header starting with `bytes=` counts (anything else: 200); each comma-separated
//   `a-b`, `a-` or `-k` (the last k bytes) is clamped to the object (b to N-1) and dropped when
//   it is then empty or starts before 0 — so `-k` with k > N is dropped rather than meaning the
//   whole object; no range left → 416 with `Content-Range: bytes */N` and a JSON body (also
//   for every range of a 0-byte object); ranges that merge into one → 206 with
//   `Content-Range: bytes a-b/N`; several disjoint ranges → 200 with the whole body (no
//   multipart); overlapping or adjacent ranges merge. If-Range is ignored.
// - HEAD answers with the headers a GET without Range would get and no body (Argus's assetHead
//   ignores Range too): 200 and Content-Length = N for an object. cpp-httplib adds
//   `Accept-Ranges: bytes` to every HEAD answer that lacks one (404s, 302s), as assetHead does.
// - Unknown paths: 404 `{"type":"not_found","message":"Data object does not exist"}` (Argus
//   itself leaves out `type` on its 404 and 421 bodies; a prober must not require it).
// - Behaviour, per path, set at Put (a later Put replaces bytes and behaviour; requests already
//   being answered finish with what they started with):
//   - `status` != 0: that status with an Argus-style JSON body {"type","message"} and
//     `application/json; charset=utf-8`, whatever the Range (404 → not_found, 421 →
//     not_supported, other 4xx → request_validation, 5xx → exception). Wins over the others.
//   - `redirect_to`: 302 with that Location and an empty text/plain body. Wins over the ones
//     below.
//   - `no_ranges`: Range is ignored, always 200 with the whole body and `Accept-Ranges: none`.
//   - `trickle_bytes` > 0: the object's body (whole or range; not a 416's JSON) goes out in
//     writes of `trickle_bytes`, the first right after the headers and then one every
//     `trickle_interval`. Between writes the handler checks every 20 ms whether the client has
//     hung up or the fake is being destroyed, and then stops. Content-Length is the full
//     length, so a client that gives up sees a truncated body.
// - The request log: one Request per request, in the order answered, with the status answered,
//   including requests cpp-httplib rejected itself (say, a malformed request line → 400).
//   An entry is appended before the response headers are written, and its `bytes_sent` is
//   raised before each body write (and lowered again if the write fails), so once a client has
//   received a whole response, that response's entry is complete. For a transfer that ends
//   early (client gone, destroyed fake) the count settles when the handler notices; call
//   WaitForIdle() after the client has given up before reading it.
// - Byte counts cover every body, JSON error bodies included (HEAD: 0). They are bytes the
//   kernel accepted on the socket, not bytes the client read: after an abort, up to the
//   loopback socket buffers (a few MB) may have been sent but never read. Range requests and
//   trickled bodies (one write per interval) are the exact ways to measure how much a prober
//   read. Non-trickled bodies are written 16 KiB at a time; a write that fails counts nothing,
//   so an aborted count may be short by up to one write.
// - A Range that cpp-httplib's own parser rejects (say `bytes=5-2`) is still answered by the
//   fake as above; cpp-httplib's own range and multipart machinery never touches a response.
//
// Thread safety: every public method may be called from any thread while the server answers
// requests. The destructor stops the server, cuts open connections (idle keep-alive ones and
// trickles alike) and waits for the handlers, which takes milliseconds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <absl/base/thread_annotations.h>

#include <fakes/loopback_server.hpp>

namespace httplib {
class DataSink;
struct Request;
struct Response;
}  // namespace httplib

namespace curation::fakes {

class FakeDistributor {
 public:
  // How one path misbehaves; the default is a healthy, cached object.
  struct Behaviour {
    bool no_ranges = false;     // ignore Range: always 200 with the whole body
    int status = 0;             // 0: serve the object; else this status with a JSON error body
    std::string redirect_to{};  // non-empty: 302 to this Location
    size_t trickle_bytes = 0;   // 0: send the body at full speed
    std::chrono::milliseconds trickle_interval{0};
  };

  // One request as the fake answered it. `range` is the Range header as sent ("" when absent);
  // `bytes_sent` counts body bytes only (see the header comment); `answered_at` is when the fake
  // logged it, just before answering (for tests of pacing).
  struct Request {
    std::string method;
    std::string path;
    std::string range;
    int status = 0;
    int64_t bytes_sent = 0;
    std::chrono::steady_clock::time_point answered_at{};
  };

  // Starts the server; throws std::runtime_error if no port can be bound.
  // `host`: any loopback address, e.g. 127.0.0.2 for a node the address guard should see as
  // different from 127.0.0.1.
  explicit FakeDistributor(std::string host = "127.0.0.1");
  ~FakeDistributor();
  FakeDistributor(const FakeDistributor&) = delete;
  FakeDistributor& operator=(const FakeDistributor&) = delete;

  // http://127.0.0.1:PORT/ (a nodeEndpoint: ends with '/').
  std::string Url() const;
  // Url() + "api/v1/assets/" + object_id.
  std::string AssetUrl(const std::string& object_id) const;
  // http://127.0.0.1:PORT + path ('/' inserted when path lacks it).
  std::string UrlFor(const std::string& path) const;
  int Port() const { return loopback_.port(); }

  // Serves `bytes` at `path` (e.g. "/api/v1/assets/42" or "/cuts/hero.mp4"); replaces what was
  // there. (Two overloads rather than `Behaviour behaviour = {}`: a nested struct with member
  // initializers cannot be a default argument inside its own class.)
  void Put(std::string path, std::string bytes, std::string content_type = "video/mp4");
  void Put(std::string path, std::string bytes, std::string content_type, Behaviour behaviour);

  std::vector<Request> Requests() const;
  std::vector<Request> RequestsFor(const std::string& path) const;
  // The sum of bytes_sent over Requests().
  int64_t BytesSent() const;
  // Empties the log; transfers still running are no longer counted anywhere.
  void ClearLog();
  // Waits until no response is being produced (handlers and body writes finished); false on
  // timeout. Covers the requests the fake has read, so call it after the client is done.
  bool WaitForIdle(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  struct Object;
  struct Answer;
  struct Transfer;

  void Handle(const httplib::Request& req, httplib::Response& res);
  void Respond(const httplib::Request& req, httplib::Response& res);
  // For responses cpp-httplib produced without asking the fake.
  void LogRejected(const httplib::Request& req, int status);
  // Writes the next piece of `transfer`'s body; false stops the response.
  bool WriteNext(const Transfer& transfer, size_t written, httplib::DataSink& sink);
  void AddBytes(uint64_t seq, int64_t delta);
  void Finished();
  // Waits up to `delay`; false when the fake is stopping or the client of `connection_fd` has
  // hung up meanwhile.
  bool PauseBetweenWrites(std::chrono::milliseconds delay, int connection_fd);

  std::string host_;
  LoopbackServer loopback_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // stopping_, active_
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::shared_ptr<const Object>> objects_ ABSL_GUARDED_BY(mu_);
  // requests_[i] has sequence number first_seq_ + i.
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  uint64_t first_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_sent_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace curation::fakes
