#pragma once
// What every curatorctl command shares: the connection to curationd and the context of each
// call (token, deadline), one-line errors that say what to do, JSON and table output, enum
// words on the command line, and flag validators. Private to curatorctl.
//
// Usage (inside a command):
//   auto stub = v1::ReviewService::NewStub(Channel(options));
//   grpc::Status status = stub->GetQueueStats(Context(options).get(), {}, &stats);
//   if (!status.ok()) return Failed(options, status);
//   if (options.json) return PrintJson(stats);

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <absl/status/statusor.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include <curation/common/clock.hpp>
#include <curation/common/table.hpp>

namespace curation::ctl {

/// The global flags, resolved: where curationd is, how to reach it, how to print.
struct Options {
  std::string addr;
  bool json = false;
  int timeout_seconds = 10;
  std::string token;         // empty: none found; the server will say so
  std::string token_source;  // where it came from, for error messages
  bool tls = false;
  std::string tls_ca_pem;  // empty with tls: the system's roots
};

/// A command chosen on the command line, run once the global options are resolved. Each
/// noun's Add*Commands sets it from the callback of the verb that was given.
using Runner = std::function<int(const Options&)>;

/// The one place the connection to curationd is made; every command (and any new one) uses it.
std::shared_ptr<grpc::Channel> Channel(const Options& options);

/// The context for one call: the bearer token and the deadline. Every call goes through it.
std::unique_ptr<grpc::ClientContext> Context(const Options& options);

/// Calls `call` with a fresh Context until it succeeds or fails for good; UNAVAILABLE,
/// DEADLINE_EXCEEDED and ABORTED are tried again (3 attempts, 0.5 s then 1 s apart). Only for
/// calls carrying a request_id, whose retry returns the first outcome instead of repeating it.
grpc::Status CallWithRetry(const Options& options, const std::function<grpc::Status(grpc::ClientContext*)>& call);

/// Makes one call with Context(options). Returns the exit code when the command is done: 1
/// after printing a failure, 0 after printing `answer` as JSON under --json; nullopt when the
/// caller is to print `answer` for people.
///   if (auto done = Ask(options, [&](auto* c) { return stub->GetQueueStats(c, {}, &stats); }, stats)) return *done;
std::optional<int> Ask(const Options& options, const std::function<grpc::Status(grpc::ClientContext*)>& call,
                       const google::protobuf::Message& answer);

/// Makes `command`, when given, choose `fn(options, *flags)` as the run.
template <typename Flags, typename Fn>
void RunsWith(CLI::App* command, Runner& run, std::shared_ptr<Flags> flags, Fn fn) {
  command->callback([&run, flags, fn] { run = [flags, fn](const Options& options) { return fn(options, *flags); }; });
}

/// The failure as one line saying what to do; `hint`, when given, is appended after a
/// semicolon (e.g. how to retry safely). A connection that could not be made is "cannot reach
/// curationd"; a server shedding load is "curationd is busy (...)"; no answer in time is
/// "deadline exceeded (...)".
std::string FailureMessage(const Options& options, const grpc::Status& status, const std::string& hint = "");
/// Prints FailureMessage on stderr after "curatorctl: ", then returns 1.
int Failed(const Options& options, const grpc::Status& status, const std::string& hint = "");
/// A usage problem found after parsing (a bad file, an empty value): one line, returns 2.
int UsageError(const std::string& message);

/// The message as JSON with the proto field names and every field, pretty or on one line.
std::string ToJson(const google::protobuf::Message& message, bool pretty);
/// Prints ToJson(message, pretty) on stdout; returns 0.
int PrintJson(const google::protobuf::Message& message);

/// Reads a paginated list (AIP-158) page after page into `all` until `limit` results or the
/// last page; `results` names the repeated field (`[](auto& r) { return r.mutable_items(); }`);
/// all.next_page_token() stays set when more remain. Returns the exit code when the command is
/// done, as Ask does: 1 after printing a failure, 0 after printing `all` as JSON under --json,
/// 0 after printing `none` when the list is empty; nullopt when the caller is to print `all`.
template <typename Request, typename Response, typename Results>
std::optional<int> AskPages(const Options& options, int limit, Request request, Response& all,
                            const std::function<grpc::Status(grpc::ClientContext*, const Request&, Response*)>& call,
                            Results results, std::string_view none) {
  while (results(all)->size() < limit) {
    request.set_page_size(std::min(limit - results(all)->size(), 1000));
    Response page;
    if (grpc::Status status = call(Context(options).get(), request, &page); !status.ok()) {
      return Failed(options, status);
    }
    for (auto& result : *results(page)) {
      *results(all)->Add() = std::move(result);
    }
    all.set_next_page_token(page.next_page_token());
    if (page.next_page_token().empty()) {
      break;
    }
    request.set_page_token(page.next_page_token());
  }
  if (options.json) {
    return PrintJson(all);
  }
  if (results(all)->empty()) {
    std::cout << none << "\n";
    return 0;
  }
  return std::nullopt;
}

using curation::Fit;
/// curation::PrintTable to stdout.
void PrintTable(const std::vector<std::vector<std::string>>& rows);
/// Width of the terminal on stdout, else $COLUMNS, else 120.
size_t TerminalColumns();

TimePoint ToTime(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp ToTimestamp(TimePoint time);
google::protobuf::Duration ToDuration(std::chrono::milliseconds span);
/// How long ago `timestamp` was (negative: in the future).
std::chrono::milliseconds Since(const google::protobuf::Timestamp& timestamp);
/// RFC 3339 with milliseconds, or "—" when unset.
std::string TimeText(const google::protobuf::Timestamp& timestamp);

/// The words for an enum's values on the command line and in tables: the value's name after
/// `prefix`, lower-cased ("ITEM_STATE_OPEN" -> "open"); *_UNSPECIFIED has none.
class EnumWords {
 public:
  EnumWords(const google::protobuf::EnumDescriptor* type, std::string prefix)
      : type_(type), prefix_(std::move(prefix)) {}
  /// Every word, in declaration order: for --help and CLI::IsMember.
  std::vector<std::string> All() const;
  /// The value of a word (checked by the flag's IsMember); 0 for an unknown one.
  int Value(const std::string& word) const;
  /// The word of a value; the value's number for one this build does not know.
  std::string Word(int value) const;

 private:
  const google::protobuf::EnumDescriptor* type_;
  std::string prefix_;
};

/// Flag checks, so a bad value is a usage error (exit 2) naming the flag.
/// An RFC 3339 time: 2026-03-01T12:00:00Z.
const CLI::Validator& Rfc3339();
/// A span: 10m, 90s, 1h.
const CLI::Validator& Span();

/// Reads a file (or standard input for "-"), at most 1 MiB; NOT_FOUND naming `what` otherwise.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path, const std::string& what);
/// `text` without leading and trailing blanks and newlines.
std::string Trimmed(const std::string& text);

}  // namespace curation::ctl
