#include <curation/report/report_grpc_service.hpp>

#include <absl/strings/str_cat.h>

#include <curation/report/vocabulary.hpp>

namespace curation::report {
namespace {

using auth::Role;

// The report is the council's, and the lead's who answers for the group; tools read it too.
constexpr auth::RoleSet kReaders = {Role::kCouncil, Role::kLead, Role::kService};

absl::StatusOr<ReportRequest> FromProto(const v1::GetReportRequest& in) {
  ReportRequest request;
  switch (in.period_case()) {
    case v1::GetReportRequest::kRange: {
      if (!in.range().has_start_time() || !in.range().has_end_time()) {
        return absl::InvalidArgumentError("range: needs start_time and end_time");
      }
      ASSIGN_OR_RETURN(request.from, server::FromTimestamp(in.range().start_time(), "range.start_time"));
      ASSIGN_OR_RETURN(request.to, server::FromTimestamp(in.range().end_time(), "range.end_time"));
      break;
    }
    case v1::GetReportRequest::kTerm:
      request.term = in.term();
      break;
    case v1::GetReportRequest::PERIOD_NOT_SET:
      return absl::InvalidArgumentError("period: give a range or a council term");
  }
  if (in.format() == v1::REPORT_FORMAT_UNSPECIFIED) {
    request.format = kReportFormats.Db(ReportFormat::kMarkdown);
  } else if (auto name = kReportFormats.DbFromProto(in.format())) {
    request.format = *name;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("format: unknown value ", in.format()));
  }
  return request;
}

void SummaryToProto(const Report& report, v1::ReportSummary* out) {
  out->set_late_videos(static_cast<int64_t>(report.late_videos.size()));
  out->set_open_past_due(static_cast<int64_t>(report.open_past_due.size()));
  out->set_unjustified_chain_actions(static_cast<int64_t>(report.unjustified.size()));
  out->set_challenged_not_reverted(report.ChallengedNotReverted());
  out->set_log_intact(report.log.intact);
  out->set_log_gaps(report.log.unsealed + report.log.unreconciled);
  out->set_incidents_not_fixed_in_time(report.IncidentsNotFixedInTime());
  out->set_actions(static_cast<int64_t>(report.actions.size()));
  out->set_uploads(report.uploads);
  for (int64_t count : report.ErrorCounts()) {
    out->add_error_counts(count);
  }
  out->set_chain_events_behind(report.ChainEventsBehind());
}

}  // namespace

grpc::Status ReportGrpcService::GetReport(grpc::ServerContext* context, const v1::GetReportRequest* request,
                                          v1::Report* response) {
  return server::Serve(env_, "GetReport", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(ReportRequest wanted, FromProto(*request));
    ASSIGN_OR_RETURN(RenderedReport rendered, logic_.Generate(wanted, server::DeadlineOf(*context)));
    const Period& period = rendered.report.period;
    *response->mutable_start_time() = server::ToTimestamp(period.from);
    *response->mutable_end_time() = server::ToTimestamp(period.to);
    response->set_term(period.term.value_or(0));
    response->set_format(kReportFormats.ProtoFromDb(wanted.format));
    response->set_content_type(rendered.content_type);
    response->set_file_name(rendered.file_name);
    response->set_body(std::move(rendered.body));
    SummaryToProto(rendered.report, response->mutable_summary());
    *response->mutable_generate_time() = server::ToTimestamp(rendered.report.generated_at);
    return absl::OkStatus();
  });
}

grpc::Status ReportGrpcService::ListTerms(grpc::ServerContext* context, const v1::ListTermsRequest*,
                                          v1::ListTermsResponse* response) {
  return server::Serve(env_, "ListTerms", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    for (const TermConfig& term : logic_.Terms()) {
      v1::Term* out = response->add_terms();
      out->set_number(term.number);
      *out->mutable_start_time() = server::ToTimestamp(term.start);
      *out->mutable_end_time() = server::ToTimestamp(term.end);
    }
    return absl::OkStatus();
  });
}

}  // namespace curation::report
