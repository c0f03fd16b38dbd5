import { useState } from "preact/hooks";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Verdict } from "../gen/curation/v1/probe_pb";
import { ItemState, type ListItemsRequestSchema } from "../gen/curation/v1/review_pb";
import { submitted } from "./forms";
import { itemStateLabels, verdictLabels } from "./labels";

/** The queue's filters as the form holds them; an empty or unspecified one does not filter. */
export interface QueueFilter {
  state: ItemState;
  categoryId: string;
  channelId: string;
  playability: Verdict;
  atRiskOnly: boolean;
  breachedOnly: boolean;
  claimedBy: string;
}

export const noFilter: QueueFilter = {
  state: ItemState.UNSPECIFIED,
  categoryId: "",
  channelId: "",
  playability: Verdict.UNSPECIFIED,
  atRiskOnly: false,
  breachedOnly: false,
  claimedBy: "",
};

/** The ListItems request fields for `filter` (the server checks each, as it does curatorctl's). */
export function listRequestOf(filter: QueueFilter): MessageInitShape<typeof ListItemsRequestSchema> {
  return {
    states: filter.state === ItemState.UNSPECIFIED ? [] : [filter.state],
    categoryId: filter.categoryId.trim(),
    channelId: filter.channelId.trim(),
    playability: filter.playability,
    atRiskOnly: filter.atRiskOnly,
    breachedOnly: filter.breachedOnly,
    claimedBy: filter.claimedBy.trim(),
  };
}

export function isFiltered(filter: QueueFilter): boolean {
  return JSON.stringify(filter) !== JSON.stringify(noFilter);
}

// The states a list may ask for; "every state but decided" is the unspecified one.
const stateChoices = [ItemState.UNSPECIFIED, ItemState.OPEN, ItemState.CLAIMED, ItemState.ESCALATED, ItemState.DECIDED];
const verdictChoices = [Verdict.UNSPECIFIED, Verdict.PLAYABLE, Verdict.DEGRADED, Verdict.UNPLAYABLE];

interface QueueFiltersProps {
  applied: QueueFilter;
  onApply: (filter: QueueFilter) => void;
}

/**
 * The filters of `curatorctl queue list`, applied together when the form is submitted (Enter in
 * any field), so typing a channel id does not fire a request per keystroke.
 */
export function QueueFilters({ applied, onApply }: QueueFiltersProps) {
  const [draft, setDraft] = useState<QueueFilter>(applied);
  const set = <K extends keyof QueueFilter>(field: K, value: QueueFilter[K]) =>
    setDraft((current) => ({ ...current, [field]: value }));
  const textInput = (field: "categoryId" | "channelId" | "claimedBy", id: string, label: string) => (
    <div class="filter">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={draft[field]}
        maxLength={200}
        autocomplete="off"
        onInput={(event) => set(field, (event.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
  const check = (field: "atRiskOnly" | "breachedOnly", id: string, label: string) => (
    <div class="filter filter-check">
      <input
        id={id}
        type="checkbox"
        checked={draft[field]}
        onChange={(event) => set(field, (event.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{label}</label>
    </div>
  );
  // A select over an enum's values, which the option values carry as numbers.
  const choice = <K extends "state" | "playability">(
    field: K,
    id: string,
    label: string,
    values: QueueFilter[K][],
    words: (value: QueueFilter[K]) => string,
  ) => (
    <div class="filter">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={draft[field]}
        onChange={(event) => set(field, Number((event.currentTarget as HTMLSelectElement).value) as QueueFilter[K])}
      >
        {values.map((value) => (
          <option key={value} value={value}>
            {words(value)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form
      class="queue-filters"
      aria-label="Queue filters"
      onSubmit={submitted(() => onApply(draft))}
    >
      {choice("state", "filter-state", "State", stateChoices, (state) =>
        state === ItemState.UNSPECIFIED ? "All but decided" : itemStateLabels[state],
      )}
      {choice("playability", "filter-plays", "Plays", verdictChoices, (verdict) =>
        verdict === Verdict.UNSPECIFIED ? "Any" : verdictLabels[verdict],
      )}
      {textInput("categoryId", "filter-category", "Category id")}
      {textInput("channelId", "filter-channel", "Channel id")}
      {textInput("claimedBy", "filter-claimed-by", "Claimed by")}
      {check("atRiskOnly", "filter-at-risk", "At risk only")}
      {check("breachedOnly", "filter-breached", "Breached only")}
      <div class="filter-actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          disabled={!isFiltered(applied) && !isFiltered(draft)}
          onClick={() => {
            setDraft(noFilter);
            onApply(noFilter);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
