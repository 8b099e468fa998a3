namespace CriuImage.Tests.Support;

/// <summary>A fresh folder for one test class instance, deleted with it.</summary>
public class TempFolder : IDisposable
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory("criu-image-tests-").FullName;

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
