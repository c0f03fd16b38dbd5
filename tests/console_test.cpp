// The Connect bridge and the console's HTTP listener, over an in-process gRPC server whose
// one service is gRPC health (no database): the status table, both encodings, what is refused
// before a call is made (unknown procedure, media type, body, deadline, size, method), and the
// headers every answer carries. The path through authentication and the role matrix is the
// gRPC one: see the services' tests.

#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <curation/console/connect_bridge.hpp>
#include <curation/console/console_server.hpp>
#include <curation/console/media_origins.hpp>
#include <curation/console/web_files.hpp>
#include <curation/server/grpc_host.hpp>
#include <grpc/health/v1/health.pb.h>

#include "auth_fixture.hpp"
#include "postgres_fixture.hpp"

namespace curation::console {
namespace {

constexpr char kCheck[] = "grpc.health.v1.Health/Check";

// Every gRPC code, as the Connect specification's table (2023 revision) writes it.
TEST(ConnectCodeTest, EveryGrpcCodeHasTheSpecificationsNameAndHttpStatus) {
  const std::vector<std::tuple<grpc::StatusCode, std::string, int>> table = {
      {grpc::StatusCode::CANCELLED, "canceled", 499},
      {grpc::StatusCode::UNKNOWN, "unknown", 500},
      {grpc::StatusCode::INVALID_ARGUMENT, "invalid_argument", 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "deadline_exceeded", 504},
      {grpc::StatusCode::NOT_FOUND, "not_found", 404},
      {grpc::StatusCode::ALREADY_EXISTS, "already_exists", 409},
      {grpc::StatusCode::PERMISSION_DENIED, "permission_denied", 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "resource_exhausted", 429},
      {grpc::StatusCode::FAILED_PRECONDITION, "failed_precondition", 400},
      {grpc::StatusCode::ABORTED, "aborted", 409},
      {grpc::StatusCode::OUT_OF_RANGE, "out_of_range", 400},
      {grpc::StatusCode::UNIMPLEMENTED, "unimplemented", 501},
      {grpc::StatusCode::INTERNAL, "internal", 500},
      {grpc::StatusCode::UNAVAILABLE, "unavailable", 503},
      {grpc::StatusCode::DATA_LOSS, "data_loss", 500},
      {grpc::StatusCode::UNAUTHENTICATED, "unauthenticated", 401},
  };
  for (const auto& [code, name, http_status] : table) {
    EXPECT_EQ(ConnectCodeOf(code).name, name) << code;
    EXPECT_EQ(ConnectCodeOf(code).http_status, http_status) << name;
    ConnectResponse error = ConnectError(code, "why \"quoted\"\n");
    EXPECT_EQ(error.http_status, http_status);
    EXPECT_EQ(error.content_type, "application/json");
    auto body = nlohmann::json::parse(error.body);
    EXPECT_EQ(body["code"], name);
    EXPECT_EQ(body["message"], "why \"quoted\"\n");
  }
  EXPECT_EQ(ConnectCodeOf(static_cast<grpc::StatusCode>(99)).name, "unknown");
}

class ConnectBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0", .reflection = false}).ok());
    host_.SetServing(true);
    bridge_ = std::make_unique<ConnectBridge>(host_.InProcessChannel(), std::vector<std::string>{"grpc.health.v1.Health"});
  }
  void TearDown() override { host_.Shutdown(std::chrono::milliseconds(100)); }

  ConnectResponse Call(std::string procedure, std::string content_type, std::string body,
                       std::optional<std::string> timeout_ms = std::nullopt, std::string authorization = "") {
    return bridge_->Call({.procedure = std::move(procedure),
                          .content_type = std::move(content_type),
                          .body = std::move(body),
                          .authorization = std::move(authorization),
                          .timeout_ms = std::move(timeout_ms)});
  }

  static std::string CodeOf(const ConnectResponse& response) {
    return nlohmann::json::parse(response.body).value("code", "");
  }

  server::GrpcHost host_;
  std::unique_ptr<ConnectBridge> bridge_;
};

TEST_F(ConnectBridgeTest, JsonAndBinaryBodiesGiveTheSameAnswer) {
  ConnectResponse json = Call(kCheck, "application/json", "{}");
  ASSERT_EQ(json.http_status, 200) << json.body;
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(json.body), nlohmann::json::parse(R"({"status":"SERVING"})"));

  ConnectResponse binary = Call(kCheck, "application/proto", grpc::health::v1::HealthCheckRequest().SerializeAsString());
  ASSERT_EQ(binary.http_status, 200) << binary.body;
  EXPECT_EQ(binary.content_type, "application/proto");
  grpc::health::v1::HealthCheckResponse answer;
  ASSERT_TRUE(answer.ParseFromString(binary.body));
  EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // Parameters of the media type and an empty JSON body (the empty message) are taken too.
  EXPECT_EQ(Call(kCheck, "Application/JSON; charset=utf-8", "").http_status, 200);
}

TEST_F(ConnectBridgeTest, AHandlersErrorTravelsWithItsConnectCodeAndHttpStatus) {
  ConnectResponse unknown_service = Call(kCheck, "application/json", R"({"service":"no.such.Service"})");
  EXPECT_EQ(unknown_service.http_status, 404);
  EXPECT_EQ(CodeOf(unknown_service), "not_found");
  ConnectResponse binary = Call(kCheck, "application/proto", [] {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("no.such.Service");
    return request.SerializeAsString();
  }());
  EXPECT_EQ(binary.http_status, 404);
  EXPECT_EQ(binary.content_type, "application/json") << "errors are JSON whatever the request's encoding";
  EXPECT_EQ(CodeOf(binary), "not_found");
}

TEST_F(ConnectBridgeTest, AnUnknownOrUnhostedProcedureIs404) {
  for (const char* procedure : {"grpc.health.v1.Health/Nope", "curation.v1.ReviewService/GetQueueStats",
                                "no.such.Service/Method", "grpc.health.v1.Health", ""}) {
    ConnectResponse response = Call(procedure, "application/json", "{}");
    EXPECT_EQ(response.http_status, 404) << procedure;
    EXPECT_EQ(CodeOf(response), "not_found") << procedure;
  }
}

TEST_F(ConnectBridgeTest, AnotherMediaTypeIs415WithTheTypesTaken) {
  for (const char* type : {"text/plain", "", "application/x-www-form-urlencoded", "application/connect+json"}) {
    ConnectResponse response = Call(kCheck, type, "{}");
    EXPECT_EQ(response.http_status, 415) << type;
    ASSERT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(response.headers[0].first, "Accept-Post");
    EXPECT_EQ(response.headers[0].second, "application/json, application/proto");
  }
  // A streaming method has no unary form.
  EXPECT_EQ(Call("grpc.health.v1.Health/Watch", "application/json", "{}").http_status, 415);
}

TEST_F(ConnectBridgeTest, AMalformedBodyIsInvalidArgumentAndNoCallIsMade) {
  for (const char* body : {"{", "[]", "not json", R"({"service": 7})", R"({"unknownField": 1})", "{\"service\":\"\xff\"}"}) {
    ConnectResponse response = Call(kCheck, "application/json", body);
    EXPECT_EQ(response.http_status, 400) << body;
    EXPECT_EQ(CodeOf(response), "invalid_argument") << body;
  }
  ConnectResponse binary = Call(kCheck, "application/proto", std::string("\x0a\xff\xff\xff", 4));
  EXPECT_EQ(binary.http_status, 400);
  EXPECT_EQ(CodeOf(binary), "invalid_argument");
}

TEST_F(ConnectBridgeTest, TheTimeoutHeaderIsTheCallsDeadline) {
  EXPECT_EQ(Call(kCheck, "application/json", "{}", "5000").http_status, 200);
  ConnectResponse expired = Call(kCheck, "application/json", "{}", "0");
  EXPECT_EQ(expired.http_status, 504) << expired.body;
  EXPECT_EQ(CodeOf(expired), "deadline_exceeded");
  for (const char* bad : {"", "soon", "-1", "12345678901", "1.5"}) {
    ConnectResponse response = Call(kCheck, "application/json", "{}", bad);
    EXPECT_EQ(response.http_status, 400) << bad;
  }
}

TEST_F(ConnectBridgeTest, AnAuthorizationHeaderNoTokenCouldHoldIsRefused) {
  ConnectResponse response = Call(kCheck, "application/json", "{}", std::nullopt, std::string("Bearer a\x01b", 10));
  EXPECT_EQ(response.http_status, 401);
  EXPECT_EQ(CodeOf(response), "unauthenticated");
}

// The listener over gRPC health, with sign-in against real principals (AuthFixture).
class ConsoleServerTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auth_ = std::make_unique<testing::AuthFixture>(url_);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0", .reflection = false}).ok());
    host_.SetServing(true);
    bridge_ = std::make_unique<ConnectBridge>(host_.InProcessChannel(), std::vector<std::string>{"grpc.health.v1.Health"});
    server_ = std::make_unique<ConsoleServer>(*bridge_, auth_->authenticator());
    ASSERT_TRUE(server_->Start({.listen = "127.0.0.1:0", .max_request_bytes = 1024}).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    origin_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_->Stop();
    host_.Shutdown(std::chrono::milliseconds(100));
  }

  // Signs in as this site's page would; returns the session cookie ("name=value"), or "".
  std::string SignIn(auth::Role role) {
    nlohmann::json body = {{"token", auth_->Token(role)}};
    auto result = client_->Post("/console/session/start", httplib::Headers{{"Origin", origin_}}, body.dump(),
                                "application/json");
    if (!result || result->status != 200) {
      ADD_FAILURE() << (result ? result->body : httplib::to_string(result.error()));
      return "";
    }
    std::string set_cookie = result->get_header_value("Set-Cookie");
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  // A POST as this site's page makes it: the cookie, its Origin, Connect's header.
  httplib::Result PostAsPage(const std::string& path, const std::string& cookie, httplib::Headers extra = {},
                             bool connect_header = true) {
    httplib::Headers headers = {{"Cookie", cookie}, {"Origin", origin_}};
    if (connect_header) {
      headers.emplace("Connect-Protocol-Version", "1");
    }
    for (auto& [name, value] : extra) {
      headers.erase(name);
      headers.emplace(name, value);
    }
    return client_->Post(path, headers, "{}", "application/json");
  }

  server::GrpcHost host_;
  std::unique_ptr<testing::AuthFixture> auth_;
  std::unique_ptr<ConnectBridge> bridge_;
  std::unique_ptr<ConsoleServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string origin_;
};

TEST_F(ConsoleServerTest, ACallOverHttpAnswersWithTheBrowsersSafetyHeaders) {
  auto result = client_->Post("/grpc.health.v1.Health/Check", "{}", "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(nlohmann::json::parse(result->body)["status"], "SERVING");
  EXPECT_NE(result->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(result->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(result->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(result->get_header_value("Referrer-Policy"), "no-referrer");
}

TEST_F(ConsoleServerTest, TheHttpLayerRefusesWhatIsNoConnectCall) {
  auto get = client_->Get("/grpc.health.v1.Health/Check");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");

  auto unknown = client_->Post("/not a procedure", "{}", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(nlohmann::json::parse(unknown->body)["code"], "not_found");

  auto media = client_->Post("/grpc.health.v1.Health/Check", "{}", "text/plain");
  ASSERT_TRUE(media);
  EXPECT_EQ(media->status, 415);
  EXPECT_EQ(media->get_header_value("Accept-Post"), "application/json, application/proto");

  // Over the limit (1 KiB here): refused from its Content-Length, before the body is read.
  auto large = client_->Post("/grpc.health.v1.Health/Check", std::string(4096, ' '), "application/json");
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413);
  EXPECT_EQ(nlohmann::json::parse(large->body)["code"], "resource_exhausted");
  EXPECT_EQ(large->get_header_value("X-Content-Type-Options"), "nosniff");

  // And it still serves.
  auto after = client_->Post("/grpc.health.v1.Health/Check", "{}", "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(ConsoleServerTest, TheTimeoutHeaderReachesTheBridge) {
  auto expired = client_->Post("/grpc.health.v1.Health/Check", httplib::Headers{{"Connect-Timeout-Ms", "0"}}, "{}",
                               "application/json");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 504);
}

TEST_F(ConsoleServerTest, AMalformedAddressOrHalfATlsSetupIsRefused) {
  ConsoleServer server(*bridge_, auth_->authenticator());
  EXPECT_EQ(server.Start({.listen = "localhost"}).code(), absl::StatusCode::kInvalidArgument);
  ConsoleServer half_tls(*bridge_, auth_->authenticator());
  EXPECT_EQ(half_tls.Start({.listen = "127.0.0.1:0", .tls_cert_file = "cert.pem"}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ConsoleServerTest, TheAppsFilesAreReadWithGetAndEverythingElseIsACall) {
  ConsoleServer server(*bridge_, auth_->authenticator());
  ASSERT_TRUE(server
                  .Start({.listen = "127.0.0.1:0",
                          .files = {{"/", "text/html; charset=utf-8", "<!doctype html><title>console</title>"},
                                    {"/app.js", "text/javascript; charset=utf-8", "export {};"}}})
                  .ok());
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->body, "<!doctype html><title>console</title>");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  auto script = client.Head("/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto posted = client.Post("/", "{}", "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 405);
  EXPECT_EQ(posted->get_header_value("Allow"), "GET, HEAD");
  auto elsewhere = client.Get("/index.html");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 405) << "no other file, and no page for any path";
  EXPECT_EQ(elsewhere->get_header_value("Allow"), "POST");
  server.Stop();
}

// cpp-httplib Brotli-compressed every answer at its slowest quality for a browser (Accept-Encoding
// with br): 0.4 s and more of a core for app.js. Calls now go out as they are, and the app's
// files gzipped once at start, to the clients that take gzip.
TEST_F(ConsoleServerTest, AnswersAreNotCompressedOnTheFlyAndFilesGoGzippedWhenTaken) {
  const std::string script = "export const words = [" + std::string(20000, ' ') + "\"curation\"];\n";
  ConsoleServer server(*bridge_, auth_->authenticator());
  ASSERT_TRUE(server.Start({.listen = "127.0.0.1:0", .files = {{"/app.js", "text/javascript; charset=utf-8", script}}})
                  .ok());
  httplib::Client client("127.0.0.1", server.port());
  client.set_decompress(false);  // what came over the wire
  const httplib::Headers browser = {{"Accept-Encoding", "gzip, deflate, br"}};
  auto call = client.Post("/grpc.health.v1.Health/Check", browser, "{}", "application/json");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, 200);
  EXPECT_EQ(call->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(nlohmann::json::parse(call->body)["status"], "SERVING");
  auto gzipped = client.Get("/app.js", browser);
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gzipped->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_LT(gzipped->body.size(), script.size() / 10);
  httplib::Client decoding("127.0.0.1", server.port());  // cpp-httplib's client takes gzip
  auto decoded = decoding.Get("/app.js", browser);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body, script);
  auto plain = client.Get("/app.js", {{"Accept-Encoding", "br;q=1, gzip;q=0"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(plain->body, script);
  // Accept-Encoding as RFC 9110 reads it: codings and parameter names in any case, q from 0 to 1
  // with up to three decimals, "*" for any coding not named, x-gzip for gzip.
  const std::map<std::string, std::string> encoding_for = {
      {"gzip;q=0.0", ""},      {"gzip; Q=0.000", ""},      {"GZIP", "gzip"},        {"x-gzip", "gzip"},
      {"*", "gzip"},           {"br, *;q=0", ""},          {"gzip;q=0.001", "gzip"}, {"*;q=0.5, gzip;q=0", ""},
      {"gzip;q=nonsense", ""}, {"identity", ""},           {"", ""}};
  for (const auto& [accept, expected] : encoding_for) {
    auto answer = client.Get("/app.js", {{"Accept-Encoding", accept}});
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->get_header_value("Content-Encoding"), expected) << "Accept-Encoding: " << accept;
  }
  server.Stop();
}

// The embedded app: the three files web/build.sh made, each with its type.
TEST(WebFilesTest, TheEmbeddedAppIsThePageItsScriptAndItsStyle) {
  auto files = EmbeddedWebFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  std::map<std::string, std::string> types;
  for (const WebFile& file : *files) {
    types[file.path] = file.content_type;
    EXPECT_FALSE(file.body.empty()) << file.path;
  }
  EXPECT_EQ(types, (std::map<std::string, std::string>{{"/", "text/html; charset=utf-8"},
                                                       {"/app.css", "text/css; charset=utf-8"},
                                                       {"/app.js", "text/javascript; charset=utf-8"}}));
  for (const WebFile& file : *files) {
    if (file.path == "/") {
      EXPECT_EQ(file.body.find("<script>"), std::string::npos) << "no inline script: the CSP would block it";
      EXPECT_NE(file.body.find("src=\"/app.js\""), std::string::npos) << file.body;
    }
  }
}

// ---- Signing in ----------------------------------------------------------------------------

TEST_F(ConsoleServerTest, SigningInSetsAStrictHttpOnlyCookieBoundToThePrincipal) {
  nlohmann::json body = {{"token", auth_->Token(auth::Role::kCurator)}};
  auto result = client_->Post("/console/session/start", httplib::Headers{{"Origin", origin_}}, body.dump(),
                              "application/json");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(nlohmann::json::parse(result->body), nlohmann::json::parse(R"({"name":"test-curator","role":"curator"})"));
  const std::string set_cookie = result->get_header_value("Set-Cookie");
  EXPECT_TRUE(set_cookie.starts_with("curation_session=ses_")) << set_cookie;
  for (const char* flag : {"; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=43200"}) {
    EXPECT_NE(set_cookie.find(flag), std::string::npos) << flag << " in " << set_cookie;
  }
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain HTTP: a Secure cookie would never come back";
  EXPECT_EQ(set_cookie.find(auth_->Token(auth::Role::kCurator)), std::string::npos) << "the token is not the cookie";
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  // Only the session id's hash is stored.
  const std::string id = cookie.substr(cookie.find('=') + 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.sessions WHERE strpos(encode(id_hash, 'escape'), '" + id + "') > 0"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.sessions s JOIN auth.principals p ON p.id = s.principal_id"
                   " WHERE p.name = 'test-curator'"),
            "1");

  auto current = PostAsPage("/console/session/current", cookie);
  ASSERT_TRUE(current);
  EXPECT_EQ(current->status, 200) << current->body;
  EXPECT_EQ(nlohmann::json::parse(current->body)["name"], "test-curator");
}

TEST_F(ConsoleServerTest, AWrongTokenOrAnotherSitesPageCannotSignIn) {
  auto wrong = client_->Post("/console/session/start", httplib::Headers{{"Origin", origin_}},
                             R"({"token":"cur_nobodyhasthis"})", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  nlohmann::json body = {{"token", auth_->Token(auth::Role::kLead)}};
  auto elsewhere = client_->Post("/console/session/start", httplib::Headers{{"Origin", "https://evil.example"}},
                                 body.dump(), "application/json");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 403);
  EXPECT_FALSE(elsewhere->has_header("Set-Cookie"));
  auto malformed = client_->Post("/console/session/start", httplib::Headers{{"Origin", origin_}}, "token=x",
                                 "application/json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.sessions"), "0");
}

// A page on another site can make the browser send the cookie (it is the browser's), but not
// with this site's Origin, nor with Connect's header through a simple form post.
TEST_F(ConsoleServerTest, ACallWithTheCookieMustBeThisSitesOwn) {
  const std::string cookie = SignIn(auth::Role::kCurator);
  ASSERT_FALSE(cookie.empty());
  auto own = PostAsPage("/grpc.health.v1.Health/Check", cookie);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  auto cross_site = PostAsPage("/grpc.health.v1.Health/Check", cookie, {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(cross_site);
  EXPECT_EQ(cross_site->status, 403);
  EXPECT_EQ(nlohmann::json::parse(cross_site->body)["code"], "permission_denied");
  auto no_origin = client_->Post("/grpc.health.v1.Health/Check",
                                 httplib::Headers{{"Cookie", cookie}, {"Connect-Protocol-Version", "1"}}, "{}",
                                 "application/json");
  ASSERT_TRUE(no_origin);
  EXPECT_EQ(no_origin->status, 403);
  auto form_like = PostAsPage("/grpc.health.v1.Health/Check", cookie, {}, /*connect_header=*/false);
  ASSERT_TRUE(form_like);
  EXPECT_EQ(form_like->status, 403);
  auto current = PostAsPage("/console/session/current", cookie, {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(current);
  EXPECT_EQ(current->status, 403);
}

TEST_F(ConsoleServerTest, SigningOutEndsTheSessionAtOnce) {
  const std::string cookie = SignIn(auth::Role::kLead);
  ASSERT_FALSE(cookie.empty());
  auto ended = PostAsPage("/console/session/end", cookie);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->status, 200) << ended->body;
  EXPECT_NE(ended->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  auto after = PostAsPage("/console/session/current", cookie);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << "the cache forgot it too: " << after->body;
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.sessions WHERE ended_at IS NOT NULL"), "1");
}

TEST_F(ConsoleServerTest, ARevokedPrincipalsSessionEnds) {
  // An authenticator that remembers nothing, so the revocation is seen at the next call.
  auth::Authenticator uncached(auth_->store(), SystemClock::Instance(), std::chrono::milliseconds(0));
  auto token = auth_->store().Add({.name = "leaving-council", .role = auth::Role::kCouncil});
  ASSERT_TRUE(token.ok()) << token.status();
  ConsoleServer server(*bridge_, uncached);
  ASSERT_TRUE(server.Start({.listen = "127.0.0.1:0"}).ok());
  httplib::Client client("127.0.0.1", server.port());
  const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
  nlohmann::json body = {{"token", *token}};
  auto signed_in = client.Post("/console/session/start", httplib::Headers{{"Origin", origin}}, body.dump(),
                               "application/json");
  ASSERT_TRUE(signed_in);
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  const std::string set_cookie = signed_in->get_header_value("Set-Cookie");
  const httplib::Headers as_page = {
      {"Cookie", set_cookie.substr(0, set_cookie.find(';'))}, {"Origin", origin}, {"Connect-Protocol-Version", "1"}};
  auto before = client.Post("/console/session/current", as_page, "{}", "application/json");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;
  EXPECT_EQ(nlohmann::json::parse(before->body)["name"], "leaving-council");
  ASSERT_TRUE(auth_->store().Revoke("leaving-council").ok());
  auto after = client.Post("/console/session/current", as_page, "{}", "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
  server.Stop();
}


// A CSP source list is split at spaces and ';': an endpoint anyone can set on chain must give a
// plain origin or nothing, never a second source or directive.
TEST(MediaOriginsTest, OriginOfKeepsPlainOriginsAndRefusesAnythingThatCouldAddASource) {
  EXPECT_EQ(OriginOf("https://Node2.Example.org/distributor/"), "https://node2.example.org");
  EXPECT_EQ(OriginOf("HTTP://127.0.0.1:8080/api/v1/assets/1"), "http://127.0.0.1:8080");
  EXPECT_EQ(OriginOf("https://[2001:db8::1]:443/"), "https://[2001:db8::1]:443");
  EXPECT_EQ(OriginOf("https://cdn.example.org?x=1"), "https://cdn.example.org");
  for (const char* hostile : {"https://evil.example; script-src *", "https://a.example *", "https://user@a.example/",
                              "https://a.example:80x/", "https://a.example:/", "https://'unsafe-inline'/",
                              "javascript:alert(1)", "data:text/html,x", "https://", "https://*.example.org/",
                              "https://a.example,https://b.example", "ftp://a.example/", "https://[::1/",
                              "https://a.example\n/"}) {
    EXPECT_EQ(OriginOf(hostile), std::nullopt) << hostile;
  }
}

TEST(MediaOriginsTest, ThePolicyAllowsMediaFromTheOriginsGivenAndNoOtherSite) {
  const std::string policy = ContentSecurityPolicy({"https://node1.example", "http://127.0.0.1:9000"});
  EXPECT_NE(policy.find("media-src 'self' blob: https://node1.example http://127.0.0.1:9000;"), std::string::npos)
      << policy;
  EXPECT_NE(policy.find("img-src 'self' data: https://node1.example http://127.0.0.1:9000;"), std::string::npos)
      << policy;
  EXPECT_EQ(policy.find("https:;"), std::string::npos) << "no scheme-wide source: " << policy;
  EXPECT_NE(ContentSecurityPolicy({}).find("media-src 'self' blob:;"), std::string::npos);
}

TEST_F(ConsoleServerTest, TheConsoleAllowsMediaFromTheDistributorsAndFeaturedHostsAndNoOther) {
  auto pool = MakePool(MediaOrigins::Statements());
  Scalar("INSERT INTO ingest.distribution_buckets (id, family_id, bucket_index, distributing, accepting_new_bags,"
         " created_at, updated_at) VALUES ('0:0', '0', 0, true, true, now(), now());"
         " INSERT INTO ingest.distribution_operators (id, bucket_id, worker_id, status, node_endpoint, created_at,"
         " updated_at) VALUES"
         " ('0:0-1', '0:0', 1, 'active', 'https://node1.example/distributor/', now(), now()),"
         " ('0:0-2', '0:0', 2, 'active', 'http://127.0.0.1:9000/', now(), now()),"
         " ('0:0-3', '0:0', 3, 'invited', 'https://invited.example/', now(), now()),"
         " ('0:0-4', '0:0', 4, 'active', 'https://evil.example; script-src *', now(), now());"
         " INSERT INTO alert.featured (slot, video_id, cut_url, poster_url, featured_from, next_probe_at) VALUES"
         " ('hero', '1', 'https://cuts.example/hero.mp4', 'https://posters.example/hero.jpg', now(), now()),"
         " ('hero', '0', 'https://long-gone.example/old.mp4', '', now() - interval '90 days', now());"
         " UPDATE alert.featured SET featured_until = now() - interval '60 days' WHERE video_id = '0'; SELECT 1");
  ManualClock clock(TimePoint(std::chrono::hours(500000)));
  MediaOrigins origins(*pool, clock, std::chrono::seconds(60));
  EXPECT_EQ(origins.Current(), (std::vector<std::string>{"http://127.0.0.1:9000", "https://cuts.example",
                                                         "https://node1.example", "https://posters.example"}));

  Scalar("INSERT INTO ingest.distribution_operators (id, bucket_id, worker_id, status, node_endpoint, created_at,"
         " updated_at) VALUES ('0:0-5', '0:0', 5, 'active', 'https://node5.example/', now(), now()); SELECT 1");
  EXPECT_EQ(origins.Current().size(), 4u) << "cached";
  clock.Advance(std::chrono::seconds(61));
  EXPECT_EQ(origins.Current().size(), 5u) << "read again after the TTL";

  ConsoleServer server(*bridge_, auth_->authenticator());
  ASSERT_TRUE(server
                  .Start({.listen = "127.0.0.1:0",
                          .files = {{"/", "text/html; charset=utf-8", "<!doctype html><title>console</title>"}},
                          .content_security_policy = [&origins] { return origins.Policy(); }})
                  .ok());
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  const std::string policy = page->get_header_value("Content-Security-Policy");
  const std::string media = policy.substr(policy.find("media-src"), policy.find(';', policy.find("media-src")) -
                                                                         policy.find("media-src"));
  EXPECT_NE(media.find(" http://127.0.0.1:9000"), std::string::npos) << policy;
  EXPECT_NE(media.find(" https://node5.example"), std::string::npos) << policy;
  EXPECT_EQ(media.find("random.example"), std::string::npos) << policy;
  EXPECT_EQ(media.find("invited.example"), std::string::npos) << policy;
  EXPECT_EQ(media.find("https: "), std::string::npos) << "no scheme-wide source: " << policy;
  EXPECT_EQ(policy.find("evil"), std::string::npos) << policy;
  server.Stop();
}

}  // namespace
}  // namespace curation::console
