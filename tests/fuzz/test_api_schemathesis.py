"""schemathesis over the OpenAPI schema (/api/schema/): every operation, called by an authenticated
reader and an admin with generated parameters and bodies, never answers with a server error (5xx).

Bounded: a few examples per operation, so the whole run takes about two minutes on a shared machine.
The dataset holds real rows (images, queued items, reads, a final label) whose small ids generated
path parameters hit, so the views' deeper paths run, not only their 404s.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.annotations.reading.conftest import enqueue, labels, make_images, read_item

EXAMPLES = 8


@pytest.fixture
def tokens(make_team, transactional_db):
    from tests.support.tokens import api_token

    team = make_team("chestxray14", readers=2, readers_per_item=2, slug="fuzzed")
    images = make_images(team.dataset, 4)
    enqueue(team, images)
    read_item(team, team.readers[0], {"labels": labels(team.dataset)})
    read_item(team, team.readers[1], {"labels": labels(team.dataset)})
    return {
        "reader": api_token(team.readers[0]),
        "admin": api_token(team.admin),
    }


@pytest.mark.filterwarnings("ignore")
def test_no_server_errors(live_server, tokens):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    failures: dict[str, str] = {}
    n_operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        n_operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def call(case):
            for role, token in tokens.items():
                response = case.call(base_url=live_server.url, headers={"Authorization": f"Token {token}"})
                if response.status_code >= 500:
                    key = f"{case.method} {case.operation.path} as {role}"
                    failures.setdefault(key, f"{response.status_code}: {case.as_curl_command()}")

        call()
    assert n_operations >= 30
    assert failures == {}
