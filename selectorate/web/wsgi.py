"""The WSGI application gunicorn serves (``selectorate.web.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selectorate.web.settings")

application = get_wsgi_application()
