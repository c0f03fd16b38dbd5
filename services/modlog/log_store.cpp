#include <curation/modlog/log_store.hpp>

#include <curation/db/fields.hpp>

#include <algorithm>
#include <thread>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

namespace curation::modlog {
namespace {

using db::Nullable;
using db::ReadTextArray;
using db::TextArrayLiteral;

// Only one sealer may extend the chain at a time.
constexpr int64_t kSealLock = 7211000001;
constexpr int kVerifyBatch = 20000;
// Parts of the chain verified at once, each on its own connection: one per core. More only
// make the database and the hashing take turns (four on two cores: 5.4-6.5 s for a million
// entries, two: 4.1-4.5 s).
int64_t VerifyStretches() {
  return std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 8);
}
constexpr int64_t kSealBatch = 5000;

// Times travel as microseconds since the epoch, exactly as PostgreSQL stores them.
std::string MicrosParam(int index) {
  return absl::StrCat("('epoch'::timestamptz + ($", index, "::bigint * interval '1 microsecond'))");
}

// date_part's double keeps sub-microsecond precision for any date this log will see, and is
// far cheaper than extract's numeric.
std::string EpochMicros(const char* column) {
  return absl::StrCat("round(date_part('epoch', ", column, ") * 1000000)::bigint");
}

// Every column an Entry is read from, in ReadEntry's order.
const std::string& EntryColumns() {
  static const std::string columns = absl::StrCat(
      "e.id, e.kind, e.actor, e.actor_role, e.actor_worker_id, e.target_kind, e.target_id, e.item_id,"
      " e.justification, e.policy_codes, e.note, e.snapshot_title, e.snapshot_channel_id, e.snapshot_channel_title,"
      " e.snapshot_category_id, e.snapshot_category_name, e.snapshot_verdict, e.snapshot_verdict_summary,"
      " e.reverts_entry_id, e.confirms_entry_id, e.chain_event_id, e.chain_block, coalesce(e.chain_extrinsic, ''),"
      " e.chain_is_hidden, coalesce(e.chain_rationale, ''), coalesce(e.chain_actor, ''), ",
      EpochMicros("e.chain_event_at"), ", ", EpochMicros("e.recorded_at"),
      ", encode(e.content_hash, 'hex'), c.position, encode(c.previous_hash, 'hex'), encode(c.chain_hash, 'hex')");
  return columns;
}

TimePoint FromMicros(int64_t micros) { return TimePoint(std::chrono::microseconds(micros)); }

int64_t Micros(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::string Unhex(std::string_view hex) {
  auto nibble = [](char c) -> int { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string bytes(hex.size() / 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]));
  }
  return bytes;
}

Entry ReadEntry(const pqxx::row& row) {
  Entry entry;
  EntryContent& content = entry.content;
  entry.id = row[0].as<int64_t>();
  content.kind = row[1].as<std::string>();
  content.actor = row[2].as<std::string>();
  content.actor_role = row[3].as<std::string>();
  content.actor_worker_id = Nullable<int64_t>(row[4]);
  content.target_kind = row[5].as<std::string>();
  content.target_id = row[6].as<std::string>();
  content.item_id = Nullable<int64_t>(row[7]);
  content.justification = row[8].as<std::string>();
  content.policy_codes = ReadTextArray(row[9]);
  content.note = row[10].as<std::string>();
  Snapshot& snapshot = content.snapshot;
  snapshot.title = row[11].as<std::string>();
  snapshot.channel_id = row[12].as<std::string>();
  snapshot.channel_title = row[13].as<std::string>();
  snapshot.category_id = row[14].as<std::string>();
  snapshot.category_name = row[15].as<std::string>();
  snapshot.verdict = row[16].as<std::string>();
  snapshot.verdict_summary = row[17].as<std::string>();
  content.reverts_entry_id = Nullable<int64_t>(row[18]);
  content.confirms_entry_id = Nullable<int64_t>(row[19]);
  if (!row[20].is_null()) {
    ChainEvent event;
    event.event_id = row[20].as<std::string>();
    event.block = row[21].is_null() ? 0 : row[21].as<int64_t>();
    event.extrinsic = row[22].as<std::string>();
    event.is_hidden = Nullable<bool>(row[23]);
    event.rationale = row[24].as<std::string>();
    event.actor = row[25].as<std::string>();
    event.event_at = row[26].is_null() ? TimePoint{} : FromMicros(row[26].as<int64_t>());
    content.chain_event = std::move(event);
  }
  content.recorded_at = FromMicros(row[27].as<int64_t>());
  entry.content_hash = Unhex(row[28].c_str());
  if (!row[29].is_null()) {
    entry.chain_position = row[29].as<int64_t>();
    entry.previous_hash = Unhex(row[30].c_str());
    entry.chain_hash = Unhex(row[31].c_str());
  }
  return entry;
}

const char* OrNull(const std::optional<std::string>& value) { return value ? value->c_str() : nullptr; }

std::optional<std::string> Text(const std::optional<int64_t>& value) {
  return value ? std::optional<std::string>(absl::StrCat(*value)) : std::nullopt;
}

}  // namespace

std::vector<db::PreparedStatement> LogStore::Statements() {
  return {
      {"modlog.append", AppendThen(" SELECT id FROM entry")},
      {"modlog.seal_lock", absl::StrCat("SELECT pg_advisory_xact_lock(", kSealLock, ")")},
      {"modlog.chain_tip", "SELECT position, encode(chain_hash, 'hex') FROM modlog.chain ORDER BY position DESC LIMIT 1"},
      {"modlog.take_unsealed",
       "WITH taken AS (DELETE FROM modlog.unsealed WHERE entry_id IN"
       "   (SELECT entry_id FROM modlog.unsealed ORDER BY entry_id LIMIT $1) RETURNING entry_id)"
       " SELECT e.id, encode(e.content_hash, 'hex') FROM modlog.entries e JOIN taken t ON t.entry_id = e.id"
       " ORDER BY e.id"},
      {"modlog.insert_links",
       "INSERT INTO modlog.chain (position, entry_id, previous_hash, chain_hash)"
       " SELECT p, id, decode(ph, 'hex'), decode(ch, 'hex')"
       " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS t(p, id, ph, ch)"},
      {"modlog.list",
       absl::StrCat("SELECT ", EntryColumns(),
                    ", (SELECT min(x.id) FROM modlog.entries x WHERE x.confirms_entry_id = e.id)"
                    " FROM modlog.entries e LEFT JOIN modlog.chain c ON c.entry_id = e.id"
                    " WHERE e.id > $1"
                    " AND ($2::bigint IS NULL OR e.recorded_at >= ",
                    MicrosParam(2), ") AND ($3::bigint IS NULL OR e.recorded_at < ", MicrosParam(3),
                    ") AND ($4 = '' OR e.actor = $4) AND ($5 = '' OR e.target_kind = $5)"
                    " AND ($6 = '' OR e.target_id = $6)"
                    " AND (cardinality($7::text[]) = 0 OR e.kind = ANY($7::text[]))"
                    " ORDER BY e.id LIMIT $8")},
      {"modlog.get",
       absl::StrCat("SELECT ", EntryColumns(),
                    ", (SELECT min(x.id) FROM modlog.entries x WHERE x.confirms_entry_id = e.id)"
                    " FROM modlog.entries e LEFT JOIN modlog.chain c ON c.entry_id = e.id WHERE e.id = $1")},
      // Driven by the chain, so a deleted entry shows up as a link with no entry.
      {"modlog.verify_batch",
       absl::StrCat("SELECT ", EntryColumns(), ", c.entry_id"
                    " FROM modlog.chain c LEFT JOIN modlog.entries e ON e.id = c.entry_id"
                    " WHERE c.position > $1 AND c.position <= $3 ORDER BY c.position LIMIT $2")},
      {"modlog.no_parallel_workers", "SELECT set_config('max_parallel_workers_per_gather', '0', true)"},
      {"modlog.link_at", "SELECT encode(chain_hash, 'hex') FROM modlog.chain WHERE position = $1"},
      {"modlog.unchained",
       "SELECT min(e.id), count(*) FROM modlog.entries e"
       " WHERE NOT EXISTS (SELECT 1 FROM modlog.chain c WHERE c.entry_id = e.id)"
       " AND NOT EXISTS (SELECT 1 FROM modlog.unsealed u WHERE u.entry_id = e.id)"},
      {"modlog.unsealed_count", "SELECT count(*) FROM modlog.unsealed"},
      {"modlog.seal_backlog",
       absl::StrCat("SELECT count(*), ", EpochMicros("min(e.recorded_at)"),
                    " FROM modlog.unsealed u JOIN modlog.entries e ON e.id = u.entry_id")},
  };
}

std::string LogStore::AppendThen(const std::string& then, const std::string& guard) {
  std::string values;
  for (int i = 1; i <= 25; ++i) {
    absl::StrAppend(&values, "$", i, ", ");
  }
  return absl::StrCat("WITH ", guard.empty() ? "" : "guard AS (" + guard + "), ",
                      "entry AS (INSERT INTO modlog.entries (kind, actor, actor_role, actor_worker_id, target_kind,"
                      " target_id, item_id, justification, policy_codes, note, snapshot_title, snapshot_channel_id,"
                      " snapshot_channel_title, snapshot_category_id, snapshot_category_name, snapshot_verdict,"
                      " snapshot_verdict_summary, reverts_entry_id, confirms_entry_id, chain_event_id, chain_block,"
                      " chain_extrinsic, chain_is_hidden, chain_rationale, chain_actor, chain_event_at, recorded_at,"
                      " content_hash) SELECT ",
                      values, MicrosParam(26), ", ", MicrosParam(27), ", decode($28, 'hex')",
                      guard.empty() ? "" : " WHERE EXISTS (SELECT 1 FROM guard)",
                      " RETURNING id),"
                      " queued AS (INSERT INTO modlog.unsealed (entry_id) SELECT id FROM entry)",
                      then);
}

std::vector<std::optional<std::string>> LogStore::AppendParameters(EntryContent& content) {
  content.recorded_at = ToLogPrecision(content.recorded_at);
  if (content.chain_event) {
    content.chain_event->event_at = ToLogPrecision(content.chain_event->event_at);
  }
  std::string hash = Hex(ContentHash(content));
  std::optional<std::string> event_id, block, extrinsic, is_hidden, rationale, actor, event_at;
  if (const std::optional<ChainEvent>& event = content.chain_event) {
    event_id = event->event_id;
    block = absl::StrCat(event->block);
    extrinsic = event->extrinsic;
    if (event->is_hidden) {
      is_hidden = *event->is_hidden ? "true" : "false";
    }
    rationale = event->rationale;
    actor = event->actor;
    event_at = absl::StrCat(Micros(event->event_at));
  }
  const Snapshot& snapshot = content.snapshot;
  return {content.kind,
          content.actor,
          content.actor_role,
          Text(content.actor_worker_id),
          content.target_kind,
          content.target_id,
          Text(content.item_id),
          content.justification,
          TextArrayLiteral(content.policy_codes),
          content.note,
          snapshot.title,
          snapshot.channel_id,
          snapshot.channel_title,
          snapshot.category_id,
          snapshot.category_name,
          snapshot.verdict,
          snapshot.verdict_summary,
          Text(content.reverts_entry_id),
          Text(content.confirms_entry_id),
          event_id,
          block,
          extrinsic,
          is_hidden,
          rationale,
          actor,
          event_at,
          absl::StrCat(Micros(content.recorded_at)),
          hash};
}

int64_t LogStore::Append(pqxx::work& tx, EntryContent content) {
  return db::ExecWithParameters(tx, "modlog.append", AppendParameters(content))[0][0].as<int64_t>();
}

absl::StatusOr<int64_t> LogStore::Seal(int64_t limit) {
  int64_t sealed = 0;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("modlog.seal_lock");
    int64_t position = 0;
    std::string tip = GenesisHash();
    if (auto result = tx.exec_prepared("modlog.chain_tip"); !result.empty()) {
      position = result[0][0].as<int64_t>();
      tip = Unhex(result[0][1].c_str());
    }
    std::vector<std::string> positions, ids, previous, hashes;
    for (const auto& row : tx.exec_prepared("modlog.take_unsealed", limit)) {
      std::string link = ChainHash(tip, Unhex(row[1].c_str()));
      positions.push_back(absl::StrCat(++position));
      ids.push_back(row[0].c_str());
      previous.push_back(Hex(tip));
      hashes.push_back(Hex(link));
      tip = std::move(link);
    }
    if (!ids.empty()) {
      auto array = [](const std::vector<std::string>& values) { return "{" + absl::StrJoin(values, ",") + "}"; };
      tx.exec_prepared("modlog.insert_links", array(positions), array(ids), array(previous), array(hashes));
    }
    sealed = static_cast<int64_t>(ids.size());
    return absl::OkStatus();
  }));
  return sealed;
}

absl::Status LogStore::SealAll() {
  while (true) {
    ASSIGN_OR_RETURN(int64_t sealed, Seal(kSealBatch));
    if (sealed < kSealBatch) {
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<SealBacklog> LogStore::Backlog() {
  SealBacklog backlog;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    auto row = tx.exec_prepared1("modlog.seal_backlog");
    backlog.entries = row[0].as<int64_t>();
    if (!row[1].is_null()) {
      backlog.oldest_recorded_at = FromMicros(row[1].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return backlog;
}

absl::StatusOr<std::vector<Entry>> LogStore::List(const EntryFilter& filter, int64_t after_id, int limit,
                                                  std::optional<TimePoint> deadline) {
  std::vector<Entry> entries;
  auto start = filter.start ? std::optional<std::string>(absl::StrCat(Micros(*filter.start))) : std::nullopt;
  auto end = filter.end ? std::optional<std::string>(absl::StrCat(Micros(*filter.end))) : std::nullopt;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        for (const auto& row : tx.exec_prepared("modlog.list", after_id, OrNull(start), OrNull(end), filter.actor,
                                                filter.target_kind, filter.target_id, TextArrayLiteral(filter.kinds),
                                                limit)) {
          entries.push_back(ReadEntry(row));
          entries.back().confirmed_by_entry_id = Nullable<int64_t>(row[32]);
        }
        return absl::OkStatus();
      },
      deadline));
  return entries;
}

absl::StatusOr<Entry> LogStore::Get(int64_t id, std::optional<TimePoint> deadline) {
  std::optional<Entry> entry;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        if (auto result = tx.exec_prepared("modlog.get", id); !result.empty()) {
          entry = ReadEntry(result[0]);
          entry->confirmed_by_entry_id = Nullable<int64_t>(result[0][32]);
        }
        return absl::OkStatus();
      },
      deadline));
  if (!entry) {
    return absl::NotFoundError(absl::StrCat("no log entry ", id));
  }
  return *entry;
}

namespace {

// The first break found in one stretch of the chain.
struct Break {
  int64_t position = 0;
  int64_t entry_id = 0;
  std::string problem;
};

// Checks positions (first, last] of the chain: each entry against its content hash, each link
// against the one before. `tip` is the chain hash at `first` (the genesis hash for 0).
absl::StatusOr<std::optional<Break>> VerifyStretch(db::Pool& pool, int64_t first, int64_t last) {
  std::optional<Break> found;
  RETURN_IF_ERROR(pool.InTransaction([&](pqxx::work& tx) {
    // The stretches already use every core; parallel workers per query would only add hops.
    tx.exec_prepared("modlog.no_parallel_workers");
    std::string tip = GenesisHash();
    if (first > 0) {
      auto before = tx.exec_prepared("modlog.link_at", first);
      if (before.empty()) {
        return absl::OkStatus();  // the stretch before this one reports the missing position
      }
      tip = Unhex(before[0][0].c_str());
    }
    int64_t position = first;
    auto broken = [&](int64_t at, int64_t entry_id, std::string problem) {
      found = Break{at, entry_id, std::move(problem)};
    };
    while (!found && position < last) {
      auto rows = tx.exec_prepared("modlog.verify_batch", position, kVerifyBatch, last);
      for (const auto& row : rows) {
        int64_t entry_id = row[32].as<int64_t>();
        int64_t at = row[29].as<int64_t>();
        if (at != position + 1) {
          broken(position + 1, entry_id, absl::StrCat("chain position ", position + 1, " is missing"));
          break;
        }
        if (row[0].is_null()) {
          broken(at, entry_id, absl::StrCat("entry ", entry_id, " was deleted"));
          break;
        }
        Entry entry = ReadEntry(row);
        if (ContentHash(entry.content) != entry.content_hash) {
          broken(at, entry_id, absl::StrCat("entry ", entry_id, " does not match its content hash: it was edited"));
          break;
        }
        std::string previous = Unhex(row[30].c_str());
        if (previous != tip) {
          broken(at, entry_id, absl::StrCat("entry ", entry_id, " does not link to the entry before it"));
          break;
        }
        std::string link = Unhex(row[31].c_str());
        if (ChainHash(previous, entry.content_hash) != link) {
          broken(at, entry_id, absl::StrCat("entry ", entry_id, "'s chain hash is wrong"));
          break;
        }
        tip = std::move(link);
        position = at;
      }
      if (!found && rows.empty()) {
        broken(position + 1, 0, absl::StrCat("chain position ", position + 1, " is missing"));
      }
    }
    return absl::OkStatus();
  }));
  return found;
}

}  // namespace

absl::StatusOr<VerifyReport> LogStore::Verify() {
  VerifyReport report;
  int64_t head = 0;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    auto tip = tx.exec_prepared("modlog.chain_tip");
    if (!tip.empty()) {
      head = tip[0][0].as<int64_t>();
      report.head_hash = Unhex(tip[0][1].c_str());
    } else {
      report.head_hash = GenesisHash();
    }
    return absl::OkStatus();
  }));
  // Stretches checked side by side, each on its own connection, so the database and the
  // hashing use every core; the first break of all is the one reported.
  int stretches = static_cast<int>(std::clamp<int64_t>(head / min_verify_stretch_, 1, VerifyStretches()));
  std::vector<absl::StatusOr<std::optional<Break>>> results(stretches, std::optional<Break>());
  {
    std::vector<std::jthread> checkers;
    for (int i = 0; i < stretches; ++i) {
      checkers.emplace_back([&, i] {
        results[i] = VerifyStretch(pool_, head * i / stretches, head * (i + 1) / stretches);
      });
    }
  }
  for (const auto& result : results) {
    RETURN_IF_ERROR(result.status());
    if (*result) {
      const Break& at = **result;
      report.intact = false;
      report.broken_position = at.position;
      report.broken_entry_id = at.entry_id;
      report.problem = at.problem;
      report.entries_checked = at.position - 1;
      break;
    }
  }
  if (report.intact) {
    report.entries_checked = head;
  }
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    if (report.intact) {
      auto unchained = tx.exec_prepared1("modlog.unchained");
      if (unchained[1].as<int64_t>() > 0) {
        int64_t id = unchained[0].as<int64_t>();
        report.intact = false;
        report.broken_entry_id = id;
        report.problem = absl::StrCat("entry ", id, " is neither in the chain nor waiting to be sealed");
      }
    }
    report.unsealed = tx.exec_prepared1("modlog.unsealed_count")[0].as<int64_t>();
    return absl::OkStatus();
  }));
  return report;
}

}  // namespace curation::modlog
