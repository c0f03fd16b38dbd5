// curation-probe-worker: the sandboxed half of the prober, started by curationd. Only this
// process maps FFmpeg and OpenCV and reads hostile media; curationd talks to it over a pipe.
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <fmt/core.h>

extern "C" {
#include <libavutil/log.h>
}

#include <curation/common/address_guard.hpp>
#include <curation/common/http_client.hpp>
#include <curation/probe/media_prober.hpp>

#include "findings.hpp"
#include "task_pipe.hpp"

namespace curation::probe {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;

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

// Why this worker cannot probe, told where curationd reads it: curationd gives workers no
// stderr, so every task is answered with the reason until the pipe closes. On stderr too, for
// someone running it by hand.
int RefuseToStart(const std::string& reason, int exit_code) {
  fmt::print(stderr, "curation-probe-worker: {}\n", reason);
  v1::ProbeTask task;
  while (ReadMessage(STDIN_FILENO, task, SteadyClock::time_point::max()) == ReadResult::kDone) {
    SourceReport report;
    report.set_url(task.url());
    report.set_role(task.role());
    Fail(report, code::kProberCrashed, absl::StrCat("the prober cannot start: ", reason));
    report.set_verdict(v1::VERDICT_UNPLAYABLE);
    if (!WriteMessage(STDOUT_FILENO, report)) break;
  }
  return exit_code;
}

// Applies the limits, then answers ProbeTasks on stdin with SourceReports on stdout until stdin
// closes.
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
        return RefuseToStart(range.status().ToString(), 2);
      }
      allowed.push_back(*range);
    } else {
      return RefuseToStart(absl::StrCat("unknown argument ", absl::string_view(arg.data(), arg.size()), "; it is started by curationd"), 2);
    }
  }
  av_log_set_level(AV_LOG_QUIET);  // hostile files make FFmpeg chatty; findings say what matters
  if (auto confined = Confine(memory_limit); !confined.ok()) {
    return RefuseToStart(confined.ToString(), 3);
  }
  if (auto check = MediaProber::SelfCheck(); !check.ok()) {
    return RefuseToStart(check.ToString(), 3);
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

}  // namespace
}  // namespace curation::probe

int main(int argc, char** argv) { return curation::probe::ServeProbeTasks(argc, argv); }
