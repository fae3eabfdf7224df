"""Timing requests, alone or interleaved across engines, and the percentiles reported."""

import statistics
import time


def percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2), "max": round(ordered[-1], 2), "n": len(ordered)}


def timed_together(classes: dict, repeats: int, calls: dict) -> tuple[dict, dict]:
    """Each class's requests, ``repeats`` passes, on every engine of ``calls`` (name: call): each
    pass of a class on one engine, then on the next, the first engine changing from pass to pass.
    A slow spell of the machine (a virtual machine whose neighbours come and go) then slows every
    engine alike: timed one engine after the other, minutes apart, the same code's p95 ratio to
    tantivy's went from 2.7 to 3.9 between runs. A pass, not a request, is the turn: between
    requests of different engines each one's working set left the processor's caches, which cost
    a light engine most (tantivy's two rare words, 0.28 ms p95 alone, took 0.38).
    Returns, by engine, the latencies of each class and each request's total."""
    names = list(calls)
    samples = {name: {} for name in names}
    totals = {name: {} for name in names}
    turn = 0
    for class_name, requests in classes.items():
        for name in names:
            samples[name][class_name] = []
        for _ in range(repeats):
            first = turn % len(names)
            for name in names[first:] + names[:first]:
                for number, request in enumerate(requests):
                    started = time.perf_counter()
                    total = calls[name](request)
                    samples[name][class_name].append((time.perf_counter() - started) * 1000)
                    totals[name].setdefault(class_name, {})[number] = total
            turn += 1
    latencies = {
        name: {class_name: percentiles(timed) if timed else None for class_name, timed in by_class.items()}
        for name, by_class in samples.items()
    }
    return latencies, totals


def timed_runs(classes: dict, repeats: int, call) -> tuple[dict, dict]:
    """Each class's requests, ``repeats`` passes, on one engine; returns latencies and each request's total."""
    latencies, totals = timed_together(classes, repeats, {"one": call})
    return latencies["one"], totals["one"]


class EngineClock:
    """The time a call spends inside a search engine's own methods: haystack's backend
    (``search``, ``more_like_this`` and our engine's ``spelling_suggestion_for``), timed where
    they are called, however often a request calls them. ``run_search`` times what a view asks
    (the form, the engine's calls, the page's labels, links and chips); this, the engine alone, as
    tantivy's search is timed (its parse, search, snippets, stored fields and facets). One run of
    the requests gives both, so neither meets the other's first reads warm.

    Use as a context manager around the timed calls; ``take()`` gives the milliseconds spent inside
    since the last ``take`` and starts again. A method the engine calls from another (a search that
    suggests a spelling) is counted once."""

    METHODS = ("search", "more_like_this", "spelling_suggestion_for")

    def __init__(self, engine_class, clock=time.perf_counter):
        self.engine_class = engine_class
        self.clock = clock
        self.originals = {name: engine_class.__dict__[name] for name in self.METHODS if name in engine_class.__dict__}
        self.inherited = [name for name in self.METHODS if name not in self.originals and hasattr(engine_class, name)]
        self.seconds = 0.0
        self.depth = 0

    def timed(self, method):
        def inside(*args, **kwargs):
            if self.depth:
                return method(*args, **kwargs)
            self.depth += 1
            started = self.clock()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += self.clock() - started
                self.depth -= 1

        return inside

    def __enter__(self):
        for name in (*self.originals, *self.inherited):
            setattr(self.engine_class, name, self.timed(getattr(self.engine_class, name)))
        return self

    def __exit__(self, *exc):
        for name in self.inherited:
            delattr(self.engine_class, name)
        for name, method in self.originals.items():
            setattr(self.engine_class, name, method)

    def take(self) -> float:
        elapsed, self.seconds = self.seconds * 1000, 0.0
        return elapsed
