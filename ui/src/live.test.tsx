import { afterEach, describe, expect, it } from "vitest";
import { act, render, screen, waitFor } from "@testing-library/react";
import { setHubFactory, useProgress, type HubLike } from "./live";
import type { ProgressEvent } from "./types";

/** A hub that stores events like the server: subscribing replays them all, then pushes live ones. */
class FakeHub implements HubLike {
  handlers = new Map<string, (...a: any[]) => void>();
  reconnecting?: () => void;
  reconnected?: () => void;
  subscriptions: string[] = [];
  static stored: ProgressEvent[] = [];
  async start() {}
  async stop() {}
  async invoke(method: string, arg: unknown) {
    this.subscriptions.push(`${method}:${arg}`);
    for (const e of FakeHub.stored) this.emit(e);
  }
  on(method: string, handler: (...a: any[]) => void) { this.handlers.set(method, handler); }
  onreconnecting(cb: () => void) { this.reconnecting = cb; }
  onreconnected(cb: () => void) { this.reconnected = cb; }
  onclose() {}
  emit(e: ProgressEvent) {
    this.handlers.get(e.kind === "completed" ? "DeploymentCompleted" : e.kind === "failed" ? "DeploymentFailed" : "DeploymentProgress")!(e);
  }
}

const ev = (id: number, percent: number, kind: ProgressEvent["kind"] = "progress"): ProgressEvent => ({
  id, kind, sessionId: "s1", operationId: "op1", deploymentId: "d1", phase: `phase ${id}`, message: null, percentComplete: percent,
  currentService: null, servicesTotal: 2, servicesCompleted: 0, status: null, at: "2026-01-01T00:00:00Z",
});

function Probe() {
  const p = useProgress({ sessionId: "s1" });
  return <p data-testid="probe">{p.connection}|{p.event?.id ?? "-"}|{p.count}|{p.done ? "done" : ""}</p>;
}

afterEach(() => { setHubFactory(null); FakeHub.stored = []; });

describe("useProgress", () => {
  it("subscribes by session, then after a connection loss resubscribes and gets the missed events once", async () => {
    const hub = new FakeHub();
    setHubFactory(() => hub);
    FakeHub.stored = [ev(1, 10)];
    render(<Probe />);
    await waitFor(() => expect(screen.getByTestId("probe").textContent).toBe("connected|1|1|"));
    expect(hub.subscriptions).toEqual(["SubscribeToDeployment:s1"]);

    act(() => hub.reconnecting!());
    expect(screen.getByTestId("probe").textContent).toBe("reconnecting|1|1|");

    // While away the server stored two more events; the resubscription replays all three.
    FakeHub.stored = [ev(1, 10), ev(2, 50), ev(3, 100, "completed")];
    await act(async () => { hub.reconnected!(); });
    await waitFor(() => expect(screen.getByTestId("probe").textContent).toBe("connected|3|3|done"));
    expect(hub.subscriptions).toEqual(["SubscribeToDeployment:s1", "SubscribeToDeployment:s1"]);
  });

  it("ignores events of other sessions and stale ids", async () => {
    const hub = new FakeHub();
    setHubFactory(() => hub);
    render(<Probe />);
    await waitFor(() => expect(screen.getByTestId("probe").textContent).toBe("connected|-|0|"));
    act(() => hub.emit(ev(5, 30)));
    act(() => hub.emit({ ...ev(6, 60), sessionId: "other" }));
    act(() => hub.emit(ev(4, 20)));
    expect(screen.getByTestId("probe").textContent).toBe("connected|5|1|");
  });
});
