#include "client.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include <curation/common/time_format.hpp>

namespace curation::ctl {

std::shared_ptr<grpc::Channel> Channel(const Options& options) {
  grpc::ChannelArguments arguments;
  // A term's report comes in one message, far beyond gRPC's default 4 MiB.
  arguments.SetMaxReceiveMessageSize(256 << 20);
  if (!options.tls) {
    return grpc::CreateCustomChannel(options.addr, grpc::InsecureChannelCredentials(), arguments);
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls_ca_pem;  // empty: the system's roots
  return grpc::CreateCustomChannel(options.addr, grpc::SslCredentials(ssl), arguments);
}

std::unique_ptr<grpc::ClientContext> Context(const Options& options) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(options.timeout_seconds));
  if (!options.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options.token);
  }
  return context;
}

grpc::Status CallWithRetry(const Options& options, const std::function<grpc::Status(grpc::ClientContext*)>& call) {
  constexpr int kAttempts = 3;
  std::chrono::milliseconds pause(500);
  for (int attempt = 1;; ++attempt) {
    grpc::Status status = call(Context(options).get());
    bool transient = status.error_code() == grpc::UNAVAILABLE || status.error_code() == grpc::DEADLINE_EXCEEDED ||
                     status.error_code() == grpc::ABORTED;
    if (!transient || attempt == kAttempts) {
      return status;
    }
    std::this_thread::sleep_for(pause);
    pause *= 2;
  }
}

std::optional<int> Ask(const Options& options, const std::function<grpc::Status(grpc::ClientContext*)>& call,
                       const google::protobuf::Message& answer) {
  if (grpc::Status status = call(Context(options).get()); !status.ok()) {
    return Failed(options, status);
  }
  if (options.json) {
    return PrintJson(answer);
  }
  return std::nullopt;
}

namespace {

// gRPC's own words when no connection could be made or kept (1.51); curationd's own
// UNAVAILABLE answers (its database is down) say something else.
bool IsConnectionFailure(const std::string& message) {
  for (const char* words : {"failed to connect", "Connection refused", "DNS resolution failed", "Socket closed",
                            "Connection reset", "empty address list", "Broken pipe", "connections to all backends",
                            "handshake", "Endpoint", "Connect Failed"}) {
    if (message.find(words) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string FailureMessage(const Options& options, const grpc::Status& status, const std::string& hint) {
  const std::string then = hint.empty() ? "" : "; " + hint;
  const std::string& message = status.error_message();
  const std::string tls_hint = options.tls ? "" : "; if it serves TLS, pass --tls or --tls-ca";
  switch (status.error_code()) {
    case grpc::UNAVAILABLE:
      if (IsConnectionFailure(message)) {
        return "cannot reach curationd at " + options.addr + " (" + message +
               "); is it running? set --addr or CURATION_ADDR" + tls_hint + then;
      }
      return "curationd at " + options.addr + " is unavailable (" + message + "); try again in a moment" + then;
    case grpc::RESOURCE_EXHAUSTED:
      return "curationd is busy (" + message + "); try again in a moment" + then;
    case grpc::DEADLINE_EXCEEDED:
      return "deadline exceeded (" + message + "): no answer from curationd at " + options.addr + " within " +
             std::to_string(options.timeout_seconds) + " s; try again, or allow longer with --timeout" + tls_hint +
             then;
    case grpc::UNAUTHENTICATED:
      if (options.token.empty()) {
        return "no token: pass --token-file PATH, set CURATION_TOKEN, or put token_file: in "
               "~/.config/curation/curatorctl.yaml (a lead creates tokens with `curationd principal add`)";
      }
      return "the token from " + options.token_source + " was refused (" + message +
             "); check it, or ask the lead for a new one";
    case grpc::PERMISSION_DENIED:
      return "not allowed: " + message +
             "; use a token whose role may do this (see docs/roles.md, \"Who may do what\"), or ask the lead";
    default:
      return message + then;
  }
}

int Failed(const Options& options, const grpc::Status& status, const std::string& hint) {
  std::cerr << "curatorctl: " << FailureMessage(options, status, hint) << "\n";
  return 1;
}

int UsageError(const std::string& message) {
  std::cerr << "curatorctl: " << message << "\n";
  return 2;
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  print.add_whitespace = pretty;
  (void)google::protobuf::util::MessageToJsonString(message, &json, print);
  return json;
}

int PrintJson(const google::protobuf::Message& message) {
  std::cout << ToJson(message, true);
  return 0;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) { curation::PrintTable(rows, std::cout); }

size_t TerminalColumns() {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr && std::atoi(columns) > 0) {
    return static_cast<size_t>(std::atoi(columns));
  }
  return 120;
}

TimePoint ToTime(const google::protobuf::Timestamp& timestamp) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(timestamp.seconds()) +
                                                                   std::chrono::nanoseconds(timestamp.nanos())));
}

google::protobuf::Timestamp ToTimestamp(TimePoint time) {
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(nanos / 1'000'000'000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  if (timestamp.nanos() < 0) {
    timestamp.set_seconds(timestamp.seconds() - 1);
    timestamp.set_nanos(timestamp.nanos() + 1'000'000'000);
  }
  return timestamp;
}

google::protobuf::Duration ToDuration(std::chrono::milliseconds span) {
  google::protobuf::Duration duration;
  duration.set_seconds(span.count() / 1000);
  duration.set_nanos(static_cast<int32_t>(span.count() % 1000 * 1'000'000));
  return duration;
}

std::chrono::milliseconds Since(const google::protobuf::Timestamp& timestamp) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - ToTime(timestamp));
}

std::string TimeText(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) {
    return "—";
  }
  return FormatIsoTime(ToTime(timestamp));
}

std::vector<std::string> EnumWords::All() const {
  std::vector<std::string> words;
  for (int i = 0; i < type_->value_count(); ++i) {
    if (type_->value(i)->number() != 0) {
      words.push_back(Word(type_->value(i)->number()));
    }
  }
  return words;
}

int EnumWords::Value(const std::string& word) const {
  std::string name = prefix_;
  for (char ch : word) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  const google::protobuf::EnumValueDescriptor* value = type_->FindValueByName(name);
  return value == nullptr ? 0 : value->number();
}

std::string EnumWords::Word(int value) const {
  const google::protobuf::EnumValueDescriptor* found = type_->FindValueByNumber(value);
  if (found == nullptr || !found->name().starts_with(prefix_)) {
    return std::to_string(value);
  }
  std::string word = found->name().substr(prefix_.size());
  for (char& ch : word) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return word;
}

const CLI::Validator& Rfc3339() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        return ParseIsoTime(text) ? "" : "'" + text + "' is not an RFC 3339 time (like 2026-03-01T12:00:00Z)";
      },
      "RFC3339");
  return validator;
}

const CLI::Validator& Span() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        auto span = ParseDuration(text);
        return span && span->count() > 0 ? "" : "'" + text + "' is not a span (like 10m, 90s, 1h)";
      },
      "SPAN");
  return validator;
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, const std::string& what) {
  constexpr size_t kMaxBytes = 1 << 20;
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::NotFoundError("cannot read " + what + " " + path);
    }
    std::ostringstream read;
    read << in.rdbuf();
    text = read.str();
  }
  if (text.size() > kMaxBytes) {
    return absl::InvalidArgumentError(what + " " + path + " is over 1 MiB");
  }
  return text;
}

std::string Trimmed(const std::string& text) {
  const char* blank = " \t\r\n";
  size_t begin = text.find_first_not_of(blank);
  return begin == std::string::npos ? "" : text.substr(begin, text.find_last_not_of(blank) - begin + 1);
}

}  // namespace curation::ctl
