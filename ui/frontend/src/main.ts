// The entry point of the dashboard page.

import "./style.css";
import { run, type Routes } from "./app";
import { h } from "./dom";
import { loginPage } from "./pages/login";
import { overviewPage } from "./pages/overview";
import { taskPage } from "./pages/task";
import { tasksPage } from "./pages/tasks";

const routes: Routes = (route) => {
  const p = route.path.replace(/\/+$/, "") || "/";
  if (p === "/" || p === "/dashboard") return overviewPage;
  if (p === "/tasks") return tasksPage;
  if (/^\/tasks\/[^/]+$/.test(p)) return taskPage;
  if (p === "/login") return loginPage;
  return () => ({
    title: "Not found",
    root: h("div", null, h("h1", null, "Page not found"), h("p", null, `Nothing lives at ${route.path}.`)),
    refresh: async () => {},
  });
};

const root = document.getElementById("app");
if (root) void run(root, routes);
