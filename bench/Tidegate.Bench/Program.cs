using System.Diagnostics;
using System.Globalization;
using Tidegate.Bench;
using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;

if (args is ["deploy", .. var rest])
{
    return await DeployBench.RunAsync(rest);
}

// Catalog sync benchmark: a generated local source with products × versions stack files, synced
// through StackCatalog.SyncAsync (the real scan, assemble and swap path). Usage:
//   dotnet run -c Release --project bench/Tidegate.Bench -- [products=20] [versions=50] [runs=7]
var products = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var versions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;

// The reader under test. When the stack loader is merged, this line becomes `new StackLoader()`.
IStackReader reader = new XTidegateBenchReader();

var root = Path.Combine(Path.GetTempPath(), $"tidegate-bench-{Guid.NewGuid():N}");
try
{
    CatalogFixture.Generate(root, products, versions);
    var options = new CatalogOptions();
    options.Sources.Add(new CatalogSourceOptions { Id = "bench", Kind = "directory", Path = root, SyncInterval = TimeSpan.Zero });
    var catalog = new StackCatalog(reader, options, TimeProvider.System);

    // Warm: JIT, file-system cache.
    for (var i = 0; i < 2; i++)
    {
        await Sync(catalog);
    }
    var timings = new List<TimeSpan>();
    for (var i = 0; i < runs; i++)
    {
        var watch = Stopwatch.StartNew();
        await Sync(catalog);
        timings.Add(watch.Elapsed);
    }
    timings.Sort();
    var median = timings[timings.Count / 2];
    var status = catalog.FindSource("bench")!;
    Console.WriteLine($"reader: {reader.GetType().Name}");
    Console.WriteLine($"source: {products} products x {versions} versions = {status.VersionCount} stack files ({status.BrokenCount} broken)");
    Console.WriteLine($"full sync, warm, {runs} runs: median {median.TotalMilliseconds:F0} ms, min {timings[0].TotalMilliseconds:F0} ms, max {timings[^1].TotalMilliseconds:F0} ms");
    Console.WriteLine($"per stack file: {median.TotalMilliseconds * 1000 / Math.Max(1, status.VersionCount):F0} us; target < 2000 ms: {(median < TimeSpan.FromSeconds(2) ? "met" : "MISSED")}");
    return median < TimeSpan.FromSeconds(2) ? 0 : 1;
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task Sync(StackCatalog catalog)
{
    var result = await catalog.SyncAsync("bench", CancellationToken.None);
    if (!result.Succeeded)
    {
        throw new InvalidOperationException(result.Error!.Message);
    }
}
