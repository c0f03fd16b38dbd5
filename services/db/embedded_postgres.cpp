#include <curation/db/embedded_postgres.hpp>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include <absl/strings/str_cat.h>
#include <libpq-fe.h>

#include <curation/common/logging.hpp>

namespace curation::db {
namespace fs = std::filesystem;
namespace {

// The socket file name carries the port; nothing listens on TCP.
constexpr int kSocketPort = 5432;

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

std::string Conninfo(const std::string& socket_dir, const std::string& database) {
  return absl::StrCat("postgresql:///", database, "?host=", socket_dir, "&port=", kSocketPort, "&user=curation");
}

}  // namespace

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgresOptions options) : options_(std::move(options)) {}

EmbeddedPostgres::~EmbeddedPostgres() { Stop().IgnoreError(); }

std::string EmbeddedPostgres::Url(const std::string& database) const {
  return Conninfo(options_.data_dir, database.empty() ? options_.database : database);
}

absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> EmbeddedPostgres::Start(EmbeddedPostgresOptions options) {
  auto log = ComponentLogger("db");
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", options.data_dir, ": ", ec.message()));
  }
  options.data_dir = fs::canonical(options.data_dir).string();
  // The socket path (dir + "/.s.PGSQL.5432") must fit in sun_path (108 bytes).
  if (options.data_dir.size() > 90) {
    return absl::InvalidArgumentError(
        absl::StrCat("database.embedded_dir ", options.data_dir, " is too long for a Unix socket path (90 chars max)"));
  }
  ASSIGN_OR_RETURN(options.bin_dir, FindBinDir(options.bin_dir));
  ASSIGN_OR_RETURN(RunAs account, ServerAccount());
  std::unique_ptr<EmbeddedPostgres> server(new EmbeddedPostgres(options));

  fs::path data(options.data_dir);
  if (!fs::exists(data / "PG_VERSION")) {
    log->info("initialising a PostgreSQL data folder in {}", options.data_dir);
    fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace, ec);
    RETURN_IF_ERROR(ChownTree(data, account));
    ASSIGN_OR_RETURN(pid_t pid, Spawn(account,
                                      {options.bin_dir + "/initdb", "-D", options.data_dir, "-U", "curation",
                                       "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"},
                                      "/dev/null"));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return absl::InternalError(absl::StrCat(
          "initdb failed in ", options.data_dir,
          account.drop ? absl::StrCat(" (running as user ", account.name,
                                      ": every parent folder must be reachable by that user)")
                       : ""));
    }
  }
  RETURN_IF_ERROR(server->Launch());

  // Create the application database once the server answers.
  PGconn* admin = PQconnectdb(Conninfo(options.data_dir, "postgres").c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    std::string message = PQerrorMessage(admin);
    PQfinish(admin);
    return absl::UnavailableError("embedded PostgreSQL started but refuses connections: " + message);
  }
  const char* params[] = {options.database.c_str()};
  PGresult* exists =
      PQexecParams(admin, "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr, params, nullptr, nullptr, 0);
  bool missing = PQresultStatus(exists) == PGRES_TUPLES_OK && PQntuples(exists) == 0;
  PQclear(exists);
  if (missing) {
    char* quoted = PQescapeIdentifier(admin, options.database.c_str(), options.database.size());
    PGresult* created = PQexec(admin, absl::StrCat("CREATE DATABASE ", quoted).c_str());
    PQfreemem(quoted);
    bool ok = PQresultStatus(created) == PGRES_COMMAND_OK;
    std::string message = PQerrorMessage(admin);
    PQclear(created);
    if (!ok) {
      PQfinish(admin);
      return absl::InternalError("cannot create database " + options.database + ": " + message);
    }
  }
  PQfinish(admin);
  return server;
}

absl::Status EmbeddedPostgres::Launch() {
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
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("embedded PostgreSQL exited at start; see ", dir, "/server.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop().IgnoreError();
  return absl::DeadlineExceededError(absl::StrCat("embedded PostgreSQL not ready after 30 s; see ", dir, "/server.log"));
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
