using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

internal static class CpuEmitter
{
    public static EquatableArray<GeneratedSource> Emit(ModelPlan plan, CancellationToken cancellationToken) => EquatableArray<GeneratedSource>.Empty;
}
