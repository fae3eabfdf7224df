"""haystack's search-engine contract, run against haystack's stock Whoosh engine and ours.

The same tests run on both engines (test ids end in ``[stock]`` or ``[archive]``): a test that
passes on stock and fails on ours is a bug in ours. Where stock itself falls short of haystack's
documented behaviour, the test is marked ``stock_limitation`` and is a strict xfail for stock only.
"""
