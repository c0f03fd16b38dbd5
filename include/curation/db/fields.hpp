#pragma once
// Reading libpqxx 6 fields and writing array parameters, the same way in every store.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include <curation/common/clock.hpp>

namespace curation::db {

/// Times cross the wire as epoch milliseconds: SQL for a timestamptz parameter so given, for a
/// column read back so, and the conversions.
std::string TimeParam(int param);
std::string MillisOf(const std::string& column);
int64_t ToMillis(TimePoint time);
TimePoint FromMillis(int64_t millis);
std::optional<TimePoint> OptionalMillis(const pqxx::field& field);

/// A NULL field as nullopt (libpqxx 6 has no optional conversion of its own).
template <typename T>
std::optional<T> Nullable(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : std::optional<T>(field.as<T>());
}

/// The value a text field spells in a fixed set's table (common/vocabulary.hpp); a conversion
/// error (INTERNAL) for text the table does not hold, which the column's CHECK rules out.
template <typename Table>
auto ValueOf(const Table& table, const pqxx::field& field) {
  std::string text = field.as<std::string>();
  if (auto value = table.FromDb(text)) {
    return *value;
  }
  throw pqxx::conversion_error(std::string("column ") + field.name() + " holds '" + text +
                               "', which is not one of its values");
}

/// The elements of a text[] field.
std::vector<std::string> ReadTextArray(const pqxx::field& field);

/// A text[] literal for a parameter, every element quoted, so any text round-trips.
std::string TextArrayLiteral(const std::vector<std::string>& values);

/// Runs a prepared statement with a list of parameters built at run time (nullopt is NULL).
pqxx::result ExecWithParameters(pqxx::transaction_base& tx, const std::string& statement,
                                const std::vector<std::optional<std::string>>& parameters);

}  // namespace curation::db
