// Ingest benchmark (not a test): backfill throughput and new-video latency of the real
// curationd against the fake query node, with PostgreSQL on a local socket.
//
//   ingest_bench [--videos N] [--page-size N] [--latency-samples N]
//   BENCH_LOG_LEVEL=debug also logs curationd's time per page (fetch, parse, store).
//
// Prints videos/s for the backfill (ingest and review items), curationd's peak RSS, and
// the delay from a video appearing in the query node to its review item existing.

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "bench_database.hpp"
#include "child_process.hpp"
#include <fakes/fake_query_node.hpp>

namespace {

using namespace std::chrono_literals;
using curation::fakes::FakeQueryNode;
using Clock = std::chrono::steady_clock;

long RssKiB(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return 0;
}

std::string Scalar(pqxx::connection& connection, const std::string& sql) {
  pqxx::nontransaction tx(connection);
  auto result = tx.exec(sql);
  return result.empty() || result[0][0].is_null() ? "" : result[0][0].as<std::string>();
}

std::unique_ptr<curation::testing::ChildProcess> StartCurationd(const std::string& url, const std::string& query_node,
                                                               int page_size, const std::string& poll_interval) {
  return std::make_unique<curation::testing::ChildProcess>(
      // The services the figures in docs/performance.md were measured with; alert would poll the real Orion.
      std::vector<std::string>{CURATIOND_PATH, "--services", "ingest,probe,review", "--database-url", url,
                               "--query-node-url", query_node, "--set",
                               "server.listen=127.0.0.1:0", "--set", "server.metrics_listen=", "--set",
                               "query_node.page_size=" + std::to_string(page_size), "--set",
                               "ingest.poll_interval=" + poll_interval, "--set",
                               std::string("log.level=") + (std::getenv("BENCH_LOG_LEVEL") ? std::getenv("BENCH_LOG_LEVEL") : "info")},
      "/tmp/curation-bench-curationd.log");
}

int64_t ItemsFor(pqxx::connection& connection, int video_id) {
  pqxx::nontransaction tx(connection);
  return tx.exec_params1("SELECT count(*) FROM review.items WHERE target_id = $1", std::to_string(video_id))[0]
      .as<int64_t>();
}

void Stop(curation::testing::ChildProcess& daemon) {
  daemon.Signal(SIGTERM);
  daemon.Wait(std::chrono::seconds(30));
}

}  // namespace

int main(int argc, char** argv) {
  int videos = 300000, page_size = 500, latency_samples = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::stoi(argv[i + 1]);
    if (flag == "--videos") videos = value;
    if (flag == "--page-size") page_size = value;
    if (flag == "--latency-samples") latency_samples = value;
  }
  const int kChannels = 1000;
  auto database = curation::bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  std::string url = (*database)->Url();

  FakeQueryNode fake;
  std::cout << std::unitbuf << "generating " << videos << " videos in " << kChannels << " channels...\n";
  for (int c = 1; c <= kChannels; ++c) {
    fake.PutChannel(FakeQueryNode::MakeChannel(c, c, FakeQueryNode::BlockIso(c)));
  }
  std::vector<nlohmann::json> nodes;
  nodes.reserve(videos);
  for (int id = 1; id <= videos; ++id) {
    int64_t block = kChannels + id / 4;  // a few videos per block, as in bursts of YPP syncs
    nodes.push_back(FakeQueryNode::MakeVideo(id, block, FakeQueryNode::BlockIso(block),
                                             std::to_string(1 + id % kChannels)));
  }
  fake.PutVideos(std::move(nodes));
  int64_t last_block = kChannels + videos / 4;

  // Phase 1: backfill from genesis.
  pqxx::connection db(url);
  auto started = Clock::now();
  auto daemon = StartCurationd(url, fake.Url(), page_size, "1s");
  long peak_rss = 0;
  double ingest_seconds = 0;
  std::string expected_items = std::to_string(videos + kChannels);
  while (true) {
    std::this_thread::sleep_for(100ms);
    peak_rss = std::max(peak_rss, RssKiB(daemon->pid(), "VmRSS"));
    if (ingest_seconds == 0 &&
        Scalar(db, "SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'") ==
            std::to_string(last_block)) {
      ingest_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    }
    if (ingest_seconds > 0 && Scalar(db, "SELECT (SELECT seq FROM review.feed_cursors WHERE consumer = 'review.items') = (SELECT max(seq) FROM ingest.feed)") == "t") {
      break;
    }
    if (Clock::now() - started > 30min) {
      std::cerr << "backfill did not finish in 30 minutes\n";
      return 1;
    }
  }
  double total_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  long hwm = RssKiB(daemon->pid(), "VmHWM");
  std::string stored = Scalar(db, "SELECT count(*) FROM ingest.videos");
  std::string items = Scalar(db, "SELECT count(*) FROM review.items");
  Stop(*daemon);
  std::cout << "backfill: " << stored << " videos stored in " << ingest_seconds << " s ("
            << static_cast<long>(videos / ingest_seconds) << " videos/s); " << items
            << " review items (expected " << expected_items << ") after " << total_seconds << " s ("
            << static_cast<long>(videos / total_seconds) << " videos/s end to end)\n"
            << "curationd peak RSS: " << std::max(peak_rss, hwm) / 1024 << " MiB (page size " << page_size << ")\n";

  // Phase 2: latency from "in the query node" to "in the queue", default 10 s poll interval.
  daemon = latency_samples == 0 ? nullptr : StartCurationd(url, fake.Url(), 200, "10s");
  if (daemon) {
    std::this_thread::sleep_for(3s);
  }
  std::mt19937 random(42);
  std::vector<double> delays;
  for (int sample = 0; daemon && sample < latency_samples; ++sample) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(500, 9500)(random)));
    int id = videos + 1 + sample;
    int64_t block = ++last_block;
    fake.PutVideo(FakeQueryNode::MakeVideo(id, block, FakeQueryNode::BlockIso(block), "1"));
    auto put = Clock::now();
    while (ItemsFor(db, id) != 1) {
      std::this_thread::sleep_for(20ms);
      if (Clock::now() - put > 60s) {
        std::cerr << "video " << id << " never reached the queue\n";
        return 1;
      }
    }
    delays.push_back(std::chrono::duration<double>(Clock::now() - put).count());
    std::cout << "new video " << id << " in the queue after " << delays.back() << " s\n";
  }
  if (daemon) {
    Stop(*daemon);
  }
  std::sort(delays.begin(), delays.end());
  if (!delays.empty()) {
    std::cout << "latency over " << delays.size() << " samples: median " << delays[delays.size() / 2] << " s, max "
              << delays.back() << " s (poll interval 10 s)\n";
  }
  return 0;
}
