namespace ModelGen.Generator;

/// <summary>Names of the incremental pipeline's steps, so that tests can check what was cached after an edit.</summary>
internal static class TrackingNames
{
    public const string ModelFiles = nameof(ModelFiles);
    public const string ModelFileParsed = nameof(ModelFileParsed);
    public const string AttributeModelRead = nameof(AttributeModelRead);
    public const string Validated = nameof(Validated);
    public const string Planned = nameof(Planned);
    public const string ModelTypes = nameof(ModelTypes);
    public const string Emitted = nameof(Emitted);
    public const string ReferencesIlgpu = nameof(ReferencesIlgpu);
}
