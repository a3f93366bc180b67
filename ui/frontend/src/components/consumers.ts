// The live consumers panel and the warning for task types that have pending
// tasks and no live consumer serving them.

import { h } from "../dom";
import { ago, count } from "../format";
import { href } from "../router";
import type { Consumer, TypeStats } from "../types";

/** consumerTypes lists the task types a consumer serves. */
export function consumerTypes(c: Consumer): string[] {
  const types = c.task_types ?? c.types;
  if (Array.isArray(types)) return types.map(String);
  if (c.workers && typeof c.workers === "object") return Object.keys(c.workers);
  return [];
}

function workerCount(c: Consumer): number | null {
  if (typeof c.workers === "number") return c.workers;
  if (c.workers && typeof c.workers === "object") {
    return Object.values(c.workers).reduce((a, b) => a + (Number(b) || 0), 0);
  }
  return null;
}

function heartbeat(c: Consumer): string | undefined {
  const v = c.last_heartbeat_at ?? c.last_heartbeat ?? c.heartbeat_at ?? c.last_seen_at;
  return typeof v === "string" ? v : undefined;
}

/** unservedTypes lists the types with pending tasks that no consumer serves:
 * the server's verdict when the stats carry one (it counts only tasks ready
 * to run), else the page's own from the pending counts. */
export function unservedTypes(byType: TypeStats[], consumers: Consumer[] | null): string[] {
  if (byType.some((t) => typeof t.unserved === "boolean")) {
    return byType.filter((t) => t.unserved === true).map((t) => t.type).sort();
  }
  const served = new Set<string>();
  for (const c of consumers ?? []) for (const t of consumerTypes(c)) served.add(t);
  return byType
    .filter((t) => consumers !== null && (t.by_status.pending ?? 0) > 0 && !served.has(t.type))
    .map((t) => t.type)
    .sort();
}

/** unservedWarning says which types wait for a consumer; null when none. */
export function unservedWarning(types: string[]): HTMLElement | null {
  if (types.length === 0) return null;
  const shown = types.slice(0, 20);
  return h("div", { class: "warning", role: "alert", "data-unserved": "" },
    h("strong", null, types.length === 1 ? "1 task type has pending tasks and no live consumer: " : `${count(types.length)} task types have pending tasks and no live consumer: `),
    shown.map((t, i) => [i > 0 ? ", " : null, h("a", { href: href("/tasks", { type: t, status: "pending" }) }, t)]),
    types.length > shown.length ? ` and ${count(types.length - shown.length)} more` : null,
    ". Their tasks wait until a consumer that handles the type starts (is the type spelled right?).",
  );
}

/** consumersTable lists the live consumers. */
export function consumersTable(consumers: Consumer[]): HTMLElement {
  if (consumers.length === 0) {
    return h("p", { class: "empty", "data-consumers": "0" }, "No live consumer.");
  }
  return h("table", { class: "table", "data-consumers": String(consumers.length) },
    h("thead", null, h("tr", null, h("th", null, "Consumer"), h("th", null, "Task types"), h("th", { class: "num" }, "Workers"), h("th", null, "Last heartbeat"))),
    h("tbody", null, consumers.map((c) => {
      const types = consumerTypes(c);
      const workers = workerCount(c);
      const beat = heartbeat(c);
      const name = [c.hostname, c.id].filter((v) => typeof v === "string" && v !== "").join(" · ");
      return h("tr", null,
        h("td", { class: "mono" }, name || "—"),
        h("td", null, types.length ? types.join(", ") : "—"),
        h("td", { class: "num" }, workers === null ? "—" : count(workers)),
        h("td", { title: beat ?? "" }, ago(beat)),
      );
    })),
  );
}
