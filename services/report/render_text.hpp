#pragma once
// What the report's forms share: the words and times they print, untrusted text made safe to
// print, and the report laid out for people (headings, paragraphs, tables of raw text), which
// the Markdown and HTML forms only escape and mark up, so the two always say the same.

#include <string>
#include <string_view>
#include <vector>

#include <curation/common/text.hpp>
#include <curation/report/report.hpp>

namespace curation::report {

/// A title on one line, cut to fit a table cell with an ellipsis marking the cut.
std::string ShortTitle(std::string_view raw);

/// Whether `url` may be offered as a link: http(s), and no character that could end it early
/// in Markdown or an HTML attribute.
bool IsWebUrl(std::string_view url);

/// "2026-03-01" and "14:05:09", UTC.
std::string UtcDate(TimePoint time);
std::string UtcTime(TimePoint time);
/// "2026-03-01 14:05:09", UTC.
std::string UtcDateTime(TimePoint time);

/// An action as the curators' log names it: Warn, Censored, Reverted, Assets deleted, Hidden, Unhidden.
std::string ActionWord(ActionKind action);

/// "alice (worker 3)", or just the name when it is no worker.
std::string ActorName(const Actor& actor);

/// The parts that are not empty, joined.
std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view separator);

/// The entry's note when it adds to the justification (a warning's note is the message to the
/// creator, which defaults to the justification itself), else empty.
std::string NoteBeyondJustification(const Action& action);

/// What an action's entry points at: "reverts curation-log#3", "applies curation-log#5", or empty.
std::string EntryRelations(const Action& action);

/// Where an action stands on chain, in words: "confirmed in block 12, extrinsic 0x…", "off chain".
std::string ChainStatusText(const ChainState& chain);

/// A table cell: raw text, a link when `url` is set.
struct Cell {
  std::string text;
  std::string url;
};

/// One piece of the report as people read it. Every text is raw: the form escapes it.
struct Block {
  enum class Kind { kHeading, kParagraph, kTable, kChart };
  Kind kind = Kind::kParagraph;
  int level = 0;                        // heading: 1 for the title, 2 for a section, 3 below that
  std::string text;                     // heading, paragraph
  std::vector<std::string> columns;     // table
  std::vector<std::vector<Cell>> rows;  // table: as many cells as columns, never empty
};

/// The report in reading order: title, summary, the four errors, statistics, every action.
/// An empty list is a paragraph saying "none"; the chart block marks where a form that can
/// draw shows `Report::chart`.
std::vector<Block> LayOut(const Report& report, const Links& links);

}  // namespace curation::report
