"""``solara run scenarios.app``: the dashboard page under its first name (it lives in
``scenarios/dashboard/app.py``, which ``alliances dashboard`` serves)."""

from scenarios.dashboard.app import Page, page

__all__ = ["Page", "page"]
