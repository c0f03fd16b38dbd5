#include <curation/ingest/ingestor.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>
#include <mutex>

#include <absl/strings/cord.h>
#include <absl/strings/str_cat.h>

#include <curation/common/logging.hpp>
#include <curation/common/time_format.hpp>

namespace curation::ingest {
namespace {

std::shared_ptr<spdlog::logger> Log() { return ComponentLogger("ingest"); }

constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::hours(1);

nlohmann::json SinceVariable(const StreamSpec& stream, Mark since) {
  if (stream.key_kind == KeyKind::kBlock) {
    return since;
  }
  return FormatIsoTime(TimePoint(std::chrono::milliseconds(since)));
}

int64_t Millis(std::chrono::steady_clock::duration span) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(span).count();
}

// A fixed-capacity hand-over between one producer and one consumer thread.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  /// Blocks while full; false once the queue is closed.
  bool Push(T&& item) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) {
      return false;
    }
    items_.push_back(std::move(item));
    changed_.notify_all();
    return true;
  }
  /// Blocks while empty; nullopt once closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) {
      return std::nullopt;
    }
    T item = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return item;
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> items_;
  size_t capacity_;
  bool closed_ = false;
};

// Prefixes the message with the stream's name, keeping payloads such as Retry-After.
absl::Status WithContext(const absl::Status& status, const std::string& stream) {
  absl::Status annotated(status.code(), stream + ": " + std::string(status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) { annotated.SetPayload(url, payload); });
  return annotated;
}

}  // namespace

Ingestor::Ingestor(IngestStore& store, QueryNodeClient& client, IngestConfig config, int page_size,
                   MetricsRegistry& metrics)
    : store_(store),
      client_(client),
      config_(config),
      page_size_(page_size),
      random_(std::random_device{}()),
      pages_ok_(metrics.GetCounter("curation_ingest_pages_total", "Query node pages read", {{"result", "ok"}})),
      pages_failed_(metrics.GetCounter("curation_ingest_pages_total", "Query node pages read", {{"result", "error"}})),
      items_stored_(metrics.GetCounter("curation_ingest_items_total", "Items read from the query node",
                                       {{"result", "stored"}})),
      items_rejected_(metrics.GetCounter("curation_ingest_items_total", "Items read from the query node",
                                         {{"result", "rejected"}})),
      fields_truncated_(metrics.GetCounter("curation_ingest_truncated_fields_total",
                                           "Text fields cut to their size limit")),
      page_seconds_(metrics.GetHistogram("curation_ingest_page_duration_seconds",
                                         "Time to fetch, parse and store one page")) {}

absl::Status Ingestor::PollOnce(std::stop_token stop) {
  // Reloaded every poll: a backfill requested through any instance rewinds the marks.
  ASSIGN_OR_RETURN(auto cursors, store_.LoadCursors());
  // The head is read before the streams: whatever the query node had indexed by then, a
  // stream that answers "nothing more" holds.
  auto head = FetchHead();
  if (!head.ok()) {
    store_.RecordFailure("head", std::string(head.status().message())).IgnoreError();
    return WithContext(head.status(), "head");
  }
  RETURN_IF_ERROR(store_.RecordHead(*head));
  // One stream failing does not hold the others back; the pass reports the first failure.
  absl::Status first_failure;
  for (const StreamSpec& stream : Streams()) {
    if (stop.stop_requested()) {
      return absl::CancelledError("stopping");
    }
    auto it = cursors.find(stream.name);
    Cursor cursor;
    if (it != cursors.end()) {
      cursor = it->second;
    } else if (stream.key_kind == KeyKind::kBlock) {
      cursor.mark = config_.start_block - 1;
    } else if (stream.from_start) {
      cursor.mark = 0;  // no created stream reads its history: this one does
    } else {
      // A stream of changes starts at the newest indexed block's time: the created streams
      // read every item in its current state, so older changes need no second read.
      cursor.mark = head->time ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                     head->time->time_since_epoch() - config_.overlap_time)
                                     .count()
                               : 0;
    }
    absl::Status status = PollStream(stream, cursor, *head, stop);
    if (!status.ok()) {
      store_.RecordFailure(stream.name, std::string(status.message())).IgnoreError();
      if (first_failure.ok()) {
        first_failure = WithContext(status, stream.name);
      }
    }
  }
  return first_failure;
}

absl::Status Ingestor::FetchPages(const StreamSpec& stream, Mark mark, std::stop_token stop,
                                  const std::function<bool(FetchedPage&&)>& deliver) {
  const std::string& document = QueryDocument(stream.document);
  int64_t overlap = stream.key_kind == KeyKind::kBlock ? config_.overlap_blocks : config_.overlap_time.count();
  Mark floor = stream.key_kind == KeyKind::kBlock ? -1 : 0;
  Mark since = std::max(mark - overlap, floor);
  std::optional<std::string> after;
  int page_size = page_size_;
  while (true) {
    if (stop.stop_requested()) {
      return absl::CancelledError("stopping");
    }
    auto started = std::chrono::steady_clock::now();
    nlohmann::json variables = {{"since", SinceVariable(stream, since)}, {"first", page_size}};
    variables["after"] = after ? nlohmann::json(*after) : nlohmann::json(nullptr);
    auto body = client_.Execute(document, stream.operation, variables);
    if (body.status().code() == absl::StatusCode::kOutOfRange && page_size > 1) {
      // Items bloated by on-chain metadata: ask for fewer at a time rather than stall.
      page_size = std::max(1, page_size / 2);
      Log()->warn("{}: {}; asking for {} items per page", stream.name, body.status().message(), page_size);
      continue;
    }
    if (!body.ok()) {
      return body.status();
    }
    auto fetched = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(ParsedPage page, ParsePage(stream, *body));
    if (page.item_count == 0 && page.has_next_page) {
      return absl::DataLossError("query node sent an empty page that claims more follow");
    }
    // Everything before the page's last key is complete; items sharing the last key may
    // continue on the next page, so the mark stops one short of it until the end. Marks
    // only ever rise to keys of items this page carries.
    bool single_key = false;
    if (!page.keys.empty()) {
      Mark first = page.keys.front(), last = page.keys.back();
      Mark newest = *std::max_element(page.keys.begin(), page.keys.end());
      single_key = first == last;
      mark = std::max(mark, page.has_next_page ? last - 1 : newest);
    }
    std::vector<std::string> ids;
    if (stream.full_read) {
      for (const nlohmann::json& row : page.rows) {
        ids.push_back(row["id"].get<std::string>());
      }
      for (const RejectedItem& item : page.rejected) {
        if (item.item_id) {
          ids.push_back(*item.item_id);  // its last good copy stays: the query node still has it
        }
      }
    }
    FetchedPage out{.encoded = IngestStore::Encode(page),
                    .rows = page.rows.size(),
                    .has_next_page = page.has_next_page,
                    .rejected = std::move(page.rejected),
                    .truncated = page.truncated_fields,
                    .mark = mark,
                    .ids = std::move(ids),
                    .bytes = body->size(),
                    .fetch = fetched - started,
                    .parse = std::chrono::steady_clock::now() - fetched};
    // Continue past the stored keys; within one key (or when keys do not advance) only the
    // query node's cursor can make progress.
    Mark resume = page.keys.empty() ? since : page.keys.back() - 1;
    if (!deliver(std::move(out)) || !page.has_next_page) {
      return absl::OkStatus();
    }
    if (single_key || resume <= since) {
      if (!page.end_cursor || page.end_cursor == after) {
        return absl::DataLossError("query node page claims more follow but gives no new endCursor");
      }
      after = page.end_cursor;
    } else {
      since = resume;
      after.reset();
    }
  }
}

absl::Status Ingestor::PollStream(const StreamSpec& stream, Cursor& cursor, const Head& head,
                                  std::stop_token stop) {
  // The next pages are fetched and parsed while this thread stores the current one, so the
  // query node, the parser and PostgreSQL work at once. Two pages ahead bound the memory.
  BoundedQueue<FetchedPage> pages(2);
  absl::Status fetch_status;
  // A full read starts from the beginning every pass; the mark it keeps only shows how recent
  // the newest item was.
  Mark from = stream.full_read ? 0 : cursor.mark;
  std::vector<std::string> present;  // full reads: every id the query node holds
  std::jthread fetcher([&] {
    try {
      fetch_status = FetchPages(stream, from, stop, [&](FetchedPage&& page) { return pages.Push(std::move(page)); });
    } catch (const std::exception& e) {
      fetch_status = absl::InternalError(absl::StrCat("fetching pages failed: ", e.what()));
    }
    pages.Close();
  });
  absl::Status store_status;
  while (auto fetched = pages.Pop()) {
    auto started = std::chrono::steady_clock::now();
    if (stream.full_read) {
      present.insert(present.end(), fetched->ids.begin(), fetched->ids.end());
      if (present.size() > kMaxFullReadItems) {
        store_status = absl::FailedPreconditionError(
            absl::StrCat("more than ", kMaxFullReadItems, " items to read whole; nothing deleted"));
        break;
      }
    }
    Cursor next = cursor;
    next.mark = std::max(cursor.mark, fetched->mark);
    if (fetched->encoded.item_count > 0) {
      store_status = store_.StorePage(stream, fetched->encoded, next);
      if (!store_status.ok()) {
        break;
      }
      next.stored = true;
    }
    cursor = next;
    pages_ok_.Inc();
    items_stored_.Inc(static_cast<double>(fetched->rows));
    fields_truncated_.Inc(static_cast<double>(fetched->truncated));
    if (const auto& rejected = fetched->rejected; !rejected.empty()) {
      items_rejected_.Inc(static_cast<double>(rejected.size()));
      Log()->warn("{}: set aside {} item(s) the query node sent malformed, first: {} ({})", stream.name,
                  rejected.size(), rejected.front().reason, rejected.front().item_id.value_or("no id"));
    }
    auto store = std::chrono::steady_clock::now() - started;
    SPDLOG_LOGGER_DEBUG(Log(), "{}: {} items, {} bytes: fetch {} ms, parse {} ms, store {} ms", stream.name,
                        fetched->encoded.item_count, fetched->bytes, Millis(fetched->fetch), Millis(fetched->parse),
                        Millis(store));
    page_seconds_.Observe(std::chrono::duration<double>(fetched->fetch + fetched->parse + store).count());
    if (!fetched->has_next_page) {
      break;
    }
  }
  pages.Close();  // stops the fetcher when storing failed
  fetcher.join();
  if (!store_status.ok()) {
    return store_status;
  }
  if (!fetch_status.ok()) {
    pages_failed_.Inc();
    return fetch_status;
  }
  // The fetcher ends cleanly only after delivering the last page.
  if (stream.full_read) {
    RETURN_IF_ERROR(store_.DeleteAbsent(stream, present));
  }
  return FinishPass(stream, cursor, head);
}

absl::StatusOr<Head> Ingestor::FetchHead() {
  ASSIGN_OR_RETURN(std::string body,
                   client_.Execute(QueryDocument("head.graphql"), "IngestHead", nlohmann::json::object()));
  return ParseHead(body);
}

absl::Status Ingestor::FinishPass(const StreamSpec& stream, Cursor& cursor, const Head& head) {
  if (!cursor.stored) {
    // A starting mark (a stream of changes, or a stream that found nothing yet) is saved so a
    // restart resumes from it rather than from a later present.
    RETURN_IF_ERROR(store_.StorePage(stream, EncodedPage{}, cursor));
    cursor.stored = true;
  }
  return store_.RecordCaughtUp(stream.name, head.block);
}

std::chrono::milliseconds Ingestor::Backoff(int failures, const absl::Status& last) {
  auto base = config_.backoff_initial;
  for (int i = 1; i < failures && base < config_.backoff_max; ++i) {
    base *= 2;
  }
  base = std::min(base, config_.backoff_max);
  // Full jitter on the upper half keeps many instances from retrying in step.
  std::uniform_int_distribution<int64_t> jitter(base.count() / 2, base.count());
  std::chrono::milliseconds pause(jitter(random_));
  if (auto retry_after = QueryNodeClient::RetryAfter(last)) {
    pause = std::max(pause, std::min(*retry_after, kMaxRetryAfter));
  }
  return pause;
}

void Ingestor::Run(std::stop_token stop) {
  db::Leadership leadership([&] { return store_.TryBecomePoller(); }, "ingest",
                            "polling the query node at " + client_.url());
  int failures = 0;
  while (!stop.stop_requested()) {
    if (!leadership.Lead()) {
      PauseFor(stop, config_.poll_interval);
      continue;
    }
    absl::Status status = PollOnce(stop);
    if (status.ok()) {
      if (failures > 0) {
        Log()->info("query node polling recovered after {} failed attempt(s)", failures);
      }
      failures = 0;
      PauseFor(stop, config_.poll_interval);
    } else if (status.code() == absl::StatusCode::kAborted || status.code() == absl::StatusCode::kCancelled) {
      continue;  // a backfill rewound a stream (re-read at once), or we are stopping
    } else {
      ++failures;
      auto pause = Backoff(failures, status);
      Log()->warn("poll failed ({}); retrying in {} ms (attempt {})", status, pause.count(), failures);
      PauseFor(stop, pause);
    }
  }
}

}  // namespace curation::ingest
