#include <curation/report/report.hpp>

#include <algorithm>
#include <cmath>
#include <string_view>

#include <absl/strings/str_cat.h>

#include <curation/common/time_format.hpp>

#include "render_text.hpp"

namespace curation::report {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Nothing may load: no script, no external style, font or image, whatever the text holds.
constexpr char kHead[] = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td { overflow-wrap: anywhere; }
svg { max-width: 100%; height: auto; font-size: 11px; }
</style>
)";

// Text for an element or an attribute value: one line, the five characters HTML gives meaning escaped.
std::string HtmlText(std::string_view raw) {
  std::string out;
  for (char c : OneLine(raw)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string HtmlCell(const Cell& cell) {
  if (cell.url.empty() || !IsWebUrl(cell.url)) {
    return HtmlText(cell.text);
  }
  return absl::StrCat("<a href=\"", HtmlText(cell.url), "\" rel=\"noopener noreferrer\">", HtmlText(cell.text), "</a>");
}

std::string HtmlTable(const Block& table) {
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& column : table.columns) {
    absl::StrAppend(&out, "<th>", HtmlText(column), "</th>");
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const std::vector<Cell>& row : table.rows) {
    out += "<tr>";
    for (const Cell& cell : row) {
      absl::StrAppend(&out, "<td>", HtmlCell(cell), "</td>");
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

// The chart's frame, in SVG user units.
constexpr int kWidth = 960;
constexpr int kHeight = 340;
constexpr int kLeft = 70;
constexpr int kRight = kWidth - 90;
constexpr int kTop = 40;
constexpr int kBottom = kHeight - 50;
constexpr int kTicks = 6;
constexpr char kQueueColour[] = "#1f77b4";
constexpr char kMedianColour[] = "#d62728";

std::string Number(double value) { return absl::StrCat(std::lround(value)); }

std::string Text(double x, double y, const char* anchor, std::string_view text) {
  return absl::StrCat("<text x=\"", Number(x), "\" y=\"", Number(y), "\" text-anchor=\"", anchor, "\">", HtmlText(text),
                      "</text>\n");
}

std::string Line(double x1, double y1, double x2, double y2, const char* colour) {
  return absl::StrCat("<line x1=\"", Number(x1), "\" y1=\"", Number(y1), "\" x2=\"", Number(x2), "\" y2=\"", Number(y2),
                      "\" stroke=\"", colour, "\"/>\n");
}

// Each point is drawn as a dot too, so a lone one (a run of one step) still shows.
std::string Dot(double x, double y, const char* colour) {
  return absl::StrCat("<circle r=\"2.5\" fill=\"", colour, "\" cx=\"", Number(x), "\" cy=\"", Number(y), "\"/>\n");
}

std::string Polyline(const std::vector<std::pair<double, double>>& points, const char* colour) {
  std::string coordinates;
  for (const auto& [x, y] : points) {
    absl::StrAppend(&coordinates, coordinates.empty() ? "" : " ", Number(x), ",", Number(y));
  }
  return absl::StrCat("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"", colour, "\" points=\"", coordinates,
                      "\"/>\n");
}

// Queue depth (left scale) and median time to decision (right scale) per step over the
// period. A step without decisions has no median: the median line breaks there.
std::string Chart(const Report& report) {
  const std::vector<ChartPoint>& points = report.chart;
  const bool active = std::any_of(points.begin(), points.end(),
                                  [](const ChartPoint& point) { return point.queue_depth > 0 || point.decided > 0; });
  if (!active) {
    return "<p>No activity in the period: the review queue stayed empty and nothing was decided.</p>\n";
  }
  int64_t max_depth = 1;
  milliseconds max_median{0};
  for (const ChartPoint& point : points) {
    max_depth = std::max(max_depth, point.queue_depth);
    max_median = std::max(max_median, point.median_time_to_decision.value_or(milliseconds{0}));
  }
  max_median = std::max(max_median, milliseconds{60'000});  // a scale even when every median is instant

  const double period_ms =
      std::max<double>(1, duration_cast<milliseconds>(report.period.to - report.period.from).count());
  const auto x_of = [&](TimePoint at) {
    const double share = duration_cast<milliseconds>(at - report.period.from).count() / period_ms;
    return kLeft + (kRight - kLeft) * std::clamp(share, 0.0, 1.0);
  };
  const auto y_of = [](double value, double max) { return kBottom - (kBottom - kTop) * value / max; };

  std::string svg = absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", kWidth, " ", kHeight,
                                 "\" role=\"img\" aria-label=\"Queue depth and median time to decision\">\n");
  svg += Line(kLeft, kBottom, kRight, kBottom, "#888");
  svg += Line(kLeft, kTop, kLeft, kBottom, kQueueColour);
  svg += Line(kRight, kTop, kRight, kBottom, kMedianColour);
  for (int tick = 0; tick <= kTicks; ++tick) {
    const TimePoint at = report.period.from + (report.period.to - report.period.from) * tick / kTicks;
    const double x = x_of(at);
    svg += Line(x, kBottom, x, kBottom + 5, "#888");
    svg += Text(x, kBottom + 18, "middle", UtcDateTime(at).substr(5, 11));  // "03-01 14:00"
  }
  for (int64_t depth : {int64_t{0}, max_depth / 2, max_depth}) {
    svg += Text(kLeft - 6, y_of(depth, max_depth) + 4, "end", absl::StrCat(depth));
  }
  for (milliseconds median : {milliseconds{0}, max_median / 2, max_median}) {
    svg += Text(kRight + 6, y_of(median.count(), max_median.count()) + 4, "start", HumanDuration(median));
  }
  svg += Text((kLeft + kRight) / 2, kHeight - 8, "middle",
              absl::StrCat("time (UTC), one point per ", HumanDuration(report.chart_step)));

  std::vector<std::pair<double, double>> queue;
  std::vector<std::vector<std::pair<double, double>>> median_runs(1);
  for (const ChartPoint& point : points) {
    const double x = x_of(point.at);
    const double queue_y = y_of(point.queue_depth, max_depth);
    queue.emplace_back(x, queue_y);
    svg += Dot(x, queue_y, kQueueColour);
    if (!point.median_time_to_decision) {
      median_runs.emplace_back();
      continue;
    }
    const double y = y_of(point.median_time_to_decision->count(), max_median.count());
    median_runs.back().emplace_back(x, y);
    svg += Dot(x, y, kMedianColour);
  }
  svg += Polyline(queue, kQueueColour);
  for (const auto& run : median_runs) {
    if (run.size() > 1) {
      svg += Polyline(run, kMedianColour);
    }
  }
  // The legend, above the plot.
  svg += Line(kLeft, 16, kLeft + 24, 16, kQueueColour);
  svg += Text(kLeft + 30, 20, "start", "queue depth at the end of each step (left scale)");
  svg += Line(kLeft + 400, 16, kLeft + 424, 16, kMedianColour);
  svg += Text(kLeft + 430, 20, "start", "median time from upload to decision in each step (right scale)");
  return svg + "</svg>\n";
}

}  // namespace

std::string RenderHtml(const Report& report, const Links& links) {
  const std::vector<Block> blocks = LayOut(report, links);
  // The first block is the report's title.
  std::string out = absl::StrCat(kHead, "<title>", HtmlText(blocks.front().text), "</title>\n</head>\n<body>\n");
  for (const Block& block : blocks) {
    switch (block.kind) {
      case Block::Kind::kHeading:
        absl::StrAppend(&out, "<h", block.level, ">", HtmlText(block.text), "</h", block.level, ">\n");
        break;
      case Block::Kind::kParagraph:
        absl::StrAppend(&out, "<p>", HtmlText(block.text), "</p>\n");
        break;
      case Block::Kind::kTable:
        out += HtmlTable(block);
        break;
      case Block::Kind::kChart:
        absl::StrAppend(&out, "<h3>Queue and time to decision</h3>\n", Chart(report));
        break;
    }
  }
  return out + "</body>\n</html>\n";
}

}  // namespace curation::report
