"""Merging duplicate organisations or operations into one survivor."""

from django.db import transaction

from .models import TagOrigin, TagRejection
from .tag_kinds import tag_kind_of


@transaction.atomic
def entity_merge(*, survivor, merged) -> int:
    """Move every article of ``merged`` to ``survivor``, keep their names as aliases, delete them.

    An editor's tag stays an editor's tag on the survivor; an editor's rejection moves with it.
    Returns how many article links moved. The signals re-index every article touched.
    """
    kind = tag_kind_of(survivor)
    link_model = kind.through
    field_id = f"{kind.name}_id"
    merged = [entity for entity in merged if entity.pk != survivor.pk]
    moved = 0
    aliases = list(survivor.aliases)
    for entity in merged:
        for link in link_model.objects.filter(**{field_id: entity.pk}):
            existing = link_model.objects.filter(article_id=link.article_id, **{field_id: survivor.pk}).first()
            if existing is None:
                link_model.objects.create(article_id=link.article_id, origin=link.origin, **{field_id: survivor.pk})
            elif link.origin == TagOrigin.EDITOR and existing.origin != TagOrigin.EDITOR:
                existing.origin = TagOrigin.EDITOR
                existing.save(update_fields=["origin"])
            link.delete()
            moved += 1
        for rejection in TagRejection.objects.filter(kind=kind.name, entity_id=entity.pk):
            TagRejection.objects.get_or_create(article_id=rejection.article_id, kind=kind.name, entity_id=survivor.pk)
            rejection.delete()
        for name in [entity.name, *entity.aliases]:
            if name != survivor.name and name not in aliases:
                aliases.append(name)
        entity.delete()
    survivor.aliases = aliases
    survivor.save(update_fields=["aliases", "updated_at"])
    return moved
