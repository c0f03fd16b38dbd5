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

#include <curation/common/text.hpp>

namespace curation {

/// `text` on one line (OneLine: no control or bidi character reaches the terminal), cut to
/// `width` characters (not bytes) with an ellipsis marking the cut.
inline std::string Fit(const std::string& text, size_t width) {
  return Clip(OneLine(text), width, TextMeasure::kCodePoints);
}

/// Writes `rows` (the first is usually the header) as columns two spaces apart.
inline void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Utf8Length(row[i]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - Utf8Length(row[i]) + 2, ' ');
      }
    }
    out << line << "\n";
  }
}

}  // namespace curation
