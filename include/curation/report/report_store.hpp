#pragma once
// Reads what a report says about a period from the services' schemas: the moderation log,
// review items and decisions, ingest's videos and chain events, and alerting's incidents.
// It only reads; every number comes from one of those tables.

#include <optional>

#include <curation/db/pool.hpp>
#include <curation/modlog/log_store.hpp>
#include <curation/report/report.hpp>

namespace curation::report {

/// Thread-safe.
class ReportStore {
 public:
  explicit ReportStore(db::Pool& pool) : pool_(pool) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Everything but the rendering. `verified` is the log's verification just before; `now`
  /// decides which open incidents are already past their deadline. `chart_step` sets the
  /// chart's resolution.
  absl::StatusOr<Report> Read(const Period& period, TimePoint now, const modlog::VerifyReport& verified,
                              std::chrono::milliseconds chart_step,
                              std::optional<TimePoint> deadline = std::nullopt);

 private:
  db::Pool& pool_;
};

}  // namespace curation::report
