// Connect benchmark (not a test): the review service's unary RPCs over HTTP in the Connect
// protocol against the same calls over native gRPC, in one process wired as curationd wires it:
// the real ReviewService behind its gRPC adapter on 127.0.0.1 (bearer tokens, curationd's thread
// cap and pool of 8), a ConnectBridge over the host's in-process channel and a ConsoleServer on
// 127.0.0.1. The queue is list_bench's (SeedReviewQueue), --items items of which about 4 in 5
// are pending.
//
// Four ways to make the same call, alternated in rounds (the first in each round rotates), each
// by 1 and by 8 client threads with a connection each:
//   gRPC TCP        a channel to the host's port, what curatorctl does;
//   gRPC in-process the bridge's own hop, without HTTP or JSON;
//   Connect binary  HTTP POST with application/proto through the bridge (cpp-httplib client,
//                   keep-alive, Authorization: Bearer);
//   Connect JSON    the same with application/json, what the console sends.
// First, the queue's first useful paint in Debian's Chromium (tests/browser/first_paint.mjs,
// the console's embedded files served by the ConsoleServer): --paint-loads loads of the page,
// each timed from the navigation's start to the first frame with queue rows; beside it the two
// calls the page waits for (GetQueueStats and a ListItems page of 100, over Connect JSON) timed
// alone in the same run, which is the part of a load the server decides.
// Calls: ListItems (a page of 50) and DecideItem (each on an item the client claimed before the
// phase, untimed; one in ten a censor with a code and a justification). Then the ceiling: the
// bridge's own work on one such call's messages (parse the body, serialise the request, read the
// answer back) for JSON and for binary, timed alone on one thread.
//
//   connect_bench [--items 125000] [--rounds 3] [--list-calls 600] [--decisions 800] [--paint-loads 15]
//
// --list-calls and --decisions are the calls of one phase at one client; with more clients a
// phase makes twice as many (two cores), shared among them.

#include <atomic>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <iostream>
#include <latch>
#include <map>
#include <thread>

#include <absl/strings/str_cat.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <curation/console/connect_bridge.hpp>
#include <curation/console/console_server.hpp>
#include <curation/console/web_files.hpp>

#include "bench_database.hpp"
#include "review_host.hpp"

namespace {

using namespace std::chrono_literals;
using namespace curation;
using Steady = std::chrono::steady_clock;
namespace protobuf = google::protobuf;

constexpr char kService[] = "curation.v1.ReviewService";
constexpr char kJustification[] = "Full album reupload from a major label; no licence was shown.";

enum class Transport { kGrpc, kInProcess, kConnectProto, kConnectJson };
constexpr Transport kTransports[] = {Transport::kGrpc, Transport::kInProcess, Transport::kConnectProto,
                                     Transport::kConnectJson};

const char* NameOf(Transport transport) {
  switch (transport) {
    case Transport::kGrpc:
      return "gRPC TCP";
    case Transport::kInProcess:
      return "gRPC in-process";
    case Transport::kConnectProto:
      return "Connect binary";
    case Transport::kConnectJson:
      return "Connect JSON";
  }
  return "";
}

double Millis(Steady::duration span) { return std::chrono::duration<double, std::milli>(span).count(); }

// One caller: its token and a connection of its own over each transport, kept across phases.
struct Client {
  std::string token;
  std::unique_ptr<v1::ReviewService::Stub> tcp;
  std::unique_ptr<v1::ReviewService::Stub> in_process;
  std::unique_ptr<httplib::Client> http;
  std::shared_ptr<std::atomic<int>> connections = std::make_shared<std::atomic<int>>(0);
  std::vector<int64_t> claimed;  // items to decide in the next phase
};

template <typename Request, typename Response>
using StubMethod = grpc::Status (v1::ReviewService::Stub::*)(grpc::ClientContext*, const Request&, Response*);

// One unary call over `transport`; false when it failed.
template <typename Request, typename Response>
bool Call(Client& client, Transport transport, StubMethod<Request, Response> grpc_method, const std::string& method,
          const Request& request, Response* response) {
  if (transport == Transport::kGrpc || transport == Transport::kInProcess) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + client.token);
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    auto& stub = transport == Transport::kGrpc ? *client.tcp : *client.in_process;
    return (stub.*grpc_method)(&context, request, response).ok();
  }
  // As a Connect client does: the message in the chosen encoding, the answer read back into one.
  const bool json = transport == Transport::kConnectJson;
  std::string body;
  if (json ? !protobuf::util::MessageToJsonString(request, &body).ok() : !request.SerializeToString(&body)) {
    return false;
  }
  httplib::Headers headers = {{"Authorization", "Bearer " + client.token},
                              {"Connect-Protocol-Version", "1"},
                              {"Connect-Timeout-Ms", "10000"}};
  auto answer = client.http->Post(("/" + std::string(kService) + "/" + method).c_str(), headers, body,
                                  json ? "application/json" : "application/proto");
  if (!answer || answer->status != 200) {
    return false;
  }
  response->Clear();
  return json ? protobuf::util::JsonStringToMessage(answer->body, response).ok() : response->ParseFromString(answer->body);
}

struct Phase {
  std::vector<double> ms;
  double seconds = 0;
  int failed = 0;
};

// `calls` calls shared among `clients` threads, started together; `one(client, call)` makes one.
Phase RunPhase(std::vector<Client>& clients, int calls, const std::function<bool(Client&, int)>& one) {
  const int count = static_cast<int>(clients.size());
  std::vector<std::vector<double>> per_client(count);
  std::atomic<int> failed{0};
  std::latch start(count + 1);
  std::vector<std::jthread> threads;
  for (int c = 0; c < count; ++c) {
    threads.emplace_back([&, c] {
      start.arrive_and_wait();
      for (int call = 0; call < calls / count; ++call) {
        auto started = Steady::now();
        const bool ok = one(clients[c], call);
        per_client[c].push_back(Millis(Steady::now() - started));
        if (!ok) {
          ++failed;
        }
      }
    });
  }
  auto started = Steady::now();
  start.arrive_and_wait();
  threads.clear();
  Phase phase{.seconds = std::chrono::duration<double>(Steady::now() - started).count(), .failed = failed.load()};
  for (auto& samples : per_client) {
    phase.ms.insert(phase.ms.end(), samples.begin(), samples.end());
  }
  return phase;
}

// Claims `count` items for `client` over gRPC (a lease of an hour), untimed.
bool ClaimFor(Client& client, int count) {
  client.claimed.clear();
  while (static_cast<int>(client.claimed.size()) < count) {
    v1::ClaimItemsRequest request;
    request.set_count(std::min(count - static_cast<int>(client.claimed.size()), 100));
    request.mutable_lease()->set_seconds(3600);
    v1::ClaimItemsResponse response;
    if (!Call(client, Transport::kGrpc, &v1::ReviewService::Stub::ClaimItems, "ClaimItems", request, &response) ||
        response.items_size() == 0) {
      return false;
    }
    for (const v1::Item& item : response.items()) {
      client.claimed.push_back(item.id());
    }
  }
  return true;
}

v1::DecideItemRequest CensorOf(int64_t item) {
  v1::DecideItemRequest request;
  request.set_item_id(item);
  request.set_action(v1::ACTION_CENSOR);
  request.set_justification(kJustification);
  request.add_policy_codes("copyright");
  return request;
}

// One in ten a censor, as in review_bench.
v1::DecideItemRequest DecisionOn(int64_t item) {
  if (item % 10 == 0) {
    return CensorOf(item);
  }
  v1::DecideItemRequest request;
  request.set_item_id(item);
  request.set_action(v1::ACTION_APPROVE);
  return request;
}

struct Outcome {
  double p50 = 0, p99 = 0, per_second = 0;
};

// Rounds of every transport for one call, the first transport rotating; prints each round, then
// per transport the medians over the rounds and each round's p50 against gRPC TCP's.
void Compare(const std::string& title, std::vector<Client>& clients, int rounds,
                                                  int calls,
                                                  const std::function<bool(int)>& before_phase,
                                                  const std::function<bool(Client&, Transport, int)>& one) {
  std::cout << "\n" << title << ", " << clients.size() << (clients.size() == 1 ? " client" : " clients") << ", "
            << calls << " calls a phase\n"
            << std::left << std::setw(7) << "round" << std::setw(17) << "transport" << std::right << std::setw(9)
            << "p50 ms" << std::setw(9) << "p99 ms" << std::setw(10) << "calls/s" << "\n";
  std::map<Transport, std::vector<Outcome>> outcomes;
  for (int round = 0; round < rounds; ++round) {
    for (int i = 0; i < 4; ++i) {
      const Transport transport = kTransports[(round + i) % 4];
      if (!before_phase(calls)) {
        std::cerr << "could not prepare the phase\n";
        std::exit(1);
      }
      Phase phase = RunPhase(clients, calls, [&](Client& client, int call) { return one(client, transport, call); });
      Outcome outcome{.p50 = bench::Percentile(phase.ms, 0.5),
                      .p99 = bench::Percentile(phase.ms, 0.99),
                      .per_second = static_cast<double>(phase.ms.size()) / phase.seconds};
      outcomes[transport].push_back(outcome);
      std::cout << std::left << std::setw(7) << round + 1 << std::setw(17) << NameOf(transport) << std::right
                << std::setw(9) << outcome.p50 << std::setw(9) << outcome.p99 << std::setw(10)
                << outcome.per_second << (phase.failed ? "  FAILED " + std::to_string(phase.failed) : "") << "\n";
      if (phase.failed) {
        std::exit(1);
      }
    }
  }
  auto median = [](std::vector<double> values) { return bench::Percentile(values, 0.5); };
  for (Transport transport : kTransports) {
    std::vector<double> p50, p99, rate, ratio;
    for (size_t round = 0; round < outcomes[transport].size(); ++round) {
      const Outcome& mine = outcomes[transport][round];
      p50.push_back(mine.p50);
      p99.push_back(mine.p99);
      rate.push_back(mine.per_second);
      ratio.push_back(mine.p50 / outcomes[Transport::kGrpc][round].p50);
    }
    std::cout << std::left << std::setw(7) << "median" << std::setw(17) << NameOf(transport) << std::right
              << std::setw(9) << median(p50) << std::setw(9) << median(p99) << std::setw(10) << median(rate)
              << "   p50 / gRPC TCP p50 per round:";
    for (double r : ratio) {
      std::cout << " " << r;
    }
    std::cout << "\n";
  }
}

// Microseconds per call of `work`, over about a second on this thread.
double MicrosPerCall(const std::function<void()>& work) {
  int calls = 0;
  auto started = Steady::now();
  while (Steady::now() - started < 1s) {
    for (int i = 0; i < 100; ++i) {
      work();
    }
    calls += 100;
  }
  return std::chrono::duration<double, std::micro>(Steady::now() - started).count() / calls;
}

// The bridge's own work on one call, without the call (what ConnectBridge::Call does around it):
// JSON parses the body, serialises the request, parses the answer's bytes and prints them as
// JSON; binary parses the body and serialises it again, and passes the answer's bytes on. And
// the client's side of JSON in this benchmark: print the request, parse the answer.
void Ceiling(const std::string& name, const protobuf::Message& request, const protobuf::Message& response) {
  std::string request_json, response_json, request_bytes = request.SerializeAsString(),
                                           response_bytes = response.SerializeAsString();
  (void)protobuf::util::MessageToJsonString(request, &request_json);
  (void)protobuf::util::MessageToJsonString(response, &response_json);
  std::unique_ptr<protobuf::Message> input(request.New()), output(response.New());
  const double json = MicrosPerCall([&] {
    (void)protobuf::util::JsonStringToMessage(request_json, input.get());
    std::string bytes = input->SerializeAsString();
    output->ParseFromString(response_bytes);
    std::string printed;
    (void)protobuf::util::MessageToJsonString(*output, &printed);
  });
  const double binary = MicrosPerCall([&] {
    input->ParseFromString(request_bytes);
    std::string bytes = input->SerializeAsString();
  });
  const double client = MicrosPerCall([&] {
    std::string printed;
    (void)protobuf::util::MessageToJsonString(request, &printed);
    (void)protobuf::util::JsonStringToMessage(response_json, output.get());
  });
  std::cout << std::left << std::setw(12) << name << std::right << std::setw(10) << json << std::setw(10) << binary
            << std::setw(12) << client << std::setw(12) << request_json.size() << std::setw(10) << request_bytes.size()
            << std::setw(13) << response_json.size() << std::setw(12) << response_bytes.size() << "\n";
}

// The first useful paint of the queue, `loads` times, against the calls it waits for (above).
// False when the browser or a call failed.
bool FirstPaint(Client& client, int console_port, int loads) {
  const std::string command = absl::StrCat(NODE_PATH, " ", BROWSER_TESTS_DIR, "first_paint.mjs --url http://127.0.0.1:",
                                           console_port, " --token ", client.token, " --loads ", loads);
  std::unique_ptr<FILE, int (*)(FILE*)> browser(popen(command.c_str(), "r"), pclose);
  std::string output;
  char buffer[4096];
  while (browser && std::fgets(buffer, sizeof buffer, browser.get()) != nullptr) {
    output += buffer;
  }
  const int status = browser ? pclose(browser.release()) : -1;
  auto answer = nlohmann::json::parse(output, nullptr, false);
  if (status != 0 || answer.is_discarded() || !answer.contains("loads_ms")) {
    std::cerr << "first_paint.mjs failed (" << status << "): " << output << "\n";
    return false;
  }
  std::vector<double> paint = answer["loads_ms"].get<std::vector<double>>();
  v1::ListItemsRequest first_page;
  first_page.set_page_size(100);  // the console's page
  std::vector<Client> one;
  one.push_back(std::move(client));
  Phase stats = RunPhase(one, loads, [](Client& caller, int) {
    v1::QueueStats answer;
    return Call(caller, Transport::kConnectJson, &v1::ReviewService::Stub::GetQueueStats, "GetQueueStats",
                v1::GetQueueStatsRequest(), &answer);
  });
  Phase list = RunPhase(one, loads, [&](Client& caller, int) {
    v1::ListItemsResponse answer;
    return Call(caller, Transport::kConnectJson, &v1::ReviewService::Stub::ListItems, "ListItems", first_page,
                &answer) &&
           answer.items_size() == 100;
  });
  client = std::move(one.front());
  if (stats.failed || list.failed) {
    std::cerr << "the page's calls failed\n";
    return false;
  }
  const double paint_p50 = bench::Percentile(paint, 0.5), calls_p50 = bench::Percentile(stats.ms, 0.5) +
                                                                          bench::Percentile(list.ms, 0.5);
  std::cout << "\nThe queue's first useful paint in Chromium, " << loads << " loads: p50 " << paint_p50 << " ms, p95 "
            << bench::Percentile(paint, 0.95) << " ms, max " << bench::Percentile(paint, 1.0) << " ms\n"
            << "  its calls alone over Connect JSON: GetQueueStats p50 " << bench::Percentile(stats.ms, 0.5)
            << " ms, ListItems (100) p50 " << bench::Percentile(list.ms, 0.5) << " ms; paint p50 / calls p50 "
            << paint_p50 / calls_p50 << "\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t items = bench::Flag(argc, argv, "--items", 125'000);
  const int rounds = static_cast<int>(bench::Flag(argc, argv, "--rounds", 3));
  const int list_calls = static_cast<int>(bench::Flag(argc, argv, "--list-calls", 600));
  const int decisions = static_cast<int>(bench::Flag(argc, argv, "--decisions", 800));
  const int paint_loads = static_cast<int>(bench::Flag(argc, argv, "--paint-loads", 15));
  std::cout << std::unitbuf << std::fixed << std::setprecision(2);
  auto database = bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  const std::string url = (*database)->Url();
  auto seeding = Steady::now();
  bench::SeedReviewQueue(url, items, SystemClock::Instance().Now());
  std::cout << "seeded " << items << " review items in " << std::chrono::duration<double>(Steady::now() - seeding).count()
            << " s\n";

  auto review_host = bench::ReviewHost::Start(url);
  if (!review_host.ok()) {
    std::cerr << review_host.status() << "\n";
    return 1;
  }
  server::GrpcHost& host = (*review_host)->host();
  console::ConnectBridge bridge(host.InProcessChannel(), {kService});
  console::ConsoleServer console(bridge, (*review_host)->authenticator());
  auto web_files = console::EmbeddedWebFiles();
  if (!web_files.ok()) {
    std::cerr << web_files.status() << "\n";
    return 1;
  }
  if (auto started = console.Start({.listen = "127.0.0.1:0", .files = *web_files}); !started.ok()) {
    std::cerr << started << "\n";
    return 1;
  }

  std::vector<Client> everyone(8);
  for (int c = 0; c < static_cast<int>(everyone.size()); ++c) {
    Client& client = everyone[c];
    auto token = (*review_host)->AddCurator("bench-curator-" + std::to_string(c), c);
    if (!token.ok()) {
      std::cerr << token.status() << "\n";
      return 1;
    }
    client.token = *token;
    grpc::ChannelArguments own_connection;
    own_connection.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    client.tcp = v1::ReviewService::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(host.port()), grpc::InsecureChannelCredentials(), own_connection));
    client.in_process = v1::ReviewService::NewStub(host.InProcessChannel());
    client.http = std::make_unique<httplib::Client>("127.0.0.1", console.port());
    client.http->set_keep_alive(true);
    client.http->set_tcp_nodelay(true);  // as browsers and curl do
    client.http->set_socket_options([count = client.connections](int) { ++*count; });
  }
  {
    auto pending = (*review_host)->pool().InTransaction([](pqxx::work& tx) {
      std::cout << "pending items: " << tx.exec1("SELECT count(*) FROM review.items WHERE state <> 'decided'")[0].as<int64_t>()
                << "\n";
      return absl::OkStatus();
    });
    if (!pending.ok()) {
      std::cerr << pending << "\n";
      return 1;
    }
  }

  if (paint_loads > 0 && !FirstPaint(everyone[0], console.port(), paint_loads)) {
    return 1;
  }

  v1::ListItemsRequest list;
  list.set_page_size(50);
  // Every listing first: after the decisions a first page is much slower (below).
  auto with_clients = [&](int count, const std::function<void(std::vector<Client>&)>& work) {
    std::vector<Client> clients;
    for (int c = 0; c < count; ++c) {
      clients.push_back(std::move(everyone[c]));
    }
    work(clients);
    for (int c = 0; c < count; ++c) {
      everyone[c] = std::move(clients[c]);
    }
  };
  auto list_page = [&](Client& client, Transport transport) {
    v1::ListItemsResponse page;
    bool ok = Call(client, transport, &v1::ReviewService::Stub::ListItems, "ListItems", list, &page);
    return ok && page.items_size() == 50;
  };
  for (int count : {1, 8}) {
    with_clients(count, [&](std::vector<Client>& clients) {
      // Warm-up: each transport's connection made, the statements prepared.
      for (Transport transport : kTransports) {
        RunPhase(clients, 8 * count, [&](Client& client, int) { return list_page(client, transport); });
      }
      Compare("ListItems, a page of 50", clients, rounds, list_calls * std::min(count, 2), [](int) { return true; },
              [&](Client& client, Transport transport, int) { return list_page(client, transport); });
    });
  }
  for (int count : {1, 8}) {
    with_clients(count, [&](std::vector<Client>& clients) {
      Compare(
          "DecideItem, each on an item claimed before", clients, rounds, decisions * std::min(count, 2),
          [&](int calls) {
            for (Client& client : clients) {
              if (!ClaimFor(client, calls / count)) {
                return false;
              }
            }
            return true;
          },
          [&](Client& client, Transport transport, int call) {
            v1::DecideItemRequest request = DecisionOn(client.claimed[call]);
            v1::Decision decision;
            return Call(client, transport, &v1::ReviewService::Stub::DecideItem, "DecideItem", request, &decision);
          });
    });
  }
  // The decisions took the items due first. A first page after them, and after a VACUUM (to
  // tell dead index entries from the rest): at 125,000 items 77 and 72 ms, against 3 ms before.
  with_clients(1, [&](std::vector<Client>& clients) {
    for (const char* when : {"after the decisions", "after VACUUM review.items"}) {
      Phase phase = RunPhase(clients, 50, [&](Client& client, int) { return list_page(client, Transport::kGrpc); });
      std::cout << "\nListItems over gRPC TCP, 1 client, " << when << ": p50 " << bench::Percentile(phase.ms, 0.5)
                << " ms, p99 " << bench::Percentile(phase.ms, 0.99) << " ms\n";
      pqxx::connection connection(url);
      pqxx::nontransaction tx(connection);
      tx.exec("VACUUM review.items");
    }
  });
  int connections = 0;
  for (const Client& client : everyone) {
    connections += client.connections->load();
  }
  std::cout << "\nHTTP connections opened by the clients: " << connections << "\n";

  std::cout << "\nThe bridge's own work per call (JSON, binary) and the client's for JSON, one thread, no call made\n"
            << std::left << std::setw(12) << "call" << std::right << std::setw(10) << "JSON us" << std::setw(10)
            << "binary us" << std::setw(12) << "client us" << std::setw(12) << "req JSON B" << std::setw(10) << "req bin B" << std::setw(12)
            << "resp JSON B" << std::setw(10) << "resp bin B" << "\n";
  // One real answer of each: a page, and a censor's decision (the larger request).
  v1::ListItemsResponse page;
  v1::Decision decision;
  if (!Call(everyone[0], Transport::kGrpc, &v1::ReviewService::Stub::ListItems, "ListItems", list, &page) ||
      !ClaimFor(everyone[0], 1)) {
    std::cerr << "could not read a page or claim an item\n";
    return 1;
  }
  const v1::DecideItemRequest censor = CensorOf(everyone[0].claimed.front());
  if (!Call(everyone[0], Transport::kGrpc, &v1::ReviewService::Stub::DecideItem, "DecideItem", censor, &decision)) {
    std::cerr << "could not decide an item\n";
    return 1;
  }
  Ceiling("ListItems", list, page);
  Ceiling("DecideItem", censor, decision);
  everyone.clear();  // the console's threads wait out open keep-alive connections (30 s) otherwise
  console.Stop();
  return 0;
}
