"""Entity extraction: article text in, countries, organisations and operations out. No database."""
from .entities import Extraction, KnownEntity, OperationMention
from .matcher import EntityMatcher
from .organisations import seed_organisations

__all__ = ["EntityMatcher", "Extraction", "KnownEntity", "OperationMention", "seed_organisations"]
