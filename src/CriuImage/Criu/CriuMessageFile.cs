namespace CriuImage.Criu;

/// <summary>
/// One of CRIU's amdgpu message files as read: the message, the schema revisions its wire fits, and
/// what CRIU's reader would make of it.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="Message">The message, fields the wire lacks read as 0.</param>
/// <param name="Revisions">The revisions whose writer could have produced this wire (empty: none; several: cannot be told apart).</param>
/// <param name="MessageLength">The header's value: bytes of protobuf after it.</param>
/// <param name="StaleBytes">Bytes after the message, which CRIU ignores (left by a re-dump into the same folder: files are opened without O_TRUNC).</param>
/// <param name="Problems">What protobuf-c would refuse or change, in wire order.</param>
public sealed record CriuMessageFile<T>(T Message, CriuRevisions Revisions, ulong MessageLength, long StaleBytes, IReadOnlyList<CriuProblem> Problems);
