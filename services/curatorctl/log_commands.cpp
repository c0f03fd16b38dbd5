// curatorctl log ...: the moderation log (ModerationLogService).
//   log list      entries, oldest first, with filters
//   log show      every field of one entry
//   log verify    check the hash chain since its last verification (--full: all of it); exit 1
//                 naming the first broken link
//   log export    every matching entry as JSON lines or CSV, streamed

#include <unistd.h>

#include <iostream>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <curation/common/csv.hpp>
#include <curation/common/time_format.hpp>
#include <curation/modlog/vocabulary.hpp>
#include <curation/v1/moderation_log.grpc.pb.h>

#include "commands.hpp"

namespace curation::ctl {
namespace {

namespace v1 = curation::v1;
using google::protobuf::FieldDescriptor;

const EnumWords& Kinds() {
  static const EnumWords words(v1::EntryKind_descriptor(), "ENTRY_KIND_");
  return words;
}

// "channel 7" or "video 9" (what a newer server may add reads as a video).
std::string TargetText(const v1::Entry& entry) {
  auto kind = modlog::kTargetKinds.FromProto(entry.target_kind()).value_or(modlog::TargetKind::kVideo);
  return std::string(modlog::kTargetKinds.Human(kind)) + " " + entry.target_id();
}

std::string ChainStatusText(v1::ChainStatus status) {
  switch (status) {
    case v1::CHAIN_STATUS_PENDING:
      return "pending";
    case v1::CHAIN_STATUS_CONFIRMED:
      return "confirmed";
    default:
      return "—";
  }
}

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& words, const char* separator) {
  std::string out;
  for (const std::string& word : words) {
    out += (out.empty() ? "" : separator) + word;
  }
  return out;
}

// The filter flags `log list` and `log export` share.
struct FilterFlags {
  std::string since;
  std::string until;
  std::string actor;
  std::string video;
  std::string channel;
  std::string in_channel;
  std::vector<std::string> kinds;
};

void AddFilterFlags(CLI::App* command, FilterFlags& flags) {
  command->add_option("--since", flags.since, "entries recorded at or after this RFC 3339 time")->check(Rfc3339());
  command->add_option("--until", flags.until, "entries recorded before this RFC 3339 time")->check(Rfc3339());
  command->add_option("--actor", flags.actor, "entries by this principal (\"chain\": written from chain events)");
  auto* video = command->add_option("--video", flags.video, "entries about this video id");
  auto* channel = command->add_option("--channel", flags.channel, "entries about this channel id");
  video->excludes(channel);
  command->add_option("--in-channel", flags.in_channel, "entries about this channel id or any of its videos");
  command->add_option("--kind", flags.kinds, "only these kinds; repeat or comma-separate")
      ->delimiter(',')
      ->check(CLI::IsMember(Kinds().All()));
}

v1::EntryFilter ToFilter(const FilterFlags& flags) {
  v1::EntryFilter filter;
  if (!flags.since.empty()) {
    *filter.mutable_start_time() = ToTimestamp(*ParseIsoTime(flags.since));  // checked by Rfc3339()
  }
  if (!flags.until.empty()) {
    *filter.mutable_end_time() = ToTimestamp(*ParseIsoTime(flags.until));
  }
  filter.set_actor(flags.actor);
  if (!flags.video.empty()) {
    filter.set_target_kind(v1::TARGET_KIND_VIDEO);
    filter.set_target_id(flags.video);
  } else if (!flags.channel.empty()) {
    filter.set_target_kind(v1::TARGET_KIND_CHANNEL);
    filter.set_target_id(flags.channel);
  }
  filter.set_in_channel_id(flags.in_channel);
  for (const std::string& kind : flags.kinds) {
    filter.add_kinds(static_cast<v1::EntryKind>(Kinds().Value(kind)));
  }
  return filter;
}

// log list ----------------------------------------------------------------------------------

struct ListFlags {
  FilterFlags filter;
  int limit = 50;
};

// Decisions carry a justification; escalations and chain entries say what happened in a note.
std::string WhyText(const v1::Entry& entry) {
  return entry.justification().empty() ? entry.note() : entry.justification();
}

int List(const Options& options, const ListFlags& flags) {
  auto stub = v1::ModerationLogService::NewStub(Channel(options));
  v1::ListEntriesRequest request;
  *request.mutable_filter() = ToFilter(flags.filter);
  v1::ListEntriesResponse all;
  if (auto done = AskPages<v1::ListEntriesRequest, v1::ListEntriesResponse>(
      options, flags.limit, request, all,
      [&](auto* context, const auto& page_request, auto* page) {
        return stub->ListEntries(context, page_request, page);
      },
      [](auto& response) { return response.mutable_entries(); },
      "No entries match.")) {
    return *done;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "TIME", "KIND", "ACTOR", "TARGET", "CODES", "CHAIN"}};
  for (const auto& entry : all.entries()) {
    rows.push_back({std::to_string(entry.id()), TimeText(entry.record_time()), Kinds().Word(entry.kind()),
                    Fit(entry.actor(), 20), TargetText(entry), Fit(Joined(entry.policy_codes(), ","), 24),
                    ChainStatusText(entry.chain_status())});
  }
  // The justification takes what the other columns leave of the terminal.
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Utf8Length(row[i]));
    }
  }
  size_t used = 0;
  for (size_t width : widths) {
    used += width + 2;
  }
  size_t room = std::max<size_t>(TerminalColumns() > used ? TerminalColumns() - used : 0, 20);
  rows[0].push_back("JUSTIFICATION");
  for (int i = 0; i < all.entries_size(); ++i) {
    rows[i + 1].push_back(Fit(WhyText(all.entries(i)), room));
  }
  PrintTable(rows);
  if (!all.next_page_token().empty()) {
    std::cout << "(showing the first " << all.entries_size() << "; raise --limit or narrow with --since)\n";
  }
  return 0;
}

// log show ----------------------------------------------------------------------------------

// "key  value" lines; a value's later lines are indented under its first.
void PrintField(const std::string& key, const std::string& value) {
  constexpr size_t kKeyWidth = 15;
  std::string indent(kKeyWidth, ' ');
  std::string text = key + std::string(kKeyWidth > key.size() ? kKeyWidth - key.size() : 1, ' ');
  for (char ch : value) {
    text += ch;
    if (ch == '\n') {
      text += indent;
    }
  }
  std::cout << text << "\n";
}

std::string EventText(const v1::ChainEvent& event) {
  return event.event_id() + ": " + (event.is_hidden() ? "hidden" : "shown") + " by " + event.actor() + " in block " +
         std::to_string(event.block()) + (event.extrinsic().empty() ? "" : ", extrinsic " + event.extrinsic()) +
         ", at " + TimeText(event.event_time()) + "\nrationale: " + event.rationale();
}

int Show(const Options& options, int64_t id) {
  auto stub = v1::ModerationLogService::NewStub(Channel(options));
  v1::GetEntryRequest request;
  request.set_id(id);
  v1::Entry entry;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->GetEntry(context, request, &entry); }, entry)) {
    return *done;
  }
  std::cout << entry.reference() << "  " << Kinds().Word(entry.kind());
  if (entry.chain_status() != v1::CHAIN_STATUS_UNSPECIFIED) {
    std::cout << "  (on chain: " << ChainStatusText(entry.chain_status()) << ")";
  }
  std::cout << "\n\n";
  PrintField("recorded", TimeText(entry.record_time()));
  PrintField("actor",
             entry.actor() + " (" + entry.actor_role() +
                 (entry.actor_worker_id() >= 0 ? ", curator worker " + std::to_string(entry.actor_worker_id()) : "") +
                 ")");
  PrintField("target",
             TargetText(entry) + (entry.item_id() > 0 ? ", review item " + std::to_string(entry.item_id()) : ""));
  if (!entry.policy_codes().empty()) {
    PrintField("policy codes", Joined(entry.policy_codes(), ", "));
  }
  if (!entry.justification().empty()) {
    PrintField("justification", entry.justification());
  }
  if (!entry.note().empty()) {
    PrintField("note", entry.note());
  }
  if (!entry.evidence().empty()) {
    std::string notes;
    for (const v1::Evidence& note : entry.evidence()) {
      notes += (notes.empty() ? "" : "\n") + MediaTime(std::chrono::milliseconds(
                                                   google::protobuf::util::TimeUtil::DurationToMilliseconds(note.offset()))) +
               "  " + note.text();
    }
    PrintField("evidence", notes);
  }
  const v1::Snapshot& seen = entry.snapshot();
  if (!seen.title().empty() || !seen.channel_id().empty()) {
    std::string plays = seen.playability() == v1::VERDICT_UNSPECIFIED
                            ? "not probed"
                            : v1::Verdict_Name(seen.playability()).substr(8) +
                                  (seen.playability_summary().empty() ? "" : ": " + seen.playability_summary());
    PrintField("curator saw", "title: " + seen.title() + "\nchannel: " + seen.channel_title() + " (" +
                                  seen.channel_id() + ")\ncategory: " + seen.category_name() +
                                  (seen.category_id().empty() ? "" : " (" + seen.category_id() + ")") +
                                  "\nplays: " + plays);
  }
  if (entry.reverts_entry_id() > 0) {
    PrintField("reverts", "curation-log#" + std::to_string(entry.reverts_entry_id()));
  }
  if (entry.confirms_entry_id() > 0) {
    PrintField("confirms", "curation-log#" + std::to_string(entry.confirms_entry_id()));
  }
  if (entry.has_chain_event()) {
    PrintField("chain event", EventText(entry.chain_event()));
  }
  if (entry.confirmed_by_entry_id() > 0) {
    std::string confirmed = "curation-log#" + std::to_string(entry.confirmed_by_entry_id());
    v1::GetEntryRequest confirmation_request;
    confirmation_request.set_id(entry.confirmed_by_entry_id());
    v1::Entry confirmation;
    if (stub->GetEntry(Context(options).get(), confirmation_request, &confirmation).ok() &&
        confirmation.has_chain_event()) {
      confirmed += "\n" + EventText(confirmation.chain_event());
    }
    PrintField("confirmed by", confirmed);
  }
  PrintField("position", entry.chain_position() > 0 ? std::to_string(entry.chain_position())
                                                    : "not sealed yet (within about a second)");
  PrintField("content hash", entry.content_hash());
  PrintField("previous hash", entry.previous_hash());
  PrintField("chain hash", entry.chain_hash());
  if (!entry.chain_command().empty()) {
    std::cout << "\n"
              << (entry.chain_status() == v1::CHAIN_STATUS_PENDING ? "apply it on chain with your own key:"
                                                                   : "chain command:")
              << "\n"
              << entry.chain_command() << "\n";
  }
  return 0;
}

// log verify --------------------------------------------------------------------------------

int Verify(Options options, bool full) {
  options.timeout_seconds = std::max(options.timeout_seconds, 300);  // it may read the whole log
  auto stub = v1::ModerationLogService::NewStub(Channel(options));
  v1::VerifyLogRequest request;
  request.set_since_checkpoint(!full);
  v1::VerifyLogResponse report;
  grpc::Status status = stub->VerifyLog(Context(options).get(), request, &report);
  if (!status.ok()) {
    return Failed(options, status);
  }
  if (options.json) {
    PrintJson(report);
  } else if (report.intact()) {
    std::cout << "intact: " << report.entries_checked() << " entries, head " << report.head_hash();
    if (report.unsealed() > 0) {
      std::cout << " (" << report.unsealed() << " newer entries not sealed yet; run again to include them)";
    }
    std::cout << "\n";
    if (report.verified_from() > 0) {
      std::cout << "recomputed the " << report.entries_checked() - report.verified_from()
                << " entries sealed since the last verification (at position " << report.verified_from()
                << "); the whole chain was last recomputed at " << TimeText(report.whole_chain_verify_time())
                << " (`log verify --full` recomputes it now)\n";
    }
  } else {
    std::cout << "BROKEN at entry " << report.broken_entry_id() << " (position " << report.broken_position()
              << "): " << report.problem() << "\n";
  }
  return report.intact() ? 0 : 1;
}

// log export --------------------------------------------------------------------------------

struct ExportFlags {
  FilterFlags filter;
  std::string format = "jsonl";
};

bool IsTime(const google::protobuf::Descriptor* type) { return type->full_name() == "google.protobuf.Timestamp"; }

// CSV columns: every field of Entry in declaration order, nested messages as "outer.inner"; a
// repeated field is one column (its values joined by ';', a message as its JSON).
void CsvHeader(const google::protobuf::Descriptor* type, const std::string& prefix, std::vector<std::string>& out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->type() == FieldDescriptor::TYPE_MESSAGE && !IsTime(field->message_type()) && !field->is_repeated()) {
      CsvHeader(field->message_type(), prefix + field->name() + ".", out);
    } else {
      out.push_back(prefix + field->name());
    }
  }
}

std::string ScalarText(const google::protobuf::Message& message, const FieldDescriptor* field, int index) {
  const google::protobuf::Reflection* r = message.GetReflection();
  bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return (repeated ? r->GetRepeatedEnum(message, field, index) : r->GetEnum(message, field))->name();
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const google::protobuf::Message& value =
          repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field);
      if (IsTime(field->message_type())) {
        return google::protobuf::util::TimeUtil::ToString(static_cast<const google::protobuf::Timestamp&>(value));
      }
      std::string json;  // a repeated message (evidence notes): its JSON in the one cell
      (void)google::protobuf::util::MessageToJsonString(value, &json);
      return json;
    }
    default:
      return "";  // no other types in Entry
  }
}

// The cells of one row, in CsvHeader's order; `present` false fills a missing message's cells.
void CsvCells(const google::protobuf::Message& message, bool present, std::vector<std::string>& out) {
  const google::protobuf::Reflection* r = message.GetReflection();
  const google::protobuf::Descriptor* type = message.GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    bool is_message = field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_repeated();
    if (is_message && !IsTime(field->message_type())) {
      CsvCells(r->GetMessage(message, field), present && r->HasField(message, field), out);
    } else if (!present || (is_message && !r->HasField(message, field))) {
      out.emplace_back();
    } else if (field->is_repeated()) {
      std::string joined;
      for (int k = 0; k < r->FieldSize(message, field); ++k) {
        joined += (k == 0 ? "" : ";") + ScalarText(message, field, k);
      }
      out.push_back(joined);
    } else {
      out.push_back(ScalarText(message, field, -1));
    }
  }
}

int Export(Options options, const ExportFlags& flags) {
  options.timeout_seconds = std::max(options.timeout_seconds, 3600);  // a long log streams for a while
  auto stub = v1::ModerationLogService::NewStub(Channel(options));
  v1::ExportEntriesRequest request;
  *request.mutable_filter() = ToFilter(flags.filter);
  bool csv = flags.format == "csv";
  bool progress = isatty(STDERR_FILENO) != 0;
  if (csv) {
    std::vector<std::string> header;
    CsvHeader(v1::Entry::descriptor(), "", header);
    std::cout << CsvRecord(header);
  }
  auto context = Context(options);
  auto reader = stub->ExportEntries(context.get(), request);
  v1::Entry entry;
  int64_t written = 0;
  auto last_report = std::chrono::steady_clock::now();
  while (reader->Read(&entry)) {
    if (csv) {
      std::vector<std::string> cells;
      CsvCells(entry, true, cells);
      std::cout << CsvRecord(cells);
    } else {
      std::cout << ToJson(entry, false) << "\n";
    }
    ++written;
    if (progress && std::chrono::steady_clock::now() - last_report > std::chrono::milliseconds(200)) {
      std::cerr << "\rexported " << written << " entries" << std::flush;
      last_report = std::chrono::steady_clock::now();
    }
  }
  std::cout.flush();
  grpc::Status status = reader->Finish();
  if (progress) {
    std::cerr << "\rexported " << written << " entries\n";
  }
  if (!status.ok()) {
    return Failed(options, status, written > 0 ? "the export is incomplete" : "");
  }
  if (!std::cout) {
    return UsageError("could not write the export to standard output");
  }
  return 0;
}

}  // namespace

void AddLogCommands(CLI::App& app, Runner& run) {
  auto* log = app.add_subcommand("log", "the moderation log: list, show, verify, export")->require_subcommand(1);

  auto list_flags = std::make_shared<ListFlags>();
  auto* list = log->add_subcommand("list", "entries, oldest first");
  AddFilterFlags(list, list_flags->filter);
  list->add_option("--limit", list_flags->limit, "most entries to show")->check(CLI::Range(1, 100000));
  RunsWith(list, run, list_flags, List);

  auto show_id = std::make_shared<int64_t>(0);
  auto* show = log->add_subcommand("show", "every field of one entry: snapshot, hashes, chain event and command");
  show->add_option("id", *show_id, "the entry id (curation-log#ID)")->required()->check(CLI::PositiveNumber);
  RunsWith(show, run, show_id, Show);

  auto full = std::make_shared<bool>(false);
  auto* verify = log->add_subcommand(
      "verify", "check the hash chain since its last verification, or all of it; exit 1 naming the first broken link");
  verify->add_flag("--full", *full,
                   "recompute the whole chain, not only what was sealed since the last intact verification");
  RunsWith(verify, run, full, Verify);

  auto export_flags = std::make_shared<ExportFlags>();
  auto* exporting = log->add_subcommand("export", "every matching entry to standard output, oldest first");
  AddFilterFlags(exporting, export_flags->filter);
  exporting->add_option("--format", export_flags->format, "jsonl (one JSON object a line) or csv (RFC 4180)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  RunsWith(exporting, run, export_flags, Export);
}

}  // namespace curation::ctl
