"""Prompt files, versioned: `<prompt id>/<version>.yaml`. Loaded by `zhenggai.llm.prompts`."""
