#include <curation/review/review_grpc_service.hpp>

#include <map>

namespace curation::review {
namespace {

const std::map<std::string, v1::ItemState> kStateToProto = {{"open", v1::ITEM_STATE_OPEN},
                                                            {"claimed", v1::ITEM_STATE_CLAIMED},
                                                            {"decided", v1::ITEM_STATE_DECIDED},
                                                            {"escalated", v1::ITEM_STATE_ESCALATED}};
const std::map<std::string, v1::ItemReason> kReasonToProto = {{"new_video", v1::ITEM_REASON_NEW_VIDEO},
                                                              {"new_channel", v1::ITEM_REASON_NEW_CHANNEL},
                                                              {"assets_changed", v1::ITEM_REASON_ASSETS_CHANGED}};

const std::map<std::string, v1::Verdict> kVerdictToProto = {{"playable", v1::VERDICT_PLAYABLE},
                                                             {"degraded", v1::VERDICT_DEGRADED},
                                                             {"unplayable", v1::VERDICT_UNPLAYABLE}};

template <typename Map>
auto Lookup(const Map& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? typename Map::mapped_type{} : it->second;
}

void ToProto(const QueueItem& item, v1::Item* out) {
  const ItemRow& row = item.row;
  out->set_id(row.id);
  out->set_target_kind(row.target_kind == "video" ? v1::TARGET_KIND_VIDEO : v1::TARGET_KIND_CHANNEL);
  out->set_target_id(row.target_id);
  out->set_reason(Lookup(kReasonToProto, row.reason));
  out->set_title(row.title);
  out->set_channel_id(row.channel_id);
  out->set_channel_title(row.channel_title);
  out->set_category_id(row.category_id);
  out->set_category_name(row.category_name);
  *out->mutable_upload_time() = server::ToTimestamp(row.uploaded_at);
  *out->mutable_due_time() = server::ToTimestamp(row.due_at);
  *out->mutable_create_time() = server::ToTimestamp(row.created_at);
  out->set_state(Lookup(kStateToProto, row.state));
  out->set_at_risk(item.at_risk);
  out->set_breached(item.breached);
  out->set_playability(Lookup(kVerdictToProto, row.playability));
  out->set_playability_summary(row.playability_summary);
}

}  // namespace

grpc::Status ReviewGrpcService::ListItems(grpc::ServerContext* context, const v1::ListItemsRequest* request,
                                          v1::ListItemsResponse* response) {
  return server::Serve(metrics_, "ListItems", context, [&]() -> absl::Status {
    ListItemsQuery query;
    query.page_size = request->page_size();
    query.page_token = request->page_token();
    for (int state : request->states()) {
      auto it = std::find_if(kStateToProto.begin(), kStateToProto.end(),
                             [&](const auto& entry) { return entry.second == state; });
      if (it == kStateToProto.end()) {
        return absl::InvalidArgumentError("states: unknown item state " + std::to_string(state));
      }
      query.states.push_back(it->first);
    }
    ASSIGN_OR_RETURN(ItemPage page, logic_.ListItems(query, server::DeadlineOf(*context)));
    for (const QueueItem& item : page.items) {
      ToProto(item, response->add_items());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::GetItem(grpc::ServerContext* context, const v1::GetItemRequest* request,
                                        v1::Item* response) {
  return server::Serve(metrics_, "GetItem", context, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(QueueItem item, logic_.GetItem(request->id(), server::DeadlineOf(*context)));
    ToProto(item, response);
    return absl::OkStatus();
  });
}

}  // namespace curation::review
