#include <curation/probe/probe_sandbox.hpp>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cassert>
#include <cstring>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/time_util.h>

extern "C" {
#include <libavutil/log.h>
}

#include <curation/common/address_guard.hpp>
#include <curation/common/logging.hpp>

#include "findings.hpp"

namespace curation::probe {
namespace {

using google::protobuf::util::TimeUtil;
using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kMaxMessageBytes = 4 << 20;
constexpr uid_t kNobody = 65534;

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = send(fd, data, size, MSG_NOSIGNAL);  // a dead peer is an error, not SIGPIPE
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

enum class ReadResult { kDone, kClosed, kTimedOut };

// Reads exactly `size` bytes before `deadline`.
ReadResult ReadAll(int fd, char* data, size_t size, SteadyClock::time_point deadline) {
  while (size > 0) {
    int64_t left = -1;  // no deadline: wait as long as it takes
    if (deadline != SteadyClock::time_point::max()) {
      left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
      if (left <= 0) return ReadResult::kTimedOut;
    }
    pollfd poll_fd{fd, POLLIN, 0};
    int ready = poll(&poll_fd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the deadline check above decides
    if (ready < 0) return ReadResult::kClosed;
    ssize_t got = read(fd, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return ReadResult::kClosed;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return ReadResult::kDone;
}

// A 4-byte little-endian length, then the serialized message.
bool WriteMessage(int fd, const google::protobuf::MessageLite& message) {
  std::string bytes = message.SerializeAsString();
  uint32_t length = static_cast<uint32_t>(bytes.size());
  char prefix[4] = {static_cast<char>(length), static_cast<char>(length >> 8), static_cast<char>(length >> 16),
                    static_cast<char>(length >> 24)};
  return WriteAll(fd, prefix, 4) && WriteAll(fd, bytes.data(), bytes.size());
}

ReadResult ReadMessage(int fd, google::protobuf::MessageLite& message, SteadyClock::time_point deadline) {
  unsigned char prefix[4];
  if (auto result = ReadAll(fd, reinterpret_cast<char*>(prefix), 4, deadline); result != ReadResult::kDone) {
    return result;
  }
  uint32_t length = prefix[0] | prefix[1] << 8 | prefix[2] << 16 | static_cast<uint32_t>(prefix[3]) << 24;
  if (length > kMaxMessageBytes) return ReadResult::kClosed;
  std::string bytes(length, '\0');
  if (auto result = ReadAll(fd, bytes.data(), length, deadline); result != ReadResult::kDone) {
    return result;
  }
  return message.ParseFromString(bytes) ? ReadResult::kDone : ReadResult::kClosed;
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  if (WIFEXITED(status)) return absl::StrCat("exited with code ", WEXITSTATUS(status));
  return "stopped";
}

}  // namespace

class ProbeSandbox::Worker {
 public:
  explicit Worker(const SandboxOptions& options) : options_(options) {}
  ~Worker() { Stop(); }

  pid_t pid() const { return pid_; }

  SourceReport Probe(const ProbeTarget& target) {
    SourceReport report;
    report.set_url(target.url);
    report.set_role(target.role);
    auto started = SteadyClock::now();
    if (pid_ < 0) {
      if (auto spawned = Spawn(); !spawned.ok()) {
        Fail(report, code::kProberCrashed, absl::StrCat("no prober could be started: ", spawned.message()));
        report.set_verdict(v1::VERDICT_UNPLAYABLE);
        return report;
      }
    }
    v1::ProbeTask task;
    task.set_url(target.url);
    task.set_role(target.role);
    task.set_kind(target.kind);
    if (target.expected_size) task.set_expected_size(*target.expected_size);
    task.set_deep(target.deep);
    *task.mutable_deadline() = TimeUtil::MillisecondsToDuration(options_.deadline.count());
    auto deadline = started + options_.deadline + options_.grace;
    ReadResult result = WriteMessage(socket_, task) ? ReadMessage(socket_, report, deadline) : ReadResult::kClosed;
    if (result == ReadResult::kDone) {
      report.set_worker(absl::StrCat("probe-worker-", pid_));
      return report;
    }
    bool overran = result == ReadResult::kTimedOut;
    std::string how = Stop();
    report.Clear();
    report.set_url(target.url);
    report.set_role(target.role);
    if (overran) {
      Fail(report, code::kTimeout,
           absl::StrCat("the prober did not finish within ", (options_.deadline + options_.grace).count(),
                        " ms and was stopped"));
    } else {
      Fail(report, code::kProberCrashed,
           absl::StrCat("the prober died on this file (", how, "): a crafted or broken file; nothing else was affected"));
    }
    *report.mutable_wall_time() = TimeUtil::NanosecondsToDuration(
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - started).count());
    report.set_verdict(v1::VERDICT_UNPLAYABLE);
    return report;
  }

 private:
  absl::Status Spawn() {
    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
      return absl::InternalError(absl::StrCat("socketpair: ", strerror(errno)));
    }
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed in a threaded process.
    std::vector<std::string> args = {options_.worker_path,
                                     absl::StrCat("--deadline-ms=", options_.deadline.count()),
                                     absl::StrCat("--max-bytes=", options_.max_bytes),
                                     absl::StrCat("--memory-limit=", options_.memory_limit_bytes)};
    for (const auto& range : options_.allow_addresses) {
      args.push_back(absl::StrCat("--allow=", range));
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    char* empty_environment[] = {nullptr};
    pid_t pid = fork();
    if (pid < 0) {
      close(sockets[0]);
      close(sockets[1]);
      return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(sockets[1], STDIN_FILENO);
      dup2(sockets[1], STDOUT_FILENO);
      close_range(3, ~0U, 0);  // nothing of the parent's (database sockets) leaks in
      execve(argv[0], argv.data(), empty_environment);
      _exit(127);
    }
    close(sockets[1]);
    socket_ = sockets[0];
    pid_ = pid;
    return absl::OkStatus();
  }

  // Kills the worker if it runs and says how it ended.
  std::string Stop() {
    if (pid_ < 0) return "not running";
    close(socket_);
    socket_ = -1;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    return DescribeExit(status);
  }

  const SandboxOptions& options_;
  pid_t pid_ = -1;
  int socket_ = -1;
};

ProbeSandbox::ProbeSandbox(SandboxOptions options) : options_(std::move(options)) {
  assert(options_.workers > 0);
  for (int i = 0; i < options_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(options_));
    idle_.push_back(workers_.back().get());
  }
}

ProbeSandbox::~ProbeSandbox() = default;

SourceReport ProbeSandbox::Probe(const ProbeTarget& target) {
  Worker* worker = nullptr;
  {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return !idle_.empty(); });
    worker = idle_.back();
    idle_.pop_back();
  }
  SourceReport report = worker->Probe(target);
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(worker);
  }
  freed_.notify_one();
  return report;
}

std::vector<int> ProbeSandbox::WorkerPids() const {
  std::lock_guard lock(mutex_);
  std::vector<int> pids;
  for (const auto& worker : workers_) {
    if (worker->pid() > 0) pids.push_back(worker->pid());
  }
  return pids;
}

namespace {

void Limit(int resource, rlim_t value) {
  rlimit limit{value, value};
  setrlimit(resource, &limit);
}

// Drops what a parser exploit could use: memory, files, core dumps, privileges.
absl::Status Confine(int64_t memory_limit) {
  Limit(RLIMIT_AS, static_cast<rlim_t>(memory_limit));
  Limit(RLIMIT_CORE, 0);
  Limit(RLIMIT_FSIZE, 0);
  Limit(RLIMIT_NOFILE, 64);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(absl::StrCat("no_new_privs: ", strerror(errno)));
  }
  if (geteuid() == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) {
      return absl::InternalError(absl::StrCat("cannot drop root: ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int ServeProbeTasks(int argc, char** argv) {
  ProbeLimits limits;
  int64_t memory_limit = 1ll << 30;
  std::vector<AddressRange> allowed;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> std::optional<std::string_view> {
      if (!arg.starts_with(name)) return std::nullopt;
      return arg.substr(name.size());
    };
    int64_t number = 0;
    if (auto v = value("--deadline-ms="); v && absl::SimpleAtoi(absl::string_view(v->data(), v->size()), &number)) {
      limits.deadline = std::chrono::milliseconds(number);
    } else if (auto v = value("--max-bytes="); v && absl::SimpleAtoi(absl::string_view(v->data(), v->size()), &number)) {
      limits.max_bytes = number;
    } else if (auto v = value("--memory-limit="); v && absl::SimpleAtoi(absl::string_view(v->data(), v->size()), &number)) {
      memory_limit = number;
    } else if (auto v = value("--allow=")) {
      auto range = AddressRange::Parse(std::string(*v));
      if (!range.ok()) {
        fmt::print(stderr, "curation-probe-worker: {}\n", range.status());
        return 2;
      }
      allowed.push_back(*range);
    } else {
      fmt::print(stderr, "curation-probe-worker: unknown argument {}; it is started by curationd\n", arg);
      return 2;
    }
  }
  av_log_set_level(AV_LOG_QUIET);  // hostile files make FFmpeg chatty; findings say what matters
  if (auto confined = Confine(memory_limit); !confined.ok()) {
    fmt::print(stderr, "curation-probe-worker: {}\n", confined);
    return 3;
  }
  if (auto check = MediaProber::SelfCheck(); !check.ok()) {
    fmt::print(stderr, "curation-probe-worker: {}\n", check);
    return 3;
  }
  AddressGuard guard(allowed);
  HttpClient http(&guard);
  MediaProber prober(http, limits);
  auto forever = SteadyClock::time_point::max();
  while (true) {
    v1::ProbeTask task;
    if (ReadMessage(STDIN_FILENO, task, forever) != ReadResult::kDone) {
      return 0;  // curationd closed the pipe
    }
    ProbeTarget target{.url = task.url(), .role = task.role(), .kind = task.kind(), .deep = task.deep()};
    if (task.has_expected_size()) target.expected_size = task.expected_size();
    if (!WriteMessage(STDOUT_FILENO, prober.Probe(target))) {
      return 0;
    }
  }
}

}  // namespace curation::probe
