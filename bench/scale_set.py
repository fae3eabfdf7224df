"""Benchmark archives built from the Reuters-21578 corpus, which lives beside the checkout.

``reuters_records`` turns the corpus into import records without tags, so that importing them
measures extraction. ``scale_records`` recombines real Reuters paragraphs into any number of
articles spread over 1990-2009, deterministically from a seed: the same seed and size give a
byte-identical file. The corpus is for research use only; nothing here copies it into the repo.

    python bench/scale_set.py --size 100000 --seed 1 --out /tmp/scale-100k.jsonl [--labelled]
"""

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_NAME = "reuters21578.jsonl"
FIRST_DAY = datetime(1990, 1, 1, tzinfo=timezone.utc)
SPAN_SECONDS = int((datetime(2010, 1, 1, tzinfo=timezone.utc) - FIRST_DAY).total_seconds())


def corpus_path(repo_root: Path = REPO_ROOT) -> Path:
    """The Reuters JSONL in ``shared/corpus`` beside the checkout; exits with a clear message if absent."""
    path = Path(repo_root).parent / "shared" / "corpus" / CORPUS_NAME
    if not path.is_file():
        sys.exit(
            f"The Reuters-21578 corpus was not found at {path}. The benchmark needs the shared folder "
            "beside the checkout (../shared/corpus/reuters21578.jsonl); it is not shipped in the repo."
        )
    return path


def load_corpus(path: Path | None = None) -> list[dict]:
    with open(path or corpus_path(), encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def reuters_records(corpus: list[dict], limit: int | None = None):
    """The corpus as import records, without the label fields, so that import extracts the tags.

    The one article with neither headline nor text is left out (the importer rightly rejects it).
    """
    for article in corpus[:limit]:
        if not (article["title"] or article["body"]).strip():
            continue
        record = {"title": article["title"], "body": article["body"], "dateline": article.get("dateline") or "",
                  "source": "Reuters", "url": f"https://reuters.example/21578/{article['id']}"}
        if article.get("published_at"):
            record["published_at"] = article["published_at"]
        else:
            record["published_at"] = "1987-01-01T00:00:00Z"
        yield record


def paragraphs_of(body: str) -> list[str]:
    """Reuters bodies indent each paragraph by four spaces after a line break."""
    return [" ".join(part.split()) for part in body.split("\n    ") if part.strip()]


class Recombiner:
    """Draws headlines, paragraphs and labels from the corpus with one seeded generator."""

    def __init__(self, corpus: list[dict], seed: int):
        self.rng = random.Random(seed)
        self.articles = [a for a in corpus if a["title"] and a["body"] and paragraphs_of(a["body"])]
        self.paragraphs = [paragraphs_of(a["body"]) for a in self.articles]
        self.by_topic: dict[str, list[int]] = {}
        for position, article in enumerate(self.articles):
            for topic in article["topics"]:
                self.by_topic.setdefault(topic, []).append(position)
        self.country_counts = [len(a["countries"]) for a in corpus]
        self.countries = [code for a in corpus for code in a["countries"]]
        self.org_counts = [len(a["orgs"]) for a in corpus]
        self.orgs = [code for a in corpus for code in a["orgs"]]

    def article(self, number: int, labelled: bool) -> dict:
        rng = self.rng
        head = rng.randrange(len(self.articles))
        topics = self.articles[head]["topics"]
        pool = self.by_topic[rng.choice(topics)] if topics and rng.random() < 0.7 else None
        chosen = []
        for _ in range(rng.randint(3, 8)):
            source = rng.choice(pool) if pool else rng.randrange(len(self.articles))
            chosen.append(rng.choice(self.paragraphs[source]))
        published = FIRST_DAY + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        dateline = (self.articles[head].get("dateline") or "").split(",")[0].strip()
        record = {
            "title": self.articles[head]["title"],
            "body": "\n\n".join(chosen),
            "dateline": dateline,
            "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": "Reuters (recombined)",
            "url": f"https://bench.example/scale/{number}",
        }
        if labelled:
            record["countries"] = sorted({rng.choice(self.countries) for _ in range(rng.choice(self.country_counts))})
            record["organisations"] = sorted({rng.choice(self.orgs) for _ in range(rng.choice(self.org_counts))})
            record["operations"] = []
        return record


def scale_records(corpus: list[dict], size: int, seed: int, labelled: bool = False):
    recombiner = Recombiner(corpus, seed)
    for number in range(size):
        yield recombiner.article(number, labelled)


def write_jsonl(records, out: Path) -> int:
    count = 0
    with open(out, "w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--labelled", action="store_true", help="add countries and organisations from the label distribution")
    args = parser.parse_args(argv)
    if REPO_ROOT in args.out.resolve().parents:
        sys.exit("Write the generated archive outside the repository (it is made of Reuters text).")
    count = write_jsonl(scale_records(load_corpus(), args.size, args.seed, args.labelled), args.out)
    print(f"Wrote {count} articles to {args.out}")


if __name__ == "__main__":
    main()
