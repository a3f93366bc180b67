// Messages to the user: short notices and a confirmation dialog.

import { h, replace } from "../dom";

let area: HTMLElement | null = null;

function noticeArea(): HTMLElement {
  if (!area) {
    area = h("div", { class: "notices", role: "status", "aria-live": "polite" });
    document.body.appendChild(area);
  }
  return area;
}

/** notify shows a message for a few seconds; kind "error" stays longer. */
export function notify(message: string, kind: "info" | "error" = "info"): void {
  const el = h("div", { class: `notice notice-${kind}` }, message);
  noticeArea().appendChild(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 4000);
}

/** confirmAction asks a yes/no question in a modal dialog. */
export function confirmAction(question: string, confirmLabel: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm" });
    const done = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    replace(
      dialog,
      h("p", null, question),
      h(
        "div",
        { class: "confirm-buttons" },
        h("button", { type: "button", class: "btn", onclick: () => done(false) }, "Cancel"),
        h(
          "button",
          { type: "button", class: danger ? "btn btn-danger" : "btn btn-primary", "data-confirm": "", onclick: () => done(true) },
          confirmLabel,
        ),
      ),
    );
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      done(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}
