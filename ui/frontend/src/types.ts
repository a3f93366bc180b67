// The JSON shapes of the dashboard API (package ui, shapes of package
// internal/dashboard).

export const statuses = ["pending", "running", "completed", "failed", "cancelled"] as const;
export type TaskStatus = (typeof statuses)[number];

/** A task id: a number, or its decimal text when it is past 2^53. */
export type TaskID = number | string;

export interface TaskSummary {
  id: TaskID;
  type: string;
  status: TaskStatus;
  payload_size: number;
  idempotency_token: string | null;
  messages: string[];
  blocked_till: string;
  attempts_left: number;
  attempts_elapsed: number;
  created_at: string;
  updated_at: string;
  finalized_at: string | null;
  attempted_at: string | null;
  priority?: number;
}

export interface TaskDetail extends TaskSummary {
  payload: string | null;
}

export interface TaskList {
  tasks: TaskSummary[];
  total: number;
}

export type StatusCounts = Record<TaskStatus, number>;

export interface TypeStats {
  type: string;
  total: number;
  by_status: StatusCounts;
  paused: boolean;
  /** pending tasks ready to run and no live consumer serving the type */
  unserved: boolean;
}

export interface Stats {
  total: number;
  by_status: StatusCounts;
  by_type: TypeStats[];
}

/** The answer of a pause or a resume. */
export interface TypeState {
  type: string;
  paused: boolean;
}

/** One minute of /api/throughput. */
export interface ThroughputMinute {
  /** the minute's start, RFC 3339 in UTC */
  at: string;
  completed: number;
  failed: number;
}

/** The answer of /api/throughput: the last 60 minutes, oldest first. */
export interface ThroughputAnswer {
  minutes: ThroughputMinute[];
  /** false when some minutes could not be counted in time (they are zero) */
  complete: boolean;
}

export interface Bulk {
  affected: number;
}

export type AuthMode = "none" | "basic" | "oauth";

export interface Config {
  prefix: string;
  hide_payload_by_default: boolean;
  version: string;
  auth_mode: AuthMode;
}

export interface User {
  id: string;
  provider: string;
  name: string;
  avatar_url: string;
  email: string;
}

export interface Provider {
  id: string;
  name: string;
  icon_url: string;
  login_url: string;
}

/** A live consumer as /api/consumers reports it (client.ConsumerInfo). */
export interface Consumer {
  id: string;
  hostname: string;
  pid: number;
  task_types: string[];
  workers: Record<string, number>;
  started_at: string;
  last_heartbeat_at: string;
}

export interface ListQuery {
  status?: string;
  type?: string;
  id?: string;
  limit?: number;
  offset?: number;
  order_by?: string;
  order?: "ASC" | "DESC";
  created_after?: string;
  created_before?: string;
}
