using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ModelGen.Benchmarks;

/// <summary>
/// Loads TorchSharp's native library, through the patched copy that torchsharp-shim/build.sh writes where there is one
/// (TorchSharp-cpu 0.105+ needs GLIBCXX_3.4.32, which Debian 12's libstdc++ lacks). Never throws: when TorchSharp
/// cannot load, <see cref="Failure"/> says why and the TorchSharp rows report it instead of running.
/// </summary>
public static class TorchSharpLoader
{
    private static readonly Lazy<string?> s_failure = new(Load);

    /// <summary>Null when TorchSharp works; otherwise "could not load: ..." with the reason.</summary>
    public static string? Failure => s_failure.Value;

    /// <summary>The patched native library in use, or null when TorchSharp loads its own.</summary>
    public static string? PatchedLibrary { get; private set; }

    /// <summary>The folder with the patched library: $MODELGEN_TORCHSHARP_NATIVE, else benchmarks/torchsharp-shim/out.</summary>
    public static string NativeDirectory =>
        Environment.GetEnvironmentVariable("MODELGEN_TORCHSHARP_NATIVE") is { Length: > 0 } directory
            ? directory
            : Path.Combine(ProjectDirectory, "torchsharp-shim", "out");

    private static string ProjectDirectory =>
        typeof(TorchSharpLoader).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ModelGen.Benchmarks.ProjectDirectory")?.Value ?? AppContext.BaseDirectory;

    private static string? Load()
    {
        try
        {
            string patched = Path.Combine(NativeDirectory, "libLibTorchSharp.so");
            if (OperatingSystem.IsLinux() && File.Exists(patched))
            {
                // libtorch first, from where TorchSharp itself loads it (beside TorchSharp.dll or under runtimes/): the
                // patched library's needs then resolve by soname to these, and no second copy of libtorch is loaded.
                string torchSharpDirectory = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
                string[] candidates = { torchSharpDirectory, Path.Combine(torchSharpDirectory, "runtimes", "linux-x64", "native") };
                string libtorchDirectory = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")))
                    ?? throw new FileNotFoundException("libtorch_cpu.so is not beside TorchSharp.dll nor under runtimes/linux-x64/native", torchSharpDirectory);
                foreach (string name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
                {
                    NativeLibrary.Load(Path.Combine(libtorchDirectory, name));
                }

                IntPtr handle = NativeLibrary.Load(patched);
                NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
                    name.Contains("LibTorchSharp", StringComparison.Ordinal) ? handle : IntPtr.Zero);
                PatchedLibrary = patched;
            }

            using var probe = torch.ones(2, 2);
            using var sum = probe.sum();
            return sum.item<float>() == 4f ? null : "could not load: TorchSharp computed a wrong sum";
        }
        catch (Exception e)
        {
            Exception inner = e;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            string hint = PatchedLibrary is null && OperatingSystem.IsLinux()
                ? " (on a libstdc++ older than GCC 13's, run benchmarks/torchsharp-shim/build.sh first)"
                : string.Empty;
            // TorchSharp's own message names a missing package; the loader's message says what really failed.
            string reason = LoaderMessage() ?? $"{inner.GetType().Name}: {FirstLine(inner.Message)}";
            return $"could not load: {reason}{hint}";
        }
    }

    /// <summary>The dynamic loader's message for TorchSharp's shipped native library, or null if it loads.</summary>
    private static string? LoaderMessage()
    {
        string directory = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
        string? library = new[] { directory, Path.Combine(directory, "runtimes", "linux-x64", "native") }
            .Select(d => Path.Combine(d, "libLibTorchSharp.so"))
            .FirstOrDefault(File.Exists);
        if (library is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            NativeLibrary.Load(library);
            return null;
        }
        catch (DllNotFoundException e)
        {
            // The loader's own line (dlerror) follows .NET's advice in the message.
            int version = e.Message.IndexOf("version `", StringComparison.Ordinal);
            return version >= 0 ? "libLibTorchSharp.so: " + FirstLine(e.Message[version..]) : FirstLine(e.Message);
        }
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOf('\n');
        return (end < 0 ? text : text[..end]).Trim();
    }
}
