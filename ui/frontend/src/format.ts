// Formatting of times, counts and sizes for display.

const numberFormat = new Intl.NumberFormat();

/** count formats an integer with digit grouping. */
export function count(n: number | undefined | null): string {
  return numberFormat.format(n ?? 0);
}

/** bytes formats a size such as "1.2 KiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** time formats an RFC 3339 time as local date and time. */
export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

/** ago says how long before now an RFC 3339 time is, such as "5s ago". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  let secs = Math.round((now - t) / 1000);
  const future = secs < 0;
  secs = Math.abs(secs);
  let text: string;
  if (secs < 60) text = `${secs}s`;
  else if (secs < 3600) text = `${Math.floor(secs / 60)}m`;
  else if (secs < 86400) text = `${Math.floor(secs / 3600)}h`;
  else text = `${Math.floor(secs / 86400)}d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** toLocalInput turns an RFC 3339 time into a datetime-local value. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** fromLocalInput turns a datetime-local value into RFC 3339 (UTC). */
export function fromLocalInput(value: string): string {
  if (!value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return "";
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
