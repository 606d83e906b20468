using Layer.Engine.Reporting;

namespace Layer.Engine.Exposing;

/// <summary>The exposures of one build, kept up after their Layerfiles end until the build stops serving.</summary>
internal sealed class ServingSet : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Exposure> _exposures = [];

    public void Add(Exposure exposure)
    {
        lock (_lock) _exposures.Add(exposure);
    }

    public IReadOnlyList<ExposedReport> Endpoints
    {
        get
        {
            lock (_lock) return _exposures.SelectMany(e => e.Endpoints).ToList();
        }
    }

    /// <summary>Stops every router and machine.</summary>
    public void Dispose()
    {
        List<Exposure> all;
        lock (_lock)
        {
            all = [.. _exposures];
            _exposures.Clear();
        }

        foreach (var exposure in all) exposure.Dispose();
    }
}
