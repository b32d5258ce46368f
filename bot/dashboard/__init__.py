"""The bank keepers' web dashboard (``python -m bot dashboard``): item statistics, the article
by mastery, disputes. aiohttp.web with Jinja2 templates (the ``dashboard`` extra); sign-in
through a one-time link the bot sends to admins (``/dashboard``).

This package's ``auth`` module is imported by the bot itself, so nothing here imports Jinja2
at package level.
"""
