// curatorctl: the command line for curators, the lead and the council.
//   curatorctl queue list|claim|renew|release|decide|revert|stats|codes   the review queue
//   curatorctl log list|show|verify|export    the moderation log
//   curatorctl alerts list|show|ack|resolve|slots|silence|test   hero and featured incidents
//   curatorctl report --term N|--day D|--from F --to T [--format md|csv|json|html]   the council's report
//   curatorctl ingest status                  how far ingest is behind the query node
//   curatorctl ingest backfill                re-read the chain from a block
//   curatorctl probe <video-id|url>           would it play in a browser?
//   curatorctl health                         whether curationd and its services are serving
// Tables for people by default; --json prints one JSON document for scripts. Exit 0 on
// success, 1 on failure, 2 on a usage error; errors are one line on stderr.
// Every call carries `authorization: Bearer <token>`: the token comes from --token-file, else
// CURATION_TOKEN, else `token_file:` in ~/.config/curation/curatorctl.yaml. TLS with --tls-ca
// (or CURATION_TLS_CA, or `tls_ca:`) or --tls (system roots).

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <yaml-cpp/yaml.h>

#include <curation/common/status.hpp>
#include <curation/common/time_format.hpp>
#include <curation/curationd/modules.hpp>
#include <curation/v1/ingest.grpc.pb.h>
#include <curation/v1/probe.grpc.pb.h>
#include <grpc/health/v1/health.grpc.pb.h>

#include "client.hpp"
#include "commands.hpp"

namespace curation::ctl {
namespace {

constexpr char kDefaultAddr[] = "127.0.0.1:7600";

// ~/.config/curation/curatorctl.yaml (XDG_CONFIG_HOME honoured), or an empty node.
const YAML::Node& UserConfig() {
  static const YAML::Node file = [] {
    std::string config_home;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
      config_home = xdg;
    } else if (const char* home = std::getenv("HOME"); home != nullptr) {
      config_home = std::string(home) + "/.config";
    }
    try {
      return YAML::LoadFile(config_home + "/curation/curatorctl.yaml");
    } catch (const YAML::Exception&) {
      return YAML::Node();  // no file, or not YAML: as if empty
    }
  }();
  return file;
}

struct Setting {
  std::string value;
  std::string source;  // "--token-file", "CURATION_TOKEN", "token_file in curatorctl.yaml"; empty if unset
};

// The flag, then the environment variable, then the key of the user's curatorctl.yaml.
Setting Resolve(const std::string& flag_value, const char* flag, const char* env, const char* key) {
  if (!flag_value.empty()) {
    return {flag_value, flag};
  }
  if (const char* value = std::getenv(env); value != nullptr && *value != '\0') {
    return {value, env};
  }
  const YAML::Node& file = UserConfig();
  if (file.IsMap() && file[key] && file[key].IsScalar()) {
    return {file[key].as<std::string>(), std::string(key) + " in curatorctl.yaml"};
  }
  return {};
}

// Flag, then CURATION_ADDR, then `addr:` in curatorctl.yaml, then the default.
std::string ResolveAddr(const std::string& flag) {
  Setting addr = Resolve(flag, "--addr", "CURATION_ADDR", "addr");
  return addr.value.empty() ? kDefaultAddr : addr.value;
}

// Fills the token and TLS settings of `options`; the error says which setting is wrong.
absl::Status ResolveCredentials(Options& options, const std::string& token_file_flag, const std::string& tls_ca_flag) {
  Setting token = Resolve(token_file_flag, "--token-file", "CURATION_TOKEN", "token_file");
  if (token.source == "CURATION_TOKEN") {
    options.token = token.value;
  } else if (!token.value.empty()) {
    ASSIGN_OR_RETURN(options.token, ReadSmallFile(token.value, "the token file (" + token.source + ")"));
  }
  options.token = Trimmed(options.token);
  options.token_source = token.source;
  if (options.token.find_first_of(" \t\r\n") != std::string::npos) {
    return absl::InvalidArgumentError("the token (" + token.source + ") must be one line with no spaces");
  }
  Setting ca = Resolve(tls_ca_flag, "--tls-ca", "CURATION_TLS_CA", "tls_ca");
  if (!ca.value.empty()) {
    options.tls = true;
    ASSIGN_OR_RETURN(options.tls_ca_pem, ReadSmallFile(ca.value, "the TLS CA file (" + ca.source + ")"));
  }
  return absl::OkStatus();
}

std::string VerdictWord(curation::v1::Verdict verdict) {
  std::string name = curation::v1::Verdict_Name(verdict);
  return name.substr(name.find('_') + 1);
}

std::string Ago(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) {
    return "never";
  }
  return curation::FormatIsoTime(ToTime(time)) + " (" + curation::HumanDuration(Since(time)) + " ago)";
}

int IngestStatus(const Options& options) {
  auto stub = curation::v1::IngestService::NewStub(Channel(options));
  curation::v1::IngestStatus status;
  grpc::Status rpc = stub->GetIngestStatus(Context(options).get(), {}, &status);
  if (!rpc.ok()) {
    return Failed(options, rpc);
  }
  if (options.json) {
    return PrintJson(status);
  }
  std::cout << "query node      " << status.query_node_url() << "\n"
            << "high-water block " << status.high_water_block() << "\n"
            << "head block      " << status.head_block() << "  (checked " << Ago(status.head_check_time()) << ")\n"
            << "lag             "
            << (status.has_head_check_time()
                    ? std::to_string(status.lag_blocks()) + " blocks, ~" +
                          curation::HumanDuration(std::chrono::milliseconds(status.lag().seconds() * 1000))
                    : std::string("unknown: the query node's head was never read"))
            << "\n"
            << "last success    " << Ago(status.last_success_time()) << "\n"
            << "last error      " << (status.last_error().empty() ? "none" : status.last_error()) << "\n";
  if (!status.last_error().empty()) {
    std::cout << "                at " << Ago(status.last_error_time()) << "\n";
  }
  std::cout << "rejected items  " << status.rejected_items() << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"STREAM", "MARK", "ITEMS READ", "LAST SUCCESS"}};
  for (const auto& stream : status.streams()) {
    std::string mark = stream.has_mark_time()    ? curation::FormatIsoTime(ToTime(stream.mark_time()))
                       : stream.has_mark_block() ? "block " + std::to_string(stream.mark_block())
                                                 : "not read yet";
    rows.push_back({stream.name(), mark, std::to_string(stream.items_read()),
                    stream.has_last_success_time()
                        ? curation::HumanDuration(Since(stream.last_success_time())) + " ago"
                        : "never"});
  }
  PrintTable(rows);
  return 0;
}

int IngestBackfill(const Options& options, int64_t from_block) {
  auto stub = curation::v1::IngestService::NewStub(Channel(options));
  curation::v1::StartBackfillRequest request;
  request.set_from_block(from_block);
  curation::v1::StartBackfillResponse response;
  grpc::Status rpc = stub->StartBackfill(Context(options).get(), request, &response);
  if (!rpc.ok()) {
    return Failed(options, rpc);
  }
  if (options.json) {
    return PrintJson(response);
  }
  std::cout << "Backfill from block " << response.from_block()
            << " requested; follow it with `curatorctl ingest status`.\n";
  return 0;
}

int Health(const Options& options) {
  auto stub = grpc::health::v1::Health::NewStub(Channel(options));
  bool all_serving = true;
  std::vector<std::vector<std::string>> rows = {{"SERVICE", "STATUS"}};
  // The server as a whole (""), then every service curationd knows, hosted or not.
  std::vector<std::string> services = {""};
  for (std::string_view service : Modules::kGrpcServices) {
    if (!service.empty()) {  // the console has none
      services.emplace_back(service);
    }
  }
  for (const std::string& service : services) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status rpc = stub->Check(Context(options).get(), request, &response);
    if (!rpc.ok() && rpc.error_code() != grpc::NOT_FOUND) {
      return Failed(options, rpc);
    }
    std::string state = rpc.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
                                 : "NOT HOSTED";
    all_serving = all_serving && (!rpc.ok() || response.status() == grpc::health::v1::HealthCheckResponse::SERVING);
    rows.push_back({service.empty() ? "(server)" : service, state});
  }
  if (options.json) {
    std::cout << "{\"serving\": " << (all_serving ? "true" : "false") << "}\n";
  } else {
    PrintTable(rows);
  }
  return all_serving ? 0 : 1;
}


std::string Kilobytes(int64_t bytes) { return std::to_string((bytes + 512) / 1024) + " KiB"; }

void PrintFindings(const google::protobuf::RepeatedPtrField<curation::v1::Finding>& findings, const char* indent) {
  for (const auto& finding : findings) {
    std::cout << indent << (finding.severity() == curation::v1::SEVERITY_FAILURE ? "FAIL " : "warn ")
              << finding.code() << ": " << finding.message() << "\n";
  }
}

void PrintReport(const curation::v1::ProbeReport& report) {
  std::cout << (report.video_id().empty() ? "url" : "video " + report.video_id()) << ": "
            << VerdictWord(report.verdict()) << "  ("
            << (report.depth() == curation::v1::PROBE_DEPTH_FULL ? "full" : "light") << " probe";
  if (report.has_probed_at()) {
    std::cout << ", " << curation::FormatIsoTime(ToTime(report.probed_at())) << ", #" << report.probe_id();
  }
  std::cout << ")\n";
  PrintFindings(report.findings(), "  ");
  for (const auto& source : report.sources()) {
    std::cout << "\n  " << source.role() << "  " << source.url() << "\n    " << VerdictWord(source.verdict())
              << " · HTTP " << source.http_status() << " · " << Kilobytes(source.bytes_read()) << " of "
              << (source.content_length() < 0 ? "?" : Kilobytes(source.content_length())) << " in "
              << source.requests() << " request(s) · "
              << google::protobuf::util::TimeUtil::DurationToMilliseconds(source.wall_time()) << " ms";
    if (!source.x_cache().empty()) std::cout << " · cache " << source.x_cache();
    std::cout << "\n";
    const auto& media = source.media();
    if (!media.container().empty()) {
      std::cout << "    " << media.container();
      if (!media.video_codec().empty()) {
        std::cout << " · " << media.video_codec() << " " << media.video_profile() << " " << media.pixel_format()
                  << " " << media.width() << "x" << media.height();
      }
      if (!media.audio_codec().empty()) std::cout << " · " << media.audio_codec();
      std::cout << " · " << media.duration().seconds() << " s" << (media.faststart() ? " · faststart" : "") << "\n";
    }
    if (!source.image().format().empty()) {
      std::cout << "    " << source.image().format() << " " << source.image().width() << "x" << source.image().height()
                << "\n";
    }
    PrintFindings(source.findings(), "    ");
  }
}

// `target` is a URL (probed as such) or a video id (probed from every node that serves it).
int Probe(Options options, const std::string& target, bool deep, bool history) {
  options.timeout_seconds = std::max(options.timeout_seconds, 120);  // a full probe visits every node
  auto stub = curation::v1::ProbeService::NewStub(Channel(options));
  bool url = target.starts_with("http://") || target.starts_with("https://");
  if (history) {
    curation::v1::ListProbesRequest request;
    (url ? request.mutable_url() : request.mutable_video_id())->assign(target);
    curation::v1::ListProbesResponse response;
    grpc::Status rpc = stub->ListProbes(Context(options).get(), request, &response);
    if (!rpc.ok()) return Failed(options, rpc);
    if (options.json) return PrintJson(response);
    for (const auto& report : response.probes()) {
      PrintReport(report);
      std::cout << "\n";
    }
    return 0;
  }
  curation::v1::ProbeReport report;
  grpc::Status rpc;
  if (url) {
    curation::v1::ProbeUrlRequest request;
    request.set_url(target);
    request.set_deep(deep);
    rpc = stub->ProbeUrl(Context(options).get(), request, &report);
  } else {
    curation::v1::ProbeVideoRequest request;
    request.set_video_id(target);
    rpc = stub->ProbeVideo(Context(options).get(), request, &report);
  }
  if (!rpc.ok()) return Failed(options, rpc);
  if (options.json) return PrintJson(report);
  PrintReport(report);
  return 0;
}

// `ingest status|backfill`, `health` and `probe`: the pipeline's state.
void AddPipelineCommands(CLI::App& app, Runner& run) {
  auto* ingest = app.add_subcommand("ingest", "ingest from the query node")->require_subcommand(1);
  ingest->add_subcommand("status", "high-water mark, lag and errors")->callback([&run] { run = IngestStatus; });
  auto from_block = std::make_shared<int64_t>(0);
  auto* backfill = ingest->add_subcommand("backfill", "re-read everything from a block on");
  backfill->add_option("--from-block", *from_block, "first block to re-read (0 = genesis)")
      ->required()
      ->check(CLI::NonNegativeNumber);
  RunsWith(backfill, run, from_block, IngestBackfill);

  app.add_subcommand("health", "whether curationd and its services are serving")->callback([&run] { run = Health; });

  struct ProbeFlags {
    std::string target;
    bool deep = false;
    bool history = false;
  };
  auto flags = std::make_shared<ProbeFlags>();
  auto* probe = app.add_subcommand("probe", "would a video (from every node serving it) or a URL play in a browser?");
  probe->add_option("target", flags->target, "a video id, or an http(s) URL of a video file or image")->required();
  probe->add_flag("--deep", flags->deep, "for a URL: also look for a black, frozen or silent opening");
  probe->add_flag("--history", flags->history, "show stored probes, newest first, instead of probing now");
  RunsWith(probe, run, flags,
           [](const Options& o, const ProbeFlags& f) { return Probe(o, f.target, f.deep, f.history); });
}

int Run(int argc, char** argv) {
  CLI::App app{"curatorctl: work the curation queue and the moderation log, and inspect the pipeline"};
  Options options;
  std::string addr, token_file, tls_ca;
  app.add_option("--addr", addr, "curationd address host:port (else CURATION_ADDR, else 127.0.0.1:7600)");
  app.add_option("--token-file", token_file,
                 "file holding your bearer token (else CURATION_TOKEN, else token_file: in curatorctl.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-ca", tls_ca, "PEM CA that signed curationd's certificate (else CURATION_TLS_CA, else tls_ca:)")
      ->check(CLI::ExistingFile);
  app.add_flag("--tls", options.tls, "connect with TLS, trusting the system's roots");
  app.add_flag("--json", options.json, "print one JSON document instead of a table");
  app.add_option("--timeout", options.timeout_seconds, "seconds to wait for an answer")->check(CLI::Range(1, 3600));
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `curatorctl queue list --json`

  Runner run;
  AddQueueCommands(app, run);
  AddLogCommands(app, run);
  AddAlertCommands(app, run);
  AddReportCommands(app, run);
  AddPipelineCommands(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  options.addr = ResolveAddr(addr);
  if (auto credentials = ResolveCredentials(options, token_file, tls_ca); !credentials.ok()) {
    return UsageError(std::string(credentials.message()));
  }
  return run ? run(options) : 2;
}

}  // namespace
}  // namespace curation::ctl

int main(int argc, char** argv) { return curation::ctl::Run(argc, argv); }
