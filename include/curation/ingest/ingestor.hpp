#pragma once
// The poller: reads every stream from its mark to the query node's head, page by page,
// storing each page with its new mark; waits a poll interval; backs off with jitter on failure.

#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <stop_token>
#include <string>

#include <curation/common/clock.hpp>
#include <curation/ingest/config.hpp>
#include <curation/common/metrics.hpp>
#include <curation/ingest/ingest_store.hpp>
#include <curation/ingest/query_node_client.hpp>

namespace curation::ingest {

class Ingestor {
 public:
  Ingestor(IngestStore& store, QueryNodeClient& client, IngestConfig config, int page_size,
           MetricsRegistry& metrics);

  /// Reads the head, then every stream until caught up (one pass). A failing stream is
  /// recorded and the others still read; the first failure is returned. Marks never pass
  /// what was stored.
  absl::Status PollOnce(std::stop_token stop = {});

  /// Polls until `stop` is requested, while this instance holds the poller lease.
  void Run(std::stop_token stop);

  /// The pause before the next attempt after `failures` consecutive failures.
  std::chrono::milliseconds Backoff(int failures, const absl::Status& last);

 private:
  /// A parsed page and the mark that storing it earns.
  struct FetchedPage {
    EncodedPage encoded;
    size_t rows = 0;
    bool has_next_page = false;
    std::vector<RejectedItem> rejected;
    size_t truncated = 0;
    Mark mark = 0;
    std::vector<std::string> ids;  // of every item, stored or set aside (full-read streams)
    size_t bytes = 0;
    std::chrono::steady_clock::duration fetch{}, parse{};
  };
  /// Pages through `stream` from `mark` (less the overlap), handing each page to `deliver`
  /// until the last page, an error, or `deliver` returning false.
  absl::Status FetchPages(const StreamSpec& stream, Mark mark, std::stop_token stop,
                          const std::function<bool(FetchedPage&&)>& deliver);
  absl::Status PollStream(const StreamSpec& stream, Cursor& cursor, const Head& head, std::stop_token stop);
  absl::StatusOr<Head> FetchHead();
  /// A stream that answered "nothing more" is complete up to the head read before it.
  absl::Status FinishPass(const StreamSpec& stream, Cursor& cursor, const Head& head);

  IngestStore& store_;
  QueryNodeClient& client_;
  IngestConfig config_;
  int page_size_;
  std::mt19937_64 random_;

  Counter& pages_ok_;
  Counter& pages_failed_;
  Counter& items_stored_;
  Counter& items_rejected_;
  Counter& fields_truncated_;
  Histogram& page_seconds_;
};

}  // namespace curation::ingest
