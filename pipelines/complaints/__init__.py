"""Citizens' complaints: reading Traffy-style exports, masking personal data, placing, importing."""
