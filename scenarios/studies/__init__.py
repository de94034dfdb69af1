"""The paper's extensions as studies over a grid of search costs (docs/extensions.md)."""
