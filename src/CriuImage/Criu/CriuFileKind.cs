namespace CriuImage.Criu;

/// <summary>The five files CRIU's amdgpu plugin writes (plugins/amdgpu/amdgpu_plugin_util.h, <c>IMG_*_FILE</c>).</summary>
public enum CriuFileKind
{
    /// <summary><c>amdgpu-kfd-&lt;id&gt;.img</c>: header + <c>criu_kfd</c>.</summary>
    KfdImage,

    /// <summary><c>amdgpu-pages-&lt;id&gt;-&lt;gpu_id %04x&gt;.img</c>: header = byte count, then the VRAM and GTT KFD BOs' contents.</summary>
    KfdPages,

    /// <summary><c>amdgpu-renderD-&lt;id&gt;.img</c>: header + <c>criu_render_node</c>.</summary>
    RenderNode,

    /// <summary><c>amdgpu-drm-pages-&lt;id&gt;-&lt;minor&gt;-&lt;index %04x&gt;.img</c>: an untrusted header, then one render-node BO's contents.</summary>
    DrmPages,

    /// <summary><c>amdgpu-dmabuf_&lt;id&gt;.img</c>: header + <c>criu_dmabuf_node</c>.</summary>
    DmaBuf,
}
