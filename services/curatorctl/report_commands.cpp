// curatorctl report ...: the council's term report (ReportService).
//   report --term 41 [--format md|csv|json|html] [--output FILE]   a council term from report.terms
//   report --day 2026-11-20 ...                                    one UTC day
//   report --from 2026-11-01 --to 2026-11-15T12:00:00Z ...         any period
//   report terms                                                   the terms curationd knows

#include <fstream>
#include <iostream>

#include <curation/common/time_format.hpp>
#include <curation/report/vocabulary.hpp>
#include <curation/v1/report.grpc.pb.h>

#include "commands.hpp"

namespace curation::ctl {
namespace {

namespace v1 = curation::v1;
using namespace std::chrono_literals;

// An RFC 3339 time, or a date standing for its midnight (UTC).
std::optional<TimePoint> ParseTimeOrDate(const std::string& text) {
  if (text.size() == 10) {
    return ParseIsoTime(text + "T00:00:00Z");
  }
  return ParseIsoTime(text);
}

const CLI::Validator& TimeOrDate() {
  static const CLI::Validator validator(
      [](std::string& text) {
        return ParseTimeOrDate(text) ? "" : "'" + text + "' is not a date (2026-11-20) or RFC 3339 time";
      },
      "DATE|TIME");
  return validator;
}

struct ReportFlags {
  std::string from;
  std::string to;
  std::string day;
  int64_t term = -1;
  std::string format{report::kReportFormats.Human(report::ReportFormat::kMarkdown)};
  std::string output;
};

// --format takes a format's file extension: md, csv, json, html.
std::vector<std::string> FormatWords() {
  std::vector<std::string> words;
  for (const auto& format : report::kReportFormats.entries()) {
    words.emplace_back(format.human);
  }
  return words;
}

// One line a council member can act on: the four errors, in the grading's words.
std::string SummaryText(const v1::Report& report) {
  const v1::ReportSummary& s = report.summary();
  std::string period = report.term() > 0 ? "term " + std::to_string(report.term())
                                         : TimeText(report.start_time()) + " to " + TimeText(report.end_time());
  return period + ": " + std::to_string(s.late_videos()) + " videos decided late or never (" +
         std::to_string(s.open_past_due()) + " still open past due), " + std::to_string(s.unjustified_chain_actions()) +
         " unjustified chain actions, " + std::to_string(s.challenged_not_reverted()) +
         " challenged censorships not reverted, log " + (s.log_intact() ? "intact" : "BROKEN") +
         (s.log_gaps() > 0 ? " with " + std::to_string(s.log_gaps()) + " gaps" : "") + ", " +
         std::to_string(s.incidents_not_fixed_in_time()) + " featured incidents not fixed within 1 h; " +
         std::to_string(s.actions()) + " actions, " + std::to_string(s.uploads()) + " uploads";
}

int Report(Options options, const ReportFlags& flags) {
  v1::GetReportRequest request;
  int forms = (flags.term >= 0) + !flags.day.empty() + (!flags.from.empty() || !flags.to.empty());
  if (forms != 1) {
    return UsageError("name the period with one of --term, --day, or --from and --to");
  }
  if (flags.term >= 0) {
    request.set_term(flags.term);
  } else if (!flags.day.empty()) {
    TimePoint day = *ParseTimeOrDate(flags.day);  // checked by TimeOrDate()
    *request.mutable_range()->mutable_start_time() = ToTimestamp(day);
    *request.mutable_range()->mutable_end_time() = ToTimestamp(day + 24h);
  } else {
    if (flags.from.empty() || flags.to.empty()) {
      return UsageError("--from and --to go together");
    }
    *request.mutable_range()->mutable_start_time() = ToTimestamp(*ParseTimeOrDate(flags.from));
    *request.mutable_range()->mutable_end_time() = ToTimestamp(*ParseTimeOrDate(flags.to));
  }
  const auto& formats = report::kReportFormats;
  request.set_format(formats.ToProto(*formats.FromHuman(flags.format)));  // CLI11 checked the word
  options.timeout_seconds = std::max(options.timeout_seconds, 600);  // verifying a long log takes a while
  auto stub = v1::ReportService::NewStub(Channel(options));
  v1::Report report;
  grpc::Status status = stub->GetReport(Context(options).get(), request, &report);
  if (!status.ok()) {
    return Failed(options, status);
  }
  if (flags.output.empty()) {
    std::cout << report.body() << std::flush;
    return std::cout ? 0 : UsageError("could not write the report to standard output");
  }
  std::ofstream file(flags.output, std::ios::binary | std::ios::trunc);
  file << report.body();
  file.close();
  if (!file) {
    return UsageError("could not write the report to " + flags.output);
  }
  std::cerr << "wrote " << flags.output << " (" << report.body().size() << " bytes). " << SummaryText(report) << "\n";
  return 0;
}

int Terms(const Options& options) {
  auto stub = v1::ReportService::NewStub(Channel(options));
  v1::ListTermsResponse terms;
  if (auto done = Ask(options, [&](auto* c) { return stub->ListTerms(c, {}, &terms); }, terms)) {
    return *done;
  }
  if (terms.terms().empty()) {
    std::cout << "no council terms configured (report.terms in curationd's config file)\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"TERM", "START", "END"}};
  for (const v1::Term& term : terms.terms()) {
    rows.push_back({std::to_string(term.number()), TimeText(term.start_time()), TimeText(term.end_time())});
  }
  PrintTable(rows);
  return 0;
}

}  // namespace

void AddReportCommands(CLI::App& app, Runner& run) {
  auto flags = std::make_shared<ReportFlags>();
  auto* report = app.add_subcommand("report", "the council's report for a term, a day or any period");
  report->add_option("--term", flags->term, "a council term number (see `curatorctl report terms`)")
      ->check(CLI::NonNegativeNumber);
  report->add_option("--day", flags->day, "one UTC day: 2026-11-20")->check(TimeOrDate());
  report->add_option("--from", flags->from, "start (inclusive): a date or an RFC 3339 time")->check(TimeOrDate());
  report->add_option("--to", flags->to, "end (exclusive): a date or an RFC 3339 time")->check(TimeOrDate());
  report->add_option("--format", flags->format, "md (a forum post), csv (the curators' log columns), json or html")
      ->check(CLI::IsMember(FormatWords()));
  report->add_option("--output,-o", flags->output, "write to this file instead of standard output");
  auto* terms = report->add_subcommand("terms", "the council terms curationd knows");
  terms->callback([&run] { run = Terms; });
  report->callback([&run, flags, terms] {
    if (!terms->parsed()) {
      run = [flags](const Options& options) { return Report(options, *flags); };
    }
  });
}

}  // namespace curation::ctl
