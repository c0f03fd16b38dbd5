#include <curation/server/grpc_host.hpp>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

namespace curation::server {

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
  // Both are process-wide switches that must be set before a builder exists.
  grpc::EnableDefaultHealthCheckService(true);
  if (options.reflection) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("curation");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port_);
  for (auto& [service, name] : services_) {
    builder.RegisterService(service);
  }
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return absl::UnavailableError("cannot listen for gRPC on " + options.listen);
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
