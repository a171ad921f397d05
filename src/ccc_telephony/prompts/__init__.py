"""IVR prompts: the catalog, espeak-ng generation, admin recordings, publishing to Asterisk."""
