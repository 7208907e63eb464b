"""The Thai local-government domain: calendar, Thai text, metrics, reference tables, hierarchy."""
