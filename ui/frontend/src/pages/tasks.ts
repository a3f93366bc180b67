// The task list: filters, sorting, paging, row actions and bulk actions on
// failed tasks.

import { api } from "../api";
import type { Ctx, Page } from "../app";
import { actionButtons, runAction, type Action } from "../components/actions";
import { confirmAction, notify } from "../components/notice";
import { statusBadge } from "../components/status";
import { h, replace } from "../dom";
import { ago, count, time } from "../format";
import { href, navigate, type Route } from "../router";
import type { ListQuery, TaskList, TaskSummary } from "../types";
import { filterForm, orderFields, pageSizes, paramsFrom, queryFrom } from "./tasks-filters";

let typeNamesCache: { at: number; names: string[] } | null = null;

async function typeNames(): Promise<string[]> {
  if (typeNamesCache && Date.now() - typeNamesCache.at < 30_000) return typeNamesCache.names;
  const types = await api.taskTypes();
  const names = [...types].sort();
  typeNamesCache = { at: Date.now(), names };
  return names;
}

export function tasksPage(route: Route, ctx: Ctx): Page {
  const q = queryFrom(route.params);
  const selected = new Set<string>();
  let list: TaskList | null = null;
  const go = (next: ListQuery) => navigate("/tasks", paramsFrom(next));

  const datalist = h("datalist", { id: "task-type-names" });
  const rows = h("tbody");
  const summary = h("div", { class: "pager" });
  const bulkBar = h("div", { class: "bulk" });
  const selectAll = h("input", { type: "checkbox", "aria-label": "Select all failed tasks on this page", "data-select-all": "" });
  const showPriority = { value: false };
  const head = h("tr");

  selectAll.addEventListener("change", () => {
    for (const t of list?.tasks ?? []) {
      if (t.status !== "failed") continue;
      if (selectAll.checked) selected.add(String(t.id));
      else selected.delete(String(t.id));
    }
    draw();
  });

  function sortHeader(field: (typeof orderFields)[number], label: string): HTMLElement {
    const active = q.order_by === field;
    const nextOrder = active && q.order === "DESC" ? "ASC" : "DESC";
    return h("th", { "aria-sort": active ? (q.order === "ASC" ? "ascending" : "descending") : null },
      h("a", { href: href("/tasks", paramsFrom({ ...q, order_by: field, order: nextOrder, offset: 0 })), class: active ? "sorted" : null, "data-sort": field },
        label, active ? (q.order === "ASC" ? " ▲" : " ▼") : null));
  }

  function drawHead(): void {
    replace(head,
      h("th", { class: "check" }, selectAll),
      sortHeader("id", "Id"),
      h("th", null, "Type"),
      h("th", null, "Status"),
      showPriority.value ? h("th", { class: "num" }, "Priority") : null,
      h("th", { class: "num" }, "Attempts"),
      sortHeader("created_at", "Created"),
      sortHeader("updated_at", "Updated"),
      sortHeader("blocked_till", "Runs at"),
      h("th", null, "Last message"),
      h("th", null, ""),
    );
  }

  async function act(action: Action, t: TaskSummary): Promise<void> {
    if (await runAction(ctx, action, t.id)) {
      selected.delete(String(t.id));
      await refresh();
    }
  }

  function row(t: TaskSummary): HTMLTableRowElement {
    const id = String(t.id);
    const last = t.messages.length ? t.messages[t.messages.length - 1] : "";
    const box = h("input", { type: "checkbox", "aria-label": `Select task ${id}`, checked: selected.has(id), "data-select": id });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(id);
      else selected.delete(id);
      drawBulk();
    });
    return h("tr", { "data-task-id": id, "data-status": t.status },
      h("td", { class: "check" }, t.status === "failed" ? box : null),
      h("td", { class: "mono" }, h("a", { href: href(`/tasks/${id}`) }, id)),
      h("td", null, t.type),
      h("td", null, statusBadge(t.status)),
      showPriority.value ? h("td", { class: "num" }, t.priority === undefined ? "—" : String(t.priority)) : null,
      h("td", { class: "num", title: `${t.attempts_left} left` }, `${t.attempts_elapsed} / ${t.attempts_elapsed + t.attempts_left}`),
      h("td", { title: time(t.created_at) }, ago(t.created_at)),
      h("td", { title: time(t.updated_at) }, ago(t.updated_at)),
      h("td", { title: time(t.blocked_till) }, ago(t.blocked_till)),
      h("td", { class: "message", title: last }, last),
      h("td", { class: "actions" }, actionButtons(t.status, (a) => void act(a, t))),
    );
  }

  async function bulkSelected(kind: "retry" | "delete"): Promise<void> {
    const ids = [...selected];
    const verb = kind === "retry" ? "Retry" : "Delete";
    if (!(await confirmAction(`${verb} ${count(ids.length)} selected failed tasks?`, verb, kind === "delete"))) return;
    let done = 0;
    for (const id of ids) {
      if (await runAction(ctx, kind, id, false)) {
        done++;
        selected.delete(id);
      }
    }
    notify(`${kind === "retry" ? "Retried" : "Deleted"} ${count(done)} of ${count(ids.length)} tasks.`);
    await refresh();
  }

  async function bulkAll(kind: "retry" | "delete", type?: string): Promise<void> {
    const verb = kind === "retry" ? "Retry" : "Delete";
    const what = type ? `all failed tasks of type ${type}` : "all failed tasks of every type";
    if (!(await confirmAction(`${verb} ${what}?`, verb, kind === "delete"))) return;
    try {
      const res = kind === "retry" ? await api.bulkRetry(type) : await api.bulkDelete(type);
      notify(`${kind === "retry" ? "Retried" : "Deleted"} ${count(res.affected)} failed tasks.`);
      selected.clear();
      await refresh();
    } catch (err) {
      ctx.fail(err);
    }
  }

  function drawBulk(): void {
    const singleType = q.type && !q.type.includes(",") ? q.type : undefined;
    const failedView = q.status === "failed" || singleType !== undefined;
    replace(bulkBar,
      selected.size > 0 ? [
        h("span", { "data-selected": String(selected.size) }, `${count(selected.size)} selected`),
        h("button", { type: "button", class: "btn btn-small", "data-action": "retry-selected", onclick: () => bulkSelected("retry") }, "Retry selected"),
        h("button", { type: "button", class: "btn btn-small btn-danger", "data-action": "delete-selected", onclick: () => bulkSelected("delete") }, "Delete selected"),
        h("button", { type: "button", class: "btn btn-small", onclick: () => { selected.clear(); draw(); } }, "Clear selection"),
      ] : null,
      failedView ? [
        h("button", { type: "button", class: "btn btn-small", "data-action": "retry-all-failed", onclick: () => bulkAll("retry", singleType) },
          singleType ? `Retry all failed of ${singleType}` : "Retry all failed"),
        h("button", { type: "button", class: "btn btn-small btn-danger", "data-action": "delete-all-failed", onclick: () => bulkAll("delete", singleType) },
          singleType ? `Delete all failed of ${singleType}` : "Delete all failed"),
      ] : null,
    );
  }

  function drawSummary(l: TaskList): void {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const first = l.tasks.length ? offset + 1 : 0;
    const sizes = h("select", { "aria-label": "Tasks per page", name: "limit" },
      pageSizes.map((n) => h("option", { value: String(n), selected: n === limit }, `${n} per page`)));
    sizes.addEventListener("change", () => go({ ...q, limit: Number(sizes.value), offset: 0 }));
    replace(summary,
      h("a", { class: offset > 0 ? "btn btn-small" : "btn btn-small disabled", "aria-disabled": offset > 0 ? null : "true", "data-page": "prev",
        href: href("/tasks", paramsFrom({ ...q, offset: Math.max(0, offset - limit) })) }, "Previous"),
      h("span", { "data-total": String(l.total) }, `${count(first)}–${count(offset + l.tasks.length)} of ${count(l.total)}`),
      h("a", { class: offset + limit < l.total ? "btn btn-small" : "btn btn-small disabled", "aria-disabled": offset + limit < l.total ? null : "true", "data-page": "next",
        href: href("/tasks", paramsFrom({ ...q, offset: offset + limit })) }, "Next"),
      sizes,
    );
  }

  function draw(): void {
    if (!list) return;
    const l = list;
    const present = new Set(l.tasks.filter((t) => t.status === "failed").map((t) => String(t.id)));
    for (const id of selected) if (!present.has(id)) selected.delete(id);
    showPriority.value = l.tasks.some((t) => t.priority !== undefined);
    selectAll.checked = present.size > 0 && [...present].every((id) => selected.has(id));
    drawHead();
    replace(rows, l.tasks.length ? l.tasks.map(row)
      : h("tr", null, h("td", { colspan: 11, class: "empty" }, "No task matches these filters.")));
    drawSummary(l);
    drawBulk();
  }

  async function refresh(): Promise<void> {
    const [l, names] = await Promise.all([api.tasks(q), typeNames().catch(() => null)]);
    list = l;
    if (names && datalist.childElementCount !== names.length) {
      replace(datalist, names.slice(0, 1000).map((n) => h("option", { value: n })));
    }
    draw();
  }

  drawHead();
  const root = h("div", { class: "tasks" },
    h("h1", null, "Tasks"),
    filterForm(q, datalist, go),
    bulkBar,
    h("table", { class: "table", id: "tasks" }, h("thead", null, head), rows),
    summary,
  );
  return { title: "Tasks", root, refresh };
}
