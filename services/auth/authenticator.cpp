#include <curation/auth/authenticator.hpp>

#include <algorithm>

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>

#include "token.hpp"

namespace curation::auth {
namespace {

constexpr std::string_view kScheme = "bearer";
// Longer than any token we issue by far; anything longer is refused before it is hashed.
constexpr size_t kMaxTokenLength = 512;
// An unknown token is remembered only this long (at most cache_ttl): enough to spare the
// database a client retrying in a loop, short enough that nobody waits on it.
constexpr std::chrono::milliseconds kNegativeTtl{1000};
// Above this many entries, expired ones are dropped; if none are, the cache starts over.
// Bounds the memory a flood of made-up tokens can take.
constexpr size_t kMaxCacheEntries = 10000;

absl::Status Unauthenticated(std::string_view what) {
  return absl::UnauthenticatedError(std::string(what));
}

// The token of an "authorization: Bearer <token>" header; the scheme is case-insensitive
// (RFC 7235), surrounding blanks are ignored.
absl::StatusOr<std::string_view> BearerToken(std::optional<std::string_view> header) {
  if (!header || absl::StripAsciiWhitespace(absl::string_view(header->data(), header->size())).empty()) {
    return Unauthenticated(
        "missing bearer token: pass --token-file or set CURATION_TOKEN (ask the lead for a token), or send the "
        "'authorization: Bearer <token>' header");
  }
  absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(header->data(), header->size()));
  size_t space = text.find_first_of(" \t");
  if (space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(text.substr(0, space), absl::string_view(kScheme.data(), kScheme.size()))) {
    return Unauthenticated("the authorization header must be 'Bearer <token>'");
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(text.substr(space));
  if (token.empty() || token.size() > kMaxTokenLength || token.find_first_of(" \t") != absl::string_view::npos) {
    return Unauthenticated("the authorization header must be 'Bearer <token>' with one token");
  }
  return std::string_view(token.data(), token.size());
}

absl::Status UnknownToken() {
  return Unauthenticated(
      "unknown or revoked token: check --token-file or CURATION_TOKEN, or ask the lead for a new token");
}

}  // namespace

Authenticator::Authenticator(PrincipalStore& store, const Clock& clock, std::chrono::milliseconds cache_ttl)
    : store_(store), clock_(clock), cache_ttl_(cache_ttl) {}

absl::StatusOr<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization_header,
                                                      std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(std::string_view token, BearerToken(authorization_header));
  std::string hash = TokenHash(token);
  TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(hash); it != cache_.end() && it->second.expires_at > now) {
      if (!it->second.principal) {
        return UnknownToken();
      }
      return *it->second.principal;
    }
  }
  // Looked up outside the lock: a slow database must not stall callers whose answer is cached.
  // A failed lookup is not cached, so the next call asks again.
  ASSIGN_OR_RETURN(std::optional<Principal> principal, store_.FindByToken(std::string(token), deadline));
  std::chrono::milliseconds ttl = principal ? cache_ttl_ : std::min(cache_ttl_, kNegativeTtl);
  if (ttl.count() > 0) {
    std::lock_guard lock(mutex_);
    if (cache_.size() >= kMaxCacheEntries) {
      std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires_at <= now; });
      if (cache_.size() >= kMaxCacheEntries) {
        cache_.clear();
      }
    }
    cache_[hash] = Cached{principal, now + ttl};
  }
  if (!principal) {
    return UnknownToken();
  }
  return *std::move(principal);
}

}  // namespace curation::auth
