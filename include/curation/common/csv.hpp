#pragma once
// CSV records (RFC 4180) with any separator: the log export's commas, the report's semicolons.

#include <string>
#include <vector>

namespace curation {

/// One record ending in CRLF: a field holding the separator, a quote or a line break is quoted,
/// its quotes doubled.
std::string CsvRecord(const std::vector<std::string>& cells, char separator = ',');

}  // namespace curation
