import pytest

from directory.demo import load_demo_directory
from hub.extensions import db


@pytest.fixture
def demo_directory(app_context):
    load_demo_directory()
    db.session.commit()
    return app_context
