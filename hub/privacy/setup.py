"""Setting the privacy machinery up at start: the sharing policy, the key ring and the free-text scrubber, each
refusing to start on a bad policy or missing keys with a message that says what to set.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from hub.config import Settings
from hub.errors import ConfigError
from hub.privacy.keys import KEY_DIR_ENV, KEY_ENV_PREFIX, KeyRing, demo_keyring, load_keyring
from hub.privacy.policy import WITHHELD_TEXT, Policy, default_policy, load_policy
from hub.privacy.pseudonym import id_key_names

__all__ = ["WITHHELD_TEXT", "key_names", "receiving_domains", "stage_keys", "stage_policy", "stage_scrubber"]

log = structlog.get_logger(__name__)


def stage_policy(settings: Settings) -> Policy:
    """The policy of ``HUB_POLICY_PATH``, else the shipped one, validated (``PolicyError`` names every problem)."""
    if settings.policy_path is None:
        return default_policy()
    try:
        return load_policy(settings.policy_path)
    except UnicodeDecodeError as exc:  # a binary file, or one saved in another encoding
        raise ConfigError(
            f"sharing policy {settings.policy_path} is not UTF-8 text (byte {exc.start}); it must be a TOML file"
        ) from None


def receiving_domains(policy: Policy) -> tuple[str, ...]:
    """The domains that receive any event kind, and so need a key."""
    return tuple(name for name, domain in policy.domains.items() if domain.kinds)


def key_names(policy: Policy) -> tuple[str, ...]:
    """The names the key ring needs: every receiving domain, and the long-lived id keys some of them use
    (``hub.privacy.pseudonym.ID_KEYS``: ``analytics_ids``)."""
    domains = receiving_domains(policy)
    return domains + id_key_names(domains)


def stage_keys(settings: Settings, policy: Policy, environ: Mapping[str, str]) -> KeyRing:
    """The key ring: configured keys, or with ``HUB_PSEUDONYM_KEYS=demo`` (and only then) the public demo keys.

    Demo keys while real key material is configured, or no keys for a receiving domain, refuse the start.
    """
    domains = key_names(policy)
    if settings.pseudonym_keys == "demo":
        configured = sorted(n for n in environ if (n == KEY_DIR_ENV or n.startswith(KEY_ENV_PREFIX)) and environ[n])
        if configured:
            raise ConfigError(
                f"HUB_PSEUDONYM_KEYS=demo, but key material is configured ({', '.join(configured)}); "
                "unset HUB_PSEUDONYM_KEYS to use that key material, or remove it to run on the demo keys"
            )
        log.warning(
            "DEMO PSEUDONYMISATION KEYS: derived from a public seed, anyone can recompute every pseudonym; "
            "never use them with real data (unset HUB_PSEUDONYM_KEYS and configure keys, see docs/privacy.md)"
        )
        return demo_keyring(domains)
    try:
        return load_keyring(domains, environ)
    except ConfigError as exc:
        raise ConfigError(
            f"{exc}. The pseudonymise stage does not start without keys; "
            "for the demo and tests only, HUB_PSEUDONYM_KEYS=demo uses public demo keys"
        ) from None


def stage_scrubber(policy: Policy) -> Callable[[str], str] | None:
    """The free-text scrubber for ``scrub`` rules: ``hub.privacy.scrub``; while it is not installed, one that
    withholds the whole text (fail closed, with a warning). None when the policy has no ``scrub`` rule."""
    needed = any(
        step.rule.action == "scrub"
        for domain in policy.domains.values()
        for plan in domain.plans.values()
        for step in plan.steps
    )
    if not needed:
        return None
    try:
        module: Any = importlib.import_module("hub.privacy.scrub")
    except ModuleNotFoundError as exc:
        if exc.name != "hub.privacy.scrub":
            raise  # the scrubber is there but broken: refuse to start rather than guess
        log.warning("hub.privacy.scrub is not installed: free text under a scrub rule is withheld whole")
        return _withhold

    def scrub(text: str) -> str:
        result: str = module.scrub(text).text
        return result

    return scrub


def _withhold(text: str) -> str:
    return WITHHELD_TEXT
