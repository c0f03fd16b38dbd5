#include <curation/db/copy_connection.hpp>

#include <endian.h>
#include <libpq-fe.h>

#include <cstring>
#include <type_traits>

#include <absl/cleanup/cleanup.h>
#include <absl/strings/str_cat.h>

namespace curation::db {
namespace {

// What every binary COPY starts with: a signature, flags and the length of a header extension.
constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
// timestamptz counts microseconds from 2000-01-01, the Unix epoch's 946,684,800 s later.
constexpr int64_t kPostgresEpochMicros = 946'684'800'000'000;

uint16_t FromBigEndian(uint16_t value) { return be16toh(value); }
uint32_t FromBigEndian(uint32_t value) { return be32toh(value); }
uint64_t FromBigEndian(uint64_t value) { return be64toh(value); }

// Big-endian reads from the front of `bytes`, which they consume; false when too short.
template <typename T>
bool TakeBigEndian(std::string_view& bytes, T& value) {
  if (bytes.size() < sizeof(T)) {
    return false;
  }
  std::make_unsigned_t<T> raw;
  std::memcpy(&raw, bytes.data(), sizeof raw);
  value = static_cast<T>(FromBigEndian(raw));
  bytes.remove_prefix(sizeof(T));
  return true;
}

absl::Status Malformed(const std::string& what) {
  return absl::InternalError(absl::StrCat("binary COPY data is malformed: ", what));
}

// Consumes the header from the first message of a copy.
absl::Status TakeHeader(std::string_view& data) {
  if (!data.starts_with(kSignature)) {
    return Malformed("no PGCOPY signature");
  }
  data.remove_prefix(kSignature.size());
  int32_t flags = 0, extension = 0;
  if (!TakeBigEndian(data, flags) || !TakeBigEndian(data, extension) || extension < 0 ||
      data.size() < static_cast<size_t>(extension)) {
    return Malformed("short header");
  }
  data.remove_prefix(static_cast<size_t>(extension));
  return absl::OkStatus();
}

// Reads the rows in one message into `row`, calling `each` for every one; `done` is set at the
// trailer.
absl::Status TakeRows(std::string_view data, CopyRow& row, bool& done,
                      const std::function<absl::Status(const CopyRow&)>& each) {
  while (!data.empty() && !done) {
    int16_t fields = 0;
    if (!TakeBigEndian(data, fields)) {
      return Malformed("short field count");
    }
    if (fields == -1) {
      done = true;
      break;
    }
    if (fields < 0) {
      return Malformed("negative field count");
    }
    row.clear();
    for (int16_t i = 0; i < fields; ++i) {
      int32_t size = 0;
      if (!TakeBigEndian(data, size) || size < -1 || (size >= 0 && data.size() < static_cast<size_t>(size))) {
        return Malformed("short field");
      }
      if (size == -1) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(data.substr(0, static_cast<size_t>(size)));
        data.remove_prefix(static_cast<size_t>(size));
      }
    }
    RETURN_IF_ERROR(each(row));
  }
  return absl::OkStatus();
}

absl::Status FieldSize(std::string_view field, size_t size, const char* type) {
  if (field.size() != size) {
    return absl::InternalError(absl::StrCat("a ", type, " field of ", field.size(), " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CopyConnection>> CopyConnection::Open(const PoolOptions& options) {
  pg_conn* raw = PQconnectdb(options.url.c_str());
  if (raw == nullptr) {
    return absl::ResourceExhaustedError("out of memory for a database connection");
  }
  std::unique_ptr<CopyConnection> connection(new CopyConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", PQerrorMessage(raw)));
  }
  if (!options.role.empty()) {
    RETURN_IF_ERROR(connection->Exec("SELECT set_config('role', $1, false)", {options.role}));
  }
  RETURN_IF_ERROR(connection->Exec("SELECT set_config('statement_timeout', $1, false)",
                                   {absl::StrCat(options.statement_timeout.count())}));
  return connection;
}

CopyConnection::~CopyConnection() { PQfinish(connection_); }

absl::Status CopyConnection::ErrorOf(const pg_result* result, const std::string& sql) {
  if (PQstatus(connection_) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("database connection lost: ", PQerrorMessage(connection_)));
  }
  // The pool's mapping of SQLSTATEs, so both kinds of connection report errors alike.
  return StatusFromException(
      pqxx::sql_error(PQresultErrorMessage(result), sql, PQresultErrorField(result, PG_DIAG_SQLSTATE)));
}

absl::Status CopyConnection::Exec(const std::string& sql, const std::vector<std::string>& parameters) {
  std::vector<const char*> values;
  for (const std::string& parameter : parameters) {
    values.push_back(parameter.c_str());
  }
  PGresult* result = PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                  nullptr, nullptr, 0);
  absl::Cleanup clear = [result] { PQclear(result); };
  ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return absl::OkStatus();
  }
  return ErrorOf(result, sql);
}

absl::Status CopyConnection::CopyOut(const std::string& query, const std::vector<std::string>& parameters,
                                     const std::function<absl::Status(const CopyRow&)>& row) {
  if (!parameters.empty()) {
    std::string settings = "SELECT ";
    for (size_t i = 1; i <= parameters.size(); ++i) {
      absl::StrAppend(&settings, i > 1 ? ", " : "", "set_config('curation.copy_", i, "', $", i, ", false)");
    }
    RETURN_IF_ERROR(Exec(settings, parameters));
  }
  std::string copy = absl::StrCat("COPY (", query, ") TO STDOUT (FORMAT binary)");
  PGresult* started = PQexec(connection_, copy.c_str());
  ExecStatusType status = PQresultStatus(started);
  if (status != PGRES_COPY_OUT) {
    absl::Cleanup clear = [started] { PQclear(started); };
    return ErrorOf(started, copy);
  }
  PQclear(started);

  absl::Status outcome;
  bool header = false, done = false, cancelled = false;
  CopyRow fields;
  while (true) {
    char* buffer = nullptr;
    int size = PQgetCopyData(connection_, &buffer, 0);
    if (size < 0) {
      break;  // -1: the copy is over; -2: an error, which the result below carries
    }
    absl::Cleanup free_buffer = [buffer] { PQfreemem(buffer); };
    if (cancelled || !outcome.ok()) {
      continue;  // draining what was sent before the server saw the cancel
    }
    std::string_view data(buffer, static_cast<size_t>(size));
    if (!header) {
      outcome = TakeHeader(data);
      header = outcome.ok();
    }
    if (outcome.ok()) {
      outcome = TakeRows(data, fields, done, row);
    }
    if (!outcome.ok()) {
      // Stop the server rather than read the rest.
      char message[256];
      PGcancel* cancel = PQgetCancel(connection_);
      cancelled = cancel != nullptr && PQcancel(cancel, message, sizeof message) == 1;
      PQfreeCancel(cancel);
    }
  }
  absl::Status finished;
  while (PGresult* result = PQgetResult(connection_)) {
    absl::Cleanup clear = [result] { PQclear(result); };
    if (PQresultStatus(result) != PGRES_COMMAND_OK && finished.ok()) {
      finished = ErrorOf(result, copy);
    }
  }
  RETURN_IF_ERROR(outcome);  // before the copy's own end, which a cancel turns into an error
  RETURN_IF_ERROR(finished);
  if (!done) {
    return Malformed("no trailer");
  }
  return absl::OkStatus();
}

std::string CopyParameter(int index) { return absl::StrCat("current_setting('curation.copy_", index, "')"); }

absl::StatusOr<int64_t> BinaryInt64(std::string_view field) {
  RETURN_IF_ERROR(FieldSize(field, 8, "bigint"));
  int64_t value = 0;
  TakeBigEndian(field, value);
  return value;
}

absl::StatusOr<bool> BinaryBool(std::string_view field) {
  RETURN_IF_ERROR(FieldSize(field, 1, "boolean"));
  return field[0] != 0;
}

absl::StatusOr<int64_t> BinaryTimestampMicros(std::string_view field) {
  RETURN_IF_ERROR(FieldSize(field, 8, "timestamptz"));
  int64_t micros = 0;
  TakeBigEndian(field, micros);
  if (__builtin_add_overflow(micros, kPostgresEpochMicros, &micros)) {
    return absl::InternalError("a timestamptz out of range");  // infinity
  }
  return micros;
}

absl::StatusOr<std::vector<std::string>> BinaryTextArray(std::string_view field) {
  // Dimensions, a has-NULLs flag, the element type; per dimension its length and lower bound;
  // then each element as a length (-1 for NULL) and bytes.
  int32_t dimensions = 0, has_nulls = 0, element_type = 0;
  if (!TakeBigEndian(field, dimensions) || !TakeBigEndian(field, has_nulls) || !TakeBigEndian(field, element_type) ||
      dimensions < 0) {
    return absl::InternalError("a short array");
  }
  int64_t elements = dimensions > 0 ? 1 : 0;
  for (int32_t i = 0; i < dimensions; ++i) {
    int32_t length = 0, lower_bound = 0;
    if (!TakeBigEndian(field, length) || !TakeBigEndian(field, lower_bound) || length < 0) {
      return absl::InternalError("a short array");
    }
    elements *= length;
    if (elements > static_cast<int64_t>(field.size())) {  // each element takes at least 4 bytes
      return absl::InternalError("an array longer than its data");
    }
  }
  std::vector<std::string> values;
  for (int64_t i = 0; i < elements; ++i) {
    int32_t size = 0;
    if (!TakeBigEndian(field, size) || size < -1 || (size >= 0 && field.size() < static_cast<size_t>(size))) {
      return absl::InternalError("a short array element");
    }
    if (size >= 0) {
      values.emplace_back(field.substr(0, static_cast<size_t>(size)));
      field.remove_prefix(static_cast<size_t>(size));
    }
  }
  return values;
}

}  // namespace curation::db
