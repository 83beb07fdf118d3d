using System.Globalization;

namespace Tidegate.Bench;

/// <summary>Writes a catalog of realistic stack files: x-tidegate metadata with typed variables and
/// three services, one folder per version.</summary>
internal static class CatalogFixture
{
    public static void Generate(string root, int products, int versions)
    {
        for (var p = 0; p < products; p++)
        {
            for (var v = 0; v < versions; v++)
            {
                var version = string.Create(CultureInfo.InvariantCulture, $"{1 + v / 10}.{v % 10}.0");
                var product = string.Create(CultureInfo.InvariantCulture, $"product-{p:D2}");
                var folder = Path.Combine(root, product, version);
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, "docker-compose.yml"), Stack(product, version));
            }
        }
    }

    private static string Stack(string product, string version) => $"""
        x-tidegate:
          product: {product}
          productName: Product {product}
          description: Generated stack for the catalog benchmark.
          version: "{version}"
          releaseNotes: https://releases.tidegate.invalid/{product}/{version}
          variables:
            WEB_PORT:
              type: port
              label: Web port
              default: "18080"
            LOG_LEVEL:
              type: select
              label: Log level
              default: info
              options:
                - value: debug
                - value: info
            DB_PASSWORD:
              type: secret
              label: Database password
              required: true
        services:
          web:
            image: tidegate-test/web:1.0.0
            environment:
              VERSION: "{version}"
              LOG_LEVEL: ${"{"}LOG_LEVEL:-info{"}"}
            ports:
              - "127.0.0.1:${"{"}WEB_PORT:-18080{"}"}:8080"
            depends_on:
              - db
          worker:
            image: tidegate-test/worker:1.0.0
            depends_on:
              - db
          db:
            image: tidegate-test/worker:1.0.0
            labels:
              tidegate.maintenance: ignore
        """;
}
