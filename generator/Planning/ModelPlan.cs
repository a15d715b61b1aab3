using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

internal sealed record ModelPlan(TypeIdentity Type, LocationInfo? Location);
