/**
 * Do the annotations fit the bars? A timezone mismatch moves every span onto the wrong bars without any
 * single value being wrong, so `data windows` checks the two files against each other and says so loudly
 * (with counts), and `--strict` makes it an error:
 *
 *  - zone conventions differ: one file has naive times (read in `--timezone`, UTC by default) and the other
 *    absolute ones (an offset, Z or epoch), and no `--timezone` was given — the naive side was read as UTC
 *    by assumption. With `--timezone` the two are reconciled on purpose, which is only noted.
 *  - annotation times on no bar: before the first bar, after the last bar's end, or inside a break (a
 *    weekend, a session break): any such time is reported.
 *  - annotation times between bar timestamps (inside a bar, snapped to it): reported when more than 10% of
 *    the times are, since exact bar times are the norm and a shifted clock makes them the rule.
 */
import { lastAtOrBefore } from "./event_bars.js";
import type { AnnotationSet } from "./annotations.js";
import type { BarSeries } from "./bars.js";

/** More than this fraction of annotation times off bar timestamps is reported. */
export const SNAPPED_WARNING_FRACTION = 0.1;

export interface AlignmentReport {
  /** Annotation times checked: start and end of every event. */
  times: number;
  /** Times equal to a bar timestamp. */
  onBar: number;
  /** Times inside a bar (after its timestamp, before its end): snapped. */
  insideBar: number;
  /** Times between one bar's end and the next bar (a break): on no bar. */
  inBreak: number;
  /** Times before the first bar or after the last bar's end. */
  outside: number;
  /** The warnings (empty when the files agree); `--strict` refuses them. */
  warnings: string[];
  /** Notes that are not warnings (the zones were reconciled by --timezone). */
  notes: string[];
}

const describeConvention = (convention: string, zone: string): string =>
  convention === "naive" ? `naive times (no zone, read as ${zone === "UTC" ? "UTC" : `${zone} local time`})` : "times with a zone (offset, Z or epoch)";

/** Check `annotations` against `bars`; `timezone` is the `--timezone` given, if any. */
export function checkAlignment(bars: BarSeries, annotations: AnnotationSet, timezone: string | undefined): AlignmentReport {
  const { timestamps, intervalMs } = bars;
  const width = Number.isFinite(intervalMs) ? intervalMs : 0;
  const n = timestamps.length;
  const report: AlignmentReport = { times: 0, onBar: 0, insideBar: 0, inBreak: 0, outside: 0, warnings: [], notes: [] };
  for (const event of annotations.events) {
    for (const t of [event.start, event.end]) {
      report.times++;
      const i = lastAtOrBefore(timestamps, t);
      if (i < 0) report.outside++;
      else if (timestamps[i] === t) report.onBar++;
      else if (t < timestamps[i]! + width) report.insideBar++;
      else if (i === n - 1) report.outside++;
      else report.inBreak++;
    }
  }

  const barsConvention = bars.timestampConvention;
  const eventsConvention = annotations.timestampConvention;
  if (barsConvention !== "none" && eventsConvention !== "none" && barsConvention !== eventsConvention) {
    const what =
      `${bars.source} has ${describeConvention(barsConvention, bars.timezone)} but ${annotations.source} has ` +
      `${describeConvention(eventsConvention, annotations.timezone)}`;
    if (timezone === undefined) {
      report.warnings.push(
        `${what}: if the naive times are local time, every span lands on the wrong bars; ` +
          "pass --timezone ZONE (e.g. America/New_York) to read them in their zone",
      );
    } else report.notes.push(`${what}; --timezone ${timezone} reconciles them`);
  }
  const noBar = report.inBreak + report.outside;
  if (noBar > 0) {
    report.warnings.push(
      `${noBar} of ${report.times} annotation times fall on no bar (${report.inBreak} inside a break between bars, ` +
        `${report.outside} outside the data): their events are rejected; a zone or clock mismatch?`,
    );
  }
  if (report.times > 0 && report.insideBar > SNAPPED_WARNING_FRACTION * report.times) {
    report.warnings.push(
      `${report.insideBar} of ${report.times} annotation times fall between bar timestamps (inside a bar; snapped to it): ` +
        "annotations usually name bar timestamps (a bar is named by its open time); a zone or clock mismatch?",
    );
  }
  return report;
}
