using Tidegate.Bench;

// Benchmarks; see bench/README.md for what each measures and the recorded figures.
//   dotnet run -c Release --project bench/Tidegate.Bench -- catalog [products=20] [versions=50] [runs=7]
//   dotnet run -c Release --project bench/Tidegate.Bench -- stack [services=50] [runs=200]
//   dotnet run -c Release --project bench/Tidegate.Bench -- deploy [iterations] [services]
//   dotnet run -c Release --project bench/Tidegate.Bench -- rollback [runs]
//   dotnet run -c Release --project bench/Tidegate.Bench -- upgrade-load [rate] [runs]
//   dotnet run -c Release --project bench/Tidegate.Bench -- idle [deployments] [containers] [seconds]
//   dotnet run -c Release --project bench/Tidegate.Bench -- api [deployments=500] [requests=1000] [events=200]
//   dotnet run -c Release --project bench/Tidegate.Bench -- maintenance [iterations=5] [pollingInterval=1s]
//   dotnet run -c Release --project bench/Tidegate.Bench -- rollout [rate=200] [runs=1]
return args.FirstOrDefault() switch
{
    "catalog" => await CatalogSyncBench.RunAsync(args[1..]),
    "stack" => StackRenderBench.Run(args[1..]),
    "deploy" => await DeployBench.RunAsync(args[1..]),
    // Not a benchmark: builds the busybox images the demo catalog and the benchmarks use (scripts/run.sh calls it).
    "images" => await BuildImagesAsync(),
    "rollback" => await UpgradeBench.RollbackAsync(args[1..]),
    "upgrade-load" => await UpgradeBench.UpgradeLoadAsync(args[1..]),
    "idle" => await IdleBench.RunAsync(args[1..]),
    "api" => await ApiBench.RunAsync(args[1..]),
    "maintenance" => await MaintenanceBench.RunAsync(args[1..]),
    "rollout" => await RolloutBench.RunAsync(args[1..]),
    _ => Usage(),
};

static async Task<int> BuildImagesAsync()
{
    await Tidegate.TestKit.Images.TestImages.EnsureBuiltAsync(CancellationToken.None);
    Console.WriteLine("demo images present: " + string.Join(", ", Tidegate.TestKit.Images.TestImages.All));
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Tidegate.Bench catalog [products] [versions] [runs] | stack [services] [runs] | deploy [iterations] [services] | rollback [runs] | upgrade-load [rate] [runs] | idle [deployments] [containers] [seconds] | api [deployments] [requests] [events] | maintenance [iterations] [pollingInterval] | rollout [rate] [runs]");
    return 2;
}
