// Sign-in: a username and password form for basic auth, or a button per
// OAuth provider.

import { ApiError, api, apiURL, clearBasicCredentials, prefix, setBasicCredentials } from "../api";
import { errorText, type Ctx, type Page } from "../app";
import { h, replace } from "../dom";
import type { Route } from "../router";

const loginErrors: Record<string, string> = {
  invalid_state: "The sign-in took too long or was started in another tab. Please try again.",
  provider_error: "The sign-in provider refused the sign-in.",
};

/** providerURL is where a provider's button leads, under the mount prefix. */
function providerURL(loginURL: string): string {
  if (prefix && loginURL.startsWith(`${prefix}/`)) return loginURL;
  if (loginURL.startsWith("/api/")) return apiURL(loginURL);
  return loginURL;
}

export function loginPage(route: Route, ctx: Ctx): Page {
  const next = route.params.get("next") ?? "/";
  const body = h("div", { class: "login-body" });
  const problem = route.params.get("error");
  const detail = route.params.get("message");
  const root = h("div", { class: "login" },
    h("div", { class: "login-card" },
      h("h1", null, "Sign in to asynqpg"),
      problem ? h("p", { class: "form-error", role: "alert", "data-login-error": problem },
        loginErrors[problem] ?? `Sign-in failed: ${problem}.`, detail ? ` ${detail}` : null) : null,
      body));

  function basicForm(): HTMLFormElement {
    const user = h("input", { name: "username", type: "text", autocomplete: "username", required: true, "aria-label": "Username" });
    const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, "aria-label": "Password" });
    const error = h("p", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Sign in");
    const form = h("form", { class: "login-form", "data-login": "basic" },
      h("label", null, "Username", user),
      h("label", null, "Password", pass),
      error, submit);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      error.textContent = "";
      setBasicCredentials(user.value, pass.value);
      api.stats().then(
        () => ctx.signedIn(next),
        (err) => {
          clearBasicCredentials();
          submit.disabled = false;
          error.textContent = err instanceof ApiError && err.status === 401 ? "Wrong username or password." : errorText(err);
        });
    });
    return form;
  }

  async function refresh(): Promise<void> {
    if (body.childElementCount > 0) return;
    if (ctx.config.auth_mode === "oauth") {
      const providers = await api.providers();
      replace(body, providers.length === 0
        ? h("p", { class: "empty" }, "No sign-in provider is configured.")
        : h("div", { class: "providers" }, providers.map((p) =>
            h("a", { class: "btn provider", href: providerURL(p.login_url), "data-external": "", "data-provider": p.id },
              p.icon_url ? h("img", { src: p.icon_url, alt: "", width: 20, height: 20 }) : null,
              `Sign in with ${p.name}`))));
      return;
    }
    if (ctx.config.auth_mode === "basic") {
      replace(body, basicForm());
      return;
    }
    replace(body, h("p", null, "This dashboard needs no sign-in. ", h("a", { href: `${prefix}/` }, "Open the overview")));
  }

  return { title: "Sign in", root, refresh };
}
