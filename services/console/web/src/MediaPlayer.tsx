import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Ref } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { SourceReport, VideoSource, VideoSources } from "../gen/curation/v1/probe_pb";
import { ColumnHeads } from "./ColumnHeads";
import { verdictBadgeClasses, verdictLabels } from "./labels";
import { withThumbnails } from "./thumbnails";
import { clip, neutralise } from "./untrusted_text";

// Atlas gives each node 2 s before it races them all; one node at a time is easier to follow for
// a curator, and a distributor filling its cache from storage can take longer than 2 s.
const stallTimeoutMs = 10_000;
// Node endpoints are on-chain text an operator writes.
const maxEndpointCodePoints = 120;

/** One node that did not play, and why, in words. */
interface Failure {
  node: string;
  why: string;
}

interface MediaPlayerProps {
  sources: VideoSources;
  /** Blurred and muted until revealed (the person's wellness setting). */
  shielded: boolean;
  revealed: boolean;
  onReveal: () => void;
  videoRef: Ref<HTMLVideoElement>;
}

/**
 * The video as Gleev plays it: from the distributor nodes that serve its bag, in the bag's
 * order (GetVideoSources), with a plain <video> element. A node whose answer the element cannot
 * play (a network or HTTP error, bytes it cannot decode, a truncated file) or that sends nothing
 * playable for stallTimeoutMs is given up for the next, and so is one that stops sending mid-play
 * for as long; a node that fails mid-play hands over at the same time. The thumbnail comes from the same nodes in the same order. Says which node
 * plays and which failed and why.
 */
export function MediaPlayer({ sources, shielded, revealed, onReveal, videoRef }: MediaPlayerProps) {
  const nodes = sources.sources.filter((source) => source.mediaUrl !== "");
  const [attempt, setAttempt] = useState(0);
  const [failures, setFailures] = useState<Failure[]>([]);
  const [playing, setPlaying] = useState(false);
  const liveAttempt = useRef(0);
  // Where, and whether playing, the node given up left off: the next one carries on from there.
  const resumeAt = useRef(0);
  const resumePlaying = useRef(false);
  // The element of the node that plays, and when it last had data to go on.
  const playingElement = useRef<HTMLVideoElement | null>(null);
  const hadDataAtMs = useRef(0);
  const current: VideoSource | undefined = nodes[attempt];
  const hidden = shielded && !revealed;

  // Each attempt reports once: a late event from a node already given up changes nothing.
  const giveUp = (failed: number, why: string, video: HTMLVideoElement | null) => {
    if (failed !== liveAttempt.current) {
      return;
    }
    liveAttempt.current = failed + 1;
    if (video !== null) {
      resumeAt.current = video.currentTime;
      resumePlaying.current = !video.paused;
    }
    setFailures((known) => [...known, { node: nodes[failed]?.nodeEndpoint ?? "", why }]);
    setPlaying(false);
    setAttempt(failed + 1);
  };

  useEffect(() => {
    if (current === undefined || playing) {
      return;
    }
    const mine = attempt;
    const timer = window.setTimeout(
      () => giveUp(mine, `sent nothing playable within ${stallTimeoutMs / 1000} s`, null),
      stallTimeoutMs,
    );
    return () => window.clearTimeout(timer);
  }, [attempt, playing]);
  // Once a node plays, a video left playing but short of data for stallTimeoutMs gives it up.
  // Watched by the clock, not by the element's "waiting" and "playing" events: a first version
  // timed from those stayed stuck on a stalled node in one test run of four.
  useEffect(() => {
    if (!playing) {
      return;
    }
    const mine = attempt;
    hadDataAtMs.current = Date.now();
    const timer = window.setInterval(() => {
      const video = playingElement.current;
      if (video === null || video.paused || video.ended || video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) {
        hadDataAtMs.current = Date.now();
      } else if (Date.now() - hadDataAtMs.current >= stallTimeoutMs) {
        giveUp(mine, `stopped sending mid-play for ${stallTimeoutMs / 1000} s`, video);
      }
    }, 500);
    return () => window.clearInterval(timer);
  }, [attempt, playing]);

  const poster = usePoster(sources.sources);

  return (
    <section class="player" aria-labelledby="player-heading">
      <h2 id="player-heading">Video</h2>
      {sources.findings.length > 0 && (
        <ul class="findings">
          {sources.findings.map((finding) => (
            <li key={finding.code}>
              <code>{finding.code}</code> {clip(neutralise(finding.message), 300)}
            </li>
          ))}
        </ul>
      )}
      {current === undefined ? (
        <p class="error" role="status">
          {nodes.length === 0
            ? "No distributor node serves this video."
            : `No node played the video: all ${nodes.length} failed.`}
        </p>
      ) : (
        <div class={hidden ? "media shielded" : "media"}>
          <video
            key={attempt}
            ref={videoRef}
            src={current.mediaUrl}
            poster={poster.url || undefined}
            controls
            preload="auto"
            muted={hidden}
            playsInline
            onLoadedMetadata={(event) => {
              const video = event.currentTarget as HTMLVideoElement;
              if (resumeAt.current > 0) {
                video.currentTime = resumeAt.current;  // a node that failed mid-play hands over here
              }
            }}
            onLoadedData={(event) => {
              if (attempt === liveAttempt.current) {
                playingElement.current = event.currentTarget as HTMLVideoElement;
                setPlaying(true);
                if (resumePlaying.current) {
                  void (event.currentTarget as HTMLVideoElement).play().catch(() => undefined);
                }
              }
            }}
            onError={(event) => {
              const video = event.currentTarget as HTMLVideoElement;
              giveUp(attempt, describeMediaError(video.error), video);
            }}
          />
          {hidden && (
            <button type="button" class="reveal" onClick={onReveal} aria-keyshortcuts="r">
              Reveal the video and thumbnail <kbd>r</kbd>
            </button>
          )}
        </div>
      )}
      <p class="playing-from" role="status">
        {current === undefined
          ? ""
          : playing
            ? `Playing from ${clip(neutralise(current.nodeEndpoint), maxEndpointCodePoints)}`
            : `Trying ${clip(neutralise(current.nodeEndpoint), maxEndpointCodePoints)} (node ${attempt + 1} of ${nodes.length})\u2026`}
      </p>
      {failures.length > 0 && (
        <ul class="node-failures" aria-label="Nodes that did not play">
          {failures.map((failure, index) => (
            <li key={index}>
              Failed: {clip(neutralise(failure.node), maxEndpointCodePoints)}: {failure.why}
            </li>
          ))}
        </ul>
      )}
      {poster.url !== "" && (
        <figure class={hidden ? "thumbnail shielded" : "thumbnail"}>
          <img src={poster.url} alt="The video's thumbnail" />
          <figcaption>Thumbnail from {clip(neutralise(poster.node), maxEndpointCodePoints)}</figcaption>
        </figure>
      )}
      <SourceReports sources={sources} />
    </section>
  );
}

/**
 * The first thumbnail URL, in the bag's order, that loads as an image: each is tried by an
 * off-screen Image, so a node that fails for the thumbnail is skipped like one that fails for
 * the video.
 */
function usePoster(sources: VideoSource[]): { url: string; node: string } {
  const [poster, setPoster] = useState({ url: "", node: "" });
  useEffect(() => {
    const candidates = withThumbnails(sources);
    let cancelled = false;
    const tryFrom = (index: number) => {
      const candidate = candidates[index];
      if (cancelled || candidate === undefined) {
        return;
      }
      const image = new Image();
      image.onload = () => {
        if (!cancelled) {
          setPoster({ url: candidate.thumbnailUrl, node: candidate.nodeEndpoint });
        }
      };
      image.onerror = () => tryFrom(index + 1);
      image.src = candidate.thumbnailUrl;
    };
    tryFrom(0);
    return () => {
      cancelled = true;
    };
  }, [sources]);
  return poster;
}

/** What the media element says went wrong, in words; its own message quoted, neutralised. */
function describeMediaError(error: MediaError | null): string {
  if (error === null) {
    return "the player failed without saying why";
  }
  const what: Record<number, string> = {
    [MediaError.MEDIA_ERR_ABORTED]: "the download was aborted",
    [MediaError.MEDIA_ERR_NETWORK]: "a network error interrupted the download",
    [MediaError.MEDIA_ERR_DECODE]: "the bytes could not be decoded (damaged or truncated)",
    [MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED]:
      "the answer could not be played (an HTTP error such as 404, or a format the browser cannot open)",
  };
  const detail = error.message === "" ? "" : ` (${clip(neutralise(error.message), 200)})`;
  return `${what[error.code] ?? `media error ${error.code}`}${detail}`;
}

/** The latest probe's verdict per node, media and thumbnail, beside the player. */
function SourceReports({ sources }: { sources: VideoSources }) {
  if (sources.sources.length === 0) {
    return null;
  }
  return (
    <table class="source-reports">
      <caption>
        Latest probe per node
        {sources.probedAt === undefined ? " (not probed yet)" : `, ${timestampDate(sources.probedAt).toLocaleString()}`}
      </caption>
      <ColumnHeads names={["Node", "Media", "Thumbnail"]} />
      <tbody>
        {sources.sources.map((source) => (
          <tr key={source.mediaUrl}>
            <td>
              <bdi>{clip(neutralise(source.nodeEndpoint), maxEndpointCodePoints)}</bdi>
            </td>
            <td>
              <ReportCell report={source.mediaReport} />
            </td>
            <td>
              <ReportCell report={source.thumbnailReport} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ReportCell({ report }: { report: SourceReport | undefined }) {
  if (report === undefined) {
    return <span class="placeholder">not tried by the latest probe</span>;
  }
  return (
    <>
      <span class={verdictBadgeClasses[report.verdict]}>{verdictLabels[report.verdict]}</span>
      {report.httpStatus !== 0 && <span class="muted"> HTTP {report.httpStatus}</span>}
      {report.findings.length > 0 && (
        <ul class="findings">
          {report.findings.map((finding, index) => (
            <li key={index}>
              <code>{clip(neutralise(finding.code), 40)}</code> {clip(neutralise(finding.message), 300)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
