import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { renderUi } from "../test/render";
import { ProgressDisplay } from "./ProgressDisplay";
import type { ProgressEvent } from "../types";

const event = (over: Partial<ProgressEvent> = {}): ProgressEvent => ({
  id: 7, kind: "progress", sessionId: "s1", operationId: "op1", deploymentId: "d1", phase: "Pulling images", message: "pulling web",
  percentComplete: 40, currentService: "web", servicesTotal: 3, servicesCompleted: 1, status: null, at: "2026-01-15T10:30:00Z", ...over,
});

describe("ProgressDisplay", () => {
  it("shows percent, phase, services completed/total and the green live indicator while connected", () => {
    renderUi(<ProgressDisplay event={event()} connection="connected" />);
    const bar = screen.getByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("40");
    expect((bar.firstChild as HTMLElement).style.width).toBe("40%");
    expect(screen.getByTestId("progress-percent").textContent).toBe("40%");
    expect(screen.getByTestId("progress-phase").textContent).toContain("Pulling images");
    expect(screen.getByTestId("progress-services").textContent).toBe("Services 1/3");
    const live = screen.getByTestId("live-indicator");
    expect(live.className).toContain("live-connected");
    expect(live.textContent).toBe("Live");
  });

  it("says reconnecting while the connection is lost, keeping the last known progress", () => {
    renderUi(<ProgressDisplay event={event()} connection="reconnecting" />);
    const live = screen.getByTestId("live-indicator");
    expect(live.className).toContain("live-reconnecting");
    expect(live.textContent).toBe("Reconnecting…");
    expect(screen.getByTestId("progress-percent").textContent).toBe("40%");
  });

  it("says it in German too", () => {
    renderUi(<ProgressDisplay event={event()} connection="reconnecting" />, "de");
    expect(screen.getByTestId("live-indicator").textContent).toBe("Verbindung wird wiederhergestellt…");
  });

  it("marks completion and failure", () => {
    const { unmount } = renderUi(<ProgressDisplay event={event({ kind: "completed", percentComplete: 100, phase: "commit" })} connection="connected" />);
    expect(screen.getByTestId("progress-status").textContent).toBe("Completed");
    unmount();
    renderUi(<ProgressDisplay event={event({ kind: "failed", phase: "pull" })} connection="connected" />);
    expect(screen.getByTestId("progress-status").textContent).toBe("Failed");
  });

  it("waits for the first event", () => {
    renderUi(<ProgressDisplay event={null} connection="connecting" />);
    expect(screen.getByTestId("progress-phase").textContent).toContain("Waiting for the first event");
    expect(screen.getByTestId("live-indicator").textContent).toBe("Connecting…");
  });
});
