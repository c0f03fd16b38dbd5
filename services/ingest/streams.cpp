#include <curation/ingest/streams.hpp>

#include <cassert>
#include <utility>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& GraphqlDocuments();
}

namespace curation::ingest {

const std::vector<StreamSpec>& Streams() {
  static const std::vector<StreamSpec> streams = {
      {"distribution.buckets", "DistributionBucketsUpdated", "distribution.graphql", Entity::kDistributionBucket,
       KeyKind::kTime, {}, {}, true, true},
      {"distribution.operators", "DistributionOperatorsUpdated", "distribution.graphql",
       Entity::kDistributionOperator, KeyKind::kTime, {}, {}, true, true},
      {"distribution.bags", "StorageBagsUpdated", "distribution.graphql", Entity::kStorageBag, KeyKind::kTime, {}, {},
       true},
      {"categories.created", "CategoriesCreated", "categories.graphql", Entity::kCategory, KeyKind::kBlock},
      {"categories.updated", "CategoriesUpdated", "categories.graphql", Entity::kCategory, KeyKind::kTime},
      {"channels.created", "ChannelsCreated", "channels.graphql", Entity::kChannel, KeyKind::kBlock},
      {"channels.updated", "ChannelsUpdated", "channels.graphql", Entity::kChannel, KeyKind::kTime},
      {"videos.created", "VideosCreated", "videos.graphql", Entity::kVideo, KeyKind::kBlock},
      {"videos.updated", "VideosUpdated", "videos.graphql", Entity::kVideo, KeyKind::kTime},
      {"events.video_visibility", "VideoVisibilityEvents", "moderator_events.graphql", Entity::kModeratorEvent,
       KeyKind::kBlock, ModeratorEventKind::kVideoVisibility, TargetKind::kVideo},
      {"events.channel_visibility", "ChannelVisibilityEvents", "moderator_events.graphql", Entity::kModeratorEvent,
       KeyKind::kBlock, ModeratorEventKind::kChannelVisibility, TargetKind::kChannel},
      {"events.video_assets_deleted", "VideoAssetsDeletedEvents", "moderator_events.graphql",
       Entity::kModeratorEvent, KeyKind::kBlock, ModeratorEventKind::kVideoAssetsDeleted, TargetKind::kVideo},
      {"events.channel_assets_deleted", "ChannelAssetsDeletedEvents", "moderator_events.graphql",
       Entity::kModeratorEvent, KeyKind::kBlock, ModeratorEventKind::kChannelAssetsDeleted, TargetKind::kChannel},
  };
  return streams;
}

const std::string& QueryDocument(const std::string& file) {
  for (const auto& [name, text] : embedded::GraphqlDocuments()) {
    if (name == file) {
      return text;
    }
  }
  assert(false && "every stream names a document compiled into the binary");
  static const std::string kMissing;
  return kMissing;
}

}  // namespace curation::ingest
