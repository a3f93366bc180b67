// The filter form of the task list and its mapping to the URL's query.

import { h } from "../dom";
import { fromLocalInput, toLocalInput } from "../format";
import { statuses, type ListQuery } from "../types";

/** orderFields are the columns the API sorts by. */
export const orderFields = ["id", "created_at", "updated_at", "blocked_till"] as const;
export const pageSizes = [25, 50, 100, 200];
export const defaultLimit = 50;

/** queryFrom reads the list query from the URL's parameters. */
export function queryFrom(params: URLSearchParams): ListQuery {
  const num = (name: string, fallback: number) => {
    const v = Number(params.get(name));
    return Number.isInteger(v) && v >= 0 && params.get(name) !== null && params.get(name) !== "" ? v : fallback;
  };
  const orderBy = params.get("order_by") ?? "id";
  return {
    status: params.get("status") ?? undefined,
    type: params.get("type") ?? undefined,
    id: params.get("id") ?? undefined,
    created_after: params.get("created_after") ?? undefined,
    created_before: params.get("created_before") ?? undefined,
    order_by: (orderFields as readonly string[]).includes(orderBy) ? orderBy : "id",
    order: params.get("order")?.toUpperCase() === "ASC" ? "ASC" : "DESC",
    limit: Math.max(1, Math.min(1000, num("limit", defaultLimit))),
    offset: num("offset", 0),
  };
}

/** paramsFrom writes a list query as URL parameters, leaving out defaults. */
export function paramsFrom(q: ListQuery): URLSearchParams {
  const p = new URLSearchParams();
  const set = (k: string, v: string | number | undefined, skip?: string | number) => {
    if (v !== undefined && v !== "" && v !== skip) p.set(k, String(v));
  };
  set("status", q.status);
  set("type", q.type);
  set("id", q.id);
  set("created_after", q.created_after);
  set("created_before", q.created_before);
  set("order_by", q.order_by, "id");
  set("order", q.order, "DESC");
  set("limit", q.limit, defaultLimit);
  set("offset", q.offset, 0);
  return p;
}

/** filterForm builds the form; onApply gets the new query (offset 0). */
export function filterForm(q: ListQuery, typeNames: HTMLDataListElement, onApply: (q: ListQuery) => void): HTMLFormElement {
  const status = h("select", { name: "status", "aria-label": "Status" },
    h("option", { value: "" }, "any status"),
    statuses.map((s) => h("option", { value: s, selected: q.status === s }, s)));
  const type = h("input", { name: "type", type: "text", placeholder: "task type", list: typeNames.id, value: q.type ?? "", "aria-label": "Task type", autocomplete: "off" });
  const id = h("input", { name: "id", type: "text", placeholder: "ids, comma separated", value: q.id ?? "", "aria-label": "Task id", inputmode: "numeric", autocomplete: "off" });
  const after = h("input", { name: "created_after", type: "datetime-local", value: toLocalInput(q.created_after ?? null), "aria-label": "Created after" });
  const before = h("input", { name: "created_before", type: "datetime-local", value: toLocalInput(q.created_before ?? null), "aria-label": "Created before" });
  const error = h("span", { class: "form-error", role: "alert" });

  const form = h("form", { class: "filters", "data-filters": "" },
    h("label", null, "Status ", status),
    h("label", null, "Type ", type, typeNames),
    h("label", null, "Id ", id),
    h("label", null, "Created after ", after),
    h("label", null, "Created before ", before),
    h("button", { type: "submit", class: "btn btn-primary" }, "Apply"),
    h("button", { type: "reset", class: "btn" }, "Reset"),
    error,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const ids = id.value.split(",").map((v) => v.trim()).filter(Boolean);
    const bad = ids.find((v) => !/^[1-9][0-9]*$/.test(v));
    if (bad !== undefined) {
      error.textContent = `"${bad}" is not a task id (a positive whole number).`;
      return;
    }
    error.textContent = "";
    onApply({
      ...q,
      status: status.value || undefined,
      type: type.value.trim() || undefined,
      id: ids.join(",") || undefined,
      created_after: fromLocalInput(after.value) || undefined,
      created_before: fromLocalInput(before.value) || undefined,
      offset: 0,
    });
  });
  form.addEventListener("reset", (ev) => {
    ev.preventDefault();
    error.textContent = "";
    onApply({ order_by: q.order_by, order: q.order, limit: q.limit, offset: 0 });
  });
  return form;
}
