// Status badges and the actions a task's status allows.

import { h } from "../dom";
import type { TaskStatus } from "../types";

/** statusBadge shows a task status as a colored label. */
export function statusBadge(status: TaskStatus): HTMLElement {
  return h("span", { class: `badge badge-${status}`, "data-status": status }, status);
}

/** canRetry: failed and cancelled tasks can be made pending again. */
export function canRetry(status: TaskStatus): boolean {
  return status === "failed" || status === "cancelled";
}

/** canCancel: pending, running and failed tasks can be cancelled. */
export function canCancel(status: TaskStatus): boolean {
  return status === "pending" || status === "running" || status === "failed";
}

/** canDelete: every task but a running one can be deleted. */
export function canDelete(status: TaskStatus): boolean {
  return status !== "running";
}
