using Microsoft.Extensions.Options;

namespace Tidegate.Server.Tests;

public sealed class ServerOptionsTests
{
    [Fact]
    public async Task Start_WhenDataDirectoryCannotBeCreated_FailsNamingTheSetting()
    {
        var file = Path.GetTempFileName();
        try
        {
            await using var app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--DataDirectory", Path.Combine(file, "sub")]);

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains("DataDirectory", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
