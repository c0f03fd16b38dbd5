#include <curation/console/console_server.hpp>

#include <sys/socket.h>

#include <atomic>
#include <cassert>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <absl/strings/numbers.h>
#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <curation/common/listen_address.hpp>
#include <curation/common/logging.hpp>
#include <curation/console/media_origins.hpp>
#include <curation/server/rpc.hpp>

namespace curation::console {
namespace {

// A procedure is "<package>.<Service>/<Method>": names of identifiers and dots only.
constexpr char kProcedurePath[] = R"(/([A-Za-z_][A-Za-z0-9_.]*/[A-Za-z_][A-Za-z0-9_]*))";

// cpp-httplib compresses a body given to set_content whenever the client accepts it, with
// Brotli at its slowest quality when the client accepts br, as browsers do: 0.4 to 1.6 s of a
// core for the 190 KB app.js, 200 ms for a queue page of JSON (connect_bench's first paint). A
// body given as a content provider of known length goes out as it is.
void SetBody(httplib::Response& response, std::shared_ptr<const std::string> body, const std::string& content_type) {
  const size_t length = body->size();
  response.set_content_provider(length, content_type,
                                [body = std::move(body)](size_t offset, size_t size, httplib::DataSink& sink) {
                                  return sink.write(body->data() + offset, size);
                                });
}

void SetBody(httplib::Response& response, std::string body, const std::string& content_type) {
  // An error's body is short, and the error handler below tells the bridge's own error answers
  // from cpp-httplib's by their body.
  if (body.empty() || response.status >= 400) {
    response.set_content(body, content_type);
    return;
  }
  SetBody(response, std::make_shared<const std::string>(std::move(body)), content_type);
}

void Answer(const ConnectResponse& answer, httplib::Response& response) {
  response.status = answer.http_status;
  for (const auto& [name, value] : answer.headers) {
    response.set_header(name, value);
  }
  SetBody(response, answer.body, answer.content_type);
}

void AnswerJson(const nlohmann::json& body, httplib::Response& response) {
  response.status = 200;
  SetBody(response, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

// `data` in gzip's format at zlib's best compression, done once per file at start.
std::string Gzipped(const std::string& data) {
  z_stream stream{};
  // 15 + 16: a 32 KiB window, with gzip's header and trailer instead of zlib's.
  [[maybe_unused]] int init = deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  assert(init == Z_OK);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  [[maybe_unused]] int done = deflate(&stream, Z_FINISH);
  assert(done == Z_STREAM_END);  // deflateBound leaves room for all of it
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// Whether Accept-Encoding lists gzip, not refused with q=0.
// The weight a coding of Accept-Encoding gives itself with its parameters: 1 without a q, 0 for
// a q that is not a number from 0 to 1 (identity, always acceptable, is then what is sent).
double CodingWeight(const std::vector<absl::string_view>& parts) {
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
    if (parameter.size() >= 2 && absl::ascii_tolower(parameter[0]) == 'q' && parameter[1] == '=') {
      double weight = 0;
      return absl::SimpleAtod(parameter.substr(2), &weight) && weight >= 0 && weight <= 1 ? weight : 0;
    }
  }
  return 1;
}

// Whether Accept-Encoding takes gzip (RFC 9110 12.5.3): named, as gzip or x-gzip in any case,
// with a weight above 0, or not named and "*" has one.
bool AcceptsGzip(const httplib::Request& request) {
  std::optional<double> gzip, any;
  for (absl::string_view coding : absl::StrSplit(request.get_header_value("Accept-Encoding"), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(coding, ';');
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    if (name == "gzip" || name == "x-gzip") {
      gzip = CodingWeight(parts);
    } else if (name == "*") {
      any = CodingWeight(parts);
    }
  }
  return gzip ? *gzip > 0 : any.value_or(0) > 0;
}

// One of the app's files as it is served: as built, and gzipped for the browsers that take it.
struct ServedFile {
  std::string content_type;
  std::shared_ptr<const std::string> body;
  std::shared_ptr<const std::string> gzipped;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string CookieValue(const std::string& header, std::string_view name) {
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    if (pair.size() > name.size() && pair[name.size()] == '=' &&
        pair.substr(0, name.size()) == absl::string_view(name.data(), name.size())) {
      return std::string(pair.substr(name.size() + 1));
    }
  }
  return "";
}

// Whether the page that made the request is on this listener's origin (Origin, which browsers
// always send on a POST, against the scheme and Host).
bool FromOwnOrigin(const httplib::Request& request, bool tls) {
  return request.get_header_value("Origin") ==
         absl::StrCat(tls ? "https://" : "http://", request.get_header_value("Host"));
}

// Why a call made with the session cookie is not this site's own, or "" when it is: the page
// that made it is on this origin and it went through fetch with Connect's header, which a form
// or a simple cross-site request cannot set.
std::string CrossSiteReason(const httplib::Request& request, bool tls) {
  if (!FromOwnOrigin(request, tls)) {
    return "a call with the session cookie must come from this site's own pages (Origin)";
  }
  if (request.get_header_value("Connect-Protocol-Version") != "1") {
    return "a call with the session cookie needs the header Connect-Protocol-Version: 1";
  }
  return "";
}

// A status of the session's own work (sign-in, sign-out), as the Connect error gRPC's would be.
ConnectResponse ErrorOf(const absl::Status& status) {
  grpc::Status mapped = server::ToGrpcStatus(status);
  return ConnectError(mapped.error_code(), mapped.error_message());
}

}  // namespace

struct ConsoleServer::Impl {
  std::unique_ptr<httplib::Server> http;
  std::atomic<bool> ended{false};
  std::thread thread;
};

ConsoleServer::ConsoleServer(const ConnectBridge& bridge, auth::Authenticator& authenticator)
    : bridge_(bridge), authenticator_(authenticator), impl_(std::make_unique<Impl>()) {}

ConsoleServer::~ConsoleServer() { Stop(); }

absl::Status ConsoleServer::Start(const ConsoleServerOptions& options) {
  if (impl_->http) {
    return absl::FailedPreconditionError("the console server starts once");
  }
  ASSIGN_OR_RETURN(auto host_port, SplitListen(options.listen, "console.listen"));
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("console: TLS needs both server.tls_cert_file and server.tls_key_file");
  }
  if (!options.tls_cert_file.empty()) {
    auto https = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(), options.tls_key_file.c_str());
    if (!https->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("console: cannot serve TLS with ", options.tls_cert_file, " and ",
                                                     options.tls_key_file));
    }
    impl_->http = std::move(https);
  } else {
    impl_->http = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *impl_->http;
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second curationd
  // would bind the same port and take half the calls.
  http.set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_payload_max_length(options.max_request_bytes);
  http.set_read_timeout(std::chrono::seconds(10));
  http.set_write_timeout(std::chrono::seconds(10));
  http.set_keep_alive_timeout(30);
  // cpp-httplib writes an answer's headers and body in two sends; with Nagle's algorithm the
  // body waited for the client's delayed ACK of the headers, 40 ms on Linux, on every call
  // (connect_bench: 44 ms for any call that took 1.5 ms over gRPC).
  http.set_tcp_nodelay(true);
  // The app's files are read (GET, HEAD); everything else is a call (POST).
  std::set<std::string> file_paths;
  for (const WebFile& file : options.files) {
    file_paths.insert(file.path);
    ServedFile served{file.content_type, std::make_shared<const std::string>(file.body),
                      std::make_shared<const std::string>(Gzipped(file.body))};
    http.Get(file.path, [served](const httplib::Request& request, httplib::Response& response) {
      response.set_header("Vary", "Accept-Encoding");
      if (AcceptsGzip(request) && served.gzipped->size() < served.body->size()) {
        response.set_header("Content-Encoding", "gzip");
        SetBody(response, served.gzipped, served.content_type);
      } else {
        SetBody(response, served.body, served.content_type);
      }
    });
  }
  http.set_pre_routing_handler([file_paths](const httplib::Request& request, httplib::Response& response) {
    const bool file = file_paths.contains(request.path);
    const bool allowed = file ? request.method == "GET" || request.method == "HEAD" : request.method == "POST";
    if (!allowed) {
      Answer(ConnectError(grpc::StatusCode::UNIMPLEMENTED, file ? "the console's files are read with GET"
                                                                : "calls are POST"),
             response);
      response.status = 405;
      response.set_header("Allow", file ? "GET, HEAD" : "POST");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_post_routing_handler([policy = options.content_security_policy](const httplib::Request&,
                                                                           httplib::Response& response) {
    response.set_header("Content-Security-Policy", policy ? policy() : ContentSecurityPolicy({}));
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("Cache-Control", "no-store");
  });
  const bool tls = !options.tls_cert_file.empty();
  // __Host-: the browser keeps it only from a secure origin, for this host and path / alone.
  const std::string cookie = tls ? "__Host-curation_session" : "curation_session";
  const std::string cookie_flags =
      absl::StrCat("; Path=/; HttpOnly; SameSite=Strict", tls ? "; Secure" : "");
  const int64_t max_age = options.session_lifetime.count();

  // The session's principal, when the call carries the cookie and is this site's own.
  auto session_of = [tls, cookie](const httplib::Request& request) -> absl::StatusOr<std::string> {
    std::string session = CookieValue(request.get_header_value("Cookie"), cookie);
    if (session.empty()) {
      return absl::UnauthenticatedError("not signed in");
    }
    if (std::string why = CrossSiteReason(request, tls); !why.empty()) {
      return absl::PermissionDeniedError(why);
    }
    return session;
  };

  http.Post("/console/session/start", [this, tls, cookie, cookie_flags, max_age](const httplib::Request& request,
                                                                                  httplib::Response& response) {
    if (!FromOwnOrigin(request, tls)) {
      return Answer(ConnectError(grpc::StatusCode::PERMISSION_DENIED, "sign in from this site's own page (Origin)"),
                    response);
    }
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
      return Answer(ConnectError(grpc::StatusCode::INVALID_ARGUMENT, R"(the body is {"token": "<your token>"})"), response);
    }
    auto signed_in = authenticator_.StartSession(body["token"].get<std::string>());
    if (!signed_in.ok()) {
      return Answer(ErrorOf(signed_in.status()), response);
    }
    response.set_header("Set-Cookie",
                        absl::StrCat(cookie, "=", signed_in->session_id, cookie_flags, "; Max-Age=", max_age));
    AnswerJson({{"name", signed_in->principal.name}, {"role", auth::RoleName(signed_in->principal.role)}}, response);
  });
  http.Post("/console/session/current", [this, session_of](const httplib::Request& request,
                                                           httplib::Response& response) {
    auto session = session_of(request);
    auto principal = session.ok() ? authenticator_.Authenticate(auth::Authenticator::SessionHeader(*session)) : session.status();
    if (!principal.ok()) {
      return Answer(ErrorOf(principal.status()), response);
    }
    AnswerJson({{"name", principal->name}, {"role", auth::RoleName(principal->role)}}, response);
  });
  http.Post("/console/session/end", [this, session_of, cookie, cookie_flags](const httplib::Request& request,
                                                                             httplib::Response& response) {
    auto session = session_of(request);
    if (!session.ok()) {
      return Answer(ErrorOf(session.status()), response);
    }
    if (absl::Status ended = authenticator_.EndSession(*session); !ended.ok()) {
      return Answer(ErrorOf(ended), response);
    }
    response.set_header("Set-Cookie", absl::StrCat(cookie, "=", cookie_flags, "; Max-Age=0"));
    AnswerJson(nlohmann::json::object(), response);
  });

  http.Post(kProcedurePath, [this, session_of](const httplib::Request& request, httplib::Response& response) {
    ConnectRequest call{.procedure = request.matches[1],
                        .content_type = request.get_header_value("Content-Type"),
                        .body = request.body,
                        .authorization = request.get_header_value("Authorization")};
    if (call.authorization.empty() && request.has_header("Cookie")) {
      auto session = session_of(request);
      if (!session.ok() && session.status().code() == absl::StatusCode::kPermissionDenied) {
        return Answer(ErrorOf(session.status()), response);
      }
      if (session.ok()) {
        call.authorization = auth::Authenticator::SessionHeader(*session);
      }
    }
    if (request.has_header("Connect-Timeout-Ms")) {
      call.timeout_ms = request.get_header_value("Connect-Timeout-Ms");
    }
    Answer(bridge_.Call(call), response);
  });
  // What matched no route, and what cpp-httplib refused itself (413 for a body over the limit,
  // 400 for a malformed request): a Connect error body all the same. cpp-httplib calls this
  // for every status from 400 on; the bridge's own answers already have their body.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const int status = response.status;
    if (status == 404) {
      Answer(ConnectError(grpc::StatusCode::NOT_FOUND, absl::StrCat("no procedure ", request.path.substr(0, 200))),
             response);
    } else if (status == 413) {
      Answer(ConnectError(grpc::StatusCode::RESOURCE_EXHAUSTED, "the body is over console.max_request_bytes"),
             response);
    } else {
      Answer(ConnectError(grpc::StatusCode::INVALID_ARGUMENT, "malformed HTTP request"), response);
    }
    response.status = status;
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
    Answer(ConnectError(grpc::StatusCode::INTERNAL, "internal error"), response);
  });

  int port = 0;
  absl::SimpleAtoi(host_port.second, &port);
  const std::string host = host_port.first.empty() ? "0.0.0.0" : host_port.first;
  port_ = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (port_ < 0) {
    impl_->http.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen for the console on ", options.listen));
  }
  impl_->thread = std::thread([impl = impl_.get()] {
    impl->http->listen_after_bind();
    impl->ended = true;
  });
  // stop() before the loop runs would be lost, and Stop() would wait for ever.
  while (!http.is_running() && !impl_->ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ComponentLogger("console")->info("console and Connect API on {}://{}:{}",
                                   options.tls_cert_file.empty() ? "http" : "https", host, port_);
  return absl::OkStatus();
}

void ConsoleServer::Stop() {
  if (impl_->http) {
    impl_->http->stop();
  }
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

}  // namespace curation::console
