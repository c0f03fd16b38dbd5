// Review and moderation log benchmark (not a test), PostgreSQL on a local socket:
//   1. N clients claim and decide items over gRPC (loopback TCP, bearer tokens, the real
//      ReviewService and log): decisions/s and RPC latency percentiles. Without --rate each
//      client goes as fast as it can (the most decisions/s; latency is then queueing: with
//      N clients in a closed loop the mean is N / throughput). With --rate R, the clients
//      together start R decisions/s on a fixed schedule, and a decision's latency counts from
//      when it was due to start (a claim it needed first included), so a stall is not hidden
//      by the requests it delayed.
// Verifying the log has its own benchmark, verify_bench.
//
//   review_bench [--clients 32] [--items 40000] [--seconds 15] [--rate 0]


#include <algorithm>
#include <atomic>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <thread>

#include <absl/strings/str_cat.h>
#include <grpcpp/grpcpp.h>

#include <curation/modlog/log_store.hpp>
#include <curation/modlog/modlog_service.hpp>

#include "bench_database.hpp"
#include "review_host.hpp"

namespace {

using namespace std::chrono_literals;
using namespace curation;
using Steady = std::chrono::steady_clock;

int DecisionPhase(const std::string& url, int clients, int items, std::chrono::seconds duration, double rate) {
  bench::Exec(url,
       "INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at)"
       " SELECT 'video', g::text, 'new_video', g, now() - g * interval '1 second',"
       " now() - g * interval '1 second' + interval '36 hours' FROM generate_series(1, " +
           std::to_string(items) + ") g");
  auto review_host = bench::ReviewHost::Start(url);
  if (!review_host.ok()) {
    std::cerr << review_host.status() << "\n";
    return 1;
  }
  server::GrpcHost& host = (*review_host)->host();
  modlog::LogStore log((*review_host)->pool());
  std::vector<std::string> tokens;
  for (int c = 0; c < clients; ++c) {
    auto token = (*review_host)->AddCurator("bench-curator-" + std::to_string(c), c);
    if (!token.ok()) {
      std::cerr << token.status() << "\n";
      return 1;
    }
    tokens.push_back(*token);
  }
  // The sealer runs alongside, as in curationd.
  modlog::ModerationLogService log_service(log);
  std::jthread sealer([&](std::stop_token stop) { log_service.RunSealer(stop); });

  std::mutex mutex;
  std::vector<double> decide_ms, claim_ms;
  std::atomic<int64_t> decided{0}, failed{0};
  auto started = Steady::now();
  auto until = started + duration;
  std::vector<std::jthread> workers;
  for (int c = 0; c < clients; ++c) {
    workers.emplace_back([&, c] {
      auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(host.port()), grpc::InsecureChannelCredentials());
      auto stub = v1::ReviewService::NewStub(channel);
      std::vector<double> my_decide, my_claim;
      auto context = [&] {
        auto ctx = std::make_unique<grpc::ClientContext>();
        ctx->AddMetadata("authorization", "Bearer " + tokens[c]);
        ctx->set_deadline(std::chrono::system_clock::now() + 10s);
        return ctx;
      };
      // Paced: this client's decisions are due every `clients / rate` seconds, staggered.
      const auto interval = std::chrono::duration_cast<Steady::duration>(
          std::chrono::duration<double>(rate > 0 ? clients / rate : 0));
      auto due = started + interval * c / clients;
      std::vector<v1::Item> held;
      while (Steady::now() < until) {
        if (rate > 0) {
          std::this_thread::sleep_until(due);
        }
        auto counted_from = rate > 0 ? due : Steady::now();
        due += interval;
        if (held.empty()) {
          v1::ClaimItemsRequest claim;
          claim.set_count(10);
          v1::ClaimItemsResponse claimed;
          auto t0 = Steady::now();
          grpc::Status status = stub->ClaimItems(context().get(), claim, &claimed);
          my_claim.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
          if (!status.ok() || claimed.items_size() == 0) {
            break;
          }
          held.assign(claimed.items().rbegin(), claimed.items().rend());
          if (rate <= 0) {
            counted_from = Steady::now();
          }
        }
        const v1::Item item = std::move(held.back());
        held.pop_back();
        v1::DecideItemRequest decide;
        decide.set_item_id(item.id());
        if (item.id() % 10 == 0) {
          decide.set_action(v1::ACTION_CENSOR);
          decide.set_justification("Full album reupload from a major label; no licence was shown.");
          decide.add_policy_codes("copyright");
        } else {
          decide.set_action(v1::ACTION_APPROVE);
        }
        v1::Decision decision;
        grpc::Status decided_status = stub->DecideItem(context().get(), decide, &decision);
        my_decide.push_back(std::chrono::duration<double, std::milli>(Steady::now() - counted_from).count());
        (decided_status.ok() ? decided : failed)++;
      }
      std::lock_guard lock(mutex);
      decide_ms.insert(decide_ms.end(), my_decide.begin(), my_decide.end());
      claim_ms.insert(claim_ms.end(), my_claim.begin(), my_claim.end());
    });
  }
  workers.clear();
  double seconds = std::chrono::duration<double>(Steady::now() - started).count();
  sealer.request_stop();
  sealer.join();
  (void)log.SealAll();
  std::vector<double> all = decide_ms;
  all.insert(all.end(), claim_ms.begin(), claim_ms.end());
  std::cout << std::fixed << std::setprecision(1) << clients << " clients"
            << (rate > 0 ? absl::StrCat(" paced at ", rate, " decisions/s") : std::string(" unpaced")) << ": "
            << decided.load() << " decisions in "
            << seconds << " s = " << static_cast<double>(decided.load()) / seconds << " decisions/s (" << failed.load()
            << " failed)\n"
            << (rate > 0 ? "  decision (from when it was due) p50 " : "  DecideItem p50 ") << bench::Percentile(decide_ms, 0.5) << " ms, p99 " << bench::Percentile(decide_ms, 0.99)
            << " ms; ClaimItems(10) p50 " << bench::Percentile(claim_ms, 0.5) << " ms, p99 " << bench::Percentile(claim_ms, 0.99)
            << " ms; all RPCs p99 " << bench::Percentile(all, 0.99) << " ms\n";
  auto report = log.Verify();
  std::cout << "  log after the run: " << (report.ok() && report->intact ? "intact" : "BROKEN") << ", "
            << (report.ok() ? report->entries_checked : 0) << " entries\n";
  return failed.load() == 0 && report.ok() && report->intact ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 32, items = 40000, seconds = 15;
  double rate = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int64_t value = std::stoll(argv[i + 1]);
    if (flag == "--clients") clients = static_cast<int>(value);
    if (flag == "--items") items = static_cast<int>(value);
    if (flag == "--seconds") seconds = static_cast<int>(value);
    if (flag == "--rate") rate = static_cast<double>(value);
  }
  std::cout << std::unitbuf;
  auto database = bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  std::string url = (*database)->Url();
  return DecisionPhase(url, clients, items, std::chrono::seconds(seconds), rate);
}
