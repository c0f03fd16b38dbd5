#include <curation/report/report_service.hpp>

#include <algorithm>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/time_format.hpp>

namespace curation::report {
namespace {

using namespace std::chrono_literals;

// What a file name says of a time: 20261121T000000Z.
std::string Compact(TimePoint time) {
  std::string iso = FormatIsoTime(time);  // 2026-11-21T00:00:00.000Z
  std::string compact;
  for (char ch : iso.substr(0, 19)) {
    if (ch != '-' && ch != ':') {
      compact += ch;
    }
  }
  return compact + "Z";
}

struct Rendering {
  const char* content_type;
  std::string (*render)(const Report&, const Links&);
};

Rendering RenderingOf(ReportFormat format) {
  switch (format) {
    case ReportFormat::kMarkdown:
      return {"text/markdown; charset=utf-8", RenderMarkdown};
    case ReportFormat::kCsv:
      return {"text/csv; charset=utf-8", RenderCsv};
    case ReportFormat::kJson:
      return {"application/json", RenderJson};
    case ReportFormat::kHtml:
      return {"text/html; charset=utf-8", RenderHtml};
  }
  return {"text/markdown; charset=utf-8", RenderMarkdown};
}

// "markdown, csv, json or html".
std::string FormatNames() {
  std::string names;
  const auto& formats = kReportFormats.entries();
  for (size_t i = 0; i < formats.size(); ++i) {
    absl::StrAppend(&names, i == 0 ? "" : i + 1 == formats.size() ? " or " : ", ", std::string(formats[i].db));
  }
  return names;
}

// About kChartSteps steps over the period, each a whole number of hours.
std::chrono::milliseconds ChartStep(const Period& period) {
  auto span = std::chrono::duration_cast<std::chrono::milliseconds>(period.to - period.from);
  auto hours = (span + 1h * ReportService::kChartSteps - 1ms) / (1h * ReportService::kChartSteps);
  return std::max<int64_t>(hours, 1) * std::chrono::milliseconds(1h);
}

}  // namespace

ReportService::ReportService(ReportStore& store, modlog::ModerationLogService& log, const Clock& clock,
                             ReportConfig config, Links links)
    : store_(store), log_(log), clock_(clock), config_(std::move(config)), links_(std::move(links)) {}

absl::StatusOr<Period> ReportService::PeriodOf(const ReportRequest& request) const {
  bool has_range = request.from || request.to;
  if (has_range == request.term.has_value()) {
    return absl::InvalidArgumentError("name the period by its start and end, or by council term number, not both");
  }
  if (request.term) {
    auto term = std::find_if(config_.terms.begin(), config_.terms.end(),
                             [&](const TermConfig& t) { return t.number == *request.term; });
    if (term == config_.terms.end()) {
      std::vector<std::string> known;
      for (const TermConfig& t : config_.terms) {
        known.push_back(absl::StrCat(t.number));
      }
      return absl::NotFoundError(absl::StrCat(
          "no council term ", *request.term, " in report.terms",
          known.empty() ? " (none configured)" : absl::StrCat(" (configured: ", absl::StrJoin(known, ", "), ")")));
    }
    return Checked(Period{.from = term->start, .to = term->end, .term = term->number});
  }
  if (!request.from || !request.to) {
    return absl::InvalidArgumentError("a period needs both its start and its end");
  }
  if (*request.to <= *request.from) {
    return absl::InvalidArgumentError("the period's end must come after its start");
  }
  return Checked(Period{.from = *request.from, .to = *request.to});
}

absl::StatusOr<Period> ReportService::Checked(Period period) {
  if (period.to - period.from > kMaxPeriod) {
    return absl::InvalidArgumentError("a report covers at most 400 days");
  }
  return period;
}

absl::StatusOr<Report> ReportService::Build(const Period& period, std::optional<TimePoint> deadline) {
  // What was sealed since the last verification; the whole chain, when a day has passed since it
  // was last recomputed.
  ASSIGN_OR_RETURN(modlog::VerifyReport verified, log_.Verify(modlog::VerifyScope::kSinceCheckpoint));
  return store_.Read(period, clock_.Now(), verified, ChartStep(period), deadline);
}

absl::StatusOr<RenderedReport> ReportService::Generate(const ReportRequest& request,
                                                       std::optional<TimePoint> deadline) {
  const std::optional<ReportFormat> format = kReportFormats.FromDb(request.format);
  if (!format) {
    return absl::InvalidArgumentError(absl::StrCat("format: '", request.format, "' is not ", FormatNames()));
  }
  ASSIGN_OR_RETURN(Period period, PeriodOf(request));
  ASSIGN_OR_RETURN(Report report, Build(period, deadline));
  const Rendering rendering = RenderingOf(*format);
  const std::string extension(kReportFormats.Human(*format));
  RenderedReport rendered{.content_type = rendering.content_type};
  rendered.file_name = period.term ? absl::StrCat("curation-report-term-", *period.term, ".", extension)
                                   : absl::StrCat("curation-report-", Compact(period.from), "-", Compact(period.to),
                                                  ".", extension);
  rendered.body = rendering.render(report, links_);
  rendered.report = std::move(report);
  return rendered;
}

}  // namespace curation::report
