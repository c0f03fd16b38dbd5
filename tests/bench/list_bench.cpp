// Queue listing benchmark (not a test): ReviewService::ListItems over a review queue of
// --items items on an embedded PostgreSQL, each kind of page timed against a physical ceiling
// measured in the same run: a plain index range scan through the same pool that reads as many
// whole item rows in due order.
//
//   list_bench [--items 100000] [--runs 21] [--clients 100]
//
// The queue: one upload every 10 s up to now, due 36 h later; a fifth decided, 1 % escalated,
// one in 500 claimed by one of 20 curators; 1,000 channels, 12 categories; half the videos
// probed (2.5 % unplayable, 7.5 % degraded). Then the whole queue is read page after page, and
// --clients callers list the first page at once, as curatorctl queue list does.

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <latch>
#include <thread>

#include <curation/db/fields.hpp>
#include <curation/review/review_service.hpp>

#include "bench_database.hpp"

namespace {

using namespace std::chrono_literals;
using namespace curation;
using Steady = std::chrono::steady_clock;

double Millis(Steady::duration span) { return std::chrono::duration<double, std::milli>(span).count(); }

struct Timing {
  double median = 0;
  double p90 = 0;
};

Timing Summary(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 9 / 10]};
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t items = bench::Flag(argc, argv, "--items", 100'000);
  const int runs = static_cast<int>(bench::Flag(argc, argv, "--runs", 21));
  const int clients = static_cast<int>(bench::Flag(argc, argv, "--clients", 100));
  std::cout << std::unitbuf << std::fixed << std::setprecision(2);
  auto database = bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  const std::string url = (*database)->Url();
  // The ceiling: whole item rows in due order, read by index like any page.
  auto statements = review::ReviewStore::Statements();
  statements.push_back({"bench.ceiling",
                        "SELECT i.* FROM review.items i WHERE i.state <> 'decided'"
                        " AND i.due_at >= to_timestamp($1::bigint / 1000.0) ORDER BY i.due_at LIMIT $2"});
  // curationd's pool: 8 connections.
  auto pool = db::Pool::Create({.url = url, .size = 8, .statement_timeout = 10min, .statements = statements});
  if (!pool.ok()) {
    std::cerr << pool.status() << "\n";
    return 1;
  }

  const TimePoint now = SystemClock::Instance().Now();
  std::cout << "seeding " << items << " review items\n";
  auto seeding = Steady::now();
  bench::SeedReviewQueue(url, items, now);
  std::cout << "seeded in " << std::chrono::duration<double>(Steady::now() - seeding).count() << " s\n";

  MetricsRegistry metrics;
  review::ReviewStore store(**pool);
  review::ReviewService service(store, SystemClock::Instance(), ReviewConfig{}, metrics);

  // Each kind of page, with the ceiling read right after it for as many rows.
  struct Scenario {
    std::string name;
    review::ListItemsQuery query;
  };
  std::vector<Scenario> scenarios = {
      {"first page of 100, default states", {.page_size = 100}},
      {"first page of 1,000, default states", {.page_size = 1000}},
      {"page of 100, category 3 (1/12)", {.filter = {.category_id = "3"}, .page_size = 100}},
      {"page of 100, channel 7 (1/1,000)", {.filter = {.channel_id = "7"}, .page_size = 100}},
      {"page of 100, unplayable (2.5 % probed)", {.filter = {.playability = "unplayable"}, .page_size = 100}},
      {"page of 100, claimed by curator-3", {.filter = {.claimed_by = "curator-3"}, .page_size = 100}},
      {"page of 100, escalated (1 %)", {.filter = {.states = {"escalated"}}, .page_size = 100}},
      {"page of 100, decided (20 %)", {.filter = {.states = {"decided"}}, .page_size = 100}},
      {"page of 100, breached", {.filter = {.breached_only = true}, .page_size = 100}},
      {"page of 100, open, due in the next hour",
       {.filter = {.states = {"open"}, .due_before = now + 1h}, .page_size = 100}},
  };
  std::cout << std::left << std::setw(44) << "page" << std::right << std::setw(7) << "rows" << std::setw(12)
            << "median ms" << std::setw(10) << "p90 ms" << std::setw(13) << "ceiling ms" << std::setw(10) << "ratio\n";
  for (Scenario& scenario : scenarios) {
    std::vector<double> listed, ceiling;
    size_t rows = 0;
    for (int run = 0; run < runs; ++run) {
      auto started = Steady::now();
      auto page = service.ListItems(scenario.query);
      listed.push_back(Millis(Steady::now() - started));
      if (!page.ok()) {
        std::cerr << scenario.name << ": " << page.status() << "\n";
        return 1;
      }
      rows = page->items.size();
      int64_t from = page->items.empty() ? 0 : db::ToMillis(page->items.front().row.due_at);
      started = Steady::now();
      auto scanned = (*pool)->InTransaction([&](pqxx::work& tx) {
        tx.exec_prepared("bench.ceiling", from, std::max<size_t>(rows, 1));
        return absl::OkStatus();
      });
      ceiling.push_back(Millis(Steady::now() - started));
      if (!scanned.ok()) {
        std::cerr << scanned << "\n";
        return 1;
      }
    }
    Timing list = Summary(listed), floor = Summary(ceiling);
    std::cout << std::left << std::setw(44) << scenario.name << std::right << std::setw(7) << rows << std::setw(12)
              << list.median << std::setw(10) << list.p90 << std::setw(13) << floor.median << std::setw(9)
              << list.median / floor.median << "x\n";
  }

  // The whole default queue, page after page.
  {
    review::ListItemsQuery query{.page_size = 1000};
    size_t pages = 0, read = 0;
    std::vector<double> per_page;
    auto started = Steady::now();
    while (true) {
      auto page_started = Steady::now();
      auto page = service.ListItems(query);
      per_page.push_back(Millis(Steady::now() - page_started));
      if (!page.ok()) {
        std::cerr << "paging: " << page.status() << "\n";
        return 1;
      }
      ++pages;
      read += page->items.size();
      if (page->next_page_token.empty()) {
        break;
      }
      query.page_token = page->next_page_token;
    }
    Timing page = Summary(per_page);
    std::cout << "whole queue in pages of 1,000: " << read << " items, " << pages << " pages in "
              << std::chrono::duration<double>(Steady::now() - started).count() << " s; per page median "
              << page.median << " ms, p90 " << page.p90 << " ms, last " << per_page.back() << " ms\n";
  }

  // Many callers at once, each listing the first page (curatorctl queue list: 100 items).
  {
    std::vector<double> whole;
    int failed = 0;
    for (int run = 0; run < 5; ++run) {
      std::latch start(clients + 1);
      std::atomic<int> errors{0};
      std::vector<std::jthread> callers;
      for (int c = 0; c < clients; ++c) {
        callers.emplace_back([&] {
          start.arrive_and_wait();
          if (!service.ListItems({.page_size = 100}).ok()) {
            ++errors;
          }
        });
      }
      auto started = Steady::now();
      start.arrive_and_wait();
      callers.clear();
      whole.push_back(Millis(Steady::now() - started));
      failed += errors.load();
    }
    Timing all = Summary(whole);
    std::cout << clients << " callers listing the first page at once, on 8 connections: all answered in median "
              << all.median << " ms (p90 " << all.p90 << " ms), " << failed << " failed over 5 rounds\n";
  }
  return 0;
}
