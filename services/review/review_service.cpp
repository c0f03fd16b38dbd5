#include <curation/review/review_service.hpp>

#include <condition_variable>
#include <mutex>
#include <regex>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/logging.hpp>
#include <curation/common/page_token.hpp>
#include <curation/common/text.hpp>
#include <curation/modlog/entry.hpp>
#include <curation/probe/verdict.hpp>
#include <curation/review/rules.hpp>

namespace curation::review {
namespace {

int64_t Millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// The states a list without any asks for: the pending ones.
std::vector<std::string> PendingStates() {
  std::vector<std::string> states;
  for (const auto& entry : kItemStates.entries()) {
    if (IsPending(entry.value)) {
      states.emplace_back(entry.db);
    }
  }
  return states;
}

// Codes are catalogue keys; anything else cannot be one.
bool LooksLikeCode(const std::string& code) {
  static const std::regex kCode("[a-z][a-z0-9-]{0,63}");
  return std::regex_match(code, kCode);
}

// A page token's position: the last item's due time (in milliseconds, 1900 to 2200), its
// signal (a smallint priority, raised by one) and its id.
constexpr PositionRange kDueMillis{.min = -2'208'988'800'000, .max = 7'258'118'400'000};
constexpr PositionRange kSignals{.min = -32'768, .max = 32'768};
constexpr PositionRange kItemIds{.min = 1};

// What a page token of ListItems is bound to: the filter as the store applies it.
std::string PageQueryOf(const ItemFilter& filter) {
  return PageQuery({"review.items", absl::StrJoin(filter.states, ","),
                    filter.due_before ? absl::StrCat(Millis(*filter.due_before)) : "",
                    filter.breached_only ? "breached" : "", filter.at_risk_within ? "at risk" : "", filter.category_id, filter.channel_id, filter.playability,
                    filter.claimed_by});
}

absl::Status CheckIds(const std::vector<int64_t>& ids) {
  if (ids.empty() || ids.size() > ReviewService::kMaxClaim) {
    return absl::InvalidArgumentError(absl::StrCat("item_ids: give 1 to ", ReviewService::kMaxClaim, " ids"));
  }
  for (int64_t id : ids) {
    if (id <= 0) {
      return absl::InvalidArgumentError("item_ids must be positive item ids");
    }
  }
  return absl::OkStatus();
}

}  // namespace

ReviewService::ReviewService(ReviewStore& store, const Clock& clock, ReviewConfig config, MetricsRegistry& metrics)
    : store_(store), clock_(clock), config_(config), metrics_(metrics) {}

std::vector<QueueItem> ReviewService::AsOfNow(std::vector<ItemRow> rows) const {
  std::vector<QueueItem> items;
  TimePoint now = clock_.Now();
  for (ItemRow& row : rows) {
    items.push_back(AsOf(std::move(row), now, config_.at_risk));
  }
  return items;
}

absl::StatusOr<ItemPage> ReviewService::ListItems(const ListItemsQuery& query, std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(int size, PageSize(query.page_size));
  ItemFilter filter = query.filter;
  for (const std::string& state : filter.states) {
    if (!kItemStates.FromDb(state)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown state '", state, "'"));
    }
  }
  if (filter.states.empty()) {
    filter.states = PendingStates();
  }
  if (query.at_risk_only) {
    filter.at_risk_within = config_.at_risk;
  }
  if (!filter.playability.empty() && !probe::kVerdicts.FromDb(filter.playability)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown playability verdict '", filter.playability, "'"));
  }
  const std::string page_query = PageQueryOf(filter);
  ASSIGN_OR_RETURN(auto position, DecodePageToken(query.page_token, page_query, {kDueMillis, kSignals, kItemIds}));
  std::optional<QueuePosition> after;
  if (position) {
    after = QueuePosition{TimePoint(std::chrono::milliseconds((*position)[0])), static_cast<int>((*position)[1]),
                          (*position)[2]};
  }
  // One extra row tells whether another page follows.
  ASSIGN_OR_RETURN(auto rows, store_.ListItems(filter, after, size + 1, clock_.Now(), deadline));
  ItemPage page;
  if (static_cast<int>(rows.size()) > size) {
    rows.resize(size);
    const ItemRow& last = rows.back();
    page.next_page_token = EncodePageToken(page_query, {Millis(last.due_at), last.signal, last.id});
  }
  page.items = AsOfNow(std::move(rows));
  return page;
}

absl::StatusOr<QueueItem> ReviewService::GetItem(int64_t id, std::optional<TimePoint> deadline) {
  if (id <= 0) {
    return absl::InvalidArgumentError("id must be a positive item id");
  }
  ASSIGN_OR_RETURN(ItemRow row, store_.GetItem(id, deadline));
  return AsOf(std::move(row), clock_.Now(), config_.at_risk);
}

absl::StatusOr<std::chrono::milliseconds> ReviewService::LeaseLength(std::chrono::milliseconds requested) const {
  if (requested.count() < 0 || requested > config_.max_lease) {
    return absl::InvalidArgumentError(
        absl::StrCat("lease must be between 0 (the default, ", config_.lease.count() / 1000, " s) and ",
                     config_.max_lease.count() / 1000, " s"));
  }
  return requested.count() == 0 ? config_.lease : requested;
}

absl::StatusOr<std::vector<QueueItem>> ReviewService::ClaimItems(const auth::Principal& principal, int count,
                                                                 std::chrono::milliseconds lease,
                                                                 std::optional<TimePoint> deadline) {
  if (count < 1 || count > kMaxClaim) {
    return absl::InvalidArgumentError(absl::StrCat("count must be between 1 and ", kMaxClaim));
  }
  ASSIGN_OR_RETURN(auto length, LeaseLength(lease));
  ASSIGN_OR_RETURN(auto rows, store_.Claim(principal.name, count, length, clock_.Now(), deadline));
  return AsOfNow(std::move(rows));
}

absl::StatusOr<std::vector<QueueItem>> ReviewService::RenewClaims(const auth::Principal& principal,
                                                                  const std::vector<int64_t>& ids,
                                                                  std::chrono::milliseconds lease,
                                                                  std::optional<TimePoint> deadline) {
  RETURN_IF_ERROR(CheckIds(ids));
  ASSIGN_OR_RETURN(auto length, LeaseLength(lease));
  ASSIGN_OR_RETURN(auto rows, store_.Renew(principal.name, ids, length, clock_.Now(), deadline));
  return AsOfNow(std::move(rows));
}

absl::StatusOr<int64_t> ReviewService::ReleaseItems(const auth::Principal& principal, const std::vector<int64_t>& ids,
                                                    std::optional<TimePoint> deadline) {
  RETURN_IF_ERROR(CheckIds(ids));
  return store_.Release(principal.name, ids, deadline);
}

absl::Status ReviewService::CheckText(const char* field, const std::string& text, bool required,
                                      size_t min_chars) const {
  if (text.empty()) {
    return required ? absl::InvalidArgumentError(absl::StrCat(field, " is required"))
                    : absl::OkStatus();
  }
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", text.size(), " bytes; at most ", kMaxTextBytes, " (4 KiB) are kept"));
  }
  RETURN_IF_ERROR(CheckWrittenText(field, text));
  // Whitespace and invisible characters would otherwise make a blank justification long enough.
  size_t visible = VisibleLength(text);
  if (visible == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is blank: it has no visible characters"));
  }
  if (visible < min_chars) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is too short: say in at least ", min_chars,
                                                   " visible characters what breaks the policy and where"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Decision> ReviewService::DecideItem(const auth::Principal& principal, const DecideRequest& request,
                                                   std::optional<TimePoint> deadline) {
  if (request.item_id <= 0) {
    return absl::InvalidArgumentError("item_id must be a positive item id");
  }
  std::optional<Action> action = kActions.FromDb(request.action);
  if (!action || !IsDecision(*action)) {
    return absl::InvalidArgumentError("action must be approve, warn, censor or escalate");
  }
  const ActionRules rules = RulesFor(*action);
  size_t min_chars = static_cast<size_t>(config_.min_justification_chars);
  RETURN_IF_ERROR(CheckText("justification", request.justification, rules.needs_justification, min_chars));
  RETURN_IF_ERROR(CheckText("note", request.note, rules.needs_note, 1));
  if (rules.needs_policy_code && request.policy_codes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("policy_codes: a ", std::string(kActions.Human(*action)),
                                                   " must cite at least one code (see `curatorctl queue codes`)"));
  }
  if (!rules.may_cite_policy_codes && !request.policy_codes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy_codes: an ", std::string(kActions.Human(*action)), " cites no policy codes"));
  }
  for (const std::string& code : request.policy_codes) {
    if (!LooksLikeCode(code)) {
      return absl::InvalidArgumentError("policy_codes: unknown code (codes are lower-case words like 'copyright')");
    }
  }
  std::optional<TargetKind> censor_scope;
  if (!request.censor_scope.empty()) {
    if (*action != Action::kCensor) {
      return absl::InvalidArgumentError("censor_scope applies to a censor only");
    }
    censor_scope = kTargetKinds.FromDb(request.censor_scope);
    if (!censor_scope) {
      return absl::InvalidArgumentError(
          absl::StrCat("censor_scope: '", request.censor_scope, "' is not a video or a channel"));
    }
  }
  if (request.request_id.size() > kMaxRequestIdBytes || !IsValidUtf8(request.request_id)) {
    return absl::InvalidArgumentError("request_id must be UTF-8 text of at most 128 bytes");
  }
  RETURN_IF_ERROR(CheckEvidence(request.evidence));
  // A warn's text for the creator is its justification unless the curator wrote one.
  DecisionDraft draft{.item_id = request.item_id,
                      .action = *action,
                      .justification = request.justification,
                      .policy_codes = request.policy_codes,
                      .note = *action == Action::kWarn && request.note.empty() ? request.justification : request.note,
                      .censor_scope = censor_scope,
                      .request_id = request.request_id,
                      .evidence = request.evidence};
  ASSIGN_OR_RETURN(DecisionRecord record, store_.Decide(principal, draft, clock_.Now(), deadline));
  CountDecision(record.action);
  Decision decision{.record = std::move(record)};
  if (modlog::CarriedOutOnChain(EntryKindOf(decision.record.action))) {
    decision.chain_command = modlog::ChainCommand(decision.record.entry_id, decision.record.entry);
  }
  return decision;
}

absl::StatusOr<Decision> ReviewService::RevertDecision(const auth::Principal& principal, int64_t entry_id,
                                                       const std::string& justification,
                                                       const std::string& request_id,
                                                       std::optional<TimePoint> deadline) {
  RETURN_IF_ERROR(MayRevert(principal));
  if (entry_id <= 0) {
    return absl::InvalidArgumentError("entry_id must be a positive log entry id");
  }
  RETURN_IF_ERROR(CheckText("justification", justification, RulesFor(Action::kRevert).needs_justification,
                            static_cast<size_t>(config_.min_justification_chars)));
  if (request_id.size() > kMaxRequestIdBytes || !IsValidUtf8(request_id)) {
    return absl::InvalidArgumentError("request_id must be UTF-8 text of at most 128 bytes");
  }
  ASSIGN_OR_RETURN(DecisionRecord record,
                   store_.Revert(principal, entry_id, justification, request_id, clock_.Now(), deadline));
  CountDecision(record.action);
  Decision decision{.record = std::move(record)};
  decision.chain_command = modlog::ChainCommand(decision.record.entry_id, decision.record.entry);
  return decision;
}

void ReviewService::CountDecision(Action action) {
  metrics_.GetCounter("curation_review_decisions_total", "Decisions recorded",
                      {{"action", std::string(kActions.Db(action))}})
      .Inc();
}

absl::StatusOr<QueueCounts> ReviewService::GetQueueStats(std::optional<TimePoint> deadline) {
  return store_.Counts(clock_.Now(), config_.at_risk, deadline);
}

absl::StatusOr<std::vector<PolicyCode>> ReviewService::ListPolicyCodes(std::optional<TimePoint> deadline) {
  return store_.PolicyCodes(deadline);
}

void ReviewService::RefreshMetrics() {
  auto counts = GetQueueStats();
  if (!counts.ok()) {
    return;  // the gauges keep their last values; the database outage shows in health
  }
  auto gauge = [&](const char* name, const char* help, double value, Labels labels = {}) {
    metrics_.GetGauge(name, help, labels).Set(value);
  };
  const char* kDepth = "Review items not yet decided";
  auto state = [](ItemState value) { return Labels{{"state", std::string(kItemStates.Db(value))}}; };
  gauge("curation_review_queue_items", kDepth, static_cast<double>(counts->open), state(ItemState::kOpen));
  gauge("curation_review_queue_items", kDepth, static_cast<double>(counts->claimed), state(ItemState::kClaimed));
  gauge("curation_review_queue_items", kDepth, static_cast<double>(counts->escalated), state(ItemState::kEscalated));
  gauge("curation_review_at_risk_items", "Undecided items due within the at-risk window",
        static_cast<double>(counts->at_risk));
  gauge("curation_review_breached_items", "Undecided items past their deadline", static_cast<double>(counts->breached));
  gauge("curation_review_time_to_decision_median_seconds", "Median upload-to-decision time over the last 7 days",
        counts->median_time_to_decision
            ? std::chrono::duration<double>(*counts->median_time_to_decision).count()
            : 0.0);
}

void ReviewService::RunLeaseSweeper(std::stop_token stop, std::chrono::milliseconds period) {
  while (true) {
    PauseFor(stop, period);
    if (stop.stop_requested()) {
      return;
    }
    if (auto expired = store_.ExpireLeases(clock_.Now()); !expired.ok()) {
      ComponentLogger("review")->warn("returning lapsed claims to the queue failed: {}", expired.status());
    }
  }
}

}  // namespace curation::review
