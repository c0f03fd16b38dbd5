#include <curation/common/http_client.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>

#include <sys/socket.h>

#include <absl/strings/str_cat.h>
#include <curl/curl.h>

namespace curation {
namespace {

struct Transfer {
  HttpResponse* response;
  int64_t max_bytes;
  bool truncate_at_limit;
  const AddressGuard* guard;
  bool too_large = false;
  std::string refused;  // what the guard refused, if it did
};

// curl calls this for every socket it opens, after name resolution and on every redirect, so
// the guard judges the peer actually connected to.
curl_socket_t OpenCheckedSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->guard != nullptr) {
    if (auto why = transfer->guard->Refusal(&address->addr)) {
      transfer->refused = AddressGuard::Text(&address->addr) + " (" + *why + ")";
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (static_cast<int64_t>(transfer->response->body.size() + bytes) > transfer->max_bytes) {
    transfer->too_large = true;
    if (transfer->truncate_at_limit) {
      transfer->response->body.append(data, transfer->max_bytes - transfer->response->body.size());
    }
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  transfer->response->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // a new response after a redirect or 100-continue
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    transfer->response->headers[name] = std::string(value);
  }
  return size * count;
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

HttpClient::HttpClient(const AddressGuard* guard) : guard_(guard) {
  GlobalInitOnce();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

absl::StatusOr<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    return absl::InternalError("libcurl could not be initialised");
  }
  curl_easy_reset(curl);
  HttpResponse response;
  Transfer transfer{&response, request.max_response_bytes, request.truncate_at_limit, guard_};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(request.timeout.count(), 10000)));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (request.accept_compressed) {
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip and friends, decoded by curl
  }
  curl_easy_setopt(curl, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
  if (request.max_redirects > 0) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(request.max_redirects));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (guard_ != nullptr) {
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  // the guard must see the real peer
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (!transfer.refused.empty()) {
    return absl::PermissionDeniedError(absl::StrCat("refused to connect to ", transfer.refused, " for ", request.url,
                                                    ": not an address the pipeline may reach"));
  }
  if (transfer.too_large && !request.truncate_at_limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("response from ", request.url, " is larger than ", request.max_response_bytes, " bytes"));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat("no complete response from ", request.url, " within ", request.timeout.count(), " ms"));
  }
  if (code != CURLE_OK && !(transfer.too_large && code == CURLE_WRITE_ERROR)) {
    return absl::UnavailableError(absl::StrCat("request to ", request.url, " failed: ", curl_easy_strerror(code)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.truncated = transfer.too_large;
  char* effective_url = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective_url) == CURLE_OK && effective_url != nullptr) {
    response.effective_url = effective_url;
  }
  curl_off_t first_byte_us = 0;
  curl_easy_getinfo(curl, CURLINFO_STARTTRANSFER_TIME_T, &first_byte_us);
  response.time_to_first_byte = std::chrono::microseconds(first_byte_us);
  return response;
}

}  // namespace curation
