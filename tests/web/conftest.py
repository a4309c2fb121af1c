"""pytest-django for the web tests only: settings module and a throwaway data dir.

The database comes from ``DATABASE_URL`` when set (CI runs these tests on
SQLite and again on PostgreSQL), else SQLite (pytest-django makes the test
database). The rest of the suite does not load Django.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selectorate.web.settings")
if "SELECTORATE_DATA_DIR" not in os.environ:
    os.environ["SELECTORATE_DATA_DIR"] = tempfile.mkdtemp(prefix="selectorate-test-")

import django  # noqa: E402

django.setup()
