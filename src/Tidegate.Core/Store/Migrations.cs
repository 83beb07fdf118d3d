namespace Tidegate.Core.Store;

internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>The schema, as an ordered list of numbered migrations. Rules: append only (never edit a
/// released migration), versions are 1, 2, 3… without gaps, each runs in its own transaction.
/// SQL is kept portable (TEXT ids and times, JSON as TEXT, ON CONFLICT, partial indexes); the
/// SQLite-specific forms are INTEGER PRIMARY KEY AUTOINCREMENT for append-only sequences (PostgreSQL:
/// BIGINT GENERATED ALWAYS AS IDENTITY) and trigger bodies.</summary>
internal static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "environments, registry credentials, catalog sources", """
            CREATE TABLE environments (
                id              TEXT NOT NULL PRIMARY KEY,
                name            TEXT NOT NULL UNIQUE,
                docker_endpoint TEXT NOT NULL,
                tls_ca_ref      TEXT NULL,
                tls_cert_ref    TEXT NULL,
                tls_key_ref     TEXT NULL,
                is_default      INTEGER NOT NULL DEFAULT 0,
                created_at      TEXT NOT NULL,
                updated_at      TEXT NOT NULL
            );
            CREATE UNIQUE INDEX ux_environments_single_default ON environments (is_default) WHERE is_default = 1;

            CREATE TABLE environment_variables (
                environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
                name           TEXT NOT NULL,
                value          TEXT NOT NULL,
                is_secret      INTEGER NOT NULL,
                updated_at     TEXT NOT NULL,
                PRIMARY KEY (environment_id, name)
            );

            CREATE TABLE registry_credentials (
                host       TEXT NOT NULL PRIMARY KEY,
                username   TEXT NOT NULL,
                password   TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );

            CREATE TABLE catalog_sources (
                id               TEXT NOT NULL PRIMARY KEY,
                kind             TEXT NOT NULL,
                location         TEXT NOT NULL,
                git_ref          TEXT NULL,
                sub_path         TEXT NULL,
                sync_interval_ms INTEGER NULL,
                credentials      TEXT NULL,
                last_sync_at     TEXT NULL,
                last_sync_error  TEXT NULL,
                last_success_at  TEXT NULL,
                created_at       TEXT NOT NULL,
                updated_at       TEXT NOT NULL
            );
            """),
        new(2, "deployments, variables, revisions, mode history, snapshots, deployment metadata", """
            CREATE TABLE deployments (
                id                       TEXT NOT NULL PRIMARY KEY,
                environment_id           TEXT NOT NULL REFERENCES environments (id),
                name                     TEXT NOT NULL,
                stack_id                 TEXT NOT NULL,
                product_id               TEXT NOT NULL,
                version                  TEXT NOT NULL,
                operation_mode           TEXT NOT NULL,
                current_revision         INTEGER NULL,
                last_successful_revision INTEGER NULL,
                created_at               TEXT NOT NULL,
                updated_at               TEXT NOT NULL,
                UNIQUE (environment_id, name)
            );

            CREATE TABLE deployment_variables (
                deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
                name          TEXT NOT NULL,
                value         TEXT NOT NULL,
                is_secret     INTEGER NOT NULL,
                updated_at    TEXT NOT NULL,
                PRIMARY KEY (deployment_id, name)
            );

            CREATE TABLE revisions (
                deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
                number        INTEGER NOT NULL,
                stack_id      TEXT NOT NULL,
                version       TEXT NOT NULL,
                definition    TEXT NOT NULL,
                variables     TEXT NOT NULL,
                image_digests TEXT NOT NULL,
                created_by    TEXT NOT NULL,
                created_at    TEXT NOT NULL,
                reason        TEXT NOT NULL,
                outcome       TEXT NOT NULL,
                outcome_at    TEXT NULL,
                PRIMARY KEY (deployment_id, number)
            );

            CREATE TABLE mode_history (
                id            TEXT NOT NULL PRIMARY KEY,
                deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
                from_mode     TEXT NOT NULL,
                to_mode       TEXT NOT NULL,
                reason        TEXT NULL,
                changed_by    TEXT NOT NULL,
                at            TEXT NOT NULL
            );
            CREATE INDEX ix_mode_history_deployment ON mode_history (deployment_id, at);

            CREATE TABLE snapshots (
                id              TEXT NOT NULL PRIMARY KEY,
                deployment_id   TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
                operation_id    TEXT NULL,
                revision        INTEGER NULL,
                version         TEXT NOT NULL,
                description     TEXT NOT NULL,
                container_state TEXT NOT NULL,
                hook_outcome    TEXT NULL,
                state           TEXT NOT NULL,
                created_at      TEXT NOT NULL,
                deleted_at      TEXT NULL
            );
            CREATE INDEX ix_snapshots_deployment ON snapshots (deployment_id, created_at);

            CREATE TABLE deployment_metadata (
                id            TEXT NOT NULL PRIMARY KEY,
                deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
                operation_id  TEXT NULL,
                at            TEXT NOT NULL,
                revision      INTEGER NULL,
                version       TEXT NOT NULL,
                images        TEXT NOT NULL,
                pull_result   TEXT NULL,
                deploy_result TEXT NULL,
                health_result TEXT NULL
            );
            CREATE INDEX ix_deployment_metadata_deployment ON deployment_metadata (deployment_id, at);
            """),
        new(3, "operations, step journal, progress events, deployment locks", """
            CREATE TABLE operations (
                id              TEXT NOT NULL PRIMARY KEY,
                deployment_id   TEXT NULL REFERENCES deployments (id) ON DELETE SET NULL,
                deployment_name TEXT NULL,
                kind            TEXT NOT NULL,
                status          TEXT NOT NULL,
                phase           TEXT NULL,
                percent         INTEGER NOT NULL DEFAULT 0,
                requested_by    TEXT NOT NULL,
                session_id      TEXT NULL,
                created_at      TEXT NOT NULL,
                started_at      TEXT NULL,
                finished_at     TEXT NULL,
                error           TEXT NULL
            );
            CREATE INDEX ix_operations_deployment ON operations (deployment_id, created_at);
            CREATE INDEX ix_operations_status ON operations (status);

            CREATE TABLE operation_steps (
                operation_id TEXT NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
                seq          INTEGER NOT NULL,
                name         TEXT NOT NULL,
                status       TEXT NOT NULL,
                detail       TEXT NULL,
                started_at   TEXT NOT NULL,
                finished_at  TEXT NULL,
                PRIMARY KEY (operation_id, seq)
            );

            CREATE TABLE progress_events (
                id                 INTEGER PRIMARY KEY AUTOINCREMENT,
                operation_id       TEXT NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
                deployment_id      TEXT NULL,
                session_id         TEXT NULL,
                kind               TEXT NOT NULL,
                phase              TEXT NULL,
                message            TEXT NULL,
                percent            INTEGER NULL,
                current_service    TEXT NULL,
                services_total     INTEGER NULL,
                services_completed INTEGER NULL,
                status             TEXT NULL,
                at                 TEXT NOT NULL,
                data               TEXT NULL
            );
            CREATE INDEX ix_progress_events_operation ON progress_events (operation_id, id);
            CREATE INDEX ix_progress_events_session ON progress_events (session_id, id);

            CREATE TABLE deployment_locks (
                deployment_id TEXT NOT NULL PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
                operation_id  TEXT NOT NULL,
                holder        TEXT NOT NULL,
                acquired_at   TEXT NOT NULL,
                expires_at    TEXT NOT NULL
            );
            """),
        new(4, "users, API tokens, audit log", """
            CREATE TABLE users (
                id                 TEXT NOT NULL PRIMARY KEY,
                username           TEXT NOT NULL UNIQUE,
                password_hash      TEXT NOT NULL,
                role               TEXT NOT NULL,
                failed_login_count INTEGER NOT NULL DEFAULT 0,
                locked_until       TEXT NULL,
                last_login_at      TEXT NULL,
                created_at         TEXT NOT NULL,
                updated_at         TEXT NOT NULL
            );

            CREATE TABLE api_tokens (
                id                   TEXT NOT NULL PRIMARY KEY,
                user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name                 TEXT NOT NULL,
                token_hash           TEXT NOT NULL UNIQUE,
                prefix               TEXT NOT NULL,
                scope_environment_id TEXT NULL,
                scope_deployment_id  TEXT NULL,
                created_at           TEXT NOT NULL,
                expires_at           TEXT NULL,
                revoked_at           TEXT NULL,
                last_used_at         TEXT NULL
            );
            CREATE INDEX ix_api_tokens_user ON api_tokens (user_id);

            CREATE TABLE audit_log (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                at        TEXT NOT NULL,
                actor     TEXT NOT NULL,
                action    TEXT NOT NULL,
                target    TEXT NULL,
                result    TEXT NOT NULL,
                reason    TEXT NULL,
                source_ip TEXT NULL,
                details   TEXT NULL
            );
            CREATE INDEX ix_audit_log_at ON audit_log (at);
            CREATE INDEX ix_audit_log_actor ON audit_log (actor, id);
            CREATE INDEX ix_audit_log_target ON audit_log (target, id);
            """),
        // Defence in depth: the repository offers no update but the outcome, and the database refuses
        // any other change too. Trigger syntax differs per database; PostgreSQL gets its own trigger.
        new(5, "revisions are immutable except a Pending outcome", """
            CREATE TRIGGER tr_revisions_immutable BEFORE UPDATE ON revisions
            WHEN NEW.deployment_id IS NOT OLD.deployment_id OR NEW.number IS NOT OLD.number
              OR NEW.stack_id IS NOT OLD.stack_id OR NEW.version IS NOT OLD.version
              OR NEW.definition IS NOT OLD.definition OR NEW.variables IS NOT OLD.variables
              OR NEW.image_digests IS NOT OLD.image_digests OR NEW.created_by IS NOT OLD.created_by
              OR NEW.created_at IS NOT OLD.created_at OR NEW.reason IS NOT OLD.reason
              OR OLD.outcome <> 'Pending'
            BEGIN
                SELECT RAISE(ABORT, 'revisions are immutable: only a Pending outcome may be set, once');
            END;
            """),
        new(6, "maintenance observers configured through the API", """
            CREATE TABLE deployment_observers (
                deployment_id TEXT NOT NULL PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
                settings      TEXT NOT NULL,
                updated_by    TEXT NOT NULL,
                updated_at    TEXT NOT NULL
            );
            """),
        new(7, "deploy-webhook deliveries by Idempotency-Key", """
            CREATE TABLE webhook_deliveries (
                caller          TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                operation_id    TEXT NOT NULL,
                deployment_id   TEXT NOT NULL,
                version         TEXT NOT NULL,
                created_at      TEXT NOT NULL,
                PRIMARY KEY (caller, idempotency_key)
            );
            CREATE INDEX ix_webhook_deliveries_created_at ON webhook_deliveries (created_at);
            """),
        new(8, "security stamp per user; indexes for audit and progress retention", """
            ALTER TABLE users ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
            CREATE INDEX ix_progress_events_at ON progress_events (at);
            """),
    ];

    public static int Latest => All[^1].Version;
}
