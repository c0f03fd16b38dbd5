// Principals, tokens, the authenticator, who may call which RPC, TLS, and what the services'
// database role may do.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <curation/auth/authenticator.hpp>
#include <curation/auth/principal_store.hpp>
#include <curation/common/time_format.hpp>
#include <curation/curationd/modules.hpp>
#include <curation/db/migrations.hpp>
#include <curation/ingest/ingest_grpc_service.hpp>
#include <curation/modlog/modlog_grpc_service.hpp>
#include <curation/probe/probe_grpc_service.hpp>
#include <curation/review/review_grpc_service.hpp>
#include <curation/server/grpc_host.hpp>
#include <grpc/health/v1/health.grpc.pb.h>

#include "auth_fixture.hpp"
#include "postgres_fixture.hpp"

namespace curation::auth {
namespace {

using namespace std::chrono_literals;
using testing::Caller;

constexpr char kServiceRole[] = "curation_service";

class PrincipalStoreTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(PrincipalStore::Statements());
    store_ = std::make_unique<PrincipalStore>(*pool_);
  }

  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<PrincipalStore> store_;
};

TEST_F(PrincipalStoreTest, AddReturnsATokenOnceAndStoresOnlyItsHash) {
  auto token = store_->Add({.name = "alice", .role = Role::kCurator, .worker_id = 7, .contact = "alice@example.org"});
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(token->starts_with("cur_")) << *token;
  EXPECT_EQ(token->size(), 4u + 43u) << "cur_ and 32 bytes in unpadded base64url";
  EXPECT_EQ(token->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 4),
            std::string::npos);

  // Neither the token nor its random part is anywhere in the table; its SHA-256 is.
  std::string body = token->substr(4);
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.principals p WHERE strpos(p::text, '" + body + "') > 0"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.principals p WHERE strpos(p::text, encode('" + *token +
                   "'::bytea, 'hex')) > 0"),
            "0");
  EXPECT_EQ(Scalar("SELECT token_hash = sha256('" + *token + "'::bytea) FROM auth.principals"), "t");

  auto second = store_->Add({.name = "bob", .role = Role::kLead});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*second, *token);

  auto list = store_->List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  const PrincipalRecord& alice = (*list)[0];
  EXPECT_EQ(alice.principal.name, "alice");
  EXPECT_EQ(alice.principal.role, Role::kCurator);
  EXPECT_EQ(alice.principal.worker_id, std::optional<int64_t>(7));
  EXPECT_EQ(alice.contact, "alice@example.org");
  EXPECT_FALSE(alice.revoked_at.has_value());
  EXPECT_LT(std::chrono::abs(alice.created_at - SystemClock::Instance().Now()), 1min);
  EXPECT_FALSE((*list)[1].principal.worker_id.has_value());
  EXPECT_EQ((*list)[1].contact, "");

  auto found = store_->FindByToken(*token);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "alice");
  EXPECT_EQ((*found)->worker_id, std::optional<int64_t>(7));
  EXPECT_FALSE(store_->FindByToken(*token + "x")->has_value());
}

TEST_F(PrincipalStoreTest, RefusesTakenAndBadNames) {
  ASSERT_TRUE(store_->Add({.name = "carol", .role = Role::kCouncil}).ok());
  auto again = store_->Add({.name = "carol", .role = Role::kLead});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("carol"), absl::string_view::npos) << again.status();

  for (const std::string& name : {std::string(""), std::string("has space"), std::string(".dot-first"),
                                  std::string(65, 'a'), std::string("semi;colon"), std::string("quote'd"),
                                  std::string("ünïcode")}) {
    auto bad = store_->Add({.name = name, .role = Role::kCurator});
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << "'" << name << "': " << bad.status();
  }
  EXPECT_TRUE(store_->Add({.name = std::string(64, 'a'), .role = Role::kCurator}).ok());
  EXPECT_TRUE(store_->Add({.name = "lead@joystream.org", .role = Role::kLead}).ok());
  EXPECT_EQ(store_->Add({.name = "dave", .role = Role::kCurator, .worker_id = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Add({.name = "erin", .role = Role::kCurator, .contact = std::string(300, 'c')}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.principals"), "3");
}

TEST_F(PrincipalStoreTest, RevokeEndsTheTokenAndKeepsTheName) {
  auto token = store_->Add({.name = "frank", .role = Role::kService});
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(store_->Revoke("frank").ok());
  EXPECT_FALSE(store_->FindByToken(*token)->has_value());
  EXPECT_EQ(store_->Revoke("frank").code(), absl::StatusCode::kNotFound) << "already revoked";
  EXPECT_EQ(store_->Revoke("nobody").code(), absl::StatusCode::kNotFound);
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE((*list)[0].revoked_at.has_value());
  EXPECT_EQ(store_->Add({.name = "frank", .role = Role::kService}).status().code(), absl::StatusCode::kAlreadyExists)
      << "a revoked name stays taken, so the log's actor names stay unambiguous";
}

// A console session lasts while it is used (idle limit) and no longer than its lifetime.
TEST_F(PrincipalStoreTest, ASessionEndsWhenIdleOldSignedOutOrItsPrincipalRevoked) {
  auto token = store_->Add({.name = "grace", .role = Role::kCurator});
  ASSERT_TRUE(token.ok());
  auto grace = store_->FindByToken(*token);
  ASSERT_TRUE(grace.ok() && grace->has_value());
  const SessionLimits limits{.idle = std::chrono::minutes(30), .lifetime = std::chrono::hours(12)};
  const TimePoint signed_in = *ParseIsoTime("2026-12-07T08:00:00Z");
  auto session = store_->StartSession((*grace)->id, signed_in);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_TRUE(session->starts_with("ses_")) << *session;
  EXPECT_NE(*session, *token);
  auto at = [&](TimePoint now) {
    auto found = store_->FindBySession(*session, now, limits);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() && found->has_value() ? (*found)->name : std::string("(none)");
  };
  // Used every 20 minutes it lives on past 30 minutes, each use marking it seen...
  for (int minutes = 20; minutes <= 11 * 60; minutes += 20) {
    ASSERT_EQ(at(signed_in + std::chrono::minutes(minutes)), "grace") << minutes << " min";
  }
  // ...but not past its lifetime, however busy.
  EXPECT_EQ(at(signed_in + std::chrono::hours(12) + std::chrono::minutes(1)), "(none)");

  auto idle = store_->StartSession((*grace)->id, signed_in);
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(store_->FindBySession(*idle, signed_in + std::chrono::minutes(31), limits)->has_value())
      << "31 minutes without a call";

  auto ended = store_->StartSession((*grace)->id, signed_in);
  ASSERT_TRUE(ended.ok());
  ASSERT_TRUE(store_->EndSession(*ended, signed_in + std::chrono::minutes(1)).ok());
  EXPECT_FALSE(store_->FindBySession(*ended, signed_in + std::chrono::minutes(2), limits)->has_value());
  EXPECT_TRUE(store_->EndSession(*ended, signed_in).ok()) << "signing out twice is fine";
  EXPECT_FALSE(store_->FindBySession("ses_neverissued", signed_in, limits)->has_value());

  auto live = store_->StartSession((*grace)->id, signed_in);
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(store_->Revoke("grace").ok());
  EXPECT_FALSE(store_->FindBySession(*live, signed_in + std::chrono::minutes(1), limits)->has_value())
      << "a revoked principal's sessions end with its token";
  EXPECT_EQ(store_->StartSession((*grace)->id, signed_in).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Scalar("SELECT count(*) FROM auth.sessions WHERE length(id_hash) = 32"), "4") << "only hashes stored";
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kCurator, Role::kLead, Role::kCouncil, Role::kService}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_EQ(ParseRole("Lead"), std::nullopt);
  EXPECT_EQ(ParseRole("admin"), std::nullopt);
  constexpr RoleSet kReaders = {Role::kCouncil, Role::kLead};
  EXPECT_TRUE(kReaders.Contains(Role::kCouncil));
  EXPECT_FALSE(kReaders.Contains(Role::kCurator));
  EXPECT_TRUE(RoleSet::All().Contains(Role::kService));
}

class AuthenticatorTest : public PrincipalStoreTest {
 protected:
  void SetUp() override {
    PrincipalStoreTest::SetUp();
    authenticator_ = std::make_unique<Authenticator>(*store_, clock_, 10s);
    auto token = store_->Add({.name = "grace", .role = Role::kCurator, .worker_id = 3});
    ASSERT_TRUE(token.ok());
    token_ = *token;
  }

  absl::StatusOr<Principal> Authenticate(std::optional<std::string> header) {
    return authenticator_->Authenticate(header ? std::optional<std::string_view>(*header) : std::nullopt);
  }

  ManualClock clock_{TimePoint(std::chrono::hours(480000))};
  std::unique_ptr<Authenticator> authenticator_;
  std::string token_;
};

TEST_F(AuthenticatorTest, AcceptsABearerTokenWhateverTheSchemesCase) {
  for (const std::string& header : std::vector<std::string>{"Bearer " + token_, "bearer " + token_,
                                                            "BEARER  " + token_, " Bearer\t" + token_ + " "}) {
    auto principal = Authenticate(header);
    ASSERT_TRUE(principal.ok()) << "'" << header << "': " << principal.status();
    EXPECT_EQ(principal->name, "grace");
    EXPECT_EQ(principal->role, Role::kCurator);
    EXPECT_EQ(principal->worker_id, std::optional<int64_t>(3));
  }
}

TEST_F(AuthenticatorTest, RefusesMissingMalformedAndUnknownTokensSayingWhatToDo) {
  auto missing = Authenticate(std::nullopt);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("--token-file"), absl::string_view::npos) << missing.status();
  EXPECT_NE(missing.status().message().find("CURATION_TOKEN"), absl::string_view::npos) << missing.status();
  EXPECT_EQ(Authenticate("").status().code(), absl::StatusCode::kUnauthenticated);

  for (const std::string& header : std::vector<std::string>{"Basic " + token_, token_, "Bearer", "Bearer ",
                                                            "Bearer a b", "Bearer " + std::string(600, 'x'),
                                                            "Token " + token_}) {
    auto refused = Authenticate(header);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << "'" << header << "'";
    EXPECT_NE(refused.status().message().find("Bearer <token>"), absl::string_view::npos) << refused.status();
  }
  auto unknown = Authenticate("Bearer cur_" + std::string(43, 'Z'));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(unknown.status().message().find("unknown or revoked"), absl::string_view::npos) << unknown.status();
  EXPECT_EQ(unknown.status().message().find(token_), absl::string_view::npos);
}

TEST_F(AuthenticatorTest, ARevokedTokenStopsWorkingWhenItsCacheEntryExpires) {
  ASSERT_TRUE(Authenticate("Bearer " + token_).ok());
  ASSERT_TRUE(store_->Revoke("grace").ok());
  EXPECT_TRUE(Authenticate("Bearer " + token_).ok()) << "still cached";
  clock_.Advance(9s);
  EXPECT_TRUE(Authenticate("Bearer " + token_).ok()) << "still within cache_ttl";
  clock_.Advance(1s);
  EXPECT_EQ(Authenticate("Bearer " + token_).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, RemembersAnUnknownTokenOnlyBriefly) {
  const std::string made_up = "cur_made-up-by-hand";
  EXPECT_EQ(Authenticate("Bearer " + made_up).status().code(), absl::StatusCode::kUnauthenticated);
  // The token becomes valid behind the authenticator's back (by hand, as the owner).
  Scalar("INSERT INTO auth.principals (name, role, token_hash) VALUES ('heidi', 'council', sha256('" + made_up +
         "'::bytea)) RETURNING id");
  EXPECT_EQ(Authenticate("Bearer " + made_up).status().code(), absl::StatusCode::kUnauthenticated)
      << "the negative answer is cached";
  clock_.Advance(1s);
  auto principal = Authenticate("Bearer " + made_up);
  ASSERT_TRUE(principal.ok()) << "a negative answer lives at most a second: " << principal.status();
  EXPECT_EQ(principal->role, Role::kCouncil);
}

TEST_F(AuthenticatorTest, WithoutACacheEveryCallAsksTheDatabase) {
  Authenticator uncached(*store_, clock_, 0ms);
  ASSERT_TRUE(uncached.Authenticate("Bearer " + token_).ok());
  ASSERT_TRUE(store_->Revoke("grace").ok());
  EXPECT_EQ(uncached.Authenticate("Bearer " + token_).status().code(), absl::StatusCode::kUnauthenticated);
}

// A lookup that fails is an error of its own (the caller may retry), never "unauthenticated",
// and it is not cached.
TEST_F(AuthenticatorTest, ADatabaseErrorIsNotUnauthenticatedAndNotRemembered) {
  auto pool =
      db::Pool::Create({.url = url_, .size = 1, .statements = PrincipalStore::Statements(), .role = kServiceRole});
  ASSERT_TRUE(pool.ok()) << pool.status();
  PrincipalStore store(**pool);
  Authenticator authenticator(store, clock_, 10s);
  Scalar("REVOKE SELECT ON auth.principals FROM curation_service");
  auto failed = authenticator.Authenticate("Bearer " + token_);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.status().code(), absl::StatusCode::kUnauthenticated) << failed.status();
  Scalar("GRANT SELECT ON auth.principals TO curation_service");
  EXPECT_TRUE(authenticator.Authenticate("Bearer " + token_).ok());
}

// ---- The role matrix: every RPC of the real adapters, as every role and as nobody -------------

class RoleMatrixTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auto statements = ingest::IngestStore::Statements();
    for (auto* more :
         {&probe::ProbeStore::Statements, &probe::SourceResolver::Statements, &review::ReviewStore::Statements,
          &modlog::LogStore::Statements}) {
      for (auto& statement : more()) {
        statements.push_back(std::move(statement));
      }
    }
    // As in curationd: the services' pool runs as the restricted role.
    auto pool = db::Pool::Create({.url = url_, .size = 4, .statements = std::move(statements), .role = kServiceRole});
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(pool).value();
    auth_ = std::make_unique<testing::AuthFixture>(url_);
    rpc_metrics_ = std::make_unique<server::RpcMetrics>(metrics_);

    ingest_store_ = std::make_unique<ingest::IngestStore>(*pool_);
    ingest_ = std::make_unique<ingest::IngestService>(*ingest_store_, "http://127.0.0.1:9/graphql");
    ingest_grpc_ = std::make_unique<ingest::IngestGrpcService>(*ingest_, auth_->Env(*rpc_metrics_));

    // Nothing here may reach a node: allowed calls carry arguments refused before any probe.
    probe_store_ = std::make_unique<probe::ProbeStore>(*pool_);
    resolver_ = std::make_unique<probe::SourceResolver>(*pool_, clock_, 1min);
    sandbox_ =
        std::make_unique<probe::ProbeSandbox>(probe::SandboxOptions{.worker_path = "/nonexistent", .workers = 1});
    probe_ = std::make_unique<probe::ProbeService>(*probe_store_, *resolver_, *sandbox_, metrics_,
                                                   probe::ProbeServiceOptions{});
    probe_grpc_ = std::make_unique<probe::ProbeGrpcService>(*probe_, auth_->Env(*rpc_metrics_));

    // An empty queue and log: allowed calls are refused on their arguments, or answer.
    review_store_ = std::make_unique<review::ReviewStore>(*pool_);
    review_ = std::make_unique<review::ReviewService>(*review_store_, clock_, ReviewConfig{}, metrics_);
    review_grpc_ = std::make_unique<review::ReviewGrpcService>(*review_, auth_->Env(*rpc_metrics_));
    log_store_ = std::make_unique<modlog::LogStore>(*pool_);
    log_ = std::make_unique<modlog::ModerationLogService>(*log_store_);
    log_grpc_ = std::make_unique<modlog::ModerationLogGrpcService>(*log_, auth_->Env(*rpc_metrics_));

    host_.Register(ingest_grpc_.get(), ingest::IngestGrpcService::kName);
    host_.Register(probe_grpc_.get(), probe::ProbeGrpcService::kName);
    host_.Register(review_grpc_.get(), review::ReviewGrpcService::kName);
    host_.Register(log_grpc_.get(), modlog::ModerationLogGrpcService::kName);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0"}).ok());
    ingest_stub_ = v1::IngestService::NewStub(host_.InProcessChannel());
    probe_stub_ = v1::ProbeService::NewStub(host_.InProcessChannel());
    review_stub_ = v1::ReviewService::NewStub(host_.InProcessChannel());
    log_stub_ = v1::ModerationLogService::NewStub(host_.InProcessChannel());
  }

  // A unary RPC case: `call(stub, context, request, response)` with default-constructed
  // messages unless `request` is given.
  template <typename Request, typename Response, typename Stub>
  static testing::RpcCase Unary(std::string method, RoleSet allowed, Stub* stub,
                                grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&, Response*),
                                Request request = {}) {
    return {std::move(method), allowed, [stub, call, request](grpc::ClientContext* context) {
              Response response;
              return (stub->*call)(context, request, &response);
            }};
  }

  // Who may call what: the specification, written out here rather than read from the adapters.
  std::vector<testing::RpcCase> Cases() {
    const RoleSet all = RoleSet::All();
    std::vector<testing::RpcCase> cases = {
        {"IngestService/GetIngestStatus", all,
         [this](grpc::ClientContext* context) {
           v1::IngestStatus response;
           return ingest_stub_->GetIngestStatus(context, {}, &response);
         }},
        {"IngestService/StartBackfill", {Role::kLead, Role::kService},
         [this](grpc::ClientContext* context) {
           v1::StartBackfillRequest request;
           request.set_from_block(-1);  // refused once past authorization: nothing rewinds
           v1::StartBackfillResponse response;
           return ingest_stub_->StartBackfill(context, request, &response);
         }},
        {"ProbeService/ProbeUrl", {Role::kCurator, Role::kLead, Role::kService},
         [this](grpc::ClientContext* context) {
           v1::ProbeUrlRequest request;
           request.set_url("not a url");
           v1::ProbeReport response;
           return probe_stub_->ProbeUrl(context, request, &response);
         }},
        {"ProbeService/ProbeVideo", {Role::kCurator, Role::kLead, Role::kService},
         [this](grpc::ClientContext* context) {
           v1::ProbeVideoRequest request;
           request.set_video_id("not-an-id");
           v1::ProbeReport response;
           return probe_stub_->ProbeVideo(context, request, &response);
         }},
        {"ProbeService/GetVerdict", all,
         [this](grpc::ClientContext* context) {
           v1::GetVerdictRequest request;
           request.set_video_id("1");
           v1::ProbeReport response;
           return probe_stub_->GetVerdict(context, request, &response);
         }},
        {"ProbeService/ListProbes", all,
         [this](grpc::ClientContext* context) {
           v1::ListProbesResponse response;
           return probe_stub_->ListProbes(context, {}, &response);
         }},
        {"ProbeService/GetVideoSources", all,
         [this](grpc::ClientContext* context) {
           v1::GetVideoSourcesRequest request;
           request.set_video_id("1");
           v1::VideoSources response;
           return probe_stub_->GetVideoSources(context, request, &response);
         }},
    };
    for (testing::RpcCase& rpc : ReviewCases()) {
      cases.push_back(std::move(rpc));
    }
    for (testing::RpcCase& rpc : ModerationLogCases()) {
      cases.push_back(std::move(rpc));
    }
    return cases;
  }

  // The council reads the queue; curators and the lead work it; only the lead reverts.
  std::vector<testing::RpcCase> ReviewCases() {
    using Stub = v1::ReviewService::Stub;
    const RoleSet all = RoleSet::All();
    const RoleSet workers = {Role::kCurator, Role::kLead};
    Stub* stub = review_stub_.get();
    v1::GetItemRequest get;
    get.set_id(424242);  // no such item: NOT_FOUND once authorized
    v1::RenewClaimsRequest renew;
    renew.add_item_ids(424242);
    v1::ReleaseItemsRequest release;
    release.add_item_ids(424242);
    v1::DecideItemRequest decide;
    decide.set_item_id(424242);
    decide.set_action(v1::ACTION_APPROVE);
    v1::RevertDecisionRequest revert;
    revert.set_entry_id(424242);
    revert.set_justification("The uploader showed the label's licence to the lead.");
    v1::ClaimItemsRequest claim;
    claim.set_count(1);  // the queue is empty: claims nothing
    return {
        Unary("ReviewService/ListItems", all, stub, &Stub::ListItems),
        Unary("ReviewService/GetItem", all, stub, &Stub::GetItem, get),
        Unary("ReviewService/ClaimItems", workers, stub, &Stub::ClaimItems, claim),
        Unary("ReviewService/RenewClaims", workers, stub, &Stub::RenewClaims, renew),
        Unary("ReviewService/ReleaseItems", workers, stub, &Stub::ReleaseItems, release),
        Unary("ReviewService/DecideItem", workers, stub, &Stub::DecideItem, decide),
        Unary("ReviewService/RevertDecision", {Role::kLead}, stub, &Stub::RevertDecision, revert),
        Unary("ReviewService/GetQueueStats", all, stub, &Stub::GetQueueStats),
        Unary("ReviewService/ListPolicyCodes", all, stub, &Stub::ListPolicyCodes),
    };
  }

  // The whole log is everyone's to read, the council's above all.
  std::vector<testing::RpcCase> ModerationLogCases() {
    using Stub = v1::ModerationLogService::Stub;
    const RoleSet all = RoleSet::All();
    Stub* stub = log_stub_.get();
    v1::GetEntryRequest get;
    get.set_id(424242);
    return {
        Unary("ModerationLogService/ListEntries", all, stub, &Stub::ListEntries),
        Unary("ModerationLogService/GetEntry", all, stub, &Stub::GetEntry, get),
        Unary("ModerationLogService/VerifyLog", all, stub, &Stub::VerifyLog),
        {"ModerationLogService/ExportEntries", all,
         [stub](grpc::ClientContext* context) { return ExportAll(*stub, context).status; }},
    };
  }

  // Reads an export to its end: the entries and Finish()'s status.
  struct Export {
    std::vector<v1::Entry> entries;
    grpc::Status status;
  };
  static Export ExportAll(v1::ModerationLogService::Stub& stub, grpc::ClientContext* context) {
    Export result;
    auto reader = stub.ExportEntries(context, {});
    v1::Entry entry;
    while (reader->Read(&entry)) {
      result.entries.push_back(entry);
    }
    result.status = reader->Finish();
    return result;
  }

  ManualClock clock_{TimePoint(std::chrono::hours(480000))};
  MetricsRegistry metrics_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<testing::AuthFixture> auth_;
  std::unique_ptr<server::RpcMetrics> rpc_metrics_;
  std::unique_ptr<ingest::IngestStore> ingest_store_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<ingest::IngestGrpcService> ingest_grpc_;
  std::unique_ptr<probe::ProbeStore> probe_store_;
  std::unique_ptr<probe::SourceResolver> resolver_;
  std::unique_ptr<probe::ProbeSandbox> sandbox_;
  std::unique_ptr<probe::ProbeService> probe_;
  std::unique_ptr<probe::ProbeGrpcService> probe_grpc_;
  std::unique_ptr<review::ReviewStore> review_store_;
  std::unique_ptr<review::ReviewService> review_;
  std::unique_ptr<review::ReviewGrpcService> review_grpc_;
  std::unique_ptr<modlog::LogStore> log_store_;
  std::unique_ptr<modlog::ModerationLogService> log_;
  std::unique_ptr<modlog::ModerationLogGrpcService> log_grpc_;
  server::GrpcHost host_;
  std::unique_ptr<v1::IngestService::Stub> ingest_stub_;
  std::unique_ptr<v1::ProbeService::Stub> probe_stub_;
  std::unique_ptr<v1::ReviewService::Stub> review_stub_;
  std::unique_ptr<v1::ModerationLogService::Stub> log_stub_;
};

TEST_F(RoleMatrixTest, EveryRpcAnswersEveryCallerAsItsRolesSay) {
  testing::ExpectRoleMatrix(*auth_, Cases());
  // Allowed calls really ran (their arguments were refused, or they answered).
  v1::IngestStatus status;
  EXPECT_TRUE(ingest_stub_->GetIngestStatus(auth_->Context(Role::kCouncil).get(), {}, &status).ok());
  v1::StartBackfillRequest backfill;
  backfill.set_from_block(-1);
  v1::StartBackfillResponse started;
  EXPECT_EQ(ingest_stub_->StartBackfill(auth_->Context(Role::kLead).get(), backfill, &started).error_code(),
            grpc::INVALID_ARGUMENT);
  // The council's reads of the queue and the log answer, in the services' restricted role.
  v1::QueueStats stats;
  EXPECT_TRUE(review_stub_->GetQueueStats(auth_->Context(Role::kCouncil).get(), {}, &stats).ok());
  v1::ListPolicyCodesResponse codes;
  ASSERT_TRUE(review_stub_->ListPolicyCodes(auth_->Context(Role::kCouncil).get(), {}, &codes).ok());
  EXPECT_GT(codes.codes_size(), 0) << "the catalogue is seeded by the migrations";
  v1::VerifyLogResponse verified;
  ASSERT_TRUE(log_stub_->VerifyLog(auth_->Context(Role::kCouncil).get(), {}, &verified).ok());
  EXPECT_TRUE(verified.intact()) << verified.problem();
  EXPECT_TRUE(ExportAll(*log_stub_, auth_->Context(Role::kCouncil).get()).status.ok());
  v1::ClaimItemsRequest claim;
  claim.set_count(1);
  v1::ClaimItemsResponse claimed;
  EXPECT_TRUE(review_stub_->ClaimItems(auth_->Context(Role::kCurator).get(), claim, &claimed).ok());
  EXPECT_EQ(claimed.items_size(), 0);
  // Refusals are counted like any other outcome.
  EXPECT_NE(metrics_.Expose().find("code=\"PERMISSION_DENIED\",method=\"StartBackfill\""), std::string::npos);
  EXPECT_NE(metrics_.Expose().find("code=\"UNAUTHENTICATED\",method=\"GetIngestStatus\""), std::string::npos);
}

TEST_F(RoleMatrixTest, RefusalsSayWhatIsWrong) {
  v1::StartBackfillResponse response;
  grpc::Status denied = ingest_stub_->StartBackfill(auth_->Context(Role::kCurator).get(), {}, &response);
  EXPECT_EQ(denied.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_NE(denied.error_message().find("curator"), std::string::npos) << denied.error_message();
  EXPECT_NE(denied.error_message().find("StartBackfill"), std::string::npos) << denied.error_message();
  grpc::Status missing = ingest_stub_->StartBackfill(testing::ContextWithHeader(std::nullopt).get(), {}, &response);
  EXPECT_EQ(missing.error_code(), grpc::UNAUTHENTICATED);
  EXPECT_NE(missing.error_message().find("CURATION_TOKEN"), std::string::npos) << missing.error_message();
  grpc::Status scheme =
      ingest_stub_->StartBackfill(testing::ContextWithHeader("Basic dXNlcjpwYXNz").get(), {}, &response);
  EXPECT_EQ(scheme.error_code(), grpc::UNAUTHENTICATED);
}

TEST_F(RoleMatrixTest, HealthAndReflectionNeedNoToken) {
  auto health = grpc::health::v1::Health::NewStub(host_.InProcessChannel());
  for (const char* service : {"", ingest::IngestGrpcService::kName, probe::ProbeGrpcService::kName,
                              review::ReviewGrpcService::kName, modlog::ModerationLogGrpcService::kName}) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(testing::ContextWithHeader(std::nullopt).get(), request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  // Reflection answers without a token too (`grpcurl list`). Debian ships no reflection
  // stubs, so the request is written by hand: ServerReflectionRequest{list_services: ""}.
  grpc::GenericStub reflection(host_.InProcessChannel());
  auto context = testing::ContextWithHeader(std::nullopt);
  const char kListServices[] = {0x3a, 0x00};  // field 7, length-delimited, empty
  grpc::Slice slice(kListServices, sizeof kListServices);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  reflection.UnaryCall(context.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                       grpc::StubOptions(), &request, &response,
                       [&](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  EXPECT_NE(bytes.find(ingest::IngestGrpcService::kName), std::string::npos);
}

// ---- TLS --------------------------------------------------------------------------------------

class TlsTest : public RoleMatrixTest {
 protected:
  void SetUp() override {
    RoleMatrixTest::SetUp();
    dir_ = ::testing::TempDir() + "tls-" + std::to_string(getpid());
    certificate_ = testing::MakeSelfSignedCertificate(dir_);
    tls_host_.Register(ingest_grpc_.get(), ingest::IngestGrpcService::kName);
    absl::Status started = tls_host_.Start({.listen = "127.0.0.1:0",
                                            .tls_cert_file = certificate_.cert_file,
                                            .tls_key_file = certificate_.key_file});
    ASSERT_TRUE(started.ok()) << started;
    address_ = "127.0.0.1:" + std::to_string(tls_host_.port());
  }
  void TearDown() override {
    tls_host_.Shutdown(0ms);
    std::filesystem::remove_all(dir_);
    RoleMatrixTest::TearDown();
  }

  std::string dir_;
  testing::SelfSignedCertificate certificate_;
  server::GrpcHost tls_host_;
  std::string address_;
};

TEST_F(TlsTest, ServesOverTlsToAClientTrustingTheCertificateAndRefusesPlaintext) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = certificate_.cert_pem;
  auto secure = v1::IngestService::NewStub(grpc::CreateChannel(address_, grpc::SslCredentials(ssl)));
  v1::IngestStatus status;
  grpc::Status answered = secure->GetIngestStatus(auth_->Context(Role::kCouncil).get(), {}, &status);
  EXPECT_TRUE(answered.ok()) << answered.error_message();
  EXPECT_EQ(secure->GetIngestStatus(testing::ContextWithHeader(std::nullopt).get(), {}, &status).error_code(),
            grpc::UNAUTHENTICATED)
      << "TLS does not replace the token";
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(address_, grpc::SslCredentials(ssl)));
  grpc::health::v1::HealthCheckResponse serving;
  EXPECT_TRUE(health->Check(testing::ContextWithHeader(std::nullopt).get(), {}, &serving).ok());

  auto plaintext = v1::IngestService::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  grpc::Status refused = plaintext->GetIngestStatus(auth_->Context(Role::kCouncil, 2s).get(), {}, &status);
  EXPECT_EQ(refused.error_code(), grpc::UNAVAILABLE) << refused.error_message();

  // A client that does not trust the certificate (system roots only) is refused too.
  auto untrusting = v1::IngestService::NewStub(grpc::CreateChannel(address_, grpc::SslCredentials({})));
  EXPECT_EQ(untrusting->GetIngestStatus(auth_->Context(Role::kCouncil, 2s).get(), {}, &status).error_code(),
            grpc::UNAVAILABLE);
}

TEST(GrpcHostTlsTest, RefusesHalfATlsSetupAndUnreadableFiles) {
  server::GrpcHost host;
  absl::Status half = host.Start({.listen = "127.0.0.1:0", .tls_cert_file = "/etc/hostname"});
  EXPECT_EQ(half.code(), absl::StatusCode::kInvalidArgument) << half;
  absl::Status missing =
      host.Start({.listen = "127.0.0.1:0", .tls_cert_file = "/nonexistent.pem", .tls_key_file = "/nonexistent.key"});
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument) << missing;
  EXPECT_NE(missing.message().find("/nonexistent.pem"), absl::string_view::npos) << missing;
}

// ---- Configuration ------------------------------------------------------------------------------

TEST(AuthConfigTest, DefaultsAndTlsKeysComeInPairs) {
  auto defaults = LoadConfig({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->auth.cache_ttl, 10s);
  EXPECT_EQ(defaults->database.role, "curation_service");
  EXPECT_TRUE(defaults->server.tls_cert_file.empty() && defaults->server.tls_key_file.empty());

  auto half = LoadConfig({.overrides = {"server.tls_cert_file=/etc/hostname"}});
  EXPECT_EQ(half.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(half.status().message().find("server.tls_key_file"), absl::string_view::npos) << half.status();

  auto unreadable =
      LoadConfig({.overrides = {"server.tls_cert_file=/nonexistent.pem", "server.tls_key_file=/etc/hostname"}});
  EXPECT_EQ(unreadable.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unreadable.status().message().find("server.tls_cert_file"), absl::string_view::npos) << unreadable.status();

  auto both = LoadConfig({.environment = {{"CURATION_SERVER_TLS_CERT_FILE", "/etc/hostname"},
                                          {"CURATION_SERVER_TLS_KEY_FILE", "/etc/hostname"},
                                          {"CURATION_AUTH_CACHE_TTL", "0s"},
                                          {"CURATION_DATABASE_ROLE", ""}}});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->auth.cache_ttl, 0ms);
  EXPECT_EQ(both->database.role, "");
  EXPECT_EQ(LoadConfig({.overrides = {"auth.cache_ttl=soon"}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(DescribeConfig(*defaults).find("CURATION_AUTH_CACHE_TTL"), std::string::npos);
}

// ---- The services' database role ----------------------------------------------------------------

class ServiceRoleTest : public testing::DatabaseTest {
 protected:
  // A session in the services' role, as the pool hands them out.
  std::unique_ptr<pqxx::connection> ServiceConnection() {
    auto pool = db::Pool::Create({.url = url_, .size = 1, .role = kServiceRole});
    EXPECT_TRUE(pool.ok()) << pool.status();
    auto connection = (*pool)->Connect();
    EXPECT_TRUE(connection.ok()) << connection.status();
    return std::move(connection).value();
  }

  // The SQLSTATE `sql` fails with in its own transaction, or "" when it succeeds.
  static std::string StateOf(pqxx::connection& connection, const std::string& sql) {
    try {
      pqxx::work tx(connection);
      tx.exec(sql);
      tx.commit();
      return "";
    } catch (const pqxx::insufficient_privilege&) {
      return "42501";  // libpqxx 6 leaves sqlstate() empty on this one
    } catch (const pqxx::sql_error& e) {
      return e.sqlstate().empty() ? std::string("error: ") + e.what() : e.sqlstate();
    }
  }

  static constexpr char kInsertEntry[] =
      "INSERT INTO modlog.entries (kind, actor, actor_role, target_kind, target_id, justification, policy_codes,"
      " note, snapshot_title, snapshot_channel_id, snapshot_channel_title, snapshot_category_id,"
      " snapshot_category_name, snapshot_verdict, snapshot_verdict_summary, recorded_at, content_hash)"
      " VALUES ('approve', 'alice', 'curator', 'video', '1', 'fine', '{}', '', 't', '1', 'c', '', '', '', '',"
      " now(), sha256('x'::bytea)) RETURNING id";
};

TEST_F(ServiceRoleTest, PoolConnectionsRunAsTheConfiguredRole) {
  auto pool = db::Pool::Create({.url = url_, .size = 1, .role = kServiceRole});
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::string user;
  ASSERT_TRUE((*pool)
                  ->InTransaction([&](pqxx::work& tx) {
                    user = tx.exec1("SELECT current_user")[0].as<std::string>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(user, kServiceRole);
  auto session = ServiceConnection();  // Connect() sessions too
  pqxx::work tx(*session);
  EXPECT_EQ(tx.exec1("SELECT current_user")[0].as<std::string>(), kServiceRole);
  tx.abort();

  auto missing = db::Pool::Create({.url = url_, .size = 1, .role = "no_such_role"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition) << missing.status();
  EXPECT_NE(missing.status().message().find("database.role"), absl::string_view::npos) << missing.status();
  auto odd = db::Pool::Create({.url = url_, .size = 1, .role = "x'; DROP TABLE auth.principals; --"});
  EXPECT_FALSE(odd.ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'auth' AND tablename = 'principals'"), "1")
      << "the role name is quoted, never spliced";
}

TEST_F(ServiceRoleTest, MayOnlyInsertAndSelectOnTheModerationLog) {
  std::string owner_entry = Scalar(kInsertEntry);
  auto connection = ServiceConnection();
  EXPECT_EQ(StateOf(*connection, kInsertEntry), "");
  EXPECT_EQ(StateOf(*connection, "SELECT count(*) FROM modlog.entries"), "");
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "2");
  constexpr char kDenied[] = "42501";  // insufficient_privilege: refused before any trigger runs
  EXPECT_EQ(StateOf(*connection, "UPDATE modlog.entries SET justification = 'edited' WHERE id = " + owner_entry),
            kDenied);
  EXPECT_EQ(StateOf(*connection, "DELETE FROM modlog.entries WHERE id = " + owner_entry), kDenied);
  EXPECT_EQ(StateOf(*connection, "TRUNCATE modlog.entries"), kDenied);
  EXPECT_EQ(StateOf(*connection, "UPDATE modlog.chain SET chain_hash = chain_hash"), kDenied);
  EXPECT_EQ(Scalar("SELECT justification FROM modlog.entries WHERE id = " + owner_entry), "fine");
  // Principals are read, never written, by the services.
  EXPECT_EQ(StateOf(*connection, "SELECT count(*) FROM auth.principals"), "");
  EXPECT_EQ(StateOf(*connection,
                    "INSERT INTO auth.principals (name, role, token_hash) VALUES ('mallory', 'lead', sha256('m'))"),
            kDenied);
  EXPECT_EQ(StateOf(*connection, "UPDATE auth.principals SET revoked_at = NULL"), kDenied);
}

// An external PostgreSQL: the login user is not a superuser, only CREATEROLE, and
// curation_service may already exist (made by another database's migrations). Migrating as
// that user must leave it able to switch to the role.
// TODO: enable once sql/0004_moderation.sql ends with `GRANT curation_service TO CURRENT_USER;`
// (checked by hand: with it, this passes; without it, SET ROLE is refused).
TEST_F(ServiceRoleTest, ANonSuperuserLoginCanSwitchToTheRoleAfterMigrating) {
  auto& environment = testing::PostgresEnvironment::Get();
  {
    pqxx::connection admin(environment.AdminUrl());
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE ROLE deployer LOGIN CREATEROLE");
    tx.exec0("CREATE DATABASE deployed OWNER deployer");
  }
  std::string url = environment.server().Url("deployed");
  url.replace(url.find("user=curation"), std::string("user=curation").size(), "user=deployer");
  auto migrated = db::Migrate(url, db::BundledMigrations());
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  auto pool = db::Pool::Create({.url = url, .size = 1, .role = kServiceRole});
  EXPECT_TRUE(pool.ok()) << pool.status();
}

}  // namespace
}  // namespace curation::auth
