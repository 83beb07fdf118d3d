using System.Diagnostics;

namespace Tidegate.Core.Secrets;

/// <summary>The environment a child process (git, haproxy) starts with: only the variables it needs to run,
/// never the server's own settings. The server is configured through <c>TIDEGATE_*</c> variables that carry
/// the secret key and the bootstrap password; a child that inherited them could leak them (a git hook, an
/// haproxy crash dump, <c>/proc/PID/environ</c> readable by the child's user).</summary>
internal static class ChildProcessEnvironment
{
    private static readonly string[] Kept = ["PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "SSL_CERT_FILE", "SSL_CERT_DIR"];

    /// <summary>What git needs beyond <see cref="Kept"/>: the proxy settings of the host and the ssh agent for
    /// ssh:// sources.</summary>
    public static readonly IReadOnlyList<string> Network =
        ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "all_proxy", "SSH_AUTH_SOCK"];

    /// <summary>Clears what <paramref name="start"/> would inherit and keeps only the allow-listed variables
    /// (and <paramref name="alsoKeep"/>) and locale settings; the caller adds what the child needs after this.</summary>
    public static void Restrict(ProcessStartInfo start, IReadOnlyList<string>? alsoKeep = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        var inherited = start.Environment.ToArray();
        start.Environment.Clear();
        foreach (var (name, value) in inherited)
        {
            if (value is not null && (Kept.Contains(name, StringComparer.Ordinal) || (alsoKeep?.Contains(name, StringComparer.Ordinal) ?? false)
                                      || name.StartsWith("LC_", StringComparison.Ordinal)))
            {
                start.Environment[name] = value;
            }
        }
    }
}
