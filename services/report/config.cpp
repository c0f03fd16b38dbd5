// report.* keys and the council terms: database-free, so tests and the config fuzz target link
// them alone.
#include <algorithm>
#include <charconv>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <yaml-cpp/yaml.h>

#include <curation/common/time_format.hpp>
#include <curation/report/module.hpp>

namespace curation::report {
namespace {

KeySpec ExplorerKey() {
  KeySpec spec = StringKey("report.explorer_url",
                           "block explorer link of an on-chain action; {block} and {extrinsic} are filled in",
                           SectionField(&ReportConfig::explorer_url));
  auto store = spec.set;
  spec.set = [store](Config& c, const std::string& v) {
    bool web = absl::StartsWith(v, "https://") || absl::StartsWith(v, "http://");
    if (!web || (!absl::StrContains(v, "{block}") && !absl::StrContains(v, "{extrinsic}"))) {
      return BadValue("report.explorer_url", v, "an http(s) URL template with {block} or {extrinsic}");
    }
    return store(c, v);
  };
  return spec;
}

// Council terms: numbered, each [start, end), none overlapping.
absl::Status ApplyTerms(Config& config, const YAML::Node& list, const std::string& path,
                        const std::map<std::string, std::string>&) {
  std::vector<TermConfig>& terms = config.Section<ReportConfig>().terms;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node record = list[i];
    std::string where = absl::StrCat("config key report.terms[", i, "] in ", path);
    if (!record.IsMap() || !record["number"] || !record["start"] || !record["end"] || record.size() != 3) {
      return absl::InvalidArgumentError(
          where + ": expected {number: 41, start: 2026-10-05T00:00:00Z, end: 2026-10-19T00:00:00Z}");
    }
    TermConfig term;
    std::string number = record["number"].as<std::string>();
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), term.number);
    if (error != std::errc() || end != number.data() + number.size() || term.number < 1) {
      return BadValue(where + " number", number, "a term number (1 or more)");
    }
    for (auto [field, time] : {std::pair{"start", &term.start}, std::pair{"end", &term.end}}) {
      std::string text = record[field].as<std::string>();
      auto parsed = ParseIsoTime(text);
      if (!parsed) {
        return BadValue(absl::StrCat(where, " ", field), text, "an RFC 3339 time such as 2026-10-05T00:00:00Z");
      }
      *time = *parsed;
    }
    if (term.end <= term.start) {
      return absl::InvalidArgumentError(where + ": end must come after start");
    }
    for (const TermConfig& other : terms) {
      if (other.number == term.number) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": term ", term.number, " is given twice"));
      }
      if (term.start < other.end && other.start < term.end) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": overlaps term ", other.number));
      }
    }
    terms.push_back(term);
  }
  std::sort(terms.begin(), terms.end(), [](const TermConfig& a, const TermConfig& b) { return a.start < b.start; });
  return absl::OkStatus();
}

std::string DescribeTerms(const Config& config) {
  std::string out = "report.terms (config file only; council terms a report may be asked for by number):\n";
  for (const TermConfig& term : config.Section<ReportConfig>().terms) {
    absl::StrAppend(&out, "  - term ", term.number, ": ", FormatIsoTime(term.start), " to ", FormatIsoTime(term.end),
                    "\n");
  }
  return out;
}

}  // namespace

const ConfigSection& Module::Section() {
  static const ConfigSection section{
      .keys =
          {
              ExplorerKey(),
              StringKey("report.network", "the network named in the Network column of CSV reports",
                        SectionField(&ReportConfig::network)),
          },
      .lists = {{.name = "report.terms", .apply = ApplyTerms, .describe = DescribeTerms}},
  };
  return section;
}

}  // namespace curation::report
