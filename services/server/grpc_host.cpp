#include <curation/server/grpc_host.hpp>

#include <fstream>
#include <iterator>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

namespace curation::server {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (!in.good() && !in.eof()) {
    return absl::InvalidArgumentError("cannot read the TLS " + std::string(what) + " " + path);
  }
  if (text.empty()) {
    return absl::InvalidArgumentError("the TLS " + std::string(what) + " " + path + " is missing or empty");
  }
  return text;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const HostOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate file and a key file");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(options.tls_cert_file, "certificate"));
  ASSIGN_OR_RETURN(pair.private_key, ReadPem(options.tls_key_file, "key"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

GrpcHost::GrpcHost() = default;

GrpcHost::~GrpcHost() {
  if (server_) {
    Shutdown(std::chrono::milliseconds(0));
  }
}

void GrpcHost::Register(grpc::Service* service, std::string full_name) {
  services_.emplace_back(service, std::move(full_name));
}

absl::Status GrpcHost::Start(const HostOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(options));
  // Both are process-wide switches that must be set before a builder exists.
  grpc::EnableDefaultHealthCheckService(true);
  if (options.reflection) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("curation");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  // gRPC keeps two idle polling threads by default and ends any other thread after its call,
  // so under steady load it created and destroyed a thread per call: keep them instead.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, options.max_threads);
  // gRPC binds with SO_REUSEPORT by default: a second curationd on the same address would start,
  // say "serving", and take half the calls. Without it the second one fails to listen.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen, credentials, &port_);
  for (auto& [service, name] : services_) {
    builder.RegisterService(service);
  }
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        "cannot listen for gRPC on " + options.listen +
        (options.tls_cert_file.empty() ? std::string()
                                       : " (or the TLS certificate and key do not load or do not match)"));
  }
  SetServing(true);
  return absl::OkStatus();
}

void GrpcHost::SetServing(bool serving) {
  if (!server_) {
    return;
  }
  auto* health = server_->GetHealthCheckService();
  for (auto& [service, name] : services_) {
    health->SetServingStatus(name, serving);
  }
  health->SetServingStatus(serving);
}

void GrpcHost::Shutdown(std::chrono::milliseconds grace) {
  if (!server_) {
    return;
  }
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

std::shared_ptr<grpc::Channel> GrpcHost::InProcessChannel() { return server_->InProcessChannel(grpc::ChannelArguments{}); }

}  // namespace curation::server
