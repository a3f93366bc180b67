// The client of the dashboard API. Every URL is built from the mount prefix
// the server writes into <meta name="asynqpg-prefix">.

import type {
  Bulk, Config, Consumer, ListQuery, Provider, Stats, TaskDetail, TaskID, TypeState,
  TaskList, ThroughputAnswer, User,
} from "./types";

function readPrefix(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="asynqpg-prefix"]');
  const value = (meta?.content ?? "").trim();
  return value.replace(/\/+$/, "");
}

/** prefix is the path the dashboard is mounted at, without a trailing slash. */
export const prefix = readPrefix();

/** ApiError is a failed API call: the HTTP status and the error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const credentialsKey = "asynqpg.basic";

/** setBasicCredentials makes every later call send these credentials. */
export function setBasicCredentials(username: string, password: string): void {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  sessionStorage.setItem(credentialsKey, btoa(binary));
}

/** clearBasicCredentials forgets the credentials typed into the login form. */
export function clearBasicCredentials(): void {
  sessionStorage.removeItem(credentialsKey);
}

/** hasBasicCredentials tells whether the login form stored credentials. */
export function hasBasicCredentials(): boolean {
  return sessionStorage.getItem(credentialsKey) !== null;
}

function headers(json: boolean): Headers {
  const hs = new Headers({ Accept: "application/json" });
  if (json) hs.set("Content-Type", "application/json");
  const basic = sessionStorage.getItem(credentialsKey);
  if (basic) hs.set("Authorization", `Basic ${basic}`);
  return hs;
}

/** apiURL is the URL of an API path such as "/api/stats". */
export function apiURL(path: string): string {
  return `${prefix}${path}`;
}

// Task ids are 64-bit; JSON.parse would round those past 2^53, so an id that
// is not a safe integer is kept as its source text where the browser can.
function reviveIDs(this: unknown, key: string, value: unknown, context?: { source?: string }): unknown {
  if (key === "id" && typeof value === "number" && !Number.isSafeInteger(value) && context?.source) {
    return context.source;
  }
  return value;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiURL(path), {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (err) {
    throw new ApiError(0, "network_error", `cannot reach the server: ${String(err)}`);
  }
  const text = await res.text();
  let envelope: { data?: T; error?: { code?: string; message?: string } | null } | null = null;
  try {
    envelope = text ? JSON.parse(text, reviveIDs as (k: string, v: unknown) => unknown) : null;
  } catch {
    envelope = null;
  }
  if (!res.ok || envelope?.error) {
    const code = envelope?.error?.code ?? `http_${res.status}`;
    const message = envelope?.error?.message ?? (res.statusText || `HTTP ${res.status}`);
    throw new ApiError(res.status, code, message);
  }
  if (!envelope) throw new ApiError(res.status, "bad_response", "the server sent no JSON");
  return envelope.data as T;
}

function query(q: ListQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

const enc = encodeURIComponent;

export const api = {
  config: () => call<Config>("GET", "/api/config"),
  stats: () => call<Stats>("GET", "/api/stats"),
  taskTypes: () => call<string[]>("GET", "/api/task-types"),
  consumers: () => call<Consumer[]>("GET", "/api/consumers"),
  throughput: () => call<ThroughputAnswer>("GET", "/api/throughput"),
  tasks: (q: ListQuery) => call<TaskList>("GET", `/api/tasks${query(q)}`),
  task: (id: TaskID) => call<TaskDetail>("GET", `/api/tasks/${enc(String(id))}`),
  retry: (id: TaskID) => call<TaskDetail>("POST", `/api/tasks/${enc(String(id))}/retry`),
  cancel: (id: TaskID) => call<TaskDetail>("POST", `/api/tasks/${enc(String(id))}/cancel`),
  remove: (id: TaskID) => call<TaskDetail>("DELETE", `/api/tasks/${enc(String(id))}`),
  bulkRetry: (type?: string) => call<Bulk>("POST", "/api/tasks/bulk/retry", type ? { type } : {}),
  bulkDelete: (type?: string) => call<Bulk>("POST", "/api/tasks/bulk/delete", type ? { type } : {}),
  pauseType: (type: string) => call<TypeState>("POST", `/api/task-types/${enc(type)}/pause`),
  resumeType: (type: string) => call<TypeState>("POST", `/api/task-types/${enc(type)}/resume`),
  providers: () => call<Provider[]>("GET", "/api/auth/providers"),
  me: () => call<User>("GET", "/api/auth/me"),
  logout: () => call<unknown>("POST", "/api/auth/logout"),

  /** payload fetches the raw payload of a task as text. */
  async payload(id: TaskID): Promise<string> {
    const res = await fetch(apiURL(`/api/tasks/${enc(String(id))}/payload`), {
      headers: headers(false),
      credentials: "same-origin",
    });
    if (!res.ok) {
      let message = res.statusText || `HTTP ${res.status}`;
      try {
        const env = await res.json();
        message = env?.error?.message ?? message;
      } catch {
        // the body was not JSON; keep the status text
      }
      throw new ApiError(res.status, "payload_error", message);
    }
    return res.text();
  },
};
