// Alerting benchmark (not a test): from the moment the hero changes to an unplayable video in
// (a fake) Orion to the first page a (fake) Discord webhook receives, with curationd's default
// intervals, the real prober (sandboxed worker, media encoded by FFmpeg at start) and the
// monitor and courier loops running on the real clock over an embedded PostgreSQL.
//
//   alert_bench [--samples 12]
//
// Each sample waits a random part of a poll interval, switches the hero from a playable video
// to a new unplayable one, and times the page; then puts the playable hero back.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include <curation/alert/courier.hpp>
#include <curation/alert/monitor.hpp>
#include <curation/probe/probe_sandbox.hpp>
#include <curation/probe/probe_store.hpp>
#include <curation/probe/source_resolver.hpp>

#include "bench_database.hpp"

#include "fakes/fake_distributor.hpp"
#include "fakes/fake_orion.hpp"
#include "fakes/fake_receiver.hpp"
#include "distribution_rows.hpp"
#include "media_fixtures.hpp"

namespace {

using namespace std::chrono_literals;
using namespace curation;
using Steady = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  int samples = 12;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--samples") samples = std::stoi(argv[i + 1]);
  }
  std::cout << std::unitbuf;
  auto database = bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  std::string url = (*database)->Url();
  auto statements = alert::AlertStore::Statements();
  for (auto& statement : probe::ProbeStore::Statements()) {
    statements.push_back(statement);
  }
  for (auto& statement : probe::SourceResolver::Statements()) {
    statements.push_back(statement);
  }
  auto pool = db::Pool::Create({.url = url, .size = 4, .statements = statements});
  if (!pool.ok()) {
    std::cerr << pool.status() << "\n";
    return 1;
  }

  const auto& media = testing::MediaFixtures::Get();
  fakes::FakeDistributor node_a, node_b, storage;
  fakes::FakeOrion orion;
  fakes::FakeReceiver discord;
  if (auto served = (*pool)->InTransaction([&](pqxx::work& tx) {
        tx.exec(testing::ServeBagSql("dynamic:channel:1", {node_a.Url(), node_b.Url()}));
        return absl::OkStatus();
      });
      !served.ok()) {
    std::cerr << served << "\n";
    return 1;
  }
  // Video 1 plays; videos 2.. have a cut with its index at the end (unplayable as a hero cut).
  for (int id = 1; id <= samples + 1; ++id) {
    std::string media_id = std::to_string(2 * id), thumbnail = std::to_string(2 * id + 1);
    const auto& good = media["h264_faststart.mp4"];
    bench::Exec(url, "INSERT INTO ingest.data_objects (id, size_bytes, is_accepted, storage_bag_id) VALUES ('" + media_id +
                  "', " + std::to_string(good.bytes.size()) + ", true, 'dynamic:channel:1'), ('" + thumbnail + "', " +
                  std::to_string(media["poster.jpg"].bytes.size()) + ", true, 'dynamic:channel:1')");
    bench::Exec(url, "INSERT INTO ingest.videos (id, channel_id, is_censored, media_object_id, thumbnail_object_id,"
              " created_at, created_in_block) VALUES ('" + std::to_string(id) + "', '1', false, '" + media_id +
                  "', '" + thumbnail + "', now(), 1)");
    for (auto* node : {&node_a, &node_b}) {
      node->Put("/api/v1/assets/" + media_id, good.bytes, good.content_type);
      node->Put("/api/v1/assets/" + thumbnail, media["poster.jpg"].bytes, "image/jpeg");
    }
    const auto& cut = media[id == 1 ? "h264_faststart.mp4" : "h264_moov_at_end.mp4"];
    storage.Put("/cuts/" + std::to_string(id) + ".mp4", cut.bytes, cut.content_type);
  }
  storage.Put("/poster.jpg", media["poster.jpg"].bytes, "image/jpeg");
  auto hero = [&](int id) {
    orion.SetHero(std::to_string(id), "Video " + std::to_string(id), storage.UrlFor("/cuts/" + std::to_string(id) + ".mp4"),
                  storage.UrlFor("/poster.jpg"), "", "Hero");
  };
  hero(1);

  AlertConfig config;  // the defaults curationd runs with
  config.orion_url = orion.Url();
  config.receivers = {{.name = "discord", .type = "discord", .url = discord.Url("/api/webhooks/1/t")}};
  config.escalation = {{0min, {"discord"}}};
  MetricsRegistry metrics;
  alert::AlertStore store(**pool);
  probe::ProbeStore probe_store(**pool);
  probe::SourceResolver resolver(**pool, SystemClock::Instance(), 1min);
  std::string worker =
      (std::filesystem::path(argv[0]).parent_path() / "../../services/curationd/curation-probe-worker").string();
  probe::ProbeSandbox sandbox({.worker_path = worker, .allow_addresses = {"127.0.0.1/32"}, .workers = 2});
  probe::ProbeService probes(probe_store, resolver, sandbox, metrics, {.host_interval = 0ms});
  alert::LocalSlotProber prober(probes);
  HttpClient orion_http, courier_http;
  alert::OrionClient orion_client(orion_http, {.url = config.orion_url});
  alert::Pager pager(store, config);
  alert::AlertMonitor monitor(store, orion_client, prober, pager, SystemClock::Instance(), config, metrics);
  alert::Courier courier(store, courier_http, SystemClock::Instance(), config, metrics);
  {
    std::jthread monitoring([&](std::stop_token stop) { monitor.Run(stop); });
    std::jthread delivering([&](std::stop_token stop) { courier.Run(stop); });
    std::this_thread::sleep_for(3s);  // the first poll and probes of the playable hero
    std::mt19937 random(42);
    std::uniform_int_distribution<int> offset_ms(0, static_cast<int>(config.poll_interval.count()));
    std::vector<double> seconds;
    std::cout << "poll interval " << config.poll_interval.count() / 1000 << " s, probe interval "
              << config.probe_interval.count() / 1000 << " s; " << samples << " samples\n";
    for (int sample = 0; sample < samples; ++sample) {
      std::this_thread::sleep_for(std::chrono::milliseconds(offset_ms(random)));
      size_t pages_before = discord.Requests().size();
      int broken = sample + 2;
      auto changed = Steady::now();
      hero(broken);
      bool paged = false;
      while (!paged && Steady::now() - changed < 3 * config.poll_interval) {
        std::this_thread::sleep_for(20ms);
        auto requests = discord.Requests();
        for (size_t i = pages_before; i < requests.size() && !paged; ++i) {
          // The first notice about the new hero is its page (the resolved one comes later).
          if (requests[i].status / 100 == 2 &&
              requests[i].body.find("Video " + std::to_string(broken)) != std::string::npos) {
            seconds.push_back(std::chrono::duration<double>(requests[i].arrived - changed).count());
            paged = true;
          }
        }
      }
      if (!paged) {
        std::cout << "  sample " << sample << ": no page within " << 3 * config.poll_interval.count() / 1000 << " s\n";
        seconds.push_back(3.0 * static_cast<double>(config.poll_interval.count()) / 1000);
      } else {
        std::cout << "  sample " << sample << ": paged after " << seconds.back() << " s\n";
      }
      hero(1);
    }
    std::sort(seconds.begin(), seconds.end());
    auto at = [&](double p) { return seconds[std::min(seconds.size() - 1, static_cast<size_t>(p * seconds.size()))]; };
    std::cout << "hero changed to unplayable -> first page delivered: min " << seconds.front() << " s, p50 " << at(0.5)
              << " s, p99 (max of " << seconds.size() << ") " << seconds.back() << " s\n";
  }
  return 0;
}
