// Report benchmark (not a test): the council's report for a term over a database at the
// planning scale (about 1,000 uploads a day), with months of history before it, on an
// embedded PostgreSQL.
//
//   report_bench [--days 14] [--per-day 1000] [--history-days 90] [--runs 3]
//
// Seeds videos, review items and decisions with SQL, writes every decision's log entry through
// LogStore (so the hash chain is real and verifies), seals it; then times building the report
// (verifying the log as a report does: the whole chain the first time, then what was sealed
// since) and rendering each format.

#include <algorithm>
#include <iomanip>
#include <iostream>

#include <curation/db/fields.hpp>
#include <curation/report/report_service.hpp>

#include "bench_database.hpp"

namespace {

using namespace std::chrono_literals;
using namespace curation;
using Steady = std::chrono::steady_clock;

double Seconds(Steady::duration span) { return std::chrono::duration<double>(span).count(); }

}  // namespace

int main(int argc, char** argv) {
  int days = 14, per_day = 1000, history_days = 90, runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::stoi(argv[i + 1]);
    if (flag == "--days") days = value;
    if (flag == "--per-day") per_day = value;
    if (flag == "--history-days") history_days = value;
    if (flag == "--runs") runs = value;
  }
  std::cout << std::unitbuf;
  auto database = bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  std::string url = (*database)->Url();
  auto statements = report::ReportStore::Statements();
  for (auto& statement : modlog::LogStore::Statements()) {
    statements.push_back(statement);
  }
  auto pool = db::Pool::Create({.url = url, .size = 4, .statement_timeout = 10min, .statements = statements});
  if (!pool.ok()) {
    std::cerr << pool.status() << "\n";
    return 1;
  }

  // The term ends at a fixed midnight; history runs before it.
  const TimePoint term_end = TimePoint(std::chrono::seconds(1'795'000'000 / 86400 * 86400));
  const TimePoint term_start = term_end - days * 24h;
  const TimePoint history_start = term_start - history_days * 24h;
  int64_t videos = static_cast<int64_t>(days + history_days) * per_day;
  std::cout << "seeding " << videos << " videos over " << days + history_days << " days (" << per_day
            << " a day), the term being the last " << days << "\n";
  auto seeding = Steady::now();
  pqxx::connection connection(url);
  std::string start_ms = std::to_string(db::ToMillis(history_start));
  std::string step_ms = std::to_string(24 * 3600 * 1000 / per_day);
  // Deterministic spread: 97 % decided between 30 min and 40 h after upload, 3 % never.
  bench::Exec(url,
       "INSERT INTO ingest.categories (id, name, created_at, created_in_block)"
       " SELECT c::text, 'Category ' || c, now(), 1 FROM generate_series(1, 12) c;"
       "INSERT INTO ingest.data_objects (id, size_bytes) SELECT 'o' || g, 10000000 + g % 1000 * 100000"
       " FROM generate_series(1, " + std::to_string(videos) + ") g;"
       "INSERT INTO ingest.videos (id, channel_id, category_id, title, duration_seconds, language, is_censored,"
       " media_object_id, created_at, created_in_block)"
       " SELECT g::text, (g % 500)::text, (1 + g % 12)::text, 'Video ' || g, 60 + g % 3600,"
       " (ARRAY['en', 'en', 'ru', 'es', 'uk', ''])[1 + g % 6], false, 'o' || g,"
       " to_timestamp((" + start_ms + " + g::bigint * " + step_ms + ") / 1000.0), g"
       " FROM generate_series(1, " + std::to_string(videos) + ") g;"
       "INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at, state, decided_at)"
       " SELECT 'video', v.id, 'new_video', v.id::bigint, v.created_at, v.created_at + interval '36 hours',"
       " CASE WHEN d.hours IS NULL THEN 'open' ELSE 'decided' END, v.created_at + d.hours * interval '1 hour'"
       " FROM ingest.videos v CROSS JOIN LATERAL (SELECT CASE WHEN v.id::bigint % 33 = 0 THEN NULL"
       "   ELSE 0.5 + (v.id::bigint * 7919 % 1000) / 1000.0 * 39.5 END AS hours) d"
       " WHERE d.hours IS NULL OR v.created_at + d.hours * interval '1 hour' < to_timestamp(" +
           std::to_string(db::ToMillis(term_end)) + " / 1000.0);"
       "UPDATE modlog.genesis SET started_at = to_timestamp(" + start_ms + " / 1000.0)");
  // Every decision's log entry, in decision order, through the log's own writer.
  {
    pqxx::work tx(connection);
    auto decided = tx.exec("SELECT id, target_id, (extract(epoch FROM decided_at) * 1000)::bigint FROM review.items"
                           " WHERE decided_at IS NOT NULL ORDER BY decided_at, id");
    tx.commit();
    const char* curators[] = {"cora", "dan", "eve", "finn", "gus"};
    size_t done = 0;
    while (done < decided.size()) {
      size_t until = std::min(decided.size(), done + 5000);
      auto written = (*pool)->InTransaction([&](pqxx::work& work) {
        for (size_t i = done; i < until; ++i) {
          const auto& row = decided[i];
          int64_t item = row[0].as<int64_t>();
          modlog::EntryContent content;
          content.kind = item % 50 == 0 ? modlog::kCensor : item % 20 == 0 ? modlog::kWarn : modlog::kApprove;
          content.actor = curators[item % 5];
          content.actor_role = "curator";
          content.actor_worker_id = item % 5 + 1;
          content.target_kind = "video";
          content.target_id = row[1].as<std::string>();
          content.item_id = item;
          if (content.kind != modlog::kApprove) {
            content.justification = "Reupload of a broadcaster's show without any licence shown.";
            content.policy_codes = {content.kind == modlog::kCensor ? "copyright" : "thumbnail"};
          }
          content.snapshot.title = "Video " + content.target_id;
          content.snapshot.channel_id = std::to_string(std::stoll(content.target_id) % 500);
          content.recorded_at = db::FromMillis(row[2].as<int64_t>());
          modlog::LogStore::Append(work, std::move(content));
        }
        return absl::OkStatus();
      });
      if (!written.ok()) {
        std::cerr << written << "\n";
        return 1;
      }
      done = until;
    }
    bench::Exec(url,
         "INSERT INTO review.decisions (item_id, action, principal, log_entry_id, decided_at)"
         " SELECT item_id, kind, actor, id, recorded_at FROM modlog.entries WHERE item_id IS NOT NULL;"
         "INSERT INTO alert.incidents (incident_key, alertname, slot, video_id, reason, state, broke_at, opened_at,"
         " deadline, resolved_at, breached)"
         " SELECT 'hero:' || k, 'FeaturedVideoUnplayable', 'hero', k::text, 'no frames', 'resolved', at, at,"
         " at + interval '1 hour', at + (k * 10) * interval '1 minute', k * 10 > 60"
         " FROM (SELECT k, to_timestamp(" + std::to_string(db::ToMillis(term_start)) +
             " / 1000.0) + k * interval '1 day' AS at FROM generate_series(1, " + std::to_string(days - 1) + ") k) s;"
         "ANALYZE");
    modlog::LogStore store(**pool);
    if (auto sealed = store.SealAll(); !sealed.ok()) {
      std::cerr << sealed << "\n";
      return 1;
    }
    std::cout << "seeded " << decided.size() << " decisions and log entries in " << std::fixed
              << std::setprecision(1) << Seconds(Steady::now() - seeding) << " s\n";
  }

  modlog::LogStore log_store(**pool);
  modlog::ModerationLogService log(log_store);
  report::ReportStore store(**pool);
  report::ReportService service(store, log, SystemClock::Instance(), {},
                                {.gleev_url = "https://gleev.xyz",
                                 .explorer_url = "https://polkadot.js.org/apps/#/explorer/query/{block}",
                                 .network = "Joystream mainnet"});
  report::Period term{.from = term_start, .to = term_end};
  std::vector<double> verify_s, read_s;
  for (int run = 0; run < runs; ++run) {
    auto started = Steady::now();
    auto verified = log_store.Verify(modlog::VerifyScope::kSinceCheckpoint);  // everything is sealed
    auto verified_at = Steady::now();
    auto built = store.Read(term, term_end + 1h, *verified, 4h);
    auto read_at = Steady::now();
    if (!verified.ok() || !built.ok()) {
      std::cerr << (verified.ok() ? built.status() : verified.status()) << "\n";
      return 1;
    }
    std::cout << "run " << run + 1 << ": verified " << verified->entries_checked - verified->verified_from << " of "
              << verified->entries_checked << " entries in " << std::setprecision(2) << Seconds(verified_at - started)
              << " s\n";
    verify_s.push_back(Seconds(verified_at - started));
    read_s.push_back(Seconds(read_at - verified_at));
    if (run == 0) {
      std::cout << "term: " << built->actions.size() << " actions, " << built->late_videos.size() << " late videos, "
                << built->open_past_due.size() << " open past due, " << built->incidents.size() << " incidents, "
                << built->uploads << " uploads, log of " << verified->entries_checked << " entries "
                << (verified->intact ? "intact" : "BROKEN") << "\n";
      for (const auto& entry : report::kReportFormats.entries()) {
        const std::string format(entry.db);
        auto rendering = Steady::now();
        auto rendered = service.Generate({.from = term.from, .to = term.to, .format = format});
        if (!rendered.ok()) {
          std::cerr << rendered.status() << "\n";
          return 1;
        }
        std::cout << std::setw(9) << format << ": whole request " << std::setprecision(2)
                  << Seconds(Steady::now() - rendering) << " s, " << rendered->body.size() / 1024 << " KiB\n";
      }
    }
  }
  std::sort(verify_s.begin(), verify_s.end());
  std::sort(read_s.begin(), read_s.end());
  std::cout << "median of " << runs << ": verify " << std::setprecision(2) << verify_s[runs / 2]
            << " s, read the term " << read_s[runs / 2] << " s\n";
  return 0;
}
