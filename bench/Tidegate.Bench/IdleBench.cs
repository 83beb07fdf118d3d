using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Tidegate.Bench;

/// <summary>Server memory and idle CPU (issue 4): a real <c>tidegate serve</c> process, measured from /proc while idle with no
/// deployment, then with N deployments of M containers each deployed through the API and monitored.
/// Usage: Tidegate.Bench idle [deployments=100] [containers=5] [seconds=60]</summary>
internal static class IdleBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deployments = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var containers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60;
        var run = Guid.NewGuid().ToString("N")[..8];
        var root = Path.Combine(Path.GetTempPath(), $"tidegate-idle-bench-{run}");
        var cli = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Tidegate.Cli", "bin", "Release", "net10.0", "tidegate.dll");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"{cli} is missing: build the solution in Release first.");
            return 2;
        }
        WriteCatalog(Path.Combine(root, "catalog", "idle", "1.0.0"), containers);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", Path.Combine(root, "data"), "--catalog-dir", Path.Combine(root, "catalog") })
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["TIDEGATE_BOOTSTRAP_ADMIN_USER"] = "bench";
        start.Environment["TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD"] = "a-long-bench-password";
        start.Environment["TIDEGATE_Engine__Labels__tidegate.bench"] = run;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await UntilAsync(async () => (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode, TimeSpan.FromSeconds(60));
            var login = await http.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { username = "bench", password = "a-long-bench-password", tokenName = "bench" });
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await UntilAsync(async () => (await http.GetAsync(new Uri("/api/catalog/stacks/demo:idle:app/versions", UriKind.Relative))).IsSuccessStatusCode,
                TimeSpan.FromSeconds(60));
            var environmentId = (await http.GetFromJsonAsync<JsonElement>("/api/environments")).GetProperty("items")[0].GetProperty("id").GetString();

            // Settle after start-up work (JIT, first sync), then measure with nothing deployed.
            await Task.Delay(TimeSpan.FromSeconds(10));
            var empty = await MeasureAsync(server.Id, seconds);

            var deployWatch = Stopwatch.StartNew();
            for (var batch = 0; batch < deployments; batch += 20)
            {
                var operations = new List<string>();
                for (var i = batch; i < Math.Min(batch + 20, deployments); i++)
                {
                    var response = await http.PostAsJsonAsync(new Uri($"/api/environments/{environmentId}/deployments", UriKind.Relative),
                        new { name = $"tgidle-{run}-{i:000}", stackId = "demo:idle:app" });
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    operations.Add(body.GetProperty("operationId").GetString()!);
                }
                foreach (var operation in operations)
                {
                    await UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/operations/{operation}")).GetProperty("operation")
                        .GetProperty("status").GetString() is "Succeeded", TimeSpan.FromMinutes(5));
                }
            }
            Console.WriteLine($"deployed {deployments} × {containers} containers in {deployWatch.Elapsed.TotalSeconds:F0} s");
            await Task.Delay(TimeSpan.FromSeconds(15));
            var loaded = await MeasureAsync(server.Id, seconds);

            Console.WriteLine($"tidegate serve, {seconds} s windows (RSS sampled every second; CPU = process user+system time / wall time):");
            Console.WriteLine($"  no deployments:                 RSS max {empty.MaxRssMb:F0} MB  CPU {empty.CpuPercent:F2} % of a core   (targets: < 150 MB, < 1 %)");
            Console.WriteLine($"  {deployments} deployments / {deployments * containers} containers: RSS max {loaded.MaxRssMb:F0} MB  CPU {loaded.CpuPercent:F2} % of a core   (target: < 250 MB)");
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            using var cleanup = Process.Start(new ProcessStartInfo("sh", $"-c \"docker rm -f $(docker ps -aq --filter label=tidegate.bench={run}) >/dev/null 2>&1; docker network rm $(docker network ls -q --filter label=tidegate.bench={run}) >/dev/null 2>&1; true\""))!;
            await cleanup.WaitForExitAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(double MaxRssMb, double CpuPercent)> MeasureAsync(int pid, int seconds)
    {
        var ticksPerSecond = 100.0; // USER_HZ on Linux
        var cpuBefore = CpuTicks(pid);
        var watch = Stopwatch.StartNew();
        double maxRss = 0;
        for (var i = 0; i < seconds; i++)
        {
            maxRss = Math.Max(maxRss, RssMb(pid));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var cpu = (CpuTicks(pid) - cpuBefore) / ticksPerSecond;
        return (maxRss, 100.0 * cpu / watch.Elapsed.TotalSeconds);
    }

    private static double RssMb(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).FirstOrDefault();

    /// <summary>utime + stime (fields 14 and 15 of /proc/pid/stat, after the parenthesised command).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException("condition not met within " + timeout);
            }
            await Task.Delay(200);
        }
    }

    /// <summary>One stack of M busybox web containers with a production-like 30 s healthcheck, no published ports, on Docker's
    /// default bridge (no project network per deployment).</summary>
    private static void WriteCatalog(string folder, int containers)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder("x-tidegate:\n  product: idle\n  stack: app\n  version: \"1.0.0\"\nservices:\n");
        for (var i = 1; i <= containers; i++)
        {
            // network_mode bridge: Docker's default address pools hold about 30 networks, fewer than 100 project networks.
            text.Append(CultureInfo.InvariantCulture, $"  s{i}:\n    image: tidegate-test/web:1.0.0\n    network_mode: bridge\n    environment:\n      VERSION: s{i}\n");
            text.Append("    healthcheck:\n      test: [\"CMD-SHELL\", \"wget -q -O /dev/null http://127.0.0.1:8080/health\"]\n      interval: 30s\n      start_period: 1s\n      start_interval: 1s\n");
        }
        File.WriteAllText(Path.Combine(folder, "compose.yaml"), text.ToString());
    }
}
