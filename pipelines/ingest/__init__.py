"""pipelines/ingest."""
