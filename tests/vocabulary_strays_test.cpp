// No stray spellings of a fixed set (issue 15): a vocabulary value is spelled in its table and
// nowhere else. This test reads every table (linked in, not re-typed) and scans the C++ sources
// of services/ and include/ for a string literal that is exactly one of their database, human or
// upstream spellings ("censor"), or an SQL literal of a database spelling inside a string
// ("... kind = 'censor' ..."). The tables' own headers are skipped; a legitimate use elsewhere
// (a JSON key, a metric label, a config key that happens to be the same word) goes on the short
// allow-list below with its reason. It also checks that no switch over a vocabulary's enum has a
// `default:`, so -Wswitch names a forgotten case.
//
// No database, no network: it reads SOURCE_DIR's files, in a fixed order.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <curation/alert/vocabulary.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <curation/modlog/vocabulary.hpp>
#include <curation/probe/verdict.hpp>
#include <curation/report/vocabulary.hpp>
#include <curation/review/vocabulary.hpp>

namespace curation {
namespace {

namespace fs = std::filesystem;

// Every spelling of every table, with the table it comes from; and the enums switched over.
struct Spellings {
  std::map<std::string, std::set<std::string>> db;     // SQL text: also looked for as 'text'
  std::map<std::string, std::set<std::string>> other;  // human words, upstream spellings
  std::set<std::string> enums;

  template <typename Table>
  void Add(const std::string& table_name, const std::string& enum_name, const Table& table) {
    enums.insert(enum_name);
    for (const auto& entry : table.entries()) {
      db[std::string(entry.db)].insert(table_name);
      other[std::string(entry.human)].insert(table_name);
    }
  }
  template <typename Enum, std::size_t N>
  void AddForeign(const std::string& table_name, const ForeignSpellings<Enum, N>& table) {
    for (const auto& entry : table.entries()) {
      other[std::string(entry.text)].insert(table_name);
    }
  }
};

const Spellings& AllSpellings() {
  static const Spellings spellings = [] {
    Spellings s;
    s.Add("probe::kVerdicts", "Verdict", probe::kVerdicts);
    s.Add("modlog::kTargetKinds", "TargetKind", modlog::kTargetKinds);
    s.Add("modlog::kEntryKinds", "EntryKind", modlog::kEntryKinds);
    s.Add("review::kItemStates", "ItemState", review::kItemStates);
    s.Add("review::kItemReasons", "ItemReason", review::kItemReasons);
    s.Add("review::kActions", "Action", review::kActions);
    s.Add("review::kCensorScopes", "TargetKind", review::kCensorScopes);
    s.Add("review::kAppliesTo", "AppliesTo", review::kAppliesTo);
    s.Add("alert::kIncidentStates", "IncidentState", alert::kIncidentStates);
    s.Add("alert::kIncidentEventKinds", "IncidentEventKind", alert::kIncidentEventKinds);
    s.Add("alert::kNoticeKinds", "NoticeKind", alert::kNoticeKinds);
    s.Add("alert::kNotificationStates", "NotificationState", alert::kNotificationStates);
    s.Add("alert::kAlertNames", "AlertName", alert::kAlertNames);
    s.Add("alert::kSlotKinds", "SlotKind", alert::kSlotKinds);
    s.Add("alert::kHeartbeats", "Heartbeat", alert::kHeartbeats);
    s.Add("alert::kAssetRoles", "AssetRole", alert::kAssetRoles);
    s.Add("report::kReportFormats", "ReportFormat", report::kReportFormats);
    s.Add("report::kCouncilErrors", "CouncilError", report::kCouncilErrors);
    s.Add("report::kActionKinds", "ActionKind", report::kActionKinds);
    s.Add("report::kChainStatuses", "ChainStatus", report::kChainStatuses);
    s.Add("report::kChallenges", "Challenge", report::kChallenges);
    s.Add("ingest::kFeedKinds", "FeedKind", ingest::kFeedKinds);
    s.Add("ingest::kActorKinds", "ActorKind", ingest::kActorKinds);
    s.Add("ingest::kModeratorEventKinds", "ModeratorEventKind", ingest::kModeratorEventKinds);
    s.Add("ingest::kOperatorStatuses", "OperatorStatus", ingest::kOperatorStatuses);
    s.AddForeign("ingest::kActorTypenames", ingest::kActorTypenames);
    return s;
  }();
  return spellings;
}

// Where a spelling may stand outside its table: file (relative to SOURCE_DIR), the literal as
// written, and why it is not a spelling of the set.
struct Allowed {
  std::string_view file;
  std::string_view literal;
  std::string_view reason;
};

constexpr std::string_view kGraphqlField = "a field of the upstream's GraphQL answer";
constexpr std::string_view kJsonKey = "a key of a JSON document we write";
constexpr std::string_view kColumn = "an SQL column alias read back from a row";
constexpr std::string_view kLabel = "a label printed beside a value (curatorctl, a reason's part)";
constexpr std::string_view kCommand = "a curatorctl subcommand name";
constexpr std::string_view kOutcomeLabel = "a value of the metric label `outcome` (dashboards read it)";
constexpr std::string_view kHistoricalAct = "the historical CSV's Act column: Accepted, Warn, Censored, None";

const std::vector<Allowed>& AllowList() {
  static const std::vector<Allowed> allowed = {
      {"services/alert/monitor.cpp", "\"poster\"", kLabel},
      {"services/alert/monitor.cpp", "\"video\"", kLabel},
      {"services/alert/notifiers.cpp", "\"category\"", "a key of the webhook's details and Alertmanager's labels"},
      {"services/alert/notifiers.cpp", "\"firing\"", "Alertmanager's webhook status, its protocol's word"},
      {"services/alert/notifiers.cpp", "\"resolved\"", "Alertmanager's webhook status, its protocol's word"},
      {"services/alert/orion_client.cpp", "\"video\"", kGraphqlField},
      {"services/alert/orion_client.cpp", "\"category\"", kGraphqlField},
      {"services/auth/principal.cpp", "\"curator\"", "auth's role table (RoleName, ParseRole), a set of its own"},
      {"services/auth/principal.cpp", "\"lead\"", "auth's role table (RoleName, ParseRole), a set of its own"},
      {"services/common/config.cpp", "\"warn\"", "a log level (spdlog's word) in the config's allowed values"},
      {"services/common/config.cpp", "\"json\"", "the log format (text or json) in the config's allowed values"},
      {"services/common/logging.cpp", "\"json\"", "the log format (text or json)"},
      {"services/curatorctl/alert_commands.cpp", "\"breached\"", "whether a deadline was met: breached or met"},
      {"services/curatorctl/alert_commands.cpp", "\"video\"", kLabel},
      {"services/curatorctl/alert_commands.cpp", "\"opened\"", kLabel},
      {"services/curatorctl/alert_commands.cpp", "\"acknowledged\"", kLabel},
      {"services/curatorctl/alert_commands.cpp", "\"resolved\"", kLabel},
      {"services/curatorctl/alert_commands.cpp", "\"test\"", kCommand},
      {"services/curatorctl/log_commands.cpp", "\"pending\"",
       "curatorctl's word for v1::ChainStatus, which has no table (report's ChainStatus is another set)"},
      {"services/curatorctl/log_commands.cpp", "\"confirmed\"",
       "curatorctl's word for v1::ChainStatus, which has no table (report's ChainStatus is another set)"},
      {"services/curatorctl/log_commands.cpp", "\"csv\"", "the log export's format (jsonl or csv), not a report's"},
      {"services/curatorctl/queue_commands.cpp", "\"breached\"", kLabel},
      {"services/curatorctl/queue_commands.cpp", "\"revert\"", kCommand},
      {"services/ingest/page_parser.cpp", "\"channel\"", kGraphqlField},
      {"services/ingest/page_parser.cpp", "\"category\"", kGraphqlField},
      {"services/ingest/page_parser.cpp", "\"curator\"", kGraphqlField},
      {"services/ingest/page_parser.cpp", "\"member\"", kGraphqlField},
      {"services/ingest/page_parser.cpp", "\"page\"", kGraphqlField},
      {"services/modlog/reconciler.cpp", "\"hide\"", "prose of a log entry's note (hide of video 3 by lead)"},
      {"services/modlog/reconciler.cpp", "\"unhide\"", "prose of a log entry's note (unhide of video 3 by lead)"},
      {"services/modlog/reconciler.cpp", "\"confirmed\"", kOutcomeLabel},
      {"services/modlog/reconciler.cpp", "\"unjustified\"", kOutcomeLabel},
      {"services/modlog/reconciler.cpp", "\"preexisting\"", kOutcomeLabel},
      // Known stray, left for a follow-up: probe's source roles (media, thumbnail, url, hero_cut,
      // poster) are text in ProbeTarget.role; alert::kAssetRoles spells only the ones alert passes.
      {"services/probe/image_checks.cpp", "\"poster\"", "probe's source roles have no table yet (follow-up)"},
      {"services/probe/video_checks.cpp", "\"hero_cut\"", "probe's source roles have no table yet (follow-up)"},
      {"services/report/render_data.cpp", "\"Warn\"", kHistoricalAct},
      {"services/report/render_data.cpp", "\"Censored\"", kHistoricalAct},
      {"services/report/render_data.cpp", "\"curator\"", kJsonKey},
      {"services/report/render_data.cpp", "\"reverted\"", kJsonKey},
      {"services/report/render_data.cpp", "\"decided\"", kJsonKey},
      {"services/report/render_data.cpp", "\"unjustified\"", kJsonKey},
      {"services/report/report.cpp", "\"video\"", "the English noun, counted (1 video, 2 videos)"},
      {"services/report/report.cpp", "\"Censored\"", "a table's column header"},
      {"services/report/report.cpp", "\"Reverted\"", "a table's column header"},
      {"services/report/report.cpp", "\"Acknowledged\"", "a table's column header"},
      {"services/report/report.cpp", "\"Resolved\"", "a table's column header"},
      {"services/report/report.cpp", "\"Warn\"", "a table's column header"},
      {"services/report/report_store.cpp", "\"breached\"", kColumn},
      {"services/report/report_store.cpp", "\"decided\"", kColumn},
      {"services/report/report_store.cpp", "\"category\"", kColumn},
      {"services/review/review_service.cpp", "\"breached\"", "a part of the query a page token is bound to"},
  };
  return allowed;
}

// The tables themselves.
bool IsVocabularyHeader(const std::string& path) {
  return path.ends_with("/vocabulary.hpp") || path == "include/curation/probe/verdict.hpp";
}

struct Literal {
  std::string text;  // the literal's content as written (escapes not decoded)
  int line;
};

// The string literals of a C++ source, comments skipped; raw strings read to their delimiter.
// `code` gets the source with comments and literals blanked, for the switch check.
std::vector<Literal> StringLiterals(const std::string& source, std::string& code) {
  std::vector<Literal> literals;
  code.assign(source.size(), ' ');
  int line = 1;
  size_t i = 0;
  auto copy_newlines = [&](size_t from, size_t to) {
    for (size_t k = from; k < to && k < source.size(); ++k) {
      if (source[k] == '\n') {
        code[k] = '\n';
        ++line;
      }
    }
  };
  while (i < source.size()) {
    char c = source[i];
    if (c == '/' && i + 1 < source.size() && source[i + 1] == '/') {
      size_t end = source.find('\n', i);
      i = end == std::string::npos ? source.size() : end;
    } else if (c == '/' && i + 1 < source.size() && source[i + 1] == '*') {
      size_t end = source.find("*/", i + 2);
      end = end == std::string::npos ? source.size() : end + 2;
      copy_newlines(i, end);
      i = end;
    } else if (c == 'R' && i + 1 < source.size() && source[i + 1] == '"' &&
               (i == 0 || !(std::isalnum(static_cast<unsigned char>(source[i - 1])) || source[i - 1] == '_'))) {
      size_t open = source.find('(', i + 2);
      std::string delimiter = ")" + source.substr(i + 2, open - i - 2) + "\"";
      size_t end = source.find(delimiter, open);
      end = end == std::string::npos ? source.size() : end;
      literals.push_back({source.substr(open + 1, end - open - 1), line});
      copy_newlines(i, end);
      i = std::min(source.size(), end + delimiter.size());
    } else if (c == '\'' && i > 0 && std::isxdigit(static_cast<unsigned char>(source[i - 1]))) {
      ++i;  // a digit separator: 1'000'000
    } else if (c == '"' || c == '\'') {
      size_t k = i + 1;
      while (k < source.size() && source[k] != c && source[k] != '\n') {
        k += source[k] == '\\' ? 2 : 1;
      }
      if (c == '"') {
        literals.push_back({source.substr(i + 1, k - i - 1), line});
      }
      i = k < source.size() && source[k] == c ? k + 1 : k;  // an unclosed literal ends at its line
    } else {
      code[i] = c;
      if (c == '\n') {
        ++line;
      }
      ++i;
    }
  }
  return literals;
}

struct Source {
  std::string path;  // relative to SOURCE_DIR
  std::string text;
};

const std::vector<Source>& Sources() {
  static const std::vector<Source> sources = [] {
    std::vector<Source> found;
    const fs::path root(SOURCE_DIR);
    for (const char* top : {"services", "include"}) {
      for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
        const std::string extension = entry.path().extension().string();
        if (!entry.is_regular_file() || (extension != ".cpp" && extension != ".hpp")) {
          continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        found.push_back({fs::relative(entry.path(), root).generic_string(), text.str()});
      }
    }
    std::sort(found.begin(), found.end(), [](const Source& a, const Source& b) { return a.path < b.path; });
    return found;
  }();
  return sources;
}

// "file:line: literal (tables)" for every stray; the allow-list entries that matched go to `used`.
std::vector<std::string> Strays(const Source& source, std::set<std::pair<std::string, std::string>>& used) {
  const Spellings& spellings = AllSpellings();
  std::vector<std::string> strays;
  auto allowed = [&](const std::string& written) {
    for (const Allowed& entry : AllowList()) {
      if (entry.file == source.path && entry.literal == written) {
        used.insert({std::string(entry.file), written});
        return true;
      }
    }
    return false;
  };
  auto report = [&](const Literal& literal, const std::string& written, const std::set<std::string>& tables) {
    if (!allowed(written)) {
      std::string from;
      for (const std::string& table : tables) {
        from += (from.empty() ? "" : ", ") + table;
      }
      strays.push_back(source.path + ":" + std::to_string(literal.line) + ": " + written + " (spelled by " + from +
                       ")");
    }
  };
  std::string code;
  for (const Literal& literal : StringLiterals(source.text, code)) {
    if (auto it = spellings.db.find(literal.text); it != spellings.db.end()) {
      report(literal, "\"" + literal.text + "\"", it->second);
    } else if (auto other = spellings.other.find(literal.text); other != spellings.other.end()) {
      report(literal, "\"" + literal.text + "\"", other->second);
    }
    // SQL literals inside the string: 'censor'.
    for (size_t open = literal.text.find('\''); open != std::string::npos;) {
      size_t close = literal.text.find('\'', open + 1);
      if (close == std::string::npos) {
        break;
      }
      std::string inner = literal.text.substr(open + 1, close - open - 1);
      if (auto it = spellings.db.find(inner); it != spellings.db.end()) {
        report(literal, "'" + inner + "'", it->second);
      }
      open = literal.text.find('\'', close + 1);
    }
  }
  return strays;
}

TEST(VocabularyStrays, NoSpellingOfAFixedSetOutsideItsTable) {
  ASSERT_GT(Sources().size(), 100u) << "read the sources under " << SOURCE_DIR;
  std::set<std::pair<std::string, std::string>> used;
  std::vector<std::string> strays;
  for (const Source& source : Sources()) {
    if (IsVocabularyHeader(source.path)) {
      continue;
    }
    for (std::string& stray : Strays(source, used)) {
      strays.push_back(std::move(stray));
    }
  }
  std::string listing;
  for (const std::string& stray : strays) {
    listing += "\n  " + stray;
  }
  EXPECT_TRUE(strays.empty()) << "spell these through their Vocabulary (Db, Sql, Human), or allow them in "
                                 "vocabulary_strays_test.cpp with a reason:"
                              << listing;
  for (const Allowed& entry : AllowList()) {
    EXPECT_TRUE(used.count({std::string(entry.file), std::string(entry.literal)}))
        << entry.file << ": " << entry.literal << " is allowed but no longer written there; drop it from the list";
  }
}

// The scanner itself: what it must find and what it must leave.
TEST(VocabularyStrays, TheScannerFindsLiteralsNotComments) {
  std::set<std::pair<std::string, std::string>> used;
  Source source{"services/x/x_store.cpp",
                "// \"censor\" in a comment\n"
                "/* 'censor' */ const char* a = \"censor\";\n"
                "std::string b = \"SELECT 1 WHERE kind = 'chain_confirmed' AND x = 'other'\";\n"
                "auto c = R\"sql(state = 'firing')sql\"; char d = '\"'; auto e = \"censored\";\n"
                "int f = 1'000'000; const char* g = \"lead\"; // \"member\"\n"};
  std::vector<std::string> strays = Strays(source, used);
  ASSERT_EQ(strays.size(), 4u) << ::testing::PrintToString(strays);
  EXPECT_EQ(strays[0].rfind("services/x/x_store.cpp:2: \"censor\" (spelled by modlog::kEntryKinds", 0), 0u)
      << strays[0];
  EXPECT_EQ(strays[1].rfind("services/x/x_store.cpp:3: 'chain_confirmed'", 0), 0u) << strays[1];
  EXPECT_EQ(strays[2].rfind("services/x/x_store.cpp:4: 'firing'", 0), 0u) << strays[2];
  EXPECT_EQ(strays[3].rfind("services/x/x_store.cpp:5: \"lead\" (spelled by ingest::kActorKinds)", 0), 0u)
      << strays[3];
}

// A switch over a vocabulary's enum lists every value, so -Wswitch names the one forgotten.
TEST(VocabularyStrays, NoDefaultInASwitchOverAVocabularyEnum) {
  std::string names;
  for (const std::string& name : AllSpellings().enums) {
    names += (names.empty() ? "" : "|") + name;
  }
  const std::regex vocabulary_case("\\bcase\\s+(\\w+::)*(" + names + ")::k\\w+\\s*:");
  std::vector<std::string> found;
  for (const Source& source : Sources()) {
    std::string code;
    StringLiterals(source.text, code);
    const std::regex switch_keyword("\\bswitch\\s*\\(");
    for (auto match = std::sregex_iterator(code.begin(), code.end(), switch_keyword); match != std::sregex_iterator();
         ++match) {
      const size_t at = static_cast<size_t>(match->position());
      size_t open = code.find('{', at);
      if (open == std::string::npos) {
        break;
      }
      // The switch's own body: its case labels and a default at its own depth.
      int depth = 0;
      size_t close = open;
      std::string own;
      for (; close < code.size(); ++close) {
        depth += code[close] == '{' ? 1 : code[close] == '}' ? -1 : 0;
        if (depth == 0) {
          break;
        }
        own += depth == 1 ? code[close] : ' ';
      }
      if (std::regex_search(own, vocabulary_case) && std::regex_search(own, std::regex("\\bdefault\\s*:"))) {
        found.push_back(source.path + ":" + std::to_string(1 + std::count(code.begin(), code.begin() + at, '\n')));
      }
    }
  }
  std::string listing;
  for (const std::string& where : found) {
    listing += "\n  " + where;
  }
  EXPECT_TRUE(found.empty()) << "a switch over a vocabulary enum has a default:" << listing;
}

}  // namespace
}  // namespace curation
