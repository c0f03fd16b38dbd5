#pragma once
// Plain-text tables for people (curatorctl, `curationd principal list`): columns padded to
// the widest cell, counted in characters rather than bytes so UTF-8 titles line up.
// Header-only; stateless, so thread-safe.
//
// Usage:
//   PrintTable({{"NAME", "ROLE"}, {"alice", "curator"}}, std::cout);

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace curation {

/// Characters (UTF-8 code points) in `text`.
inline size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char ch : text) {
    width += (ch & 0xC0) != 0x80;
  }
  return width;
}

/// `text` on one line, cut to `width` characters (not bytes) with an ellipsis marking the cut.
inline std::string Fit(const std::string& text, size_t width) {
  std::string clean;
  for (char ch : text) {
    clean += (ch == '\n' || ch == '\t' || ch == '\r') ? ' ' : ch;
  }
  if (DisplayWidth(clean) <= width) {
    return clean;
  }
  std::string out;
  size_t seen = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    if ((static_cast<unsigned char>(clean[i]) & 0xC0) != 0x80 && ++seen > width - 1) {
      break;
    }
    out += clean[i];
  }
  return out + "…";
}

/// Writes `rows` (the first is usually the header) as columns two spaces apart.
inline void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - DisplayWidth(row[i]) + 2, ' ');
      }
    }
    out << line << "\n";
  }
}

}  // namespace curation
