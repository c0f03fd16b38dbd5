#include <curation/console/console_server.hpp>

#include <sys/socket.h>

#include <atomic>
#include <thread>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <httplib.h>

#include <curation/common/listen_address.hpp>
#include <curation/common/logging.hpp>

namespace curation::console {
namespace {

// The page may run only its own script and talk only to this origin; media and posters come
// from the distributor nodes, which are https (or loopback in tests, served from 'self' ports).
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "media-src 'self' https: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

// A procedure is "<package>.<Service>/<Method>": names of identifiers and dots only.
constexpr char kProcedurePath[] = R"(/([A-Za-z_][A-Za-z0-9_.]*/[A-Za-z_][A-Za-z0-9_]*))";

void Answer(const ConnectResponse& answer, httplib::Response& response) {
  response.status = answer.http_status;
  for (const auto& [name, value] : answer.headers) {
    response.set_header(name, value);
  }
  response.set_content(answer.body, answer.content_type);
}

}  // namespace

struct ConsoleServer::Impl {
  std::unique_ptr<httplib::Server> http;
  std::atomic<bool> ended{false};
  std::thread thread;
};

ConsoleServer::ConsoleServer(const ConnectBridge& bridge) : bridge_(bridge), impl_(std::make_unique<Impl>()) {}

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
  http.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.method != "POST") {
      Answer(ConnectError(grpc::StatusCode::UNIMPLEMENTED, "calls are POST"), response);
      response.status = 405;
      response.set_header("Allow", "POST");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_post_routing_handler([](const httplib::Request&, httplib::Response& response) {
    response.set_header("Content-Security-Policy", kContentSecurityPolicy);
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("Cache-Control", "no-store");
  });
  http.Post(kProcedurePath, [this](const httplib::Request& request, httplib::Response& response) {
    ConnectRequest call{.procedure = request.matches[1],
                        .content_type = request.get_header_value("Content-Type"),
                        .body = request.body,
                        .authorization = request.get_header_value("Authorization")};
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
