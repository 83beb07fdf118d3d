using System.Text;
using System.Text.Json;

namespace Tidegate.Docker.Tests.Unit;

public sealed class RegistryAuthTests
{
    [Fact]
    public void ToHeaderValue_WhenCredentialsGiven_EncodesLowercaseJsonAsBase64Url()
    {
        var auth = new RegistryAuth("user", "p@ss/word+?>", "127.0.0.1:5000");

        var header = auth.ToHeaderValue();

        Assert.DoesNotContain('+', header);
        Assert.DoesNotContain('/', header);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/').PadRight((header.Length + 3) / 4 * 4, '=')));
        using var document = JsonDocument.Parse(json);
        Assert.Equal("user", document.RootElement.GetProperty("username").GetString());
        Assert.Equal("p@ss/word+?>", document.RootElement.GetProperty("password").GetString());
        Assert.Equal("127.0.0.1:5000", document.RootElement.GetProperty("serveraddress").GetString());
        Assert.False(document.RootElement.TryGetProperty("identitytoken", out _));
    }

    [Theory]
    [InlineData("a", "b", "c")]
    [InlineData("ünïcödé", "pässwörd€", "registry.example:443")]
    [InlineData("x", "~~~???>>>", "h")]
    public void ToHeaderValue_WhenDecoded_RoundTrips(string user, string password, string server)
    {
        var auth = new RegistryAuth(user, password, server);

        Assert.Equal(auth, RegistryAuth.FromHeaderValue(auth.ToHeaderValue()));
    }

    [Fact]
    public void ToString_WhenPrinted_HidesThePassword()
    {
        Assert.DoesNotContain("secret", new RegistryAuth("u", "secret", "s").ToString(), StringComparison.Ordinal);
    }
}
