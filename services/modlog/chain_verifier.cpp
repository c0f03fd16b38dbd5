#include "chain_verifier.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include <absl/cleanup/cleanup.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/db/copy_connection.hpp>
#include <curation/modlog/entry.hpp>

namespace curation::modlog {
namespace {

using db::CopyParameter;
using db::CopyRow;

// A window's links, from its first position (the one before the window, whose chain hash it
// starts from) to its last.
const std::string& LinksQuery() {
  static const std::string query = absl::StrCat(
      "SELECT position, entry_id, previous_hash, chain_hash FROM modlog.chain"
      " WHERE position >= ",
      CopyParameter(1), "::bigint AND position <= ", CopyParameter(2), "::bigint ORDER BY position");
  return query;
}

// Every column of an entry's content, then its content hash; in DecodeContent's order.
constexpr char kEntryColumns[] =
    "SELECT id, kind, actor, actor_role, actor_worker_id, target_kind, target_id, item_id, justification,"
    " policy_codes, note, snapshot_title, snapshot_channel_id, snapshot_channel_title, snapshot_category_id,"
    " snapshot_category_name, snapshot_verdict, snapshot_verdict_summary, reverts_entry_id, confirms_entry_id,"
    " chain_event_id, chain_block, chain_extrinsic, chain_is_hidden, chain_rationale, chain_actor, chain_event_at,"
    " recorded_at, content_hash, evidence_offsets_ms::text[], evidence_texts FROM modlog.entries";
constexpr int kEntryFields = 31;

// A window's entries, when their ids are close together (always, but for an entry whose
// decision committed long after later ones were sealed)...
const std::string& EntriesBetweenQuery() {
  static const std::string query = absl::StrCat(kEntryColumns, " WHERE id >= ", CopyParameter(1),
                                                "::bigint AND id <= ", CopyParameter(2), "::bigint ORDER BY id");
  return query;
}
// ... and otherwise by their ids.
const std::string& EntriesListedQuery() {
  static const std::string query =
      absl::StrCat(kEntryColumns, " WHERE id = ANY(", CopyParameter(1), "::bigint[]) ORDER BY id");
  return query;
}

// A hash as stored: 32 bytes, or nullopt when the column holds anything else, which no
// computed hash matches. Kept in place rather than in strings: verification handles millions.
using Digest = std::array<char, 32>;

std::optional<Digest> DigestOf(const std::optional<std::string_view>& field) {
  if (!field || field->size() != Digest().size()) {
    return std::nullopt;
  }
  Digest digest;
  std::copy(field->begin(), field->end(), digest.begin());
  return digest;
}

std::string_view ViewOf(const Digest& digest) { return {digest.data(), digest.size()}; }

bool Matches(const std::optional<Digest>& stored, std::string_view computed) {
  return stored && ViewOf(*stored) == computed;
}

// One link of the chain, and what its entry turned out to be.
struct Link {
  enum class Entry { kMissing, kUnreadable, kEdited, kIntact };
  int64_t position = 0;
  std::optional<int64_t> entry_id;
  std::optional<Digest> previous_hash;
  std::optional<Digest> chain_hash;
  Entry entry = Entry::kMissing;
  std::optional<Digest> content_hash;  // as stored with the entry
  std::string unreadable;              // why, for kUnreadable
};

std::string_view TextOf(const std::optional<std::string_view>& field) { return field.value_or(std::string_view()); }

absl::StatusOr<std::optional<int64_t>> OptionalInt64(const std::optional<std::string_view>& field) {
  if (!field) {
    return std::optional<int64_t>();
  }
  ASSIGN_OR_RETURN(int64_t value, db::BinaryInt64(*field));
  return std::optional<int64_t>(value);
}

absl::StatusOr<TimePoint> TimeOf(const std::optional<std::string_view>& field) {
  if (!field) {
    return TimePoint{};
  }
  ASSIGN_OR_RETURN(int64_t micros, db::BinaryTimestampMicros(*field));
  return TimePoint(std::chrono::microseconds(micros));
}

// An entry's content from its row, read as LogStore reads it for List and Get: a missing text
// as empty, a missing block as 0, a missing time as the epoch.
absl::Status DecodeContent(const CopyRow& row, EntryContent& content) {
  content.kind = TextOf(row[1]);
  content.actor = TextOf(row[2]);
  content.actor_role = TextOf(row[3]);
  ASSIGN_OR_RETURN(content.actor_worker_id, OptionalInt64(row[4]));
  content.target_kind = TextOf(row[5]);
  content.target_id = TextOf(row[6]);
  ASSIGN_OR_RETURN(content.item_id, OptionalInt64(row[7]));
  content.justification = TextOf(row[8]);
  content.policy_codes.clear();
  if (row[9]) {
    ASSIGN_OR_RETURN(content.policy_codes, db::BinaryTextArray(*row[9]));
  }
  content.note = TextOf(row[10]);
  Snapshot& snapshot = content.snapshot;
  snapshot.title = TextOf(row[11]);
  snapshot.channel_id = TextOf(row[12]);
  snapshot.channel_title = TextOf(row[13]);
  snapshot.category_id = TextOf(row[14]);
  snapshot.category_name = TextOf(row[15]);
  snapshot.verdict = TextOf(row[16]);
  snapshot.verdict_summary = TextOf(row[17]);
  ASSIGN_OR_RETURN(content.reverts_entry_id, OptionalInt64(row[18]));
  ASSIGN_OR_RETURN(content.confirms_entry_id, OptionalInt64(row[19]));
  content.chain_event.reset();
  if (row[20]) {
    ChainEvent& event = content.chain_event.emplace();
    event.event_id = *row[20];
    ASSIGN_OR_RETURN(std::optional<int64_t> block, OptionalInt64(row[21]));
    event.block = block.value_or(0);
    event.extrinsic = TextOf(row[22]);
    if (row[23]) {
      ASSIGN_OR_RETURN(event.is_hidden, db::BinaryBool(*row[23]));
    }
    event.rationale = TextOf(row[24]);
    event.actor = TextOf(row[25]);
    ASSIGN_OR_RETURN(event.event_at, TimeOf(row[26]));
  }
  ASSIGN_OR_RETURN(content.recorded_at, TimeOf(row[27]));
  content.evidence.clear();
  if (row[29] && row[30]) {
    ASSIGN_OR_RETURN(std::vector<std::string> offsets, db::BinaryTextArray(*row[29]));
    ASSIGN_OR_RETURN(std::vector<std::string> texts, db::BinaryTextArray(*row[30]));
    if (offsets.size() != texts.size()) {
      return absl::DataLossError("evidence offsets and texts differ in number");
    }
    for (size_t i = 0; i < offsets.size(); ++i) {
      int64_t offset_ms = 0;
      if (!absl::SimpleAtoi(offsets[i], &offset_ms)) {
        return absl::DataLossError("an evidence offset is not a number");
      }
      content.evidence.push_back({std::chrono::milliseconds(offset_ms), std::move(texts[i])});
    }
  }
  return absl::OkStatus();
}

absl::Status Unreadable(const char* what) { return absl::InternalError(absl::StrCat("the chain's ", what)); }

// Reads the links of positions [first, last] in order.
absl::StatusOr<std::vector<Link>> ReadLinks(db::CopyConnection& connection, int64_t first, int64_t last) {
  std::vector<Link> links;
  links.reserve(static_cast<size_t>(last - first + 1));
  RETURN_IF_ERROR(connection.CopyOut(
      LinksQuery(), {absl::StrCat(first), absl::StrCat(last)}, [&](const CopyRow& row) -> absl::Status {
        if (row.size() != 4 || !row[0]) {
          return Unreadable("links have the wrong columns");
        }
        Link& link = links.emplace_back();
        ASSIGN_OR_RETURN(link.position, db::BinaryInt64(*row[0]));
        absl::StatusOr<std::optional<int64_t>> entry_id = OptionalInt64(row[1]);
        link.entry_id = entry_id.ok() ? *entry_id : std::nullopt;
        link.previous_hash = DigestOf(row[2]);
        link.chain_hash = DigestOf(row[3]);
        return absl::OkStatus();
      }));
  return links;
}

// Reads the entries the links name and records in each link whether its entry is intact.
absl::Status ReadEntries(db::CopyConnection& connection, std::span<Link> links) {
  // The links by entry id, to meet the entries as they arrive in id order.
  std::vector<std::pair<int64_t, Link*>> by_id;
  for (Link& link : links) {
    if (link.entry_id) {
      by_id.emplace_back(*link.entry_id, &link);
    }
  }
  if (by_id.empty()) {
    return absl::OkStatus();
  }
  std::sort(by_id.begin(), by_id.end());
  int64_t lowest = by_id.front().first, highest = by_id.back().first;
  // Reading past a few ids of other windows costs less than looking each id up.
  bool close = highest - lowest < 2 * static_cast<int64_t>(by_id.size()) + 64;
  std::vector<std::string> parameters;
  if (close) {
    parameters = {absl::StrCat(lowest), absl::StrCat(highest)};
  } else {
    std::vector<int64_t> ids;
    for (const auto& [id, link] : by_id) {
      ids.push_back(id);
    }
    parameters = {absl::StrCat("{", absl::StrJoin(ids, ","), "}")};
  }
  size_t next = 0;
  EntryContent content;  // reused: its strings keep their buffers from row to row
  return connection.CopyOut(
      close ? EntriesBetweenQuery() : EntriesListedQuery(), parameters, [&](const CopyRow& row) -> absl::Status {
        if (row.size() != kEntryFields || !row[0]) {
          return Unreadable("entries have the wrong columns");
        }
        ASSIGN_OR_RETURN(int64_t id, db::BinaryInt64(*row[0]));
        while (next < by_id.size() && by_id[next].first < id) {
          ++next;
        }
        if (next == by_id.size() || by_id[next].first != id) {
          return absl::OkStatus();  // another window's entry
        }
        absl::Status decoded = DecodeContent(row, content);
        std::string computed = decoded.ok() ? ContentHash(content) : std::string();
        for (; next < by_id.size() && by_id[next].first == id; ++next) {
          Link& link = *by_id[next].second;
          link.content_hash = DigestOf(row[28]);
          if (!decoded.ok()) {
            link.entry = Link::Entry::kUnreadable;
            link.unreadable = std::string(decoded.message());
          } else {
            link.entry = Matches(link.content_hash, computed) ? Link::Entry::kIntact : Link::Entry::kEdited;
          }
        }
        return absl::OkStatus();
      });
}

// Checks positions (first, last]; the stored chain hash at `first` is where the window starts.
absl::StatusOr<std::optional<Break>> CheckWindow(db::CopyConnection& connection, int64_t first, int64_t last) {
  // Links and entries from one snapshot.
  RETURN_IF_ERROR(connection.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  absl::Cleanup end = [&connection] { (void)connection.Exec("COMMIT"); };
  ASSIGN_OR_RETURN(std::vector<Link> links, ReadLinks(connection, first, last));
  std::optional<Digest> tip = DigestOf(GenesisHash());
  auto link = links.begin();
  if (first > 0) {
    if (link == links.end() || link->position != first) {
      return Break{first, 0, absl::StrCat("chain position ", first, " is missing")};
    }
    tip = link->chain_hash;
    ++link;
  }
  std::span<Link> checked(link, links.end());
  RETURN_IF_ERROR(ReadEntries(connection, checked));
  int64_t position = first;
  for (const Link& at : checked) {
    int64_t entry_id = at.entry_id.value_or(0);
    if (at.position != position + 1) {
      return Break{position + 1, entry_id, absl::StrCat("chain position ", position + 1, " is missing")};
    }
    switch (at.entry) {
      case Link::Entry::kMissing:
        return Break{at.position, entry_id,
                     at.entry_id ? absl::StrCat("entry ", entry_id, " was deleted")
                                 : absl::StrCat("chain position ", at.position, " names no entry")};
      case Link::Entry::kUnreadable:
        return Break{at.position, entry_id, absl::StrCat("entry ", entry_id, " cannot be read: ", at.unreadable)};
      case Link::Entry::kEdited:
        return Break{at.position, entry_id,
                     absl::StrCat("entry ", entry_id, " does not match its content hash: it was edited")};
      case Link::Entry::kIntact:
        break;
    }
    // Intact, the entry's stored content hash is the one computed; and a previous hash that
    // matches the tip is one.
    if (!tip || !Matches(at.previous_hash, ViewOf(*tip))) {
      return Break{at.position, entry_id, absl::StrCat("entry ", entry_id, " does not link to the entry before it")};
    }
    if (!Matches(at.chain_hash, ChainHash(ViewOf(*at.previous_hash), ViewOf(*at.content_hash)))) {
      return Break{at.position, entry_id, absl::StrCat("entry ", entry_id, "'s chain hash is wrong")};
    }
    tip = at.chain_hash;
    position = at.position;
  }
  if (position < last) {
    return Break{position + 1, 0, absl::StrCat("chain position ", position + 1, " is missing")};
  }
  return std::optional<Break>();
}

absl::StatusOr<std::unique_ptr<db::CopyConnection>> OpenForVerifying(const db::PoolOptions& options) {
  ASSIGN_OR_RETURN(auto connection, db::CopyConnection::Open(options));
  // The windows already use every core; parallel workers or compiling a query would only add
  // to what they wait for.
  RETURN_IF_ERROR(connection->Exec(
      "SELECT set_config('max_parallel_workers_per_gather', '0', false), set_config('jit', 'off', false)"));
  return connection;
}

}  // namespace

absl::StatusOr<std::optional<Break>> ChainVerifier::Check(int64_t from, int64_t to) const {
  if (to <= from) {
    return std::optional<Break>();
  }
  const int64_t windows = (to - from + window_ - 1) / window_;
  std::atomic<int64_t> next_window{0};
  // Where the earliest break found so far is: windows after it need not be read.
  std::atomic<int64_t> earliest{std::numeric_limits<int64_t>::max()};
  std::mutex mutex;
  std::optional<Break> found;
  absl::Status failed;
  auto check = [&] {
    auto connection = OpenForVerifying(options_);
    absl::Status status = connection.status();
    while (status.ok()) {
      // Taken in order, so once one starts past the earliest break, so do all left.
      int64_t window = next_window++;
      int64_t first = from + window * window_;
      if (window >= windows || first >= earliest) {
        return;
      }
      auto result = CheckWindow(**connection, first, std::min(to, first + window_));
      status = result.status();
      if (result.ok() && *result) {
        std::lock_guard lock(mutex);
        if (!found || (*result)->position < found->position) {
          found = **result;
          earliest = found->position;
        }
      }
    }
    std::lock_guard lock(mutex);
    failed.Update(status);
  };
  {
    std::vector<std::jthread> checkers;
    for (int64_t i = 0; i < std::min<int64_t>(windows, workers_); ++i) {
      checkers.emplace_back(check);
    }
  }
  RETURN_IF_ERROR(failed);
  return found;
}

}  // namespace curation::modlog
