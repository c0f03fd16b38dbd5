#include "bench_database.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <pqxx/pqxx>

#include <curation/db/migrations.hpp>

namespace curation::bench {

absl::StatusOr<std::unique_ptr<BenchDatabase>> BenchDatabase::Start() {
  std::string dir = "/tmp/curation-bench-" + std::to_string(getpid());
  auto server = db::EmbeddedPostgres::Start({.data_dir = dir, .database = "bench"});
  if (!server.ok()) {
    std::filesystem::remove_all(dir);
    return server.status();
  }
  std::unique_ptr<BenchDatabase> database(new BenchDatabase(dir, std::move(*server)));
  if (auto migrated = db::Migrate(database->Url(), db::BundledMigrations()); !migrated.ok()) {
    return migrated.status();
  }
  return database;
}

BenchDatabase::~BenchDatabase() {
  server_.reset();  // PostgreSQL stops before its folder goes
  std::filesystem::remove_all(dir_);
}

void Exec(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::work tx(connection);
  tx.exec(sql);
  tx.commit();
}

void SeedReviewQueue(const std::string& url, int64_t items, TimePoint now) {
  const std::string now_s =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  const std::string n = std::to_string(items);
  Exec(url,
       "INSERT INTO ingest.categories (id, name, created_at, created_in_block)"
       " SELECT c::text, 'Category ' || c, now(), 1 FROM generate_series(1, 12) c;"
       "INSERT INTO ingest.channels (id, title, is_censored, created_at, created_in_block)"
       " SELECT c::text, 'Channel ' || c, false, now(), 1 FROM generate_series(1, 1000) c;"
       "INSERT INTO ingest.videos"
       " (id, channel_id, category_id, title, is_censored, created_at, created_in_block)"
       " SELECT g::text, (1 + g % 1000)::text, (1 + g % 12)::text, 'Video ' || g, false,"
       " to_timestamp(" + now_s + " - (" + n + " - g) * 10), g FROM generate_series(1, " + n + ") g;"
       "INSERT INTO probe.probes (video_id, depth, verdict, codes, report, bytes_read, duration_ms)"
       " SELECT g::text, 'light', CASE WHEN g % 40 = 6 THEN 'unplayable' WHEN g % 10 = 4 THEN 'degraded'"
       " ELSE 'playable' END, '{}', '{}', 0, 0 FROM generate_series(2, " + n + ", 2) g;"
       "INSERT INTO probe.verdicts (video_id, verdict, codes, summary, depth, probe_id, probed_at)"
       " SELECT video_id, verdict, codes, verdict, depth, id, now() FROM probe.probes;"
       "INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at, state,"
       " lease_holder, lease_expires_at, decided_at)"
       " SELECT 'video', v.id, 'new_video', v.created_in_block, v.created_at,"
       " v.created_at + interval '36 hours',"
       " s.state, CASE WHEN s.state = 'claimed' THEN 'curator-' || (v.created_in_block / 500 % 20) END,"
       " CASE WHEN s.state = 'claimed' THEN now() + interval '1 day' END,"
       " CASE WHEN s.state = 'decided' THEN v.created_at + interval '1 hour' END"
       " FROM ingest.videos v CROSS JOIN LATERAL (SELECT CASE WHEN v.created_in_block % 5 = 0 THEN 'decided'"
       "   WHEN v.created_in_block % 100 = 1 THEN 'escalated' WHEN v.created_in_block % 500 = 3 THEN 'claimed'"
       "   ELSE 'open' END AS state) s;"
       "ANALYZE");
}

int64_t Flag(int argc, char** argv, std::string_view name, int64_t fallback) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (argv[i] == name) {
      return std::stoll(argv[i + 1]);
    }
  }
  return fallback;
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

}  // namespace curation::bench
