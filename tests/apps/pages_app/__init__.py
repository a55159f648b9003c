"""A multi-page Dash app (``use_pages=True``) made by an app factory, whose
page modules register image callbacks on a shared extension (see
tests/browser/test_pages_in_chromium.py)."""
