"""The live feed: what happens now, pushed to the staff who may see it (issue 11's threat
notices; the wallboard of issue 13 grows from it)."""
