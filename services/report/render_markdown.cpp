#include <curation/report/report.hpp>

#include <string_view>

#include <absl/strings/str_cat.h>

#include "render_text.hpp"

namespace curation::report {
namespace {

constexpr char kZeroWidthSpace[] = "\xE2\x80\x8B";

// Untrusted text shown literally in a Discourse post: one line, every character that could end
// a table cell or start markup backslash-escaped (CommonMark lets any ASCII punctuation be), and
// a zero-width space after '@' so that no title can mention (notify) forum users, whatever
// Discourse makes of an escaped '@'. A '#' matters only where a heading or a Discourse hashtag
// could start, so "curation-log#12" stays as curators type it.
std::string MarkdownText(std::string_view raw) {
  static constexpr std::string_view kMarkup = "\\`*_~[]<>&|";
  std::string out;
  for (char c : OneLine(raw)) {
    if (kMarkup.find(c) != std::string_view::npos || (c == '#' && (out.empty() || out.back() == ' '))) {
      out += '\\';
    }
    out += c;
    if (c == '@') {
      out += kZeroWidthSpace;
    }
  }
  return out;
}

std::string MarkdownCell(const Cell& cell) {
  if (cell.url.empty() || !IsWebUrl(cell.url)) {
    return MarkdownText(cell.text);
  }
  return absl::StrCat("[", MarkdownText(cell.text), "](", cell.url, ")");
}

std::string MarkdownRow(const std::vector<std::string>& cells) {
  std::string row = "|";
  for (const std::string& cell : cells) {
    absl::StrAppend(&row, " ", cell, " |");
  }
  return row + "\n";
}

std::string MarkdownTable(const Block& table) {
  std::vector<std::string> header;
  std::vector<std::string> rule;
  for (const std::string& column : table.columns) {
    header.push_back(MarkdownText(column));
    rule.push_back("---");
  }
  std::string out = MarkdownRow(header) + MarkdownRow(rule);
  for (const std::vector<Cell>& row : table.rows) {
    std::vector<std::string> cells;
    for (const Cell& cell : row) {
      cells.push_back(MarkdownCell(cell));
    }
    out += MarkdownRow(cells);
  }
  return out;
}

}  // namespace

std::string RenderMarkdown(const Report& report, const Links& links) {
  std::string out;
  for (const Block& block : LayOut(report, links)) {
    switch (block.kind) {
      case Block::Kind::kHeading:
        absl::StrAppend(&out, std::string(block.level, '#'), " ", MarkdownText(block.text), "\n\n");
        break;
      case Block::Kind::kParagraph:
        absl::StrAppend(&out, MarkdownText(block.text), "\n\n");
        break;
      case Block::Kind::kTable:
        absl::StrAppend(&out, MarkdownTable(block), "\n");
        break;
      case Block::Kind::kChart:
        break;  // a forum post cannot draw; the HTML form has the chart
    }
  }
  return out;
}

}  // namespace curation::report
