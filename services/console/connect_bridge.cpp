#include <curation/console/connect_bridge.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <future>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <nlohmann/json.hpp>

namespace curation::console {
namespace {

namespace protobuf = google::protobuf;

// The Connect specification's table; every gRPC code once.
constexpr std::array<ConnectCode, 17> kConnectCodes = {{
    {grpc::StatusCode::OK, "ok", 200},
    {grpc::StatusCode::CANCELLED, "canceled", 499},
    {grpc::StatusCode::UNKNOWN, "unknown", 500},
    {grpc::StatusCode::INVALID_ARGUMENT, "invalid_argument", 400},
    {grpc::StatusCode::DEADLINE_EXCEEDED, "deadline_exceeded", 504},
    {grpc::StatusCode::NOT_FOUND, "not_found", 404},
    {grpc::StatusCode::ALREADY_EXISTS, "already_exists", 409},
    {grpc::StatusCode::PERMISSION_DENIED, "permission_denied", 403},
    {grpc::StatusCode::RESOURCE_EXHAUSTED, "resource_exhausted", 429},
    {grpc::StatusCode::FAILED_PRECONDITION, "failed_precondition", 400},
    {grpc::StatusCode::ABORTED, "aborted", 409},
    {grpc::StatusCode::OUT_OF_RANGE, "out_of_range", 400},
    {grpc::StatusCode::UNIMPLEMENTED, "unimplemented", 501},
    {grpc::StatusCode::INTERNAL, "internal", 500},
    {grpc::StatusCode::UNAVAILABLE, "unavailable", 503},
    {grpc::StatusCode::DATA_LOSS, "data_loss", 500},
    {grpc::StatusCode::UNAUTHENTICATED, "unauthenticated", 401},
}};

constexpr char kJson[] = "application/json";
constexpr char kProto[] = "application/proto";

enum class Encoding { kJson, kProto };

// The media type without parameters ("application/json; charset=utf-8" is JSON).
std::optional<Encoding> EncodingOf(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  media = std::string(absl::StripAsciiWhitespace(media));
  absl::AsciiStrToLower(&media);
  if (media == kJson) {
    return Encoding::kJson;
  }
  if (media == kProto) {
    return Encoding::kProto;
  }
  return std::nullopt;
}

ConnectResponse UnsupportedMediaType(std::string_view why) {
  ConnectResponse response = ConnectError(grpc::StatusCode::INVALID_ARGUMENT, why);
  response.http_status = 415;
  response.headers.emplace_back("Accept-Post", std::string(ConnectBridge::kAcceptedTypes));
  return response;
}

// Connect-Timeout-Ms: at most 10 ASCII digits (the specification's bound).
std::optional<std::chrono::milliseconds> ParseTimeout(std::string_view text) {
  if (text.empty() || text.size() > 10 || !std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) {
    return std::nullopt;
  }
  int64_t millis = 0;
  std::from_chars(text.data(), text.data() + text.size(), millis);
  return std::chrono::milliseconds(millis);
}

// gRPC takes only printable ASCII in a text header; a token has nothing else.
bool IsHeaderText(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string flat;
  if (buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  return flat;
}

}  // namespace

const ConnectCode& ConnectCodeOf(grpc::StatusCode code) {
  for (const ConnectCode& entry : kConnectCodes) {
    if (entry.code == code) {
      return entry;
    }
  }
  return ConnectCodeOf(grpc::StatusCode::UNKNOWN);  // a code from outside gRPC's set
}

ConnectResponse ConnectError(grpc::StatusCode code, std::string_view message) {
  const ConnectCode& connect = ConnectCodeOf(code);
  nlohmann::json body = {{"code", connect.name}, {"message", message}};
  return {.http_status = connect.http_status,
          .content_type = kJson,
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ConnectBridge::ConnectBridge(std::shared_ptr<grpc::Channel> channel, std::vector<std::string> services)
    : channel_(std::move(channel)), services_(std::move(services)) {}

ConnectResponse ConnectBridge::Call(const ConnectRequest& request) const {
  // The procedure: a hosted service's unary method, found in the generated descriptors.
  const size_t slash = request.procedure.find('/');
  const std::string service_name = request.procedure.substr(0, slash);
  const protobuf::ServiceDescriptor* service =
      slash == std::string::npos || std::find(services_.begin(), services_.end(), service_name) == services_.end()
          ? nullptr
          : protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  const protobuf::MethodDescriptor* method =
      service == nullptr ? nullptr : service->FindMethodByName(request.procedure.substr(slash + 1));
  if (method == nullptr) {
    return ConnectError(grpc::StatusCode::NOT_FOUND, absl::StrCat("no procedure /", request.procedure));
  }
  std::optional<Encoding> encoding = EncodingOf(request.content_type);
  if (!encoding) {
    return UnsupportedMediaType(absl::StrCat("a call's body is application/json or application/proto, not '",
                                             request.content_type.substr(0, 100), "'"));
  }
  if (method->client_streaming() || method->server_streaming()) {
    return UnsupportedMediaType(absl::StrCat("/", request.procedure, " streams; this listener serves unary calls"));
  }

  // The body, as the method's input type.
  protobuf::MessageFactory* factory = protobuf::MessageFactory::generated_factory();
  std::unique_ptr<protobuf::Message> input(factory->GetPrototype(method->input_type())->New());
  if (*encoding == Encoding::kJson) {
    protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const std::string_view json = request.body.empty() ? std::string_view("{}") : std::string_view(request.body);
    if (auto parsed = protobuf::util::JsonStringToMessage(json, input.get(), options); !parsed.ok()) {
      return ConnectError(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("the body is not a JSON ", method->input_type()->full_name(), ": ",
                                       std::string(parsed.message()).substr(0, 200)));
    }
  } else if (!input->ParseFromString(request.body)) {
    return ConnectError(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("the body is not a binary ", method->input_type()->full_name()));
  }

  // The call, on the path every gRPC call takes.
  grpc::ClientContext context;
  if (!request.authorization.empty()) {
    if (!IsHeaderText(request.authorization)) {
      return ConnectError(grpc::StatusCode::UNAUTHENTICATED, "the Authorization header holds what no token holds");
    }
    context.AddMetadata("authorization", request.authorization);
  }
  if (request.timeout_ms) {
    std::optional<std::chrono::milliseconds> timeout = ParseTimeout(*request.timeout_ms);
    if (!timeout) {
      return ConnectError(grpc::StatusCode::INVALID_ARGUMENT,
                          "Connect-Timeout-Ms is a number of milliseconds of at most 10 digits");
    }
    if (timeout->count() == 0) {  // a call with no time at all is not begun
      return ConnectError(grpc::StatusCode::DEADLINE_EXCEEDED, "Connect-Timeout-Ms is 0: no time to make the call");
    }
    context.set_deadline(std::chrono::system_clock::now() + *timeout);
  }
  const std::string serialized = input->SerializeAsString();
  grpc::Slice slice(serialized);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> ended;
  grpc::GenericStub stub(channel_);
  stub.UnaryCall(&context, absl::StrCat("/", request.procedure), grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&ended](grpc::Status status) { ended.set_value(std::move(status)); });
  grpc::Status status = ended.get_future().get();
  if (!status.ok()) {
    return ConnectError(status.error_code(), status.error_message());
  }

  // The answer, in the request's encoding.
  std::string output_bytes = Flatten(response_buffer);
  if (*encoding == Encoding::kProto) {
    return {.content_type = kProto, .body = std::move(output_bytes)};
  }
  std::unique_ptr<protobuf::Message> output(factory->GetPrototype(method->output_type())->New());
  std::string json;
  // Zeros, false and empty lists written out: an empty queue's stats read {"open": 0, ...}
  // rather than {}, which a person with curl cannot tell from a missing answer.
  protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  if (!output->ParseFromString(output_bytes) || !protobuf::util::MessageToJsonString(*output, &json, print).ok()) {
    return ConnectError(grpc::StatusCode::INTERNAL, "the answer could not be written as JSON");
  }
  return {.content_type = kJson, .body = std::move(json)};
}

}  // namespace curation::console
