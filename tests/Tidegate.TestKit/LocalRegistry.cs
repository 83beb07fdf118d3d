using System.Diagnostics;
using System.Text;

namespace Tidegate.TestKit;

/// <summary>
/// A private registry (Debian's docker-registry) on a free 127.0.0.1 port with htpasswd (bcrypt) auth and
/// temporary storage. The daemon treats 127.0.0.0/8 as insecure, so plain HTTP works. Dispose to stop it.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Process _process;
    private readonly StringBuilder _log;

    private LocalRegistry(string directory, Process process, StringBuilder log, int port, string username, string password)
    {
        _directory = directory;
        _process = process;
        _log = log;
        Port = port;
        Username = username;
        Password = password;
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:PORT", the registry part of image references.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string Username { get; }

    public string Password { get; }

    /// <summary>Directory of the docker CLI config used for pushes (the host's ~/.docker is never touched).</summary>
    public string DockerConfigDirectory => Path.Combine(_directory, "docker-config");

    public static async Task<LocalRegistry> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("tidegate-registry-").FullName;
        var username = "tidegate";
        var password = "pw-" + Guid.NewGuid().ToString("N")[..16];
        try
        {
            var htpasswd = await ProcessRunner.RunCheckedAsync("htpasswd", ["-Bbn", username, password], cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, "htpasswd"), htpasswd.Trim() + "\n", cancellationToken);
            Directory.CreateDirectory(Path.Combine(directory, "storage"));
            Directory.CreateDirectory(Path.Combine(directory, "docker-config"));

            // A free port may be taken between choosing and binding; try a few.
            for (var attempt = 0; ; attempt++)
            {
                var port = FreePort.Next();
                var config = Path.Combine(directory, "config.yml");
                await File.WriteAllTextAsync(config, Config(directory, port), cancellationToken);
                var log = new StringBuilder();
                var process = StartProcess(config, log);
                var registry = new LocalRegistry(directory, process, log, port, username, password);
                try
                {
                    await registry.WaitUntilServingAsync(cancellationToken);
                    // Another registry may have answered on the port (it was free a moment ago); only ours counts.
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"docker-registry exited with {process.ExitCode} after the port answered");
                    }

                    return registry;
                }
                catch (InvalidOperationException) when (attempt < 3 && process.HasExited)
                {
                    process.Dispose();
                }
                catch
                {
                    await ChildProcess.StopAsync(process);
                    throw;
                }
            }
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Tags a local image as Address/repositoryAndTag, pushes it with this registry's credentials, drops the local tag; returns the pushed reference.</summary>
    public async Task<string> PushAsync(string localImage, string repositoryAndTag, CancellationToken cancellationToken)
    {
        var reference = $"{Address}/{repositoryAndTag}";
        var config = DockerConfigDirectory;
        await DockerCli.RunAsync(["--config", config, "login", "--username", Username, "--password-stdin", Address], cancellationToken, standardInput: Password);
        await DockerCli.RunAsync(["tag", localImage, reference], cancellationToken);
        try
        {
            await DockerCli.RunAsync(["--config", config, "push", reference], cancellationToken);
        }
        finally
        {
            await DockerCli.TryRunAsync(["rmi", reference], cancellationToken);
        }

        return reference;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ChildProcess.StopAsync(_process);
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Config(string directory, int port) => $"""
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: {Path.Combine(directory, "storage")}
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:{port}
        auth:
          htpasswd:
            realm: tidegate-test
            path: {Path.Combine(directory, "htpasswd")}

        """;

    private static Process StartProcess(string config, StringBuilder log)
    {
        var info = new ProcessStartInfo("docker-registry")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(config);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start docker-registry.");
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        const int Exited = -1;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var status = await Wait.UntilAsync(
            async ct =>
            {
                if (_process.HasExited)
                {
                    return Exited;
                }

                using var response = await http.GetAsync(new Uri($"http://{Address}/v2/"), ct);
                return (int)response.StatusCode;
            },
            status => status is 401 or Exited,
            $"docker-registry to answer 401 on http://{Address}/v2/",
            TimeSpan.FromSeconds(20),
            cancellationToken);
        if (status == Exited)
        {
            string text;
            lock (_log)
            {
                text = _log.ToString();
            }

            throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {text}");
        }
    }
}
