import { useEffect, useRef, useState } from "react";
import { HubConnectionBuilder, LogLevel } from "@microsoft/signalr";
import type { ModeChanged, ProgressEvent } from "./types";

// Live updates over the SignalR hub /hubs/deployment (docs/api.md, "Live progress"). A subscription replays
// the stored events first, so after a connection loss the hook simply subscribes again: missed events
// arrive, duplicates are dropped by their strictly increasing id.

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

/** The part of @microsoft/signalr's HubConnection the UI uses; tests pass a fake. */
export interface HubLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  invoke(method: string, ...args: unknown[]): Promise<unknown>;
  on(method: string, handler: (...args: any[]) => void): void;
  onreconnecting(cb: (error?: Error) => void): void;
  onreconnected(cb: (id?: string) => void): void;
  onclose(cb: (error?: Error) => void): void;
}

function realHub(): HubLike {
  return new HubConnectionBuilder()
    .withUrl("/hubs/deployment")
    // Never give up: retry quickly first, then every 5 s.
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: c => Math.min(250 * 2 ** c.previousRetryCount, 5000) })
    .configureLogging(LogLevel.Warning)
    .build();
}

let hubFactory: () => HubLike = realHub;
/** For tests: replace how connections are made. */
export function setHubFactory(factory: (() => HubLike) | null) { hubFactory = factory ?? realHub; }

interface HubOptions {
  /** Invoked after every (re)connect. */
  subscribe: (hub: HubLike) => Promise<unknown>;
  onProgress?: (e: ProgressEvent) => void;
  onModeChanged?: (m: ModeChanged) => void;
  /** The observer stream's ObserverStatus callback (api-contracts, stream "modes"). */
  onObserverStatus?: (status: unknown) => void;
  onReconnected?: () => void;
}

/** One hub connection for the lifetime of the component (or until `key` changes); null key = no connection. */
export function useHub(key: string | null, options: HubOptions): ConnectionState {
  // The state belongs to the key it was reached for: right after the key changes it is "connecting", not
  // the previous connection's "connected".
  const [keyed, setKeyed] = useState<{ key: string | null; state: ConnectionState }>({ key, state: "connecting" });
  const opts = useRef(options);
  opts.current = options;

  useEffect(() => {
    if (!key) return;
    let disposed = false;
    const setState = (state: ConnectionState) => setKeyed({ key, state });
    let retry: ReturnType<typeof setTimeout> | undefined;
    const hub = hubFactory();
    const progress = (e: ProgressEvent) => opts.current.onProgress?.(e);
    hub.on("DeploymentProgress", progress);
    hub.on("DeploymentCompleted", progress);
    hub.on("DeploymentFailed", progress);
    hub.on("OperationModeChanged", (m: ModeChanged) => opts.current.onModeChanged?.(m));
    hub.on("ObserverStatus", (o: unknown) => opts.current.onObserverStatus?.(o));
    hub.onreconnecting(() => { if (!disposed) setState("reconnecting"); });
    hub.onreconnected(async () => {
      if (disposed) return;
      try {
        await opts.current.subscribe(hub);
        setState("connected");
        opts.current.onReconnected?.();
      } catch {
        setState("reconnecting");
      }
    });
    const connect = async (first: boolean) => {
      if (disposed) return;
      setState(first ? "connecting" : "reconnecting");
      try {
        await hub.start();
        await opts.current.subscribe(hub);
        if (disposed) return;
        setState("connected");
        if (!first) opts.current.onReconnected?.();
      } catch {
        if (!disposed) retry = setTimeout(() => connect(false), 2000);
      }
    };
    // The automatic reconnect gave up (or the server closed): keep trying ourselves.
    hub.onclose(() => { if (!disposed) { setState("reconnecting"); retry = setTimeout(() => connect(false), 1000); } });
    void connect(true);
    return () => {
      disposed = true;
      clearTimeout(retry);
      void hub.stop().catch(() => undefined);
    };
  }, [key]);

  if (!key) return "disconnected";
  return keyed.key === key ? keyed.state : "connecting";
}

export interface ProgressState {
  connection: ConnectionState;
  event: ProgressEvent | null;
  /** Ids seen, to drop the duplicates a replay after reconnect brings. */
  count: number;
  done: boolean;
  failed: boolean;
}

/** Follows one operation's progress, by the seeds' sessionId or by operation id. */
export function useProgress(target: { sessionId?: string | null; operationId?: string | null } | null): ProgressState {
  const [event, setEvent] = useState<ProgressEvent | null>(null);
  const [count, setCount] = useState(0);
  const lastId = useRef(0);
  const key = target?.sessionId ? "s:" + target.sessionId : target?.operationId ? "o:" + target.operationId : null;

  useEffect(() => { lastId.current = 0; setEvent(null); setCount(0); }, [key]);

  const connection = useHub(key, {
    subscribe: hub => target?.sessionId
      ? hub.invoke("SubscribeToDeployment", target.sessionId)
      : hub.invoke("SubscribeToOperation", target!.operationId),
    onProgress: e => {
      if (e.id <= lastId.current) return;
      if (target?.sessionId && e.sessionId !== target.sessionId) return;
      if (!target?.sessionId && target?.operationId && e.operationId !== target.operationId) return;
      lastId.current = e.id;
      setEvent(e);
      setCount(c => c + 1);
    },
  });
  return { connection, event, count, done: event?.kind === "completed", failed: event?.kind === "failed" };
}

/** Progress of an operation this page starts itself, as the seeds ask: subscribe with a fresh sessionId first,
 * call the endpoint once the subscription stands (or after 5 s, the replay covers the rest). */
export function useSessionProgress(fallbackOperationId: string | null = null) {
  const [session, setSession] = useState<string | null>(null);
  const waiters = useRef<(() => void)[]>([]);
  const progress = useProgress(session ? { sessionId: session } : fallbackOperationId ? { operationId: fallbackOperationId } : null);
  useEffect(() => {
    if (session && progress.connection === "connected" && waiters.current.length) {
      const ready = waiters.current;
      waiters.current = [];
      ready.forEach(f => f());
    }
  }, [session, progress.connection]);
  const start = (sessionId: string) => new Promise<void>(resolve => {
    const release = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { waiters.current = waiters.current.filter(f => f !== release); resolve(); }, 5000);
    waiters.current.push(release);
    setSession(sessionId);
  });
  return { session, progress, start, clear: () => setSession(null) };
}
