// The overview: counts by status, throughput over the last hour, live
// consumers and a table of task types.

import { api, ApiError, prefix } from "../api";
import type { Ctx, Page } from "../app";
import { consumersTable, unservedTypes, unservedWarning } from "../components/consumers";
import { confirmAction, notify } from "../components/notice";
import { fromServer, Throughput, throughputChart } from "../components/throughput";
import { h, replace } from "../dom";
import { count } from "../format";
import { href } from "../router";
import { statuses, type Stats, type ThroughputAnswer, type TypeStats } from "../types";

const typesPerPage = 50;
const throughput = new Throughput(`asynqpg.throughput:${prefix}`);

/** serverThroughput reads /api/throughput; null from a server without it. */
async function serverThroughput(): Promise<ThroughputAnswer | null> {
  try {
    return await api.throughput();
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

const hintDatabase = "Tasks completed and failed per minute, counted in the database.";
const hintPartial = " Some minutes could not be counted in time and show as zero.";
const hintPage = "Tasks completed and failed per minute, measured by this page while it is open.";

export function overviewPage(_route: unknown, ctx: Ctx): Page {
  const cards = h("section", { class: "cards" });
  const chart = h("div", { class: "chart-box" });
  const hint = h("p", { class: "hint" }, hintDatabase);
  const nodata = h("span", { class: "legend-nodata", hidden: true }, "not measured");
  const warning = h("div");
  const consumers = h("div");
  const typeRows = h("tbody");
  const pager = h("div", { class: "pager" });
  const search = h("input", { type: "search", placeholder: "Filter task types", "aria-label": "Filter task types", name: "type-filter" });
  let page = 0;
  let stats: Stats | null = null;
  let unserved = new Set<string>();

  search.addEventListener("input", () => {
    page = 0;
    drawTypes();
  });

  const consumersSection = h("section", { class: "panel" }, h("h2", null, "Live consumers"), consumers);
  const root = h("div", { class: "overview" },
    h("h1", null, "Overview"),
    warning,
    cards,
    h("section", { class: "panel" },
      h("h2", null, "Throughput, last hour"),
      hint,
      chart,
      h("div", { class: "legend" },
        h("span", { class: "legend-completed" }, "completed"),
        h("span", { class: "legend-failed" }, "failed"),
        nodata),
    ),
    consumersSection,
    h("section", { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", null, "Task types"), search),
      h("table", { class: "table", id: "types" },
        h("thead", null, h("tr", null,
          h("th", null, "Type"),
          statuses.map((st) => h("th", { class: "num" }, st)),
          h("th", { class: "num" }, "total"),
          h("th", null, ""))),
        typeRows),
      pager,
    ),
  );

  function drawCards(s: Stats): void {
    replace(cards,
      h("a", { class: "card", href: href("/tasks"), "data-count": "total" },
        h("span", { class: "card-label" }, "total"), h("span", { class: "card-value" }, count(s.total))),
      statuses.map((st) => h("a", { class: `card card-${st}`, href: href("/tasks", { status: st }), "data-count": st },
        h("span", { class: "card-label" }, st), h("span", { class: "card-value" }, count(s.by_status[st])))),
    );
  }

  async function bulk(kind: "retry" | "delete", type: string, failed: number): Promise<void> {
    const verb = kind === "retry" ? "Retry" : "Delete";
    if (!(await confirmAction(`${verb} all ${count(failed)} failed tasks of type ${type}?`, verb, kind === "delete"))) return;
    try {
      const res = kind === "retry" ? await api.bulkRetry(type) : await api.bulkDelete(type);
      notify(`${verb === "Retry" ? "Retried" : "Deleted"} ${count(res.affected)} failed tasks of type ${type}.`);
      await refresh();
    } catch (err) {
      ctx.fail(err);
    }
  }

  async function togglePause(type: string, isPaused: boolean): Promise<void> {
    try {
      if (isPaused) await api.resumeType(type);
      else await api.pauseType(type);
      notify(`${isPaused ? "Resumed" : "Paused"} task type ${type}.`);
      await refresh();
    } catch (err) {
      ctx.fail(err);
    }
  }

  function typeRow(t: TypeStats): HTMLTableRowElement {
    const failed = t.by_status.failed ?? 0;
    const isPaused = t.paused;
    return h("tr", { "data-type": t.type },
      h("td", null,
        h("a", { href: href("/tasks", { type: t.type }) }, t.type),
        isPaused ? h("span", { class: "badge badge-paused" }, "paused") : null,
        unserved.has(t.type) ? h("span", { class: "badge badge-warn", title: "pending tasks and no live consumer" }, "no consumer") : null),
      statuses.map((st) => h("td", { class: "num" },
        (t.by_status[st] ?? 0) > 0 ? h("a", { href: href("/tasks", { type: t.type, status: st }) }, count(t.by_status[st])) : "0")),
      h("td", { class: "num" }, count(t.total)),
      h("td", { class: "actions" },
        failed > 0 ? h("button", { type: "button", class: "btn btn-small", "data-action": "bulk-retry", onclick: () => bulk("retry", t.type, failed) }, "Retry failed") : null,
        failed > 0 ? h("button", { type: "button", class: "btn btn-small btn-danger", "data-action": "bulk-delete", onclick: () => bulk("delete", t.type, failed) }, "Delete failed") : null,
        h("button", { type: "button", class: "btn btn-small", "data-action": isPaused ? "resume" : "pause", onclick: () => togglePause(t.type, isPaused) }, isPaused ? "Resume" : "Pause")),
    );
  }

  function drawTypes(): void {
    if (!stats) return;
    const needle = search.value.trim().toLowerCase();
    const all = [...stats.by_type].sort((a, b) => a.type.localeCompare(b.type));
    const shown = needle ? all.filter((t) => t.type.toLowerCase().includes(needle)) : all;
    const pages = Math.max(1, Math.ceil(shown.length / typesPerPage));
    page = Math.min(page, pages - 1);
    const slice = shown.slice(page * typesPerPage, (page + 1) * typesPerPage);
    replace(typeRows, slice.length ? slice.map(typeRow)
      : h("tr", null, h("td", { colspan: statuses.length + 3, class: "empty" }, needle ? "No task type matches." : "No tasks yet.")));
    replace(pager, shown.length > typesPerPage ? [
      h("button", { type: "button", class: "btn btn-small", disabled: page === 0, onclick: () => { page--; drawTypes(); } }, "Previous"),
      h("span", null, `Types ${count(page * typesPerPage + 1)}–${count(page * typesPerPage + slice.length)} of ${count(shown.length)}`),
      h("button", { type: "button", class: "btn btn-small", disabled: page >= pages - 1, onclick: () => { page++; drawTypes(); } }, "Next"),
    ] : null);
  }

  function drawThroughput(s: Stats, counted: ThroughputAnswer | null): void {
    if (counted) {
      hint.textContent = hintDatabase + (counted.complete ? "" : hintPartial);
      nodata.hidden = true;
      replace(chart, throughputChart(fromServer(counted), "database"));
      return;
    }
    throughput.record(s.by_status);
    hint.textContent = hintPage;
    nodata.hidden = false;
    replace(chart, throughputChart(throughput.series(), "page"));
  }

  async function refresh(): Promise<void> {
    const [s, live, counted] = await Promise.all([api.stats(), api.consumers(), serverThroughput()]);
    stats = s;
    drawCards(s);
    drawThroughput(s, counted);
    const waiting = unservedTypes(s.by_type);
    unserved = new Set(waiting);
    replace(warning, unservedWarning(waiting));
    replace(consumers, consumersTable(live));
    drawTypes();
  }

  return { title: "Overview", root, refresh };
}
