using System.Threading;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

internal static class ModelPlanner
{
    public static ModelPlan Plan(ModelDefinition model, bool referencesIlgpu, CancellationToken cancellationToken) => new(model.Type, model.Map.Model);
}
