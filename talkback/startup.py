"""What happens when the app starts: engine set-up, migrations, seed data."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade

from .database import configure_engine
from .extensions import db


def prepare(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)
        if app.config["AUTO_MIGRATE"]:
            upgrade(directory=app.extensions["migrate"].directory)
            seed(app)


def seed(app: Flask) -> None:
    """The policy rules always; the demo article when asked and the site has none."""
    from blueprints.articles.content import load_demo_content, seed_policy_rules

    seed_policy_rules()
    if app.config["DEMO_CONTENT"]:
        load_demo_content()
    db.session.commit()

