// The one way the UI talks to the server: same-origin fetch with the login cookie, the antiforgery
// token on unsafe methods (docs/api.md, "Authentication"), ProblemDetails turned into ApiError.

export interface Problem {
  type?: string; title?: string; status?: number; detail?: string;
  errors?: Record<string, string[]>; [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

let csrf: { token: string; headerName: string } | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setUnauthenticatedHandler(handler: (() => void) | null) { onUnauthenticated = handler; }
export function resetAntiforgery() { csrf = null; }

async function antiforgery(): Promise<{ token: string; headerName: string }> {
  if (!csrf) {
    const r = await fetch("/api/auth/antiforgery", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!r.ok) throw await toError(r);
    csrf = await r.json();
  }
  return csrf!;
}

async function toError(r: Response): Promise<ApiError> {
  let problem: Problem = { status: r.status, title: r.statusText };
  try {
    const text = await r.text();
    if (text) problem = JSON.parse(text);
  } catch { /* not JSON */ }
  return new ApiError(r.status, problem);
}

export async function request<T>(method: string, url: string, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const unsafe = method !== "GET" && method !== "HEAD";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (unsafe && url !== "/api/auth/login") {
    const t = await antiforgery();
    headers[t.headerName] = t.token;
  }
  const r = await fetch(url, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) {
    const e = await toError(r);
    if (!retried && e.status === 400 && String(e.problem.type ?? "").endsWith("/antiforgery")) {
      csrf = null; // expired or issued for another identity: fetch a fresh one once
      return request<T>(method, url, body, true);
    }
    if (e.status === 401 && url !== "/api/auth/login" && onUnauthenticated) onUnauthenticated();
    throw e;
  }
  if (r.status === 204) return undefined as T;
  const type = r.headers.get("content-type") ?? "";
  return (type.includes("json") ? await r.json() : await r.text()) as T;
}

export const api = {
  get: <T>(url: string) => request<T>("GET", url),
  post: <T>(url: string, body?: unknown) => request<T>("POST", url, body ?? {}),
  put: <T>(url: string, body?: unknown) => request<T>("PUT", url, body ?? {}),
  del: <T>(url: string) => request<T>("DELETE", url),
};

/** GET that answers null when the endpoint is missing or not wired yet (404/405/501), so panels can hide. */
export async function optional<T>(url: string): Promise<T | null> {
  try {
    return await api.get<T>(url);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501)) return null;
    throw e;
  }
}

export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? "?" + s : "";
}

export const enc = encodeURIComponent;

export function newSessionId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
