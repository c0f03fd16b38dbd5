#include <curation/review/module.hpp>

#include <curation/db/pool.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/review/review_grpc_service.hpp>

namespace curation::review {

std::vector<db::PreparedStatement> Module::Statements() { return ReviewStore::Statements(); }

namespace {

static_assert(Module::kGrpcService == ReviewGrpcService::kName);

constexpr std::chrono::seconds kLeaseSweepEvery{30};

// What review builds, in the order it is built.
struct Parts {
  const server::ModuleDeps& deps;
  ReviewStore store{deps.pool};
  FeedConsumer feed_consumer{store, deps.pool, deps.config.Section<ReviewConfig>(), deps.metrics};
  ReviewService service{store, deps.clock, deps.config.Section<ReviewConfig>(), deps.metrics};
  ReviewGrpcService grpc{service, deps.rpc};
};

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  ReviewService& service = parts->service;
  deps.metrics.AddRefresher([&service] { service.RefreshMetrics(); });
  FeedConsumer& feed_consumer = parts->feed_consumer;
  return {.parts = parts,
          .grpc = &parts->grpc,
          .work = {[&feed_consumer](std::stop_token stop) { feed_consumer.Run(stop); },
                   [&service](std::stop_token stop) { service.RunLeaseSweeper(stop, kLeaseSweepEvery); }}};
}

}  // namespace curation::review
