// Which thumbnail to show for a video (issue 16): the URLs of the distributor nodes serving its
// bag that have one, in the bag's order, tried one after the other as the player tries the
// nodes for the video. For the queue's rows the URLs are asked of ProbeService.GetVideoSources
// lazily and sparingly: only for rows in view, a few calls at a time, each video once for the
// page's life, so neither the refresh every 15 s nor a return from an item asks again.
import type { VideoSource } from "../gen/curation/v1/probe_pb";
import type { ProbeClient } from "./api";

// Each call reads the video's bag and the distributors serving it; a screenful of rows fills in
// within a few round trips without sending curationd a burst of a hundred of them.
const maxCallsInFlight = 4;

/** The sources that have a thumbnail, in the bag's order: the order to try them in. */
export function withThumbnails(sources: VideoSource[]): VideoSource[] {
  return sources.filter((source) => source.thumbnailUrl !== "");
}

/** Told a video's thumbnail URLs, in the order to try them; none when it has none. */
type Listener = (urls: string[]) => void;

/** The thumbnail URLs of the queue's videos, kept once known. */
export interface ThumbnailUrls {
  /** The URLs of `videoId` if a call has answered them already. */
  peek(videoId: string): string[] | undefined;
  /**
   * Calls `listener` once with the URLs of `videoId`: at once when known, else when the call
   * answers (none when it fails: a row keeps its placeholder, and the queue shows no error for
   * it). Returns a function that withdraws the request; a call that has not started by then and
   * that no one else waits for is not made.
   */
  request(videoId: string, listener: Listener): () => void;
}

/** The URLs of the videos asked for, from `probe`, at most maxCallsInFlight calls at a time. */
export function createThumbnailUrls(probe: ProbeClient): ThumbnailUrls {
  // Answered: the URLs by video id. A failed call is not kept, so the queue shown again (after
  // an item, or another screen) asks once more; its own refresh does not.
  const known = new Map<string, string[]>();
  // Asked for and not answered yet: who waits, by video id.
  const waiting = new Map<string, Set<Listener>>();
  // Video ids whose call has not started, first asked first.
  const queued: string[] = [];
  let inFlight = 0;

  const startCalls = () => {
    while (inFlight < maxCallsInFlight && queued.length > 0) {
      const videoId = queued.shift() as string;
      if (waiting.get(videoId)?.size === 0) {
        waiting.delete(videoId);  // every row that asked has gone (another screen, a filter)
        continue;
      }
      inFlight += 1;
      void call(videoId);
    }
  };

  const call = async (videoId: string) => {
    let urls: string[] = [];
    try {
      const answer = await probe.getVideoSources({ videoId });
      urls = withThumbnails(answer.sources).map((source) => source.thumbnailUrl);
      known.set(videoId, urls);
    } catch {
      // A thumbnail is a convenience: the placeholder says there is none, and a session that
      // ended shows on the queue's own calls.
    }
    inFlight -= 1;
    const listeners = waiting.get(videoId);
    waiting.delete(videoId);
    listeners?.forEach((listener) => listener(urls));
    startCalls();
  };

  return {
    peek: (videoId) => known.get(videoId),
    request(videoId, listener) {
      const urls = known.get(videoId);
      if (urls !== undefined) {
        listener(urls);
        return () => undefined;
      }
      let listeners = waiting.get(videoId);
      if (listeners === undefined) {
        listeners = new Set();
        waiting.set(videoId, listeners);
        queued.push(videoId);
      }
      listeners.add(listener);
      startCalls();
      const mine = listeners;
      return () => {
        mine.delete(listener);
      };
    },
  };
}
