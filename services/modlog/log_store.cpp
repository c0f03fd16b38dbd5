#include <curation/modlog/log_store.hpp>

#include <algorithm>
#include <thread>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/logging.hpp>
#include <curation/common/time_format.hpp>
#include <curation/db/fields.hpp>

#include "chain_verifier.hpp"

namespace curation::modlog {
namespace {

using db::Nullable;
using db::ReadTextArray;
using db::TextArrayLiteral;

// Only one sealer may extend the chain at a time.
constexpr int64_t kSealLock = 7211000001;
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

// Every column an Entry is read from, in ReadEntry's order; a query's own columns follow them.
constexpr int kEntryColumnCount = 34;
const std::string& EntryColumns() {
  static const std::string columns = absl::StrCat(
      "e.id, e.kind, e.actor, e.actor_role, e.actor_worker_id, e.target_kind, e.target_id, e.item_id,"
      " e.justification, e.policy_codes, e.note, e.snapshot_title, e.snapshot_channel_id, e.snapshot_channel_title,"
      " e.snapshot_category_id, e.snapshot_category_name, e.snapshot_verdict, e.snapshot_verdict_summary,"
      " e.reverts_entry_id, e.confirms_entry_id, e.chain_event_id, e.chain_block, coalesce(e.chain_extrinsic, ''),"
      " e.chain_is_hidden, coalesce(e.chain_rationale, ''), coalesce(e.chain_actor, ''), ",
      EpochMicros("e.chain_event_at"), ", ", EpochMicros("e.recorded_at"),
      ", encode(e.content_hash, 'hex'), c.position, encode(c.previous_hash, 'hex'), encode(c.chain_hash, 'hex'),"
      " e.evidence_offsets_ms, e.evidence_texts");
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
  std::vector<std::string> offsets = ReadTextArray(row[32]), texts = ReadTextArray(row[33]);
  for (size_t i = 0; i < offsets.size() && i < texts.size(); ++i) {  // the same length: a CHECK says so
    content.evidence.push_back({std::chrono::milliseconds(std::stoll(offsets[i])), std::move(texts[i])});
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
      {"modlog.chain_hash_at", "SELECT encode(chain_hash, 'hex') FROM modlog.chain WHERE position = $1"},
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
                    " AND ($9 = '' OR e.snapshot_channel_id = $9 OR (e.target_kind = ",
                    kTargetKinds.Sql(TargetKind::kChannel), " AND e.target_id = $9))"
                    " ORDER BY e.id LIMIT $8")},
      {"modlog.get",
       absl::StrCat("SELECT ", EntryColumns(),
                    ", (SELECT min(x.id) FROM modlog.entries x WHERE x.confirms_entry_id = e.id)"
                    " FROM modlog.entries e LEFT JOIN modlog.chain c ON c.entry_id = e.id WHERE e.id = $1")},
      {"modlog.unchained",
       "SELECT min(e.id), count(*) FROM modlog.entries e"
       " WHERE NOT EXISTS (SELECT 1 FROM modlog.chain c WHERE c.entry_id = e.id)"
       " AND NOT EXISTS (SELECT 1 FROM modlog.unsealed u WHERE u.entry_id = e.id)"},
      // The same for entries from $1 on, each looked up: a hash of the whole chain, which a
      // generic plan would build for an unknown $1, is what verifying since the checkpoint avoids.
      {"modlog.unchained_from",
       "SELECT min(e.id), count(*) FROM modlog.entries e WHERE e.id >= $1"
       " AND NOT EXISTS (SELECT 1 FROM modlog.chain c WHERE c.entry_id = e.id OFFSET 0)"
       " AND NOT EXISTS (SELECT 1 FROM modlog.unsealed u WHERE u.entry_id = e.id OFFSET 0)"},
      // Entries in neither the chain up to $1 nor the sealing queue (less any in them twice): at
      // the head's moment, 0 when every entry is accounted for. Counting takes a third of the time
      // of looking for one; the queue is short, so each of its entries is looked up.
      {"modlog.unaccounted",
       "SELECT (SELECT count(*) FROM modlog.entries) - $1::bigint - (SELECT count(*) FROM modlog.unsealed u"
       " WHERE EXISTS (SELECT 1 FROM modlog.entries e WHERE e.id = u.entry_id OFFSET 0)"
       " AND NOT EXISTS (SELECT 1 FROM modlog.chain c WHERE c.entry_id = u.entry_id OFFSET 0))"},
      // Costed over the whole table, these would be compiled first, which takes longer than running them.
      {"modlog.no_jit", "SELECT set_config('jit', 'off', true)"},
      {"modlog.unsealed_count", "SELECT count(*) FROM modlog.unsealed"},
      {"modlog.checkpoint",
       absl::StrCat("SELECT k.position, encode(k.head_hash, 'hex'), k.next_entry_id, ", EpochMicros("k.verified_at"),
                    ", ", EpochMicros("k.whole_chain_verified_at"),
                    ", coalesce(k.whole_chain_verified_at > now() - $1::bigint * interval '1 second', false),"
                    " c.entry_id, encode(c.chain_hash, 'hex')"
                    " FROM modlog.verified_checkpoint k LEFT JOIN modlog.chain c ON c.position = k.position")},
      // Every entry below it is in the chain: none waits to be sealed, and none is newer.
      {"modlog.next_entry_id",
       "SELECT coalesce(least((SELECT min(entry_id) FROM modlog.unsealed), (SELECT max(id) + 1 FROM modlog.entries)), 1)"},
      // Only forward; a verification since the checkpoint keeps the last whole-chain one's time,
      // or its absence after that one found a break.
      {"modlog.advance_checkpoint",
       absl::StrCat("INSERT INTO modlog.verified_checkpoint AS k"
                    " (position, head_hash, next_entry_id, verified_at, whole_chain_verified_at)"
                    " VALUES ($1, decode($2, 'hex'), $3, now(), CASE WHEN $4::boolean THEN now() END)"
                    " ON CONFLICT (singleton) DO UPDATE SET position = excluded.position,"
                    " head_hash = excluded.head_hash, next_entry_id = excluded.next_entry_id,"
                    " verified_at = excluded.verified_at, whole_chain_verified_at ="
                    " CASE WHEN $4::boolean THEN excluded.whole_chain_verified_at ELSE k.whole_chain_verified_at END"
                    " WHERE k.position <= excluded.position AND ($4::boolean OR k.whole_chain_verified_at IS NOT NULL)"
                    " RETURNING ", EpochMicros("k.whole_chain_verified_at"))},
      {"modlog.distrust_checkpoint", "UPDATE modlog.verified_checkpoint SET whole_chain_verified_at = NULL"},
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
                      " content_hash, evidence_offsets_ms, evidence_texts) SELECT ",
                      values, MicrosParam(26), ", ", MicrosParam(27), ", decode($28, 'hex'), $29::bigint[], $30::text[]",
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
  std::vector<int64_t> offsets;
  std::vector<std::string> texts;
  for (const EvidenceNote& note : content.evidence) {
    offsets.push_back(note.offset.count());
    texts.push_back(note.text);
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
          hash,
          absl::StrCat("{", absl::StrJoin(offsets, ","), "}"),
          TextArrayLiteral(texts)};
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
                                                limit, filter.in_channel_id)) {
          entries.push_back(ReadEntry(row));
          entries.back().confirmed_by_entry_id = Nullable<int64_t>(row[kEntryColumnCount]);
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
          entry->confirmed_by_entry_id = Nullable<int64_t>(result[0][kEntryColumnCount]);
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

// The checkpoint as stored, and what the chain holds at its position now.
struct Checkpoint {
  int64_t position = 0;
  std::string head_hash;
  int64_t next_entry_id = 1;
  TimePoint verified_at;
  std::optional<TimePoint> whole_chain_verified_at;
  bool whole_chain_recent = false;  // within kWholeChainEvery
  int64_t entry_at_position = 0;
  std::optional<std::string> chain_hash_at_position;
};

std::optional<Checkpoint> ReadCheckpoint(pqxx::transaction_base& tx) {
  auto rows = tx.exec_prepared("modlog.checkpoint",
                               std::chrono::duration_cast<std::chrono::seconds>(LogStore::kWholeChainEvery).count());
  if (rows.empty()) {
    return std::nullopt;
  }
  const pqxx::row& row = rows[0];
  Checkpoint checkpoint;
  checkpoint.position = row[0].as<int64_t>();
  checkpoint.head_hash = Unhex(row[1].c_str());
  checkpoint.next_entry_id = row[2].as<int64_t>();
  checkpoint.verified_at = FromMicros(row[3].as<int64_t>());
  if (!row[4].is_null()) {
    checkpoint.whole_chain_verified_at = FromMicros(row[4].as<int64_t>());
  }
  checkpoint.whole_chain_recent = row[5].as<bool>();
  checkpoint.entry_at_position = Nullable<int64_t>(row[6]).value_or(0);
  if (!row[7].is_null()) {
    checkpoint.chain_hash_at_position = Unhex(row[7].c_str());
  }
  return checkpoint;
}

// The break that a chain no longer passing through its checkpoint is. The log is append-only,
// so the chain cannot have moved away from a point once verified on it: either it was rewritten
// or cut short, or the checkpoint was forged. Which, only a person can tell, so the checkpoint
// stays until one does (deletes it).
std::optional<Break> Departure(const Checkpoint& checkpoint, int64_t head) {
  std::string when = FormatIsoTime(checkpoint.verified_at);
  if (checkpoint.position > head) {
    return Break{head + 1, 0,
                 absl::StrCat("the chain ends at position ", head, ", but it reached position ", checkpoint.position,
                              " when verified at ", when,
                              ": entries were cut off its end, or the verified checkpoint was forged")};
  }
  const std::string& there =
      checkpoint.position == 0 ? GenesisHash() : checkpoint.chain_hash_at_position.value_or(std::string());
  if (there != checkpoint.head_hash) {
    return Break{checkpoint.position, checkpoint.entry_at_position,
                 absl::StrCat("the chain's hash at position ", checkpoint.position,
                              " is not the one verified there at ", when,
                              ": the chain up to it was rewritten, or the verified checkpoint was forged")};
  }
  return std::nullopt;
}

// Windows checked side by side: one per core. More only make the database and the hashing take
// turns.
// The chain holds up to the position before the break.
void ReportBreak(const Break& found, VerifyReport& report) {
  report.intact = false;
  report.broken_position = found.position;
  report.broken_entry_id = found.entry_id;
  report.problem = found.problem;
  report.entries_checked = found.position - 1;
}

int VerifyWorkers() { return static_cast<int>(std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 8)); }

}  // namespace

absl::StatusOr<VerifyReport> LogStore::Verify(VerifyScope scope) {
  VerifyReport report;
  int64_t head = 0;
  std::optional<Checkpoint> checkpoint;
  std::optional<Break> departure;
  bool since_checkpoint = false;
  int64_t next_entry_id = 1;
  int64_t unaccounted = 0;  // entries in neither the chain nor the sealing queue, less any twice in them
  // The head, the checkpoint and what the chain holds there, and which entries the chain held,
  // as of one moment.
  RETURN_IF_ERROR(pool_.InSnapshot([&](pqxx::transaction_base& tx) {
    tx.exec_prepared("modlog.no_jit");
    head = 0;
    report.head_hash = GenesisHash();
    if (auto tip = tx.exec_prepared("modlog.chain_tip"); !tip.empty()) {
      head = tip[0][0].as<int64_t>();
      report.head_hash = Unhex(tip[0][1].c_str());
    }
    checkpoint = ReadCheckpoint(tx);
    departure = checkpoint ? Departure(*checkpoint, head) : std::nullopt;
    since_checkpoint =
        scope == VerifyScope::kSinceCheckpoint && checkpoint && !departure && checkpoint->whole_chain_recent;
    next_entry_id = tx.exec_prepared1("modlog.next_entry_id")[0].as<int64_t>();
    unaccounted = since_checkpoint ? 0 : tx.exec_prepared1("modlog.unaccounted", head)[0].as<int64_t>();
    return absl::OkStatus();
  }));
  if (departure) {
    ComponentLogger("modlog")->warn("the moderation log left its verified checkpoint: {}", departure->problem);
  }
  report.verified_from = since_checkpoint ? checkpoint->position : 0;

  ChainVerifier verifier(pool_.options(), verify_window_, VerifyWorkers());
  ASSIGN_OR_RETURN(std::optional<Break> found, verifier.Check(report.verified_from, head));
  if (departure && (!found || departure->position < found->position)) {
    found = departure;
  }
  if (found) {
    ReportBreak(*found, report);
  } else {
    report.entries_checked = head;
  }
  report.head_position = head;

  // Every entry must be in the chain or waiting for it. Since the checkpoint, only the entries
  // it had not seen in the chain need looking at; for the whole log, the counts tell whether one
  // must be looked for.
  std::optional<int64_t> unchained;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("modlog.no_jit");
    unchained.reset();
    if (since_checkpoint || unaccounted > 0) {
      auto row = since_checkpoint ? tx.exec_prepared1("modlog.unchained_from", checkpoint->next_entry_id)
                                  : tx.exec_prepared1("modlog.unchained");
      unchained = row[1].as<int64_t>() > 0 ? Nullable<int64_t>(row[0]) : std::nullopt;
    }
    report.unsealed = tx.exec_prepared1("modlog.unsealed_count")[0].as<int64_t>();
    return absl::OkStatus();
  }));
  if (report.intact && unchained) {
    report.intact = false;
    report.broken_entry_id = *unchained;
    report.problem = absl::StrCat("entry ", *unchained, " is neither in the chain nor waiting to be sealed");
  } else if (report.intact && unaccounted < 0) {
    report.intact = false;
    report.problem = absl::StrCat("the chain and the sealing queue name ", -unaccounted,
                                  " entries more than the log holds: an entry is in them twice");
  }

  // An intact chain moves the checkpoint to the head just verified; a broken whole chain makes
  // the next verification recompute all of it again.
  if (checkpoint) {
    report.whole_chain_verified_at = checkpoint->whole_chain_verified_at;
  }
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    if (report.intact) {
      auto advanced =
          tx.exec_prepared("modlog.advance_checkpoint", head, Hex(report.head_hash), next_entry_id, !since_checkpoint);
      if (!advanced.empty() && !advanced[0][0].is_null()) {
        report.whole_chain_verified_at = FromMicros(advanced[0][0].as<int64_t>());
      }
    } else if (!since_checkpoint) {
      tx.exec_prepared("modlog.distrust_checkpoint");
      report.whole_chain_verified_at.reset();
    }
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<VerifyReport> LogStore::VerifyWindow(int64_t after, int64_t up_to) {
  if (after < 0 || up_to <= after) {
    return absl::InvalidArgumentError(
        absl::StrCat("a chain window must start at 0 or later and end after it, not (", after, ", ", up_to, "]"));
  }
  VerifyReport report;
  report.verified_from = after;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    auto tip = tx.exec_prepared("modlog.chain_tip");
    report.head_position = tip.empty() ? 0 : tip[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  if (after > report.head_position) {
    return absl::OutOfRangeError(
        absl::StrCat("the window starts after position ", after, ", past the chain's head at ", report.head_position));
  }
  const int64_t end = std::min({up_to, report.head_position, after + verify_window_ * kWindowsPerCall});
  ChainVerifier verifier(pool_.options(), verify_window_, VerifyWorkers());
  ASSIGN_OR_RETURN(std::optional<Break> found, verifier.Check(after, end));
  if (found) {
    ReportBreak(*found, report);
    return report;
  }
  report.entries_checked = end;
  report.head_hash = GenesisHash();
  if (end > 0) {
    RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
      report.head_hash = Unhex(tx.exec_prepared1("modlog.chain_hash_at", end)[0].c_str());
      return absl::OkStatus();
    }));
  }
  return report;
}

}  // namespace curation::modlog
