import { formatMediaTime } from "./media_time";
import { utf8Bytes, visibleLength } from "./written_text";

// The server's limits (ReviewService::kMaxEvidenceNotes, kMaxEvidenceNoteBytes), checked here
// first so a curator hears of them while typing.
export const maxEvidenceNotes = 20;
export const maxEvidenceNoteBytes = 1000;

/** A note being written: where in the video, and what the curator saw there. */
export interface DraftNote {
  key: number;
  offsetSeconds: number;
  text: string;
}

/** What is wrong with `note` before it may be sent, or "" when nothing. */
export function evidenceNoteProblem(note: DraftNote): string {
  if (visibleLength(note.text) === 0) {
    return "write what is seen here, or remove the note";
  }
  const bytes = utf8Bytes(note.text).length;
  return bytes > maxEvidenceNoteBytes ? `${bytes - maxEvidenceNoteBytes} bytes too long` : "";
}

interface EvidenceNotesProps {
  notes: DraftNote[];
  onChange: (notes: DraftNote[]) => void;
  /** Adds a note at the player's current time (also the key n). */
  onAdd: () => void;
  onSeek: (seconds: number) => void;
  disabled: boolean;
}

/**
 * Timestamped evidence for the decision: each note at a time in the video (shown m:ss; a click
 * seeks there) with what the curator saw. Sent with DecideItem and kept in the log entry.
 */
export function EvidenceNotes({ notes, onChange, onAdd, onSeek, disabled }: EvidenceNotesProps) {
  return (
    <section class="evidence" aria-labelledby="evidence-heading">
      <h2 id="evidence-heading">Evidence notes</h2>
      {notes.length === 0 && <p class="placeholder">None yet. Pause where you see something and press n.</p>}
      <ol>
        {notes.map((note) => {
          const problem = evidenceNoteProblem(note);
          const time = formatMediaTime(note.offsetSeconds);
          return (
            <li key={note.key}>
              <button
                type="button"
                class="note-time"
                onClick={() => onSeek(note.offsetSeconds)}
                aria-label={`Seek to ${time}`}
              >
                {time}
              </button>
              <input
                type="text"
                id={`note-${note.key}`}
                value={note.text}
                disabled={disabled}
                aria-label={`Note at ${time}`}
                aria-invalid={note.text !== "" && problem !== ""}
                onInput={(typed) =>
                  onChange(
                    notes.map((kept) =>
                      kept.key === note.key ? { ...kept, text: (typed.currentTarget as HTMLInputElement).value } : kept,
                    ),
                  )
                }
              />
              <button
                type="button"
                disabled={disabled}
                onClick={() => onChange(notes.filter((kept) => kept.key !== note.key))}
              >
                Remove
              </button>
              {note.text !== "" && problem !== "" && <span class="help short"> {problem}</span>}
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={onAdd} disabled={disabled || notes.length >= maxEvidenceNotes} aria-keyshortcuts="n">
        Add a note at the current time <kbd>n</kbd>
      </button>
    </section>
  );
}
