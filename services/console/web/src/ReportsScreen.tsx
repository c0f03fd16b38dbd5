import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  ReportFormat,
  type GetReportRequestSchema,
  type Report,
  type ReportSummary,
  type Term,
} from "../gen/curation/v1/report_pb";
import type { ReportClient } from "./api";
import { saveFile } from "./download";
import { submitted } from "./forms";
import type { KeyBinding } from "./KeyHelp";
import { ScreenFrame, useScreenState, type WorkspaceScreenProps } from "./ScreenFrame";

const keyBindings: KeyBinding[] = [];
// A report reads the whole period from the log; a long term takes a while.
const reportTimeoutMs = 120_000;
const dayMs = 86_400_000;

const downloads = [
  { format: ReportFormat.MARKDOWN, label: "Markdown (a forum post)" },
  { format: ReportFormat.CSV, label: "CSV" },
  { format: ReportFormat.JSON, label: "JSON" },
];

/** Which period the report covers: a council term, or whole UTC days from `from` to `to`. */
type Period = { kind: "term"; term: bigint } | { kind: "days"; from: string; to: string };

function periodRequest(period: Period, format: ReportFormat): MessageInitShape<typeof GetReportRequestSchema> {
  if (period.kind === "term") {
    return { period: { case: "term", value: period.term }, format };
  }
  // "to" is a day included; the range's end is exclusive.
  const start = new Date(`${period.from}T00:00:00Z`);
  const end = new Date(new Date(`${period.to}T00:00:00Z`).getTime() + dayMs);
  return {
    period: { case: "range", value: { startTime: timestampFromDate(start), endTime: timestampFromDate(end) } },
    format,
  };
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);

function termLabel(term: Term): string {
  const day = (at: Term["startTime"]) => (at === undefined ? "?" : utcDay(timestampDate(at)));
  return `Term ${term.number} (${day(term.startTime)} to ${day(term.endTime)})`;
}

/**
 * The council's report (ReportService): for a council term (ListTerms) or a period of days,
 * the HTML report shown in the page, and the Markdown, CSV and JSON forms to download.
 */
export function ReportsScreen({ client, session }: WorkspaceScreenProps<ReportClient>) {
  const screen = useScreenState(session);
  const { heading, setError, showCallError } = screen;
  const [terms, setTerms] = useState<Term[] | null>(null);
  const [period, setPeriod] = useState<Period>(() => {
    const today = utcDay(new Date());
    return { kind: "days", from: today, to: today };
  });
  const [shown, setShown] = useState<{ report: Report; html: string } | null>(null);
  const [loading, setLoading] = useState(false);
  const [notice, setNotice] = useState("");
  const lifetime = useRef(new AbortController());

  useEffect(() => {
    const screenLifetime = lifetime.current;
    heading.current?.focus();
    client.listTerms({}, { signal: screenLifetime.signal }).then((answer) => {
      setTerms(answer.terms);
      const latest = answer.terms[answer.terms.length - 1];
      if (latest !== undefined) {
        setPeriod({ kind: "term", term: latest.number });
      }
    }, showCallError);
    return () => screenLifetime.abort();
  }, []);


  const fetchReport = (format: ReportFormat) =>
    client.getReport(periodRequest(period, format), { signal: lifetime.current.signal, timeoutMs: reportTimeoutMs });

  const show = async () => {
    setLoading(true);
    setNotice("");
    try {
      const report = await fetchReport(ReportFormat.HTML);
      setShown({ report, html: new TextDecoder().decode(report.body) });
      setError("");
    } catch (callError) {
      showCallError(callError);
    } finally {
      setLoading(false);
    }
  };

  const download = async (format: ReportFormat) => {
    try {
      const report = await fetchReport(format);
      // A copy: the answer's bytes may sit in a shared buffer, which a Blob does not take.
      saveFile(report.fileName, report.contentType, [new Uint8Array(report.body)]);
      setNotice(`Saved ${report.fileName}.`);
      setError("");
    } catch (callError) {
      showCallError(callError);
    }
  };

  return (
    <ScreenFrame
      screen={screen}
      screenClass="reports-screen"
      title="Council report"
      keyBindings={keyBindings}
    >
      <PeriodForm terms={terms} period={period} onChange={setPeriod} onSubmit={() => void show()} busy={loading} />
      <section class="downloads" aria-labelledby="downloads-heading">
        <h2 id="downloads-heading">Download</h2>
        {downloads.map(({ format, label }) => (
          <button key={format} type="button" onClick={() => void download(format)}>
            {label}
          </button>
        ))}
        <p role="status" class="notice">
          {notice}
        </p>
      </section>
      {loading && (
        <p role="status" class="placeholder">
          Building the report&hellip;
        </p>
      )}
      {shown !== null && (
        <section class="report" aria-labelledby="report-heading">
          <h2 id="report-heading">
            The report{shown.report.term > 0n ? ` of term ${shown.report.term}` : ""}
          </h2>
          {shown.report.summary !== undefined && <SummaryCounts summary={shown.report.summary} />}
          <ReportFrame html={shown.html} />
        </section>
      )}
    </ScreenFrame>
  );
}

interface PeriodFormProps {
  terms: Term[] | null;
  period: Period;
  onChange: (period: Period) => void;
  onSubmit: () => void;
  busy: boolean;
}

function PeriodForm({ terms, period, onChange, onSubmit, busy }: PeriodFormProps) {
  const today = utcDay(new Date());
  const latestTerm = terms?.[terms.length - 1]?.number;
  return (
    <form
      class="period"
      aria-label="The report's period"
      onSubmit={submitted(onSubmit)}
    >
      <fieldset>
        <legend>Period</legend>
        <label>
          <input
            type="radio"
            name="period-kind"
            checked={period.kind === "term"}
            disabled={latestTerm === undefined}
            onChange={() => latestTerm !== undefined && onChange({ kind: "term", term: latestTerm })}
          />
          A council term
        </label>
        <label>
          <input
            type="radio"
            name="period-kind"
            checked={period.kind === "days"}
            onChange={() => onChange({ kind: "days", from: today, to: today })}
          />
          Days (UTC)
        </label>
      </fieldset>
      {period.kind === "term" ? (
        <label>
          <span id="term-label">Term</span>
          <select
            aria-labelledby="term-label"
            value={period.term.toString()}
            onChange={(event) => onChange({ kind: "term", term: BigInt(event.currentTarget.value) })}
          >
            {(terms ?? []).map((term) => (
              <option key={term.number.toString()} value={term.number.toString()}>
                {termLabel(term)}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <>
          <label>
            From
            <input
              type="date"
              required
              value={period.from}
              onInput={(event) => onChange({ ...period, from: event.currentTarget.value })}
            />
          </label>
          <label>
            To (included)
            <input
              type="date"
              required
              value={period.to}
              onInput={(event) => onChange({ ...period, to: event.currentTarget.value })}
            />
          </label>
        </>
      )}
      {terms !== null && terms.length === 0 && <p class="help">No council terms are configured (report.terms).</p>}
      <button type="submit" disabled={busy}>
        Show the report
      </button>
    </form>
  );
}

/** The four errors the council counts, as every format of the report states them. */
function SummaryCounts({ summary }: { summary: ReportSummary }) {
  return (
    <dl class="counts">
      <div class={summary.lateVideos > 0n ? "count-breached" : undefined}>
        <dt>Videos decided late or never</dt>
        <dd>{summary.lateVideos.toString()}</dd>
      </div>
      <div class={summary.unjustifiedChainActions > 0n ? "count-breached" : undefined}>
        <dt>Unjustified chain actions</dt>
        <dd>{summary.unjustifiedChainActions.toString()}</dd>
      </div>
      <div class={summary.logIntact ? undefined : "count-breached"}>
        <dt>The log</dt>
        <dd>{summary.logIntact ? "intact" : "BROKEN"}</dd>
      </div>
      <div class={summary.incidentsNotFixedInTime > 0n ? "count-breached" : undefined}>
        <dt>Incidents not fixed in time</dt>
        <dd>{summary.incidentsNotFixedInTime.toString()}</dd>
      </div>
      <div>
        <dt>Actions</dt>
        <dd>{summary.actions.toString()}</dd>
      </div>
      <div>
        <dt>Uploads</dt>
        <dd>{summary.uploads.toString()}</dd>
      </div>
    </dl>
  );
}

// A <style> element of the report. render_html.cpp escapes every "<" of the text it renders,
// so only its own markup can open or close one.
const styleElement = /<style>([\s\S]*?)<\/style>/g;

/**
 * The report's HTML without its <style> elements, and their text: the frame gets the one, and
 * adopts the other as constructed stylesheets. (Parsing it into a document instead, e.g. with
 * DOMParser, makes Chromium check the page's policy against those elements.)
 */
function withoutStyleElements(html: string): { html: string; styles: string[] } {
  const styles = Array.from(html.matchAll(styleElement), (match) => match[1] ?? "");
  return { html: html.replace(styleElement, ""), styles };
}

/**
 * The HTML report in a sandboxed frame: no scripts (the sandbox allows none, and the page's
 * Content-Security-Policy, which a srcdoc frame inherits, allows only this app's own), nothing
 * loaded (the report's own policy is default-src 'none'). That inherited policy (style-src
 * 'self') would also refuse the report's inline <style>; rather than loosen the page's policy,
 * the console takes the stylesheets out of the report and gives them to the frame as
 * constructed stylesheets, which the policy does not govern. The sandbox keeps the frame's
 * origin (allow-same-origin) only so the console can do that.
 */
function ReportFrame({ html }: { html: string }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const report = useMemo(() => withoutStyleElements(html), [html]);
  const adoptStyles = () => {
    const frameWindow = frame.current?.contentWindow as (Window & typeof globalThis) | null | undefined;
    const frameDocument = frame.current?.contentDocument;
    if (!frameWindow || !frameDocument) {
      return;
    }
    frameDocument.adoptedStyleSheets = report.styles.map((css) => {
      const sheet = new frameWindow.CSSStyleSheet();
      sheet.replaceSync(css);
      return sheet;
    });
  };
  return (
    <iframe
      ref={frame}
      class="report-frame"
      title="The report, as HTML"
      sandbox="allow-same-origin"
      srcdoc={report.html}
      onLoad={adoptStyles}
    />
  );
}
