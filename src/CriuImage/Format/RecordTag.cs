namespace CriuImage.Format;

/// <summary>The first element of every record array in an <c>R</c> frame (FORMAT.md section 5).</summary>
public enum RecordTag : byte
{
    /// <summary>A BO record, array of 9.</summary>
    Bo = 0,

    /// <summary>A VM record, array of 5.</summary>
    Vm = 1,
}
