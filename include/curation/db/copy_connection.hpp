#pragma once
// Reading many rows fast: a plain libpq connection, outside the pool, that runs
// `COPY (query) TO STDOUT` in PostgreSQL's binary format and hands each row's fields over as
// they arrive, without turning every value into text on the server and back on the client.
// libpqxx 6 offers neither binary results nor COPY of a query; the moderation log's
// verification reads every entry this way.
//
//   ASSIGN_OR_RETURN(auto copy, db::CopyConnection::Open(pool.options()));
//   RETURN_IF_ERROR(copy->CopyOut("SELECT id FROM t WHERE id > " + db::CopyParameter(1) + "::bigint",
//                                 {"41"}, [&](const db::CopyRow& row) { ...; return absl::OkStatus(); }));

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curation/common/status.hpp>
#include <curation/db/pool.hpp>

struct pg_conn;
struct pg_result;

namespace curation::db {

/// One row of a binary COPY: each field in PostgreSQL's binary format (its "send" output), or
/// nullopt for NULL. The views are valid only during the callback that receives them.
using CopyRow = std::vector<std::optional<std::string_view>>;

/// A connection of its own, logged in and switched to the pool's role with the pool's
/// statement timeout, like the pool's. Not thread-safe: one per thread.
class CopyConnection {
 public:
  /// UNAVAILABLE when PostgreSQL cannot be reached.
  static absl::StatusOr<std::unique_ptr<CopyConnection>> Open(const PoolOptions& options);
  ~CopyConnection();
  CopyConnection(const CopyConnection&) = delete;
  CopyConnection& operator=(const CopyConnection&) = delete;

  /// Runs one statement (BEGIN, COMMIT, ...) with text parameters; any rows are dropped.
  absl::Status Exec(const std::string& sql, const std::vector<std::string>& parameters = {});

  /// Runs `COPY (query) TO STDOUT (FORMAT binary)` and calls `row` for each row, in order. A
  /// non-OK status from `row` cancels the copy and is returned. COPY takes no parameters, so the
  /// query reads `parameters` as CopyParameter(1), CopyParameter(2), ...: this session's
  /// settings, set to them first. INTERNAL when the data is not a binary COPY.
  absl::Status CopyOut(const std::string& query, const std::vector<std::string>& parameters,
                       const std::function<absl::Status(const CopyRow&)>& row);

 private:
  explicit CopyConnection(pg_conn* connection) : connection_(connection) {}
  // UNAVAILABLE when the connection is gone, else the status of the result's SQLSTATE.
  absl::Status ErrorOf(const pg_result* result, const std::string& sql);

  pg_conn* connection_;
};

/// SQL for parameter `index` (from 1) of a CopyOut query, as text: cast it where used, as in
/// `CopyParameter(1) + "::bigint"`.
std::string CopyParameter(int index);

/// Decoders of binary fields. Each checks the field's length, so a column whose type was
/// changed under the reader is an error, not a misread.
absl::StatusOr<int64_t> BinaryInt64(std::string_view field);
absl::StatusOr<bool> BinaryBool(std::string_view field);
/// A timestamptz, as microseconds since the Unix epoch.
absl::StatusOr<int64_t> BinaryTimestampMicros(std::string_view field);
/// The non-NULL elements of a text[] of any shape, in storage order (what ReadTextArray reads
/// from the text form).
absl::StatusOr<std::vector<std::string>> BinaryTextArray(std::string_view field);

}  // namespace curation::db
