#include <fakes/fake_distributor.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include <httplib.h>

namespace curation::fakes {
namespace {

// Bodies that are not trickled go out in writes of this size; a failed write counts nothing.
constexpr size_t kWriteBytes = 16 << 10;
// How often a trickle looks for a client that hung up while it waits between writes.
constexpr std::chrono::milliseconds kHangUpPoll(20);
// What Express's res.json() sends. Bodies go through content providers, which cpp-httplib
// never compresses, so the exact type does not matter for that here.
constexpr char kJsonContentType[] = "application/json; charset=utf-8";
constexpr std::string_view kAssetsPath = "api/v1/assets/";
constexpr char kCacheControl[] = "max-age=31536000";  // Argus's CACHED_MAX_AGE

std::string ErrorJson(std::string_view type, std::string_view message) {
  // Types and messages are fixed ASCII words here, so no escaping is needed.
  std::string body = R"({"type":")";
  body.append(type).append(R"(","message":")").append(message).append(R"("})");
  return body;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 416: return "Range Not Satisfiable";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

// The body Argus sends for a status: the data-object answers of PublicApiController for 404
// and 421 (plus a type), its error handler's shapes for the rest.
std::string StatusJson(int status) {
  if (status == 404) {
    return ErrorJson("not_found", "Data object does not exist");
  }
  if (status == 421) {
    return ErrorJson("not_supported", "Data object not served by this node");
  }
  return ErrorJson(status >= 500 ? "exception" : "request_validation", ReasonPhrase(status));
}

// ---------------------------------------------------------------------------------------------
// Range, read the way Argus reads it: `send` looks for /^ *bytes=/, then `range-parser`
// (with combine: true) parses with JavaScript's parseInt.

struct ByteRange {
  int64_t first;
  int64_t last;  // inclusive
};

struct RangeRequest {
  enum class Kind { kWhole, kPart, kUnsatisfiable } kind = Kind::kWhole;
  ByteRange part{0, 0};
};

// parseInt(s, 10): leading whitespace, an optional sign, then digits up to the first non-digit;
// nullopt for NaN. Saturates instead of losing precision as a double would.
std::optional<int64_t> ParseJsInt(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
                          s[i] == '\f' || s[i] == '\v')) {
    ++i;
  }
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  int64_t value = 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    const int digit = s[i] - '0';
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  if (i == digits_start) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) {
      return parts;
    }
    s.remove_prefix(at + 1);
  }
}

RangeRequest ReadRange(std::string_view header, int64_t size) {
  RangeRequest request;
  const size_t start = header.find_first_not_of(' ');
  if (start == std::string_view::npos || !header.substr(start).starts_with("bytes=")) {
    return request;  // `send` ignores it
  }
  std::vector<ByteRange> ranges;
  for (std::string_view spec : Split(header.substr(header.find('=') + 1), ',')) {
    const std::vector<std::string_view> ends = Split(spec, '-');
    std::optional<int64_t> first = ParseJsInt(ends[0]);
    std::optional<int64_t> last = ends.size() > 1 ? ParseJsInt(ends[1]) : std::nullopt;
    if (!first) {
      if (!last) {
        continue;
      }
      first = size - *last;  // -k: the last k bytes
      last = size - 1;
    } else if (!last) {
      last = size - 1;
    }
    last = std::min(*last, size - 1);
    if (*first > *last || *first < 0) {
      continue;
    }
    ranges.push_back({*first, *last});
  }
  if (ranges.empty()) {
    request.kind = RangeRequest::Kind::kUnsatisfiable;
    return request;
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  size_t kept = 0;
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first > ranges[kept].last + 1) {
      ranges[++kept] = ranges[i];
    } else {
      ranges[kept].last = std::max(ranges[kept].last, ranges[i].last);
    }
  }
  if (kept == 0) {
    request.kind = RangeRequest::Kind::kPart;
    request.part = ranges[0];
  }
  return request;  // several disjoint ranges: `send` serves the whole object
}

// True when the client of `fd` has closed its end or the connection broke. A pipelined next
// request is readable data, not a hang-up.
bool PeerGone(int fd) {
  if (fd < 0) {
    return false;
  }
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (poll(&p, 1, 0) <= 0) {
    return false;
  }
  if ((p.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL)) != 0) {
    return true;
  }
  char c;
  const ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace

struct FakeDistributor::Object {
  std::string bytes;
  std::string content_type;
  Behaviour behaviour;
};

// What Respond decided, before anything is logged or written.
struct FakeDistributor::Answer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::shared_ptr<const std::string> data;
  size_t offset = 0;
  size_t length = 0;
  bool trickle = false;
};

// The body of one response as its content provider writes it.
struct FakeDistributor::Transfer {
  uint64_t seq = 0;
  std::shared_ptr<const std::string> data;
  size_t offset = 0;
  size_t length = 0;
  size_t write_bytes = kWriteBytes;
  std::chrono::milliseconds interval{0};
  int connection_fd = -1;
};

// ---------------------------------------------------------------------------------------------
// Lifetime

FakeDistributor::FakeDistributor(std::string host) : host_(std::move(host)) {
  using HandlerResponse = httplib::Server::HandlerResponse;
  httplib::Server& server = loopback_.server();
  // GET and HEAD are answered before cpp-httplib's routing, which would first try its file
  // handler; other methods go through catch-all handlers so their bodies are read off the
  // connection first.
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      return HandlerResponse::Unhandled;
    }
    Handle(req, res);
    return HandlerResponse::Handled;
  });
  auto handle = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server.Post(".*", handle);
  server.Put(".*", handle);
  server.Patch(".*", handle);
  server.Delete(".*", handle);
  server.Options(".*", handle);
  // Called for every answer with a status >= 400 just before its headers are written, the
  // fake's own included.
  const httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req,
                                                               httplib::Response& res) {
    // Every answer the fake makes carries a releaser (see Respond), so this one came from
    // cpp-httplib itself.
    if (res.content_provider_resource_releaser_) {
      return HandlerResponse::Unhandled;
    }
    // cpp-httplib parses Range before routing and answers 416 itself when its parser rejects
    // the header (`bytes=5-2`, `bytes=x`); Argus would read such a header its own way.
    if (res.status == 416 && (req.method == "GET" || req.method == "HEAD")) {
      res.status = -1;
      Handle(req, res);
      return HandlerResponse::Handled;
    }
    LogRejected(req, res.status);
    return HandlerResponse::Unhandled;
  };
  server.set_error_handler(on_error);
  loopback_.Start(host_, "FakeDistributor");
}

FakeDistributor::~FakeDistributor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  loopback_.Stop();
}

std::string FakeDistributor::Url() const {
  return "http://" + host_ + ":" + std::to_string(Port()) + "/";
}

std::string FakeDistributor::AssetUrl(const std::string& object_id) const {
  return Url() + std::string(kAssetsPath) + object_id;
}

std::string FakeDistributor::UrlFor(const std::string& path) const {
  std::string url = "http://" + host_ + ":" + std::to_string(Port());
  if (!path.starts_with('/')) {
    url += '/';
  }
  return url + path;
}

// ---------------------------------------------------------------------------------------------
// Objects and the log

void FakeDistributor::Put(std::string path, std::string bytes, std::string content_type) {
  Put(std::move(path), std::move(bytes), std::move(content_type), Behaviour());
}

void FakeDistributor::Put(std::string path, std::string bytes, std::string content_type,
                          Behaviour behaviour) {
  if (!path.starts_with('/')) {
    path.insert(path.begin(), '/');
  }
  auto object = std::make_shared<Object>(
      Object{std::move(bytes), std::move(content_type), std::move(behaviour)});
  std::lock_guard lock(mu_);
  objects_[std::move(path)] = std::move(object);
}

std::vector<FakeDistributor::Request> FakeDistributor::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<FakeDistributor::Request> FakeDistributor::RequestsFor(const std::string& path) const {
  std::vector<Request> matching;
  std::lock_guard lock(mu_);
  for (const Request& request : requests_) {
    if (request.path == path) {
      matching.push_back(request);
    }
  }
  return matching;
}

int64_t FakeDistributor::BytesSent() const {
  std::lock_guard lock(mu_);
  return bytes_sent_;
}

void FakeDistributor::ClearLog() {
  std::lock_guard lock(mu_);
  first_seq_ += requests_.size();
  requests_.clear();
  bytes_sent_ = 0;
}

bool FakeDistributor::WaitForIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return active_ == 0; });
}

void FakeDistributor::AddBytes(uint64_t seq, int64_t delta) {
  std::lock_guard lock(mu_);
  if (seq < first_seq_) {
    return;  // cleared from the log meanwhile
  }
  requests_[seq - first_seq_].bytes_sent += delta;
  bytes_sent_ += delta;
}

void FakeDistributor::LogRejected(const httplib::Request& req, int status) {
  std::lock_guard lock(mu_);
  requests_.push_back(
      {req.method, req.path, req.get_header_value("Range"), status, 0, std::chrono::steady_clock::now()});
}

void FakeDistributor::Finished() {
  {
    std::lock_guard lock(mu_);
    --active_;
  }
  cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// Serving

void FakeDistributor::Handle(const httplib::Request& req, httplib::Response& res) {
  // Nothing may escape into cpp-httplib's worker threads. Respond only throws before it has
  // logged the request or set a provider, so the fallback starts from a clean answer.
  try {
    Respond(req, res);
  } catch (...) {
    // The error handler logs it, as the answer carries no releaser.
    res.status = 500;
    res.headers.clear();
    res.set_content(ErrorJson("exception", "fake distributor failed"), kJsonContentType);
  }
}

void FakeDistributor::Respond(const httplib::Request& req, httplib::Response& res) {
  const std::string range = req.get_header_value("Range");
  // cpp-httplib has parsed Range into req.ranges and, after the handler, would apply them to the
  // response (a Content-Range, a multipart Content-Type for several ranges). The fake answers
  // ranges itself, so it hides them. The request is a non-const local of cpp-httplib's
  // process_request, so writing it through this reference is well defined.
  const_cast<httplib::Request&>(req).ranges.clear();

  std::shared_ptr<const Object> object;
  {
    std::lock_guard lock(mu_);
    const auto it = objects_.find(req.path);
    if (it != objects_.end()) {
      object = it->second;
    }
  }
  const bool head = req.method == "HEAD";
  Answer answer;
  auto json_answer = [&answer](int status, std::string body) {
    answer.status = status;
    answer.content_type = kJsonContentType;
    answer.data = std::make_shared<const std::string>(std::move(body));
    answer.length = answer.data->size();
  };
  if (!head && req.method != "GET") {
    if (object) {
      json_answer(405, ErrorJson("request_validation", req.method + " method not allowed"));
      answer.headers.emplace_back("Allow", "GET, HEAD");
    } else {
      json_answer(404, StatusJson(404));
    }
  } else if (!object) {
    json_answer(404, StatusJson(404));
  } else if (object->behaviour.status != 0) {
    json_answer(object->behaviour.status, StatusJson(object->behaviour.status));
  } else if (!object->behaviour.redirect_to.empty()) {
    answer.status = 302;
    answer.headers.emplace_back("Location", object->behaviour.redirect_to);
    answer.content_type = "text/plain; charset=utf-8";
  } else {
    const Behaviour& behaviour = object->behaviour;
    const auto size = static_cast<int64_t>(object->bytes.size());
    answer.headers = {
        {"Accept-Ranges", behaviour.no_ranges ? "none" : "bytes"},
        {"x-cache", "hit"},
        {"x-data-source", "local"},
        {"cache-control", kCacheControl},
        {"content-disposition", "inline"},
        {"timing-allow-origin", "*"},
    };
    answer.content_type = object->content_type;
    // Aliases the object, so a Put meanwhile does not pull the bytes from under the transfer.
    answer.data = std::shared_ptr<const std::string>(object, &object->bytes);
    answer.length = object->bytes.size();
    answer.trickle = behaviour.trickle_bytes > 0;
    RangeRequest ranges;
    if (!head && !behaviour.no_ranges && !range.empty()) {
      ranges = ReadRange(range, size);
    }
    if (ranges.kind == RangeRequest::Kind::kPart) {
      answer.status = 206;
      answer.headers.emplace_back("Content-Range", "bytes " + std::to_string(ranges.part.first) +
                                                       "-" + std::to_string(ranges.part.last) +
                                                       "/" + std::to_string(size));
      answer.offset = static_cast<size_t>(ranges.part.first);
      answer.length = static_cast<size_t>(ranges.part.last - ranges.part.first + 1);
    } else if (ranges.kind == RangeRequest::Kind::kUnsatisfiable) {
      // `send` reports it as an error, which Argus's stream error handler turns into JSON.
      auto headers = std::move(answer.headers);
      json_answer(416,
                  ErrorJson("sendstream_error", "RangeNotSatisfiableError: Range Not Satisfiable"));
      answer.headers = std::move(headers);
      answer.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      answer.trickle = false;
    }
  }

  auto transfer = std::make_shared<Transfer>();
  transfer->data = answer.data;
  transfer->offset = answer.offset;
  transfer->length = answer.length;
  if (answer.trickle && !head) {
    transfer->write_bytes = object->behaviour.trickle_bytes;
    transfer->interval = object->behaviour.trickle_interval;
    transfer->connection_fd = loopback_.FindConnection(req.remote_port);
  }
  {
    std::lock_guard lock(mu_);
    transfer->seq = first_seq_ + requests_.size();
    requests_.push_back({req.method, req.path, range, answer.status, 0, std::chrono::steady_clock::now()});
    ++active_;
  }
  res.status = answer.status;
  for (auto& [name, value] : answer.headers) {
    res.set_header(name, value);
  }
  // Set by hand: the provider below has no length, so cpp-httplib adds no Content-Length (nor
  // Content-Range, nor chunking) of its own. HEAD gets the length a GET would.
  res.set_header("Content-Length", std::to_string(answer.length));
  // Even empty and HEAD answers get a provider: its releaser runs when cpp-httplib is done with
  // the response (body written, failed or skipped), which is what WaitForIdle waits for.
  res.set_content_provider(
      answer.content_type,
      [this, transfer](size_t written, httplib::DataSink& sink) {
        return WriteNext(*transfer, written, sink);
      },
      [this](bool) { Finished(); });
}

bool FakeDistributor::WriteNext(const Transfer& transfer, size_t written,
                                httplib::DataSink& sink) {
  if (written >= transfer.length) {
    sink.done();
    return true;
  }
  if (written > 0 && transfer.interval.count() > 0) {
    if (!PauseBetweenWrites(transfer.interval, transfer.connection_fd)) {
      return false;
    }
  } else {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return false;
    }
  }
  const size_t n = std::min(transfer.write_bytes, transfer.length - written);
  // Counted before the write so a client that has the whole body also sees it counted.
  AddBytes(transfer.seq, static_cast<int64_t>(n));
  if (!sink.write(transfer.data->data() + transfer.offset + written, n)) {
    AddBytes(transfer.seq, -static_cast<int64_t>(n));
    return false;
  }
  return true;
}

bool FakeDistributor::PauseBetweenWrites(std::chrono::milliseconds delay, int connection_fd) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return true;
    }
    cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(deadline - now, kHangUpPoll));
    if (stopping_) {
      break;
    }
    lock.unlock();
    const bool gone = PeerGone(connection_fd);
    lock.lock();
    if (gone) {
      return false;
    }
  }
  return false;
}

}  // namespace curation::fakes
