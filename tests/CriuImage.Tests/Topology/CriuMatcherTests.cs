using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>The replay's endless-loop detection on the minimal shape: n identical GPUs, one target GPU too old.</summary>
public sealed class CriuMatcherTests
{
    [Theory]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(4, 1)]
    [InlineData(5, 2)]
    [InlineData(6, 3)]
    [InlineData(8, 5)]
    public void OneTooOldGpu_LoopsForThisManyOfItsPositions(int gpus, int looping)
    {
        // shared/reference/criu-topology.md R4.8: n <= 3 always ends; n = 4 loops for one position, 5 for two,
        // 6 for three (found there with CRIU's compiled code). Every other position ends refused.
        int[] outcomes = [.. Enumerable.Range(0, gpus).Select(p => (int)CriuMatcher.Run(TopologyFixtures.Identical(gpus, -1), TopologyFixtures.Identical(gpus, p), MatchEnvironment.Default).Outcome)];
        Assert.Equal(looping, outcomes.Count(o => o == (int)CriuOutcome.NeverEnds));
        Assert.Equal(gpus - looping, outcomes.Count(o => o == (int)CriuOutcome.RemainingNotMatched));
    }

    [Fact]
    public void ManyIdenticalGpus_StopUndecided_WithinTheBudget()
    {
        // 32 identical GPUs with one too old: CRIU's search would take about 2^32 steps.
        CriuMatcher.MatchResult result = CriuMatcher.Run(TopologyFixtures.Identical(32, -1), TopologyFixtures.Identical(32, 0), MatchEnvironment.Default, budget: 100_000);
        Assert.Equal((CriuOutcome.Undecided, 100_000L), (result.Outcome, result.Evaluations - 1));
    }

}
