#include <curation/auth/authenticator.hpp>

#include <algorithm>

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>

#include "token.hpp"

namespace curation::auth {
namespace {

constexpr std::string_view kScheme = "bearer";
constexpr std::string_view kSessionScheme = "session";  // the console's cookie, forwarded by its bridge
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

// The secret of an "authorization: Bearer <token>" or "authorization: Session <id>" header;
// the scheme is case-insensitive (RFC 7235), surrounding blanks are ignored.
struct Credential {
  bool session = false;  // a console session's id, not a bearer token
  std::string_view secret;
};

absl::StatusOr<Credential> CredentialOf(std::optional<std::string_view> header) {
  if (!header || absl::StripAsciiWhitespace(absl::string_view(header->data(), header->size())).empty()) {
    return Unauthenticated(
        "missing bearer token: pass --token-file or set CURATION_TOKEN (ask the lead for a token), or send the "
        "'authorization: Bearer <token>' header");
  }
  absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(header->data(), header->size()));
  size_t space = text.find_first_of(" \t");
  absl::string_view scheme = space == absl::string_view::npos ? text : text.substr(0, space);
  const bool session = absl::EqualsIgnoreCase(scheme, absl::string_view(kSessionScheme.data(), kSessionScheme.size()));
  if (space == absl::string_view::npos ||
      (!session && !absl::EqualsIgnoreCase(scheme, absl::string_view(kScheme.data(), kScheme.size())))) {
    return Unauthenticated("the authorization header must be 'Bearer <token>'");
  }
  absl::string_view secret = absl::StripLeadingAsciiWhitespace(text.substr(space));
  if (secret.empty() || secret.size() > kMaxTokenLength || secret.find_first_of(" \t") != absl::string_view::npos) {
    return Unauthenticated("the authorization header must be 'Bearer <token>' with one token");
  }
  return Credential{.session = session, .secret = std::string_view(secret.data(), secret.size())};
}

// What the cache knows a credential by: its hash, and which kind it is, so that a token and a
// session id with the same text are two entries.
std::string CacheKey(const Credential& credential) {
  return TokenHash(credential.secret) + (credential.session ? "s" : "t");
}

absl::Status UnknownToken() {
  return Unauthenticated(
      "unknown or revoked token: check --token-file or CURATION_TOKEN, or ask the lead for a new token");
}

absl::Status UnknownSession() {
  return Unauthenticated("the session has ended (signed out, idle or old, or its principal revoked): sign in again");
}

}  // namespace

Authenticator::Authenticator(PrincipalStore& store, const Clock& clock, std::chrono::milliseconds cache_ttl,
                             SessionLimits sessions)
    : store_(store), clock_(clock), cache_ttl_(cache_ttl), sessions_(sessions) {}

absl::StatusOr<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization_header,
                                                      std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(Credential credential, CredentialOf(authorization_header));
  std::string key = CacheKey(credential);
  TimePoint now = clock_.Now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.expires_at > now) {
      if (!it->second.principal) {
        return credential.session ? UnknownSession() : UnknownToken();
      }
      return *it->second.principal;
    }
  }
  // Looked up outside the lock: a slow database must not stall callers whose answer is cached.
  // A failed lookup is not cached, so the next call asks again. A session is marked seen only
  // when it is looked up, so its idle time is known to within cache_ttl.
  std::string secret(credential.secret);
  ASSIGN_OR_RETURN(std::optional<Principal> principal,
                   credential.session ? store_.FindBySession(secret, now, sessions_, deadline)
                                      : store_.FindByToken(secret, deadline));
  std::chrono::milliseconds ttl = principal ? cache_ttl_ : std::min(cache_ttl_, kNegativeTtl);
  if (ttl.count() > 0) {
    std::lock_guard lock(mutex_);
    if (cache_.size() >= kMaxCacheEntries) {
      std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires_at <= now; });
      if (cache_.size() >= kMaxCacheEntries) {
        cache_.clear();
      }
    }
    cache_[key] = Cached{principal, now + ttl};
  }
  if (!principal) {
    return credential.session ? UnknownSession() : UnknownToken();
  }
  return *std::move(principal);
}

std::string Authenticator::SessionHeader(std::string_view session_id) {
  return std::string(kSessionScheme) + " " + std::string(session_id);  // schemes are case-insensitive
}

absl::StatusOr<Authenticator::SignedIn> Authenticator::StartSession(std::string_view token) {
  // As a header, so a pasted token gets the checks a header's does (length, one word).
  ASSIGN_OR_RETURN(Principal principal, Authenticate(std::string(kScheme) + " " + std::string(token)));
  ASSIGN_OR_RETURN(std::string session_id, store_.StartSession(principal.id, clock_.Now()));
  return SignedIn{.session_id = std::move(session_id), .principal = std::move(principal)};
}

absl::Status Authenticator::EndSession(std::string_view session_id) {
  {
    std::lock_guard lock(mutex_);
    cache_.erase(CacheKey(Credential{.session = true, .secret = session_id}));
  }
  return store_.EndSession(std::string(session_id), clock_.Now());
}

}  // namespace curation::auth
