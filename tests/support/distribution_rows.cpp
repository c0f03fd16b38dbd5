#include <distribution_rows.hpp>

namespace curation::testing {
namespace {

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') {
      quoted += '\'';
    }
  }
  return quoted + "'";
}

}  // namespace

std::string ServeBagSql(const std::string& bag_id, const std::vector<std::string>& endpoints) {
  std::string sql =
      "DELETE FROM ingest.distribution_operators WHERE bucket_id = '0:0';"
      " INSERT INTO ingest.distribution_buckets (id, family_id, bucket_index, distributing, accepting_new_bags,"
      " created_at, updated_at) VALUES ('0:0', '0', 0, true, true, now(), now()) ON CONFLICT (id) DO NOTHING;"
      " INSERT INTO ingest.storage_bags (id, distribution_bucket_ids, created_at, updated_at) VALUES (" +
      Quote(bag_id) +
      ", '{0:0}', now(), now()) ON CONFLICT (id) DO UPDATE SET distribution_bucket_ids = EXCLUDED.distribution_bucket_ids;";
  for (size_t i = 0; i < endpoints.size(); ++i) {
    sql += " INSERT INTO ingest.distribution_operators (id, bucket_id, worker_id, status, node_endpoint, created_at,"
           " updated_at) VALUES ('0:0-" + std::to_string(i) + "', '0:0', " + std::to_string(i) + ", 'active', " +
           Quote(endpoints[i]) + ", now(), now());";
  }
  return sql + " SELECT 1";
}

}  // namespace curation::testing
