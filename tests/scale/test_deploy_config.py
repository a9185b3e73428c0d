"""deploy/compose.yml stays in step with endpoints.scale.yml (Docker is not run in these tests)."""

from __future__ import annotations

import re

import yaml

from bot.processes import ROOT

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yml").read_text(encoding="utf-8"))
ENDPOINTS_TEXT = "\n".join(
    line for line in (ROOT / "endpoints.scale.yml").read_text(encoding="utf-8").splitlines()
    if not line.lstrip().startswith("#")
)
RASA_SERVICES = ("rasa-a", "rasa-b")


def test_every_variable_of_endpoints_scale_is_set_for_each_rasa_instance() -> None:
    named = set(re.findall(r"\$\{([A-Z0-9_]+)\}", ENDPOINTS_TEXT))
    assert named
    for service in RASA_SERVICES:
        env = COMPOSE["services"][service]["environment"]
        assert named <= set(env), (service, named - set(env))


def test_the_rasa_instances_share_one_model_one_tracker_store_and_one_lock_store() -> None:
    a, b = (COMPOSE["services"][s] for s in RASA_SERVICES)
    assert a["command"] == b["command"]
    assert a["environment"] == b["environment"]
    assert "/app/endpoints.scale.yml" in a["command"]
    assert a["environment"]["MINWON_TRACKER_DB_HOST"] in COMPOSE["services"]
    assert a["environment"]["MINWON_REDIS_HOST"] in COMPOSE["services"]


def test_endpoints_scale_uses_shared_stores_and_expandable_variables() -> None:
    config = yaml.safe_load(ENDPOINTS_TEXT)
    assert config["tracker_store"]["dialect"] == "postgresql"
    # Redis, through the lock store whose ticket changes are atomic (bot/lock_store.py)
    assert config["lock_store"]["type"] == "bot.lock_store.AtomicRedisLockStore"
    # Rasa expands ${VAR} only in plain (unquoted) scalars
    assert not re.search(r"[\"']\$\{", ENDPOINTS_TEXT)


def test_the_load_balancer_sends_to_both_instances() -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for service in RASA_SERVICES:
        assert f"server {service}:5005" in nginx
