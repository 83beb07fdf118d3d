using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Bench;

/// <summary>Load + validate + resolve + render of one large stack file (default 50 services), the work
/// behind <c>tidegate config</c> and every deploy's planning step. Warm timings, median of many runs.</summary>
internal static class StackRenderBench
{
    public static int Run(string[] args)
    {
        var services = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var text = Stack(services);
        var values = VariableValues.FromDeployment(new Dictionary<string, string> { ["DB_PASSWORD"] = "s3cret", ["GREETING"] = "hi" });

        string Once()
        {
            var template = StackLoader.LoadText(text, "bench.yml");
            var resolved = StackResolver.Resolve(template, values);
            if (resolved.HasErrors)
            {
                throw new InvalidOperationException(string.Join(Environment.NewLine, resolved.Diagnostics));
            }
            return resolved.Render();
        }

        for (var i = 0; i < 20; i++)
        {
            Once();
        }
        var timings = new List<double>(runs);
        var length = 0;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            length = Once().Length;
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
        timings.Sort();
        var median = timings[timings.Count / 2];
        var p95 = timings[(int)(timings.Count * 0.95)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stack: {services} services, {text.Length / 1024} KiB in, {length / 1024} KiB rendered"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load+validate+resolve+render, warm, {runs} runs: median {median:F2} ms, p95 {p95:F2} ms, min {timings[0]:F2} ms"));
        Console.WriteLine($"target < 20 ms: {(median < 20 ? "met" : "MISSED")}");
        return median < 20 ? 0 : 1;
    }

    /// <summary>A realistic stack: typed variables, and services with ports, env, volumes, healthchecks,
    /// depends_on chains, labels and deploy resources.</summary>
    private static string Stack(int services)
    {
        var b = new StringBuilder();
        b.AppendLine("""
            x-tidegate:
              product: bench
              version: "1.0.0"
              variables:
                DB_PASSWORD: { type: secret, required: true }
                GREETING: { type: string, default: hello }
                BASE_PORT: { type: port, default: "20000" }
            services:
            """);
        for (var i = 0; i < services; i++)
        {
            b.AppendLine(CultureInfo.InvariantCulture, $$"""
                  svc{{i}}:
                    image: registry.example.invalid/team/svc{{i}}:${TAG:-1.{{i}}.0}
                    command: ["sh", "-c", "exec httpd -f -p 8080"]
                    environment:
                      GREETING: ${GREETING}
                      DB_PASSWORD: ${DB_PASSWORD}
                      INDEX: "{{i}}"
                    ports:
                      - "127.0.0.1:{{20000 + i}}:8080"
                    volumes:
                      - data{{i % 5}}:/data
                      - type: tmpfs
                        target: /tmp
                    networks: [front, back]
                    labels:
                      tier: "t{{i % 3}}"
                    healthcheck:
                      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/health"]
                      interval: 5s
                      timeout: 2s
                      retries: 3
                      start_period: 10s
                    restart: unless-stopped
                    deploy:
                      resources:
                        limits: { memory: 128M, cpus: "0.5" }
                """);
            if (i > 0)
            {
                b.AppendLine(CultureInfo.InvariantCulture, $$"""
                        depends_on:
                          svc{{i - 1}}:
                            condition: service_healthy
                    """);
            }
        }
        b.AppendLine("networks:\n  front: {}\n  back: {}\nvolumes:");
        for (var v = 0; v < 5; v++)
        {
            b.AppendLine(CultureInfo.InvariantCulture, $"  data{v}: {{}}");
        }
        return b.ToString();
    }
}
