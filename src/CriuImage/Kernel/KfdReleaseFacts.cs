using System.Text.Json;

namespace CriuImage.Kernel;

/// <summary>
/// What one target kernel release's AMDKFD_IOC_CRIU_OP RESTORE does where releases of a line differ
/// (restore-facts.json <c>kernel.kfd_release_facts</c>): each fact yes, no, or unknown (null) for the release, with why.
/// A release whose stable level is hidden gets an answer only where every span of its line agrees.
/// </summary>
/// <param name="Release">The release the facts are of, as the user named it or <c>stated</c>.</param>
/// <param name="Answers">Per fact name (<see cref="Names"/>), the answer and its source.</param>
internal sealed record KfdReleaseFacts(string Release, IReadOnlyDictionary<string, (bool? Has, string Why)> Answers)
{
    /// <summary>kfd_criu_restore_queue looks the queue's buffers up (d3f670cfb535).</summary>
    public const string QueueBuffers = "queue-buffers";

    /// <summary>init_user_queue refuses a MES GPU's queue without a write pointer BO (the partial revert of d3f670cfb535).</summary>
    public const string MesQueueCheck = "mes-queue-check";

    /// <summary>KFD_QUEUE_TYPE_DIQ removed: SDMA_XGMI is 3, SDMA_BY_ENG_ID 4, KFD_QUEUE_TYPE_MAX 5.</summary>
    public const string WithoutDiq = "queue-types-without-diq";

    /// <summary>kfd_event_page_set refuses an event page under 32 KiB (8a70a26c9f34).</summary>
    public const string EventPageCheck = "event-page-check";

    /// <summary>The facts the data file answers per release, in its order.</summary>
    public static IReadOnlyList<string> Names => [.. Facts.Select(f => f.GetProperty("name").GetString()!)];

    /// <summary>The answer of <paramref name="fact"/>.</summary>
    public (bool? Has, string Why) this[string fact] => Answers[fact];

    /// <summary>The facts of <paramref name="level"/>, each from the span of its line that holds it, else unknown.</summary>
    public static KfdReleaseFacts For(KernelLevel level)
    {
        Dictionary<string, (bool?, string)> answers = [];
        foreach (JsonElement fact in Facts)
        {
            answers[fact.GetProperty("name").GetString()!] = Answer(fact, level);
        }

        return new KfdReleaseFacts(level.ToString(), answers);
    }

    /// <summary>These facts with <paramref name="fact"/> stated by the user (<paramref name="source"/> says where).</summary>
    public KfdReleaseFacts With(string fact, bool has, string source) =>
        this with { Answers = new Dictionary<string, (bool?, string)>(Answers) { [fact] = (has, source) } };

    /// <summary>Facts are equal when they answer alike: the sources only explain.</summary>
    public bool Equals(KfdReleaseFacts? other) => other is not null && Answers.Count == other.Answers.Count
        && Answers.All(a => other.Answers.TryGetValue(a.Key, out var o) && o.Has == a.Value.Has);

    /// <inheritdoc/>
    public override int GetHashCode() => Answers.Count;

    private static (bool? Has, string Why) Answer(JsonElement fact, KernelLevel level)
    {
        string name = fact.GetProperty("name").GetString()!;
        List<JsonElement> spans = [.. fact.GetProperty("spans").EnumerateArray()];
        List<JsonElement> line = [.. spans.Where(s => s.TryGetProperty("line", out JsonElement l) && SameLine(KernelLevel.Parse(l.GetString()!)!.Value, level))];
        foreach (JsonElement span in line)
        {
            if (Covers(span, level) == true)
            {
                return (span.GetProperty("has").GetBoolean(), $"{level}: {span.GetProperty("source").GetString()}");
            }
        }

        if (level.Patch is null && level.Rc is null && line.Count > 0)
        {
            // A hidden stable level: known only where the line's spans cover it whole and agree.
            bool has = line[0].GetProperty("has").GetBoolean();
            bool whole = line.All(s => s.GetProperty("has").GetBoolean() == has)
                && line.Any(s => !s.TryGetProperty("through", out _) && (!s.TryGetProperty("from", out JsonElement f) || KernelLevel.Parse(f.GetString()!) is { Patch: 0, Rc: null }));
            return whole
                ? (has, $"{level}: every {level.Major}.{level.Minor} release: {line[0].GetProperty("source").GetString()}")
                : (null, $"{level} hides its stable level, and the {level.Major}.{level.Minor} releases differ in {name}: {string.Join("; ", line.Select(Span))}");
        }

        if (line.Count == 0 && spans.FirstOrDefault(s => s.TryGetProperty("after", out JsonElement a) && level.AtOrAfter(Next(KernelLevel.Parse(a.GetString()!)!.Value)) == true) is { ValueKind: JsonValueKind.Object } after)
        {
            return (after.GetProperty("has").GetBoolean(), $"{level}: {after.GetProperty("source").GetString()}");
        }

        string known = line.Count == 0 ? $"nothing is known of the {level.Major}.{level.Minor} line" : $"known only for {string.Join("; ", line.Select(Span))}";
        return (null, $"{level}: whether it has {name} is not known ({known}; restore-facts.json, checked {RestoreFacts.Checked})");
    }

    /// <summary>The releases where a fact's answer may change within a line: each span's first release and the one after its last.</summary>
    public static IEnumerable<KernelLevel> Boundaries =>
        Facts.SelectMany(f => f.GetProperty("spans").EnumerateArray()).Where(s => s.TryGetProperty("from", out _)).SelectMany(s =>
        {
            KernelLevel from = KernelLevel.Parse(s.GetProperty("from").GetString()!)!.Value;
            if (!s.TryGetProperty("through", out JsonElement t))
            {
                return (IEnumerable<KernelLevel>)[from];
            }

            KernelLevel through = KernelLevel.Parse(t.GetString()!)!.Value;
            return [from, through.Rc is { } rc ? through with { Rc = rc + 1 } : through with { Patch = through.Patch + 1 }];
        });

    /// <summary>The newest line after which every line answers alike (the spans' <c>after</c>), or null.</summary>
    public static KernelLevel? After => Facts.SelectMany(f => f.GetProperty("spans").EnumerateArray())
        .Where(s => s.TryGetProperty("after", out _)).Select(s => KernelLevel.Parse(s.GetProperty("after").GetString()!)!.Value)
        .OrderBy(l => (l.Major, l.Minor)).Select(l => (KernelLevel?)l).LastOrDefault();

    private static string Span(JsonElement s)
    {
        string? from = s.TryGetProperty("from", out JsonElement f) ? f.GetString() : null, through = s.TryGetProperty("through", out JsonElement t) ? t.GetString() : null;
        string span = (from, through) switch
        {
            (null, _) => "the whole line",
            (_, null) => $"{from} on",
            _ when from == through => from,
            _ => $"{from}..{through}",
        };
        return $"{span}: {(s.GetProperty("has").GetBoolean() ? "yes" : "no")}";
    }

    private static bool? Covers(JsonElement span, KernelLevel level)
    {
        bool? from = span.TryGetProperty("from", out JsonElement f) ? level.AtOrAfter(KernelLevel.Parse(f.GetString()!)!.Value) : true;
        bool? through = span.TryGetProperty("through", out JsonElement t) ? KernelLevel.Parse(t.GetString()!)!.Value.AtOrAfter(level) : true;
        return from == true && through == true;
    }

    private static bool SameLine(KernelLevel a, KernelLevel b) => a.Major == b.Major && a.Minor == b.Minor;

    // The first release of the line after a.Major.a.Minor: both 7.3 and 8.0 follow 7.2; AtOrAfter compares lines first.
    private static KernelLevel Next(KernelLevel a) => new(a.Major, a.Minor + 1, 0, 1);

    private static IEnumerable<JsonElement> Facts => RestoreFacts.KfdReleaseFacts.EnumerateArray();
}
