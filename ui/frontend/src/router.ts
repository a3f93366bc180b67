// A history router that works under the mount prefix: the app speaks of
// paths like "/tasks/7" and the address bar shows "{prefix}/tasks/7".

import { prefix } from "./api";

/** Route is a parsed location inside the dashboard. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

type Listener = (route: Route) => void;
let listener: Listener = () => {};

/** current returns the route the address bar shows. */
export function current(): Route {
  let path = location.pathname;
  if (prefix && (path === prefix || path.startsWith(`${prefix}/`))) {
    path = path.slice(prefix.length);
  }
  if (path === "") path = "/";
  return { path, params: new URLSearchParams(location.search) };
}

/** href is the address of an app path, for links. */
export function href(path: string, params?: URLSearchParams | Record<string, string>): string {
  const search = params ? new URLSearchParams(params).toString() : "";
  return `${prefix}${path}${search ? `?${search}` : ""}`;
}

/** navigate shows path; replace keeps the history entry (filters, paging). */
export function navigate(path: string, params?: URLSearchParams | Record<string, string>, replace = false): void {
  const url = href(path, params);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listener(current());
}

/** start calls onRoute now and after every navigation. */
export function start(onRoute: Listener): void {
  listener = onRoute;
  window.addEventListener("popstate", () => listener(current()));
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download") || a.dataset.external !== undefined) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    if (prefix && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return;
    if (url.pathname.startsWith(`${prefix}/api/`)) return;
    ev.preventDefault();
    history.pushState(null, "", url.pathname + url.search);
    listener(current());
  });
  listener(current());
}
