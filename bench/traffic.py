"""Search answers while ``rebuild_index`` runs: every one must be the full answer (issue 10).

A thread asks gunicorn a few searches in a loop and compares each total with the total before the
rebuild; nothing is written meanwhile, so any other total (0 or partial), or any status but 200,
is a wrong answer.
"""

import json
import threading
import time
import urllib.error
import urllib.request

PROBES = ("/api/search", "/api/search?q=oil", "/api/search?q=bank&sort=newest", "/api/search?q=said+market")


def fetch_total(port: int, probe: str) -> tuple[int, int | None]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=30) as response:
            return response.status, json.load(response)["total"]
    except urllib.error.HTTPError as error:
        return error.code, None


def totals(port: int) -> dict[str, int]:
    return {probe: fetch_total(port, probe)[1] for probe in PROBES}


class SearchTraffic(threading.Thread):
    """Steady searches, one after another with ``pause`` seconds between, until ``stop()``."""

    def __init__(self, port: int, expected: dict[str, int], pause: float = 0.05):
        super().__init__(daemon=True)
        self.port, self.expected, self.pause = port, expected, pause
        self.answers = 0
        self.wrong: list[dict] = []
        self.latencies: list[float] = []
        self._stopping = threading.Event()

    def run(self):
        while not self._stopping.is_set():
            for probe in PROBES:
                started = time.perf_counter()
                status, total = fetch_total(self.port, probe)
                self.latencies.append((time.perf_counter() - started) * 1000)
                self.answers += 1
                if status != 200 or total != self.expected[probe]:
                    self.wrong.append({"probe": probe, "status": status, "total": total, "expected": self.expected[probe]})
                time.sleep(self.pause)

    def stop(self) -> dict:
        self._stopping.set()
        self.join()
        ordered = sorted(self.latencies)
        return {
            "answers": self.answers,
            "wrong_answers": len(self.wrong),
            "first_wrong": self.wrong[:5],
            "expected_totals": self.expected,
            "latency_ms_p50": round(ordered[len(ordered) // 2], 1) if ordered else None,
            "latency_ms_max": round(ordered[-1], 1) if ordered else None,
        }
