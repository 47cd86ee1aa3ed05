"""Locust users for bench.load: simulated radiologists pulling their next item, viewing the rendered
image (full size and a thumbnail) and submitting a read. Config (tokens, dataset, findings) comes from
the JSON file named by ARBITER_LOAD_CONFIG; each user takes its own reader token."""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["ARBITER_LOAD_CONFIG"]).read())  # noqa: SIM115
_tokens = itertools.cycle(CONFIG["tokens"])


class Reader(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {next(_tokens)}"
        self.rng = random.Random(id(self))

    @task
    def read_next(self) -> None:
        ds = CONFIG["dataset_id"]
        with self.client.post(
            f"/api/v1/datasets/{ds}/worklist/next/", name="worklist/next", catch_response=True
        ) as r:
            if r.status_code == 204:  # nothing left for this reader
                r.success()
                return
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return
            body = r.json()
        if body.get("task") != "read":
            return
        image_id = body["item"]["image"]["id"]
        self.client.get(f"/api/v1/images/{image_id}/render/?size=512", name="images/render")
        self.client.get(f"/api/v1/images/{image_id}/thumbnail/", name="images/thumbnail")
        # Every reader gives the same answer: items become final by unanimity (no adjudication here).
        labels = [{"finding": f, "value": "negative"} for f in CONFIG["findings"]]
        self.client.post(
            f"/api/v1/reads/{body['read']['id']}/submit/",
            json={"labels": labels, "duration_ms": self.rng.randint(2000, 9000)},
            name="reads/submit",
        )
