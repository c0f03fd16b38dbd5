// A fake Joystream Hydra query node for tests and benchmarks of the ingest service.
//
// FakeQueryNode runs a real HTTP server on 127.0.0.1 (port chosen by the OS) that answers the
// GraphQL operations in services/ingest/queries/*.graphql the way the Hydra query node does:
// POST /graphql with {"query", "operationName", "variables"}, answered with
// {"data": {"page": {"pageInfo": {...}, "edges": [{"node": {...}}]}}} (the `page` alias of the
// documents). Tests put nodes in, point the ingestor at Url(), and inject faults.
//
//   FakeQueryNode qn;
//   qn.PutVideo(FakeQueryNode::MakeVideo(1, 100, FakeQueryNode::BlockIso(100), "7"));
//   qn.InjectFault({.kind = FakeQueryNode::Fault::Kind::kHttpStatus, .http_status = 503});
//   ingestor.Poll(qn.Url());
//
// Semantics worth knowing:
// - Nodes are served exactly as nlohmann::json::dump() printed them when they were put, so
//   hostile nodes (missing fields, nulls, wrong types, huge strings) reach the client unchanged;
//   only invalid UTF-8 is replaced, as no real server can send it. Each node is serialized once,
//   at Put time, and costs about its JSON size in memory (~1 KB for a MakeVideo node).
// - Filters and order: *Created: `createdInBlock > since` by (createdInBlock, createdAt);
//   *Updated: `updatedAt > since` by (updatedAt, createdInBlock), timestamps compared as instants,
//   not as text; events: `inBlock > since` by (inBlock, indexInBlock). Ties fall back to the id.
// - A node whose filter key is missing, null or unusable is skipped by that operation's filter,
//   as a SQL NULL never satisfies `_gt`; it is still stored and still served by the other
//   operations whose keys it has. Integral numbers in strings ("12") are accepted as keys so a
//   test can serve a node whose key has the wrong JSON type.
// - Cursors are opaque keyset cursors (the sort key of the last node of the page), so inserting
//   or removing nodes between pages neither skips nor repeats the others. A cursor from another
//   operation family, or garbage, is answered with a GraphQL error.
// - Edges carry `cursor` only when the document selects it, like a real server; the ingest
//   documents select only `pageInfo { hasNextPage endCursor }`.
// - Responses are `application/json; charset=utf-8` and never compressed.
// - Time convention: block 0 is at kGenesisUnixMs (2022-12-09T00:00:00.000Z, the mainnet genesis
//   day) and blocks are 6 s apart; BlockIso(block) gives the matching `createdAt`.
//
// Thread safety: every public method may be called from any thread while the server answers
// requests. The destructor stops the server, cuts idle keep-alive connections and waits for the
// handlers (an injected delay is cut short).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <absl/base/thread_annotations.h>
#include <nlohmann/json.hpp>

#include <fakes/loopback_server.hpp>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace curation::fakes {

class FakeQueryNode {
 public:
  enum class EventKind {
    kVideoVisibility,
    kChannelVisibility,
    kVideoAssetsDeleted,
    kChannelAssetsDeleted,
  };

  // A misbehaviour served instead of (or around) the normal answer. Each injected fault is used
  // by one matching request; faults are matched in the order they were injected.
  struct Fault {
    enum class Kind {
      kHttpStatus,         // `http_status` with an HTML body, plus Retry-After when set.
      kDelay,              // Waits `delay`, then answers normally.
      kMalformedJson,      // 200 with a body that is not JSON.
      kTruncatedBody,      // 200 with the first half of the real body (Content-Length matches).
      kGraphqlErrors,      // 200 {"errors":[...],"data":null}, like a resolver failure.
      kCloseConnection,    // Closes the connection without sending a byte of the answer.
      kEmptyPageWithNext,  // Zero edges, hasNextPage true, endCursor = the request's `after`.
                           // Never matches IngestHead, which has no page.
      kHugeBody,           // 200 with a valid JSON page larger than 80 MiB, streamed.
    };
    Kind kind;
    int http_status = 500;
    std::string retry_after{};
    std::chrono::milliseconds delay{0};
    std::string operation{};  // Empty matches any operation, including unparsable requests.
  };

  // One POST /graphql as the fake read it, rejected or not. `operation` is the operationName
  // sent (the document's only operation when none was), empty when the body could not be read;
  // `variables` is null when absent.
  struct Request {
    std::string operation;
    nlohmann::json variables;
  };

  static constexpr int64_t kGenesisUnixMs = 1670544000000;  // 2022-12-09T00:00:00.000Z
  static constexpr int64_t kBlockMillis = 6000;
  // The smallest body kHugeBody sends; clients are expected to give up well before it.
  static constexpr size_t kHugeBodyMinBytes = 80u << 20;

  // Starts the server; throws std::runtime_error if no port can be bound.
  FakeQueryNode();
  ~FakeQueryNode();
  FakeQueryNode(const FakeQueryNode&) = delete;
  FakeQueryNode& operator=(const FakeQueryNode&) = delete;

  // http://127.0.0.1:PORT/graphql
  std::string Url() const;
  int Port() const { return loopback_.port(); }

  // Insert, or replace the node with the same "id" (a string, or an integer taken as its
  // decimal string). A node without a usable id is stored as a new node every time and can be
  // neither replaced nor removed.
  void PutVideo(nlohmann::json node);
  // Bulk insert with one index merge for the whole batch. Serializing dominates: about 13 us a
  // MakeVideo node on a 2-vCPU VM (300k in ~4 s). Single puts also pay O(stored nodes) each for
  // the merge, so load big data sets in batches (10k at a time keeps the caller's trees small).
  void PutVideos(std::vector<nlohmann::json> nodes);
  void PutChannel(nlohmann::json node);
  void PutCategory(nlohmann::json node);
  void PutEvent(EventKind kind, nlohmann::json node);
  // The distribution side (services/ingest/queries/distribution.graphql), served by updatedAt
  // like the other *Updated operations; nodes are served as given so hostile ones reach the client.
  void PutDistributionBucket(nlohmann::json node);
  void PutDistributionOperator(nlohmann::json node);
  void PutStorageBag(nlohmann::json node);
  // Puts bag `bag_id` in distributing bucket "0:0" whose ACTIVE operators (worker ids 0, 1, ...)
  // have these node endpoints; every call is stamped one second after the previous one.
  void ServeBag(const std::string& bag_id, const std::vector<std::string>& endpoints);
  // Returns false when no video has that id.
  bool RemoveVideo(const std::string& id);
  // As the query node deletes them (a bucket deleted, an operator removed or its invitation
  // cancelled); false when there is none with that id.
  bool RemoveDistributionBucket(const std::string& id);
  bool RemoveDistributionOperator(const std::string& id);

  void InjectFault(Fault fault, int times = 1);
  void ClearFaults();

  // Each page requested with `after` also starts with the node that ended the previous page
  // (the one the cursor points at), before up to `first` new nodes: duplicates across pages.
  void SetRepeatLastItemOnNextPage(bool on);
  // Edges of every page come out in reverse order. endCursor still points at the last node in
  // the operation's order, so paging itself stays correct.
  void SetReverseWithinPage(bool on);

  std::vector<Request> Requests() const;
  size_t RequestCount() const;
  void ClearRequests();

  // Builders of schema-complete nodes: every field the ingest documents select is present, with
  // nested objects carrying their selected fields. Ids are JSON strings, BigInt values are
  // strings, as Hydra prints them. `updatedAt` equals `createdAt`.
  static nlohmann::json MakeVideo(int64_t id, int64_t block, std::string created_at_iso,
                                  std::string channel_id);
  static nlohmann::json MakeChannel(int64_t id, int64_t block, std::string created_at_iso);
  // Distribution nodes as distribution.graphql selects them; createdAt equals updatedAt. A
  // null `node_endpoint` gives an operator without metadata.
  static nlohmann::json MakeDistributionBucket(const std::string& id, bool distributing, std::string updated_at_iso);
  static nlohmann::json MakeDistributionOperator(const std::string& bucket_id, int64_t worker_id, std::string status,
                                                 nlohmann::json node_endpoint, std::string updated_at_iso);
  static nlohmann::json MakeStorageBag(const std::string& bag_id, const std::vector<std::string>& bucket_ids,
                                       std::string updated_at_iso);
  static nlohmann::json MakeCategory(std::string id, int64_t block, std::string created_at_iso);

  // ContentActor union members as the ActorFields fragment selects them.
  static nlohmann::json CuratorActor(std::string curator_id = "3");
  static nlohmann::json MemberActor(std::string member_id);
  static nlohmann::json LeadActor();

  // Moderator events. An empty `created_at_iso` means BlockIso(block).
  static nlohmann::json MakeVideoVisibilityEvent(std::string id, int64_t block, int index,
                                                 int64_t video_id, bool hidden,
                                                 std::string rationale,
                                                 std::string created_at_iso = "",
                                                 nlohmann::json actor = CuratorActor());
  static nlohmann::json MakeChannelVisibilityEvent(std::string id, int64_t block, int index,
                                                   int64_t channel_id, bool hidden,
                                                   std::string rationale,
                                                   std::string created_at_iso = "",
                                                   nlohmann::json actor = CuratorActor());
  static nlohmann::json MakeVideoAssetsDeletedEvent(std::string id, int64_t block, int index,
                                                    int64_t video_id,
                                                    std::vector<int64_t> asset_ids,
                                                    bool are_nft_assets, std::string rationale,
                                                    std::string created_at_iso = "",
                                                    nlohmann::json actor = CuratorActor());
  static nlohmann::json MakeChannelAssetsDeletedEvent(std::string id, int64_t block, int index,
                                                      int64_t channel_id,
                                                      std::vector<int64_t> asset_ids,
                                                      std::string rationale,
                                                      std::string created_at_iso = "",
                                                      nlohmann::json actor = CuratorActor());

  // YYYY-MM-DDTHH:MM:SS.mmmZ
  static std::string IsoTime(int64_t unix_ms);
  // The time of `block` under the 6 s convention above.
  static std::string BlockIso(int64_t block);

 private:
  // One collection per list the documents page through (videos, channels, categories, the
  // four event kinds, distribution buckets, their operators, storage bags); numbered in the .cpp.
  static constexpr size_t kCollectionCount = 10;
  // Entities have a created and an updated order; events use only the first index.
  static constexpr size_t kIndexCount = 2;

  struct StoredNode;
  struct IndexEntry {
    int64_t primary;
    int64_t secondary;
    std::shared_ptr<const StoredNode> node;
  };
  struct CollectionData {
    std::unordered_map<std::string, std::shared_ptr<const StoredNode>> by_id;
    std::vector<IndexEntry> indexes[kIndexCount];  // each sorted by (primary, secondary, id)
  };
  struct PendingFault {
    Fault fault;
    int remaining;
  };
  struct ParsedRequest;
  struct PageRequest;
  struct PageSlice;
  struct Answer;

  static ParsedRequest Parse(const httplib::Request& req);
  // Serializes `node` and extracts its keys; needs no lock.
  static std::shared_ptr<StoredNode> Store(size_t collection, nlohmann::json node);
  void Put(size_t collection, std::vector<nlohmann::json> nodes);
  bool Remove(size_t collection, const std::string& id);
  void Handle(const httplib::Request& req, httplib::Response& res);
  void Respond(const httplib::Request& req, httplib::Response& res);
  std::optional<Fault> TakeFault(const std::string& operation);
  Answer Execute(const ParsedRequest& request, bool empty_page_with_next);
  Answer RunPage(const PageRequest& page, bool empty_page_with_next);
  Answer RunHead() const;
  PageSlice Slice(const PageRequest& page) const;
  void ServeHugeBody(httplib::Response& res);
  // Waits up to `delay`; returns early when the server is stopping.
  void InterruptibleSleep(std::chrono::milliseconds delay);

  LoopbackServer loopback_;

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  CollectionData collections_[kCollectionCount] ABSL_GUARDED_BY(mu_);
  uint64_t anonymous_ids_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t distribution_clock_ms_ ABSL_GUARDED_BY(mu_) = kGenesisUnixMs;
  std::deque<PendingFault> faults_ ABSL_GUARDED_BY(mu_);
  bool repeat_last_item_ ABSL_GUARDED_BY(mu_) = false;
  bool reverse_within_page_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace curation::fakes
