"""Talkback's core, shared by the app (app.py, blueprints/) and its commands: configuration
defaults, extensions, models, database set-up, site settings, migrations, demo content and the CLI."""
