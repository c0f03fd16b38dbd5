// The term report's four forms, from a report built by hand: what each says, and that hostile
// text from chain metadata cannot break out of any of them.

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <curation/common/text.hpp>
#include <curation/report/report.hpp>

namespace curation::report {
namespace {

using namespace std::chrono_literals;
using Rows = std::vector<std::vector<std::string>>;

const TimePoint kStart = std::chrono::sys_days{std::chrono::March / 1 / 2026};

TimePoint At(std::chrono::minutes offset) { return kStart + offset; }

constexpr char kHostileTitle[] =
    "Evil | <script>alert(1)</script>\n# [x](javascript:alert(1)) =HYPERLINK(\"http://x\")";
constexpr char kHostileJustification[] = "=HYPERLINK(\"http://evil\")|<b>;x";
constexpr char kHostileId[] = "a/../b\"c";
constexpr char kEncodedId[] = "a%2F..%2Fb%22c";
constexpr char kBrokenProblem[] = "entry 9: content hash mismatch";

const Links kLinks = {.gleev_url = "https://gleev.xyz/",
                      .explorer_url = "https://explorer.example/block/{block}?x={extrinsic}",
                      .network = "Joystream mainnet"};

Report SampleReport() {
  Report report;
  report.period = {.from = kStart, .to = kStart + 24h * 14, .term = 7};
  report.generated_at = kStart + 24h * 15;
  const Actor alice = {.name = "alice", .worker_id = 3};
  const Actor bob = {.name = "bob", .worker_id = 4};
  report.actions = {
      {.entry_id = 11,
       .at = At(2h),
       .action = ActionKind::kWarn,
       .curator = alice,
       .target_kind = "video",
       .target_id = "101",
       .title = kHostileTitle,
       .channel_id = "7",
       .justification = kHostileJustification,
       .policy_codes = {"P-1"},
       .chain = {.status = ChainStatus::kOffChain}},
      {.entry_id = 12,
       .at = At(3h),
       .action = ActionKind::kCensor,
       .curator = bob,
       .target_kind = "video",
       .target_id = "102",
       .title = "Pirated film",
       .channel_id = "7",
       .justification = "copyright",
       .policy_codes = {"C-2", "C-3"},
       .chain = {.status = ChainStatus::kConfirmed,
                 .block = 5000,
                 .extrinsic = "0xabc",
                 .rationale = "curation-log#12 [C-2]",
                 .at = At(3h + 5min)}},
      {.entry_id = 13,
       .at = At(5h),
       .action = ActionKind::kRevert,
       .curator = {.name = "lead"},
       .target_kind = "video",
       .target_id = "102",
       .title = "Pirated film",
       .channel_id = "7",
       .justification = "licence proven",
       .reverts_entry_id = 12,
       .chain = {.status = ChainStatus::kPending}},
      {.entry_id = 14,
       .at = At(6h),
       .action = ActionKind::kDeleteAssets,
       .curator = bob,
       .target_kind = "video",
       .target_id = "103",
       .title = "Malware",
       .channel_id = "8",
       .justification = "malware",
       .applies_entry_id = 12,
       .chain = {.status = ChainStatus::kConfirmed, .block = 5100, .extrinsic = "0xdef"}},
      {.entry_id = 15,
       .at = At(7h),
       .action = ActionKind::kHide,
       .curator = {.name = "curator 9", .worker_id = 9},
       .target_kind = "video",
       .target_id = kHostileId,
       .title = "Hidden",
       .channel_id = "8",
       .chain = {.status = ChainStatus::kUnjustified, .block = 5200, .extrinsic = "0x/de\"f", .rationale = "spam"}},
  };
  report.unjustified = {report.actions[4]};
  report.late_videos = {
      {.item_id = 21,
       .video_id = "201",
       .title = "Late one",
       .channel_id = "7",
       .uploaded_at = At(1h),
       .due_at = At(37h),
       .decided_at = At(39h),
       .decision = "approve",
       .decided_by = "alice"},
      {.item_id = 22,
       .video_id = "202",
       .title = "Never decided",
       .channel_id = "7",
       .uploaded_at = At(2h),
       .due_at = At(38h)},
  };
  report.open_past_due = {report.late_videos[1]};
  report.challenged = {
      {.entry_id = 12,
       .target_kind = "video",
       .target_id = "102",
       .title = "Pirated film",
       .censored_at = At(3h),
       .censored_by = bob,
       .challenge = Challenge::kReverted,
       .reverted = true,
       .reverted_at = At(5h),
       .reverted_how = "curation-log#13 by lead: licence proven"},
      {.entry_id = 15,
       .target_kind = "video",
       .target_id = kHostileId,
       .title = "Hidden",
       .censored_at = At(7h),
       .censored_by = {.name = "curator 9", .worker_id = 9},
       .challenge = Challenge::kUnjustified,
       .lead_decision = "censor (curation-log#16)"},
  };
  report.log = {.entries_checked = 20,
                .head_hash = "ab12",
                .period_entries = 6,
                .first_position = 10,
                .last_position = 15,
                .chain_events_known_until = At(24h * 14)};
  report.incidents = {
      {.id = 1,
       .slot = "hero",
       .video_id = "301",
       .video_title = "Hero video",
       .reason = "HTTP 404",
       .broke_at = At(8h),
       .opened_at = At(8h + 2min),
       .deadline = At(9h),
       .resolved_at = At(8h + 20min)},
      {.id = 2,
       .slot = "category:5",
       .video_id = "302",
       .video_title = "Featured",
       .category_name = "Gaming",
       .reason = "timeout",
       .broke_at = At(9h),
       .opened_at = At(9h + 3min),
       .deadline = At(10h),
       .acknowledged_at = At(9h + 5min),
       .acknowledged_by = "carol",
       .resolved_at = At(10h + 10min),
       .resolved_by = "carol",
       .resolution = "replaced",
       .fixed_in_time = false},
  };
  report.monitoring_outages = 1;
  report.uploads = 40;
  report.channels_created = 3;
  report.curators = {{.curator = alice, .by_action = {{"approve", 10}, {"warn", 1}}, .total = 11},
                     {.curator = bob, .by_action = {{"censor", 1}}, .total = 1}};
  report.decisions_by_action = {{"approve", 10}, {"censor", 1}, {"warn", 1}};
  report.response = {.decided = 12, .median = 3h, .within_4h = 0.75, .within_24h = 1, .score = 0.8333};
  report.videos = {.videos = 40,
                   .duration_seconds = 7265,
                   .median_duration_seconds = 180,
                   .bytes = 2'500'000'000,
                   .by_category = {{"Gaming", 30, 3600, 2'000'000'000}, {"", 10, 3665, 500'000'000}},
                   .by_language = {{"en", 40, 7265, 2'500'000'000}}};
  report.chart_step = 24h;
  report.chart = {{.at = At(24h), .queue_depth = 5, .decided = 2, .median_time_to_decision = 3h},
                  {.at = At(48h), .queue_depth = 8},
                  {.at = At(72h), .queue_depth = 2, .decided = 6, .median_time_to_decision = 5h}};
  return report;
}

Report BrokenLogReport() {
  Report report = SampleReport();
  report.log.intact = false;
  report.log.problem = kBrokenProblem;
  report.log.broken_position = 9;
  report.log.broken_entry_id = 9;
  report.log.break_in_period = true;
  report.log.unsealed = 1;
  return report;
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string_view::npos; start = end + 1) {
    lines.emplace_back(text.substr(start, end - start));
  }
  return lines;
}

// The '|' a table reader splits on: those not escaped by an odd run of backslashes.
size_t UnescapedPipes(std::string_view line) {
  size_t pipes = 0;
  size_t backslashes = 0;
  for (char c : line) {
    pipes += c == '|' && backslashes % 2 == 0;
    backslashes = c == '\\' ? backslashes + 1 : 0;
  }
  return pipes;
}

// A strict RFC 4180 reader: CRLF records, quotes only around a whole field.
Rows ParseCsv(std::string_view text, char separator) {
  Rows records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "a quote inside an unquoted field at byte " << i;
      quoted = true;
    } else if (c == separator) {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted);
  EXPECT_TRUE(record.empty() && field.empty()) << "the last record must end in CRLF";
  return records;
}

TEST(LinksTest, TargetPercentEncodesTheIdAndDropsTheTrailingSlash) {
  EXPECT_EQ(kLinks.Target("video", "42"), "https://gleev.xyz/video/42");
  EXPECT_EQ(kLinks.Target("channel", "7"), "https://gleev.xyz/channel/7");
  EXPECT_EQ(kLinks.Target("video", kHostileId), std::string("https://gleev.xyz/video/") + kEncodedId);
  EXPECT_EQ(kLinks.Target("video", "x y)[]#?é"), "https://gleev.xyz/video/x%20y%29%5B%5D%23%3F%C3%A9");
  EXPECT_EQ(kLinks.Target("channel", ""), "");
}

TEST(LinksTest, ExplorerFillsTheTemplateOnlyForActionsOnChain) {
  EXPECT_EQ(kLinks.Explorer({.status = ChainStatus::kConfirmed, .block = 5200, .extrinsic = "0x/de\"f"}),
            "https://explorer.example/block/5200?x=0x%2Fde%22f");
  EXPECT_EQ(kLinks.Explorer({.status = ChainStatus::kPending}), "");
  EXPECT_EQ(kLinks.Explorer({.status = ChainStatus::kOffChain}), "");
  EXPECT_EQ(kLinks.Explorer({.status = ChainStatus::kConfirmed, .block = 0, .extrinsic = "0xabc"}), "");
  const Links by_block = {.explorer_url = "https://explorer.example/{block}"};
  EXPECT_EQ(by_block.Explorer({.status = ChainStatus::kPreexisting, .block = 9}), "https://explorer.example/9");
}

TEST(ReportTest, CountsWhatIsStillWrong) {
  const Report report = SampleReport();
  EXPECT_EQ(report.IncidentsNotFixedInTime(), 1);
  EXPECT_EQ(report.ChallengedNotReverted(), 1);
}

TEST(MarkdownTest, SummarisesTheFourErrorsThenDetailsThem) {
  const std::string markdown = RenderMarkdown(SampleReport(), kLinks);
  EXPECT_TRUE(markdown.starts_with("# Report for council term 7\n")) << markdown.substr(0, 100);
  EXPECT_NE(markdown.find("from 2026-03-01 00:00:00 to 2026-03-15 00:00:00"), std::string::npos);
  // Video 202 is both late and still open: one video, counted once.
  EXPECT_NE(markdown.find("| 1. A video left without a decision more than 36 h after upload | 2 |"), std::string::npos);
  // The unjustified hide is both an unjustified action and a challenged censorship.
  EXPECT_NE(markdown.find("| 2. Censorship without justification, or unjust censorship not reverted | 1 |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| 3. No logs: the log\'s hash chain must verify, without gaps | 0 — none |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| 4. The hero or a featured video unplayable and not fixed within 1 h | 1 |"),
            std::string::npos);
  for (const char* section :
       {"## 1. Videos without a decision within 36 h of upload", "## 2. Censorship without justification",
        "## 3. The moderation log", "## 4. Hero and featured videos unplayable", "## Statistics",
        "## Every moderation action", "The log's hash chain verifies."}) {
    EXPECT_NE(markdown.find(section), std::string::npos) << section;
  }
  for (int entry = 11; entry <= 15; ++entry) {
    EXPECT_NE(markdown.find("| curation-log#" + std::to_string(entry) + " |"), std::string::npos) << entry;
  }
  EXPECT_NE(markdown.find("| not decided |"), std::string::npos);
  EXPECT_NE(markdown.find("| 2h 0m |"), std::string::npos);  // decided 2 h after its deadline
  EXPECT_NE(markdown.find("| 20m 0s | yes |"), std::string::npos);
  EXPECT_NE(markdown.find("| 1h 10m | no |"), std::string::npos);
  EXPECT_NE(markdown.find("by the pipeline"), std::string::npos);
  EXPECT_NE(markdown.find("went blind 1 time (watchdog incidents)"), std::string::npos);
  EXPECT_NE(markdown.find("| alice | 3 | 10 | 1 | 0 | 0 | 0 | 11 |"), std::string::npos);
  EXPECT_NE(markdown.find("| Decided within 4 h | 75.0 % |"), std::string::npos);
  EXPECT_NE(markdown.find("| Mean response score (0 to 1) | 0.83 |"), std::string::npos);
  EXPECT_NE(markdown.find("| Total duration (h:mm) | 2:01 |"), std::string::npos);
  EXPECT_NE(markdown.find("| Total size | 2.50 GB |"), std::string::npos);
  EXPECT_NE(markdown.find("| (none) | 10 | 1:01 | 500.0 MB |"), std::string::npos);
  EXPECT_NE(markdown.find("[confirmed in block 5000, extrinsic 0xabc](https://explorer.example/block/5000?x=0xabc)"),
            std::string::npos);
  EXPECT_NE(markdown.find("| off chain |"), std::string::npos);
  EXPECT_NE(markdown.find("| pending |"), std::string::npos);
  EXPECT_NE(markdown.find("reverts curation-log#12"), std::string::npos);
}

// Every table row splits into as many cells as its header, the action table has a row per
// action, no '<' is left unescaped and every link that is not escaped goes to the web.
void ExpectNoMarkupEscapes(const std::string& markdown, size_t actions) {
  ASSERT_TRUE(IsValidUtf8(markdown));
  const std::vector<std::string> lines = Lines(markdown);
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].starts_with("|") && lines[i - 1].starts_with("|")) {
      EXPECT_EQ(UnescapedPipes(lines[i]), UnescapedPipes(lines[i - 1])) << lines[i];
    }
  }
  auto header = std::find_if(lines.begin(), lines.end(),
                             [](const std::string& line) { return line.starts_with("| \\# | Log entry |"); });
  ASSERT_NE(header, lines.end());
  EXPECT_EQ(std::find_if(header, lines.end(), [](const std::string& line) { return line.empty(); }) - header,
            2 + static_cast<ptrdiff_t>(actions));
  for (size_t at = markdown.find('<'); at != std::string::npos; at = markdown.find('<', at + 1)) {
    EXPECT_EQ(markdown[at - 1], '\\') << markdown.substr(at - 20, 40);
  }
  for (size_t at = markdown.find("]("); at != std::string::npos; at = markdown.find("](", at + 1)) {
    if (markdown[at - 1] != '\\') {
      EXPECT_EQ(markdown.substr(at + 2, 8), "https://") << markdown.substr(at - 20, 40);
    }
  }
}

TEST(MarkdownTest, HostileTextStaysInsideItsCell) {
  Report report = SampleReport();
  report.actions[0].note = "@council";
  const std::string markdown = RenderMarkdown(report, kLinks);
  ExpectNoMarkupEscapes(markdown, 5);
  EXPECT_NE(markdown.find("Evil \\| \\<script\\>alert(1)\\</script\\> \\# \\[x\\](javascript:alert(1))"),
            std::string::npos);
  EXPECT_NE(markdown.find("=HYPERLINK(\"http://evil\")\\|\\<b\\>;x"), std::string::npos);
  EXPECT_NE(markdown.find("| @\u200Bcouncil |"), std::string::npos) << "a mention notifies nobody";
}

// Every byte value in every untrusted field: each form still holds together.
TEST(AllFormsTest, SurviveEveryByteValue) {
  std::string bytes;
  for (int byte = 0; byte < 256; ++byte) {
    bytes += static_cast<char>(byte);
  }
  Report report = SampleReport();
  for (Action& action : report.actions) {
    action.title = action.justification = action.note = action.chain.rationale = action.curator.name = bytes;
    action.policy_codes = {bytes};
    action.target_id = action.channel_id = action.chain.extrinsic = bytes;
  }
  ExpectNoMarkupEscapes(RenderMarkdown(report, kLinks), report.actions.size());
  const Rows rows = ParseCsv(RenderCsv(report, kLinks), ';');
  ASSERT_EQ(rows.size(), 1 + report.actions.size());
  for (const auto& row : rows) {
    EXPECT_EQ(row.size(), CsvColumns().size());
  }
  EXPECT_EQ(nlohmann::json::parse(RenderJson(report, kLinks))["actions"].size(), report.actions.size());
  const std::string html = RenderHtml(report, kLinks);
  EXPECT_TRUE(IsValidUtf8(html));
  // Only the page's own elements: no text turned into a tag.
  const std::set<std::string> page_elements = {"!DOCTYPE", "html", "head", "meta",  "style", "title",  "body",    "h1",
                                               "h2",       "h3",   "p",    "table", "thead", "tbody",  "tr",      "th",
                                               "td",       "a",    "svg",  "line",  "text",  "circle", "polyline"};
  for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    const size_t name = html[at + 1] == '/' ? at + 2 : at + 1;
    EXPECT_TRUE(page_elements.contains(html.substr(name, html.find_first_of(" >/", name) - name)))
        << html.substr(at, 40);
  }
}

TEST(MarkdownTest, LinksPercentEncodeIds) {
  const std::string markdown = RenderMarkdown(SampleReport(), kLinks);
  EXPECT_NE(markdown.find(std::string("(https://gleev.xyz/video/") + kEncodedId + ")"), std::string::npos);
  EXPECT_NE(markdown.find("(https://explorer.example/block/5200?x=0x%2Fde%22f)"), std::string::npos);
  EXPECT_EQ(markdown.find("/video/a/../"), std::string::npos);
}

TEST(MarkdownTest, LongTitlesAreCutAtACharacter) {
  Report report = SampleReport();
  std::string long_title;
  for (int i = 0; i < 100; ++i) {
    long_title += "é";
  }
  report.actions[1].title = long_title + "\xFF";
  const std::string markdown = RenderMarkdown(report, kLinks);
  ASSERT_TRUE(IsValidUtf8(markdown));
  std::string expected;
  for (int i = 0; i < 79; ++i) {
    expected += "é";
  }
  EXPECT_NE(markdown.find("| " + expected + "… |"), std::string::npos);
}

TEST(MarkdownTest, EmptyListsSayNone) {
  Report report;
  report.period = {.from = kStart, .to = kStart + 24h};
  report.generated_at = kStart + 25h;
  const std::string markdown = RenderMarkdown(report, kLinks);
  EXPECT_TRUE(markdown.starts_with("# Report for 2026-03-01 00:00:00 to 2026-03-02 00:00:00\n"));
  EXPECT_NE(markdown.find("### Due in the period, decided late or not at all\n\nnone\n"), std::string::npos);
  EXPECT_NE(markdown.find("## Every moderation action\n\nnone\n"), std::string::npos);
  EXPECT_EQ(markdown.find("| Log entry |"), std::string::npos);
  for (const char* error : {"| 1. ", "| 2. ", "| 3. ", "| 4. "}) {
    const size_t row = markdown.find(error);
    ASSERT_NE(row, std::string::npos) << error;
    EXPECT_NE(markdown.substr(row, markdown.find('\n', row) - row).find("| 0 — none |"), std::string::npos) << error;
  }
}

TEST(CsvTest, HasTheHistoricalColumnsAndOneRowPerAction) {
  const std::string csv = RenderCsv(SampleReport(), kLinks);
  const Rows rows = ParseCsv(csv, ';');
  ASSERT_EQ(rows.size(), 1 + 5);
  EXPECT_EQ(rows[0], CsvColumns());
  EXPECT_EQ(rows[0].size(), 11);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6) << "one record a line";

  EXPECT_EQ(rows[1], (std::vector<std::string>{
                         "1", "alice (worker 3)", "Video\\101", "https://gleev.xyz/video/101",
                         "https://gleev.xyz/channel/7", "Warn", "curation-log#11", "2026-03-01", "02:00:00",
                         "'=HYPERLINK(\"http://evil\")|<b>;x — codes: P-1 — on chain: off chain — curation-log#11",
                         "Joystream mainnet"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{
                         "2", "bob (worker 4)", "Video\\102", "https://gleev.xyz/video/102",
                         "https://gleev.xyz/channel/7", "Censored", "", "2026-03-01", "03:00:00",
                         "copyright — codes: C-2, C-3 — on chain: confirmed in block 5000, extrinsic 0xabc, "
                         "https://explorer.example/block/5000?x=0xabc — rationale: curation-log#12 [C-2] — "
                         "curation-log#12",
                         "Joystream mainnet"}));
  // Act in the historical words (Accepted, Warn, Censored, None); what exactly happened leads the reason.
  EXPECT_EQ(rows[3][5], "Accepted");
  EXPECT_EQ(rows[3][9], "Reverted — licence proven — on chain: pending — curation-log#13, reverts curation-log#12");
  EXPECT_EQ(rows[4][5], "Censored");
  EXPECT_EQ(rows[4][4], "https://gleev.xyz/channel/8");
  EXPECT_EQ(rows[4][9],
            "Assets deleted — malware — on chain: confirmed in block 5100, extrinsic 0xdef, "
            "https://explorer.example/block/5100?x=0xdef — curation-log#14, applies curation-log#12");
  EXPECT_EQ(rows[5][1], "curator 9 (worker 9)");
  EXPECT_EQ(rows[5][2], std::string("Video\\") + kHostileId);
  EXPECT_EQ(rows[5][3], std::string("https://gleev.xyz/video/") + kEncodedId);
  EXPECT_EQ(rows[5][5], "Censored");
  EXPECT_EQ(
      rows[5][9],
      "Hidden — on chain: UNJUSTIFIED, in block 5200, extrinsic 0x/de\"f, https://explorer.example/block/5200?x=0x%2Fde%22f"
      " — rationale: spam — curation-log#15");
}

TEST(CsvTest, AWarningsMessageShowsOnlyWhenItSaysMoreThanTheJustification) {
  Report report = SampleReport();
  report.actions.resize(1);
  report.actions[0].justification = "The thumbnail is a blank frame.";
  report.actions[0].note = report.actions[0].justification;
  EXPECT_EQ(ParseCsv(RenderCsv(report, kLinks), ';')[1][9],
            "The thumbnail is a blank frame. — codes: P-1 — on chain: off chain — curation-log#11");
  const std::string markdown = RenderMarkdown(report, kLinks);
  const size_t first = markdown.find("blank frame.");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(markdown.find("blank frame.", first + 1), std::string::npos) << "shown twice:\n" << markdown;

  report.actions[0].note = "Please upload a real thumbnail within 7 days.";
  EXPECT_EQ(ParseCsv(RenderCsv(report, kLinks), ';')[1][9],
            "The thumbnail is a blank frame. — codes: P-1 — on chain: off chain — "
            "note: Please upload a real thumbnail within 7 days. — curation-log#11");
  EXPECT_NE(RenderMarkdown(report, kLinks).find("| Please upload a real thumbnail within 7 days. |"), std::string::npos);
}

TEST(CsvTest, GuardsEveryCellThatCouldBeAFormula) {
  Report report = SampleReport();
  report.actions.resize(1);
  for (const char* start : {"=1+1", "+1", "-1", "@SUM(A1)"}) {
    report.actions[0].curator = {.name = start};
    const Rows rows = ParseCsv(RenderCsv(report, kLinks), ';');
    ASSERT_EQ(rows.size(), 2);
    EXPECT_EQ(rows[1][1], std::string("'") + start);
  }
  // Cells are kept on one line, so a tab or CR cannot even start one.
  report.actions[0].curator = {.name = "\t=1+1"};
  EXPECT_EQ(ParseCsv(RenderCsv(report, kLinks), ';')[1][1], " =1+1");
}

TEST(JsonTest, CarriesTheReport) {
  const Report report = SampleReport();
  const auto json = nlohmann::json::parse(RenderJson(report, kLinks));
  EXPECT_EQ(json["period"]["from"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(json["period"]["term"], 7);
  const auto& summary = json["summary"];
  EXPECT_EQ(summary["late_videos"], 2);
  EXPECT_EQ(summary["open_past_due"], 1);
  EXPECT_EQ(summary["unjustified_chain_actions"], 1);
  EXPECT_EQ(summary["challenged_not_reverted"], 1);
  EXPECT_EQ(summary["log_intact"], true);
  EXPECT_EQ(summary["log_gaps"], 0);
  EXPECT_EQ(summary["incidents_not_fixed_in_time"], 1);
  EXPECT_EQ(summary["actions"], 5);
  EXPECT_EQ(summary["uploads"], 40);

  ASSERT_EQ(json["actions"].size(), report.actions.size());
  for (size_t i = 0; i < report.actions.size(); ++i) {
    EXPECT_EQ(json["actions"][i]["entry_id"], report.actions[i].entry_id);
    EXPECT_EQ(json["actions"][i]["reference"], "curation-log#" + std::to_string(report.actions[i].entry_id));
    EXPECT_EQ(json["actions"][i]["action"], std::string(kActionKinds.Db(report.actions[i].action)));
  }
  const auto& censor = json["actions"][1];
  EXPECT_EQ(censor["chain"]["block"], 5000);
  EXPECT_EQ(censor["chain"]["at"], "2026-03-01T03:05:00.000Z");
  EXPECT_EQ(censor["explorer_url"], "https://explorer.example/block/5000?x=0xabc");
  EXPECT_EQ(censor["channel_url"], "https://gleev.xyz/channel/7");
  EXPECT_EQ(censor["policy_codes"], (std::vector<std::string>{"C-2", "C-3"}));
  EXPECT_TRUE(json["actions"][0]["chain"]["at"].is_null());
  EXPECT_TRUE(json["actions"][0]["explorer_url"].is_null());
  EXPECT_EQ(json["actions"][0]["title"], kHostileTitle);
  EXPECT_EQ(json["actions"][2]["reverts_entry_id"], 12);
  EXPECT_EQ(json["actions"][4]["target_url"], std::string("https://gleev.xyz/video/") + kEncodedId);

  EXPECT_EQ(json["late_videos"].size(), 2);
  EXPECT_TRUE(json["late_videos"][1]["decided_at"].is_null());
  EXPECT_EQ(json["open_past_due"][0]["item_id"], 22);
  EXPECT_EQ(json["unjustified"][0]["entry_id"], 15);
  EXPECT_EQ(json["challenged"].size(), 2);
  EXPECT_EQ(json["challenged"][1]["reverted"], false);
  EXPECT_TRUE(json["log"]["broken_entry_id"].is_null());
  EXPECT_EQ(json["incidents"][0]["time_to_fix_seconds"], 20 * 60);
  EXPECT_EQ(json["incidents"][1]["time_to_fix_seconds"], 70 * 60);
  EXPECT_EQ(json["incidents"][1]["fixed_in_time"], false);
  EXPECT_EQ(json["monitoring_outages"], 1);
  EXPECT_EQ(json["statistics"]["curators"][0]["by_action"]["approve"], 10);
  EXPECT_EQ(json["statistics"]["response"]["median_seconds"], 3 * 3600);
  EXPECT_EQ(json["statistics"]["videos"]["by_category"].size(), 2);
  EXPECT_EQ(json["chart"]["step_seconds"], 24 * 3600);
  ASSERT_EQ(json["chart"]["points"].size(), 3);
  EXPECT_TRUE(json["chart"]["points"][1]["median_time_to_decision_seconds"].is_null());
}

TEST(JsonTest, InvalidUtf8DoesNotThrow) {
  Report report = SampleReport();
  report.actions[0].title = "bad \xC3\x28 byte";
  std::string json;
  ASSERT_NO_THROW(json = RenderJson(report, kLinks));
  EXPECT_EQ(nlohmann::json::parse(json)["actions"][0]["title"], "bad \xEF\xBF\xBD( byte");
}

TEST(HtmlTest, IsSelfContainedAndEscapesEveryText) {
  const std::string html = RenderHtml(SampleReport(), kLinks);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>Report for council term 7</title>"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  std::string lower = html;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("src="), std::string::npos);
  EXPECT_EQ(lower.find("javascript:alert(1)\""), std::string::npos);
  EXPECT_NE(html.find("Evil | &lt;script&gt;alert(1)&lt;/script&gt; # [x](javascript:alert(1))"), std::string::npos);
  EXPECT_NE(html.find("=HYPERLINK(&quot;http://evil&quot;)|&lt;b&gt;;x"), std::string::npos);
  // Links go only to the computed web addresses.
  size_t links = 0;
  for (size_t at = html.find("href="); at != std::string::npos; at = html.find("href=", at + 1), ++links) {
    EXPECT_EQ(html.substr(at, 14), "href=\"https://") << html.substr(at, 60);
  }
  EXPECT_GT(links, 10);
  EXPECT_NE(html.find(std::string("href=\"https://gleev.xyz/video/") + kEncodedId + "\""), std::string::npos);
  EXPECT_NE(html.find("<h2>Every moderation action</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>curation-log#15</td>"), std::string::npos);
  EXPECT_NE(html.find("<p>The log&#39;s hash chain verifies.</p>"), std::string::npos);
}

TEST(HtmlTest, SaysSoWhenThereIsNothingToChart) {
  Report report = SampleReport();
  report.chart.clear();
  const std::string html = RenderHtml(report, kLinks);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("No activity in the period"), std::string::npos);
}

TEST(BrokenLogTest, EveryFormWithALogSectionSaysItIsBroken) {
  const Report report = BrokenLogReport();
  const std::string markdown = RenderMarkdown(report, kLinks);
  EXPECT_NE(markdown.find(std::string("The log's hash chain is broken: ") + kBrokenProblem + "."), std::string::npos);
  EXPECT_NE(markdown.find("BROKEN at position 9 (curation-log#9), inside the period"), std::string::npos);
  EXPECT_NE(
      markdown.find("| 3. No logs: the log's hash chain must verify, without gaps | 2 | the hash chain is broken; "
                    "1 entry not yet sealed"),
      std::string::npos);
  const std::string html = RenderHtml(report, kLinks);
  EXPECT_NE(html.find(std::string("The log&#39;s hash chain is broken: ") + kBrokenProblem + "."), std::string::npos);
  const auto json = nlohmann::json::parse(RenderJson(report, kLinks));
  EXPECT_EQ(json["summary"]["log_intact"], false);
  EXPECT_EQ(json["summary"]["log_gaps"], 1);
  EXPECT_EQ(json["log"]["problem"], kBrokenProblem);
  EXPECT_EQ(json["log"]["broken_entry_id"], 9);
}

}  // namespace
}  // namespace curation::report
