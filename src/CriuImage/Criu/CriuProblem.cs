namespace CriuImage.Criu;

/// <summary>What is wrong with a message that CRIU's reader (protobuf-c) would not take as written.</summary>
public enum CriuProblemKind
{
    /// <summary>protobuf-c's unpack fails: a required field is missing, or a field has another wire type than the schema's.</summary>
    Unpack,

    /// <summary>A uint32 field holds more than 32 bits: protobuf-c keeps the low 32, so the value comes back different.</summary>
    Truncated,
}

/// <summary>One problem of a message, at its offset in the file.</summary>
/// <param name="Kind">What kind of problem.</param>
/// <param name="ByteOffset">Offset in the file of the message or field concerned.</param>
/// <param name="Message">What is wrong, naming the field.</param>
public sealed record CriuProblem(CriuProblemKind Kind, long ByteOffset, string Message);
