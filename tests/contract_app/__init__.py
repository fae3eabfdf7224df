"""A test-only app whose model carries every field type a SearchIndex can hold.

It is installed by tests/settings.py only, so the whole suite runs with two SearchIndexes
(the archive's ArticleIndex and GadgetIndex) in one search index.
"""
