// The page of one task: every field, the message of every attempt, the
// payload (behind a button when the server hides payloads) and actions.

import { ApiError, api } from "../api";
import type { Ctx, Page } from "../app";
import { actionButtons, runAction, type Action } from "../components/actions";
import { notify } from "../components/notice";
import { statusBadge } from "../components/status";
import { h, replace } from "../dom";
import { ago, bytes, time } from "../format";
import { href, navigate } from "../router";
import type { TaskDetail } from "../types";

/** pretty indents JSON text; other text is returned as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = h("textarea", { readonly: true, class: "offscreen" });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("the browser refused to copy");
}

export function taskPage(route: { path: string }, ctx: Ctx): Page {
  const id = decodeURIComponent(route.path.slice("/tasks/".length));
  const fields = h("dl", { class: "fields" });
  const messages = h("div", { class: "messages" });
  const payloadBox = h("div", { class: "payload" });
  const actions = h("div", { class: "actions" });
  const heading = h("h1", null, `Task ${id}`);
  let revealed: string | null = null;
  let task: TaskDetail | null = null;
  let gone = false;

  function field(name: string, value: string | Node, title?: string): Node[] {
    return [h("dt", null, name), h("dd", { title: title ?? null, "data-field": name }, value)];
  }

  function drawFields(t: TaskDetail): void {
    replace(fields,
      field("Id", String(t.id)),
      field("Type", t.type),
      field("Status", statusBadge(t.status)),
      t.priority !== undefined ? field("Priority", String(t.priority)) : null,
      field("Attempts", `${t.attempts_elapsed} made, ${t.attempts_left} left`),
      field("Idempotency token", t.idempotency_token ?? "—"),
      field("Payload size", bytes(t.payload_size)),
      field("Created", `${time(t.created_at)} (${ago(t.created_at)})`, t.created_at),
      field("Updated", `${time(t.updated_at)} (${ago(t.updated_at)})`, t.updated_at),
      field("Runs at", `${time(t.blocked_till)} (${ago(t.blocked_till)})`, t.blocked_till),
      field("Last attempt", t.attempted_at ? `${time(t.attempted_at)} (${ago(t.attempted_at)})` : "—", t.attempted_at ?? undefined),
      field("Finished", t.finalized_at ? `${time(t.finalized_at)} (${ago(t.finalized_at)})` : "—", t.finalized_at ?? undefined),
    );
  }

  function drawMessages(t: TaskDetail): void {
    replace(messages, t.messages.length === 0
      ? h("p", { class: "empty" }, "No attempt has left a message.")
      : h("ol", { class: "attempts" }, t.messages.map((m, i) =>
          h("li", { "data-attempt": String(i + 1) }, h("div", { class: "attempt-label" }, `Attempt ${i + 1}`), h("pre", { class: "message-text" }, m)))));
  }

  async function reveal(): Promise<void> {
    try {
      revealed = await api.payload(id);
      drawPayload();
    } catch (err) {
      ctx.fail(err);
    }
  }

  function drawPayload(): void {
    if (!task) return;
    const text = revealed ?? task.payload;
    if (task.payload_size === 0) {
      replace(payloadBox, h("p", { class: "empty" }, "The task has no payload."));
      return;
    }
    if (text === null || text === undefined) {
      replace(payloadBox,
        h("p", { class: "hint" }, `The payload (${bytes(task.payload_size)}) is hidden by default.`),
        h("button", { type: "button", class: "btn", "data-action": "reveal", onclick: () => void reveal() }, "Reveal payload"));
      return;
    }
    const shown = pretty(text);
    replace(payloadBox,
      h("div", { class: "payload-tools" },
        h("button", { type: "button", class: "btn btn-small", "data-action": "copy", onclick: () => {
          copyText(text).then(() => notify("Payload copied."), (err) => ctx.fail(err));
        } }, "Copy"),
        revealed !== null && ctx.config.hide_payload_by_default
          ? h("button", { type: "button", class: "btn btn-small", onclick: () => { revealed = null; drawPayload(); } }, "Hide")
          : null),
      h("pre", { class: "payload-text", "data-payload": "" }, shown));
  }

  async function act(action: Action): Promise<void> {
    if (!(await runAction(ctx, action, id))) return;
    if (action === "delete") {
      gone = true;
      navigate("/tasks");
      return;
    }
    await refresh();
  }

  async function refresh(): Promise<void> {
    if (gone) return;
    try {
      task = await api.task(id);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
        gone = true;
        replace(root, heading, h("p", { class: "empty", "data-not-found": "" }, `Task ${id}: ${err.message}.`));
        return;
      }
      throw err;
    }
    drawFields(task);
    drawMessages(task);
    drawPayload();
    replace(actions, actionButtons(task.status, (a) => void act(a)));
  }

  const root = h("div", { class: "task" },
    h("p", { class: "crumbs" }, h("a", { href: href("/tasks") }, "← Tasks")),
    heading,
    actions,
    h("section", { class: "panel" }, h("h2", null, "Fields"), fields),
    h("section", { class: "panel" }, h("h2", null, "Messages"), messages),
    h("section", { class: "panel" }, h("h2", null, "Payload"), payloadBox),
  );
  return { title: `Task ${id}`, root, refresh };
}
