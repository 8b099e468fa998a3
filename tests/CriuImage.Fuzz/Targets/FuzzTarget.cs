namespace CriuImage.Fuzz.Targets;

/// <summary>
/// One fuzzing target: a parser fed a whole input, and what follows it on good input. <see cref="Run"/> returns
/// when the parser accepted the input or refused it with one of the exception types its documentation names
/// for bad input (<see cref="BadInput"/>); any other exception escapes, and is a crash.
/// </summary>
/// <param name="Name">The name scripts/fuzz-afl.sh and tests/corpus/&lt;name&gt;/ use.</param>
/// <param name="Parser">What is fuzzed, for the docs and the harness's listing.</param>
/// <param name="BadInput">The documented bad-input outcome, for the listing (the body catches exactly that).</param>
/// <param name="Run">Feeds one input through the parser and its consumers.</param>
internal sealed record FuzzTarget(string Name, string Parser, string BadInput, Action<byte[]> Run);
