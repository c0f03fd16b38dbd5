#include <curation/console/media_origins.hpp>

#include <algorithm>

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/logging.hpp>
#include <curation/ingest/vocabulary.hpp>

namespace curation::console {
namespace {

constexpr size_t kMaxHostLength = 253;  // DNS's limit on a name
constexpr size_t kMaxPortDigits = 5;

bool IsHostNameCharacter(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '.'; }
bool IsIpv6Character(char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; }

// Every URL a page may load media from, as ingest and alert keep them: the endpoints the
// source resolver would use (ACTIVE operators), and featured cuts and posters of the last 30 days.
std::string MediaUrlsSql() {
  return absl::StrCat(
      "SELECT DISTINCT node_endpoint FROM ingest.distribution_operators WHERE status = ",
      ingest::kOperatorStatuses.Sql(ingest::OperatorStatus::kActive),
      " AND node_endpoint IS NOT NULL"
      " UNION SELECT cut_url FROM alert.featured"
      "   WHERE cut_url <> '' AND (featured_until IS NULL OR featured_until > now() - interval '30 days')"
      " UNION SELECT poster_url FROM alert.featured"
      "   WHERE poster_url <> '' AND (featured_until IS NULL OR featured_until > now() - interval '30 days')");
}

}  // namespace

std::optional<std::string> OriginOf(std::string_view url) {
  const char* scheme = nullptr;
  // Debian's abseil has its own string_view, not std's.
  const absl::string_view text(url.data(), url.size());
  if (absl::StartsWithIgnoreCase(text, "https://")) {
    scheme = "https";
  } else if (absl::StartsWithIgnoreCase(text, "http://")) {
    scheme = "http";
  } else {
    return std::nullopt;
  }
  std::string_view authority = url.substr(std::string_view(scheme).size() + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  std::string_view host = authority, port;
  bool has_port = false;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2 ||
        !std::all_of(authority.begin() + 1, authority.begin() + close, IsIpv6Character)) {
      return std::nullopt;
    }
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      return std::nullopt;
    }
    has_port = !rest.empty();
    port = has_port ? rest.substr(1) : rest;
  } else {
    if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    // userinfo ('@'), spaces, quotes, ';', ',', '*' and the like all end here
    if (host.empty() || host.starts_with('.') || host.starts_with('-') ||
        !std::all_of(host.begin(), host.end(), IsHostNameCharacter)) {
      return std::nullopt;
    }
  }
  if (host.size() > kMaxHostLength || (has_port && (port.empty() || port.size() > kMaxPortDigits)) ||
      !std::all_of(port.begin(), port.end(), absl::ascii_isdigit)) {
    return std::nullopt;
  }
  std::string origin = absl::StrCat(scheme, "://", absl::AsciiStrToLower(absl::string_view(host.data(), host.size())));
  if (!port.empty()) {
    origin.append(":").append(port);
  }
  return origin;
}

std::string ContentSecurityPolicy(const std::vector<std::string>& media_origins) {
  const std::string sources = media_origins.empty() ? "" : absl::StrCat(" ", absl::StrJoin(media_origins, " "));
  return absl::StrCat("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:", sources,
                      "; media-src 'self' blob:", sources,
                      "; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

MediaOrigins::MediaOrigins(db::Pool& pool, const Clock& clock, std::chrono::milliseconds ttl)
    : pool_(pool), clock_(clock), ttl_(ttl) {}

std::vector<db::PreparedStatement> MediaOrigins::Statements() {
  return {{"console.media_urls", MediaUrlsSql()}};
}

std::vector<std::string> MediaOrigins::Current() {
  {
    std::lock_guard lock(mutex_);
    if (read_at_ && clock_.Now() - *read_at_ < ttl_) {
      return origins_;
    }
    read_at_ = clock_.Now();  // one reader at a time; the others answer with what is known
  }
  std::vector<std::string> origins;
  absl::Status read = pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared("console.media_urls")) {
      if (auto origin = OriginOf(row[0].as<std::string>())) {
        origins.push_back(std::move(*origin));
      }
    }
    return absl::OkStatus();
  });
  std::lock_guard lock(mutex_);
  if (!read.ok()) {
    ComponentLogger("console")->warn("media origins for the CSP not read, keeping the last {}: {}", origins_.size(),
                                     read.message());
    return origins_;
  }
  std::sort(origins.begin(), origins.end());
  origins.erase(std::unique(origins.begin(), origins.end()), origins.end());
  origins_ = std::move(origins);
  return origins_;
}

std::string MediaOrigins::Policy() { return ContentSecurityPolicy(Current()); }

}  // namespace curation::console
