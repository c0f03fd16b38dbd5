#include <curation/db/feed_follower.hpp>

#include <algorithm>
#include <iterator>

#include <absl/strings/str_cat.h>

namespace curation::db {
namespace {

// Statement names per schema, so each consumer's are prepared beside its other statements.
std::string EnsureCursor(const std::string& schema) { return absl::StrCat(schema, ".ensure_cursor"); }
std::string LockCursor(const std::string& schema) { return absl::StrCat(schema, ".lock_cursor"); }
std::string AdvanceCursor(const std::string& schema) { return absl::StrCat(schema, ".advance_cursor"); }

}  // namespace

FeedFollower::FeedFollower(Pool& pool, Options options)
    : pool_(pool),
      options_(std::move(options)),
      ensure_cursor_(EnsureCursor(options_.schema)),
      lock_cursor_(LockCursor(options_.schema)),
      advance_cursor_(AdvanceCursor(options_.schema)) {}

std::vector<PreparedStatement> FeedFollower::Statements(const std::string& schema,
                                                       std::vector<PreparedStatement> more) {
  // `schema` is one of our own names, never input.
  std::string table = absl::StrCat(schema, ".feed_cursors");
  std::vector<PreparedStatement> statements = {
      {EnsureCursor(schema),
       absl::StrCat("INSERT INTO ", table, " (consumer, seq) VALUES ($1, 0) ON CONFLICT (consumer) DO NOTHING")},
      {LockCursor(schema), absl::StrCat("SELECT seq FROM ", table, " WHERE consumer = $1 FOR UPDATE")},
      {AdvanceCursor(schema), absl::StrCat("UPDATE ", table, " SET seq = $2 WHERE consumer = $1")},
  };
  std::move(more.begin(), more.end(), std::back_inserter(statements));
  return statements;
}

absl::StatusOr<int64_t> FeedFollower::Step(const Feed& feed) {
  Batch batch;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared(ensure_cursor_, feed.consumer);
    // Held until commit: a replica's batch of the same cursor waits for this one, then reads past it.
    int64_t after = tx.exec_prepared1(lock_cursor_, feed.consumer)[0].as<int64_t>();
    ASSIGN_OR_RETURN(batch, feed.handler(tx, after, options_.batch_size));
    if (batch.last) {
      tx.exec_prepared(advance_cursor_, feed.consumer, *batch.last);
    }
    return absl::OkStatus();
  }));
  if (batch.committed) {
    batch.committed();
  }
  return batch.rows;
}

absl::Status FeedFollower::Drain(const std::vector<Feed>& feeds, std::stop_token stop) {
  bool more = true;
  while (more && !stop.stop_requested()) {
    more = false;
    for (const Feed& feed : feeds) {
      ASSIGN_OR_RETURN(int64_t rows, Step(feed));
      more = more || rows >= options_.batch_size;
    }
  }
  return absl::OkStatus();
}

void FeedFollower::Run(std::stop_token stop, const std::function<absl::Status(std::stop_token)>& drain) {
  FollowNotifications(pool_, options_.channel, options_.idle_poll, stop, options_.component, options_.what,
                      [&]() -> absl::StatusOr<bool> {
                        RETURN_IF_ERROR(drain(stop));
                        return false;  // a drain reads the feeds to their end
                      });
}

}  // namespace curation::db
