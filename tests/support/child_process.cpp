#include "child_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

namespace curation::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_file) : log_file_(std::move(log_file)) {
  std::fflush(nullptr);  // or the child inherits, and prints again, what the parent buffered
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);  // its own process group, for SignalGroup (a terminal's Ctrl-C)
    if (std::freopen(log_file_.c_str(), "w", stdout) != nullptr) {
      dup2(fileno(stdout), STDERR_FILENO);
    }
    std::vector<char*> args;
    for (auto& arg : argv) {
      args.push_back(arg.data());
    }
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

void ChildProcess::SignalGroup(int signal) {
  if (pid_ > 0) {
    kill(-pid_, signal);
  }
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) {
    kill(pid_, signal);
  }
}

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0 && std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string ChildProcess::Output() const {
  std::ifstream in(log_file_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace curation::testing
