using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generator.Emitters;

/// <summary>How a kernel is launched: the shape of its grid and groups.</summary>
internal enum GpuLaunch
{
    /// <summary>A grid-stride loop over elements (rows, values): 1-D groups, as many as the accelerator runs at once.</summary>
    Elements,

    /// <summary>One group per <c>FeatureLanes</c> features, <c>RowLanes</c> threads per feature reducing over rows.</summary>
    Features,

    /// <summary>One group per 16 x 16 tile of a matrix product.</summary>
    Tiles,

    /// <summary>A single group (a reduction over the whole batch).</summary>
    SingleGroup,
}

/// <summary>One generated kernel: a static method of the Gpu class, loaded once into a delegate field.</summary>
internal sealed class GpuKernel
{
    public GpuKernel(string name, string summary, GpuLaunch launch, IReadOnlyList<(string Type, string Name)> parameters, Action<SourceWriter> body)
    {
        Name = name;
        Summary = summary;
        Launch = launch;
        Parameters = parameters;
        Body = body;
    }

    /// <summary>The static method's name, after the layers it runs: <c>DenseBatchNormalizationGemm</c>.</summary>
    public string Name { get; }

    /// <summary>What it computes, for its XML doc comment.</summary>
    public string Summary { get; }

    public GpuLaunch Launch { get; }

    public IReadOnlyList<(string Type, string Name)> Parameters { get; }

    public Action<SourceWriter> Body { get; }

    /// <summary>The loaded launcher, a field of the nested <c>Kernels</c> class: <c>_kernels.DenseBatchNormalizationGemm</c>.</summary>
    public string Field => "_kernels." + Name;

    /// <summary>The launcher's type: <c>Action&lt;KernelConfig, ...&gt;</c>.</summary>
    public string DelegateType => "global::System.Action<global::ILGPU.KernelConfig, " + TypeArguments + ">";

    public string TypeArguments => string.Join(", ", Parameters.Select(p => p.Type));
}

/// <summary>The kernels of one model in the order they were first used; the same name is one kernel.</summary>
internal sealed class GpuKernelSet
{
    private readonly Dictionary<string, GpuKernel> _byName = new(StringComparer.Ordinal);
    private readonly List<GpuKernel> _ordered = new();

    public IReadOnlyList<GpuKernel> All => _ordered;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public GpuKernel Add(GpuKernel kernel)
    {
        if (_byName.TryGetValue(kernel.Name, out GpuKernel? existing))
        {
            return existing;
        }

        _byName.Add(kernel.Name, kernel);
        _ordered.Add(kernel);
        return kernel;
    }
}
