"""The topic evaluation of ranking: its measures on hand-worked cases, and the command end to end."""

import json
import math

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from search.ranking_evaluation import (
    EvaluationError,
    Topic,
    labelled,
    ndcg_at,
    needs_tags,
    precision_at,
    read_corpus,
    read_topics,
    score_topics,
)
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "reuters21578.jsonl"


def test_precision_at_10_counts_the_relevant_among_the_first_ten():
    assert precision_at([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], {1, 3, 11}) == 0.2  # 11 is past the tenth place


def test_precision_counts_an_empty_place_as_a_miss():
    assert precision_at([1, 2], {1, 2}) == 0.2
    assert precision_at([], {1}) == 0.0


def test_ndcg_is_one_for_the_ideal_order_and_less_when_the_relevant_come_later():
    assert ndcg_at([1, 2, 9], {1, 2}) == pytest.approx(1.0)
    later = ndcg_at([9, 1, 2], {1, 2})
    assert later == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert later < 1.0


def test_ndcg_of_a_topic_without_labelled_articles_is_zero():
    assert ndcg_at([1, 2], set()) == 0.0


def test_the_judgement_is_the_topic_label_only():
    records = [
        {"id": 1, "topics": ["coffee"], "title": "COFFEE", "body": ""},
        {"id": 2, "topics": ["cocoa", "coffee"], "title": "", "body": "cocoa"},
        {"id": 3, "topics": [], "title": "COFFEE PRICES", "body": "coffee coffee"},  # says coffee, not labelled
    ]
    assert labelled(records, "coffee") == {1, 2}


def test_a_place_or_an_organisation_is_judged_by_its_own_label_list():
    records = [
        {"id": 1, "topics": ["coffee"], "places": ["brazil"], "orgs": []},
        {"id": 2, "topics": ["brazil"], "places": [], "orgs": ["ico-coffee"]},  # a topic code, not a place
    ]
    assert labelled(records, "brazil", "places") == {1}
    assert labelled(records, "ico-coffee", "orgs") == {2}
    scores = score_topics([Topic("brazil", "Brazil", "places")], records, lambda query: [2, 1])
    assert scores[0].relevant == 1 and scores[0].precision == 0.1


def test_topics_name_their_label_list_and_only_entities_need_tags(tmp_path):
    path = write_jsonl(tmp_path / "topics.jsonl", [{"topic": "coffee", "query": "coffee"},
                                                   {"topic": "opec", "label": "orgs", "query": "OPEC"}])  # fmt: skip
    topics = read_topics(path)
    assert topics == [Topic("coffee", "coffee"), Topic("opec", "OPEC", "orgs")]
    assert needs_tags(topics) and not needs_tags(topics[:1])
    write_jsonl(path, [{"topic": "opec", "label": "organisations", "query": "OPEC"}])
    with pytest.raises(EvaluationError, match="label 'organisations' is not one of topics, places, orgs"):
        read_topics(path)


def test_score_topics_judges_each_engines_ranking_by_the_labels():
    records = [{"id": n, "topics": ["crude"] if n % 2 else []} for n in range(1, 21)]
    scores = score_topics([Topic("crude", "crude oil")], records, lambda query: range(1, 21))
    assert scores[0].relevant == 10
    assert scores[0].precision == 0.5
    assert scores[0].ranked == tuple(range(1, 11))


def test_topics_need_a_query_of_one_to_three_words(tmp_path):
    path = tmp_path / "topics.jsonl"
    path.write_text('{"topic": "crude", "query": "crude oil prices today"}\n')
    with pytest.raises(EvaluationError, match="1 to 3 words"):
        read_topics(path)
    path.write_text('{"topic": "crude", "query": "  crude   oil "}\n\n')
    assert read_topics(path) == [Topic("crude", "crude oil")]


def test_a_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(EvaluationError, match="no corpus at"):
        read_corpus(tmp_path / "absent.jsonl")


def test_the_command_says_when_the_corpus_is_absent(tmp_path):
    topics = tmp_path / "topics.jsonl"
    topics.write_text('{"topic": "coffee", "query": "coffee"}\n')
    with pytest.raises(CommandError, match="no corpus at"):
        call_command("evaluate_ranking", str(topics), corpus=str(tmp_path / "absent.jsonl"))


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def small_corpus(tmp_path):
    """Three coffee stories, two of them labelled coffee, and two about oil labelled crude."""
    records = [
        (1, ["coffee"], "COFFEE QUOTAS TALKS FAIL", "Coffee producers failed to agree on export quotas."),
        (2, ["coffee"], "BRAZIL COFFEE EXPORTS RISE", "Brazil shipped more coffee in March."),
        (3, [], "RESTAURANT CHAIN EARNINGS UP", "The chain sold more coffee and sandwiches."),
        (4, ["crude"], "OPEC OUTPUT STEADY", "Crude oil output held at quota levels."),
        (5, ["crude"], "OIL PRICES FIRM", "Crude oil prices rose on the spot market."),
    ]
    return write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": n, "topics": topics, "title": title, "body": body, "published_at": f"1987-03-0{n}T10:00:00+00:00"}
        for n, topics, title, body in records
    ])  # fmt: skip


def test_the_command_judges_the_sites_search_and_leaves_nothing_behind(tmp_path, db, search_index, capsys):
    topics = write_jsonl(tmp_path / "topics.jsonl", [{"topic": "coffee", "query": "coffee"}, {"topic": "crude", "query": "crude oil"}])
    call_command("evaluate_ranking", str(topics), corpus=str(small_corpus(tmp_path)))
    output = capsys.readouterr().out
    # "coffee" finds three stories, two of them labelled: 2 of 10 places; "crude oil" finds both crude stories.
    assert "newsarchive mean P@10=0.200" in output
    assert [line.split()[:4] for line in output.splitlines()[1:3]] == [
        ["coffee", "coffee", "2", "0.20"],
        ["crude", "crude", "oil", "2"],
    ]
    assert not Article.objects.exists()  # the evaluation's articles were rolled back


@pytest.mark.skipif(not CORPUS.is_file(), reason=f"the Reuters corpus is not at {CORPUS} (../shared/corpus/README.md)")
def test_the_command_on_a_sample_of_the_corpus_measures_both_engines(tmp_path, db, search_index, capsys):
    pytest.importorskip("tantivy", reason="tantivy is in requirements-dev.txt")
    topics = write_jsonl(tmp_path / "topics.jsonl", [{"topic": "cocoa", "query": "cocoa"}, {"topic": "grain", "query": "grain"}])
    call_command("evaluate_ranking", str(topics), corpus=str(CORPUS), limit=500)
    output = capsys.readouterr().out
    assert "topics=2" in output
    assert "articles=500" in output
    ours = float(output.split("newsarchive mean P@10=")[1].split()[0])
    theirs = float(output.split("tantivy BM25 mean P@10=")[1].split()[0])
    assert 0.3 <= ours <= 1.0 and 0.3 <= theirs <= 1.0  # both find cocoa and grain stories among 500 articles


def test_an_entity_topic_is_searched_with_the_tags_extraction_gives(tmp_path, db, search_index, capsys):
    """The Mexico story never says "Mexico": only the country tag that extraction gives it from
    "Mexican" lets a search for the name find it (as on the site)."""
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": 1, "topics": ["crude"], "places": ["mexico"], "title": "MEXICAN OIL OUTPUT RISES",
         "body": "Mexican state oil company Pemex said its crude output rose in March.", "published_at": "1987-03-01T10:00:00+00:00"},
        {"id": 2, "topics": ["coffee"], "places": ["brazil"], "title": "COFFEE EXPORTS RISE",
         "body": "Brazil shipped more coffee in March.", "published_at": "1987-03-02T10:00:00+00:00"},
    ])  # fmt: skip
    topics = write_jsonl(tmp_path / "topics.jsonl", [{"topic": "mexico", "label": "places", "query": "Mexico"}])
    call_command("evaluate_ranking", str(topics), corpus=str(corpus))
    output = capsys.readouterr().out
    assert output.splitlines()[1].split()[:4] == ["mexico", "Mexico", "1", "0.10"]
    assert not Article.objects.exists()
