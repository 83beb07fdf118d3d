using Tidegate.Docker.Containers;
using Tidegate.Docker.Networks;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>POST /networks/create.</summary>
    public Task<NetworkCreateResponse> NetworkCreateAsync(NetworkCreateRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<NetworkCreateResponse>("/networks/create", request, cancellationToken);

    /// <summary>GET /networks/{id}.</summary>
    public Task<NetworkResponse> NetworkInspectAsync(string idOrName, CancellationToken cancellationToken = default) =>
        GetJsonAsync<NetworkResponse>($"/networks/{Escape(idOrName)}", cancellationToken);

    /// <summary>GET /networks.</summary>
    public Task<IReadOnlyList<NetworkResponse>> NetworkListAsync(NetworkListParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        parameters ??= new NetworkListParameters();
        var query = new QueryBuilder().Add("filters", MergeLabelFilters(parameters.Filters, parameters.LabelFilters));
        return GetJsonAsync<IReadOnlyList<NetworkResponse>>("/networks" + query, cancellationToken);
    }

    /// <summary>POST /networks/{id}/connect, optionally with aliases the container answers to on this network.</summary>
    public Task NetworkConnectAsync(string network, string container, IReadOnlyList<string>? aliases = null, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(
            HttpMethod.Post,
            $"/networks/{Escape(network)}/connect",
            new NetworkConnectRequest { Container = container, EndpointConfig = aliases is null ? null : new EndpointSettings { Aliases = aliases } },
            cancellationToken);

    /// <summary>POST /networks/{id}/disconnect.</summary>
    public Task NetworkDisconnectAsync(string network, string container, bool force = false, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Post, $"/networks/{Escape(network)}/disconnect", new NetworkDisconnectRequest { Container = container, Force = force }, cancellationToken);

    /// <summary>DELETE /networks/{id}.</summary>
    public Task NetworkRemoveAsync(string idOrName, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Delete, $"/networks/{Escape(idOrName)}", body: null, cancellationToken);
}
