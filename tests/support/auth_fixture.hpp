#pragma once
// Authentication for tests of gRPC adapters: one principal per role with its token, the
// Authenticator and RpcEnv an adapter needs, client contexts carrying a token, and the role
// matrix that checks every RPC against every caller.
//
// Usage (inside a DatabaseTest, after its SetUp):
//   auth_ = std::make_unique<testing::AuthFixture>(url_);
//   ProbeGrpcService adapter(logic, auth_->Env(rpc_metrics));
//   stub->GetVerdict(auth_->Context(auth::Role::kCouncil).get(), request, &response);
//   testing::ExpectRoleMatrix(*auth_, {{"ProbeService/GetVerdict", auth::RoleSet::All(),
//                                       [&](grpc::ClientContext* c) { return stub->GetVerdict(c, {}, &r); }}});

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <curation/auth/authenticator.hpp>
#include <curation/auth/principal_store.hpp>
#include <curation/db/pool.hpp>
#include <curation/server/rpc.hpp>

namespace curation::testing {

/// Who makes a call: a principal of one role, nobody (no header), or a well-formed token that
/// belongs to no one.
enum class Caller { kCurator, kLead, kCouncil, kService, kNoToken, kUnknownToken };

/// Every caller, roles first.
const std::vector<Caller>& AllCallers();
std::string CallerName(Caller caller);

/// Owns a pool on the test's database, a PrincipalStore, one live principal per role
/// (named "test-curator", "test-lead", ...) and an Authenticator over them. Not thread-safe
/// to set up; Authenticator and Context are safe from any thread afterwards.
class AuthFixture {
 public:
  /// `database_url`: a migrated database (DatabaseTest::url_). Fails the test (ADD_FAILURE)
  /// if a principal cannot be added.
  explicit AuthFixture(const std::string& database_url, const Clock& clock = SystemClock::Instance(),
                       std::chrono::milliseconds cache_ttl = std::chrono::seconds(10));
  ~AuthFixture();

  auth::PrincipalStore& store() { return *store_; }
  auth::Authenticator& authenticator() { return *authenticator_; }
  /// The RpcEnv an adapter takes, kept alive by this fixture (adapters may hold a reference).
  server::RpcEnv& Env(server::RpcMetrics& metrics);

  const std::string& Token(auth::Role role) const;
  /// A context with the caller's `authorization: Bearer` header (none for kNoToken) and a deadline.
  std::unique_ptr<grpc::ClientContext> Context(Caller caller,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  std::unique_ptr<grpc::ClientContext> Context(auth::Role role,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<auth::PrincipalStore> store_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::map<auth::Role, std::string> tokens_;
  std::vector<std::unique_ptr<server::RpcEnv>> envs_;
};

/// A context with exactly this `authorization` header value (none for nullopt) and a deadline.
std::unique_ptr<grpc::ClientContext> ContextWithHeader(std::optional<std::string> authorization,
                                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command line in
/// `dir` (created if missing). Fails the test (ADD_FAILURE) if openssl does.
struct SelfSignedCertificate {
  std::string cert_file;
  std::string key_file;
  std::string cert_pem;
};
SelfSignedCertificate MakeSelfSignedCertificate(const std::string& dir);

/// One RPC of the role matrix.
struct RpcCase {
  std::string method;     ///< e.g. "ProbeService/ProbeUrl", named in failures
  auth::RoleSet allowed;  ///< the roles that may call it: the specification, written out in the test
  /// Makes the call with `context` (which already carries the caller's token and a deadline).
  std::function<grpc::Status(grpc::ClientContext* context)> invoke;
};

/// Calls every case as every caller and expects UNAUTHENTICATED without a valid token,
/// PERMISSION_DENIED for a role not allowed, and neither of the two for an allowed role (its
/// call may still fail for other reasons). Each mismatch is a test failure naming the method,
/// the caller, and the status received.
void ExpectRoleMatrix(const AuthFixture& auth, const std::vector<RpcCase>& cases);

}  // namespace curation::testing
