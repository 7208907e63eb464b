"""pipelines/generate."""
