"""`manage.py check --deploy` is clean with the production stack's configuration: the environment
docker-compose.yml gives the app containers, with the secrets an operator puts in .env."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
_VAR = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def compose_env(operator: dict[str, str]) -> dict[str, str]:
    """The x-app environment of docker-compose.yml, interpolated as compose does."""
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {}
    for key, value in spec["x-app"]["environment"].items():

        def sub(m: re.Match) -> str:
            name, op, arg = m.group(1), m.group(2), m.group(3)
            if name in operator:
                return operator[name]
            assert op == "-", f"compose needs {name} from .env"
            return arg

        env[key] = _VAR.sub(sub, str(value))
    return env


def run_check(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_"))}
    full = {**base, **env, "ARBITER_VAR_DIR": str(tmp_path)}  # /data is the container's volume
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_compose_configuration(tmp_path):
    operator = {"SECRET_KEY": secrets.token_urlsafe(50), "ARBITER_PSEUDONYM_KEY": secrets.token_urlsafe(40)}
    env = compose_env(operator)
    assert env["DEBUG"] == "false" and env["SECURE_SSL_REDIRECT"] == "true"
    done = run_check(env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_without_the_pseudonym_key_or_with_plain_http(tmp_path):
    env = compose_env({"SECRET_KEY": secrets.token_urlsafe(50), "ARBITER_PSEUDONYM_KEY": ""})
    done = run_check(env, tmp_path)
    assert done.returncode != 0 and "arbiter.E001" in done.stdout + done.stderr
    env = compose_env(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ARBITER_PSEUDONYM_KEY": secrets.token_urlsafe(40),
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
        }
    )
    out = run_check(env, tmp_path)
    assert out.returncode != 0 and "security.W008" in out.stderr + out.stdout
    assert "security.W012" in out.stderr + out.stdout
