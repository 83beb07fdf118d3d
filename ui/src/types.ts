// Shapes of the public REST API (docs/api.md, /work contracts). camelCase JSON.

export interface Paged<T> { items: T[]; total: number; limit: number; offset: number; nextOffset: number | null }

export interface Me { id: string; username: string; role: "admin" | "operator" | "viewer"; authenticatedBy: string }

export interface Environment { id: string; name: string; dockerEndpoint: string; isDefault: boolean }

export type Mode = "Normal" | "Maintenance" | "Migrating" | "Failed" | "Stopped";
export const MODES: Mode[] = ["Normal", "Maintenance", "Migrating", "Failed", "Stopped"];

export interface DeploymentSummary {
  id: string; environmentId: string; name: string; stackId: string; productId: string; version: string; mode: Mode;
  currentRevision: number | null; lastSuccessfulRevision: number | null; createdAt: string; updatedAt: string;
}

export interface Container {
  id: string; name: string; revision: number | null; state: string; health: string | null; verdict: string;
  restartCount: number; image: string; imageDigest: string | null; ports: string[];
}
export interface Service { name: string; health: string; containers: Container[] }
export interface Variable { name: string; value: string; secret: boolean }

export interface DeploymentDetail {
  deployment: DeploymentSummary; health: string; runningOperationId: string | null; services: Service[];
  variables: Variable[]; statusError: string | null; availableActions?: string[];
}

export interface Operation {
  id: string; deploymentId: string | null; deploymentName: string | null; kind: string; status: string; phase: string | null;
  percent: number; requestedBy: string; sessionId: string | null; createdAt: string; startedAt: string | null;
  finishedAt: string | null; error: string | null;
}

export interface OperationAccepted { operationId: string; deploymentId?: string; sessionId?: string | null; eventsUrl: string }

export interface ProgressEvent {
  id: number; kind: "progress" | "completed" | "failed"; sessionId: string | null; operationId: string; deploymentId: string | null;
  phase: string | null; message: string | null; percentComplete: number | null; currentService: string | null;
  servicesTotal: number | null; servicesCompleted: number | null; status: string | null; at: string;
}

export interface ModeChanged { deploymentId: string; from: string; to: string; reason: string | null; changedBy: string; at: string }
export interface ModeHistoryEntry { id: string; from: string; to: string; reason: string | null; changedBy: string; at: string }

export interface Product { key: string; sourceId: string; id: string; name: string; description: string | null; stackIds: string[] }
export interface Stack { id: string; productKey: string; name: string; description: string | null; latestVersion: string | null; versionCount: number; hasBrokenEntries: boolean }
export interface StackVersion { stackId: string; version: string | null; prerelease: boolean; broken: boolean; file: string; releaseNotesUrl: string | null; diagnostics: string[] }
export interface VariableOption { value: string; label: string | null }
export interface VariableDef {
  name: string; type: string; label: string | null; description: string | null; required: boolean; default: string | null;
  secret: boolean; options: VariableOption[]; group: string | null; order: number;
}
export interface VersionDetail { version: StackVersion; variables: VariableDef[] }

export interface UpgradeCheck {
  success: boolean; upgradeAvailable: boolean; currentVersion: string | null; latestVersion: string | null; latestStackId: string | null;
  newVariables: string[]; removedVariables: string[]; canUpgrade: boolean; cannotUpgradeReason: string | null;
  newerVersions?: { version: string; stackId: string; releaseNotesUrl: string | null }[];
}
export interface RollbackInfo { canRollback: boolean; rollbackTargetVersion: string | null; snapshotDescription: string | null; snapshotCreatedAt: string | null }

export interface Revision {
  number: number; stackId: string; version: string; createdAt: string; createdBy: string; reason: string | null;
  outcome: string | null; imageDigests: Record<string, string>; current: boolean;
}
export interface RevisionDiff {
  from: number; to: number; version: { from: string; to: string };
  images: { image?: string; service?: string; from: string | null; to: string | null }[];
  variables: { name: string; change: "added" | "removed" | "changed"; from: string | null; to: string | null }[];
  definition: string;
}
export interface LogLine { container: string; service: string; stream: "stdout" | "stderr"; timestamp: string; text: string }

export interface ObserverStatus {
  configured: boolean; type: string | null; source: string | null; settings?: Record<string, unknown>; pollingIntervalSeconds: number | null;
  lastValue: string | null; lastPolledAt: string | null; health: "ok" | "error" | "unknown"; error: string | null;
  observedMode: string | null; owner: string | null;
}
export interface Rollout {
  strategy: string; phase: string;
  stable: { version: string; revision: number; weight: number }; candidate: { version: string; revision: number; weight: number };
  steps: number[]; currentStep: number; counters: { version: string; requests: number; errors: number; errorRate: number; p99Ms?: number | null }[];
}

export interface User { id: string; username: string; role: string; lastLoginAt: string | null; createdAt: string }
export interface Token {
  id: string; userId: string; name: string; prefix: string; scopeEnvironmentId: string | null; scopeDeploymentId: string | null;
  createdAt: string; expiresAt: string | null; revokedAt: string | null; lastUsedAt: string | null; active: boolean;
}
export interface Registry { host: string; username: string; password: string; createdAt: string; updatedAt: string }
export interface AuditEntry { id: number; at: string; actor: string; action: string; target: string | null; result: string; reason: string | null; sourceIp: string | null; details: string | null }
