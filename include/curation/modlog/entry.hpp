#pragma once
// One moderation log entry, and the canonical bytes its SHA-256 is taken over.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/sha256.hpp>
#include <curation/modlog/vocabulary.hpp>

namespace curation::modlog {

/// Entry kinds as stored text, spelled by kEntryKinds, for code that holds a kind as text (an
/// entry's content is hashed as text). Code that branches on a kind parses it to an EntryKind.
inline constexpr const char* kApprove = kEntryKinds.Db(EntryKind::kApprove).data();
inline constexpr const char* kWarn = kEntryKinds.Db(EntryKind::kWarn).data();
inline constexpr const char* kCensor = kEntryKinds.Db(EntryKind::kCensor).data();
inline constexpr const char* kEscalate = kEntryKinds.Db(EntryKind::kEscalate).data();
inline constexpr const char* kRevert = kEntryKinds.Db(EntryKind::kRevert).data();
inline constexpr const char* kChainConfirmed = kEntryKinds.Db(EntryKind::kChainConfirmed).data();
inline constexpr const char* kChainUnjustified = kEntryKinds.Db(EntryKind::kChainUnjustified).data();
inline constexpr const char* kChainPreexisting = kEntryKinds.Db(EntryKind::kChainPreexisting).data();

/// What the curator saw when deciding.
struct Snapshot {
  std::string title;
  std::string channel_id;
  std::string channel_title;
  std::string category_id;
  std::string category_name;
  std::string verdict;  // playable, degraded, unplayable; empty when never probed
  std::string verdict_summary;
};

/// The on-chain moderator event an entry records or is confirmed by.
struct ChainEvent {
  std::string event_id;  // "{network}-{block}-{indexInBlock}"
  int64_t block = 0;
  std::string extrinsic;
  std::optional<bool> is_hidden;  // visibility events only
  std::string rationale;
  std::string actor;  // "curator 7", "lead", "member 12"
  TimePoint event_at;
};

/// A curator's note at a time in the item's video, kept with the decision (issue 16).
struct EvidenceNote {
  std::chrono::milliseconds offset{0};  // from the start of the video
  std::string text;
  bool operator==(const EvidenceNote&) const = default;
};

/// The content of an entry: everything its content hash covers.
struct EntryContent {
  std::string kind;  // an EntryKind as stored (kEntryKinds)
  std::string actor;  // principal name, or "chain"
  std::string actor_role;
  std::optional<int64_t> actor_worker_id;
  std::string target_kind;  // a TargetKind as stored (kTargetKinds)
  std::string target_id;
  std::optional<int64_t> item_id;
  std::string justification;
  std::vector<std::string> policy_codes;
  std::string note;
  Snapshot snapshot;
  std::optional<int64_t> reverts_entry_id;
  std::optional<int64_t> confirms_entry_id;
  std::optional<ChainEvent> chain_event;
  TimePoint recorded_at;  // microsecond precision, as PostgreSQL keeps it
  std::vector<EvidenceNote> evidence;  // in the order the curator gave them
};

/// A stored entry: content, hashes and what later entries say about it.
struct Entry {
  int64_t id = 0;
  EntryContent content;
  std::string content_hash;  // 32 raw bytes
  int64_t chain_position = 0;  // 0 until sealed
  std::string previous_hash;   // 32 raw bytes once sealed
  std::string chain_hash;
  std::optional<int64_t> confirmed_by_entry_id;
};

/// The bytes hashed for an entry: a version tag, then every field length-prefixed in a
/// fixed order, so no two different contents share an encoding.
std::string CanonicalBytes(const EntryContent& content);
/// SHA-256 of the canonical bytes (32 raw bytes).
std::string ContentHash(const EntryContent& content);
/// SHA-256(previous chain hash || content hash).
std::string ChainHash(std::string_view previous_hash, std::string_view content_hash);
/// The link before the first entry: 32 zero bytes.
const std::string& GenesisHash();


/// Truncates to the microsecond, the precision the log stores.
TimePoint ToLogPrecision(TimePoint time);

/// "curation-log#<id>": the reference a curator's on-chain rationale carries.
std::string EntryReference(int64_t id);
/// The entry id a rationale refers to, if it carries a reference.
std::optional<int64_t> FindEntryReference(std::string_view rationale);

/// Whether an entry of this kind is carried out on chain by a moderator (a censor hides, a
/// revert shows again), so that it has a chain command and waits for the chain to confirm it.
bool CarriedOutOnChain(EntryKind kind);

/// The joystream-cli command that applies a censor (hide) or revert (show) entry on chain,
/// quoted for a POSIX shell.
std::string ChainCommand(int64_t entry_id, const EntryContent& content);

}  // namespace curation::modlog
