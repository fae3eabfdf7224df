"""WSGI entry point for gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

from newsarchive.allocator import fix_mmap_threshold, threshold_from_environment

if threshold := threshold_from_environment():
    fix_mmap_threshold(threshold)  # each worker imports this module after the fork (preload_app is off)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

application = get_wsgi_application()
