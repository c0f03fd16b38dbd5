#pragma once
// ReportService logic, free of gRPC: names the period (dates, or a council term from config),
// verifies the log, reads the report and renders it.

#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/report/config.hpp>
#include <curation/modlog/modlog_service.hpp>
#include <curation/report/report_store.hpp>
#include <curation/report/vocabulary.hpp>

namespace curation::report {

/// A period by its bounds or by council term number (one of the two), and a format by its
/// name (kReportFormats' stored text).
struct ReportRequest {
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::optional<int64_t> term;
  std::string format{kReportFormats.Db(ReportFormat::kMarkdown)};
};

struct RenderedReport {
  Report report;
  std::string content_type;
  std::string file_name;
  std::string body;
};

class ReportService {
 public:
  static constexpr std::chrono::hours kMaxPeriod{24 * 400};
  static constexpr int kChartSteps = 96;

  ReportService(ReportStore& store, modlog::ModerationLogService& log, const Clock& clock, ReportConfig config,
                Links links);

  /// INVALID_ARGUMENT for no period, both forms, an empty, reversed or too long one, or an
  /// unknown format; NOT_FOUND for a term not in config.
  absl::StatusOr<RenderedReport> Generate(const ReportRequest& request,
                                          std::optional<TimePoint> deadline = std::nullopt);
  /// The report itself, before rendering.
  absl::StatusOr<Report> Build(const Period& period, std::optional<TimePoint> deadline = std::nullopt);

  const std::vector<TermConfig>& Terms() const { return config_.terms; }

 private:
  absl::StatusOr<Period> PeriodOf(const ReportRequest& request) const;
  static absl::StatusOr<Period> Checked(Period period);

  ReportStore& store_;
  modlog::ModerationLogService& log_;
  const Clock& clock_;
  ReportConfig config_;
  Links links_;
};

}  // namespace curation::report
