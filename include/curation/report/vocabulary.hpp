#pragma once
// The report's fixed sets of values, each one enum and one table (common/vocabulary.hpp): the
// forms a report is published in, the council's four errors, what an action did and where it
// stands on chain, and why a censorship is challenged.

#include <curation/common/vocabulary.hpp>
#include <curation/modlog/vocabulary.hpp>
#include <curation/v1/report.pb.h>

namespace curation::report {

/// The forms a report is published in. Human: the file extension, which is also the word
/// curatorctl's --format takes.
enum class ReportFormat { kMarkdown, kCsv, kJson, kHtml };

inline constexpr Vocabulary<ReportFormat, v1::ReportFormat, 4> kReportFormats{{{
    {ReportFormat::kMarkdown, "markdown", v1::REPORT_FORMAT_MARKDOWN, "md"},
    {ReportFormat::kCsv, "csv", v1::REPORT_FORMAT_CSV, "csv"},
    {ReportFormat::kJson, "json", v1::REPORT_FORMAT_JSON, "json"},
    {ReportFormat::kHtml, "html", v1::REPORT_FORMAT_HTML, "html"},
}}};

/// The four errors the council grades the Content Curator group by, in its order: the order of
/// every list of counts (the JSON form's summary.errors, the API's error_counts). Human: the
/// summary table's words.
enum class CouncilError { kLateDecision, kUnjustifiedCensorship, kNoLogs, kUnplayableFeatured };

inline constexpr Vocabulary<CouncilError, NoProto, 4> kCouncilErrors{{{
    {CouncilError::kLateDecision, "late_decision", NoProto::kNone,
     "A video left without a decision more than 36 h after upload"},
    {CouncilError::kUnjustifiedCensorship, "unjustified_censorship", NoProto::kNone,
     "Censorship without justification, or unjust censorship not reverted"},
    {CouncilError::kNoLogs, "no_logs", NoProto::kNone, "No logs: the log's hash chain must verify, without gaps"},
    {CouncilError::kUnplayableFeatured, "unplayable_featured", NoProto::kNone,
     "The hero or a featured video unplayable and not fixed within 1 h"},
}}};

/// What a moderation action did, as reports name it (the JSON form's spelling; warn, censor and
/// revert are the log's own entry kinds). Human: the word of the curators' historical log.
enum class ActionKind { kWarn, kCensor, kRevert, kDeleteAssets, kHide, kUnhide };

inline constexpr Vocabulary<ActionKind, NoProto, 6> kActionKinds{{{
    {ActionKind::kWarn, modlog::kEntryKinds.Db(modlog::EntryKind::kWarn), NoProto::kNone, "Warn"},
    {ActionKind::kCensor, modlog::kEntryKinds.Db(modlog::EntryKind::kCensor), NoProto::kNone, "Censored"},
    {ActionKind::kRevert, modlog::kEntryKinds.Db(modlog::EntryKind::kRevert), NoProto::kNone, "Reverted"},
    {ActionKind::kDeleteAssets, "delete_assets", NoProto::kNone, "Assets deleted"},  // on chain only
    {ActionKind::kHide, "hide", NoProto::kNone, "Hidden"},        // on chain, not from a log entry
    {ActionKind::kUnhide, "unhide", NoProto::kNone, "Unhidden"},  // on chain, not from a log entry
}}};

/// Where an action stands on chain. Human: the words that lead its description.
enum class ChainStatus { kPending, kConfirmed, kUnjustified, kPreexisting, kOffChain };

inline constexpr Vocabulary<ChainStatus, NoProto, 5> kChainStatuses{{{
    {ChainStatus::kPending, "pending", NoProto::kNone, "pending"},  // decided here, not seen on chain yet
    {ChainStatus::kConfirmed, "confirmed", NoProto::kNone, "confirmed"},
    {ChainStatus::kUnjustified, "unjustified", NoProto::kNone, "UNJUSTIFIED"},  // no justified log entry behind it
    {ChainStatus::kPreexisting, "preexisting", NoProto::kNone, "before the log"},  // on chain before the log began
    {ChainStatus::kOffChain, "off_chain", NoProto::kNone, "off chain"},  // needs nothing on chain (a warn)
}}};

/// Why a censorship is listed under error 2.
enum class Challenge { kReverted, kUnjustified };

inline constexpr Vocabulary<Challenge, NoProto, 2> kChallenges{{{
    {Challenge::kReverted, "reverted", NoProto::kNone, "reverted as unjust"},
    {Challenge::kUnjustified, "unjustified", NoProto::kNone, "no justified log entry"},
}}};

}  // namespace curation::report
