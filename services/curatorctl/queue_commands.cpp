// curatorctl queue ...: the review queue (ReviewService).
//   queue list      items, earliest due first, with filters
//   queue claim     lease the next N items to yourself
//   queue renew     extend your leases
//   queue release   hand items back to the queue
//   queue decide    approve, warn, censor or escalate an item you hold
//   queue revert    undo a censor (lead)
//   queue stats     depth, at risk, breached, median time to decision
//   queue codes     the policy codes a warn or censor cites

#include <algorithm>
#include <iostream>
#include <random>
#include <set>

#include <curation/common/time_format.hpp>
#include <curation/review/vocabulary.hpp>
#include <curation/v1/review.grpc.pb.h>

#include "commands.hpp"

namespace curation::ctl {
namespace {

namespace v1 = curation::v1;

const EnumWords& States() {
  static const EnumWords words(v1::ItemState_descriptor(), "ITEM_STATE_");
  return words;
}
const EnumWords& Plays() {
  static const EnumWords words(v1::Verdict_descriptor(), "VERDICT_");
  return words;
}
const EnumWords& Actions() {
  static const EnumWords words(v1::Action_descriptor(), "ACTION_");
  return words;
}

// The decisions DecideItem takes; a revert has its own verb.
std::vector<std::string> DecideActions() {
  std::vector<std::string> words;
  for (const auto& entry : review::kActions.entries()) {
    if (review::IsDecision(entry.value)) {
      words.emplace_back(entry.human);
    }
  }
  return words;
}

// "channel" or "video" (what a newer server may add reads as a video).
std::string KindText(v1::TargetKind kind) {
  auto known = review::kTargetKinds.FromProto(kind);
  return std::string(review::kTargetKinds.Human(known.value_or(review::TargetKind::kVideo)));
}

std::string TargetText(v1::TargetKind kind, const std::string& id) { return KindText(kind) + " " + id; }

// new, changed or unjustified (what a newer server may add reads as new).
std::string ReasonText(v1::ItemReason reason) {
  return std::string(
      review::kItemReasons.Human(review::kItemReasons.FromProto(reason).value_or(review::ItemReason::kNewVideo)));
}

std::string StateText(review::ItemState state) { return std::string(review::kItemStates.Human(state)); }

std::string DueText(const v1::Item& item) {
  auto left = -Since(item.due_time());
  if (left.count() <= 0) {
    return "OVERDUE by " + HumanDuration(-left);
  }
  return "in " + HumanDuration(left) + (item.at_risk() ? " (at risk)" : "");
}

// PLAYABLE, DEGRADED, UNPLAYABLE, as `curatorctl probe` prints verdicts.
std::string PlaysText(v1::Verdict verdict) {
  if (verdict == v1::VERDICT_UNSPECIFIED) {
    return "not yet";
  }
  std::string word = Plays().Word(verdict);
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return word;
}

// "2026-03-01T12:10:00.000Z (in 10m)"
std::string UntilText(const google::protobuf::Timestamp& time) {
  return TimeText(time) + " (in " + HumanDuration(-Since(time)) + ")";
}

// A request_id for one mutating command: 16 random bytes in hex. Retries of the same command
// by this tool carry the same id, so the server answers them with the first outcome.
std::string NewRequestId() {
  std::random_device random;
  std::string id;
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    unsigned byte = random() & 0xFF;
    id += kHex[byte >> 4];
    id += kHex[byte & 0xF];
  }
  return id;
}

// What to say when a mutating call failed in a way that may have left it done.
std::string RetryHint(const grpc::Status& status, const std::string& request_id) {
  bool unknown = status.error_code() == grpc::UNAVAILABLE || status.error_code() == grpc::DEADLINE_EXCEEDED ||
                 status.error_code() == grpc::ABORTED;
  return unknown ? "it may or may not have been recorded: run the same command with --request-id " + request_id +
                       " to find out safely"
                 : "";
}

// Sends a decision or revert, retried safely under its request_id, and prints the outcome:
// `headline`, then for a censor or revert the chain command and what to do with it.
int SendDecision(const Options& options, const std::string& request_id,
                 const std::function<grpc::Status(grpc::ClientContext*, v1::Decision*)>& call,
                 const std::function<std::string(const v1::Decision&)>& headline) {
  v1::Decision decision;
  grpc::Status status = CallWithRetry(options, [&](grpc::ClientContext* context) { return call(context, &decision); });
  if (!status.ok()) {
    return Failed(options, status, RetryHint(status, request_id));
  }
  if (options.json) {
    return PrintJson(decision);
  }
  std::cout << headline(decision) << "\n";
  if (!decision.chain_command().empty()) {
    std::cout << "apply it on chain with your own key:\n"
              << decision.chain_command() << "\n"
              << decision.entry_reference()
              << " stays pending until curationd sees that event on chain; follow it with `curatorctl log show "
              << decision.entry_id() << "`.\n";
  }
  return 0;
}

// queue list --------------------------------------------------------------------------------

struct ListFlags {
  int limit = 50;
  std::vector<std::string> states;
  std::string due_before;
  bool breached = false;
  bool at_risk = false;
  std::string category;
  std::string channel;
  std::string plays;
  std::string claimed_by;
};

int List(const Options& options, const ListFlags& flags) {
  auto stub = v1::ReviewService::NewStub(Channel(options));
  v1::ListItemsRequest request;
  for (const std::string& state : flags.states) {
    request.add_states(static_cast<v1::ItemState>(States().Value(state)));
  }
  if (!flags.due_before.empty()) {
    *request.mutable_due_before() = ToTimestamp(*ParseIsoTime(flags.due_before));  // checked by Rfc3339()
  }
  request.set_breached_only(flags.breached);
  request.set_at_risk_only(flags.at_risk);
  request.set_category_id(flags.category);
  request.set_channel_id(flags.channel);
  if (!flags.plays.empty()) {
    request.set_playability(static_cast<v1::Verdict>(Plays().Value(flags.plays)));
  }
  request.set_claimed_by(flags.claimed_by);
  v1::ListItemsResponse all;
  if (auto done = AskPages<v1::ListItemsRequest, v1::ListItemsResponse>(
      options, flags.limit, request, all,
      [&](auto* context, const auto& page_request, auto* page) { return stub->ListItems(context, page_request, page); },
      [](auto& response) { return response.mutable_items(); },
      "No items match.")) {
    return *done;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "KIND", "TARGET", "REASON", "TITLE", "CHANNEL", "CATEGORY", "PLAYS", "AGE", "DUE", "CLAIMED BY"}};
  for (const auto& item : all.items()) {
    std::string kind = KindText(item.target_kind());
    std::string channel =
        item.channel_title().empty() ? item.channel_id() : item.channel_title() + " (" + item.channel_id() + ")";
    std::string claimed = item.state() == v1::ITEM_STATE_ESCALATED ? "(escalated)"
                          : item.claimed_by().empty()              ? "-"
                                                                   : item.claimed_by();
    rows.push_back({std::to_string(item.id()), kind, item.target_id(), ReasonText(item.reason()), Fit(item.title(), 36),
                    Fit(channel, 24), Fit(item.category_name(), 16), PlaysText(item.playability()),
                    HumanDuration(Since(item.upload_time())), DueText(item), claimed});
  }
  PrintTable(rows);
  if (!all.next_page_token().empty()) {
    std::cout << "(showing the first " << all.items_size() << "; raise --limit to see more)\n";
  }
  return 0;
}

// queue claim / renew / release -------------------------------------------------------------

struct ClaimFlags {
  int count = 1;
  std::string lease;  // empty: the server's default
  std::vector<int64_t> ids;
};

void AddLeaseFlag(CLI::App* command, ClaimFlags& flags) {
  command
      ->add_option("--lease", flags.lease,
                   "how long you hold them from now (default: review.lease, 10m; at most review.max_lease, 1h)")
      ->check(Span());
}

void SetLease(const std::string& lease, google::protobuf::Duration* out) {
  if (!lease.empty()) {
    *out = ToDuration(*ParseDuration(lease));  // checked by Span()
  }
}

// The items with their leases, and the earliest expiry.
void PrintLeased(const google::protobuf::RepeatedPtrField<v1::Item>& items) {
  std::vector<std::vector<std::string>> rows = {{"ID", "TARGET", "TITLE", "DUE"}};
  const google::protobuf::Timestamp* first_expiry = nullptr;
  for (const auto& item : items) {
    rows.push_back({std::to_string(item.id()), TargetText(item.target_kind(), item.target_id()), Fit(item.title(), 48),
                    DueText(item)});
    if (first_expiry == nullptr || ToTime(item.lease_expire_time()) < ToTime(*first_expiry)) {
      first_expiry = &item.lease_expire_time();
    }
  }
  PrintTable(rows);
  std::cout << "\nYours until " << UntilText(*first_expiry)
            << ". Decide with `curatorctl queue decide ID approve|warn|censor|escalate`, renew with "
               "`curatorctl queue renew ID...`, hand back with `curatorctl queue release ID...`.\n";
}

int Claim(const Options& options, const ClaimFlags& flags) {
  auto stub = v1::ReviewService::NewStub(Channel(options));
  v1::ClaimItemsRequest request;
  request.set_count(flags.count);
  SetLease(flags.lease, request.mutable_lease());
  v1::ClaimItemsResponse response;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->ClaimItems(context, request, &response); }, response)) {
    return *done;
  }
  if (response.items().empty()) {
    std::cout << "Nothing to claim: no open items (see `curatorctl queue list`).\n";
    return 0;
  }
  PrintLeased(response.items());
  return 0;
}

int Renew(const Options& options, const ClaimFlags& flags) {
  auto stub = v1::ReviewService::NewStub(Channel(options));
  v1::RenewClaimsRequest request;
  request.mutable_item_ids()->Add(flags.ids.begin(), flags.ids.end());
  SetLease(flags.lease, request.mutable_lease());
  v1::RenewClaimsResponse response;
  grpc::Status status = stub->RenewClaims(Context(options).get(), request, &response);
  if (!status.ok()) {
    return Failed(options, status);
  }
  std::set<int64_t> renewed;
  for (const auto& item : response.items()) {
    renewed.insert(item.id());
  }
  std::string missed;
  for (int64_t id : std::set<int64_t>(flags.ids.begin(), flags.ids.end())) {
    if (!renewed.contains(id)) {
      missed += (missed.empty() ? "" : ", ") + std::to_string(id);
    }
  }
  if (options.json) {
    PrintJson(response);
  } else if (!response.items().empty()) {
    PrintLeased(response.items());
  }
  if (!missed.empty()) {
    std::cerr << "curatorctl: not renewed: " << missed
              << " (not claimed by you, or the lease lapsed); claim again with `curatorctl queue claim`\n";
    return 1;
  }
  return 0;
}

int Release(const Options& options, const ClaimFlags& flags) {
  auto stub = v1::ReviewService::NewStub(Channel(options));
  v1::ReleaseItemsRequest request;
  request.mutable_item_ids()->Add(flags.ids.begin(), flags.ids.end());
  v1::ReleaseItemsResponse response;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->ReleaseItems(context, request, &response); }, response)) {
    return *done;
  }
  size_t asked = std::set<int64_t>(flags.ids.begin(), flags.ids.end()).size();
  std::cout << "Released " << response.released() << " item(s) to the queue";
  if (static_cast<size_t>(response.released()) < asked) {
    std::cout << "; " << asked - response.released() << " were not claimed by you";
  }
  std::cout << ".\n";
  return 0;
}

// queue decide / revert ---------------------------------------------------------------------

struct Justification {
  std::string text;
  std::string file;  // a path, or "-" for standard input
};

void AddJustificationFlags(CLI::App* command, Justification& justification, const std::string& why) {
  auto* text = command->add_option("--justification", justification.text, why);
  auto* file = command->add_option("--justification-file", justification.file,
                                   "read the justification from a file, or from standard input with -");
  text->excludes(file);
}

// The justification as given, or read from its file; trailing newlines dropped.
absl::StatusOr<std::string> ReadJustification(const Justification& justification) {
  if (justification.file.empty()) {
    return justification.text;
  }
  auto text = ReadSmallFile(justification.file, "--justification-file");
  if (!text.ok()) {
    return text.status();
  }
  return Trimmed(*text);
}

struct DecideFlags {
  int64_t item_id = 0;
  std::string action;
  std::vector<std::string> codes;
  Justification justification;
  std::string note;
  bool channel = false;
  std::string request_id;
};

int Decide(const Options& options, const DecideFlags& flags) {
  auto justification = ReadJustification(flags.justification);
  if (!justification.ok()) {
    return UsageError(std::string(justification.status().message()));
  }
  v1::DecideItemRequest request;
  request.set_item_id(flags.item_id);
  request.set_action(static_cast<v1::Action>(Actions().Value(flags.action)));
  request.set_justification(*justification);
  for (const std::string& code : flags.codes) {
    request.add_policy_codes(code);
  }
  request.set_note(flags.note);
  if (flags.channel) {
    request.set_censor_scope(v1::CENSOR_SCOPE_CHANNEL);
  }
  request.set_request_id(flags.request_id.empty() ? NewRequestId() : flags.request_id);
  auto stub = v1::ReviewService::NewStub(Channel(options));
  return SendDecision(
      options, request.request_id(),
      [&](auto* context, auto* decision) { return stub->DecideItem(context, request, decision); },
      [](const v1::Decision& decision) {
        return "Item " + std::to_string(decision.item_id()) + ": " + Actions().Word(decision.action()) +
               " recorded as " + decision.entry_reference() + " by " + decision.decided_by() + " at " +
               TimeText(decision.decide_time()) + "." +
               (decision.action() == v1::ACTION_ESCALATE
                    ? "\nThe lead sees it with `curatorctl queue list --state escalated`."
                    : "");
      });
}

struct RevertFlags {
  int64_t entry_id = 0;
  Justification justification;
  std::string request_id;
};

int Revert(const Options& options, const RevertFlags& flags) {
  auto justification = ReadJustification(flags.justification);
  if (!justification.ok()) {
    return UsageError(std::string(justification.status().message()));
  }
  if (justification->empty()) {
    return UsageError("a revert needs --justification TEXT or --justification-file PATH: say why it is undone");
  }
  v1::RevertDecisionRequest request;
  request.set_entry_id(flags.entry_id);
  request.set_justification(*justification);
  request.set_request_id(flags.request_id.empty() ? NewRequestId() : flags.request_id);
  auto stub = v1::ReviewService::NewStub(Channel(options));
  return SendDecision(
      options, request.request_id(),
      [&](auto* context, auto* decision) { return stub->RevertDecision(context, request, decision); },
      [&](const v1::Decision& decision) {
        return "curation-log#" + std::to_string(flags.entry_id) + " reverted by " + decision.entry_reference() + " (" +
               decision.decided_by() + ", " + TimeText(decision.decide_time()) + ").";
      });
}

// queue stats / codes -----------------------------------------------------------------------

int Stats(const Options& options) {
  auto stub = v1::ReviewService::NewStub(Channel(options));
  v1::QueueStats stats;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->GetQueueStats(context, {}, &stats); }, stats)) {
    return *done;
  }
  std::string oldest = "none";
  if (stats.has_oldest_due_time()) {
    auto left = -Since(stats.oldest_due_time());
    oldest = TimeText(stats.oldest_due_time()) +
             (left.count() <= 0 ? " (OVERDUE by " + HumanDuration(-left) + ")" : " (in " + HumanDuration(left) + ")");
  }
  std::string median = "no decisions in the last 7 days";
  if (stats.has_median_time_to_decision()) {
    const auto& span = stats.median_time_to_decision();
    median = HumanDuration(std::chrono::milliseconds(span.seconds() * 1000 + span.nanos() / 1'000'000)) +
             " (upload to decision)";
  }
  PrintTable({{"depth", std::to_string(stats.depth()) + " (items not yet decided)"},
              {StateText(review::ItemState::kOpen), std::to_string(stats.open())},
              {StateText(review::ItemState::kClaimed), std::to_string(stats.claimed())},
              {StateText(review::ItemState::kEscalated), std::to_string(stats.escalated())},
              {"at risk", std::to_string(stats.at_risk()) + " (due soon)"},
              {"breached", std::to_string(stats.breached()) + " (past due)"},
              {"median to decision", median},
              {"decided, last 7 days", std::to_string(stats.decided_last_7_days())},
              {"oldest due", oldest}});
  return 0;
}

int Codes(const Options& options) {
  auto stub = v1::ReviewService::NewStub(Channel(options));
  v1::ListPolicyCodesResponse response;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->ListPolicyCodes(context, {}, &response); }, response)) {
    return *done;
  }
  std::vector<std::vector<std::string>> rows = {{"CODE", "ACTION", "APPLIES TO", "TITLE"}};
  for (const auto& code : response.codes()) {
    rows.push_back({code.code(), Actions().Word(code.action()), code.applies_to(), code.title()});
  }
  PrintTable(rows);
  return 0;
}

}  // namespace

void AddQueueCommands(CLI::App& app, Runner& run) {
  auto* queue = app.add_subcommand("queue", "the review queue: list, claim, decide")->require_subcommand(1);

  auto list_flags = std::make_shared<ListFlags>();
  auto* list = queue->add_subcommand("list", "items not yet decided (or --state), earliest due first");
  list->add_option("--limit", list_flags->limit, "most items to show")->check(CLI::Range(1, 100000));
  list->add_option("--state", list_flags->states,
                   "only these states (default: all but decided); repeat or comma-separate")
      ->delimiter(',')
      ->check(CLI::IsMember(States().All()));
  list->add_option("--due-before", list_flags->due_before, "only items due before this RFC 3339 time")
      ->check(Rfc3339());
  list->add_flag("--breached", list_flags->breached, "only items past due");
  list->add_flag("--at-risk", list_flags->at_risk, "only items not yet due but due within the at-risk window");
  list->add_option("--category", list_flags->category, "only videos in this category id");
  list->add_option("--channel", list_flags->channel, "only this channel and its videos (channel id)");
  list->add_option("--plays", list_flags->plays, "only videos with this probe verdict")
      ->check(CLI::IsMember(Plays().All()));
  list->add_option("--claimed-by", list_flags->claimed_by, "only items this principal holds now");
  RunsWith(list, run, list_flags, List);

  auto claim_flags = std::make_shared<ClaimFlags>();
  auto* claim = queue->add_subcommand("claim", "lease the next N items (queue order) to yourself");
  claim->add_option("count", claim_flags->count, "how many (1 to 100; default 1)")->check(CLI::Range(1, 100));
  AddLeaseFlag(claim, *claim_flags);
  RunsWith(claim, run, claim_flags, Claim);

  auto renew_flags = std::make_shared<ClaimFlags>();
  auto* renew = queue->add_subcommand("renew", "extend your leases on these items");
  renew->add_option("id", renew_flags->ids, "item ids")->required()->check(CLI::PositiveNumber);
  AddLeaseFlag(renew, *renew_flags);
  RunsWith(renew, run, renew_flags, Renew);

  auto release_flags = std::make_shared<ClaimFlags>();
  auto* release = queue->add_subcommand("release", "hand these items back to the queue");
  release->add_option("id", release_flags->ids, "item ids")->required()->check(CLI::PositiveNumber);
  RunsWith(release, run, release_flags, Release);

  auto decide_flags = std::make_shared<DecideFlags>();
  auto* decide = queue->add_subcommand(
      "decide",
      "decide an item you hold: approve; warn or censor (a justification and policy codes, see `queue codes`); "
      "escalate (a --note to the lead)");
  decide->add_option("id", decide_flags->item_id, "the item id")->required()->check(CLI::PositiveNumber);
  decide->add_option("action", decide_flags->action, "approve, warn, censor or escalate")
      ->required()
      ->check(CLI::IsMember(DecideActions()));
  decide->add_option("--code", decide_flags->codes, "a policy code (repeat or comma-separate); warn and censor")
      ->delimiter(',');
  AddJustificationFlags(decide, decide_flags->justification,
                        "why, in your words; warn and censor need one (by default 20 characters to 4 KiB)");
  decide->add_option("--note", decide_flags->note, "warn: the text for the creator; escalate: the note to the lead");
  decide->add_flag("--channel", decide_flags->channel, "censor: hide the item's whole channel, not just the video");
  decide->add_option("--request-id", decide_flags->request_id,
                     "repeat a decision safely: the same id returns the first outcome (default: a new random id)");
  RunsWith(decide, run, decide_flags, Decide);

  auto revert_flags = std::make_shared<RevertFlags>();
  auto* revert = queue->add_subcommand("revert", "undo a censor (lead): prints the command that shows it again");
  revert->add_option("entry", revert_flags->entry_id, "the censor's log entry id (curation-log#ID)")
      ->required()
      ->check(CLI::PositiveNumber);
  AddJustificationFlags(revert, revert_flags->justification, "why it is undone (by default 20 characters to 4 KiB)");
  revert->add_option("--request-id", revert_flags->request_id,
                     "repeat a revert safely: the same id returns the first outcome (default: a new random id)");
  RunsWith(revert, run, revert_flags, Revert);

  queue->add_subcommand("stats", "depth, at risk, breached, median time to decision")->callback([&run] {
    run = Stats;
  });
  queue->add_subcommand("codes", "the policy codes a warn or censor cites")->callback([&run] { run = Codes; });
}

}  // namespace curation::ctl
