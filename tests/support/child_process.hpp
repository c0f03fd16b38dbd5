#pragma once
// Runs a program of ours (curationd, curatorctl) as a child process, its output in a file.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace curation::testing {

class ChildProcess {
 public:
  /// Starts argv[0] with stdout and stderr going to `log_file`.
  ChildProcess(std::vector<std::string> argv, std::string log_file);
  /// Kills the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Signal(int signal);
  /// To the child's process group (it leads one), as a terminal's Ctrl-C sends SIGINT.
  void SignalGroup(int signal);
  /// The exit code, or -1 when it did not exit in time or died by a signal.
  int Wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  std::string log_file_;
};

}  // namespace curation::testing
