#include <curation/modlog/entry.hpp>

#include <algorithm>
#include <charconv>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/text.hpp>

namespace curation::modlog {
namespace {

constexpr char kCanonicalVersion[] = "curation-modlog/1";
constexpr std::string_view kReferencePrefix = "curation-log#";

void AppendField(std::string& out, std::string_view value) {
  uint32_t size = static_cast<uint32_t>(value.size());
  const char length[4] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16), static_cast<char>(size >> 8),
                          static_cast<char>(size)};
  out.append(length, sizeof length).append(value);
}

// Absent and present are told apart: "" versus "=<value>".
void AppendOptional(std::string& out, const std::optional<int64_t>& value) {
  AppendField(out, value ? absl::StrCat("=", *value) : std::string());
}

int64_t Micros(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::string ShellQuote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Chain ids are digits; anything else is quoted so pasting the command stays harmless.
std::string SafeWord(std::string_view word) {
  bool digits = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits ? std::string(word) : ShellQuote(word);
}

}  // namespace

namespace {

// The canonical bytes of `content`, appended to `out`.
void AppendCanonical(std::string& out, const EntryContent& content) {
  out.reserve(out.size() + 256 + content.justification.size() + content.note.size());
  AppendField(out, kCanonicalVersion);
  AppendField(out, content.kind);
  AppendField(out, content.actor);
  AppendField(out, content.actor_role);
  AppendOptional(out, content.actor_worker_id);
  AppendField(out, content.target_kind);
  AppendField(out, content.target_id);
  AppendOptional(out, content.item_id);
  AppendField(out, content.justification);
  AppendField(out, absl::StrCat(content.policy_codes.size()));
  for (const std::string& code : content.policy_codes) {
    AppendField(out, code);
  }
  AppendField(out, content.note);
  const Snapshot& snapshot = content.snapshot;
  for (const std::string* field : {&snapshot.title, &snapshot.channel_id, &snapshot.channel_title,
                                   &snapshot.category_id, &snapshot.category_name, &snapshot.verdict,
                                   &snapshot.verdict_summary}) {
    AppendField(out, *field);
  }
  AppendOptional(out, content.reverts_entry_id);
  AppendOptional(out, content.confirms_entry_id);
  if (const auto& event = content.chain_event) {
    AppendField(out, "event");
    AppendField(out, event->event_id);
    AppendField(out, absl::StrCat(event->block));
    AppendField(out, event->extrinsic);
    AppendField(out, event->is_hidden ? (*event->is_hidden ? "hidden" : "visible") : "");
    AppendField(out, event->rationale);
    AppendField(out, event->actor);
    AppendField(out, absl::StrCat(Micros(event->event_at)));
  } else {
    AppendField(out, "");
  }
  AppendField(out, absl::StrCat(Micros(content.recorded_at)));
  // Added with evidence notes: an entry without any hashes to the bytes it always did, so the
  // hashes of entries written before stay valid; one with notes goes on with a marked section.
  if (!content.evidence.empty()) {
    AppendField(out, "evidence");
    AppendField(out, absl::StrCat(content.evidence.size()));
    for (const EvidenceNote& note : content.evidence) {
      AppendField(out, absl::StrCat(note.offset.count()));
      AppendField(out, note.text);
    }
  }
}

}  // namespace

std::string CanonicalBytes(const EntryContent& content) {
  std::string out;
  AppendCanonical(out, content);
  return out;
}

// Verification hashes every entry of the log: the bytes are built in a buffer per thread, whose
// memory outlives the call, rather than in a new string each time.
std::string ContentHash(const EntryContent& content) {
  thread_local std::string canonical;
  canonical.clear();
  AppendCanonical(canonical, content);
  return Sha256(canonical);
}

std::string ChainHash(std::string_view previous_hash, std::string_view content_hash) {
  thread_local std::string joined;
  joined.assign(previous_hash).append(content_hash);
  return Sha256(joined);
}

const std::string& GenesisHash() {
  static const std::string genesis(32, '\0');
  return genesis;
}

TimePoint ToLogPrecision(TimePoint time) {
  return TimePoint(std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()));
}

std::string EntryReference(int64_t id) { return absl::StrCat(std::string(kReferencePrefix), id); }

std::optional<int64_t> FindEntryReference(std::string_view rationale) {
  size_t at = rationale.find(kReferencePrefix);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view digits = rationale.substr(at + kReferencePrefix.size());
  int64_t id = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

bool CarriedOutOnChain(EntryKind kind) {
  switch (kind) {
    case EntryKind::kCensor:
    case EntryKind::kRevert:
      return true;
    case EntryKind::kApprove:
    case EntryKind::kWarn:
    case EntryKind::kEscalate:
    case EntryKind::kChainConfirmed:
    case EntryKind::kChainUnjustified:
    case EntryKind::kChainPreexisting:
      return false;
  }
  return false;
}

std::string ChainCommand(int64_t entry_id, const EntryContent& content) {
  bool hide = kEntryKinds.FromDb(content.kind) == EntryKind::kCensor;
  std::string rationale =
      hide ? absl::StrCat(EntryReference(entry_id), " [", absl::StrJoin(content.policy_codes, ","),
                          "]: ", OneLine(content.justification))
           : absl::StrCat(EntryReference(entry_id), " reverts ", EntryReference(content.reverts_entry_id.value_or(0)),
                          ": ", OneLine(content.justification));
  bool video = kTargetKinds.FromDb(content.target_kind) == TargetKind::kVideo;
  return absl::StrCat("joystream-cli ",
                      video ? "content:setVideoVisibilityAsModerator -v " : "content:setChannelVisibilityAsModerator -c ",
                      SafeWord(content.target_id), " -s ", hide ? "HIDDEN" : "VISIBLE", " -r ", ShellQuote(rationale));
}

}  // namespace curation::modlog
