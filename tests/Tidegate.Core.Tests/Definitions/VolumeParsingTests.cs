using Tidegate.Core.Definitions.Compose;

namespace Tidegate.Core.Tests.Definitions;

public sealed class VolumeParsingTests
{
    [Theory]
    [InlineData("/data", "Volume||/data|False")]
    [InlineData("data:/data", "Volume|data|/data|False")]
    [InlineData("data:/data:ro", "Volume|data|/data|True")]
    [InlineData("data:/data:rw", "Volume|data|/data|False")]
    [InlineData("./src:/app", "Bind|./src|/app|False")]
    [InlineData("../shared:/shared:ro", "Bind|../shared|/shared|True")]
    [InlineData("/var/run/docker.sock:/var/run/docker.sock", "Bind|/var/run/docker.sock|/var/run/docker.sock|False")]
    [InlineData("~/configs:/etc/configs/:ro", "Bind|~/configs|/etc/configs/|True")]
    [InlineData("./data:/data:ro,z", "Bind|./data|/data|True")]
    [InlineData("./data:/data:cached", "Bind|./data|/data|False")]
    [InlineData("data:/data:nocopy", "Volume|data|/data|False")]
    [InlineData("C:\\data:/data", "Bind|C:\\data|/data|False")]
    public void ShortSyntax_ParsesTypeSourceTargetReadOnly(string text, string expected)
    {
        var volume = ValueParsers.ParseVolumeShort(text, out var error);

        Assert.Null(error);
        Assert.Equal(expected, $"{volume!.Type}|{volume.Source}|{volume.Target}|{volume.ReadOnly}");
    }

    [Theory]
    [InlineData("data", "expected an absolute container path, got 'data'")]
    [InlineData("data:relative", "expected an absolute container path, got 'relative'")]
    [InlineData("a:/b:rx", "got 'rx'")]
    [InlineData("a:/b:ro:x", "expected [SOURCE:]TARGET[:MODE]")]
    [InlineData(":/data", "expected [SOURCE:]TARGET[:MODE]")]
    public void ShortSyntax_Malformed_ExplainsWhatWasExpected(string text, string message)
    {
        var volume = ValueParsers.ParseVolumeShort(text, out var error);

        Assert.Null(volume);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortSyntax_Bind_CreatesTheHostPathLikeCompose()
    {
        var volume = ValueParsers.ParseVolumeShort("./data:/data", out _);

        Assert.True(volume!.BindCreateHostPath);
    }

    [Theory]
    [InlineData("- type: bind\n  source: /srv\n  target: /data\n  read_only: true\n  bind:\n    create_host_path: false", "Bind|/srv|/data|True|False||")]
    [InlineData("- type: volume\n  source: data\n  target: /data\n  volume:\n    nocopy: true", "Volume|data|/data|False||True|")]
    [InlineData("- type: tmpfs\n  target: /tmp\n  tmpfs:\n    size: 64m", "Tmpfs||/tmp|False|||67108864")]
    [InlineData("- type: tmpfs\n  target: /tmp\n  tmpfs:\n    size: 1024", "Tmpfs||/tmp|False|||1024")]
    [InlineData("- type: volume\n  target: /anon", "Volume||/anon|False|||")]
    public void LongSyntax_ParsesEveryField(string yaml, string expected)
    {
        var (service, diagnostics) = ServiceFixture.Load("volumes:\n" + PortParsingTests.Indent(yaml), "volumes:\n  data: {}\n");

        Assert.Empty(diagnostics.Errors());
        var v = Assert.Single(service!.Volumes);
        Assert.Equal(expected, $"{v.Type}|{v.Source}|{v.Target}|{v.ReadOnly}|{v.BindCreateHostPath}|{v.VolumeNoCopy}|{v.TmpfsSize}");
    }

    [Theory]
    [InlineData("- type: disk\n  target: /x", 5, 15, "services.web.volumes[0].type", "expected one of bind, volume, tmpfs")]
    [InlineData("- type: bind\n  target: /x", 5, 9, "services.web.volumes[0]", "expected 'source'")]
    [InlineData("- type: volume\n  source: data", 5, 9, "services.web.volumes[0]", "expected 'target'")]
    [InlineData("- type: tmpfs\n  target: /t\n  tmpfs:\n    size: huge", 8, 17, "services.web.volumes[0].tmpfs.size", "expected a byte size")]
    [InlineData("- type: bind\n  source: /a\n  target: relative", 7, 17, "services.web.volumes[0].target", "expected an absolute container path")]
    [InlineData("- type: bind\n  source: /a\n  target: /b\n  read_only: maybe", 8, 20, "services.web.volumes[0].read_only", "expected a boolean")]
    [InlineData("- undefined:/data", 5, 9, "services.web.volumes[0]", "volume 'undefined' is used but not defined")]
    public void Volumes_Malformed_ReportLineColumnAndPath(string yaml, int line, int column, string path, string message)
    {
        var (_, diagnostics) = ServiceFixture.Load("volumes:\n" + PortParsingTests.Indent(yaml), "volumes:\n  data: {}\n");

        var error = Assert.Single(diagnostics.Errors());
        Assert.Equal((line, column, path), (error.Line, error.Column, error.Path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
