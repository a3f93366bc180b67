// The retry, cancel and delete actions of one task, shared by the task list
// and the task page.

import { api } from "../api";
import type { Ctx } from "../app";
import { h } from "../dom";
import type { TaskID, TaskStatus } from "../types";
import { confirmAction, notify } from "./notice";
import { canCancel, canDelete, canRetry } from "./status";

export type Action = "retry" | "cancel" | "delete";

/**
 * runAction performs an action on one task; with ask it first confirms a
 * cancel or delete and afterwards says what happened. It tells whether the
 * action happened.
 */
export async function runAction(ctx: Ctx, action: Action, id: TaskID, ask = true): Promise<boolean> {
  if (ask && action !== "retry") {
    const verb = action === "delete" ? "Delete" : "Cancel";
    if (!(await confirmAction(`${verb} task ${id}?`, `${verb} task`, true))) return false;
  }
  try {
    if (action === "retry") await api.retry(id);
    else if (action === "cancel") await api.cancel(id);
    else await api.remove(id);
    if (ask) notify(`Task ${id}: ${action === "retry" ? "retried" : action === "cancel" ? "cancelled" : "deleted"}.`);
    return true;
  } catch (err) {
    ctx.fail(err);
    return false;
  }
}

/** actionButtons are the buttons of the actions the status allows. */
export function actionButtons(status: TaskStatus, run: (action: Action) => void): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (canRetry(status)) out.push(h("button", { type: "button", class: "btn btn-small", "data-action": "retry", onclick: () => run("retry") }, "Retry"));
  if (canCancel(status)) out.push(h("button", { type: "button", class: "btn btn-small", "data-action": "cancel", onclick: () => run("cancel") }, "Cancel"));
  if (canDelete(status)) out.push(h("button", { type: "button", class: "btn btn-small btn-danger", "data-action": "delete", onclick: () => run("delete") }, "Delete"));
  return out;
}
