// Moderation log verification benchmark (not a test), PostgreSQL on a local socket. Writes a
// log of M entries with COPY, hashed as the log hashes them, then measures:
//   1. the SHA-256 ceiling: hashing the same canonical bytes and chain links in-process on one
//      thread, and that time divided by the cores verification spreads over;
//   2. verifying the whole chain, a few runs, and its ratio to that ceiling;
//   3. verifying since the checkpoint the last run left, after A entries were appended one
//      transaction each and sealed, then again with nothing new.
// Each run also gives the CPU time PostgreSQL and the verifier spent, which a busy machine
// changes less than the time taken.
//
//   verify_bench [--entries 1000000] [--appended 1000] [--runs 3]

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include <curation/db/embedded_postgres.hpp>
#include <curation/modlog/log_store.hpp>

#include "bench_database.hpp"

namespace {

using namespace curation;
using Steady = std::chrono::steady_clock;

double SecondsSince(Steady::time_point start) { return std::chrono::duration<double>(Steady::now() - start).count(); }

// CPU seconds this process has used.
double ClientCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The fields of /proc/<pid>/stat from the third (the state) on; none when it is gone.
std::vector<std::string> StatFields(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  std::getline(stat, line);
  std::vector<std::string> fields;
  if (size_t name_end = line.rfind(')'); name_end != std::string::npos) {
    std::istringstream rest(line.substr(name_end + 2));
    for (std::string field; rest >> field;) {
      fields.push_back(field);
    }
  }
  return fields;
}

// CPU seconds of a process from its stat fields: its own user and system time (fields 14 and
// 15) and, with `children`, its reaped children's (16 and 17).
double CpuSecondsOf(const std::vector<std::string>& fields, bool children) {
  if (fields.size() < 15) {
    return 0;
  }
  double ticks = std::stod(fields[11]) + std::stod(fields[12]);
  if (children) {
    ticks += std::stod(fields[13]) + std::stod(fields[14]);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// PostgreSQL's processes and the CPU seconds they used: the postmaster, its live children, and
// the children it reaped (a verification's own connections end before they could be read).
struct ServerUsage {
  double cpu_seconds = 0;
  int processes = 0;
};

ServerUsage UsageOf(const std::string& data_dir) {
  std::ifstream pid_file(data_dir + "/postmaster.pid");
  std::string postmaster;
  pid_file >> postmaster;
  ServerUsage usage{.cpu_seconds = CpuSecondsOf(StatFields(postmaster), true), .processes = 1};
  for (const auto& process : std::filesystem::directory_iterator("/proc")) {
    std::string pid = process.path().filename();
    if (!std::all_of(pid.begin(), pid.end(), ::isdigit)) {
      continue;
    }
    std::vector<std::string> fields = StatFields(pid);
    if (fields.size() > 1 && fields[1] == postmaster) {
      usage.cpu_seconds += CpuSecondsOf(fields, false);
      ++usage.processes;
    }
  }
  return usage;
}

// The CPU seconds PostgreSQL used since `before`, once the connections opened since have ended
// and been reaped (for at most two seconds).
double ServerCpuSince(const std::string& data_dir, const ServerUsage& before) {
  auto until = Steady::now() + std::chrono::seconds(2);
  ServerUsage now = UsageOf(data_dir);
  while (now.processes > before.processes && Steady::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    now = UsageOf(data_dir);
  }
  return now.cpu_seconds - before.cpu_seconds;
}

// Entry number i (from 1) of the benchmark's log: nine approvals, then a censor with a code and
// a justification, by 32 curators over 5,000 channels, 37 ms apart.
modlog::EntryContent BenchEntry(int64_t i) {
  modlog::EntryContent content;
  bool censor = i % 10 == 0;
  content.kind = censor ? modlog::kCensor : modlog::kApprove;
  content.actor = "curator-" + std::to_string(i % 32);
  content.actor_role = "curator";
  content.actor_worker_id = i % 32;
  content.target_kind = "video";
  content.target_id = std::to_string(100000 + i);
  content.item_id = i;
  if (censor) {
    content.justification = "Full album reupload from a major label; no licence was shown.";
    content.policy_codes = {"copyright"};
  }
  content.snapshot = {.title = "Video number " + std::to_string(i) + " from a synced YouTube channel",
                      .channel_id = std::to_string(i % 5000),
                      .channel_title = "Channel " + std::to_string(i % 5000),
                      .category_id = "254433-2",
                      .category_name = "Music",
                      .verdict = "playable",
                      .verdict_summary = "plays"};
  content.recorded_at = TimePoint(std::chrono::seconds(1'800'000'000)) + std::chrono::milliseconds(i * 37);
  return content;
}

std::string CopyTime(TimePoint time) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  std::time_t seconds = micros / 1000000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(micros % 1000000));
  return text;
}

// Writes `count` entries and their chain links through COPY (ids 1..count in a fresh database).
void WriteLog(const std::string& url, int64_t count) {
  pqxx::connection connection(url);
  pqxx::work tx(connection);
  // The bench owns this database: the append-only triggers are not what is measured.
  tx.exec("SET session_replication_role = replica");
  const std::vector<std::string> entry_columns = {
      "kind", "actor", "actor_role", "actor_worker_id", "target_kind", "target_id", "item_id", "justification",
      "policy_codes", "note", "snapshot_title", "snapshot_channel_id", "snapshot_channel_title", "snapshot_category_id",
      "snapshot_category_name", "snapshot_verdict", "snapshot_verdict_summary", "recorded_at", "content_hash"};
  std::vector<std::pair<std::string, std::string>> links;  // previous and chain hash, as bytea text
  links.reserve(static_cast<size_t>(count));
  {
    pqxx::stream_to entries(tx, "modlog.entries", entry_columns);
    std::string tip = modlog::GenesisHash();
    for (int64_t i = 1; i <= count; ++i) {
      modlog::EntryContent content = BenchEntry(i);
      std::string hash = modlog::ContentHash(content);
      std::string link = modlog::ChainHash(tip, hash);
      links.push_back({"\\x" + Hex(tip), "\\x" + Hex(link)});
      tip = link;
      const modlog::Snapshot& s = content.snapshot;
      entries << std::make_tuple(content.kind, content.actor, content.actor_role, *content.actor_worker_id,
                                 content.target_kind, content.target_id, *content.item_id, content.justification,
                                 std::string(content.policy_codes.empty() ? "{}" : "{copyright}"), content.note,
                                 s.title, s.channel_id, s.channel_title, s.category_id, s.category_name, s.verdict,
                                 s.verdict_summary, CopyTime(content.recorded_at), "\\x" + Hex(hash));
    }
    entries.complete();
  }
  {
    pqxx::stream_to chain(tx, "modlog.chain",
                          std::vector<std::string>{"position", "entry_id", "previous_hash", "chain_hash"});
    int64_t position = 0;
    for (const auto& [previous, link] : links) {
      ++position;
      chain << std::make_tuple(position, position, previous, link);
    }
    chain.complete();
  }
  tx.commit();
}

// CPU seconds the calling thread has used.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// The SHA-256 ceiling: one thread hashing what verifying the log hashes, every entry's canonical
// bytes and every link. The bytes are built beforehand, a chunk at a time, outside the timing.
struct Hashing {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t bytes = 0;
};

Hashing HashLikeTheVerifier(int64_t count) {
  constexpr int64_t kChunk = 10000;
  Hashing hashing;
  std::string tip = modlog::GenesisHash();
  std::vector<std::string> chunk;
  for (int64_t first = 1; first <= count; first += kChunk) {
    chunk.clear();
    for (int64_t i = first; i < std::min(first + kChunk, count + 1); ++i) {
      chunk.push_back(modlog::CanonicalBytes(BenchEntry(i)));
      hashing.bytes += static_cast<int64_t>(chunk.back().size()) + 64;
    }
    auto started = Steady::now();
    double cpu = ThreadCpuSeconds();
    for (const std::string& canonical : chunk) {
      tip = modlog::ChainHash(tip, Sha256(canonical));
    }
    hashing.cpu_seconds += ThreadCpuSeconds() - cpu;
    hashing.seconds += SecondsSince(started);
  }
  return hashing;
}

// Runs one verification and prints its time, and the CPU time PostgreSQL and this process spent.
bool Measure(db::EmbeddedPostgres& server, modlog::LogStore& log, modlog::VerifyScope scope, const std::string& what,
             const Hashing& ceiling, int cores) {
  ServerUsage server_before = UsageOf(server.data_dir());
  double client_cpu = ClientCpuSeconds();
  auto started = Steady::now();
  auto report = log.Verify(scope);
  double seconds = SecondsSince(started);
  client_cpu = ClientCpuSeconds() - client_cpu;
  double server_cpu = ServerCpuSince(server.data_dir(), server_before);
  if (!report.ok() || !report->intact) {
    std::cerr << "verify failed: " << (report.ok() ? report->problem : report.status().ToString()) << "\n";
    return false;
  }
  std::cout << "  " << what << ": " << report->entries_checked - report->verified_from << " of "
            << report->entries_checked << " entries recomputed in " << seconds << " s";
  if (scope == modlog::VerifyScope::kWholeChain) {
    std::cout << " = " << seconds / (ceiling.seconds / cores) << " x the SHA-256 ceiling";
  }
  std::cout << "; CPU: PostgreSQL " << server_cpu << " s, verifier " << client_cpu << " s\n";
  return true;
}

int Run(db::EmbeddedPostgres& server, int64_t entries, int64_t appended, int runs) {
  std::string url = server.Url();
  std::cout << "writing " << entries << " log entries...\n";
  auto written = Steady::now();
  WriteLog(url, entries);
  {
    pqxx::connection connection(url);
    pqxx::nontransaction(connection).exec("VACUUM ANALYZE modlog.entries");
    pqxx::nontransaction(connection).exec("VACUUM ANALYZE modlog.chain");
  }
  std::cout << "  written in " << SecondsSince(written) << " s\n";

  Hashing ceiling = HashLikeTheVerifier(entries);
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::cout << "SHA-256 ceiling: the same " << entries << " entries' bytes and links (" << ceiling.bytes / 1000000
            << " MB) hashed in-process in " << ceiling.seconds << " s on one thread (CPU " << ceiling.cpu_seconds
            << " s, " << static_cast<double>(ceiling.bytes) / ceiling.cpu_seconds / 1e6 << " MB/s), "
            << ceiling.seconds / cores << " s over " << cores << " cores\n";

  auto pool = db::Pool::Create({.url = url, .size = 4, .statements = modlog::LogStore::Statements()});
  if (!pool.ok()) {
    std::cerr << pool.status() << "\n";
    return 1;
  }
  modlog::LogStore log(**pool);
  for (int run = 1; run <= runs; ++run) {
    if (!Measure(server, log, modlog::VerifyScope::kWholeChain, "whole chain, run " + std::to_string(run), ceiling,
                 cores)) {
      return 1;
    }
  }
  // New entries as curators write them, each in its own transaction, then sealed.
  for (int64_t i = entries + 1; i <= entries + appended; ++i) {
    absl::Status status = (*pool)->InTransaction([&](pqxx::work& tx) {
      modlog::LogStore::Append(tx, BenchEntry(i));
      return absl::OkStatus();
    });
    if (!status.ok()) {
      std::cerr << status << "\n";
      return 1;
    }
  }
  if (absl::Status sealed = log.SealAll(); !sealed.ok()) {
    std::cerr << sealed << "\n";
    return 1;
  }
  return Measure(server, log, modlog::VerifyScope::kSinceCheckpoint,
                 "since the checkpoint, " + std::to_string(appended) + " entries appended", ceiling, cores) &&
                 Measure(server, log, modlog::VerifyScope::kSinceCheckpoint, "since the checkpoint, nothing new",
                         ceiling, cores)
             ? 0
             : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t entries = 1000000, appended = 1000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int64_t value = std::stoll(argv[i + 1]);
    if (flag == "--entries") entries = value;
    if (flag == "--appended") appended = value;
    if (flag == "--runs") runs = static_cast<int>(value);
  }
  std::cout << std::unitbuf << std::fixed << std::setprecision(2);
  auto database = bench::BenchDatabase::Start();
  if (!database.ok()) {
    std::cerr << database.status() << "\n";
    return 1;
  }
  return Run((*database)->Server(), entries, appended, runs);
}
