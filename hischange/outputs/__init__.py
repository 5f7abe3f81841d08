"""Documents for people and tools: release notes (Markdown, HTML)."""
