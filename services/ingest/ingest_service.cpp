#include <curation/ingest/ingest_service.hpp>

#include <algorithm>

#include <absl/strings/str_cat.h>

namespace curation::ingest {

absl::StatusOr<IngestStatusView> IngestService::GetStatus(std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(IngestState state, store_.ReadState(deadline));
  IngestStatusView view;
  view.streams = state.streams;
  view.rejected_items = state.rejected_items;
  std::optional<Mark> high_water;
  bool every_stream_succeeded = true;
  for (const StreamSpec& spec : Streams()) {
    auto it = std::find_if(state.streams.begin(), state.streams.end(),
                           [&](const StreamState& s) { return s.name == spec.name; });
    const StreamState& stream = *it;
    if (spec.key_kind == KeyKind::kBlock) {
      // Complete up to its mark, or further if it last found nothing more up to the head.
      Mark complete = std::max(stream.mark.value_or(-1), stream.caught_up_block.value_or(-1));
      high_water = high_water ? std::min(*high_water, complete) : complete;
    }
    // The whole pipeline last succeeded when its least recent stream did.
    if (!stream.last_success) {
      every_stream_succeeded = false;
    } else if (!view.last_success || *stream.last_success < *view.last_success) {
      view.last_success = stream.last_success;
    }
    if (stream.last_error_time && (!view.last_error_time || *stream.last_error_time > *view.last_error_time)) {
      view.last_error_time = stream.last_error_time;
      view.last_error = stream.name + ": " + stream.last_error;
    }
  }
  if (state.head_error_time && (!view.last_error_time || *state.head_error_time > *view.last_error_time)) {
    view.last_error_time = state.head_error_time;
    view.last_error = "head: " + state.head_error;
  }
  if (!every_stream_succeeded) {
    view.last_success.reset();
  }
  view.high_water_block = std::max<Mark>(high_water.value_or(-1), 0);
  if (state.head) {
    view.head_block = state.head->block;
    view.head_time = state.head->time;
    view.head_check_time = state.head_checked;
    view.lag_blocks = std::max<int64_t>(0, state.head->block - high_water.value_or(-1));
    view.lag = view.lag_blocks * kBlockTime;
  }
  return view;
}

absl::Status IngestService::StartBackfill(int64_t from_block, std::optional<TimePoint> deadline) {
  if (from_block < 0) {
    return absl::InvalidArgumentError("from_block must be 0 (genesis) or a positive block number");
  }
  // A block past the head has nothing to read again: the rewind would leave every mark where
  // it is and answer as if it had started something.
  if (from_block > 0) {
    ASSIGN_OR_RETURN(IngestState state, store_.ReadState(deadline));
    if (!state.head) {
      return absl::FailedPreconditionError(
          "the chain head is not known yet (curationd has not read it from the query node): backfill from block 0, "
          "or again once `curatorctl ingest status` shows the head");
    }
    if (from_block > state.head->block) {
      return absl::OutOfRangeError(absl::StrCat("from_block ", from_block, " is beyond the chain head (block ",
                                                state.head->block, "): give a block at or below it"));
    }
  }
  return store_.RewindBlockMarks(from_block, deadline);
}

}  // namespace curation::ingest
