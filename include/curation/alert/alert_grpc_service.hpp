#pragma once
// The gRPC face of AlertService: converts messages and statuses, and says which roles may call
// what; nothing more.

#include <curation/alert/alert_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/alert.grpc.pb.h>

namespace curation::alert {

class AlertGrpcService final : public v1::AlertService::Service {
 public:
  static constexpr char kName[] = "curation.v1.AlertService";

  AlertGrpcService(AlertService& logic, server::RpcEnv& env) : logic_(logic), env_(env) {}

  grpc::Status ListIncidents(grpc::ServerContext* context, const v1::ListIncidentsRequest* request,
                             v1::ListIncidentsResponse* response) override;
  grpc::Status GetIncident(grpc::ServerContext* context, const v1::GetIncidentRequest* request,
                           v1::Incident* response) override;
  grpc::Status AcknowledgeIncident(grpc::ServerContext* context, const v1::AcknowledgeIncidentRequest* request,
                                   v1::Incident* response) override;
  grpc::Status ResolveIncident(grpc::ServerContext* context, const v1::ResolveIncidentRequest* request,
                               v1::Incident* response) override;
  grpc::Status ListSlots(grpc::ServerContext* context, const v1::ListSlotsRequest* request,
                         v1::ListSlotsResponse* response) override;
  grpc::Status SilenceSlot(grpc::ServerContext* context, const v1::SilenceSlotRequest* request,
                           v1::Silence* response) override;
  grpc::Status SendTestNotification(grpc::ServerContext* context, const v1::SendTestNotificationRequest* request,
                                    v1::Notification* response) override;

 private:
  AlertService& logic_;
  server::RpcEnv& env_;
};

}  // namespace curation::alert
