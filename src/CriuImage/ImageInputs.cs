using CriuImage.Format;
using CriuImage.Input;

namespace CriuImage;

/// <summary>What the criu-image reader sees in a file of the inputs.</summary>
public static class ImageInputs
{
    extension(InputFile file)
    {
        /// <summary>True when the file's first bytes are the criu-image magic.</summary>
        public bool IsImage => file.Head.AsSpan().StartsWith(Preamble.Magic);
    }
}
