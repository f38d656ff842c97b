"""Match quality of the engine on public and generated data, beside Splink: pairwise precision, recall and F1, and
the MDM view (what gets linked by itself, what goes to the stewards' review queue).

    make bench-match-quality                                   # installs requirements/bench.txt, runs everything
    .venv/bin/python bench/match_quality.py --dataset febrl3 --dataset retail --json var/match_quality.json

For each data set: features -> pair_candidates -> score_pairs, exactly the engine's public entry points, on the
records as ingest reads them (see bench/quality_data.py). Counting is honest: a true pair that blocking never proposes
is a false negative; a pair is predicted a match when its score is at or above the threshold named.

- blocking recall: share of the true pairs that are candidate pairs;
- P / R / F1 at >= review (review candidates count as predicted matches), at >= auto_link, at >= 0.5, and the best F1
  over all thresholds (with the threshold that reaches it);
- MDM view: precision of the auto-links; recall of auto-links + review candidates; review share: the review queue
  (every candidate pair scored in [review, auto_link), one person or not) as a share of the true pairs, with how many
  of the queue are true pairs;
  review candidates include, for the engine, the pairs ingest queues below review: the only two golden records with a
  full name, when the rule keeps none of their pairs under it apart (``matching.FULL_NAME_KEY``,
  ``policy.kept_apart``; their count is printed);
  and the golden records that linking builds from those pairs, transitively, scored pairwise (golden P at auto_link,
  golden R at review): a record joins others through a third, and one false link merges two people; at auto_link
  refusing, as ingest and rematch do, a link where two records of the golden records joined score below
  ``policy.CONTRADICTS`` (how many it refused is shown); and the review queue as stewards see it: one candidate per
  pair of those golden records, however many record pairs join them (and how many hold one person);
- per customer data set, the true pairs that share no identifying value at all (only names could link them), and
  the recall of auto-links + review candidates on the others ("beyond names");
- for the generated retail data: recall per hard case, and how the look-alikes that must stay apart (households,
  twins, product variants) were scored.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stewardship.settings")
os.environ.setdefault("STEWARD_DEV", "1")

import django  # noqa: E402

django.setup()

from bench import quality_data  # noqa: E402
from bench.quality_data import Dataset, pair_keys  # noqa: E402
from stewardship import matching  # noqa: E402
from stewardship.matching.features import CUSTOMER  # noqa: E402
from stewardship.matching.policy import CONTRADICTS, kept_apart  # noqa: E402
from stewardship.matching.training import train  # noqa: E402
from stewardship.models import MatchSettings  # noqa: E402

# The targets: F1 (at >= review) per public data set; the MDM view on the retail data.
F1_TARGETS = {"febrl3": 0.995, "febrl4": 0.999, "rldata10000": 0.97}
RETAIL_TARGETS = {"auto_precision": 0.995, "auto_review_recall": 0.99, "review_share": 0.10}


@dataclass(frozen=True)
class Thresholds:
    review: float
    auto_link: float

    @classmethod
    def defaults(cls) -> Thresholds:
        """The engine's default thresholds (MatchSettings field defaults; no database needed)."""
        field_default = MatchSettings._meta.get_field
        return cls(review=field_default("review").default, auto_link=field_default("auto_link").default)


@dataclass
class Scored:
    """Unique candidate pairs of one matcher, their scores, and which are true."""

    keys: np.ndarray
    scores: np.ndarray
    is_true: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    queued: np.ndarray | None = None  # pairs a rule queues for review below the threshold too (the full-name rule)

    def reviewed(self, review: float) -> np.ndarray:
        """The pairs at or above ``review``, and those a rule queues."""
        at = self.scores >= review
        return at if self.queued is None else at | self.queued


def scored(dataset: Dataset, keys: np.ndarray, scores: np.ndarray) -> Scored:
    order = np.lexsort((-scores, keys))  # by key, best score first: a pair proposed twice keeps its best score
    keys, scores = keys[order], scores[order]
    first = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    keys, scores = keys[first], scores[first]
    return Scored(keys, scores, np.isin(keys, dataset.true_pairs))


# --- the engine ----------------------------------------------------------------------------------------------------


def run_engine(dataset: Dataset, max_block_size: int, t: Thresholds, *, trained: bool = False) -> Scored:
    """The engine with its own weight table, or (``trained``) with weights estimated from the data set itself by
    ``matching.training.train`` (unsupervised EM, what ``manage.py train_matcher`` does on stored records); with the
    pairs the full-name rule queues below review (``namesakes``)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    feats = [matching.features(dataset.domain, record) for record in dataset.records]
    timings["features"] = time.perf_counter() - started
    started = time.perf_counter()
    left, right, oversized = matching.pair_candidates(dataset.domain, feats, max_block_size=max_block_size)
    timings["blocking"] = time.perf_counter() - started
    model = None
    if trained:
        started = time.perf_counter()
        model = train(dataset.domain, feats, left, right, max_block_size=max_block_size)
        timings["training"] = time.perf_counter() - started
    started = time.perf_counter()
    scores = np.asarray(matching.score_pairs(dataset.domain, feats, left, right, model=model), dtype=np.float64)
    timings["scoring"] = time.perf_counter() - started
    result = scored(dataset, pair_keys(dataset.n, left, right), scores)
    result.seconds = timings
    if dataset.domain == CUSTOMER:

        def apart(i: int, j: int) -> bool:
            return kept_apart(matching.score(dataset.domain, feats[i], feats[j], model=model))

        result.queued = namesakes(dataset.n, result, matching.full_name_blocks(feats), t.auto_link, apart)
    if oversized:
        shown = ", ".join(str(k) for k in list(oversized)[:5])
        result.notes.append(f"{len(oversized)} blocking keys over {max_block_size} records left out ({shown}, ...)")
    return result


def namesakes(
    n: int, s: Scored, blocks: list[list[int]], auto_link: float, apart: Callable[[int, int], bool]
) -> np.ndarray:
    """Which pairs of ``s`` the full-name rule queues: in a full-name block (``matching.full_name_blocks``) whose
    records belong to two golden records only (those linking at ``auto_link`` builds, see ``golden_records``), the
    pairs across the two, when every one was scored and ``apart`` (records i, j: ``policy.kept_apart`` of the pair)
    holds for none."""
    label, _ = _link_unless_contradicted(n, s, auto_link, CONTRADICTS)
    scored = set(s.keys.tolist())
    queued: list[int] = []
    for members in blocks:
        if len({label[i] for i in members}) != 2:
            continue
        across = [i * n + j for i in members for j in members if i < j and label[i] != label[j]]
        if all(key in scored for key in across) and not any(apart(*divmod(key, n)) for key in across):
            queued += across
    return np.isin(s.keys, queued)


# --- metrics -------------------------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def at_threshold(s: Scored, n_true: int, threshold: float, *, review: bool = False) -> dict[str, Any]:
    """Pairs predicted a match at ``threshold``; with ``review``, also those a rule queues for review."""
    predicted = s.reviewed(threshold) if review else s.scores >= threshold
    tp = int(np.count_nonzero(predicted & s.is_true))
    n_predicted = int(np.count_nonzero(predicted))
    return {
        "threshold": threshold,
        "predicted": n_predicted,
        "true_positives": tp,
        "precision": _ratio(tp, n_predicted),
        "recall": _ratio(tp, n_true),
        "f1": _ratio(2 * tp, n_predicted + n_true),
    }


def best_f1(s: Scored, n_true: int) -> dict[str, Any]:
    """The threshold whose 'score >= threshold' gives the highest F1 (candidate scores are the only thresholds)."""
    if not len(s.scores):
        return {"threshold": None, "f1": 0.0, "precision": None, "recall": 0.0}
    order = np.argsort(-s.scores, kind="stable")
    ordered, hits = s.scores[order], s.is_true[order]
    tp = np.cumsum(hits)
    predicted = np.arange(1, len(ordered) + 1)
    cut = np.r_[ordered[1:] != ordered[:-1], True]  # last position of each distinct score
    f1 = np.where(cut, 2 * tp / (predicted + n_true), -1.0)
    i = int(np.argmax(f1))
    return {
        "threshold": float(ordered[i]),
        "f1": float(f1[i]),
        "precision": float(tp[i] / predicted[i]),
        "recall": float(tp[i] / n_true) if n_true else None,
    }


def golden_records(
    dataset: Dataset, s: Scored, threshold: float, contradicts: float | None = None, *, review: bool = False
) -> dict[str, Any]:
    """Pairwise precision and recall of the golden records that linking builds: records joined by pairs scored at or
    above ``threshold`` end up in one golden record, transitively (A-B and B-C put A and C together even when A and C
    share nothing, and a single false link merges two people's records). With ``contradicts``, the rule ingest and
    rematch apply (``policy.CONTRADICTS``): pairs join in descending score order, and two golden records
    are not joined when a pair of their records scored below it (a steward gets the pair instead). The order records
    arrive in, and the queueing of a record that fits two golden records, are not simulated: this is what linking
    can reach, not one ingest run. With ``review``, the pairs a rule queues for review join too."""
    n = dataset.n
    linked = s.keys[s.reviewed(threshold) if review else s.scores >= threshold]
    refused = 0
    if contradicts is None:
        label = quality_data.components(n, linked)
    else:
        label, refused = _link_unless_contradicted(n, s, threshold, contradicts)
    sizes = np.bincount(label).astype(np.int64)
    predicted = int((sizes * (sizes - 1) // 2).sum())
    true_left, true_right = np.divmod(dataset.true_pairs, n)
    tp = int(np.count_nonzero(label[true_left] == label[true_right]))
    return {
        "threshold": threshold,
        "golden_records": int(np.count_nonzero(sizes)),
        "largest": int(sizes.max()) if len(sizes) else 0,
        "precision": _ratio(tp, predicted),
        "recall": _ratio(tp, len(dataset.true_pairs)),
        "links_refused": refused,
    }


def _link_unless_contradicted(n: int, s: Scored, threshold: float, contradicts: float) -> tuple[np.ndarray, int]:
    """Golden-record label of each record, and how many links were refused (see ``golden_records``)."""
    low = {int(k): float(p) for k, p in zip(s.keys, s.scores, strict=True) if p < contradicts}
    label = np.arange(n)
    members: dict[int, list[int]] = {}
    refused = 0
    for k in np.argsort(-s.scores, kind="stable"):
        if s.scores[k] < threshold:
            break
        a, b = (int(label[i]) for i in divmod(int(s.keys[k]), n))
        if a == b:
            continue
        ours, theirs = members.get(a, [a]), members.get(b, [b])
        if any(min(x, y) * n + max(x, y) in low for x in ours for y in theirs):
            refused += 1
            continue
        if len(ours) < len(theirs):
            (a, ours), (b, theirs) = (b, theirs), (a, ours)
        label[theirs] = a
        members[a] = ours + theirs
        members.pop(b, None)
    return label, refused


def golden_candidates(n: int, s: Scored, t: Thresholds) -> dict[str, int]:
    """The review queue as stewards see it: one candidate per pair of the golden records that auto-links build (see
    ``golden_records``) joined by a pair in the review band, a link refused or a pair a rule queues; and how many of
    those pairs of golden records hold one person (a true pair across them)."""
    label, _ = _link_unless_contradicted(n, s, t.auto_link, CONTRADICTS)
    reviewed = s.reviewed(t.review)
    left, right = (label[side] for side in np.divmod(s.keys[reviewed], n))
    across = left != right
    pairs = np.minimum(left, right)[across] * n + np.maximum(left, right)[across]
    one_person = pairs[s.is_true[reviewed][across]]
    return {"candidates": len(np.unique(pairs)), "one_person": len(np.unique(one_person))}


def evaluate(dataset: Dataset, s: Scored, t: Thresholds) -> dict[str, Any]:
    n_true = len(dataset.true_pairs)
    review_band = s.reviewed(t.review) & (s.scores < t.auto_link)
    review = at_threshold(s, n_true, t.review, review=True)
    auto = at_threshold(s, n_true, t.auto_link)
    beyond_names = joinable = same_name = None
    if dataset.domain == "customer":  # recall on the true pairs that share more than names
        joinable = dataset.joined_through_equal_values
        same, different = dataset.same_name_alone
        same_name = {"same_person": same, "different_people": different}
        shared = dataset.true_pairs[~dataset.names_only]
        found = s.keys[s.reviewed(t.review) & s.is_true]
        beyond_names = _ratio(int(np.count_nonzero(np.isin(shared, found))), len(shared))
    return {
        "records": dataset.n,
        "candidate_pairs": len(s.keys),
        "true_pairs": n_true,
        "blocking_recall": _ratio(int(np.count_nonzero(s.is_true)), n_true),
        "at_review": review,
        "at_auto_link": auto,
        "at_0.5": at_threshold(s, n_true, 0.5),
        "best_f1": best_f1(s, n_true),
        "mdm": {
            "auto_link_precision": auto["precision"],
            "auto_link_recall": auto["recall"],
            "auto_review_recall": review["recall"],
            "auto_review_recall_beyond_names": beyond_names,
            "joined_through_equal_values": joinable,
            "same_name_alone": same_name,
            "review_share": _ratio(int(np.count_nonzero(review_band)), n_true),
            "review_queue": int(np.count_nonzero(review_band)),
            "review_queue_true": int(np.count_nonzero(review_band & s.is_true)),
            "queued_by_full_name": queued_below_review(s, t, s.is_true),
            "queued_by_full_name_false": queued_below_review(s, t, ~s.is_true),
        },
        "golden_auto_link": golden_records(dataset, s, t.auto_link, CONTRADICTS),
        "golden_auto_review": golden_records(dataset, s, t.review, review=True),
        "golden_candidates": golden_candidates(dataset.n, s, t),
        "seconds": {k: round(v, 3) for k, v in s.seconds.items()},
        "notes": s.notes,
    }


def queued_below_review(s: Scored, t: Thresholds, which: np.ndarray) -> int | None:
    """How many of ``which`` the full-name rule queued below review (None: the matcher has no such rule)."""
    return None if s.queued is None else int(np.count_nonzero(s.queued & (s.scores < t.review) & which))


def hard_cases(dataset: Dataset, s: Scored, t: Thresholds) -> dict[str, Any]:
    """Generated data only: recall on the true pairs that show each hard case, and how look-alike non-matches
    (same household or product family, different entity) were scored."""
    assert dataset.cases is not None and dataset.groups is not None
    n = dataset.n
    names = sorted({c for cases in dataset.cases for c in cases})
    has = np.zeros((n, len(names)), dtype=bool)
    for i, cases in enumerate(dataset.cases):
        for c in cases:
            has[i, names.index(c)] = True

    true_left, true_right = np.divmod(dataset.true_pairs, n)
    position = np.searchsorted(s.keys, dataset.true_pairs)
    position = np.minimum(position, max(len(s.keys) - 1, 0))
    found = (s.keys[position] == dataset.true_pairs) if len(s.keys) else np.zeros(len(dataset.true_pairs), bool)
    true_scores = np.where(found, s.scores[position] if len(s.keys) else 0.0, -np.inf)
    true_reviewed = found & (s.reviewed(t.review)[position] if len(s.keys) else False)
    by_case = {}
    for k, case in enumerate(names):
        mask = has[true_left, k] | has[true_right, k]
        count = int(np.count_nonzero(mask))
        if not count:
            continue
        by_case[case] = {
            "true_pairs": count,
            "blocking_recall": np.count_nonzero(found & mask) / count,
            "recall_at_review": np.count_nonzero(true_reviewed & mask) / count,
            "recall_at_auto_link": np.count_nonzero((true_scores >= t.auto_link) & mask) / count,
        }

    groups = np.unique(np.array(dataset.groups), return_inverse=True)[1]
    left, right = np.divmod(s.keys, n)
    false = ~s.is_true
    same_group = false & (groups[left] == groups[right])
    if dataset.domain == "customer":
        twin = has[:, names.index("twin")] if "twin" in names else np.zeros(n, dtype=bool)
        kinds = {"twins": same_group & twin[left] & twin[right]}
        kinds["household"] = same_group & ~kinds["twins"]
    else:
        kinds = {"variant": same_group}
    kinds["other"] = false & ~same_group
    lookalikes = {
        kind: {
            "candidate_pairs": int(np.count_nonzero(mask)),
            "at_review": int(np.count_nonzero(mask & s.reviewed(t.review))),
            "at_auto_link": int(np.count_nonzero(mask & (s.scores >= t.auto_link))),
        }
        for kind, mask in kinds.items()
    }
    return {"cases": by_case, "non_matches": lookalikes}


# --- error examples -------------------------------------------------------------------------------------------------


def print_errors(dataset: Dataset, s: Scored, t: Thresholds, count: int) -> None:
    n = dataset.n

    def show(key: int, score: float | None, label: str) -> None:
        i, j = divmod(int(key), n)
        cases = ""
        if dataset.cases is not None:
            cases = f"  cases: {','.join(sorted(set(dataset.cases[i]) | set(dataset.cases[j]))) or '-'}"
        shown = "not a candidate" if score is None else f"score {score:.4f}"
        print(f"  [{label}] {shown}  entities {dataset.entities[i]} / {dataset.entities[j]}{cases}")
        for name in sorted(set(dataset.records[i]) | set(dataset.records[j])):
            a, b = dataset.records[i].get(name), dataset.records[j].get(name)
            if a is not None or b is not None:
                print(f"      {name:<20} {str(a)[:45]:<46} {str(b)[:45]}")

    false_positive = np.flatnonzero(~s.is_true & (s.scores >= t.review))
    worst = false_positive[np.argsort(-s.scores[false_positive], kind="stable")][:count]
    print(f"\n{dataset.name}: highest-scored non-matches ({len(false_positive)} at >= review)")
    for k in worst:
        show(s.keys[k], float(s.scores[k]), "false match")

    missed_blocking = np.setdiff1d(dataset.true_pairs, s.keys[s.is_true], assume_unique=True)
    weak = np.flatnonzero(s.is_true & (s.scores < t.review))
    weak = weak[np.argsort(s.scores[weak], kind="stable")]
    print(f"\n{dataset.name}: missed true pairs ({len(missed_blocking)} never proposed, {len(weak)} below review)")
    for key in missed_blocking[: (count + 1) // 2]:
        show(key, None, "missed by blocking")
    for k in weak[: count // 2]:
        show(s.keys[k], float(s.scores[k]), "scored low")


# --- output ---------------------------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 4) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _prf(m: dict[str, Any]) -> str:
    return f"{_f(m['precision'], 3)}/{_f(m['recall'], 3)}/{_f(m['f1'], 4)}"


def _check(value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return "✗"
    return "✓" if (value <= target if at_most else value >= target) else "✗"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.rjust(w) if k > 1 else c.ljust(w) for k, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    return "\n".join(lines)


PAIRWISE_HEADERS = (
    "data set|matcher|records|cand. pairs|true pairs|block recall|≥review P/R/F1|≥auto P/R/F1|≥0.5 P/R/F1|best F1 @t|"
    "F1 target (≥review)|secs"
).split("|")
MDM_HEADERS = (
    "data set|matcher|auto-link precision|auto-link recall|auto+review recall|(beyond names)|"
    "review share of true pairs|review queue (true)|golden P (auto)|golden R (auto+review)|golden records (largest)|"
    "links refused|golden candidates (one person)"
).split("|")


def _pairwise_row(r: dict[str, Any]) -> list[str]:
    m, target = r["metrics"], F1_TARGETS.get(r["dataset"])
    target_text = ""
    if target and r["matcher"].startswith("steward"):
        target_text = f"≥{target} {_check(m['at_review']['f1'], target)}"
    elif target:
        target_text = f"({_check(m['at_0.5']['f1'], target)} at ≥0.5)"
    best = m["best_f1"]
    counts = [str(m[k]) for k in ("records", "candidate_pairs", "true_pairs")]
    return [
        *(r["dataset"], r["matcher"], *counts, _f(m["blocking_recall"])),
        *(_prf(m[k]) for k in ("at_review", "at_auto_link", "at_0.5")),
        *(f"{_f(best['f1'])} @{_f(best['threshold'], 3)}", target_text, f"{r['seconds']:.1f}"),
    ]


def _mdm_row(r: dict[str, Any]) -> list[str]:
    m = r["metrics"]
    mdm, auto, review = m["mdm"], m["golden_auto_link"], m["golden_auto_review"]
    retail = r["dataset"].startswith("retail")

    def cell(value: float | None, key: str, *, at_most: bool = False) -> str:
        if not retail:
            return _f(value)
        sign, target = "≤" if at_most else "≥", RETAIL_TARGETS[key]
        return f"{_f(value)} ({sign}{target} {_check(value, target, at_most=at_most)})"

    return [
        *(r["dataset"], r["matcher"], cell(mdm["auto_link_precision"], "auto_precision")),
        *(_f(mdm["auto_link_recall"]), cell(mdm["auto_review_recall"], "auto_review_recall")),
        _f(mdm["auto_review_recall_beyond_names"]) if mdm["auto_review_recall_beyond_names"] is not None else "",
        cell(mdm["review_share"], "review_share", at_most=True),
        f"{mdm['review_queue']} ({mdm['review_queue_true']})",
        *(cell(auto["precision"], "auto_precision"), cell(review["recall"], "auto_review_recall")),
        f"{auto['golden_records']} ({auto['largest']})",
        str(auto["links_refused"]),
        f"{m['golden_candidates']['candidates']} ({m['golden_candidates']['one_person']})",
    ]


def print_report(results: list[dict[str, Any]], t: Thresholds) -> None:
    print(
        f"\nPairwise quality (P/R/F1; review = {t.review}, auto_link = {t.auto_link}; a true pair blocking missed "
        "counts as a false negative)"
    )
    print(_table(PAIRWISE_HEADERS, [_pairwise_row(r) for r in results]))
    print(
        "\nMDM view (targets on the retail data). Pairwise as scored, then 'golden': the golden records linking builds "
        "from those pairs, transitively, scored pairwise (every two records in one golden record count as a match); "
        "golden candidates: the review queue as stewards see it, one candidate per pair of golden records"
    )
    print(_table(MDM_HEADERS, [_mdm_row(r) for r in results]))


def print_cases(name: str, matcher: str, cases: dict[str, Any]) -> None:
    rows = [
        [case, str(c["true_pairs"]), _f(c["blocking_recall"]), _f(c["recall_at_review"]), _f(c["recall_at_auto_link"])]
        for case, c in cases["cases"].items()
    ]
    print(f"\n{name} / {matcher}: recall by hard case (a pair shows a case when either record does)")
    print(_table(["case", "true pairs", "block recall", "recall ≥review", "recall ≥auto"], rows))
    rows = [
        [kind, str(c["candidate_pairs"]), str(c["at_review"]), str(c["at_auto_link"])]
        for kind, c in cases["non_matches"].items()
    ]
    print(f"{name} / {matcher}: non-matches among the candidates (look-alikes must stay below review)")
    print(_table(["non-match kind", "candidate pairs", "≥review", "≥auto"], rows))


def engine_version() -> str:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    engine = git("log", "-1", "--format=%h", "--", "stewardship/matching") or "unknown"
    dirty = git("status", "--porcelain", "--", "stewardship/matching")
    return f"stewardship/matching at {engine} (HEAD {head})" + (" + uncommitted changes" if dirty else "")


# --- main -----------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--dataset",
        action="append",
        choices=[*quality_data.DATASETS, "retail", "public"],
        help="run only these (repeatable); retail = both retail sets, public = FEBRL3, FEBRL4, RLdata10000",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink baseline")
    parser.add_argument("--retail-customers", type=int, default=20_000, help="customer records to generate")
    parser.add_argument("--retail-products", type=int, default=5_000, help="product records to generate")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the generated retail data")
    parser.add_argument("--review", type=float, help="review threshold (default: the engine's)")
    parser.add_argument("--auto-link", type=float, help="auto-link threshold (default: the engine's)")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="print N false matches and N misses")
    args = parser.parse_args(argv)

    defaults = Thresholds.defaults()
    t = Thresholds(args.review or defaults.review, args.auto_link or defaults.auto_link)
    max_block_size = MatchSettings._meta.get_field("max_block_size").default
    chosen = args.dataset or ["public", "retail"]
    names = [
        name
        for name in quality_data.DATASETS
        if name in chosen
        or ("retail" in chosen and name.startswith("retail"))
        or ("public" in chosen and not name.startswith("retail"))
    ]
    version = engine_version()
    print(
        f"Steward match quality: {version}; thresholds review {t.review}, auto_link {t.auto_link}; "
        f"max_block_size {max_block_size}"
    )

    results: list[dict[str, Any]] = []
    cases: dict[str, Any] = {}
    for name in names:
        started = time.perf_counter()
        dataset = quality_data.load(
            name, retail_customers=args.retail_customers, retail_products=args.retail_products, seed=args.seed
        )
        load_seconds = time.perf_counter() - started
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(dataset.dropped.items())) or "none"
        print(
            f"\n{name}: {dataset.n} {dataset.domain} records, {len(dataset.true_pairs)} true pairs, read in "
            f"{load_seconds:.1f}s; values left out (or kept for matching only): {dropped}\n  mapping: {dataset.mapping}"
        )
        if dataset.domain == "customer":
            names_only = int(np.count_nonzero(dataset.names_only))
            print(
                "  true pairs sharing no email, phone, account number, birth date, postcode or street line: "
                f"{names_only} ({names_only / len(dataset.true_pairs):.1%}); on their own, only names link them\n"
                f"  true pairs joined through a chain of records that each share such a value exactly: "
                f"{dataset.joined_through_equal_values:.4f}; the others rest on names and on values "
                "that differ (typos, a move)"
            )
            same, different = dataset.same_name_alone
            print(
                f"  record pairs with the same full name and no such value in common: {same} the same person, "
                f"{different} different people (the name alone is right for {_f(_ratio(same, same + different))})"
            )

        for matcher, trained in (("steward", False), ("steward-em", True)):
            started = time.perf_counter()
            engine = run_engine(dataset, max_block_size, t, trained=trained)
            seconds = time.perf_counter() - started
            metrics = evaluate(dataset, engine, t)
            results.append({"dataset": name, "matcher": matcher, "seconds": seconds, "metrics": metrics})
            timing = ", ".join(f"{k} {v:.2f}s" for k, v in engine.seconds.items())
            print(f"  {matcher}: {timing}" + "".join(f"\n  note: {note}" for note in engine.notes))
            mdm = metrics["mdm"]
            if mdm["queued_by_full_name"] is not None:
                same, other = mdm["queued_by_full_name"], mdm["queued_by_full_name_false"]
                print(
                    f"  {matcher}: record pairs queued below review as the only two customers with a full name: "
                    f"{same + other}, {same} of them the same person"
                )
            if dataset.cases is not None:
                cases[f"{name}/{matcher}"] = hard_cases(dataset, engine, t)
            if args.errors:
                print_errors(dataset, engine, t, args.errors)

        if not args.no_splink and dataset.domain == "customer":
            from bench.splink_peer import run_splink

            run = run_splink(dataset)
            peer = scored(dataset, run.pair_keys, run.probabilities)
            results.append(
                {
                    "dataset": name,
                    "matcher": "splink",
                    "seconds": run.seconds,
                    "metrics": evaluate(dataset, peer, t),
                }
            )
            print(f"  splink: {run.seconds:.1f}s on columns {', '.join(run.columns)}")
            if dataset.cases is not None:
                cases[f"{name}/splink"] = hard_cases(dataset, peer, t)

    print_report(results, t)
    for key, value in cases.items():
        print_cases(*key.split("/"), value)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"engine": version, "thresholds": vars(t), "results": results, "hard_cases": cases}
        args.json.write_text(json.dumps(payload, indent=2, default=float))
        print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
