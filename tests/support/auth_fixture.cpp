#include "auth_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "child_process.hpp"

namespace curation::testing {
namespace {

// Well-formed (the "cur_" prefix and 43 base64url characters of a real one) but nobody's.
const std::string kUnknownToken = "cur_" + std::string(43, 'A');

std::optional<auth::Role> RoleOf(Caller caller) {
  switch (caller) {
    case Caller::kCurator: return auth::Role::kCurator;
    case Caller::kLead: return auth::Role::kLead;
    case Caller::kCouncil: return auth::Role::kCouncil;
    case Caller::kService: return auth::Role::kService;
    case Caller::kNoToken:
    case Caller::kUnknownToken: return std::nullopt;
  }
  return std::nullopt;
}

std::string CodeText(const grpc::Status& status) {
  return std::to_string(static_cast<int>(status.error_code())) + " '" + status.error_message() + "'";
}

}  // namespace

const std::vector<Caller>& AllCallers() {
  static const std::vector<Caller> callers = {Caller::kCurator, Caller::kLead,    Caller::kCouncil,
                                              Caller::kService, Caller::kNoToken, Caller::kUnknownToken};
  return callers;
}

std::string CallerName(Caller caller) {
  if (auto role = RoleOf(caller)) {
    return std::string(auth::RoleName(*role));
  }
  return caller == Caller::kNoToken ? "no token" : "unknown token";
}

AuthFixture::AuthFixture(const std::string& database_url, const Clock& clock, std::chrono::milliseconds cache_ttl) {
  auto pool = db::Pool::Create({.url = database_url, .size = 2, .statements = auth::PrincipalStore::Statements()});
  if (!pool.ok()) {
    ADD_FAILURE() << "cannot open the principals' pool: " << pool.status();
    return;
  }
  pool_ = std::move(pool).value();
  store_ = std::make_unique<auth::PrincipalStore>(*pool_);
  authenticator_ = std::make_unique<auth::Authenticator>(*store_, clock, cache_ttl);
  for (Caller caller : AllCallers()) {
    std::optional<auth::Role> role = RoleOf(caller);
    if (!role) {
      continue;
    }
    auto token = store_->Add({.name = "test-" + CallerName(caller), .role = *role});
    if (!token.ok()) {
      ADD_FAILURE() << "cannot add the " << CallerName(caller) << " principal: " << token.status();
      continue;
    }
    tokens_[*role] = *token;
  }
}

AuthFixture::~AuthFixture() = default;

server::RpcEnv& AuthFixture::Env(server::RpcMetrics& metrics) {
  envs_.push_back(std::make_unique<server::RpcEnv>(server::RpcEnv{metrics, *authenticator_}));
  return *envs_.back();
}

const std::string& AuthFixture::Token(auth::Role role) const { return tokens_.at(role); }

std::unique_ptr<grpc::ClientContext> AuthFixture::Context(Caller caller, std::chrono::milliseconds timeout) const {
  std::optional<auth::Role> role = RoleOf(caller);
  std::optional<std::string> token = role ? std::optional(Token(*role)) : std::nullopt;
  if (caller == Caller::kUnknownToken) {
    token = kUnknownToken;
  }
  return ContextWithHeader(token ? std::optional("Bearer " + *token) : std::nullopt, timeout);
}

std::unique_ptr<grpc::ClientContext> AuthFixture::Context(auth::Role role, std::chrono::milliseconds timeout) const {
  return ContextWithHeader("Bearer " + Token(role), timeout);
}

std::unique_ptr<grpc::ClientContext> ContextWithHeader(std::optional<std::string> authorization,
                                                       std::chrono::milliseconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  if (authorization) {
    context->AddMetadata("authorization", *authorization);
  }
  return context;
}

SelfSignedCertificate MakeSelfSignedCertificate(const std::string& dir) {
  std::filesystem::create_directories(dir);
  SelfSignedCertificate certificate{dir + "/cert.pem", dir + "/key.pem", ""};
  ChildProcess openssl({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", certificate.key_file, "-out",
                        certificate.cert_file},
                       dir + "/openssl.log");
  int code = openssl.Wait(std::chrono::seconds(30));
  if (code != 0) {
    ADD_FAILURE() << "openssl req failed (" << code << "): " << openssl.Output();
    return certificate;
  }
  std::ifstream in(certificate.cert_file);
  std::ostringstream pem;
  pem << in.rdbuf();
  certificate.cert_pem = pem.str();
  return certificate;
}

void ExpectRoleMatrix(const AuthFixture& auth, const std::vector<RpcCase>& cases) {
  for (const RpcCase& rpc : cases) {
    for (Caller caller : AllCallers()) {
      grpc::Status status = rpc.invoke(auth.Context(caller).get());
      std::optional<auth::Role> role = RoleOf(caller);
      std::string where = rpc.method + " as " + CallerName(caller) + ": got " + CodeText(status);
      if (!role) {
        EXPECT_EQ(status.error_code(), grpc::UNAUTHENTICATED) << where;
      } else if (!rpc.allowed.Contains(*role)) {
        EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED) << where;
      } else {
        EXPECT_NE(status.error_code(), grpc::UNAUTHENTICATED) << where;
        EXPECT_NE(status.error_code(), grpc::PERMISSION_DENIED) << where;
      }
    }
  }
}

}  // namespace curation::testing
