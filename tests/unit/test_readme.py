from pathlib import Path

from adapters.settings import CHANNEL_SETTINGS
from hub.config import SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in README]
    assert missing == []


def test_every_channel_setting_is_documented_in_the_readme():
    missing = [s.name for s in CHANNEL_SETTINGS if f"`{s.name}`" not in README]
    assert missing == []
