import { useEffect, useRef, useState } from "preact/hooks";
import type { ThumbnailUrls } from "./thumbnails";

// The box of every row's thumbnail, 16:9 like Joystream's; the <img> carries it too, so a row
// has its final height before the image comes, and keeps it when there is none (app.css).
const thumbnailWidth = 80;
const thumbnailHeight = 45;
// Asked for a little before the row scrolls into view, so the image is there when it does.
const lookAhead = "200px";

interface QueueThumbnailProps {
  thumbnails: ThumbnailUrls;
  videoId: string;
  /** Blurred (the person's wellness setting); revealed on the item screen only. */
  shielded: boolean;
}

/**
 * A queue row's thumbnail: the video's URLs asked for once the row comes near the view, then
 * the first tried and, on an error, the next node's; a neutral box labelled "no thumbnail" when
 * the video has none or none loads. Decorative (alt=""): the row's title says what it is.
 */
export function QueueThumbnail({ thumbnails, videoId, shielded }: QueueThumbnailProps) {
  const box = useRef<HTMLSpanElement>(null);
  const [urls, setUrls] = useState(() => thumbnails.peek(videoId));
  // How many of `urls` failed to load.
  const [failed, setFailed] = useState(0);

  // After the row has painted: the rows never wait for their thumbnails.
  useEffect(() => {
    const element = box.current;
    if (urls !== undefined || element === null) {
      return;
    }
    let withdraw: (() => void) | undefined;
    const observer = new IntersectionObserver(
      (entries) => {
        if (withdraw === undefined && entries.some((entry) => entry.isIntersecting)) {
          observer.disconnect();
          withdraw = thumbnails.request(videoId, setUrls);
        }
      },
      { rootMargin: lookAhead },
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      withdraw?.();
    };
  }, [thumbnails, videoId]);

  const url = urls?.[failed];
  return (
    <span ref={box} class={shielded ? "queue-thumbnail shielded" : "queue-thumbnail"}>
      {url !== undefined ? (
        <img
          key={url}
          src={url}
          alt=""
          width={thumbnailWidth}
          height={thumbnailHeight}
          loading="lazy"
          decoding="async"
          referrerpolicy="no-referrer"
          onError={() => setFailed((count) => count + 1)}
        />
      ) : (
        urls !== undefined && <span class="no-thumbnail" role="img" aria-label="no thumbnail" />
      )}
    </span>
  );
}
