from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from nazorg.core.clock import today_from_env
from nazorg.core.errors import ConfigError
from nazorg.settings import load_settings


def test_defaults_are_ten_oclock_for_45_minutes_in_dutch(tmp_path: Path) -> None:
    s = load_settings(environ={})
    assert (s.meeting_time, s.meeting_minutes, s.language, s.lead_days) == (time(10), 45, "nl", 14)
    assert s.database_url == f"sqlite:///{tmp_path / 'xdg' / 'nazorg' / 'nazorg.db'}"
    assert s.outbox == tmp_path / "xdg" / "nazorg" / "outbox"


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "nazorg.toml"
    config.write_text(
        'language = "en"\nmeeting_time = "09:30"\noutbox = "/srv/out"\n'
        '[organizer]\nname = "TCO"\nemail = "tco@politie.example"\n'
        '[teams.BT2.organizer]\nname = "VGW"\nemail = "vgw@politie.example"\n'
    )
    monkeypatch.setenv("NAZORG_OUTBOX", "/srv/other")
    s = load_settings(config)
    assert s.language == "en" and s.meeting_time == time(9, 30)
    assert s.outbox == Path("/srv/other")
    assert s.organizer_for("BT1").email == "tco@politie.example"
    assert s.organizer_for("BT2").email == "vgw@politie.example"


def test_nazorg_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text("lead_days = 7\n")
    monkeypatch.setenv("NAZORG_CONFIG", str(config))
    assert load_settings().lead_days == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('language = "fr"\n', "ongeldige instelling 'language'"),
        ('meeting_time = "25:00"\n', "ongeldige instelling 'meeting_time'"),
        ("checkin_months = [1, 1]\n", "ongeldige instelling 'checkin_months'"),
        ("colour = 1\n", "ongeldige instelling 'colour'"),
        ('[organizer]\nemail = "geen-adres"\n', "ongeldige instelling 'organizer.email'"),
        ("language = \n", "geen geldige TOML"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_setting(
    tmp_path: Path, content: str, message: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_missing_config_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bestaat niet; controleer --config of NAZORG_CONFIG"):
        load_settings(tmp_path / "nope.toml")


def test_today_comes_from_nazorg_today() -> None:
    assert today_from_env({"NAZORG_TODAY": "2024-02-29"}) == date(2024, 2, 29)
    for bad in ("2025-02-30", "tomorrow", "2025-2-3"):
        with pytest.raises(ConfigError, match="NAZORG_TODAY"):
            today_from_env({"NAZORG_TODAY": bad})
