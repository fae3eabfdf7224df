"""When segments are merged: by size tier, so that an editor's save never waits for a big merge.

Whoosh's default policy merges on every commit; at 100,000 articles one such merge held an
editor's save for 142 s. A save merges only the tiniest segments; larger small segments are merged
by the site's background catch-up (``merge_small_segments``), and large ones only by bulk writes.
"""

import math

from whoosh.reading import SegmentReader

SEGMENTS_PER_TIER = 10  # a tier's segments are merged once there are this many; tiers grow tenfold
SMALL_SEGMENT = 1000  # larger segments are left to bulk writes' merges and rebuilds
BULK_WRITE = 100  # documents in one commit from which Whoosh's own merge policy applies


def segment_tier(doc_count: int) -> int:
    """0 for fewer than SEGMENTS_PER_TIER documents, 1 for up to ten times that, and so on."""
    tier = 0
    while doc_count >= SEGMENTS_PER_TIER ** (tier + 1):
        tier += 1
    return tier


def segments_to_merge(segments, max_tier: float) -> list:
    """The small segments of every tier up to ``max_tier`` that holds SEGMENTS_PER_TIER of them.

    Merging by tier keeps each document's merge count logarithmic: merging every small segment
    each time would re-merge one growing segment on every tenth save.
    """
    tiers: dict[int, list] = {}
    for segment in segments:
        if segment.doc_count_all() < SMALL_SEGMENT:
            tiers.setdefault(segment_tier(segment.doc_count_all()), []).append(segment)
    return [segment for tier, group in sorted(tiers.items())
            if tier <= max_tier and len(group) >= SEGMENTS_PER_TIER for segment in group]  # fmt: skip


def merge_policy(max_tier: float):
    """A Whoosh ``mergetype`` (a documented hook of ``writer.commit``) merging tiers up to ``max_tier``."""

    def merge(writer, segments):
        merged = segments_to_merge(segments, max_tier)
        for segment in merged:
            writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
        return [segment for segment in segments if segment not in merged]

    return merge


merge_after_a_save = merge_policy(max_tier=0)  # under 100 documents in all: took up to 0.4 s at 100k
merge_small_tiers = merge_policy(max_tier=math.inf)  # every tier below SMALL_SEGMENT


def commit_merge_policy(written: int):
    """Whoosh's own policy (None) for a bulk write; only tiny merges for an editor's save."""
    return None if written >= BULK_WRITE else merge_after_a_save
