"""Serving: the read model over the forecast, history and quality stores, and the HTTP API (`khlang serve`)."""
