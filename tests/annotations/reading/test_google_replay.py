"""Google's individual reads replayed through the REST API under the `google` preset give Google's
published labels wherever they follow from the reads.

The reads and the published labels are read from a copy of the release in its exact published layout
(tests.support.google_release) with the csv module, not with our importer. Each film is queued on
its own, its readers (Google's reader ids, one account each) claim and submit their reads, and in
every adjudication round each keeps their answer (the release has one answer per reader). Then:

- four findings: where a definite answer (YES or NO) is held by more than half of the readers, the
  platform reaches it by itself (unanimous, consensus or majority) and it is the published label;
  everywhere else (a HEDGE majority, a tie, YES / NO / HEDGE) nothing is final until an adjudicator
  who did not read the film decides, and that is recorded as the adjudicator's decision;
- all findings: every published label, from the three designated readers' majority, and for `Other`
  Google's added rule ("or a majority said abnormal but no single finding had a majority"), which
  the `google_all` schema applies as a second version of the voted label.
"""

import csv
import io
from collections import Counter

from annotations.models import AdjudicationCase, Image, Label, WorkItem
from annotations.selectors.final_labels import current_final_labels
from layouts import google_expert as google
from layouts.chestxray14 import IMAGE_INDEX
from tests.annotations.reading.conftest import claim, enqueue, make_images, respond, submit
from tests.support.google_release import DESIGNATED, SPECIFIC, definite_majority, write_release

VALUE = {"YES": "positive", "NO": "negative", "HEDGE": "uncertain", "1": "positive", "0": "negative"}
CELL = {"positive": "YES", "negative": "NO"}
FOUR_COLUMNS = google.FOUR_FINDINGS_ALIASES
FOUR_FILES = google.FOUR_FINDINGS_FILES["long"]
ALL_FILES = google.ALL_FINDINGS_FILES["long"]


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(), newline="")))


def _column(row: dict, finding: str) -> str:
    return next(row[c] for c in FOUR_COLUMNS.get(finding, (finding,)) if c in row)


def published_reads(readers_csv, findings) -> dict[str, dict[str, dict[str, str]]]:
    """{image: {reader: {finding: cell}}} in file order; a reader's second row for an image is ignored."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for row in _rows(readers_csv):
        per_image = out.setdefault(row[google.IMAGE_ID], {})
        per_image.setdefault(row[google.READER_ID], {f: _column(row, f) for f in findings})
    return out


def published_labels(labels_csvs, findings) -> dict[str, dict[str, str]]:
    out = {}
    for path in labels_csvs:
        for row in _rows(path):
            image = row.get(IMAGE_INDEX) or row[google.IMAGE_ID]
            out[image] = {f: _column(row, f) for f in findings if _column(row, f)}
    return out


class Replay:
    def __init__(self, team, reader_ids):
        self.team = team
        self.users = dict(zip(sorted(reader_ids), team.readers, strict=True))
        self.readers_per_item = team.dataset.readers_per_item

    def _policy(self, readers: int) -> None:
        if readers != self.readers_per_item:
            url = f"/api/v1/datasets/{self.team.dataset.pk}/policy/"
            r = self.team.c(self.team.admin).patch(url, {"readers_per_item": readers}, format="json")
            assert r.status_code == 200, r.content
            self.readers_per_item = readers

    def read(self, image: Image, reads: dict[str, dict[str, str]]) -> AdjudicationCase | None:
        """First reads, then every round with each reader keeping their answers."""
        team = self.team
        self._policy(len(reads))
        enqueue(team, [image])
        for rid, cells in reads.items():
            user = self.users[rid]
            task = claim(team, user)
            assert task["item"]["image"]["id"] == image.pk
            body = [{"finding": f, "value": VALUE[c]} for f, c in cells.items()]
            submit(team, user, task["read"]["id"], {"labels": body})
        case = AdjudicationCase.objects.filter(image=image).first()
        while case is not None and case.status == "open":
            first = self.users[next(iter(reads))]
            open_ = team.c(first).get(f"/api/v1/adjudication-cases/{case.pk}/").json()["open_findings"]
            for rid, cells in reads.items():
                answers = [{"finding": f, "value": VALUE[cells[f]]} for f in open_]
                respond(team, self.users[rid], case.pk, {"labels": answers})
            case.refresh_from_db()
        return case

    def decide(self, case: AdjudicationCase, values: dict[str, str]) -> list[str]:
        """The adjudicator decides the case's open findings; returns them."""
        c = self.team.c(self.team.adjudicator)
        open_ = c.get(f"/api/v1/adjudication-cases/{case.pk}/").json()["open_findings"]
        body = {"labels": [{"finding": f, "value": values[f]} for f in open_], "reason": "replay"}
        r = c.post(f"/api/v1/adjudication-cases/{case.pk}/decide/", body)
        assert r.status_code == 200, r.content
        return open_


def finals(image: Image) -> dict[str, tuple[str, str]]:
    """The current (not superseded) final labels."""
    qs = current_final_labels(image_ids=[image.pk]).select_related("finding", "provenance")
    return {lb.finding.key: (lb.value, lb.provenance.how_reached) for lb in qs}


def _images(team, keys) -> dict[str, Image]:
    images = make_images(team.dataset, len(keys))
    for image, key in zip(images, keys, strict=True):
        Image.objects.filter(pk=image.pk).update(source_key=key)
        image.source_key = key
    return dict(zip(keys, images, strict=True))


def test_four_findings_reads_replayed_give_the_published_labels(make_team, tmp_path):
    release = write_release(tmp_path, point_at="four", n_four=18, n_all=1)
    findings = ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")
    reads = published_reads(release.root / FOUR_FILES["readers"], findings)
    labels = published_labels(
        [release.root / FOUR_FILES[s] for s in ("test", "validation")],
        findings,
    )
    reader_ids = {rid for per_image in reads.values() for rid in per_image}
    team = make_team("google4", preset="google", readers=len(reader_ids))
    replay = Replay(team, reader_ids)
    images = _images(team, list(reads))
    tally: Counter = Counter()
    for key, image in images.items():
        cells_by_finding = {f: [r[f] for r in reads[key].values()] for f in findings}
        follows = {f: definite_majority(cells) for f, cells in cells_by_finding.items()}
        case = replay.read(image, reads[key])
        got = finals(image)
        for f in findings:
            if follows[f] is None:
                assert f not in got, (
                    f"{key} {f}: {cells_by_finding[f]} has no definite majority, yet is final"
                )
                if cells_by_finding[f].count("HEDGE") * 2 > len(cells_by_finding[f]):
                    tally["hedge majority, to the adjudicator"] += 1
        if case is not None and case.status == "awaiting_adjudicator":
            want = {f: VALUE[labels[key].get(f, "NO")] for f in findings}
            decided = replay.decide(case, want)
            assert all(follows[f] is None for f in decided)
            got = finals(image)
        tally[f"{len(reads[key])} readers"] += 1
        for f in findings:
            if f not in labels[key]:
                continue  # Google left it empty: not adjudicated
            value, how = got[f]
            assert CELL[value] == labels[key][f], (key, f, cells_by_finding[f], got[f])
            if follows[f] is not None:
                assert how in ("unanimous", "consensus", "majority"), (key, f, how)
                tally["follow from the reads"] += 1
            else:
                assert how == "adjudicator", (key, f, how)
                tally["adjudicator"] += 1
        assert WorkItem.objects.get(image=image).state == "done"
    assert tally["hedge majority, to the adjudicator"] > 0 and tally["adjudicator"] > 0
    assert {tally[f"{n} readers"] > 0 for n in (2, 3, 4, 5)} == {True}
    print(dict(tally))


def test_all_findings_reads_of_the_designated_readers_give_every_published_label(make_team, tmp_path):
    release = write_release(tmp_path, point_at="all", n_four=36, n_all=12)
    findings = ("Abnormal", *SPECIFIC, "Other")
    every = published_reads(release.root / ALL_FILES["readers"], findings)
    labels = published_labels([release.root / ALL_FILES["test"]], findings)
    team = make_team("google_all", preset="google", readers=3)
    replay = Replay(team, DESIGNATED)
    images = _images(team, list(every))
    tally: Counter = Counter()
    for key, image in images.items():
        designated = {rid: cells for rid, cells in every[key].items() if rid in DESIGNATED}
        assert len(every[key]) == 5 and len(designated) == 3
        case = replay.read(image, designated)
        assert case is None or case.status == "resolved", "3 definite votes always have a majority"
        got = finals(image)
        assert {f: CELL[got[f][0]] for f in findings} == labels[key], key
        tally["labels"] += len(findings)
        tally["films decided in rounds"] += case is not None
        votes = [c["Other"] for c in designated.values()]
        if labels[key]["Other"] == "YES" and votes.count("YES") < 2:
            tally["Other by the abnormal-without-finding rule"] += 1
            current = Label.objects.get(image=image, finding__key="Other", source_version="2")
            assert current.provenance.supersedes.value == "negative"
    assert tally["Other by the abnormal-without-finding rule"] > 0
    print({"films": len(images), **tally})
