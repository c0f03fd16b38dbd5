#include <curation/probe/probe_sandbox.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cassert>
#include <cstring>

#include <absl/strings/str_cat.h>
#include <google/protobuf/util/time_util.h>

#include <curation/common/logging.hpp>

#include "findings.hpp"
#include "task_pipe.hpp"

namespace curation::probe {
namespace {

using google::protobuf::util::TimeUtil;
using SteadyClock = std::chrono::steady_clock;

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  if (WIFEXITED(status)) return absl::StrCat("exited with code ", WEXITSTATUS(status));
  return "stopped";
}

}  // namespace

// One worker process, used by one probing thread at a time. Its process id is guarded because
// Kill() comes from another thread (the sandbox's Shutdown): a process is reaped under the same
// lock, so Kill() can never hit a reused id.
class ProbeSandbox::Worker {
 public:
  Worker(const SandboxOptions& options, const std::atomic<bool>& shutting_down)
      : options_(options), shutting_down_(shutting_down) {}
  ~Worker() { Stop(); }

  pid_t pid() const {
    std::lock_guard lock(process_mutex_);
    return pid_;
  }

  void Kill() {
    std::lock_guard lock(process_mutex_);
    if (pid_ > 0) kill(pid_, SIGKILL);
  }

  // UNAVAILABLE when the sandbox shut down before the probe could finish.
  absl::StatusOr<SourceReport> Probe(const ProbeTarget& target) {
    SourceReport report;
    report.set_url(target.url);
    report.set_role(target.role);
    auto started = SteadyClock::now();
    ReplaceIfDead();
    if (pid_ < 0) {
      if (auto spawned = Spawn(); absl::IsUnavailable(spawned)) {
        return spawned;
      } else if (!spawned.ok()) {
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
    pid_t pid = pid_;
    std::string how = Stop();
    if (shutting_down_) {
      return ShutDown(target);
    }
    report.Clear();
    report.set_url(target.url);
    report.set_role(target.role);
    if (overran) {
      ComponentLogger("probe")->warn("probe worker {} overran its {} ms on {} and was stopped ({})", pid,
                                     (options_.deadline + options_.grace).count(), target.url, how);
      Fail(report, code::kTimeout,
           absl::StrCat("the prober did not finish within ", (options_.deadline + options_.grace).count(),
                        " ms and was stopped"));
    } else {
      ComponentLogger("probe")->warn("probe worker {} {} while probing {}", pid, how, target.url);
      Fail(report, code::kProberCrashed,
           absl::StrCat("the prober died on this file (", how, "): a crafted or broken file; nothing else was affected"));
    }
    *report.mutable_wall_time() = TimeUtil::NanosecondsToDuration(
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - started).count());
    report.set_verdict(v1::VERDICT_UNPLAYABLE);
    return report;
  }

 private:
  static absl::Status ShutDown(const ProbeTarget& target) {
    return absl::UnavailableError(absl::StrCat("curationd is shutting down: the probe of ", target.url,
                                               " was stopped before it finished; it says nothing about the file"));
  }

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
    // The worker's stderr: decoders write warnings there ("Corrupt JPEG data"), and under the
    // worker's file-size limit of 0 a write to an inherited log file would kill it (SIGXFSZ).
    // What it has to say goes through the task pipe.
    int null_device = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_device < 0) {
      close(sockets[0]);
      close(sockets[1]);
      return absl::InternalError(absl::StrCat("/dev/null: ", strerror(errno)));
    }
    std::unique_lock lock(process_mutex_);
    if (shutting_down_) {  // a worker started after Shutdown() killed the others would run on
      close(sockets[0]);
      close(sockets[1]);
      close(null_device);
      return absl::UnavailableError("curationd is shutting down: no probe worker is started any more");
    }
    pid_t pid = fork();
    if (pid < 0) {
      close(sockets[0]);
      close(sockets[1]);
      close(null_device);
      return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      setpgid(0, 0);  // out of curationd's process group: a terminal's Ctrl-C is for curationd alone
      dup2(sockets[1], STDIN_FILENO);
      dup2(sockets[1], STDOUT_FILENO);
      dup2(null_device, STDERR_FILENO);
      close_range(3, ~0U, 0);  // nothing of the parent's (database sockets) leaks in
      execve(argv[0], argv.data(), empty_environment);
      _exit(127);
    }
    close(null_device);
    close(sockets[1]);
    socket_ = sockets[0];
    pid_ = pid;
    return absl::OkStatus();
  }

  // A worker that ended while idle (it could not start, or was killed) is forgotten before it
  // is given a task, so its end is not blamed on the next file.
  void ReplaceIfDead() {
    std::lock_guard lock(process_mutex_);
    int status = 0;
    if (pid_ < 0 || waitpid(pid_, &status, WNOHANG) != pid_) return;
    ComponentLogger("probe")->warn("probe worker {} {} while idle; starting another", pid_, DescribeExit(status));
    close(socket_);
    socket_ = -1;
    pid_ = -1;
  }

  // Kills the worker if it runs and says how it ended.
  std::string Stop() {
    std::lock_guard lock(process_mutex_);
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
  const std::atomic<bool>& shutting_down_;
  mutable std::mutex process_mutex_;
  pid_t pid_ = -1;  // written under process_mutex_ by the probing thread, which alone reads it unlocked
  int socket_ = -1;
};

ProbeSandbox::ProbeSandbox(SandboxOptions options) : options_(std::move(options)) {
  assert(options_.workers > 0);
  for (int i = 0; i < options_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(options_, shutting_down_));
    idle_.push_back(workers_.back().get());
  }
}

ProbeSandbox::~ProbeSandbox() = default;

SourceReport ProbeSandbox::Probe(const ProbeTarget& target) {
  auto report = Probe(target, std::nullopt);
  assert(report.ok() && "only Shutdown() makes a probe without deadline fail");
  return *std::move(report);
}

absl::StatusOr<SourceReport> ProbeSandbox::Probe(const ProbeTarget& target, std::optional<TimePoint> deadline) {
  Worker* worker = nullptr;
  {
    std::unique_lock lock(mutex_);
    auto some_idle = [&] { return !idle_.empty() || shutting_down_; };
    if (!deadline) {
      freed_.wait(lock, some_idle);
    } else {
      // Waited for on the steady clock: a step of the wall clock must not stretch or cut the wait.
      auto until = SteadyClock::now() + (*deadline - SystemClock::Instance().Now());
      if (!freed_.wait_until(lock, until, some_idle)) {
        return absl::DeadlineExceededError(absl::StrCat("all ", workers_.size(),
                                                        " probe workers stayed busy until the deadline; nothing was probed"));
      }
    }
    if (shutting_down_) {
      return absl::UnavailableError(absl::StrCat("curationd is shutting down; ", target.url, " was not probed"));
    }
    worker = idle_.back();
    idle_.pop_back();
  }
  absl::StatusOr<SourceReport> report = worker->Probe(target);
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(worker);
  }
  freed_.notify_one();
  return report;
}

void ProbeSandbox::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  freed_.notify_all();
  for (const auto& worker : workers_) {
    worker->Kill();
  }
}

std::vector<int> ProbeSandbox::WorkerPids() const {
  std::lock_guard lock(mutex_);
  std::vector<int> pids;
  for (const auto& worker : workers_) {
    if (worker->pid() > 0) pids.push_back(worker->pid());
  }
  return pids;
}

}  // namespace curation::probe
