// The shell of the page: configuration, sign-in state, the header, the
// choice of page for a route and the live refresh loop.

import { ApiError, api, clearBasicCredentials, hasBasicCredentials, prefix } from "./api";
import { notify } from "./components/notice";
import { h, replace } from "./dom";
import { current, href, navigate, start, type Route } from "./router";
import type { Config, User } from "./types";

/** refreshMs is how often the shown page asks the server again. */
export const refreshMs = 3000;

/** Page is what a route shows; refresh is called by the live loop. */
export interface Page {
  title: string;
  root: HTMLElement;
  refresh(): Promise<void>;
  dispose?(): void;
}

/** Ctx is what pages get from the shell. */
export interface Ctx {
  config: Config;
  /** fail reports an error; a 401 sends the user to the login page. */
  fail(err: unknown): void;
  /** signedIn is called by the login page once credentials work. */
  signedIn(next: string): void;
}

export type PageFactory = (route: Route, ctx: Ctx) => Page;

/** Routes maps a route to its page. */
export type Routes = (route: Route) => PageFactory;

const fallbackConfig: Config = { prefix, hide_payload_by_default: true, version: "", auth_mode: "basic" };

export async function run(root: HTMLElement, routes: Routes): Promise<void> {
  let config: Config;
  let needLogin = false;
  try {
    config = await api.config();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      replace(root, h("p", { class: "boot error" }, `The dashboard cannot start: ${errorText(err)}`));
      return;
    }
    config = fallbackConfig;
    needLogin = true;
  }

  let user: User | null = null;
  if (config.auth_mode === "oauth") {
    try {
      user = await api.me();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
      needLogin = true;
    }
  }

  let page: Page | null = null;
  let live = true;
  let busy = false;
  const content = h("main", { id: "content" });
  const updated = h("span", { class: "updated", "data-updated": "" });
  const liveButton = h("button", { type: "button", class: "btn btn-small", "aria-pressed": "true" }, "Live");
  liveButton.addEventListener("click", () => {
    live = !live;
    liveButton.setAttribute("aria-pressed", String(live));
    liveButton.textContent = live ? "Live" : "Paused";
    if (live) void tick();
  });
  const userArea = h("div", { class: "user" });

  const ctx: Ctx = {
    config,
    fail(err) {
      if (err instanceof ApiError && err.status === 401) {
        const here = current();
        if (here.path !== "/login") navigate("/login", { next: here.path + (here.params.size ? `?${here.params}` : "") });
        return;
      }
      notify(errorText(err), "error");
    },
    signedIn(next) {
      void (async () => {
        if (config.auth_mode === "oauth") user = await api.me().catch(() => null);
        if (needLogin && config === fallbackConfig) config = await api.config().catch(() => fallbackConfig);
        ctx.config = config;
        needLogin = false;
        drawUser();
        navigate(next && next.startsWith("/") ? next : "/");
      })();
    },
  };

  function drawUser(): void {
    const items: HTMLElement[] = [];
    if (user) items.push(h("span", { class: "user-name", title: user.email }, user.name || user.email || user.id));
    if (user || (config.auth_mode === "basic" && hasBasicCredentials())) {
      items.push(h("button", { type: "button", class: "btn btn-small", "data-action": "logout", onclick: logout }, "Sign out"));
    }
    replace(userArea, items);
  }

  async function logout(): Promise<void> {
    try {
      if (config.auth_mode === "oauth") await api.logout();
    } catch (err) {
      notify(errorText(err), "error");
    }
    clearBasicCredentials();
    user = null;
    drawUser();
    navigate("/login");
  }

  async function tick(): Promise<void> {
    if (!page || busy) return;
    busy = true;
    const shown = page;
    try {
      await shown.refresh();
      if (shown === page) updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      ctx.fail(err);
    } finally {
      busy = false;
    }
  }

  replace(
    root,
    h("header", { class: "topbar" },
      h("a", { class: "brand", href: href("/") }, "asynqpg"),
      h("nav", null,
        h("a", { href: href("/"), "data-nav": "/" }, "Overview"),
        h("a", { href: href("/tasks"), "data-nav": "/tasks" }, "Tasks"),
      ),
      h("div", { class: "topbar-right" }, updated, liveButton, userArea,
        config.version ? h("span", { class: "version" }, /^v?\d/.test(config.version) ? `v${config.version.replace(/^v/, "")}` : config.version) : null),
    ),
    content,
  );
  drawUser();

  start((route) => {
    if (needLogin && route.path !== "/login") {
      navigate("/login", { next: route.path + (route.params.size ? `?${route.params}` : "") }, true);
      return;
    }
    page?.dispose?.();
    page = routes(route)(route, ctx);
    document.title = `${page.title} · asynqpg`;
    for (const a of root.querySelectorAll<HTMLAnchorElement>("nav a")) {
      const nav = a.dataset.nav ?? "";
      a.classList.toggle("active", nav === "/" ? route.path === "/" || route.path === "/dashboard" : route.path.startsWith(nav));
    }
    replace(content, page.root);
    busy = false;
    void tick();
  });

  setInterval(() => {
    if (live && !document.hidden) void tick();
  }, refreshMs);
}

/** errorText is the message to show for an error. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
