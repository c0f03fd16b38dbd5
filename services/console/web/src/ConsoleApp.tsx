import { useCallback, useEffect, useState } from "preact/hooks";
import {
  createReviewClient,
  currentSession,
  describeCallError,
  isCanceled,
  isUnauthenticated,
  type SessionPrincipal,
} from "./api";
import { ItemScreen } from "./ItemScreen";
import { noFilter, type QueueFilter } from "./QueueFilters";
import { QueueScreen } from "./QueueScreen";
import { SignInScreen } from "./SignInScreen";

// No token or session id in it: the cookie carries the session, so one client serves every
// session this page sees.
const client = createReviewClient();

type SessionState =
  | { kind: "resuming" }
  | { kind: "signed-out"; because: string }
  | { kind: "signed-in"; principal: SessionPrincipal };

/**
 * The console: on load it asks curationd whether the session cookie still names a live
 * session (so a reload keeps the curator signed in); then the sign-in screen until there is a
 * session, the queue while there is one.
 */
export function ConsoleApp() {
  const [session, setSession] = useState<SessionState>({ kind: "resuming" });

  useEffect(() => {
    const lifetime = new AbortController();
    currentSession(lifetime.signal).then(
      (principal) => setSession({ kind: "signed-in", principal }),
      (callError: unknown) => {
        if (isCanceled(callError)) {
          return;
        }
        // No session is the usual case on a first visit, not something to report.
        setSession({
          kind: "signed-out",
          because: isUnauthenticated(callError) ? "" : describeCallError(callError),
        });
      },
    );
    return () => lifetime.abort();
  }, []);

  // Stable across renders, so the queue's refresh timer is not restarted by one.
  const signedIn = useCallback(
    (principal: SessionPrincipal) => setSession({ kind: "signed-in", principal }),
    [],
  );
  const signedOut = useCallback(() => setSession({ kind: "signed-out", because: "" }), []);
  const sessionEnded = useCallback(
    (message: string) => setSession({ kind: "signed-out", because: message }),
    [],
  );

  switch (session.kind) {
    case "resuming":
      return (
        <main class="sign-in">
          <h1>Curation console</h1>
          <p role="status">Checking for a session&hellip;</p>
        </main>
      );
    case "signed-out":
      return <SignInScreen initialError={session.because} onSignedIn={signedIn} />;
    case "signed-in":
      return (
        <Workspace principal={session.principal} onSignedOut={signedOut} onSessionEnded={sessionEnded} />
      );
  }
}

interface WorkspaceProps {
  principal: SessionPrincipal;
  onSignedOut: () => void;
  onSessionEnded: (message: string) => void;
}

/** The queue, or one of its items with the queue's rows (as they were) to step through. */
function Workspace({ principal, onSignedOut, onSessionEnded }: WorkspaceProps) {
  const [open, setOpen] = useState<{ ids: bigint[]; index: number } | null>(null);
  const [lastSeen, setLastSeen] = useState<bigint | null>(null);
  const [queueFilter, setQueueFilter] = useState<QueueFilter>(noFilter);

  const openItem = useCallback((ids: bigint[], index: number) => setOpen({ ids, index }), []);
  const back = useCallback(() => {
    setLastSeen(open === null ? null : (open.ids[open.index] ?? null));
    setOpen(null);
  }, [open]);
  const navigate = useCallback((step: 1 | -1) => {
    setOpen((current) =>
      current === null
        ? null
        : { ...current, index: Math.min(current.ids.length - 1, Math.max(0, current.index + step)) },
    );
  }, []);

  if (open === null) {
    return (
      <QueueScreen
        client={client}
        principal={principal}
        onSignedOut={onSignedOut}
        onSessionEnded={onSessionEnded}
        onOpenItem={openItem}
        focusItemId={lastSeen}
        filter={queueFilter}
        onFilterChange={setQueueFilter}
      />
    );
  }
  const itemId = open.ids[open.index] as bigint;
  return (
    <ItemScreen
      key={itemId.toString()}
      client={client}
      principal={principal}
      itemId={itemId}
      position={{ index: open.index, count: open.ids.length }}
      onNavigate={navigate}
      onBack={back}
      onSignedOut={onSignedOut}
      onSessionEnded={onSessionEnded}
    />
  );
}
