import { timestampDate, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { describeDue } from "./labels";

/** Milliseconds since the epoch, updated every second so countdowns move. */
export function useNowMs(): number {
  const [nowMs, setNowMs] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNowMs(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return nowMs;
}

/** A countdown to `due`, with the exact local time as its tooltip. */
export function DueTime({ due, nowMs }: { due: Timestamp; nowMs: number }) {
  const dueDate = timestampDate(due);
  return (
    <time dateTime={dueDate.toISOString()} title={dueDate.toLocaleString()}>
      {describeDue(timestampMs(due), nowMs)}
    </time>
  );
}

/** A moment in the viewer's local time, with the exact UTC time as its tooltip. */
export function Moment({ at }: { at: Timestamp | undefined }) {
  if (at === undefined) {
    return <span class="placeholder">never</span>;
  }
  const date = timestampDate(at);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}
