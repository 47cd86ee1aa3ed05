"""PostgreSQL drops the connection in the middle of a read submission (the backend serving the
request is terminated while it writes the read's labels): the reader gets a clean JSON error, nothing
of the read is half-stored, and resubmitting succeeds."""

import pytest
import requests
from django.db import connection

from annotations.models import Read, ReadLabel
from annotations.models.choices import ReadStatus
from tests.annotations.reading.conftest import enqueue, labels, make_images
from tests.support.services import is_postgres

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="terminates a PostgreSQL backend"),
]

MARKER = "drop-my-connection"


@pytest.fixture
def kill_trigger():
    """A trigger that terminates its own backend when a read label carries MARKER as its comment."""
    with connection.cursor() as cur:
        cur.execute(
            """
            CREATE OR REPLACE FUNCTION arbiter_test_kill_backend() RETURNS trigger AS $$
            BEGIN
                PERFORM pg_terminate_backend(pg_backend_pid());
                PERFORM pg_sleep(5);  -- the termination lands here, mid-transaction
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER arbiter_test_kill BEFORE INSERT ON annotations_readlabel
            FOR EACH ROW WHEN (NEW.comment = 'drop-my-connection')
            EXECUTE FUNCTION arbiter_test_kill_backend();
            """
        )
    yield
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER IF EXISTS arbiter_test_kill ON annotations_readlabel")
        cur.execute("DROP FUNCTION IF EXISTS arbiter_test_kill_backend()")


def test_connection_dropped_during_submit_is_a_clean_error_and_resubmit_works(
    live_server, make_team, kill_trigger
):
    team = make_team("chestxray14", readers=1, readers_per_item=1)
    image = make_images(team.dataset, 1)[0]
    enqueue(team, [image])
    reader = team.readers[0]
    token = team.c(reader)._credentials["HTTP_AUTHORIZATION"]
    http = requests.Session()
    http.headers["Authorization"] = token
    task = http.post(f"{live_server.url}/api/v1/datasets/{team.dataset.pk}/worklist/next/", timeout=30).json()
    read_id = task["read"]["id"]
    body = labels(team.dataset, Effusion="positive", comments={"Effusion": MARKER})

    r = http.post(f"{live_server.url}/api/v1/reads/{read_id}/submit/", json={"labels": body}, timeout=60)
    assert r.status_code == 503, r.text[:500]
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == "database_unavailable"
    read = Read.objects.get(pk=read_id)
    assert read.status == ReadStatus.CLAIMED and read.submitted_at is None
    assert not ReadLabel.objects.filter(read=read).exists()

    body = labels(team.dataset, Effusion="positive", comments={"Effusion": "fine now"})
    r = http.post(f"{live_server.url}/api/v1/reads/{read_id}/submit/", json={"labels": body}, timeout=60)
    assert r.status_code == 200, r.text[:500]
    read.refresh_from_db()
    assert read.status == ReadStatus.SUBMITTED
    stored = dict(ReadLabel.objects.filter(read=read).values_list("finding__key", "value"))
    assert stored["Effusion"] == "positive" and len(stored) == len(body)
