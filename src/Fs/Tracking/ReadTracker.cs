namespace Layer.Fs.Tracking;

/// <summary>
/// Collects observations into the current epoch. The engine begins an epoch before a step and ends
/// it after, getting the step's <see cref="ReadSet"/>. Accesses outside any epoch are not recorded.
/// Thread-safe: the mirror's serving threads record concurrently.
/// </summary>
public sealed class ReadTracker
{
    private readonly Lock _gate = new();
    private Dictionary<(ObservationKind Kind, string Path), Observation>? _current;
    private long _epoch;
    private long _open; // the open epoch's number or 0; read without the lock on every request

    /// <summary>Raised (outside the lock) just before an epoch closes, with its number: the decorator
    /// re-checks files still open so a change made while they were open marks them unstable.</summary>
    internal event Action<long>? EpochEnding;

    /// <summary>Raised before an epoch opens (the kernel cache policy drains here) and right after.</summary>
    internal event Action? EpochBeginning;

    internal event Action? EpochBegan;

    private readonly Lock _beginGate = new();

    public bool InEpoch
    {
        get
        {
            lock (_gate) return _current is not null;
        }
    }

    /// <summary>The open epoch's number, or 0 when none is open. Numbers start at 1 and only grow.</summary>
    public long CurrentEpoch => Volatile.Read(ref _open);

    /// <summary>Starts recording a new epoch and returns its number.</summary>
    /// <exception cref="InvalidOperationException">An epoch is already open.</exception>
    public long BeginEpoch()
    {
        lock (_beginGate)
        {
            lock (_gate)
            {
                if (_current is not null) throw new InvalidOperationException($"epoch {_epoch} is still open: end it before beginning another");
            }

            EpochBeginning?.Invoke();
            long epoch;
            lock (_gate)
            {
                _current = new();
                epoch = ++_epoch;
                Volatile.Write(ref _open, epoch);
            }

            EpochBegan?.Invoke();
            return epoch;
        }
    }

    /// <summary>Closes the open epoch and returns what it observed.</summary>
    /// <exception cref="InvalidOperationException">No epoch is open.</exception>
    public ReadSet EndEpoch()
    {
        long epoch;
        lock (_gate)
        {
            if (_current is null) throw new InvalidOperationException("no epoch is open");
            epoch = _epoch;
        }

        EpochEnding?.Invoke(epoch);
        lock (_gate)
        {
            var observations = _current!;
            _current = null;
            Volatile.Write(ref _open, 0);
            return Assemble(observations.Values);
        }
    }

    /// <summary>Records into <paramref name="epoch"/> if it is still the open one. A second, different
    /// sighting of the same path and kind means the host changed under the step: unstable.</summary>
    internal void Record(long epoch, Observation observation)
    {
        lock (_gate)
        {
            if (_current is null || epoch != _epoch) return;
            var key = (observation.Kind, observation.Path);
            if (!_current.TryGetValue(key, out var existing))
            {
                _current[key] = observation;
            }
            else if (!existing.Unstable && (observation.Unstable || existing.Hash != observation.Hash || existing.Metadata != observation.Metadata))
            {
                _current[key] = existing with { Unstable = true };
            }
        }
    }

    internal void MarkUnstable(long epoch, ObservationKind kind, string path)
    {
        lock (_gate)
        {
            if (_current is null || epoch != _epoch) return;
            if (_current.TryGetValue((kind, path), out var existing)) _current[(kind, path)] = existing with { Unstable = true };
        }
    }

    private static ReadSet Assemble(IEnumerable<Observation> all)
    {
        var list = all.ToList();
        var contents = list.Where(o => o.Kind == ObservationKind.Content).ToDictionary(o => o.Path, StringComparer.Ordinal);
        var result = new List<Observation>(list.Count);
        foreach (var o in list)
        {
            if (o.Kind == ObservationKind.Metadata && contents.TryGetValue(o.Path, out var content))
            {
                // The content observation carries the metadata; if the two disagree the file changed.
                if (content.Metadata != o.Metadata && !content.Unstable) contents[o.Path] = content with { Unstable = true };
                continue;
            }

            if (o.Kind != ObservationKind.Content) result.Add(o);
        }

        result.AddRange(contents.Values);
        result.Sort((a, b) =>
        {
            var byPath = string.CompareOrdinal(a.Path, b.Path);
            return byPath != 0 ? byPath : a.Kind.CompareTo(b.Kind);
        });
        return new ReadSet(result);
    }
}
