#include <curation/alert/alert_store.hpp>

#include <absl/strings/str_cat.h>

#include <curation/db/fields.hpp>

namespace curation::alert {
namespace {

using db::FromMillis;
using db::ValueOf;
using db::MillisOf;
using db::OptionalMillis;
using db::TimeParam;
using db::ToMillis;

constexpr int64_t kMonitorLock = 0x616c657274000001;  // one instance watches what is featured

const std::string kFeaturedColumns = absl::StrCat(
    "id, slot, video_id, video_title, category_name, hero_title, cut_url, poster_url, ", MillisOf("featured_from"), ", ",
    MillisOf("featured_until"), ", status, reason, fail_streak, pass_streak, played_once, ",
    MillisOf("first_failure_at"), ", ", MillisOf("last_probe_at"), ", ", MillisOf("next_probe_at"));

FeaturedRow ReadFeatured(const pqxx::row& row) {
  FeaturedRow featured;
  featured.id = row[0].as<int64_t>();
  featured.video.slot = row[1].as<std::string>();
  featured.video.video_id = row[2].as<std::string>();
  featured.video.video_title = row[3].as<std::string>();
  featured.video.category_name = row[4].as<std::string>();
  featured.video.hero_title = row[5].as<std::string>();
  featured.video.cut_url = row[6].as<std::string>();
  featured.video.poster_url = row[7].as<std::string>();
  featured.featured_from = FromMillis(row[8].as<int64_t>());
  featured.video.activated_at = featured.featured_from;
  featured.featured_until = OptionalMillis(row[9]);
  std::optional<SlotStatus> status = SlotStatusFromDb(row[10].as<std::string>());
  if (!status) {
    throw pqxx::conversion_error(absl::StrCat("column status holds '", row[10].c_str(), "', which is not a status"));
  }
  featured.status = *status;
  featured.reason = row[11].as<std::string>();
  featured.fail_streak = row[12].as<int>();
  featured.pass_streak = row[13].as<int>();
  featured.played_once = row[14].as<bool>();
  featured.first_failure_at = OptionalMillis(row[15]);
  featured.last_probe_at = OptionalMillis(row[16]);
  featured.next_probe_at = FromMillis(row[17].as<int64_t>());
  return featured;
}

std::vector<FeaturedRow> ReadFeaturedRows(const pqxx::result& result) {
  std::vector<FeaturedRow> rows;
  for (const auto& row : result) {
    rows.push_back(ReadFeatured(row));
  }
  return rows;
}

const std::string kIncidentColumns = absl::StrCat(
    "id, incident_key, alertname, slot, video_id, video_title, category_name, reason, state, ", MillisOf("broke_at"),
    ", ", MillisOf("opened_at"), ", ", MillisOf("deadline"), ", ", MillisOf("acknowledged_at"),
    ", coalesce(acknowledged_by, ''), ", MillisOf("resolved_at"),
    ", coalesce(resolved_by, ''), coalesce(resolution, ''), breached");

IncidentRow ReadIncident(const pqxx::row& row) {
  IncidentRow incident;
  incident.id = row[0].as<int64_t>();
  incident.incident_key = row[1].as<std::string>();
  incident.alertname = row[2].as<std::string>();
  incident.slot = row[3].as<std::string>();
  incident.video_id = row[4].as<std::string>();
  incident.video_title = row[5].as<std::string>();
  incident.category_name = row[6].as<std::string>();
  incident.reason = row[7].as<std::string>();
  incident.state = ValueOf(kIncidentStates, row[8]);
  incident.broke_at = FromMillis(row[9].as<int64_t>());
  incident.opened_at = FromMillis(row[10].as<int64_t>());
  incident.deadline = FromMillis(row[11].as<int64_t>());
  incident.acknowledged_at = OptionalMillis(row[12]);
  incident.acknowledged_by = row[13].as<std::string>();
  incident.resolved_at = OptionalMillis(row[14]);
  incident.resolved_by = row[15].as<std::string>();
  incident.resolution = row[16].as<std::string>();
  incident.breached = row[17].as<bool>();
  return incident;
}

std::optional<IncidentRow> FirstIncident(const pqxx::result& result) {
  return result.empty() ? std::nullopt : std::optional<IncidentRow>(ReadIncident(result[0]));
}

const std::string kNotificationColumns =
    absl::StrCat("id, incident_id, receiver, step, body, state, attempts, coalesce(last_status, 0), last_error, ",
                 MillisOf("created_at"), ", ", MillisOf("sent_at"), ", ", MillisOf("next_attempt_at"));

NotificationRow ReadNotification(const pqxx::row& row) {
  NotificationRow notification;
  notification.id = row[0].as<int64_t>();
  notification.incident_id = db::Nullable<int64_t>(row[1]);
  notification.receiver = row[2].as<std::string>();
  notification.step = row[3].as<std::string>();
  notification.body = row[4].as<std::string>();
  notification.state = ValueOf(kNotificationStates, row[5]);
  notification.attempts = row[6].as<int>();
  notification.last_status = row[7].as<int>();
  notification.last_error = row[8].as<std::string>();
  notification.created_at = FromMillis(row[9].as<int64_t>());
  notification.sent_at = OptionalMillis(row[10]);
  notification.next_attempt_at = FromMillis(row[11].as<int64_t>());
  return notification;
}

std::optional<std::string> OptionalText(const std::optional<TimePoint>& time) {
  return time ? std::optional<std::string>(std::to_string(ToMillis(*time))) : std::nullopt;
}

std::string Text(IncidentEventKind kind) { return std::string(kIncidentEventKinds.Db(kind)); }

const std::string kFiring = kIncidentStates.Sql(IncidentState::kFiring);
const std::string kResolved = kIncidentStates.Sql(IncidentState::kResolved);
const std::string kPending = kNotificationStates.Sql(NotificationState::kPending);
const std::string kNotResolved = absl::StrCat("state <> ", kResolved);

// A probe's status as an SQL literal.
std::string Sql(SlotStatus status) { return std::string("'").append(SlotStatusDb(status)).append("'"); }

}  // namespace

absl::StatusOr<std::unique_ptr<db::AdvisoryLease>> AlertStore::TryBecomeMonitor() {
  return db::TryAdvisoryLease(pool_, kMonitorLock);
}

std::vector<db::PreparedStatement> AlertStore::Statements() {
  const std::string unplayable = Sql(probe::Verdict::kUnplayable);
  const std::string unknown = Sql(SlotStatus{});
  const std::string plays =
      absl::StrCat("(", Sql(probe::Verdict::kPlayable), ", ", Sql(probe::Verdict::kDegraded), ")");
  return {
      {"alert.current_featured",
       absl::StrCat("SELECT ", kFeaturedColumns, " FROM alert.featured WHERE featured_until IS NULL ORDER BY slot, video_id")},
      {"alert.featured_history",
       absl::StrCat("SELECT ", kFeaturedColumns,
                    " FROM alert.featured WHERE featured_until IS NOT NULL ORDER BY featured_until DESC, id DESC LIMIT $1")},
      {"alert.end_featured",
       absl::StrCat("UPDATE alert.featured SET featured_until = ", TimeParam(2), " WHERE id = $1 RETURNING ",
                    kFeaturedColumns)},
      {"alert.start_featured",
       absl::StrCat("INSERT INTO alert.featured (slot, video_id, video_title, category_name, hero_title, cut_url,"
                    " poster_url, featured_from, next_probe_at) VALUES ($1, $2, $3, $4, $5, $6, $7, ",
                    TimeParam(8), ", ", TimeParam(9), ") ON CONFLICT DO NOTHING RETURNING ", kFeaturedColumns)},
      {"alert.retitle_featured",
       "UPDATE alert.featured SET video_title = $2, category_name = $3, hero_title = $4 WHERE id = $1"},
      {"alert.due_for_probe",
       absl::StrCat("SELECT ", kFeaturedColumns, " FROM alert.featured WHERE featured_until IS NULL AND next_probe_at <= ",
                    TimeParam(1), " ORDER BY next_probe_at, id")},
      {"alert.record_probe",
       absl::StrCat(
           "UPDATE alert.featured SET status = $2, reason = $3, last_probe_at = ", TimeParam(4),
           ", next_probe_at = ", TimeParam(5),
           // No status (the probe itself failed) leaves the streaks as they were.
           ", fail_streak = CASE $2 WHEN ", unplayable, " THEN fail_streak + 1 WHEN ", unknown,
           " THEN fail_streak ELSE 0 END, pass_streak = CASE $2 WHEN ", unplayable, " THEN 0 WHEN ", unknown,
           " THEN pass_streak ELSE pass_streak + 1 END, played_once = played_once OR $2 IN ", plays,
           ", first_failure_at = CASE WHEN $2 IN ", plays, " THEN NULL WHEN $2 = ", unplayable,
           " AND fail_streak = 0 THEN ", TimeParam(4), " ELSE first_failure_at END WHERE id = $1 RETURNING ",
           kFeaturedColumns)},
      {"alert.beat",
       absl::StrCat("INSERT INTO alert.heartbeats (source, at) VALUES ($1, ", TimeParam(2),
                    ") ON CONFLICT (source) DO UPDATE SET at = greatest(alert.heartbeats.at, excluded.at)")},
      {"alert.last_beat", absl::StrCat("SELECT ", MillisOf("at"), " FROM alert.heartbeats WHERE source = $1")},
      {"alert.open_incident",
       absl::StrCat("INSERT INTO alert.incidents (incident_key, alertname, slot, video_id, video_title, category_name,"
                    " reason, state, broke_at, opened_at, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, ", kFiring,
                    ", ", TimeParam(8), ", ", TimeParam(9), ", ", TimeParam(10),
                    ") ON CONFLICT (slot, video_id) WHERE ", kNotResolved, " DO NOTHING RETURNING ", kIncidentColumns)},
      {"alert.open_incident_for",
       absl::StrCat("SELECT ", kIncidentColumns,
                    " FROM alert.incidents WHERE slot = $1 AND video_id = $2 AND ", kNotResolved)},
      {"alert.open_incidents",
       absl::StrCat("SELECT ", kIncidentColumns, " FROM alert.incidents WHERE ", kNotResolved, " ORDER BY id")},
      {"alert.get_incident", absl::StrCat("SELECT ", kIncidentColumns, " FROM alert.incidents WHERE id = $1")},
      {"alert.list_incidents",
       absl::StrCat("SELECT ", kIncidentColumns,
                    " FROM alert.incidents WHERE ($1::bigint = 0 OR id < $1) AND"
                    " (cardinality($2::text[]) = 0 OR state = ANY($2::text[])) ORDER BY id DESC LIMIT $3")},
      {"alert.incident_events",
       absl::StrCat("SELECT ", MillisOf("at"), ", kind, actor, note FROM alert.incident_events"
                    " WHERE incident_id = $1 ORDER BY id")},
      {"alert.incident_notifications",
       absl::StrCat("SELECT ", kNotificationColumns, " FROM alert.outbox WHERE incident_id = $1 ORDER BY id")},
      {"alert.acknowledge",
       absl::StrCat("UPDATE alert.incidents SET state = ", kIncidentStates.Sql(IncidentState::kAcknowledged),
                    ", acknowledged_at = ", TimeParam(3), ", acknowledged_by = $2 WHERE id = $1 AND state = ", kFiring,
                    " RETURNING ", kIncidentColumns)},
      {"alert.resolve",
       absl::StrCat("UPDATE alert.incidents SET state = ", kResolved, ", resolved_at = ", TimeParam(4),
                    ", resolved_by = $2, resolution = $3 WHERE id = $1 AND ", kNotResolved, " RETURNING ",
                    kIncidentColumns)},
      {"alert.mark_breached", "UPDATE alert.incidents SET breached = true WHERE id = $1 AND NOT breached"},
      {"alert.record_event",
       absl::StrCat("INSERT INTO alert.incident_events (incident_id, at, kind, actor, note) VALUES ($1, ",
                    TimeParam(2), ", $3, $4, $5)")},
      {"alert.enqueue",
       absl::StrCat("INSERT INTO alert.outbox (incident_id, receiver, step, body, created_at, next_attempt_at)"
                    " VALUES ($1, $2, $3, $4, ", TimeParam(5), ", ", TimeParam(5),
                    ") ON CONFLICT (incident_id, receiver, step) DO NOTHING RETURNING id")},
      {"alert.queued_steps", "SELECT DISTINCT step FROM alert.outbox WHERE incident_id = $1 ORDER BY step"},
      {"alert.paged_receivers",
       absl::StrCat("SELECT DISTINCT receiver FROM alert.outbox WHERE incident_id = $1 AND (step LIKE '",
                    std::string(kNoticeKinds.Db(NoticeKind::kPage)), ":%' OR step = ", kNoticeKinds.Sql(NoticeKind::kBreach),
                    ") ORDER BY receiver")},
      {"alert.take_due",
       absl::StrCat("SELECT ", kNotificationColumns, " FROM alert.outbox WHERE state = ", kPending,
                    " AND next_attempt_at <= ", TimeParam(1),
                    " ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")},
      {"alert.record_attempt",
       absl::StrCat("UPDATE alert.outbox SET state = $2, attempts = $3, last_status = nullif($4::integer, 0),"
                    " last_error = $5, sent_at = ", TimeParam(6), ", next_attempt_at = ", TimeParam(7),
                    " WHERE id = $1")},
      {"alert.get_notification", absl::StrCat("SELECT ", kNotificationColumns, " FROM alert.outbox WHERE id = $1")},
      {"alert.newest_notification",
       "SELECT max(id) FROM alert.outbox WHERE receiver = $1 AND step = $2"},
      {"alert.silence",
       absl::StrCat("INSERT INTO alert.silences (slot, until, reason, created_by, created_at) VALUES ($1, ",
                    TimeParam(2), ", $3, $4, ", TimeParam(5), ")")},
      {"alert.active_silence",
       absl::StrCat("SELECT slot, ", MillisOf("until"), ", reason, created_by FROM alert.silences"
                    " WHERE slot = $1 AND until > ", TimeParam(2), " ORDER BY until DESC LIMIT 1")},
      {"alert.counts",
       absl::StrCat("SELECT (SELECT count(*) FROM alert.incidents WHERE ", kNotResolved,
                    "), (SELECT count(*) FROM alert.incidents WHERE state = ", kFiring,
                    "), (SELECT count(*) FROM alert.outbox WHERE state = ", kPending, ")")},
  };
}

absl::StatusOr<FeaturedChange> AlertStore::ApplyFeatured(const std::vector<FeaturedVideo>& now_featured,
                                                          TimePoint now) {
  FeaturedChange change;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    change = {};
    std::vector<FeaturedRow> current = ReadFeaturedRows(tx.exec_prepared("alert.current_featured"));
    auto same_assets = [](const FeaturedVideo& a, const FeaturedVideo& b) {
      return a.slot == b.slot && a.video_id == b.video_id && a.cut_url == b.cut_url && a.poster_url == b.poster_url;
    };
    for (const FeaturedRow& row : current) {
      auto still = std::find_if(now_featured.begin(), now_featured.end(),
                                [&](const FeaturedVideo& video) { return same_assets(video, row.video); });
      if (still == now_featured.end()) {
        change.ended.push_back(ReadFeatured(tx.exec_prepared1("alert.end_featured", row.id, ToMillis(now))));
      } else if (still->video_title != row.video.video_title || still->category_name != row.video.category_name ||
                 still->hero_title != row.video.hero_title) {
        tx.exec_prepared("alert.retitle_featured", row.id, still->video_title, still->category_name,
                         still->hero_title);
      }
    }
    for (const FeaturedVideo& video : now_featured) {
      bool known = std::any_of(current.begin(), current.end(),
                               [&](const FeaturedRow& row) { return same_assets(video, row.video); });
      if (known) {
        continue;
      }
      // The hero's own activation time when Orion gives one not in the future: the deadline
      // counts from the change, not from when we noticed it.
      TimePoint from = video.activated_at && *video.activated_at <= now ? *video.activated_at : now;
      auto inserted = tx.exec_prepared("alert.start_featured", video.slot, video.video_id, video.video_title,
                                       video.category_name, video.hero_title, video.cut_url, video.poster_url,
                                       ToMillis(from), ToMillis(now));
      if (!inserted.empty()) {
        change.started.push_back(ReadFeatured(inserted[0]));
      }
    }
    return absl::OkStatus();
  }));
  return change;
}

absl::StatusOr<std::vector<FeaturedRow>> AlertStore::CurrentFeatured(std::optional<TimePoint> deadline) {
  std::vector<FeaturedRow> rows;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        rows = ReadFeaturedRows(tx.exec_prepared("alert.current_featured"));
        return absl::OkStatus();
      },
      deadline));
  return rows;
}

absl::StatusOr<std::vector<FeaturedRow>> AlertStore::FeaturedHistory(int limit, std::optional<TimePoint> deadline) {
  std::vector<FeaturedRow> rows;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        rows = ReadFeaturedRows(tx.exec_prepared("alert.featured_history", limit));
        return absl::OkStatus();
      },
      deadline));
  return rows;
}

absl::StatusOr<std::vector<FeaturedRow>> AlertStore::DueForProbe(TimePoint now) {
  std::vector<FeaturedRow> rows;
  RETURN_IF_ERROR(pool_.Autocommit([&](pqxx::nontransaction& tx) {
    rows = ReadFeaturedRows(tx.exec_prepared("alert.due_for_probe", ToMillis(now)));
    return absl::OkStatus();
  }));
  return rows;
}

absl::StatusOr<FeaturedRow> AlertStore::RecordProbe(int64_t featured_id, const SlotProbeResult& result) {
  FeaturedRow row;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    auto updated = tx.exec_prepared("alert.record_probe", featured_id, std::string(SlotStatusDb(result.status)),
                                    result.reason,
                                    ToMillis(result.probed_at), ToMillis(result.next_probe_at));
    if (updated.empty()) {
      return absl::NotFoundError(absl::StrCat("no featured slot row ", featured_id));
    }
    row = ReadFeatured(updated[0]);
    return absl::OkStatus();
  }));
  return row;
}

absl::Status AlertStore::Beat(Heartbeat source, TimePoint at) {
  return pool_.Autocommit([&](pqxx::nontransaction& tx) {
    tx.exec_prepared("alert.beat", std::string(kHeartbeats.Db(source)), ToMillis(at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<TimePoint>> AlertStore::LastBeat(Heartbeat source, std::optional<TimePoint> deadline) {
  std::optional<TimePoint> at;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        auto result = tx.exec_prepared("alert.last_beat", std::string(kHeartbeats.Db(source)));
        if (!result.empty()) {
          at = FromMillis(result[0][0].as<int64_t>());
        }
        return absl::OkStatus();
      },
      deadline));
  return at;
}

absl::StatusOr<std::optional<IncidentRow>> AlertStore::OpenIncident(const NewIncident& incident) {
  std::optional<IncidentRow> opened;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    opened = FirstIncident(tx.exec_prepared("alert.open_incident", incident.incident_key, incident.alertname,
                                            incident.slot, incident.video_id, incident.video_title,
                                            incident.category_name, incident.reason, ToMillis(incident.broke_at),
                                            ToMillis(incident.opened_at), ToMillis(incident.deadline)));
    if (opened) {
      tx.exec_prepared("alert.record_event", opened->id, ToMillis(incident.opened_at),
                       Text(IncidentEventKind::kOpened), "", incident.reason);
    }
    return absl::OkStatus();
  }));
  return opened;
}

absl::StatusOr<std::optional<IncidentRow>> AlertStore::OpenIncidentFor(const std::string& slot,
                                                                       const std::string& video_id,
                                                                       std::optional<TimePoint> deadline) {
  std::optional<IncidentRow> found;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        found = FirstIncident(tx.exec_prepared("alert.open_incident_for", slot, video_id));
        return absl::OkStatus();
      },
      deadline));
  return found;
}

absl::StatusOr<std::vector<IncidentRow>> AlertStore::OpenIncidents() {
  std::vector<IncidentRow> incidents;
  RETURN_IF_ERROR(pool_.Autocommit([&](pqxx::nontransaction& tx) {
    for (const auto& row : tx.exec_prepared("alert.open_incidents")) {
      incidents.push_back(ReadIncident(row));
    }
    return absl::OkStatus();
  }));
  return incidents;
}

absl::StatusOr<IncidentRow> AlertStore::GetIncident(int64_t id, std::optional<TimePoint> deadline) {
  std::optional<IncidentRow> incident;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) -> absl::Status {
        incident = FirstIncident(tx.exec_prepared("alert.get_incident", id));
        if (!incident) {
          return absl::NotFoundError(absl::StrCat("no incident ", id));
        }
        for (const auto& row : tx.exec_prepared("alert.incident_events", id)) {
          incident->events.push_back({FromMillis(row[0].as<int64_t>()), ValueOf(kIncidentEventKinds, row[1]),
                                      row[2].as<std::string>(), row[3].as<std::string>()});
        }
        for (const auto& row : tx.exec_prepared("alert.incident_notifications", id)) {
          incident->notifications.push_back(ReadNotification(row));
        }
        return absl::OkStatus();
      },
      deadline));
  return *incident;
}

absl::StatusOr<std::vector<IncidentRow>> AlertStore::ListIncidents(const std::vector<IncidentState>& states,
                                                                   int64_t before_id, int limit,
                                                                   std::optional<TimePoint> deadline) {
  std::vector<std::string> names;
  for (IncidentState state : states) {
    names.emplace_back(kIncidentStates.Db(state));
  }
  std::vector<IncidentRow> incidents;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        for (const auto& row :
             tx.exec_prepared("alert.list_incidents", before_id, db::TextArrayLiteral(names), limit)) {
          incidents.push_back(ReadIncident(row));
        }
        return absl::OkStatus();
      },
      deadline));
  return incidents;
}

absl::StatusOr<std::optional<IncidentRow>> AlertStore::Acknowledge(int64_t id, const std::string& actor,
                                                                   const std::string& note, TimePoint at,
                                                                   std::optional<TimePoint> deadline) {
  std::optional<IncidentRow> acknowledged;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) -> absl::Status {
        acknowledged = FirstIncident(tx.exec_prepared("alert.acknowledge", id, actor, ToMillis(at)));
        if (acknowledged) {
          tx.exec_prepared("alert.record_event", id, ToMillis(at), Text(IncidentEventKind::kAcknowledged), actor,
                           note);
          return absl::OkStatus();
        }
        auto current = FirstIncident(tx.exec_prepared("alert.get_incident", id));
        if (!current) {
          return absl::NotFoundError(absl::StrCat("no incident ", id));
        }
        if (current->state == IncidentState::kResolved) {
          return absl::FailedPreconditionError(absl::StrCat("incident ", id, " is resolved already"));
        }
        return absl::OkStatus();
      },
      deadline));
  return acknowledged;
}

absl::StatusOr<std::optional<IncidentRow>> AlertStore::Resolve(int64_t id, const std::string& actor,
                                                               const std::string& note, TimePoint at,
                                                               std::optional<TimePoint> deadline) {
  std::optional<IncidentRow> incident;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) -> absl::Status {
        incident = FirstIncident(tx.exec_prepared("alert.resolve", id, actor, note, ToMillis(at)));
        if (incident) {
          tx.exec_prepared("alert.record_event", id, ToMillis(at), Text(IncidentEventKind::kResolved), actor, note);
          return absl::OkStatus();
        }
        if (tx.exec_prepared("alert.get_incident", id).empty()) {
          return absl::NotFoundError(absl::StrCat("no incident ", id));
        }
        return absl::OkStatus();
      },
      deadline));
  return incident;
}

absl::Status AlertStore::MarkBreached(int64_t id, TimePoint at) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    if (tx.exec_prepared("alert.mark_breached", id).affected_rows() > 0) {
      tx.exec_prepared("alert.record_event", id, ToMillis(at), Text(IncidentEventKind::kBreached), "", "");
    }
    return absl::OkStatus();
  });
}

absl::Status AlertStore::RecordEvent(int64_t incident_id, const IncidentEventRow& event) {
  return pool_.Autocommit([&](pqxx::nontransaction& tx) {
    tx.exec_prepared("alert.record_event", incident_id, ToMillis(event.at), Text(event.kind), event.actor,
                     event.note);
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> AlertStore::Enqueue(std::optional<int64_t> incident_id, const std::string& receiver,
                                         const std::string& step, const std::string& body, TimePoint at,
                                         std::optional<TimePoint> deadline) {
  bool queued = false;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        std::optional<std::string> incident =
            incident_id ? std::optional<std::string>(std::to_string(*incident_id)) : std::nullopt;
        queued = !db::ExecWithParameters(tx, "alert.enqueue",
                                         {incident, receiver, step, body, std::to_string(ToMillis(at))})
                      .empty();
        return absl::OkStatus();
      },
      deadline));
  return queued;
}

absl::StatusOr<std::vector<std::string>> AlertStore::QueuedSteps(int64_t incident_id) {
  std::vector<std::string> steps;
  RETURN_IF_ERROR(pool_.Autocommit([&](pqxx::nontransaction& tx) {
    for (const auto& row : tx.exec_prepared("alert.queued_steps", incident_id)) {
      steps.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return steps;
}

absl::StatusOr<std::vector<std::string>> AlertStore::PagedReceivers(int64_t incident_id,
                                                                    std::optional<TimePoint> deadline) {
  std::vector<std::string> receivers;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        for (const auto& row : tx.exec_prepared("alert.paged_receivers", incident_id)) {
          receivers.push_back(row[0].as<std::string>());
        }
        return absl::OkStatus();
      },
      deadline));
  return receivers;
}

absl::StatusOr<int> AlertStore::DeliverDue(TimePoint now, int limit,
                                           const std::function<NotificationRow(const NotificationRow&)>& deliver,
                                           std::optional<TimePoint> deadline) {
  int attempted = 0;
  for (; attempted < limit; ++attempted) {
    bool took = false;
    RETURN_IF_ERROR(pool_.InTransaction(
        [&](pqxx::work& tx) {
          auto due = tx.exec_prepared("alert.take_due", ToMillis(now));
          took = !due.empty();
          if (!took) {
            return absl::OkStatus();
          }
          NotificationRow after = deliver(ReadNotification(due[0]));
          db::ExecWithParameters(tx, "alert.record_attempt",
                                 {std::to_string(after.id), std::string(kNotificationStates.Db(after.state)),
                                  std::to_string(after.attempts), std::to_string(after.last_status), after.last_error,
                                  OptionalText(after.sent_at), std::to_string(ToMillis(after.next_attempt_at))});
          return absl::OkStatus();
        },
        deadline));
    if (!took) {
      break;
    }
  }
  return attempted;
}

absl::StatusOr<NotificationRow> AlertStore::GetNotification(int64_t id, std::optional<TimePoint> deadline) {
  std::optional<NotificationRow> notification;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) -> absl::Status {
        auto result = tx.exec_prepared("alert.get_notification", id);
        if (result.empty()) {
          return absl::NotFoundError(absl::StrCat("no notification ", id));
        }
        notification = ReadNotification(result[0]);
        return absl::OkStatus();
      },
      deadline));
  return *notification;
}

absl::StatusOr<int64_t> AlertStore::NewestNotification(const std::string& receiver, const std::string& step,
                                                       std::optional<TimePoint> deadline) {
  int64_t id = 0;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        auto result = tx.exec_prepared1("alert.newest_notification", receiver, step);
        id = result[0].is_null() ? 0 : result[0].as<int64_t>();
        return absl::OkStatus();
      },
      deadline));
  return id;
}

absl::Status AlertStore::Silence(const SilenceRow& silence, TimePoint at, std::optional<TimePoint> deadline) {
  return pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        tx.exec_prepared("alert.silence", silence.slot, ToMillis(silence.until), silence.reason, silence.created_by,
                         ToMillis(at));
        return absl::OkStatus();
      },
      deadline);
}

absl::StatusOr<std::optional<SilenceRow>> AlertStore::ActiveSilence(const std::string& slot, TimePoint now,
                                                                    std::optional<TimePoint> deadline) {
  std::optional<SilenceRow> silence;
  RETURN_IF_ERROR(pool_.Autocommit(
      [&](pqxx::nontransaction& tx) {
        auto result = tx.exec_prepared("alert.active_silence", slot, ToMillis(now));
        if (!result.empty()) {
          silence = SilenceRow{result[0][0].as<std::string>(), FromMillis(result[0][1].as<int64_t>()),
                               result[0][2].as<std::string>(), result[0][3].as<std::string>()};
        }
        return absl::OkStatus();
      },
      deadline));
  return silence;
}

absl::StatusOr<AlertStore::Counts> AlertStore::CountOpen() {
  Counts counts;
  RETURN_IF_ERROR(pool_.Autocommit([&](pqxx::nontransaction& tx) {
    auto row = tx.exec_prepared1("alert.counts");
    counts = {row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<int64_t>()};
    return absl::OkStatus();
  }));
  return counts;
}

}  // namespace curation::alert
