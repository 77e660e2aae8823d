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
