#include <curation/modlog/modlog_service.hpp>

#include <condition_variable>
#include <mutex>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/logging.hpp>
#include <curation/common/page_token.hpp>

namespace curation::modlog {
namespace {

// How long a new entry may wait to be sealed; sealing in batches keeps it cheap under load.
constexpr std::chrono::milliseconds kSealEvery{200};
constexpr int kExportPage = 1000;

// Ids of entries: a page token's position.
constexpr PositionRange kEntryIds{.min = 1};

// What a page token of ListEntries is bound to.
std::string PageQueryOf(const EntryFilter& filter) {
  auto millis = [](const std::optional<TimePoint>& time) {
    return time ? absl::StrCat(std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count())
                : std::string();
  };
  return PageQuery({"modlog.entries", millis(filter.start), millis(filter.end), filter.actor, filter.target_kind,
                    filter.target_id, absl::StrJoin(filter.kinds, ","), filter.in_channel_id});
}

}  // namespace

absl::Status ValidateFilter(const EntryFilter& filter) {
  for (const std::string& kind : filter.kinds) {
    if (!kEntryKinds.FromDb(kind)) {
      return absl::InvalidArgumentError(absl::StrCat("kinds: unknown entry kind '", kind, "'"));
    }
  }
  if (!filter.target_kind.empty() && !kTargetKinds.FromDb(filter.target_kind)) {
    return absl::InvalidArgumentError("target_kind must be video or channel");
  }
  if (!filter.target_id.empty() && filter.target_kind.empty()) {
    return absl::InvalidArgumentError("target_id needs a target_kind (video or channel)");
  }
  if (filter.start && filter.end && *filter.end <= *filter.start) {
    return absl::InvalidArgumentError("end_time must be after start_time");
  }
  return absl::OkStatus();
}

absl::StatusOr<EntryPage> ModerationLogService::ListEntries(const EntryQuery& query,
                                                            std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(int size, PageSize(query.page_size));
  RETURN_IF_ERROR(ValidateFilter(query.filter));
  const std::string page_query = PageQueryOf(query.filter);
  ASSIGN_OR_RETURN(auto position, DecodePageToken(query.page_token, page_query, {kEntryIds}));
  ASSIGN_OR_RETURN(auto entries, store_.List(query.filter, position ? (*position)[0] : 0, size + 1, deadline));
  EntryPage page;
  if (static_cast<int>(entries.size()) > size) {
    entries.resize(size);
    page.next_page_token = EncodePageToken(page_query, {entries.back().id});
  }
  page.entries = std::move(entries);
  return page;
}

absl::StatusOr<Entry> ModerationLogService::GetEntry(int64_t id, std::optional<TimePoint> deadline) {
  if (id <= 0) {
    return absl::InvalidArgumentError("id must be a positive entry id");
  }
  return store_.Get(id, deadline);
}

absl::StatusOr<VerifyReport> ModerationLogService::Verify(VerifyScope scope) {
  RETURN_IF_ERROR(store_.SealAll());
  return store_.Verify(scope);
}

absl::Status ModerationLogService::Export(const EntryFilter& filter,
                                          const std::function<bool(const Entry&)>& write) {
  RETURN_IF_ERROR(ValidateFilter(filter));
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(auto entries, store_.List(filter, after, kExportPage));
    for (const Entry& entry : entries) {
      if (!write(entry)) {
        return absl::CancelledError("the export was cancelled");
      }
      after = entry.id;
    }
    if (static_cast<int>(entries.size()) < kExportPage) {
      return absl::OkStatus();
    }
  }
}

void ModerationLogService::RunSealer(std::stop_token stop) {
  bool failing = false;
  while (!stop.stop_requested()) {
    absl::Status sealed = store_.SealAll();
    if (sealed.ok() == failing) {  // log the change, not every retry
      failing = !sealed.ok();
      auto log = ComponentLogger("modlog");
      failing ? log->warn("sealing log entries failed: {}", sealed) : log->info("sealing log entries again");
    }
    PauseFor(stop, kSealEvery);
  }
}

}  // namespace curation::modlog
