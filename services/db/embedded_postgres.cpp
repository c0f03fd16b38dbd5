#include <curation/db/embedded_postgres.hpp>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <libpq-fe.h>

#include <curation/common/logging.hpp>
#include <curation/common/sha256.hpp>

namespace curation::db {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace {

// The socket file name carries the port; nothing listens on TCP.
constexpr int kSocketPort = 5432;
// How long a start waits for another process's server: one that is still shutting down, or one
// that another curationd is still initialising.
constexpr auto kOthersWait = 60s;
// Supervision: a server that died is started again after a pause that doubles with every
// failure in a row, up to the limit; one that has stayed up this long is healthy again.
constexpr int kMaxFailures = 6;
constexpr auto kFirstPause = 500ms;
constexpr auto kLongestPause = 10s;
constexpr auto kStableAfter = 60s;
constexpr int kStartAttempts = 3;

struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

// PostgreSQL refuses to run as root, so root hands the server to an unprivileged account.
absl::StatusOr<RunAs> ServerAccount() {
  if (geteuid() != 0) {
    return RunAs{};
  }
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = getpwnam(name); pw != nullptr) {
      return RunAs{true, pw->pw_uid, pw->pw_gid, name};
    }
  }
  return absl::FailedPreconditionError(
      "running as root and neither a 'postgres' nor a 'nobody' account exists to run the embedded PostgreSQL");
}

absl::StatusOr<std::string> FindBinDir(const std::string& configured) {
  if (!configured.empty()) {
    if (!fs::exists(fs::path(configured) / "postgres")) {
      return absl::NotFoundError(absl::StrCat("no postgres binary in database.embedded_bin_dir ", configured));
    }
    return configured;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(entry.path() / "bin" / "postgres")) {
      candidates.push_back(entry.path() / "bin");
    }
  }
  if (candidates.empty()) {
    return absl::NotFoundError(
        "no PostgreSQL server found in /usr/lib/postgresql; install postgresql-15 or set database.url");
  }
  std::sort(candidates.begin(), candidates.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) < std::stoi(b.parent_path().filename().string());
  });
  return candidates.back().string();
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  }
  if (WIFEXITED(status)) {
    return absl::StrCat("exited with code ", WEXITSTATUS(status));
  }
  return "stopped";
}

// Forks, drops to the server account, and execs; the child dies with its parent.
absl::StatusOr<pid_t> Spawn(const RunAs& account, const std::vector<std::string>& argv, const std::string& log_file) {
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    setsid();
    if (account.drop) {
      if (setgroups(0, nullptr) != 0 || setgid(account.gid) != 0 || setuid(account.uid) != 0) {
        _exit(126);
      }
    }
    // Set after setuid: a credential change clears the parent-death signal.
    prctl(PR_SET_PDEATHSIG, SIGINT);
    if (getppid() != parent) {
      _exit(125);
    }
    int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      close(null_fd);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

absl::Status ChownTree(const fs::path& root, const RunAs& account) {
  if (!account.drop) {
    return absl::OkStatus();
  }
  std::error_code ec;
  if (chown(root.c_str(), account.uid, account.gid) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot hand ", root.string(), " to user ", account.name));
  }
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    lchown(it->path().c_str(), account.uid, account.gid);
  }
  return absl::OkStatus();
}

std::string OwnerName(uid_t uid) {
  const passwd* pw = getpwuid(uid);
  return pw != nullptr ? pw->pw_name : std::to_string(uid);
}

// Why `account` cannot reach the folder `dir` (absolute): the first existing folder on the way
// that it may not search. Folders that do not exist yet are created for it later.
std::optional<std::string> UnreachableBecause(const RunAs& account, const fs::path& dir) {
  if (!account.drop) {
    return std::nullopt;
  }
  fs::path walked;
  for (const fs::path& part : dir.parent_path()) {
    walked /= part;
    struct stat info {};
    if (stat(walked.c_str(), &info) != 0) {
      return std::nullopt;
    }
    mode_t search = info.st_uid == account.uid ? S_IXUSR : info.st_gid == account.gid ? S_IXGRP : S_IXOTH;
    if ((info.st_mode & search) == 0) {
      return absl::StrCat(walked.string(), " is mode ", fmt::format("{:04o}", info.st_mode & 07777),
                          " and owned by ", OwnerName(info.st_uid));
    }
  }
  return std::nullopt;
}

// Where the server's data goes when root's account cannot reach the configured folder: one
// folder per configured path, so two checkouts never share a database.
fs::path FallbackDir(const std::string& root, const fs::path& requested) {
  return fs::path(root) / absl::StrCat("pg-", Hex(Sha256(requested.string())).substr(0, 12));
}

// The live PostgreSQL that postmaster.pid in `dir` names, if any.
std::optional<pid_t> LivePostmaster(const fs::path& dir) {
  std::ifstream lock(dir / "postmaster.pid");
  pid_t pid = 0;
  if (!(lock >> pid) || pid <= 0) {
    return std::nullopt;
  }
  if (kill(pid, 0) != 0 && errno == ESRCH) {
    return std::nullopt;  // a stale file: PostgreSQL replaces it itself
  }
  // A recycled pid (after a reboot or in a new container) is no server of ours.
  std::ifstream comm(absl::StrCat("/proc/", pid, "/comm"));
  std::string name;
  if (comm >> name && name != "postgres") {
    return std::nullopt;
  }
  return pid;
}

std::string LastLines(const std::string& file, size_t count) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> lines = absl::StrSplit(text.str(), '\n', absl::SkipWhitespace());
  if (lines.size() > count) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  }
  return absl::StrJoin(lines, " / ");
}

absl::Status InitDataDir(const EmbeddedPostgresOptions& options, const RunAs& account) {
  fs::path data(options.data_dir);
  std::error_code ec;
  fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace, ec);
  RETURN_IF_ERROR(ChownTree(data, account));
  // initdb's own words go to a file the server account may write, so a failure can quote them.
  char log_template[] = "/tmp/curation-initdb-XXXXXX";
  int log_fd = mkstemp(log_template);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create a log file for initdb: ", strerror(errno)));
  }
  if (account.drop) {
    fchown(log_fd, account.uid, account.gid);
  }
  close(log_fd);
  std::string log_file = log_template;
  ASSIGN_OR_RETURN(pid_t pid, Spawn(account,
                                    {options.bin_dir + "/initdb", "-D", options.data_dir, "-U", "curation",
                                     "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"},
                                    log_file));
  int status = 0;
  waitpid(pid, &status, 0);
  std::string said = LastLines(log_file, 3);
  fs::remove(log_file, ec);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("initdb failed in ", options.data_dir,
                                            account.drop ? absl::StrCat(" (running as user ", account.name, ")") : "",
                                            " and ", DescribeExit(status), said.empty() ? "" : ": ", said));
  }
  return absl::OkStatus();
}

std::string Conninfo(const std::string& socket_dir, const std::string& database) {
  return absl::StrCat("postgresql:///", database, "?host=", socket_dir, "&port=", kSocketPort, "&user=curation");
}

std::chrono::milliseconds PauseAfter(int failures) {
  auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstPause) * (1 << std::min(failures - 1, 8));
  return std::min<std::chrono::milliseconds>(pause, kLongestPause);
}

}  // namespace

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgresOptions options) : options_(std::move(options)) {}

EmbeddedPostgres::~EmbeddedPostgres() {
  Stop().IgnoreError();
  if (lock_fd_ >= 0) {
    close(lock_fd_);  // releases the folder
  }
}

std::string EmbeddedPostgres::Url(const std::string& database) const {
  return Conninfo(options_.data_dir, database.empty() ? options_.database : database);
}

absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> EmbeddedPostgres::Start(EmbeddedPostgresOptions options) {
  auto log = ComponentLogger("db");
  ASSIGN_OR_RETURN(options.bin_dir, FindBinDir(options.bin_dir));
  ASSIGN_OR_RETURN(RunAs account, ServerAccount());
  fs::path requested = fs::absolute(options.data_dir).lexically_normal();
  if (auto blocked = UnreachableBecause(account, requested)) {
    if (options.fallback_root.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database.embedded_dir ", requested.string(), " cannot be reached by user ", account.name,
          ", who runs the embedded PostgreSQL because PostgreSQL refuses to run as root: ", *blocked,
          "; choose a folder that user can reach"));
    }
    fs::path fallback = FallbackDir(options.fallback_root, requested);
    log->warn("{} cannot be reached by user {}, who runs the embedded PostgreSQL because PostgreSQL refuses to run "
              "as root ({}); keeping its data in {} instead",
              requested.string(), account.name, *blocked, fallback.string());
    std::error_code ec;
    fs::create_directories(options.fallback_root, ec);
    fs::permissions(options.fallback_root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add, ec);
    requested = fallback;
  }
  std::error_code ec;
  fs::create_directories(requested, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", requested.string(), ": ", ec.message()));
  }
  if (auto blocked = UnreachableBecause(account, requested)) {  // e.g. created under a umask of 077
    return absl::FailedPreconditionError(absl::StrCat("user ", account.name, " cannot reach ", requested.string(),
                                                      ", where the embedded PostgreSQL keeps its data: ", *blocked));
  }
  options.data_dir = fs::canonical(requested).string();
  // The socket path (dir + "/.s.PGSQL.5432") must fit in sun_path (108 bytes).
  if (options.data_dir.size() > 90) {
    return absl::InvalidArgumentError(
        absl::StrCat("database.embedded_dir ", options.data_dir, " is too long for a Unix socket path (90 chars max)"));
  }
  std::unique_ptr<EmbeddedPostgres> server(new EmbeddedPostgres(options));
  server->lock_fd_ = open(options.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (server->lock_fd_ < 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot open ", options.data_dir, ": ", strerror(errno)));
  }

  // Another curationd (a server starting, or `curationd principal add` beside it) may hold the
  // folder: use its server once it answers, or take the folder over when it lets go.
  fs::path data(options.data_dir);
  auto give_up = SteadyClock::now() + kOthersWait;
  bool told = false;
  while (!server->TryLock()) {
    if (fs::exists(data / "PG_VERSION") && PQping(Conninfo(options.data_dir, "postgres").c_str()) == PQPING_OK) {
      log->info("another curationd process runs the PostgreSQL in {}; using it", options.data_dir);
      RETURN_IF_ERROR(server->EnsureDatabase());
      return server;
    }
    if (SteadyClock::now() > give_up) {
      return absl::UnavailableError(absl::StrCat(
          "another process holds the data folder ", options.data_dir,
          " and its PostgreSQL did not answer within ", kOthersWait.count(), " s: is another curationd stuck there?"));
    }
    if (!told) {
      log->info("another curationd process holds {}; waiting for its PostgreSQL to start", options.data_dir);
      told = true;
    }
    std::this_thread::sleep_for(100ms);
  }

  if (!fs::exists(data / "PG_VERSION")) {
    log->info("initialising a PostgreSQL data folder in {}", options.data_dir);
    RETURN_IF_ERROR(InitDataDir(options, account));
  }
  for (int attempt = 1;; ++attempt) {
    absl::Status launched = server->Launch();
    if (launched.ok()) {
      break;
    }
    if (attempt == kStartAttempts) {
      return launched;
    }
    log->warn("embedded PostgreSQL did not start (attempt {} of {}): {}", attempt, kStartAttempts, launched.message());
    std::this_thread::sleep_for(PauseAfter(attempt));
  }
  RETURN_IF_ERROR(server->EnsureDatabase());
  return server;
}

bool EmbeddedPostgres::TryLock() {
  owns_lock_ = owns_lock_ || flock(lock_fd_, LOCK_EX | LOCK_NB) == 0;
  return owns_lock_;
}

// Creates the application database once the server answers (another process may race us).
absl::Status EmbeddedPostgres::EnsureDatabase() {
  PGconn* admin = PQconnectdb(Conninfo(options_.data_dir, "postgres").c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    std::string message = PQerrorMessage(admin);
    PQfinish(admin);
    return absl::UnavailableError("embedded PostgreSQL started but refuses connections: " + message);
  }
  const char* params[] = {options_.database.c_str()};
  PGresult* exists =
      PQexecParams(admin, "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr, params, nullptr, nullptr, 0);
  bool missing = PQresultStatus(exists) == PGRES_TUPLES_OK && PQntuples(exists) == 0;
  PQclear(exists);
  if (missing) {
    char* quoted = PQescapeIdentifier(admin, options_.database.c_str(), options_.database.size());
    PGresult* created = PQexec(admin, absl::StrCat("CREATE DATABASE ", quoted).c_str());
    PQfreemem(quoted);
    const char* state = PQresultErrorField(created, PG_DIAG_SQLSTATE);
    // Another process creating it at the same moment shows as a duplicate database or key.
    bool raced = state != nullptr && (std::strcmp(state, "42P04") == 0 || std::strcmp(state, "23505") == 0);
    bool ok = PQresultStatus(created) == PGRES_COMMAND_OK || raced;
    std::string message = PQerrorMessage(admin);
    PQclear(created);
    if (!ok) {
      PQfinish(admin);
      return absl::InternalError("cannot create database " + options_.database + ": " + message);
    }
  }
  PQfinish(admin);
  return absl::OkStatus();
}

// A server that was killed (curationd itself, a moment ago) may still be shutting down and
// holds postmaster.pid until it is gone: wait for it rather than fail, and never remove a lock
// file whose process lives.
absl::Status EmbeddedPostgres::WaitForPreviousServer() {
  auto give_up = SteadyClock::now() + kOthersWait;
  bool told = false;
  while (auto previous = LivePostmaster(options_.data_dir)) {
    if (SteadyClock::now() > give_up) {
      return absl::UnavailableError(absl::StrCat("PostgreSQL (pid ", *previous, ") still runs in ", options_.data_dir,
                                                 " after ", kOthersWait.count(),
                                                 " s; stop it, or check that nothing else uses this folder"));
    }
    if (!told) {
      ComponentLogger("db")->info("the previous PostgreSQL in {} (pid {}) is still shutting down; waiting for it",
                                  options_.data_dir, *previous);
      told = true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::Launch() {
  RETURN_IF_ERROR(WaitForPreviousServer());
  ASSIGN_OR_RETURN(RunAs account, ServerAccount());
  const std::string& dir = options_.data_dir;
  ASSIGN_OR_RETURN(pid_t pid,
                   Spawn(account,
                         {options_.bin_dir + "/postgres", "-D", dir, "-k", dir, "-p", std::to_string(kSocketPort), "-c",
                          "listen_addresses=", "-c", "fsync=on", "-c", "max_connections=200", "-c",
                          "shared_buffers=256MB", "-c", "synchronous_commit=on"},
                         dir + "/server.log"));
  pid_ = pid;
  std::string conninfo = Conninfo(dir, "postgres");
  for (int attempt = 0; attempt < 600; ++attempt) {
    if (PQping(conninfo.c_str()) == PQPING_OK) {
      ComponentLogger("db")->info("embedded PostgreSQL ready on socket {}", dir);
      ready_since_ = SteadyClock::now();
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("embedded PostgreSQL ", DescribeExit(status), " at start; see ", dir,
                                              "/server.log: ", LastLines(dir + "/server.log", 2)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop().IgnoreError();
  return absl::DeadlineExceededError(absl::StrCat("embedded PostgreSQL not ready after 30 s; see ", dir, "/server.log"));
}

absl::Status EmbeddedPostgres::Supervise() {
  auto log = ComponentLogger("db");
  auto now = SteadyClock::now();
  if (!owns_lock_) {
    if (!TryLock()) {
      return absl::OkStatus();  // the owner supervises its server
    }
    log->warn("the curationd process that ran the PostgreSQL in {} went away; this one runs it now", options_.data_dir);
    next_launch_ = now;
  }
  if (pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      if (failures_ > 0 && now - ready_since_ > kStableAfter) {
        failures_ = 0;
      }
      return absl::OkStatus();
    }
    ++failures_;
    next_launch_ = now + PauseAfter(failures_);
    log->error("embedded PostgreSQL (pid {}) {}; starting it again in {} ms", pid_, DescribeExit(status),
               PauseAfter(failures_).count());
    pid_ = -1;
  }
  if (now < next_launch_) {
    return absl::OkStatus();
  }
  absl::Status launched = Launch();
  if (launched.ok()) {
    log->info("embedded PostgreSQL is back");
    return absl::OkStatus();
  }
  ++failures_;
  if (failures_ >= kMaxFailures) {
    return absl::UnavailableError(absl::StrCat("embedded PostgreSQL in ", options_.data_dir, " did not come back after ",
                                               failures_, " failures in a row; last: ", launched.message()));
  }
  next_launch_ = SteadyClock::now() + PauseAfter(failures_);
  log->warn("embedded PostgreSQL did not start (failure {} of {} allowed in a row): {}", failures_, kMaxFailures,
            launched.message());
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::Stop() {
  if (pid_ <= 0) {
    return absl::OkStatus();
  }
  kill(pid_, SIGINT);  // fast shutdown: roll back open transactions, checkpoint, exit
  for (int waited = 0; waited < 300; ++waited) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGQUIT);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return absl::DeadlineExceededError("embedded PostgreSQL did not stop within 30 s; it was killed");
}

absl::Status EmbeddedPostgres::Restart() {
  RETURN_IF_ERROR(Stop());
  return Launch();
}

}  // namespace curation::db
