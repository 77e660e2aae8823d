"""Settings read from the environment."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.exceptions import ConfigError


def test_burst_settings_default_to_three_people_in_thirty_minutes():
    settings = Settings.from_env({})
    assert (settings.burst_people, settings.burst_minutes) == (3, 30)


def test_burst_settings_are_read_from_the_environment():
    settings = Settings.from_env({"SYNCDOC_BURST_PEOPLE": "5", "SYNCDOC_BURST_MINUTES": "10"})
    assert (settings.burst_people, settings.burst_minutes) == (5, 10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SYNCDOC_BURST_PEOPLE", "1"),
        ("SYNCDOC_BURST_PEOPLE", "three"),
        ("SYNCDOC_BURST_MINUTES", "0"),
        ("SYNCDOC_BURST_MINUTES", "-5"),
    ],
)
def test_a_bad_burst_setting_is_a_config_error_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-1-user-token", "SLACK_BOT_TOKEN must start with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1-bot-token", "SLACK_APP_TOKEN must start with xapp-"),
        ("SLACK_BOT_TOKEN", "xoxb-1 2", "SLACK_BOT_TOKEN must start with xoxb-"),
    ],
)
def test_a_malformed_slack_token_is_named_but_never_shown(name, value, message):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: value})
    assert message in caught.value.format_message()
    assert value not in caught.value.format_message()


def test_swapped_slack_tokens_are_pointed_out():
    with pytest.raises(ConfigError, match="looks like the value meant for SLACK_APP_TOKEN"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xapp-1-A0-123"})


def test_an_unknown_log_level_is_a_config_error():
    with pytest.raises(ConfigError, match="SYNCDOC_LOG_LEVEL must be one of DEBUG, INFO"):
        Settings.from_env({"SYNCDOC_LOG_LEVEL": "chatty"})


def test_slack_settings_are_read_once_into_settings():
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "SYNCDOC_COMMAND": "/lnwerror",
        }
    )
    assert settings.slack_bot_token.reveal() == "xoxb-1"
    assert settings.slack_app_token.reveal() == "xapp-1"
    assert settings.slack_signing_secret.reveal() == "s3cret"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.command == "/lnwerror"
    assert "s3cret" not in repr(settings) and "xoxb-1" not in repr(settings)
