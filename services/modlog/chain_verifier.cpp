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
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/sha256.hpp>
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

// An entry's canonical bytes, which PostgreSQL computes from its other columns on every write
// (migration 0011), and its content hash: one column to send instead of 28 was most of the
// saving of a full verification.
constexpr char kEntryColumns[] = "SELECT id, canonical, content_hash FROM modlog.entries";
constexpr int kEntryFields = 3;

// Whether modlog.entries.canonical is still computed by PostgreSQL: were it a plain column, an
// edit could leave it as it was and the edit would not show.
constexpr char kCanonicalComputedQuery[] =
    "SELECT count(*) FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE a.attrelid = 'modlog.entries'::regclass AND a.attname = 'canonical' AND a.attgenerated = 's'"
    "   AND pg_get_expr(d.adbin, d.adrelid) LIKE 'modlog.canonical_content(kind, actor, %recorded_at)'";

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


absl::StatusOr<std::optional<int64_t>> OptionalInt64(const std::optional<std::string_view>& field) {
  if (!field) {
    return std::optional<int64_t>();
  }
  ASSIGN_OR_RETURN(int64_t value, db::BinaryInt64(*field));
  return std::optional<int64_t>(value);
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
        std::string computed = row[1] ? Sha256(*row[1]) : std::string();
        for (; next < by_id.size() && by_id[next].first == id; ++next) {
          Link& link = *by_id[next].second;
          link.content_hash = DigestOf(row[2]);
          if (!row[1]) {
            link.entry = Link::Entry::kUnreadable;
            link.unreadable = "it has no canonical bytes";
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
  {
    ASSIGN_OR_RETURN(auto connection, db::CopyConnection::Open(options_));
    int64_t computed = 0;
    RETURN_IF_ERROR(connection->CopyOut(kCanonicalComputedQuery, {}, [&](const CopyRow& row) -> absl::Status {
      ASSIGN_OR_RETURN(computed, db::BinaryInt64(row[0].value_or("")));
      return absl::OkStatus();
    }));
    if (computed != 1) {
      return Break{from + 1, 0,
                   "modlog.entries.canonical is no longer computed from the entries' columns: the table was altered,"
                   " and edits to entries may not show"};
    }
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
