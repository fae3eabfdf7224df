"""The archive's haystack engine over Whoosh. It imports nothing from the site: the site talks to
it through haystack and through ``interface.IndexMaintenance`` only."""
