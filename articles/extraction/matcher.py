"""EntityMatcher: builds the automata once, then turns one article's text into an Extraction."""
from collections.abc import Iterable

from .countries import about_countries, enumerated, find_place_mentions, opening_dateline, place_automaton
from .entities import Extraction, KnownEntity, OperationMention
from .operations import known_operation_index, operation_mentions
from .organisations import about_organisations, build_catalogue_automata, find_catalogue_mentions, find_catalogue_slugs, organisation_candidates
from .text import fold_accents, is_shouting, lead_length, opening_length, reads_as_spanish


class EntityMatcher:
    """Holds the catalogue and place automata; extract() is pure and safe to call from many threads."""

    def __init__(self, organisations: Iterable[KnownEntity], operations: Iterable[KnownEntity] = ()):
        self.organisations = list(organisations)
        self.operations = list(operations)
        self.organisation_automata = build_catalogue_automata(self.organisations)
        self.operation_automata = build_catalogue_automata(self.operations)
        self.known_operations = known_operation_index(self.operations)
        self.known_surfaces = frozenset(
            fold_accents(surface).lower() for entity in self.organisations for surface in (entity.name, *entity.aliases)
        )
        place_automaton(shouting=False)
        place_automaton(shouting=True)

    def extract(self, title: str, body: str, dateline: str = "") -> Extraction:
        title, body = fold_accents(title or ""), fold_accents(body or "")
        title_shouts, body_shouts = is_shouting(title), is_shouting(body)
        lead_end = lead_length(body)
        spanish = reads_as_spanish(f"{title}\n{body}")
        body_mentions = find_place_mentions(body, body_shouts, spanish)
        title_mentions = find_place_mentions(title, title_shouts, spanish)
        zones = {
            "title": title_mentions,
            "lead": [mention for mention in body_mentions if mention.start < lead_end],
            "body": [mention for mention in body_mentions if mention.start >= lead_end],
            "enumeration": enumerated(body, body_mentions),
        }
        article_text = f"{title}\n{body}"
        countries = about_countries(zones, dateline or opening_dateline(body), article_text)
        mixed, shouting = self.organisation_automata
        title_organisations = find_catalogue_mentions(title, shouting if title_shouts else mixed, title_mentions, countries)
        body_organisations = find_catalogue_mentions(body, shouting if body_shouts else mixed, body_mentions, countries)
        opening_end = opening_length(body)
        organisation_zones = {
            "title": title_organisations,
            "lead": [mention for mention in body_organisations if mention.start < opening_end],
            "body": [mention for mention in body_organisations if mention.start >= opening_end],
        }
        return Extraction(
            countries=countries,
            organisations=about_organisations(organisation_zones),
            operations=self._operations(title, title_shouts, body, body_shouts),
            organisation_candidates=organisation_candidates(body, self.known_surfaces)
            | (frozenset() if title_shouts else organisation_candidates(title, self.known_surfaces)),
        )

    @staticmethod
    def _catalogue_slugs(automata, title, title_shouts, body, body_shouts) -> set[str]:
        """Catalogue slugs named in title and body."""
        mixed, shouting = automata
        return find_catalogue_slugs(title, shouting if title_shouts else mixed) | find_catalogue_slugs(body, shouting if body_shouts else mixed)

    def _operations(self, title, title_shouts, body, body_shouts):
        text = "\n".join(part for part, shouts in ((title, title_shouts), (body, body_shouts)) if not shouts)
        mentions = list(operation_mentions(text, self.known_operations))
        seen = {mention.slug for mention in mentions}
        by_slug = {operation.slug: operation for operation in self.operations}
        for slug in sorted(self._catalogue_slugs(self.operation_automata, title, title_shouts, body, body_shouts) - seen):
            mentions.append(OperationMention(by_slug[slug].name, slug, ()))
        return tuple(mentions)
