#include <fakes/fake_receiver.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace curation::fakes {
namespace {

using json = nlohmann::json;

constexpr char kJsonContentType[] = "application/json";

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The dedup_key of a PagerDuty event body, empty when it has none.
std::string DedupKeyOf(const std::string& body) {
  const json event = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) {
    return {};
  }
  const auto it = event.find("dedup_key");
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

FakeReceiver::FakeReceiver() {
  loopback_.server().Post(".*", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  loopback_.Start("127.0.0.1", "FakeReceiver");
}

FakeReceiver::~FakeReceiver() {
  // The handlers use the members below; they must be done before those are destroyed.
  loopback_.Stop();
}

std::string FakeReceiver::Url(const std::string& path) const {
  std::string url = "http://127.0.0.1:" + std::to_string(Port());
  if (!path.starts_with('/')) {
    url += '/';
  }
  return url + path;
}

std::vector<FakeReceiver::Request> FakeReceiver::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

bool FakeReceiver::WaitForRequests(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return recorded_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

size_t FakeReceiver::Accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

void FakeReceiver::SetDown(bool down) {
  std::lock_guard lock(mu_);
  down_ = down;
}

void FakeReceiver::RespondNext(int status, std::string body, std::map<std::string, std::string> headers) {
  std::lock_guard lock(mu_);
  scripted_.push_back({status, std::move(body), std::move(headers)});
}

FakeReceiver::Answer FakeReceiver::Choose(const httplib::Request& req) {
  if (!scripted_.empty()) {
    Answer answer = std::move(scripted_.front());
    scripted_.pop_front();
    return answer;
  }
  if (down_) {
    return {503, "upstream unavailable", {{"Content-Type", "text/plain"}}};
  }
  if (req.path.find("/webhooks/") != std::string::npos) {
    // Discord answers wait=true with the created message and otherwise with no content.
    const bool wait = req.has_param("wait") && req.get_param_value("wait") == "true";
    if (!wait) {
      return {204, "", {}};
    }
    return {200, json{{"id", std::to_string(++last_id_)}, {"type", 0}}.dump(), {}};
  }
  if (req.path.ends_with("/v2/enqueue")) {
    std::string dedup_key = DedupKeyOf(req.body);
    if (dedup_key.empty()) {
      dedup_key = "fake-dedup-" + std::to_string(++last_id_);
    }
    // PagerDuty echoes the key (or the one it made up) so clients can send follow-ups.
    return {202,
            json{{"status", "success"}, {"message", "Event processed"}, {"dedup_key", dedup_key}}.dump(
                -1, ' ', false, json::error_handler_t::replace),
            {}};
  }
  return {200, "{}", {}};
}

void FakeReceiver::Handle(const httplib::Request& req, httplib::Response& res) {
  Request request;
  request.arrived = std::chrono::steady_clock::now();
  request.path = req.path;
  if (const size_t question = req.target.find('?'); question != std::string::npos) {
    request.query = req.target.substr(question + 1);
  }
  for (const auto& [name, value] : req.headers) {
    std::string& joined = request.headers[Lower(name)];
    joined += joined.empty() ? value : ", " + value;
  }
  request.body = req.body;

  Answer answer;
  {
    std::lock_guard lock(mu_);
    answer = Choose(req);
    request.status = answer.status;
    if (answer.status >= 200 && answer.status < 300) {
      ++accepted_;
    }
    requests_.push_back(std::move(request));
  }
  recorded_.notify_all();

  res.status = answer.status;
  std::string content_type = kJsonContentType;
  for (const auto& [name, value] : answer.headers) {
    if (Lower(name) == "content-type") {
      content_type = value;
    } else {
      res.set_header(name, value);
    }
  }
  if (!answer.body.empty()) {
    res.set_content(answer.body, content_type);
  }
}

}  // namespace curation::fakes
