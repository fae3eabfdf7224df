"""EntityMatcher: builds the automata once, then turns one article's text into an Extraction."""
from collections.abc import Iterable

from .countries import about_countries, enumerated, find_place_mentions, opening_dateline, place_automaton
from .entities import Extraction, KnownEntity, OperationMention
from .operations import known_operation_index, operation_mentions
from .institutions import catalogue_institutions, find_institutions, home_countries
from .organisations import (
    OrganisationMention,
    about_organisations,
    build_catalogue_automata,
    find_catalogue_mentions,
    find_catalogue_slugs,
    organisation_candidates,
    seed_home_countries,
)
from .text import fold_accents, is_shouting, lead_length, opening_length, reads_as_spanish


class EntityMatcher:
    """Holds the catalogue and place automata; extract() is pure and safe to call from many threads."""

    def __init__(self, organisations: Iterable[KnownEntity], operations: Iterable[KnownEntity] = ()):
        self.organisations = list(organisations)
        self.operations = list(operations)
        self.organisation_automata = build_catalogue_automata(self.organisations)
        self.operation_automata = build_catalogue_automata(self.operations)
        self.known_operations = known_operation_index(self.operations)
        self.institutions = catalogue_institutions(self.organisations)
        self.home_countries = {**seed_home_countries(), **home_countries(self.institutions)}
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
        title_organisations, title_candidates = self._organisations_named(title, title_shouts, title_mentions, countries)
        body_organisations, body_candidates = self._organisations_named(body, body_shouts, body_mentions, countries)
        opening_end = opening_length(body)
        organisation_zones = {
            "title": title_organisations,
            "lead": [mention for mention in body_organisations if mention.start < opening_end],
            "body": [mention for mention in body_organisations if mention.start >= opening_end],
        }
        return Extraction(
            countries=countries,
            organisations=about_organisations(organisation_zones, self.home_countries, countries),
            operations=self._operations(title, title_shouts, body, body_shouts),
            organisation_candidates=title_candidates | body_candidates,
        )

    def _organisations_named(self, text, shouts, places, countries) -> tuple[list[OrganisationMention], frozenset[str]]:
        """Catalogue mentions in one text, with the country institutions the catalogue holds ("Columbian
        Defence Ministry"); candidates for editors, with a consistent name for the institutions it lacks."""
        mixed, shouting = self.organisation_automata
        mentions = find_catalogue_mentions(text, shouting if shouts else mixed, places, countries)
        if shouts:
            return mentions, frozenset()
        flat = text.replace("\n", " ")
        institution_names, institution_surfaces = set(), []
        for institution in find_institutions(flat, places):
            institution_surfaces.append(flat[institution.start : institution.end])
            if any(mention.start < institution.end and institution.start < mention.end for mention in mentions):
                continue
            slug = self.institutions.get(institution.key)
            if slug:
                mentions.append(OrganisationMention(slug, institution.start, institution.end))
            else:
                institution_names.add(institution.name)
        candidates = {
            name for name in organisation_candidates(text, self.known_surfaces) if not any(name in surface for surface in institution_surfaces)
        }
        return sorted(mentions, key=lambda mention: mention.start), frozenset(candidates | institution_names)

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
