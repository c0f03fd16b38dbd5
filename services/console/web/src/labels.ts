// Words for the protos' enums and durations. Each table is a Record over the whole enum, so a
// value added to a .proto fails the type check until it has its words here.
import { IncidentState } from "../gen/curation/v1/alert_pb";
import { ChainStatus, EntryKind } from "../gen/curation/v1/moderation_log_pb";
import { Action, ItemReason, ItemState, TargetKind } from "../gen/curation/v1/review_pb";
import { Verdict } from "../gen/curation/v1/probe_pb";

export const itemStateLabels: Record<ItemState, string> = {
  [ItemState.UNSPECIFIED]: "Unknown",
  [ItemState.OPEN]: "Open",
  [ItemState.CLAIMED]: "Claimed",
  [ItemState.DECIDED]: "Decided",
  [ItemState.ESCALATED]: "Escalated",
};

export const verdictLabels: Record<Verdict, string> = {
  [Verdict.UNSPECIFIED]: "Not probed",
  [Verdict.PLAYABLE]: "Playable",
  [Verdict.DEGRADED]: "Degraded",
  [Verdict.UNPLAYABLE]: "Unplayable",
};

/** A CSS class per verdict; the badge's words carry the meaning, the colour only repeats it. */
export const verdictBadgeClasses: Record<Verdict, string> = {
  [Verdict.UNSPECIFIED]: "badge badge-unprobed",
  [Verdict.PLAYABLE]: "badge badge-playable",
  [Verdict.DEGRADED]: "badge badge-degraded",
  [Verdict.UNPLAYABLE]: "badge badge-unplayable",
};

/** "in 4 h 12 min" or "3 min 5 s overdue": the time from `nowMs` to `dueMs`, coarser when far. */
export function describeDue(dueMs: number, nowMs: number): string {
  const secondsLeft = Math.trunc((dueMs - nowMs) / 1000);
  const span = describeSpan(Math.abs(secondsLeft));
  return secondsLeft >= 0 ? `in ${span}` : `${span} overdue`;
}

function describeSpan(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) {
    return `${days} d ${hours} h`;
  }
  if (hours > 0) {
    return `${hours} h ${minutes} min`;
  }
  if (minutes > 0) {
    return `${minutes} min ${seconds} s`;
  }
  return `${seconds} s`;
}

export const targetKindLabels: Record<TargetKind, string> = {
  [TargetKind.UNSPECIFIED]: "Unknown",
  [TargetKind.VIDEO]: "Video",
  [TargetKind.CHANNEL]: "Channel",
};

export const itemReasonLabels: Record<ItemReason, string> = {
  [ItemReason.UNSPECIFIED]: "Unknown",
  [ItemReason.NEW_VIDEO]: "New video",
  [ItemReason.NEW_CHANNEL]: "New channel",
  [ItemReason.ASSETS_CHANGED]: "Assets changed",
  [ItemReason.UNJUSTIFIED_CHAIN_ACTION]: "Moderator action on chain without a log entry",
};

export const actionLabels: Record<Action, string> = {
  [Action.UNSPECIFIED]: "Unknown",
  [Action.APPROVE]: "Approve",
  [Action.WARN]: "Warn",
  [Action.CENSOR]: "Censor",
  [Action.ESCALATE]: "Escalate",
  [Action.REVERT]: "Revert",
};

export const entryKindLabels: Record<EntryKind, string> = {
  [EntryKind.UNSPECIFIED]: "Unknown",
  [EntryKind.APPROVE]: "Approve",
  [EntryKind.WARN]: "Warn",
  [EntryKind.CENSOR]: "Censor",
  [EntryKind.ESCALATE]: "Escalate",
  [EntryKind.REVERT]: "Revert",
  [EntryKind.CHAIN_CONFIRMED]: "Confirmed on chain",
  [EntryKind.CHAIN_UNJUSTIFIED]: "Unjustified chain action",
  [EntryKind.CHAIN_PREEXISTING]: "Chain action from before the log",
};

export const chainStatusLabels: Record<ChainStatus, string> = {
  [ChainStatus.UNSPECIFIED]: "\u2014",
  [ChainStatus.PENDING]: "Pending on chain",
  [ChainStatus.CONFIRMED]: "Confirmed on chain",
};

export const incidentStateLabels: Record<IncidentState, string> = {
  [IncidentState.UNSPECIFIED]: "Unknown",
  [IncidentState.FIRING]: "Firing",
  [IncidentState.ACKNOWLEDGED]: "Acknowledged",
  [IncidentState.RESOLVED]: "Resolved",
};
