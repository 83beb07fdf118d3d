using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Variables;

namespace Tidegate.Core.Tests.Definitions;

public sealed class StackDiffTests
{
    private const string V1 = """
        x-tidegate:
          version: 1.0.0
          variables:
            OLD_VAR:
              default: x
            PORT:
              type: port
              default: "8080"
        services:
          web:
            image: shop/web:1.0.0
            ports: ["${PORT}:80"]
            environment:
              A: "1"
          worker:
            image: shop/worker:1.0.0
          legacy:
            image: shop/legacy:1.0.0
        """;

    private const string V2 = """
        x-tidegate:
          version: 2.0.0
          variables:
            PORT:
              type: port
              default: "8080"
            NEW_VAR:
              required: true
            NEW_OPTIONAL:
              default: "on"
        services:
          web:
            image: shop/web:2.0.0
            ports: ["${PORT}:80"]
            environment:
              A: "2"
            restart: always
          worker:
            image: shop/worker:1.0.0
          api:
            image: shop/api:2.0.0
            environment:
              KEY: ${API_KEY}
        """;

    [Fact]
    public void CompareTemplates_FindsServicesImagesAndVariables()
    {
        var diff = StackDiff.Compare(StackLoader.LoadText(V1), StackLoader.LoadText(V2));

        Assert.Equal(["api"], diff.AddedServices);
        Assert.Equal(["legacy"], diff.RemovedServices);
        var web = Assert.Single(diff.ChangedServices);
        Assert.Equal("web", web.Service);
        Assert.Equal(["environment", "image", "restart"], web.ChangedFields);
        var image = Assert.Single(diff.ImageChanges);
        Assert.Equal(("web", "shop/web:1.0.0", "shop/web:2.0.0"), (image.Service, image.OldImage, image.NewImage));
        Assert.Equal(["NEW_VAR", "NEW_OPTIONAL", "API_KEY"], diff.NewVariables);
        Assert.Equal(["NEW_VAR", "API_KEY"], diff.AddedVariables.Where(v => v.NeedsValue).Select(v => v.Name));
        Assert.Equal(["OLD_VAR"], diff.RemovedVariableNames);
        Assert.Equal(("1.0.0", "2.0.0"), (diff.OldVersion, diff.NewVersion));
    }

    [Fact]
    public void CompareTemplates_SameStack_HasNoChanges()
    {
        var diff = StackDiff.Compare(StackLoader.LoadText(V1), StackLoader.LoadText(V1));

        Assert.False(diff.HasChanges);
    }

    [Fact]
    public void CompareTemplates_ChangedVariableDefinition_IsListed()
    {
        var changed = V1.Replace("default: \"8080\"", "default: \"9090\"", StringComparison.Ordinal);

        var diff = StackDiff.Compare(StackLoader.LoadText(V1), StackLoader.LoadText(changed));

        Assert.Equal(["PORT"], diff.ChangedVariables);
        Assert.Equal(["ports"], Assert.Single(diff.ChangedServices).ChangedFields);
    }

    [Fact]
    public void CompareResolved_SeesChangesThatOnlyValuesMake()
    {
        var template = StackLoader.LoadText(V1);
        var a = StackResolver.Resolve(template, VariableValues.FromDeployment(new Dictionary<string, string> { ["PORT"] = "8080" }));
        var b = StackResolver.Resolve(template, VariableValues.FromDeployment(new Dictionary<string, string> { ["PORT"] = "9090" }));

        var diff = StackDiff.Compare(a, b);

        var web = Assert.Single(diff.ChangedServices);
        Assert.Equal(["ports"], web.ChangedFields);
        Assert.False(web.ImageChanged);
        Assert.Empty(diff.NewVariables);
    }

    [Theory]
    [InlineData("image: a:1", "image: a:2", "image")]
    [InlineData("image: a\n    command: x", "image: a\n    command: y", "command")]
    [InlineData("image: a\n    healthcheck:\n      test: exit 0", "image: a\n    healthcheck:\n      test: exit 1", "healthcheck")]
    [InlineData("image: a\n    labels: [x=1]", "image: a\n    labels: {x: \"1\"}", "")]
    [InlineData("image: a\n    ports: [\"80:80\"]", "image: a\n    ports:\n      - target: 80\n        published: \"80\"", "")]
    [InlineData("image: a\n    deploy: {replicas: 1}", "image: a\n    deploy: {replicas: 2}", "deploy")]
    [InlineData("image: a\n    environment: [A=1]", "image: a\n    environment: {A: \"1\", B: \"2\"}", "environment")]
    public void CompareProjects_FieldChangesUseCanonicalForms(string before, string after, string fields)
    {
        var a = StackLoader.LoadText("services:\n  s:\n    " + before + "\n").Preview!;
        var b = StackLoader.LoadText("services:\n  s:\n    " + after + "\n").Preview!;

        var diff = StackDiff.Compare(a, b);

        Assert.Equal(fields, string.Join(",", diff.ChangedServices.SelectMany(c => c.ChangedFields)));
    }
}
