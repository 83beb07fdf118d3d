import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { renderUi } from "../test/render";
import { DeployForm } from "./DeployForm";
import { ApiError } from "../api";
import type { Environment, VariableDef } from "../types";
import { parseDotEnv } from "../variables";

const v = (over: Partial<VariableDef>): VariableDef => ({
  name: "X", type: "string", label: null, description: null, required: false, default: null, secret: false, options: [], group: null, order: 0, ...over,
});
const defs: VariableDef[] = [
  v({ name: "WEB_PORT", type: "port", label: "Web port", default: "18080", group: "Network", order: 1 }),
  v({ name: "GREETING", type: "string", label: "Greeting", required: true, group: "Application", order: 2 }),
  v({ name: "LOG_LEVEL", type: "select", label: "Log level", default: "info", options: [{ value: "info", label: "Info" }, { value: "debug", label: "Debug" }], order: 3 }),
  v({ name: "ADMIN_TOKEN", type: "secret", label: "Admin token", secret: true, default: "••••••", order: 4 }),
];
const envs: Environment[] = [{ id: "e1", name: "local", dockerEndpoint: "unix:///var/run/docker.sock", isDefault: true }];

describe("DeployForm", () => {
  it("generates typed fields, masks secrets and refuses missing and malformed values per field without calling the server", async () => {
    const submit = vi.fn();
    renderUi(<DeployForm defs={defs} environments={envs} submit={submit} onStarted={() => {}} />);
    expect((screen.getByLabelText(/Admin token/) as HTMLInputElement).type).toBe("password");
    expect((screen.getByLabelText(/Admin token/) as HTMLInputElement).value).toBe("");
    expect(screen.getByLabelText(/Log level/).tagName).toBe("SELECT");
    expect(screen.getByText("Network").tagName).toBe("LEGEND");

    fireEvent.change(screen.getByLabelText(/Web port/), { target: { value: "70000" } });
    fireEvent.click(screen.getByRole("button", { name: "Deploy" }));

    expect(await screen.findByText("Web port must be a port between 1 and 65535.")).toBeTruthy();
    expect(screen.getByText("Greeting is required.")).toBeTruthy();
    expect(screen.getByText("Deployment name is required.")).toBeTruthy();
    expect(screen.getByLabelText(/Web port/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText(/Web port/).getAttribute("aria-describedby")).toContain("var-WEB_PORT-err");
    expect(submit).not.toHaveBeenCalled();
  });

  it("puts the server's ValidationProblem messages on the fields they concern", async () => {
    const submit = vi.fn().mockRejectedValue(new ApiError(400, {
      type: "https://tidegate.dev/problems/validation", title: "Validation", detail: "The request was rejected: invalid stack.",
      errors: { GREETING: ["Greeting must not be blank."], variables: ["Web port: port 18080 is already used"], name: ["a deployment named web already exists"] },
    }));
    renderUi(<DeployForm defs={defs} environments={envs} submit={submit} onStarted={() => {}} initialName="web" />);
    fireEvent.change(screen.getByLabelText(/Greeting/), { target: { value: "hi" } });
    fireEvent.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(submit).toHaveBeenCalledOnce());
    expect(submit.mock.calls[0][0]).toEqual({ environmentId: "e1", name: "web", variables: { WEB_PORT: "18080", GREETING: "hi", LOG_LEVEL: "info" } });
    expect(await screen.findByText("Greeting must not be blank.")).toBeTruthy();
    expect(screen.getByText("Web port: port 18080 is already used").id).toBe("var-WEB_PORT-err");
    expect(screen.getByText("a deployment named web already exists").id).toBe("deploy-name-err");
  });

  it("imports values from a .env file and names the lines it does not know", async () => {
    renderUi(<DeployForm defs={defs} environments={envs} submit={vi.fn()} onStarted={() => {}} />);
    const file = new File(["# demo\nGREETING=\"Hello, world\"\nWEB_PORT=19090 # comment\nUNKNOWN=1\n"], "prod.env", { type: "text/plain" });
    fireEvent.change(screen.getByLabelText("Import .env file"), { target: { files: [file] } });
    await waitFor(() => expect((screen.getByLabelText(/Greeting/) as HTMLInputElement).value).toBe("Hello, world"));
    expect((screen.getByLabelText(/Web port/) as HTMLInputElement).value).toBe("19090");
    expect(screen.getByRole("status").textContent).toContain("Imported 2 value(s) from prod.env.");
    expect(screen.getByRole("status").textContent).toContain("UNKNOWN");
  });
});

describe("parseDotEnv", () => {
  it("reads comments, export, quotes and inline comments", () => {
    expect(parseDotEnv("export A=1\n# c\nB='x y'\nC=\"a\\nb\"\nD=v # note\n bad line\n")).toEqual({ A: "1", B: "x y", C: "a\nb", D: "v" });
  });
});
