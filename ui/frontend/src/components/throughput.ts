// Throughput over the last hour: how many tasks completed and failed in each
// minute. The server counts it from the database (/api/throughput); a server
// without that route gets it measured by the page itself, from the change of
// the status counts between two refreshes, kept for the browser tab's life so
// that moving between pages keeps the history.

import { s } from "../dom";
import { count } from "../format";
import type { StatusCounts, ThroughputAnswer } from "../types";

const minutes = 60;
const minuteMs = 60_000;

/** Bucket is one minute of the chart. */
export interface Bucket {
  completed: number;
  failed: number;
  /** the minute's start (RFC 3339) when the server counted it */
  at?: string;
}

/** Source says who counted the series: the database or the page. */
export type Source = "database" | "page";

/** fromServer turns an answer of /api/throughput into a series. */
export function fromServer(answer: ThroughputAnswer): Bucket[] {
  return answer.minutes.map((m) => ({ completed: m.completed, failed: m.failed, at: m.at }));
}

interface State {
  last: { t: number; completed: number; failed: number } | null;
  buckets: Record<string, Bucket>;
}

/** Throughput accumulates samples of the status counts. */
export class Throughput {
  private state: State;

  constructor(private readonly storageKey: string) {
    this.state = { last: null, buckets: {} };
    try {
      const raw = sessionStorage.getItem(storageKey);
      if (raw) this.state = JSON.parse(raw) as State;
    } catch {
      // a damaged entry starts the history again
    }
  }

  /** record adds a sample taken at now (milliseconds since the epoch). */
  record(counts: StatusCounts, now = Date.now()): void {
    const cur = { t: now, completed: counts.completed ?? 0, failed: counts.failed ?? 0 };
    const last = this.state.last;
    const minute = String(Math.floor(now / minuteMs));
    const bucket = this.state.buckets[minute] ?? { completed: 0, failed: 0 };
    // Counts fall when finished tasks are cleaned up or deleted; such a fall
    // is not throughput, and a long pause (a sleeping laptop) is not one
    // minute's work either.
    if (last && now - last.t < 5 * minuteMs) {
      bucket.completed += Math.max(0, cur.completed - last.completed);
      bucket.failed += Math.max(0, cur.failed - last.failed);
    }
    this.state.buckets[minute] = bucket;
    this.state.last = cur;
    const oldest = Math.floor(now / minuteMs) - minutes;
    for (const key of Object.keys(this.state.buckets)) {
      if (Number(key) <= oldest) delete this.state.buckets[key];
    }
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify(this.state));
    } catch {
      // storage full or disabled: the history lives in memory only
    }
  }

  /** series returns the last hour, oldest minute first; null means not measured. */
  series(now = Date.now()): Array<Bucket | null> {
    const end = Math.floor(now / minuteMs);
    const out: Array<Bucket | null> = [];
    for (let m = end - minutes + 1; m <= end; m++) out.push(this.state.buckets[String(m)] ?? null);
    return out;
  }
}

/** throughputChart draws the series as stacked bars in inline SVG. */
export function throughputChart(series: Array<Bucket | null>, source: Source = "page"): SVGSVGElement {
  const width = 720;
  const height = 180;
  const left = 44;
  const bottom = 22;
  const top = 8;
  const plotH = height - top - bottom;
  const plotW = width - left - 8;
  // An even top keeps the middle gridline on a whole number.
  const peak = Math.max(2, ...series.map((b) => (b ? b.completed + b.failed : 0)));
  const max = Math.ceil(peak / 2) * 2;
  const barW = plotW / series.length;
  const y = (v: number) => top + plotH - (v / max) * plotH;

  const bars = series.map((b, i) => {
    const x = left + i * barW;
    const ago = series.length - 1 - i;
    const label = ago === 0 ? "this minute" : `${ago} min ago`;
    if (!b) {
      return s("rect", { class: "bar-nodata", x: x + 1, y: top + plotH - 2, width: Math.max(1, barW - 2), height: 2 },
        s("title", null, `${label}: not measured`));
    }
    const cH = (b.completed / max) * plotH;
    const fH = (b.failed / max) * plotH;
    return s("g", { "data-at": b.at ?? null, "data-completed": b.completed, "data-failed": b.failed },
      s("title", null, `${label}: ${count(b.completed)} completed, ${count(b.failed)} failed`),
      s("rect", { class: "bar-completed", x: x + 1, y: top + plotH - cH, width: Math.max(1, barW - 2), height: cH }),
      s("rect", { class: "bar-failed", x: x + 1, y: top + plotH - cH - fH, width: Math.max(1, barW - 2), height: fH }),
    );
  });

  const completed = series.reduce((n, b) => n + (b?.completed ?? 0), 0);
  const failed = series.reduce((n, b) => n + (b?.failed ?? 0), 0);
  return s("svg", {
    class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Tasks completed and failed per minute over the last hour: ${count(completed)} completed, ${count(failed)} failed`,
    preserveAspectRatio: "none",
    "data-source": source, "data-completed": completed, "data-failed": failed,
  },
    s("line", { class: "axis", x1: left, y1: top + plotH, x2: width - 8, y2: top + plotH }),
    s("line", { class: "grid", x1: left, y1: y(max), x2: width - 8, y2: y(max) }),
    s("line", { class: "grid", x1: left, y1: y(max / 2), x2: width - 8, y2: y(max / 2) }),
    s("text", { class: "tick", x: left - 6, y: y(max) + 4, "text-anchor": "end" }, count(max)),
    s("text", { class: "tick", x: left - 6, y: y(max / 2) + 4, "text-anchor": "end" }, count(max / 2)),
    s("text", { class: "tick", x: left - 6, y: top + plotH + 4, "text-anchor": "end" }, "0"),
    s("text", { class: "tick", x: left, y: height - 4 }, "60 min ago"),
    s("text", { class: "tick", x: left + plotW / 2, y: height - 4, "text-anchor": "middle" }, "30 min ago"),
    s("text", { class: "tick", x: width - 8, y: height - 4, "text-anchor": "end" }, "now"),
    ...bars,
  );
}
