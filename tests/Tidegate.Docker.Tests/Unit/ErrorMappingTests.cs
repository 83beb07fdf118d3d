using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Tidegate.Docker.Transport;
using Tidegate.TestKit;

namespace Tidegate.Docker.Tests.Unit;

public sealed class ErrorMappingTests
{
    [Fact]
    public async Task ContainerInspect_WhenDaemonAnswers404WithJson_ThrowsDockerApiExceptionWithDaemonMessage()
    {
        await using var engine = new FakeEngine((_, _) => (404, """{"message":"No such container: nope"}"""));
        using var client = engine.CreateClient();

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => client.ContainerInspectAsync("nope"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("No such container: nope", ex.DaemonMessage);
        Assert.Contains("No such container: nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContainerCreate_WhenDaemonAnswersPlainText_UsesTheTextAsMessage()
    {
        await using var engine = new FakeEngine((_, _) => (502, "bad gateway from a proxy"));
        using var client = engine.CreateClient();

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => client.ContainerCreateAsync(new Containers.ContainerCreateRequest { Image = "x" }));

        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Equal("bad gateway from a proxy", ex.DaemonMessage);
    }

    [Fact]
    public async Task ImageBuild_WhenDaemonRejectsTheRequest_KeepsBuildArgsOutOfTheMessage()
    {
        await using var engine = new FakeEngine((_, _) => (500, """{"message":"dockerfile parse error"}"""));
        using var client = engine.CreateClient();
        var parameters = new Images.ImageBuildParameters { BuildArgs = new Dictionary<string, string> { ["NPM_TOKEN"] = "npm_s3cret" }, Tags = ["app:1"] };

        var ex = await Assert.ThrowsAsync<DockerApiException>(async () =>
        {
            await foreach (var _ in client.ImageBuildAsync(new MemoryStream(), parameters))
            {
            }
        });

        Assert.Contains("npm_s3cret", string.Join("\n", engine.Requests), StringComparison.Ordinal);
        Assert.DoesNotContain("npm_s3cret", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("buildargs", ex.Message, StringComparison.Ordinal);
        Assert.Contains("POST /build failed with 500", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registry.example:5000/app", null, false, "POST /v1.41/images/registry.example:5000/app/push?tag=latest")]
    [InlineData("registry.example:5000/app", "2.0", false, "POST /v1.41/images/registry.example:5000/app/push?tag=2.0")]
    [InlineData("registry.example:5000/app", null, true, "POST /v1.41/images/registry.example:5000/app/push")]
    [InlineData("registry.example:5000/app:1.0", null, false, "POST /v1.41/images/registry.example:5000/app:1.0/push")]
    public async Task ImagePush_WithoutATag_PushesLatestUnlessAllTagsIsAsked(string name, string? tag, bool allTags, string expected)
    {
        await using var engine = new FakeEngine((_, _) => (200, """{"status":"done"}"""));
        using var client = engine.CreateClient();

        await foreach (var _ in client.ImagePushAsync(name, tag, allTags: allTags))
        {
        }

        Assert.Contains(expected, engine.Requests);
    }

    [Fact]
    public async Task ImagePull_WhenStreamCarriesErrorEvent_ThrowsNamingTheImage()
    {
        await using var engine = new FakeEngine((_, _) => (200, """
            {"status":"Pulling from library/app","id":"1.0"}
            {"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}
            """));
        using var client = engine.CreateClient();

        var ex = await Assert.ThrowsAsync<DockerApiException>(async () =>
        {
            await foreach (var _ in client.ImagePullAsync("registry.example/app", "1.0"))
            {
            }
        });

        Assert.Equal("manifest unknown", ex.DaemonMessage);
        Assert.Contains("registry.example/app:1.0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.41", "1.41")]
    [InlineData("1.43", "1.43")]
    [InlineData("1.47", "1.47")]
    [InlineData("1.52", "1.47")]
    public async Task Requests_WhenEngineReportsApiVersion_UseTheLowerOfEngineAndClientMaximum(string engineVersion, string expected)
    {
        await using var engine = new FakeEngine((_, _) => (200, "{}"), engineVersion);
        using var client = engine.CreateClient();

        await client.SystemInfoAsync();

        Assert.Equal(expected, client.ApiVersion);
        Assert.Contains($"GET /v{expected}/info", engine.Requests);
    }

    [Theory]
    [InlineData("1.40")]
    [InlineData("1.24")]
    public async Task Requests_WhenEngineOlderThan141_ThrowDockerVersionException(string engineVersion)
    {
        await using var engine = new FakeEngine((_, _) => (200, "{}"), engineVersion);
        using var client = engine.CreateClient();

        var ex = await Assert.ThrowsAsync<DockerVersionException>(() => client.SystemInfoAsync());

        Assert.Contains(engineVersion, ex.Message, StringComparison.Ordinal);
        Assert.Contains("1.41", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemPing_WhenNothingListensOnTcpPort_ThrowsUnreachableNamingEndpoint()
    {
        var port = FreePort.Next();
        using var client = new DockerClient(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"));

        var ex = await Assert.ThrowsAsync<DockerUnreachableException>(() => client.SystemPingAsync());

        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Equal($"tcp://127.0.0.1:{port}", ex.Endpoint);
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("HEAD", true)]
    [InlineData("POST", false)]
    [InlineData("DELETE", false)]
    [InlineData("PUT", false)]
    public void IsRetryable_WhenConnectionRefused_OnlyAllowsIdempotentReads(string method, bool expected)
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal(expected, TransientConnectionFailure.IsRetryable(new HttpMethod(method), refused));
    }

    [Fact]
    public void IsRetryable_WhenFailureIsNotAboutTheConnection_ReturnsFalse()
    {
        Assert.False(TransientConnectionFailure.IsRetryable(HttpMethod.Get, new HttpRequestException(HttpRequestError.InvalidResponse, "garbage")));
        Assert.False(TransientConnectionFailure.IsRetryable(HttpMethod.Get, new InvalidOperationException("x")));
    }

    [Theory]
    [InlineData("""{"message":"conflict: name in use"}""", "conflict: name in use")]
    [InlineData("plain text\n", "plain text")]
    [InlineData("", "(no message)")]
    [InlineData("""{"other":"x"}""", """{"other":"x"}""")]
    [InlineData("[1,2]", "[1,2]")]
    public void DaemonMessage_WhenBodyGiven_ExtractsTheMessage(string body, string expected)
    {
        Assert.Equal(expected, DockerClient.DaemonMessage(body));
    }

    [Theory]
    [InlineData("app", null, "fromImage=app&tag=latest")]
    [InlineData("127.0.0.1:5000/team/app", null, "fromImage=127.0.0.1%3A5000%2Fteam%2Fapp&tag=latest")]
    [InlineData("127.0.0.1:5000/app:1.2", null, "fromImage=127.0.0.1%3A5000%2Fapp%3A1.2")]
    [InlineData("app@sha256:abc", null, "fromImage=app%40sha256%3Aabc")]
    [InlineData("app", "2.0", "fromImage=app&tag=2.0")]
    public async Task ImagePull_WhenReferenceHasNoTag_AsksForLatestNotEveryTag(string image, string? tag, string expectedQuery)
    {
        await using var engine = new FakeEngine((_, _) => (200, """{"status":"done"}"""));
        using var client = engine.CreateClient();

        await foreach (var _ in client.ImagePullAsync(image, tag))
        {
        }

        Assert.Contains($"POST /v1.41/images/create?{expectedQuery}", engine.Requests);
    }
}
