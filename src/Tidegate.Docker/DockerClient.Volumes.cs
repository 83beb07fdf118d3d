using Tidegate.Docker.Transport;
using Tidegate.Docker.Volumes;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>POST /volumes/create.</summary>
    public Task<Volume> VolumeCreateAsync(VolumeCreateRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<Volume>("/volumes/create", request, cancellationToken);

    /// <summary>GET /volumes/{name}.</summary>
    public Task<Volume> VolumeInspectAsync(string name, CancellationToken cancellationToken = default) =>
        GetJsonAsync<Volume>($"/volumes/{Escape(name)}", cancellationToken);

    /// <summary>GET /volumes.</summary>
    public Task<VolumeListResponse> VolumeListAsync(VolumeListParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        parameters ??= new VolumeListParameters();
        var query = new QueryBuilder().Add("filters", MergeLabelFilters(parameters.Filters, parameters.LabelFilters));
        return GetJsonAsync<VolumeListResponse>("/volumes" + query, cancellationToken);
    }

    /// <summary>DELETE /volumes/{name}.</summary>
    public Task VolumeRemoveAsync(string name, bool force = false, CancellationToken cancellationToken = default) =>
        SendNoResultAsync(HttpMethod.Delete, $"/volumes/{Escape(name)}" + new QueryBuilder().Add("force", force ? true : null), body: null, cancellationToken);
}
