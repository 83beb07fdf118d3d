using Tidegate.Core.Definitions.Compose;

namespace Tidegate.Core.Tests.Definitions;

public sealed class PortParsingTests
{
    [Theory]
    [InlineData("80", "80|||tcp")]
    [InlineData("8080:80", "80|8080||tcp")]
    [InlineData("8080:80/udp", "80|8080||udp")]
    [InlineData("127.0.0.1:8080:80", "80|8080|127.0.0.1|tcp")]
    [InlineData("127.0.0.1::80", "80||127.0.0.1|tcp")]
    [InlineData("[::1]:8080:80", "80|8080|::1|tcp")]
    [InlineData("3000-3002", "3000|||tcp;3001|||tcp;3002|||tcp")]
    [InlineData("9090-9091:8080-8081", "8080|9090||tcp;8081|9091||tcp")]
    [InlineData("8000-8010:80", "80|8000-8010||tcp")]
    [InlineData("0.0.0.0:5000-5001:5000-5001/sctp", "5000|5000|0.0.0.0|sctp;5001|5001|0.0.0.0|sctp")]
    [InlineData("65535", "65535|||tcp")]
    [InlineData("1:1", "1|1||tcp")]
    [InlineData("53:53/udp", "53|53||udp")]
    [InlineData("::1:6000:6000", "6000|6000|::1|tcp")]
    [InlineData("[::1]:6000:6000", "6000|6000|::1|tcp")]
    [InlineData("::1::6000", "6000||::1|tcp")]
    [InlineData("fe80::1:8080:80/udp", "80|8080|fe80::1|udp")]
    [InlineData("[2001:db8::1]:8000-8001:80-81", "80|8000|2001:db8::1|tcp;81|8001|2001:db8::1|tcp")]
    [InlineData("[::1]::80", "80||::1|tcp")]
    public void ShortSyntax_ParsesToTargetPublishedHostIpProtocol(string text, string expected)
    {
        var ports = ValueParsers.ParsePortShort(text, out var error);

        Assert.Null(error);
        Assert.Equal(expected, string.Join(";", ports!.Select(p => $"{p.Target}|{p.Published}|{p.HostIp}|{p.Protocol}")));
    }

    [Theory]
    [InlineData("abc", "expected a port number 1-65535 or a range, got 'abc'")]
    [InlineData("0", "got '0'")]
    [InlineData("65536", "got '65536'")]
    [InlineData("8080:abc", "got 'abc'")]
    [InlineData("x:80", "expected a published port number")]
    [InlineData("80/xyz", "expected protocol tcp, udp or sctp")]
    [InlineData("1:2:3:4", "expected [HOST_IP:][PUBLISHED:]TARGET")]
    [InlineData("[::1]:1:2:3", "expected [HOST_IP:][PUBLISHED:]TARGET")]
    [InlineData("::1:x:6000", "expected a published port number")]
    [InlineData("9090-9092:8080-8081", "as long as the target range")]
    [InlineData("3005-3000", "or a range")]
    [InlineData("", "got ''")]
    [InlineData("[::1:80", "expected [IPv6]:published:target")]
    [InlineData("-80", "got '-80'")]
    public void ShortSyntax_Malformed_ExplainsWhatWasExpected(string text, string message)
    {
        var ports = ValueParsers.ParsePortShort(text, out var error);

        Assert.Null(ports);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- target: 80", "80||tcp|ingress")]
    [InlineData("- target: 80\n  published: \"8080\"", "80|8080|tcp|ingress")]
    [InlineData("- target: 80\n  published: 8080\n  protocol: udp\n  mode: host", "80|8080|udp|host")]
    [InlineData("- {target: 443, published: 8000-8010, host_ip: 127.0.0.1}", "443|8000-8010|tcp|ingress")]
    [InlineData("- target: 80\n  name: web\n  app_protocol: http", "80||tcp|ingress")]
    public void LongSyntax_ParsesEveryField(string yaml, string expected)
    {
        var (service, diagnostics) = ServiceFixture.Load("ports:\n" + Indent(yaml));

        Assert.Empty(diagnostics.Errors());
        var port = Assert.Single(service!.Ports);
        Assert.Equal(expected, $"{port.Target}|{port.Published}|{port.Protocol}|{port.Mode}");
    }

    [Theory]
    [InlineData("- target: abc", 5, 17, "services.web.ports[0].target", "expected a port number 1-65535, got 'abc'")]
    [InlineData("- published: 80", 5, 9, "services.web.ports[0]", "expected 'target'")]
    [InlineData("- target: 80\n  protocol: icmp", 6, 19, "services.web.ports[0].protocol", "expected one of tcp, udp, sctp, got 'icmp'")]
    [InlineData("- target: 80\n  mode: bridge", 6, 15, "services.web.ports[0].mode", "expected one of host, ingress")]
    [InlineData("- \"80\"\n- \"abc\"", 6, 9, "services.web.ports[1]", "expected a port number 1-65535 or a range, got 'abc'")]
    [InlineData("- [80]", 5, 9, "services.web.ports[0]", "expected a port string or mapping")]
    public void Ports_Malformed_ReportLineColumnAndPath(string yaml, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ServiceFixture.Load("ports:\n" + Indent(yaml));

        var error = Assert.Single(diagnostics.Errors());
        Assert.Equal((line, column, path), (error.Line, error.Column, error.Path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ports_NotAList_IsAnError()
    {
        var (_, diagnostics) = ServiceFixture.Load("ports: 80");

        Assert.Contains(diagnostics.Errors(), d => d.Path == "services.web.ports" && d.Message.Contains("expected a list of ports", StringComparison.Ordinal));
    }

    internal static string Indent(string yaml) => string.Join("\n", yaml.Split('\n').Select(l => "  " + l));
}
