// The live consumers panel and the warning for task types that have ready
// tasks and no live consumer serving them.

import { h } from "../dom";
import { ago, count } from "../format";
import { href } from "../router";
import type { Consumer, TypeStats } from "../types";

/** unservedTypes lists the types the server flags as having tasks ready to
 * run and no live consumer serving them. */
export function unservedTypes(byType: TypeStats[]): string[] {
  return byType.filter((t) => t.unserved).map((t) => t.type).sort();
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
      const workers = Object.values(c.workers).reduce((a, b) => a + b, 0);
      const name = [c.hostname, c.id].filter((v) => v !== "").join(" · ");
      return h("tr", { "data-consumer": c.id },
        h("td", { class: "mono", title: `pid ${c.pid}, started ${c.started_at}` }, name || "—"),
        h("td", null, c.task_types.length ? c.task_types.join(", ") : "—"),
        h("td", { class: "num" }, count(workers)),
        h("td", { title: c.last_heartbeat_at }, ago(c.last_heartbeat_at)),
      );
    })),
  );
}
