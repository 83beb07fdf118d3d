namespace Tidegate.Core.Store;

internal sealed record DeploymentLock(string DeploymentId, string OperationId, string Holder, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

internal abstract record LockAcquireResult
{
    private LockAcquireResult()
    {
    }

    internal sealed record Acquired(DeploymentLock Lock) : LockAcquireResult;

    /// <summary>Another operation holds an unexpired lease; the API answers 409 naming it.</summary>
    internal sealed record Held(string OperationId, string Holder, DateTimeOffset ExpiresAt) : LockAcquireResult;
}

/// <summary>What a lease renewal found.</summary>
internal enum LeaseRenewal
{
    Renewed,

    /// <summary>The lease ran out before it was renewed (nobody took it yet, but anyone may have).</summary>
    Expired,

    /// <summary>Another operation or holder has the lock, or it was released.</summary>
    Lost,
}

/// <summary>One operation per deployment, enforced by a lock row with a lease: a crashed holder
/// stops renewing and the next acquirer takes the lock once the lease has expired.</summary>
internal sealed class DeploymentLockRepository(StoreDatabase db, TimeProvider time)
{
    /// <summary>Takes the lock when it is free, expired, or already held by the same operation. One
    /// conditional upsert decides atomically, so of many concurrent acquirers exactly one wins.</summary>
    public async Task<LockAcquireResult> AcquireAsync(
        string deploymentId, string operationId, string holder, TimeSpan lease, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        await using var uow = await db.OpenAsync(ct);
        while (true)
        {
            var now = time.GetUtcNow();
            var expires = now + lease;
            var taken = await uow.ExecuteAsync("""
                INSERT INTO deployment_locks (deployment_id, operation_id, holder, acquired_at, expires_at)
                VALUES (@d, @op, @holder, @now, @expires)
                ON CONFLICT (deployment_id) DO UPDATE
                SET operation_id = excluded.operation_id, holder = excluded.holder,
                    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
                WHERE deployment_locks.expires_at <= excluded.acquired_at
                   OR deployment_locks.operation_id = excluded.operation_id
                """, ct, ("@d", deploymentId), ("@op", operationId), ("@holder", holder), ("@now", now), ("@expires", expires));
            if (taken == 1)
            {
                return new LockAcquireResult.Acquired(new DeploymentLock(deploymentId, operationId, holder, now, expires));
            }

            var current = await ReadAsync(uow, deploymentId, ct);
            if (current is not null)
            {
                return new LockAcquireResult.Held(current.OperationId, current.Holder, current.ExpiresAt);
            }

            // Released between our upsert and the read: try again.
        }
    }

    /// <summary>Extends the lease of a lock this operation and holder hold, if the lease has not expired yet. An expired
    /// lease is never extended, even when nobody took it: from its expiry on, another instance may have started to act
    /// on the deployment, so the holder must treat it as lost.</summary>
    public async Task<LeaseRenewal> RenewAsync(string deploymentId, string operationId, string holder, TimeSpan lease, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        await using var uow = await db.OpenAsync(ct);
        var now = time.GetUtcNow();
        var renewed = await uow.ExecuteAsync(
            "UPDATE deployment_locks SET expires_at = @expires WHERE deployment_id = @d AND operation_id = @op AND holder = @holder AND expires_at > @now",
            ct, ("@d", deploymentId), ("@op", operationId), ("@holder", holder), ("@now", now), ("@expires", now + lease)) == 1;
        if (renewed)
        {
            return LeaseRenewal.Renewed;
        }

        var current = await ReadAsync(uow, deploymentId, ct);
        return current is not null && current.OperationId == operationId && current.Holder == holder ? LeaseRenewal.Expired : LeaseRenewal.Lost;
    }

    /// <summary>Releases the lock if this operation holds it. False when it did not.</summary>
    public async Task<bool> ReleaseAsync(string deploymentId, string operationId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.ExecuteAsync("DELETE FROM deployment_locks WHERE deployment_id = @d AND operation_id = @op",
            ct, ("@d", deploymentId), ("@op", operationId)) == 1;
    }

    /// <summary>The lock row, possibly with an expired lease; null when none.</summary>
    public async Task<DeploymentLock?> GetAsync(string deploymentId, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await ReadAsync(uow, deploymentId, ct);
    }

    private static Task<DeploymentLock?> ReadAsync(UnitOfWork uow, string deploymentId, CancellationToken ct) =>
        uow.QuerySingleAsync(
            "SELECT deployment_id, operation_id, holder, acquired_at, expires_at FROM deployment_locks WHERE deployment_id = @d",
            r => new DeploymentLock(r.Str("deployment_id"), r.Str("operation_id"), r.Str("holder"), r.Time("acquired_at"), r.Time("expires_at")),
            ct, ("@d", deploymentId));
}
