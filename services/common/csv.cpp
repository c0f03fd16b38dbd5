#include <curation/common/csv.hpp>

namespace curation {

std::string CsvRecord(const std::vector<std::string>& cells, char separator) {
  const char specials[] = {separator, '"', '\r', '\n', '\0'};
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string& cell = cells[i];
    if (i > 0) {
      line += separator;
    }
    if (cell.find_first_of(specials) == std::string::npos) {
      line += cell;
      continue;
    }
    line += '"';
    for (char ch : cell) {
      line += ch;
      if (ch == '"') {
        line += '"';
      }
    }
    line += '"';
  }
  return line + "\r\n";
}

}  // namespace curation
