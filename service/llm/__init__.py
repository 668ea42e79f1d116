"""llm stage: structured calls to the embedded model or any litellm provider.

`client.LLMClient` is the entry point; `prompts` loads versioned prompt files, `registry`
maps model names, `embedded` assembles and serves the local GGUF model, `cache` keeps
answers and the call log, `errors` the typed errors. Kept import-light: litellm and
xllamacpp load only when a call needs them.
"""
