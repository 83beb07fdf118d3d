using Microsoft.Extensions.Options;
using Tidegate.Core.Store;
using Tidegate.Server.Hosting;

namespace Tidegate.Server.Audit;

/// <summary>Writes the counts of sampled anonymous requests once their window ends (and all of them at shutdown), and
/// applies <c>Audit:Retention</c> and <c>Progress:Retention</c>: at start and then hourly. One wake-up a minute; the
/// deletes run in bounded batches so they never hold the write lock for long.</summary>
internal sealed class AuditHousekeeping(StoreHolder holder, AnonymousAuditSampler sampler, IOptions<ServerOptions> options, TimeProvider time,
    ILogger<AuditHousekeeping> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private const int PruneBatch = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextPrune = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(Tick, time);
        do
        {
            try
            {
                await FlushAsync(all: false, stoppingToken);
                if (time.GetUtcNow() >= nextPrune)
                {
                    await PruneAsync(stoppingToken);
                    nextPrune = time.GetUtcNow() + PruneEvery;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.HousekeepingFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(all: true, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.HousekeepingFailed(logger, ex);
        }
    }

    /// <summary>Writes the summary rows of ended windows (of every window with <paramref name="all"/>).</summary>
    public async Task FlushAsync(bool all, CancellationToken ct)
    {
        foreach (var summary in sampler.TakeSummaries(all))
        {
            await holder.Store.AuditLog.AppendAsync(summary, ct);
        }
    }

    /// <summary>Deletes audit entries and progress events older than their retention; returns how many of each.</summary>
    public async Task<(int Audit, int Progress)> PruneAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var audit = await PruneAllAsync(options.Value.Audit.Retention, (before, c) => holder.Store.AuditLog.PruneAsync(before, PruneBatch, c), now, ct);
        var progress = await PruneAllAsync(options.Value.Progress.Retention, (before, c) => holder.Store.ProgressEvents.PruneAsync(before, PruneBatch, c), now, ct);
        if (audit + progress > 0)
        {
            Log.Pruned(logger, audit, progress);
        }
        return (audit, progress);
    }

    private static async Task<int> PruneAllAsync(TimeSpan retention, Func<DateTimeOffset, CancellationToken, Task<int>> prune, DateTimeOffset now,
        CancellationToken ct)
    {
        if (retention <= TimeSpan.Zero)
        {
            return 0;
        }
        var total = 0;
        int deleted;
        do
        {
            deleted = await prune(now - retention, ct);
            total += deleted;
        }
        while (deleted == PruneBatch);
        return total;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
