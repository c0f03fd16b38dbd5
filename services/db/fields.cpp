#include <curation/db/fields.hpp>

namespace curation::db {

std::vector<std::string> ReadTextArray(const pqxx::field& field) {
  std::vector<std::string> values;
  auto parser = field.as_array();
  for (auto [juncture, value] = parser.get_next(); juncture != pqxx::array_parser::juncture::done;
       std::tie(juncture, value) = parser.get_next()) {
    if (juncture == pqxx::array_parser::juncture::string_value) {
      values.push_back(value);
    }
  }
  return values;
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (const std::string& value : values) {
    if (literal.size() > 1) {
      literal += ',';
    }
    literal += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') {
        literal += '\\';
      }
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

pqxx::result ExecWithParameters(pqxx::transaction_base& tx, const std::string& statement,
                                const std::vector<std::optional<std::string>>& parameters) {
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& parameter : parameters) {
    values.push_back(parameter ? parameter->c_str() : nullptr);
  }
  return tx.exec_prepared(statement, pqxx::prepare::make_dynamic_params(values));
}

std::string TimeParam(int param) { return "to_timestamp($" + std::to_string(param) + "::double precision / 1000)"; }

std::string MillisOf(const std::string& column) { return "(extract(epoch FROM " + column + ") * 1000)::bigint"; }

int64_t ToMillis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint FromMillis(int64_t millis) { return TimePoint(std::chrono::milliseconds(millis)); }

std::optional<TimePoint> OptionalMillis(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : std::optional<TimePoint>(FromMillis(field.as<int64_t>()));
}

}  // namespace curation::db
